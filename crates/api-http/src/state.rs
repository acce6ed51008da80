//! The application state: every dependency as an `Arc<dyn Trait>`, chosen by the server binary.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use nep413::{AccessKeys, Clock, ImplicitOnly, InMemoryNonceStore, NonceStore, SystemClock};
use outlayer_client::Custody;
use serde::Serialize;

use indexer::{Indexer, IndexerConfig};
use nearly_core::{AccountId, Profile};

use crate::auth::WalletKeyCache;
use crate::claim_limit::{ClaimLimiter, SeparateClaimLimiter};
use crate::generate::{
    DEFAULT_GLOBAL_DAILY, DEFAULT_PER_CALLER_DAILY, GenerateBudget, InMemoryBudget, LlmClient,
    LookupError, ProfileLookup,
};
use crate::platforms::{MemoryPlatformStore, PlatformClient, PlatformStore};
use crate::rate_limit::{InMemoryRateLimiter, RateLimiter};

/// The state of the graph index as `GET /health` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexStatus {
    /// `"starting"`, `"catching_up"`, `"ready"` or `"degraded"` (the indexer decides).
    pub state: String,
    /// Whether the index has caught up with its source (readiness: `GET /ready`).
    pub ready: bool,
    /// Agents with a profile, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_count: Option<u64>,
    /// The last indexed block height, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// The indexer's full health (source head, lag, last success and error, incomplete scans).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub detail: Option<crate::probes::IndexDetail>,
}

/// Reports the index's status to `GET /health`.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// The current status.
    async fn index_status(&self) -> IndexStatus;
}

/// The FastData namespace (custody receiver) when none is configured.
pub const DEFAULT_NAMESPACE: &str = "contextual.near";

/// [`ProfileLookup`] over the index.
#[derive(Debug, Clone)]
pub struct IndexProfiles(pub Arc<Indexer>);

#[async_trait]
impl ProfileLookup for IndexProfiles {
    async fn profile(&self, account: &AccountId) -> Result<Option<Profile>, LookupError> {
        Ok(self.0.read().profile(account.as_str()).cloned())
    }
}

/// [`HealthProbe`] over the index: [`indexer::Indexer::health`] at the system time.
#[derive(Debug, Clone)]
pub struct IndexHealth(pub Arc<Indexer>);

#[async_trait]
impl HealthProbe for IndexHealth {
    async fn index_status(&self) -> IndexStatus {
        crate::probes::index_status(&self.0)
    }
}

/// Settings that are plain values, not services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Take the client IP of per-IP limits from the last `X-Forwarded-For` hop (only behind a
    /// proxy you run, which appends it); otherwise the connection's peer address.
    pub trust_forwarded_for: bool,
    /// Recipients NEAR AI hub tokens may be signed for (default `["ai.near"]`).
    pub near_ai_recipients: Vec<String>,
    /// The version `GET /health` reports.
    pub version: String,
    /// How long a read with `?min_height=H` waits for the index to reach `H` before answering
    /// 503 `INDEX_BEHIND` (default 5 s; see [`crate::index_height`]).
    pub min_height_wait: std::time::Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            trust_forwarded_for: false,
            near_ai_recipients: vec![nep413::policy::near_ai::NEAR_AI_RECIPIENT.to_owned()],
            version: env!("CARGO_PKG_VERSION").to_owned(),
            min_height_wait: crate::index_height::DEFAULT_MIN_HEIGHT_WAIT,
        }
    }
}

/// Everything the handlers use. Cheap to clone (all `Arc`s).
///
/// [`AppState::new`] fills every slot with an in-process default (system clock, in-memory
/// limits, nonces and platform store, no LLM, no NEAR RPC, no index); the `with_*` methods
/// replace them.
#[derive(Clone)]
pub struct AppState {
    /// Agent custody (real OutLayer or the sandbox).
    pub custody: Arc<dyn Custody>,
    /// Per-action rate limits.
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// Server-verified platform ids.
    pub platform_store: Arc<dyn PlatformStore>,
    /// Configured platform clients by id; a catalog platform without one is "not configured".
    pub platform_clients: Arc<HashMap<String, Arc<dyn PlatformClient>>>,
    /// The `generate.*` model; `None` answers 503 `NOT_CONFIGURED`.
    pub llm: Option<Arc<dyn LlmClient>>,
    /// The daily `generate.*` budgets.
    pub budget: Arc<dyn GenerateBudget>,
    /// Profiles, for `generate.*` and platform registration.
    pub profiles: Arc<dyn ProfileLookup>,
    /// The index status for `/health`.
    pub health: Arc<dyn HealthProbe>,
    /// Wall clock (Unix ms) for tokens, claims, limits and budgets.
    pub clock: Arc<dyn Clock>,
    /// Used NEP-413 nonces (verify-claim and NEAR AI tokens share it).
    pub nonces: Arc<dyn NonceStore>,
    /// verify-claim's limit and nonce record in one call ([`crate::claim_limit`]); `None`:
    /// [`SeparateClaimLimiter`] over `rate_limiter` and `nonces` (see
    /// [`AppState::claim_limiter`]). Replacing either of those resets it.
    pub claim_limiter: Option<Arc<dyn ClaimLimiter>>,
    /// Named-account key lookups (NEAR RPC, or implicit accounts only).
    pub access_keys: Arc<dyn AccessKeys>,
    /// Resolved wallet keys.
    pub wallet_keys: Arc<WalletKeyCache>,
    /// Plain settings.
    pub config: Arc<ApiConfig>,
    /// The materialized social graph every read answers from, and where the API applies its
    /// own acknowledged writes (read-your-writes). Its namespace is the custody call's receiver.
    pub index: Arc<Indexer>,
    /// The head height of the source the index follows, when the API can read it synchronously
    /// (the sandbox ledger, which custody writes into). With it, a write whose custody outcome
    /// names its block waits (briefly, on a notification) for the index to confirm that block
    /// instead of applying it provisionally ([`crate::write_wait`]); `/metrics` reports the lag.
    pub source_head: Option<SourceHead>,
}

