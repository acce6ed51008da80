//! External platform registration (`GET /platforms`, `POST /agents/me/platforms`): the catalog,
//! the [`PlatformClient`] trait with real HTTP clients for `market.near.ai` and `near.fm`, and
//! the [`PlatformStore`] that persists server-verified platform ids (never in FastData).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use nearly_core::AccountId;
use outlayer_client::wire::SignMessageRequest;
use outlayer_client::{Custody, CustodyAuth};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::CallerKind;

/// One platform of the catalog served by `GET /platforms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlatformInfo {
    /// The id used in registration requests.
    pub id: &'static str,
    /// Display name.
    #[serde(rename = "displayName")]
    pub display_name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Whether registration needs a `Bearer wk_...` caller.
    #[serde(rename = "requiresWalletKey")]
    pub requires_wallet_key: bool,
}

/// The `market.near.ai` id.
pub const MARKET_ID: &str = "market.near.ai";
/// The `near.fm` id.
pub const NEAR_FM_ID: &str = "near.fm";

/// The platforms this server knows, in the documented order.
pub const PLATFORMS: [PlatformInfo; 2] = [
    PlatformInfo {
        id: MARKET_ID,
        display_name: "Agent Market",
        description: "Post jobs, bid on work, and list services on the agent market.",
        requires_wallet_key: false,
    },
    PlatformInfo {
        id: NEAR_FM_ID,
        display_name: "near.fm",
        description: "Generate AI music, publish songs, earn tips and bounties.",
        requires_wallet_key: true,
    },
];

/// The production base URL of `market.near.ai`.
pub const MARKET_PRODUCTION_URL: &str = "https://market.near.ai/v1";
/// The production base URL of `near.fm`.
pub const NEAR_FM_PRODUCTION_URL: &str = "https://api.near.fm";

/// The near.fm failure for callers without a wallet key (the reference's wording).
pub const NEAR_FM_WALLET_KEY_REQUIRED: &str = "Wallet key required for near.fm registration. Use POST /agents/me/platforms with a Bearer token to register later.";

/// Everything a platform client needs to register one agent. Owned, so registrations can run
/// concurrently on their own tasks.
#[derive(Clone)]
pub struct Registration {
    /// The agent.
    pub account_id: AccountId,
    /// How the agent authenticated.
    pub kind: CallerKind,
    /// The agent's custody credential.
    pub custody_auth: CustodyAuth,
    /// Custody, to sign claims with the agent's key.
    pub custody: Arc<dyn Custody>,
    /// The agent's tags (may be empty).
    pub tags: Vec<String>,
    /// The agent's capabilities (may be empty).
    pub capabilities: Map<String, Value>,
    /// Now, Unix ms (for the signed messages' timestamps).
    pub now_ms: u64,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("account_id", &self.account_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// An external platform that agents can be registered on.
#[async_trait]
pub trait PlatformClient: Send + Sync {
    /// The platform id (one of [`PLATFORMS`]).
    fn id(&self) -> &str;

    /// Registers the agent: the platform's credentials, or a human-readable failure.
    async fn register(&self, registration: &Registration) -> Result<Map<String, Value>, String>;
}

/// Joins a base URL and a path with exactly one `/`.
fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// The first 200 characters of a body.
fn snippet(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(200) {
        Some((end, _)) => format!("{}...", &t[..end]),
        None => t.to_owned(),
    }
}

fn transport_failure(platform: &str, e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("{platform} did not answer in time")
    } else {
        format!("{platform} could not be reached")
    }
}

/// Picks the string-or-number fields `names` of `body` (renamed by `rename`) into credentials.
fn pick(body: &Value, fields: &[(&str, &[&str])]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, path) in fields {
        let mut v = body;
        let mut found = true;
        for p in *path {
            match v.get(p) {
                Some(next) => v = next,
                None => {
                    found = false;
                    break;
                }
            }
        }
        if found && (v.is_string() || v.is_number()) {
            out.insert((*name).to_owned(), v.clone());
        }
    }
    out
}

/// `market.near.ai`: a direct POST of a NEP-413 claim signed through custody for recipient
/// `market.near.ai`. Timeout 5 s.
#[derive(Debug, Clone)]
pub struct MarketClient {
    base_url: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl MarketClient {
    /// A client for the platform at `base_url` (production: [`MARKET_PRODUCTION_URL`]).
    pub fn new(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.into(),
            http,
            timeout: Duration::from_secs(5),
        }
    }

    /// Replaces the 5 s timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[async_trait]
impl PlatformClient for MarketClient {
    fn id(&self) -> &str {
        MARKET_ID
    }

