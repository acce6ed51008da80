//! Authentication: the `Authorization: Bearer ...` header turned into a [`Caller`].
//!
//! | bearer | verified by | may mutate |
//! |---|---|---|
//! | `wk_...` | custody `resolve_account` (cached) | yes |
//! | `near:<base64url>` | [`outlayer_client::verify_account_token`] (clock and access keys injected) | yes |
//! | `{json}` NEAR AI hub token | [`nep413::NearAiTokenPolicy`] (single use) | no: reads only |
//!
//! A missing header, another scheme or a bearer of none of these kinds is `AUTH_REQUIRED`; a
//! credential that fails verification is `AUTH_FAILED` (`NONCE_REPLAY` for a replayed NEAR AI
//! token); an upstream that cannot answer (custody, NEAR RPC) is 502 `STORAGE_ERROR`.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use nearly_core::{AccountId, ErrorCode};
use nep413::{NearAiTokenPolicy, Reason, Verifier};
use outlayer_client::{CustodyAuth, CustodyError, TokenError, TokenPolicy};
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Hint on `AUTH_REQUIRED`.
pub const HINT_AUTH_REQUIRED: &str = "Add an `Authorization: Bearer wk_...` header (your custody wallet key) or `Authorization: Bearer near:<base64url>` (an OutLayer account token). See Configuration in skill.md.";
/// Hint on a mutation attempted with a read-only credential.
pub const HINT_READ_ONLY: &str = "NEAR AI hub tokens grant authenticated reads only. Mutations need `Authorization: Bearer wk_...` or `Authorization: Bearer near:<base64url>`.";
/// Hint on an unknown wallet key.
pub const HINT_BAD_WALLET_KEY: &str = "Custody does not know this wallet key. Use the `api_key` saved in ~/.config/nearly/credentials.json, or create a wallet with POST https://api.outlayer.fastnear.com/register.";
/// Hint on an expired `near:` token.
pub const HINT_TOKEN_EXPIRED: &str =
    "near: tokens are valid for 30 seconds around their timestamp: mint a fresh one and retry.";
/// Hint on a token of a named account when the server has no NEAR RPC: permanent, not
/// retriable.
pub const HINT_NAMED_NEEDS_RPC: &str = "This server runs without NEAR RPC, so it cannot verify named accounts (like alice.near); retrying will not help. Use a wk_ key or a token of an implicit account, or ask the operator to configure NEAR RPC (--rpc-url).";
/// Hint on a `near:` token that fails verification.
pub const HINT_BAD_TOKEN: &str = "Mint a fresh near: token from your custody wallet; it must be signed by a full-access key of its account.";
/// Hint on a NEAR AI token that fails verification.
pub const HINT_BAD_NEAR_AI: &str = "Sign a fresh NEAR AI token (new nonce, current timestamp in ms) for recipient ai.near with a full-access key of the account.";
/// Hint on a replayed NEAR AI token.
pub const HINT_REPLAY: &str =
    "NEAR AI tokens are single-use: sign a new token with a fresh nonce and retry.";

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// `Bearer wk_...`.
    WalletKey,
    /// `Bearer near:...`.
    AccountToken,
    /// `Bearer {json}` NEAR AI hub token.
    NearAiToken,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The verified account.
    pub account_id: AccountId,
    /// How it authenticated.
    pub kind: CallerKind,
    /// The credential to act through custody with (`None` for NEAR AI tokens).
    pub custody_auth: Option<CustodyAuth>,
}

impl Caller {
    /// Whether this caller may mutate (wallet keys and account tokens; NEAR AI tokens cannot,
    /// there is no custody key to sign with).
    pub fn can_mutate(&self) -> bool {
        matches!(self.kind, CallerKind::WalletKey | CallerKind::AccountToken)
    }
}

/// A caller allowed to mutate: the extractor refuses NEAR AI tokens with 401 `AUTH_REQUIRED`
/// and a hint (they count as no mutation credential, so clients do not retry them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutator(pub Caller);

