//! The two (three) custody backends the contract suite runs against.
//!
//! - [`Fake`]: a wiremock server with canned OutLayer responses written from `wire-formats.md`
//!   §2 (signatures and VRF proofs in them are real, precomputed from fixed keys), read through
//!   the real `HttpOutLayer`.
//! - [`SandboxHttp`]: the sandbox router nested under `/outlayer`, served on 127.0.0.1:0, read
//!   through the real `HttpOutLayer`.
//! - [`SandboxInProcess`]: the same `LocalCustody` called through the `Custody` trait directly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use nearly_sandbox::ledger::{Ledger, ManualClock};
use outlayer_client::wire::{VrfProof, WasmOutput};
use outlayer_client::{Custody, CustodyAuth, HttpConfig, HttpOutLayer};
use sandbox_custody::{Config, LocalCustody};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tempfile::TempDir;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The clock of every sandbox fixture (2023-11-14), in nanoseconds.
pub(crate) const T0_NS: u64 = 1_700_000_000_000_000_000;
/// The namespace the suite writes to.
pub(crate) const NS: &str = "contextual.near";
/// The default sandbox balance, 10 NEAR.
pub(crate) const TEN_NEAR: &str = "10000000000000000000000000";

/// Fixed inputs of the contract cases (the fake's canned answers are computed from them).
pub(crate) const SIGN_MESSAGE: &str = "{\"action\":\"claim\",\"domain\":\"nearly.social\"}";
pub(crate) const SIGN_RECIPIENT: &str = "nearly.social";
pub(crate) const SIGN_NONCE: [u8; 32] = [7; 32];
pub(crate) const VRF_REQUEST_ID: &str = "req-1";
pub(crate) const IDEMPOTENCY_KEY: &str = "idem-1";
pub(crate) const TOKEN_SEED: &str = "admin";

/// A wallet as a test sees it.
#[derive(Debug, Clone)]
pub(crate) struct Wallet {
    pub(crate) auth: CustodyAuth,
    pub(crate) account_id: String,
}

/// One custody implementation under test.
#[async_trait]
pub(crate) trait Backend: Send + Sync {
    /// The custody, as the server would hold it.
    fn custody(&self) -> &dyn Custody;
    /// A registered, funded wallet.
    async fn wallet(&self) -> Wallet;
    /// A registered wallet whose balance is zero.
    async fn broke_wallet(&self) -> Wallet;
    /// A `near:` token for `wallet` (seed [`TOKEN_SEED`]) that this backend accepts now.
    async fn account_token(&self, wallet: &Wallet) -> CustodyAuth;
    /// The VRF key the backend publishes (`GET /vrf/pubkey` over HTTP).
    async fn vrf_public_key_hex(&self) -> String;
    /// The base URL for raw HTTP requests; `None` in-process.
    fn base_url(&self) -> Option<String>;
}

pub(crate) fn http_config() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        read_retries: 1,
        retry_backoff: Duration::from_millis(1),
        ..HttpConfig::default()
    }
}

fn implicit(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().to_bytes())
}