    async fn register(&self, r: &Registration) -> Result<Map<String, Value>, String> {
        let message = format!(
            r#"{{"action":"register_platforms","domain":"nearly.social","account_id":"{}","version":1,"timestamp":{}}}"#,
            r.account_id.as_str(),
            r.now_ms
        );
        let signed = r
            .custody
            .sign_message(
                &r.custody_auth,
                &SignMessageRequest::nep413(message.clone(), MARKET_ID, None),
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "custody could not sign the market claim");
                "Could not sign the registration claim through custody".to_owned()
            })?;
        let mut body = Map::new();
        body.insert("account_id".into(), json!(r.account_id.as_str()));
        if !r.tags.is_empty() {
            body.insert("tags".into(), json!(r.tags));
        }
        if !r.capabilities.is_empty() {
            body.insert("capabilities".into(), Value::Object(r.capabilities.clone()));
        }
        body.insert(
            "verifiable_claim".into(),
            json!({
                "account_id": signed.account_id,
                "public_key": signed.public_key,
                "signature": signed.signature,
                "nonce": signed.nonce,
                "message": message,
            }),
        );
        let response = self
            .http
            .post(join(&self.base_url, "agents/register"))
            .timeout(self.timeout)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_failure(MARKET_ID, &e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| transport_failure(MARKET_ID, &e))?;
        let parsed = serde_json::from_str::<Value>(&text).ok();
        if !status.is_success() {
            return Err(parsed
                .as_ref()
                .and_then(|v| v.get("error"))
                .and_then(Value::as_str)
                .map_or_else(
                    || format!("Registration failed (HTTP {})", status.as_u16()),
                    str::to_owned,
                ));
        }
        match parsed {
            Some(v @ Value::Object(_)) => Ok(pick(
                &v,
                &[
                    ("api_key", &["api_key"]),
                    ("agent_id", &["agent_id"]),
                    ("account_id", &["account_id"]),
                ],
            )),
            _ => Err("Invalid response from platform".to_owned()),
        }
    }
}

/// `near.fm`: the custody signing handshake (needs a `wk_` caller). Timeout 3 s.
#[derive(Debug, Clone)]
pub struct NearFmClient {
    base_url: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl NearFmClient {
    /// A client for the platform at `base_url` (production: [`NEAR_FM_PRODUCTION_URL`]).
    pub fn new(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.into(),
            http,
            timeout: Duration::from_secs(3),
        }
    }

    /// Replaces the 3 s timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[async_trait]
impl PlatformClient for NearFmClient {
    fn id(&self) -> &str {
        NEAR_FM_ID
    }

    async fn register(&self, r: &Registration) -> Result<Map<String, Value>, String> {
        if r.kind != CallerKind::WalletKey {
            return Err(NEAR_FM_WALLET_KEY_REQUIRED.to_owned());
        }
        let message = format!(
            r#"{{"action":"sign_in","domain":"near.fm","version":1,"timestamp":{}}}"#,
            r.now_ms
        );
        let signed = r
            .custody
            .sign_message(
                &r.custody_auth,
                &SignMessageRequest::nep413(message.clone(), NEAR_FM_ID, None),
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "custody could not sign the near.fm claim");
                "Could not sign the near.fm sign-in through custody".to_owned()
            })?;
        let nonce = base64::engine::general_purpose::STANDARD
            .decode(signed.nonce.trim())
            .ok()
            .filter(|n| n.len() == 32)
            .ok_or_else(|| "Signed nonce is not 32 bytes".to_owned())?;
        let body = json!({
            "account_id": signed.account_id,
            "public_key": signed.public_key,
            "signature": signed.signature,
            "message": message,
            "nonce": nonce,
            "recipient": NEAR_FM_ID,
        });
        let response = self
            .http
            .post(join(&self.base_url, "api/auth/agent"))
            .timeout(self.timeout)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_failure(NEAR_FM_ID, &e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| transport_failure(NEAR_FM_ID, &e))?;
        if !status.is_success() {
            return Err(format!("near.fm auth failed: {}", snippet(&text)));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v @ Value::Object(_)) => Ok(pick(
                &v,
                &[
                    ("token", &["token"]),
                    ("user_id", &["user", "id"]),
                    ("slug", &["user", "slug"]),
                ],
            )),
            _ => Err("Invalid response from platform".to_owned()),
        }
    }
}

/// Why the platform store failed.
#[derive(Debug, thiserror::Error)]
#[error("platform store: {0}")]
pub struct PlatformStoreError(pub String);

/// The server's own durable record of server-verified platform ids per agent.
#[async_trait]
pub trait PlatformStore: Send + Sync {
    /// The agent's platform ids, in registration order.
    async fn platforms(&self, account: &AccountId) -> Result<Vec<String>, PlatformStoreError>;

    /// Merges `ids` into the agent's list and returns the updated list.
    async fn add(
        &self,
        account: &AccountId,
        ids: &[String],
    ) -> Result<Vec<String>, PlatformStoreError>;
}

type PlatformMap = BTreeMap<String, Vec<String>>;

fn merge(map: &mut PlatformMap, account: &AccountId, ids: &[String]) -> Vec<String> {
    let list = map.entry(account.as_str().to_owned()).or_default();
    for id in ids {
        if !list.contains(id) {
            list.push(id.clone());
        }
    }
    list.clone()
}