/// The caller if one authenticated: no header, or a bearer of no known kind, is `None`; a
/// credential that fails verification is still an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalCaller(pub Option<Caller>);

fn auth_required(message: &str) -> ApiError {
    ApiError::new(ErrorCode::AuthRequired, message).with_hint(HINT_AUTH_REQUIRED)
}

/// The bearer credential of a request, if the header is `Bearer <non-empty>`.
fn bearer(parts: &Parts) -> Option<String> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, rest) = value.split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Whether a bearer looks like a NEAR AI hub token (JSON, `auth:`-wrapped or percent-encoded).
fn is_near_ai_token(token: &str) -> bool {
    let t = token.trim_start_matches(['\'', '"']);
    t.starts_with('{')
        || t.starts_with("auth:")
        || t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%7b"))
}

impl Caller {
    /// Authenticates a request's parts: `Ok(None)` when there is no usable bearer.
    pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Self>, ApiError> {
        let Some(token) = bearer(parts) else {
            return Ok(None);
        };
        match CustodyAuth::from_bearer(&token) {
            Some(auth @ CustodyAuth::WalletKey(_)) => {
                state.wallet_keys.resolve(state, auth).await.map(Some)
            }
            Some(auth @ CustodyAuth::AccountToken(_)) => {
                verify_near_token(state, &token, auth).await.map(Some)
            }
            None if is_near_ai_token(&token) => verify_near_ai(state, &token).await.map(Some),
            None => Ok(None),
        }
    }
}

async fn verify_near_token(
    state: &AppState,
    token: &str,
    auth: CustodyAuth,
) -> Result<Caller, ApiError> {
    let now_s = state.clock.now_ms() / 1000;
    match outlayer_client::verify_account_token(
        token,
        now_s,
        &TokenPolicy::default(),
        state.access_keys.as_ref(),
    )
    .await
    {
        Ok(verified) => {
            let account_id = AccountId::parse(&verified.account_id).map_err(|e| {
                ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {e}"))
                    .with_hint(HINT_BAD_TOKEN)
            })?;
            Ok(Caller {
                account_id,
                kind: CallerKind::AccountToken,
                custody_auth: Some(auth),
            })
        }
        Err(TokenError::NotBound(why)) if !state.access_keys.resolves_named_accounts() => Err(
            ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {why}"))
                .with_hint(HINT_NAMED_NEEDS_RPC),
        ),
        Err(TokenError::RpcError(cause)) => Err(ApiError::upstream(
            "Could not check the near: token's key against NEAR RPC; retry shortly",
            cause,
        )),
        Err(e @ TokenError::Expired { .. }) => Err(ApiError::new(
            ErrorCode::AuthFailed,
            format!("Auth failed: {e}"),
        )
        .with_hint(HINT_TOKEN_EXPIRED)),
        Err(e) => Err(
            ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {e}"))
                .with_hint(HINT_BAD_TOKEN),
        ),
    }
}

async fn verify_near_ai(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let verifier = Verifier::new(
        state.clock.clone(),
        state.nonces.clone(),
        state.access_keys.clone(),
    );
    let policy =
        NearAiTokenPolicy::new(verifier).with_recipients(state.config.near_ai_recipients.clone());
    match policy.verify(token).await {
        Ok(identity) => {
            let account_id = AccountId::parse(&identity.account_id).map_err(|e| {
                ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {e}"))
                    .with_hint(HINT_BAD_NEAR_AI)
            })?;
            Ok(Caller {
                account_id,
                kind: CallerKind::NearAiToken,
                custody_auth: None,
            })
        }
        Err(e) => Err(match e.reason() {
            Reason::Replay => ApiError::new(
                ErrorCode::NonceReplay,
                format!("NEAR AI token already used: {}", e.detail()),
            )
            .with_hint(HINT_REPLAY),
            Reason::AccountBinding if !state.access_keys.resolves_named_accounts() => {
                ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {e}"))
                    .with_hint(HINT_NAMED_NEEDS_RPC)
            }
            Reason::RpcError => ApiError::upstream(
                "Could not verify the NEAR AI token's key; retry shortly",
                e.detail(),
            ),
            _ => ApiError::new(ErrorCode::AuthFailed, format!("Auth failed: {e}"))
                .with_hint(HINT_BAD_NEAR_AI),
        }),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Err(auth_required("Authentication required"));
        }
        Self::authenticate(parts, state).await?.ok_or_else(|| {
            auth_required(
                "Unrecognised credentials: expected a Bearer wk_..., near:... or NEAR AI token",
            )
        })
    }
}