async fn fetch_vrf_pubkey(base: &str) -> String {
    let body: Value = reqwest::get(format!("{base}/vrf/pubkey"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["vrf_public_key_hex"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// The wiremock fake.

/// Keys of the fake's wallets and VRF.
fn fake_wallet_key() -> SigningKey {
    SigningKey::from_bytes(&[11; 32])
}
fn fake_broke_key() -> SigningKey {
    SigningKey::from_bytes(&[12; 32])
}
fn fake_vrf_key() -> SigningKey {
    SigningKey::from_bytes(&[13; 32])
}
const FAKE_WK: &str = "wk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const FAKE_BROKE_WK: &str = "wk_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const FAKE_RANDOM_NONCE: [u8; 32] = [9; 32];
const FAKE_TOKEN_TS: u64 = 1_700_000_000;

/// Matches a JSON body without the named top-level field.
struct BodyLacks(&'static str);

impl Match for BodyLacks {
    fn matches(&self, request: &Request) -> bool {
        serde_json::from_slice::<Value>(&request.body)
            .is_ok_and(|v| v.is_object() && v.get(self.0).is_none())
    }
}

/// Matches a `call` whose `args` hold more than 256 keys.
struct TooManyKeys;

impl Match for TooManyKeys {
    fn matches(&self, request: &Request) -> bool {
        serde_json::from_slice::<Value>(&request.body)
            .is_ok_and(|v| v["args"].as_object().is_some_and(|args| args.len() > 256))
    }
}

/// Matches a request without the header.
struct NoHeader(&'static str);

impl Match for NoHeader {
    fn matches(&self, request: &Request) -> bool {
        !request.headers.contains_key(self.0)
    }
}

/// A NEP-413 signature response of `key` over the fixed message.
fn canned_signature(key: &SigningKey, nonce: [u8; 32]) -> Value {
    let payload = nep413::Payload::new(
        SIGN_MESSAGE,
        nep413::Nonce::from_bytes(nonce),
        SIGN_RECIPIENT,
        None,
    );
    let sig = nep413::Signature::from_bytes(payload.sign(key));
    json!({
        "account_id": implicit(key),
        "public_key": nep413::PublicKey::from(key.verifying_key()).to_string(),
        "signature": sig.to_prefixed_base58(),
        "signature_base64": sig.to_base64(),
        "nonce": STANDARD.encode(nonce),
    })
}

fn canned_vrf_proof() -> VrfProof {
    let key = fake_vrf_key();
    let alpha = format!("vrf:{VRF_REQUEST_ID}:suggest");
    let sig = key.sign(alpha.as_bytes()).to_bytes();
    VrfProof {
        output_hex: hex::encode(Sha256::digest(sig)),
        signature_hex: hex::encode(sig),
        alpha,
        vrf_public_key: implicit(&key),
    }
}

/// OutLayer as the fake knows it.
pub(crate) struct Fake {
    server: MockServer,
    client: HttpOutLayer,
    token: String,
}

impl Fake {
    pub(crate) async fn start() -> Self {
        let server = MockServer::start().await;
        let key = fake_wallet_key();
        let account = implicit(&key);
        let broke_account = implicit(&fake_broke_key());
        let bearer = format!("Bearer {FAKE_WK}");
        let token = outlayer_client::mint_account_token(&key, &account, TOKEN_SEED, FAKE_TOKEN_TS);
        let error = |code: &str, message: &str| json!({"error": code, "message": message});

        let mocks = vec![
            Mock::given(method("POST"))
                .and(path("/register"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "api_key": FAKE_WK, "wallet_id": "a1b2c3d4-0000-4000-8000-000000000000",
                    "near_account_id": account,
                    "handoff_url": format!("https://outlayer.fastnear.com/wallet?key={FAKE_WK}"),
                    "trial": {"calls_remaining": 100, "expires_at": "2026-04-10T00:00:00Z",
                              "limits": {"max_instructions": 100_000_000,
                                         "max_execution_seconds": 30, "max_memory_mb": 64}}}))),
            Mock::given(method("GET"))
                .and(path("/wallet/v1/balance"))
                .and(header("authorization", bearer.as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"balance": TEN_NEAR, "token": "near", "account_id": account}),
                )),
            Mock::given(method("GET"))
                .and(path("/wallet/v1/balance"))
                .and(header("authorization", format!("Bearer {token}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"balance": TEN_NEAR, "token": "near", "account_id": account}),
                )),
            Mock::given(method("GET"))
                .and(path("/wallet/v1/balance"))
                .and(header(
                    "authorization",
                    format!("Bearer {FAKE_BROKE_WK}").as_str(),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"balance": "0", "token": "near", "account_id": broke_account}),
                )),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/call"))
                .and(header(
                    "authorization",
                    format!("Bearer {FAKE_BROKE_WK}").as_str(),
                ))
                .respond_with(
                    ResponseTemplate::new(502)
                        .insert_header("content-type", "text/html")
                        .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
                ),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/call"))
                .and(header("authorization", bearer.as_str()))
                .and(TooManyKeys)
                .respond_with(ResponseTemplate::new(422).set_body_json(json!({
                    "error": "onchain_tx_failed", "message": "transaction failed",
                    "tx_hash": "8kP4cfAPFp5vFzPyzbyVz4Am9dhFp9KXpgSrgXCwnJYq",
                    "failure": {"ActionError": {"index": 0}}}))),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/call"))
                .and(header("authorization", bearer.as_str()))
                .and(header("x-idempotency-key", IDEMPOTENCY_KEY))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "request_id": "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f", "status": "success",
                    "tx_hash": "3xQvPpmEz8pTQ5cYkTjW1hM7a9QeC2VnDwr4F6bSyLuK", "result": null})))
                .up_to_n_times(1)
                .with_priority(1),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/call"))
                .and(header("authorization", bearer.as_str()))
                .and(header("x-idempotency-key", IDEMPOTENCY_KEY))
                .respond_with(ResponseTemplate::new(200).set_body_json(error(
                    "duplicate_idempotency_key",
                    "Request already processed: 5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
                )))
                .with_priority(2),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/call"))
                .and(header("authorization", bearer.as_str()))
                .and(body_partial_json(json!({"method_name": "__fastdata_kv"})))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "request_id": "0e1d2c3b-4a59-4687-9a6b-5c4d3e2f1a0b", "status": "success",
                    "tx_hash": "9aXwR2sF4kLmN7pQ1tV6yB3cD8eG5hJ2kM4nP6qR8sT1", "result": null}))),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/sign-message"))
                .and(header("authorization", bearer.as_str()))
                .and(body_partial_json(
                    json!({"nonce": STANDARD.encode(SIGN_NONCE)}),
                ))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(canned_signature(&key, SIGN_NONCE)),
                ),
            Mock::given(method("POST"))
                .and(path("/wallet/v1/sign-message"))
                .and(header("authorization", bearer.as_str()))
                .and(BodyLacks("nonce"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(canned_signature(&key, FAKE_RANDOM_NONCE)),
                ),
            Mock::given(method("GET"))
                .and(path("/vrf/pubkey"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"vrf_public_key_hex": implicit(&fake_vrf_key())})),
                ),
            Mock::given(method("POST"))
                .and(path("/call/hack.near/nearly"))
                .and(header("authorization", bearer.as_str()))
                .and(body_partial_json(
                    json!({"input": {"action": "get_vrf_seed",
                                                        "request_id": VRF_REQUEST_ID}}),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "call_id": "c-1", "status": "completed",
                    "output": STANDARD.encode(serde_json::to_vec(&WasmOutput {
                        success: true, data: Some(canned_vrf_proof()), error: None,
                    }).unwrap()),
                    "compute_cost": "0", "instructions": 1234, "time_ms": 5}))),
            // Fallbacks: no credential, or one OutLayer does not know.
            Mock::given(NoHeader("authorization"))
                .respond_with(ResponseTemplate::new(401).set_body_json(error(
                    "missing_auth",
                    "Provide Authorization: Bearer <api_key> header. Register at POST /register",
                )))
                .with_priority(10),
            Mock::given(header_exists("authorization"))
                .respond_with(
                    ResponseTemplate::new(401)
                        .set_body_json(error("invalid_api_key", "Invalid API key")),
                )
                .with_priority(10),
        ];
        for mock in mocks {
            mock.mount(&server).await;
        }
        let client = HttpOutLayer::new(&server.uri(), http_config()).unwrap();
        Self {
            server,
            client,
            token,
        }
    }
}

