//! Nearly's shared state on Redis, so that N server replicas keep one set of guarantees: the
//! NEP-413 nonce store ([`RedisNonceStore`]), the per-action rate limits
//! ([`RedisRateLimiter`]), the daily `generate.*` budgets ([`RedisBudget`]) and the platform
//! registrations ([`RedisPlatformStore`]), each behind the trait its in-process twin implements
//! (`nep413::NonceStore`, `api_http::RateLimiter`, `api_http::GenerateBudget`,
//! `api_http::PlatformStore`).
//!
//! Every decision that must be atomic across replicas is one command or one Lua script (one
//! round trip): a rate-limit window is an `INCR` of a key named by the window's start (windows
//! are aligned to the clock), a nonce a `SET NX PX`, and verify-claim's slot and nonce go in one
//! pipeline ([`RedisClaimLimiter`]); budgets and platform merges are scripts. Every call is
//! bounded by [`RedisConfig::timeout`]; every key starts with [`RedisConfig::prefix`]. Liveness
//! and window arithmetic use the caller's injected clock (the same `now` the in-process twins
//! use), so both backends pass one behaviour suite; Redis key expiry only bounds memory. The connection is a [`redis::aio::ConnectionManager`], which
//! reconnects by itself when Redis comes back.
//!
//! What it is not: no cluster support (the scripts touch several keys of one instance), no
//! fallback to in-process state when Redis is unreachable (a store error is returned and the
//! API answers a retriable error: a replica that silently used local state would break the
//! guarantees this crate exists for).
//!
//! ```no_run
//! use std::sync::Arc;
//! use nearly_redis::{RedisConfig, RedisState};
//!
//! # async fn demo() -> Result<(), nearly_redis::RedisError> {
//! let redis = RedisState::connect(RedisConfig::new("redis://127.0.0.1:6379")).await?;
//! let clock = Arc::new(nep413::SystemClock);
//! let nonces = redis.nonce_store();
//! let limits = redis.rate_limiter(clock.clone());
//! let budget = redis.budget(clock, 50, 5000);
//! let platforms = redis.platform_store();
//! # let _ = (nonces, limits, budget, platforms);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "conformance")]
pub mod conformance;
mod stores;
#[cfg(feature = "test-server")]
pub mod test_server;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use stores::{
    RedisBudget, RedisClaimLimiter, RedisNonceStore, RedisPlatformStore, RedisRateLimiter,
};

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "nearly";
/// The default bound on every Redis call (connect and response).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// Why a Redis call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedisError {
    /// The URL is not a Redis URL.
    #[error("invalid Redis URL: {0}")]
    Url(String),
    /// The call did not finish within the configured timeout.
    #[error("redis {op} timed out after {timeout_ms} ms")]
    Timeout {
        /// Which operation.
        op: &'static str,
        /// The configured timeout.
        timeout_ms: u64,
    },
    /// Redis answered with an error or the connection failed.
    #[error("redis {op} failed: {message}")]
    Command {
        /// Which operation.
        op: &'static str,
        /// What Redis or the connection said.
        message: String,
    },
    /// Redis answered something the script does not return.
    #[error("redis {op} answered unexpectedly: {message}")]
    Protocol {
        /// Which operation.
        op: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Where Redis is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://host:port[/db]` (or `rediss://`, `redis+unix://`).
    pub url: String,
    /// Every key starts with `{prefix}:` (default [`DEFAULT_PREFIX`]); give each deployment
    /// sharing one Redis its own.
    pub prefix: String,
    /// Bound on connecting and on every call (default [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
}

impl RedisConfig {
    /// `url` with the default prefix and timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Replaces the key prefix.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Replaces the per-call timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// One connection (auto-reconnecting) shared by every store; cheap to clone.
#[derive(Clone)]
pub struct RedisState {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisState")
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisState {
    /// Builds the connection manager. It connects lazily: a replica started while Redis is
    /// down still starts (reads serve from the index; shared-state calls fail until Redis is
    /// back). A `PING` is tried once and a failure logged.
    ///
    /// # Errors
    ///
    /// [`RedisError::Url`] when the URL cannot be parsed.
    pub async fn connect(config: RedisConfig) -> Result<Self, RedisError> {
        let client =
            redis::Client::open(config.url.as_str()).map_err(|e| RedisError::Url(e.to_string()))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|e| RedisError::Url(e.to_string()))?;
        let state = Self {
            inner: Arc::new(Inner {
                conn,
                prefix: config.prefix,
                timeout: config.timeout,
            }),
        };
        if let Err(e) = state.ping().await {
            tracing::warn!(error = %e, "redis is not reachable yet; shared-state calls fail until it is");
        }
        Ok(state)
    }

    /// `PING`, bounded by the timeout (a readiness check).
    ///
    /// # Errors
    ///
    /// Redis is unreachable, slow or answered an error.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.inner.conn.clone();
        self.bounded("ping", async move {
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await
        .map(drop)
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The NEP-413 nonce store.
    pub fn nonce_store(&self) -> RedisNonceStore {
        RedisNonceStore::new(self.clone())
    }

    /// The per-action rate limiter, windows computed on `clock`.
    pub fn rate_limiter(&self, clock: Arc<dyn nep413::Clock>) -> RedisRateLimiter {
        RedisRateLimiter::new(self.clone(), clock)
    }

    /// verify-claim's limit and nonce record in one pipeline (one round trip per claim), on the
    /// keys of [`RedisState::rate_limiter`] and [`RedisState::nonce_store`]. Liveness and
    /// windows use the `now` the caller passes.
    pub fn claim_limiter(&self) -> RedisClaimLimiter {
        RedisClaimLimiter::new(self.clone())
    }

    /// The daily `generate.*` budgets (`per_caller` and `global` per UTC day on `clock`).
    pub fn budget(
        &self,
        clock: Arc<dyn nep413::Clock>,
        per_caller: u32,
        global: u32,
    ) -> RedisBudget {
        RedisBudget::new(self.clone(), clock, per_caller, global)
    }

    /// The platform registrations.
    pub fn platform_store(&self) -> RedisPlatformStore {
        RedisPlatformStore::new(self.clone())
    }

    pub(crate) fn key(&self, parts: &[&str]) -> String {
        let mut key = self.inner.prefix.clone();
        for p in parts {
            key.push(':');
            key.push_str(p);
        }
        key
    }

    pub(crate) fn conn(&self) -> ConnectionManager {
        self.inner.conn.clone()
    }

    /// Runs `call` within the timeout, counting failures in `nearly_redis_errors_total{op}`.
    pub(crate) async fn bounded<T>(
        &self,
        op: &'static str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisError> {
        let result = match tokio::time::timeout(self.inner.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(RedisError::Command {
                op,
                message: e.to_string(),
            }),
            Err(_) => Err(RedisError::Timeout {
                op,
                timeout_ms: u64::try_from(self.inner.timeout.as_millis()).unwrap_or(u64::MAX),
            }),
        };
        if let Err(e) = &result {
            metrics::counter!("nearly_redis_errors_total", "op" => op).increment(1);
            tracing::warn!(error = %e, "redis call failed");
        }
        result
    }
}