impl FromRequestParts<AppState> for Mutator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.can_mutate() {
            Ok(Self(caller))
        } else {
            Err(ApiError::new(
                ErrorCode::AuthRequired,
                "This action needs a wallet key or account token; NEAR AI tokens are read-only",
            )
            .with_hint(HINT_READ_ONLY))
        }
    }
}

impl FromRequestParts<AppState> for OptionalCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Caller::authenticate(parts, state).await.map(Self)
    }
}

/// The longest a wallet-key resolution may wait on custody (its client has its own, shorter,
/// timeouts; this bounds any implementation).
pub const CUSTODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Default time a resolved wallet key stays cached.
pub const DEFAULT_WALLET_KEY_TTL_MS: u64 = 5 * 60 * 1000;

/// Default bound on cached wallet keys.
pub const DEFAULT_WALLET_KEY_CACHE_SIZE: usize = 10_000;

/// A bounded TTL cache of `wk_` key -> account, keyed by the key's SHA-256 (the secret itself is
/// never stored). Only keys custody accepted are cached.
///
/// Storage and eviction are [`quick_cache`]'s (concurrent, sharded, S3-FIFO: a full cache drops
/// the entries least likely to be used again; the bound is approximate, per shard). The TTL is
/// checked here against the injected clock ([`AppState::clock`]): an entry resolved at `t` is
/// used while `now < t + ttl` and dropped on the first read after, so tests move time with a
/// manual clock (quick_cache has no TTL of its own, and a cache-side clock could not be
/// injected).
pub struct WalletKeyCache {
    ttl_ms: u64,
    capacity: usize,
    entries: quick_cache::sync::Cache<[u8; 32], (AccountId, u64)>,
}

impl std::fmt::Debug for WalletKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletKeyCache")
            .field("ttl_ms", &self.ttl_ms)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for WalletKeyCache {
    fn default() -> Self {
        Self::new(DEFAULT_WALLET_KEY_TTL_MS, DEFAULT_WALLET_KEY_CACHE_SIZE)
    }
}

impl WalletKeyCache {
    /// A cache holding about `capacity` keys (at least one) for `ttl_ms` each.
    pub fn new(ttl_ms: u64, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            ttl_ms,
            capacity,
            entries: quick_cache::sync::Cache::new(capacity),
        }
    }

    /// The number of cached keys (expired ones not read since included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, digest: &[u8; 32], now_ms: u64) -> Option<AccountId> {
        match self.entries.get(digest) {
            Some((account, expires)) if expires > now_ms => Some(account),
            Some(_) => {
                // Only the expired entry: a fresh one inserted meanwhile stays.
                self.entries
                    .remove_if(digest, |(_, expires)| *expires <= now_ms);
                None
            }
            None => None,
        }
    }

    fn insert(&self, digest: [u8; 32], account: AccountId, now_ms: u64) {
        self.entries
            .insert(digest, (account, now_ms.saturating_add(self.ttl_ms)));
    }

    /// Resolves a wallet key through the cache, then custody.
    pub(crate) async fn resolve(
        &self,
        state: &AppState,
        auth: CustodyAuth,
    ) -> Result<Caller, ApiError> {
        let CustodyAuth::WalletKey(key) = &auth else {
            return Err(auth_required("Not a wallet key"));
        };
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let now = state.clock.now_ms();
        if let Some(account_id) = self.get(&digest, now) {
            return Ok(Caller {
                account_id,
                kind: CallerKind::WalletKey,
                custody_auth: Some(auth),
            });
        }
        let resolved = tokio::time::timeout(CUSTODY_TIMEOUT, state.custody.resolve_account(&auth))
            .await
            .map_err(|_| {
                ApiError::upstream(
                    "Custody service did not answer in time; retry with backoff",
                    "resolve_account timed out",
                )
            })?
            .map_err(custody_auth_error)?;
        let account_id = AccountId::parse(&resolved)
            .map_err(|e| ApiError::upstream("Custody answered an invalid account id", e))?;
        self.insert(digest, account_id.clone(), state.clock.now_ms());
        Ok(Caller {
            account_id,
            kind: CallerKind::WalletKey,
            custody_auth: Some(auth),
        })
    }
}