/// Reads the head block height of the source the index follows.
pub type SourceHead = Arc<dyn Fn() -> u64 + Send + Sync>;

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field(
                "platforms",
                &self.platform_clients.keys().collect::<Vec<_>>(),
            )
            .field("llm", &self.llm.is_some())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A state with `custody` and in-process defaults for everything else.
    pub fn new(custody: Arc<dyn Custody>) -> Self {
        Self::with_clock_defaults(custody, Arc::new(SystemClock))
    }

    /// Like [`AppState::new`], with every clock-driven default built on `clock`.
    pub fn with_clock_defaults(custody: Arc<dyn Custody>, clock: Arc<dyn Clock>) -> Self {
        let index = Arc::new(Indexer::new(IndexerConfig::new(DEFAULT_NAMESPACE)));
        Self {
            custody,
            rate_limiter: Arc::new(InMemoryRateLimiter::new(clock.clone())),
            platform_store: Arc::new(MemoryPlatformStore::default()),
            platform_clients: Arc::new(HashMap::new()),
            llm: None,
            budget: Arc::new(InMemoryBudget::new(
                clock.clone(),
                DEFAULT_PER_CALLER_DAILY,
                DEFAULT_GLOBAL_DAILY,
            )),
            profiles: Arc::new(IndexProfiles(index.clone())),
            health: Arc::new(IndexHealth(index.clone())),
            clock,
            nonces: Arc::new(InMemoryNonceStore::default()),
            claim_limiter: None,
            access_keys: Arc::new(ImplicitOnly),
            wallet_keys: Arc::new(WalletKeyCache::default()),
            config: Arc::new(ApiConfig::default()),
            index,
            source_head: None,
        }
    }

    /// Sets the source-head reader (see [`AppState::source_head`]).
    #[must_use]
    pub fn with_source_head(mut self, head: SourceHead) -> Self {
        self.source_head = Some(head);
        self
    }

    /// Serves the graph from `index`; also answers `generate.*` and platform profile lookups
    /// and `/health`'s index status from it.
    #[must_use]
    pub fn with_index(mut self, index: Arc<Indexer>) -> Self {
        self.profiles = Arc::new(IndexProfiles(index.clone()));
        self.health = Arc::new(IndexHealth(index.clone()));
        self.index = index;
        self
    }

    /// Replaces the rate limiter.
    #[must_use]
    pub fn with_rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.rate_limiter = limiter;
        self.claim_limiter = None;
        self
    }

    /// Replaces verify-claim's combined limit-and-record call (a shared store that does both
    /// in one round trip). Set it after the rate limiter and the nonce store it stands for.
    #[must_use]
    pub fn with_claim_limiter(mut self, limiter: Arc<dyn ClaimLimiter>) -> Self {
        self.claim_limiter = Some(limiter);
        self
    }

    /// verify-claim's claim limiter: the one set, or the rate limiter then the nonce store.
    pub fn claim_limiter(&self) -> Arc<dyn ClaimLimiter> {
        self.claim_limiter.clone().unwrap_or_else(|| {
            Arc::new(SeparateClaimLimiter::new(
                self.rate_limiter.clone(),
                self.nonces.clone(),
            ))
        })
    }

    /// Replaces the platform store.
    #[must_use]
    pub fn with_platform_store(mut self, store: Arc<dyn PlatformStore>) -> Self {
        self.platform_store = store;
        self
    }

    /// Adds (or replaces) a platform client under its id.
    #[must_use]
    pub fn with_platform_client(mut self, client: Arc<dyn PlatformClient>) -> Self {
        let mut map = (*self.platform_clients).clone();
        map.insert(client.id().to_owned(), client);
        self.platform_clients = Arc::new(map);
        self
    }

    /// Sets the `generate.*` model.
    #[must_use]
    pub fn with_llm(mut self, llm: Arc<dyn LlmClient>) -> Self {
        self.llm = Some(llm);
        self
    }

    /// Replaces the daily budget.
    #[must_use]
    pub fn with_budget(mut self, budget: Arc<dyn GenerateBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// Replaces the profile lookup.
    #[must_use]
    pub fn with_profiles(mut self, profiles: Arc<dyn ProfileLookup>) -> Self {
        self.profiles = profiles;
        self
    }

    /// Replaces the health probe.
    #[must_use]
    pub fn with_health(mut self, health: Arc<dyn HealthProbe>) -> Self {
        self.health = health;
        self
    }

    /// Replaces the nonce store.
    #[must_use]
    pub fn with_nonces(mut self, nonces: Arc<dyn NonceStore>) -> Self {
        self.nonces = nonces;
        self.claim_limiter = None;
        self
    }

    /// Replaces the access-key lookup.
    #[must_use]
    pub fn with_access_keys(mut self, access_keys: Arc<dyn AccessKeys>) -> Self {
        self.access_keys = access_keys;
        self
    }

    /// Replaces the wallet-key cache.
    #[must_use]
    pub fn with_wallet_key_cache(mut self, cache: Arc<WalletKeyCache>) -> Self {
        self.wallet_keys = cache;
        self
    }

    /// Replaces the settings.
    #[must_use]
    pub fn with_config(mut self, config: ApiConfig) -> Self {
        self.config = Arc::new(config);
        self
    }
}