/// A [`PlatformStore`] in process memory (tests, ephemeral deployments).
#[derive(Debug, Default)]
pub struct MemoryPlatformStore {
    map: std::sync::RwLock<PlatformMap>,
}

#[async_trait]
impl PlatformStore for MemoryPlatformStore {
    async fn platforms(&self, account: &AccountId) -> Result<Vec<String>, PlatformStoreError> {
        Ok(self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(account.as_str())
            .cloned()
            .unwrap_or_default())
    }

    async fn add(
        &self,
        account: &AccountId,
        ids: &[String],
    ) -> Result<Vec<String>, PlatformStoreError> {
        let mut map = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(merge(&mut map, account, ids))
    }
}

/// The file [`FilePlatformStore`] keeps in its data dir.
pub const PLATFORMS_FILE: &str = "platforms.json";

/// A durable [`PlatformStore`]: one JSON file in the data dir (`{account: [ids]}`), rewritten
/// atomically (a `tempfile` temp file, fsync, persist, fsync of the directory) on every change,
/// and read once at open.
#[derive(Debug)]
pub struct FilePlatformStore {
    path: PathBuf,
    /// What readers see: replaced only after the file holds the new map.
    map: std::sync::RwLock<PlatformMap>,
    /// Serializes writers (read, merge, write the file, publish).
    writer: tokio::sync::Mutex<()>,
}

impl FilePlatformStore {
    /// Opens (or creates) `data_dir/platforms.json`.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created or the file exists but cannot be read or parsed.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Self, PlatformStoreError> {
        let dir = data_dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| PlatformStoreError(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(PLATFORMS_FILE);
        let map = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| PlatformStoreError(format!("parsing {}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => PlatformMap::new(),
            Err(e) => {
                return Err(PlatformStoreError(format!(
                    "reading {}: {e}",
                    path.display()
                )));
            }
        };
        Ok(Self {
            path,
            map: std::sync::RwLock::new(map),
            writer: tokio::sync::Mutex::new(()),
        })
    }
}

/// Replaces `path` with `bytes` atomically and durably: a [`tempfile::NamedTempFile`] in the
/// same directory, written and fsynced, persisted (renamed) over `path`, then the directory
/// fsynced so the rename survives a crash. A reader sees the old file or the new one, never a
/// part; a failure leaves the old file (the temp file is removed when dropped).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl PlatformStore for FilePlatformStore {
    async fn platforms(&self, account: &AccountId) -> Result<Vec<String>, PlatformStoreError> {
        Ok(self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(account.as_str())
            .cloned()
            .unwrap_or_default())
    }

    async fn add(
        &self,
        account: &AccountId,
        ids: &[String],
    ) -> Result<Vec<String>, PlatformStoreError> {
        let _writer = self.writer.lock().await;
        let current = self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut next = current.clone();
        let list = merge(&mut next, account, ids);
        if next == current {
            return Ok(list);
        }
        let bytes =
            serde_json::to_vec_pretty(&next).map_err(|e| PlatformStoreError(e.to_string()))?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| PlatformStoreError(format!("write task: {e}")))?
            .map_err(|e| PlatformStoreError(format!("writing {}: {e}", self.path.display())))?;
        *self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let alice = AccountId::parse("alice.near").unwrap();
        {
            let store = FilePlatformStore::open(dir.path()).unwrap();
            assert!(store.platforms(&alice).await.unwrap().is_empty());
            let l = store.add(&alice, &["near.fm".into()]).await.unwrap();
            assert_eq!(l, ["near.fm"]);
            let l = store
                .add(&alice, &["market.near.ai".into(), "near.fm".into()])
                .await
                .unwrap();
            assert_eq!(l, ["near.fm", "market.near.ai"]);
        }
        let store = FilePlatformStore::open(dir.path()).unwrap();
        assert_eq!(
            store.platforms(&alice).await.unwrap(),
            ["near.fm", "market.near.ai"]
        );
    }

    #[test]
    fn atomic_writes_replace_the_whole_file_and_leave_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PLATFORMS_FILE);
        write_atomically(&path, b"{\"a\":[\"near.fm\"]}").unwrap();
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [PLATFORMS_FILE]);
        // A write that cannot create its temp file fails and leaves nothing behind.
        let missing = dir.path().join("gone").join(PLATFORMS_FILE);
        assert!(write_atomically(&missing, b"{}").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }

    #[test]
    fn corrupt_file_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PLATFORMS_FILE), b"{not json").unwrap();
        assert!(FilePlatformStore::open(dir.path()).is_err());
    }

    #[test]
    fn picking_credentials() {
        let v = json!({"token": "t", "user": {"id": 7, "slug": "s"}, "other": 1});
        let c = pick(
            &v,
            &[
                ("token", &["token"]),
                ("user_id", &["user", "id"]),
                ("slug", &["user", "slug"]),
                ("x", &["nope"]),
            ],
        );
        assert_eq!(
            Value::Object(c),
            json!({"token": "t", "user_id": 7, "slug": "s"})
        );
    }
}