/// Custody's answer to an unknown or refused key is `AUTH_FAILED`; anything else is upstream.
fn custody_auth_error(e: CustodyError) -> ApiError {
    match e {
        CustodyError::Unauthorized { .. }
        | CustodyError::Forbidden { .. }
        | CustodyError::NotFound { .. } => ApiError::new(
            ErrorCode::AuthFailed,
            "Auth failed: wallet key was not accepted by custody",
        )
        .with_hint(HINT_BAD_WALLET_KEY),
        other => ApiError::upstream("Custody service unavailable; retry with backoff", other),
    }
}

/// Shared handle type for the cache in [`AppState`].
pub type SharedWalletKeyCache = Arc<WalletKeyCache>;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(auth: Option<&str>) -> Parts {
        let mut b = Request::builder().uri("/");
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(&parts(Some("Bearer wk_1"))), Some("wk_1".into()));
        assert_eq!(
            bearer(&parts(Some("bearer   near:x "))),
            Some("near:x".into())
        );
        assert_eq!(bearer(&parts(Some("Basic abc"))), None);
        assert_eq!(bearer(&parts(Some("Bearer "))), None);
        assert_eq!(bearer(&parts(None)), None);
    }

    #[test]
    fn near_ai_detection() {
        assert!(is_near_ai_token("{\"account_id\":1}"));
        assert!(is_near_ai_token("auth:'{}'"));
        assert!(is_near_ai_token("%7B%22a%22"));
        assert!(!is_near_ai_token("sk_live_123"));
    }

    #[test]
    fn cache_expires_on_the_injected_clock() {
        let cache = WalletKeyCache::new(1000, 16);
        let a = AccountId::parse("alice.near").unwrap();
        cache.insert([1; 32], a.clone(), 0);
        assert_eq!(cache.get(&[1; 32], 999), Some(a.clone()));
        assert_eq!(cache.get(&[1; 32], 1000), None);
        assert!(cache.is_empty(), "an expired entry is dropped when read");
        // A re-resolution starts a fresh TTL.
        cache.insert([1; 32], a.clone(), 1000);
        assert_eq!(cache.get(&[1; 32], 1999), Some(a));
        assert_eq!(cache.get(&[2; 32], 0), None);
    }

    #[test]
    fn cache_is_bounded() {
        let cache = WalletKeyCache::new(u64::MAX, 100);
        let a = AccountId::parse("alice.near").unwrap();
        for i in 0..1000u32 {
            let mut digest = [0; 32];
            digest[..4].copy_from_slice(&i.to_be_bytes());
            cache.insert(digest, a.clone(), 0);
        }
        // quick_cache's bound is approximate (per shard), never far above the capacity.
        assert!(cache.len() <= 2 * 100, "{}", cache.len());
        assert!(cache.len() >= 50, "{}", cache.len());
    }
}