fn header_exists(name: &'static str) -> wiremock::matchers::HeaderExistsMatcher {
    wiremock::matchers::header_exists(name)
}

#[async_trait]
impl Backend for Fake {
    fn custody(&self) -> &dyn Custody {
        &self.client
    }

    async fn wallet(&self) -> Wallet {
        let registered = self.client.register().await.unwrap();
        Wallet {
            auth: CustodyAuth::WalletKey(registered.api_key),
            account_id: registered.near_account_id,
        }
    }

    async fn broke_wallet(&self) -> Wallet {
        Wallet {
            auth: CustodyAuth::WalletKey(FAKE_BROKE_WK.into()),
            account_id: implicit(&fake_broke_key()),
        }
    }

    async fn account_token(&self, _wallet: &Wallet) -> CustodyAuth {
        CustodyAuth::AccountToken(self.token.clone())
    }

    async fn vrf_public_key_hex(&self) -> String {
        fetch_vrf_pubkey(&self.server.uri()).await
    }

    fn base_url(&self) -> Option<String> {
        Some(self.server.uri())
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox.

/// A `LocalCustody` over a fresh ledger in a temporary data dir, with a manual clock at
/// [`T0_NS`].
pub(crate) struct Sandbox {
    pub(crate) custody: LocalCustody,
    pub(crate) ledger: Ledger,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) dir: TempDir,
}

impl Sandbox {
    pub(crate) fn new(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (custody, ledger, clock) = Self::open_in(dir.path(), config);
        Self {
            custody,
            ledger,
            clock,
            dir,
        }
    }

    /// Opens the ledger and custody in `dir` (again, after a restart).
    pub(crate) fn open_in(
        dir: &std::path::Path,
        config: Config,
    ) -> (LocalCustody, Ledger, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(T0_NS));
        let ledger = Ledger::open(dir.join("ledger.redb"), Arc::clone(&clock)).unwrap();
        let custody = LocalCustody::open(dir, ledger.clone(), Arc::clone(&clock), config).unwrap();
        (custody, ledger, clock)
    }

    pub(crate) async fn register(&self) -> Wallet {
        let registered = self.custody.create_wallet().await.unwrap();
        Wallet {
            auth: CustodyAuth::WalletKey(registered.api_key),
            account_id: registered.near_account_id,
        }
    }

    async fn broke(&self) -> Wallet {
        let wallet = self.register().await;
        self.custody
            .set_balance(&wallet.account_id, Some(0))
            .await
            .unwrap();
        wallet
    }

    async fn token(&self, wallet: &Wallet) -> CustodyAuth {
        CustodyAuth::AccountToken(
            self.custody
                .mint_account_token(&wallet.auth, TOKEN_SEED)
                .await
                .unwrap(),
        )
    }
}

/// Serves `app` on 127.0.0.1:0 for the rest of the test.
pub(crate) async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// The sandbox router nested under `/outlayer`, over real HTTP.
pub(crate) struct SandboxHttp {
    sandbox: Sandbox,
    client: HttpOutLayer,
    base: String,
}

impl SandboxHttp {
    pub(crate) async fn start() -> Self {
        let sandbox = Sandbox::new(Config::default());
        let app = axum::Router::new().nest(
            "/outlayer",
            sandbox_custody::router(sandbox.custody.clone()),
        );
        let addr = serve(app).await;
        let base = format!("http://{addr}/outlayer");
        let client = HttpOutLayer::new(&base, http_config()).unwrap();
        Self {
            sandbox,
            client,
            base,
        }
    }
}

#[async_trait]
impl Backend for SandboxHttp {
    fn custody(&self) -> &dyn Custody {
        &self.client
    }

    async fn wallet(&self) -> Wallet {
        let registered = self.client.register().await.unwrap();
        Wallet {
            auth: CustodyAuth::WalletKey(registered.api_key),
            account_id: registered.near_account_id,
        }
    }

    async fn broke_wallet(&self) -> Wallet {
        self.sandbox.broke().await
    }

    async fn account_token(&self, wallet: &Wallet) -> CustodyAuth {
        self.sandbox.token(wallet).await
    }

    async fn vrf_public_key_hex(&self) -> String {
        fetch_vrf_pubkey(&self.base).await
    }

    fn base_url(&self) -> Option<String> {
        Some(self.base.clone())
    }
}

/// The sandbox through the `Custody` trait, without HTTP.
pub(crate) struct SandboxInProcess {
    sandbox: Sandbox,
}

impl SandboxInProcess {
    pub(crate) async fn start() -> Self {
        Self {
            sandbox: Sandbox::new(Config::default()),
        }
    }
}

#[async_trait]
impl Backend for SandboxInProcess {
    fn custody(&self) -> &dyn Custody {
        &self.sandbox.custody
    }

    async fn wallet(&self) -> Wallet {
        let registered = self.sandbox.custody.register().await.unwrap();
        Wallet {
            auth: CustodyAuth::WalletKey(registered.api_key),
            account_id: registered.near_account_id,
        }
    }

    async fn broke_wallet(&self) -> Wallet {
        self.sandbox.broke().await
    }

    async fn account_token(&self, wallet: &Wallet) -> CustodyAuth {
        self.sandbox.token(wallet).await
    }

    async fn vrf_public_key_hex(&self) -> String {
        self.sandbox.custody.vrf_public_key_hex()
    }

    fn base_url(&self) -> Option<String> {
        None
    }
}
