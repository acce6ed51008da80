//! Where the state that must hold across requests lives: the NEP-413 nonce store, the rate
//! limits, the `generate.*` budgets and the platform registrations.
//!
//! Self-contained on purpose (one function, called once by start-up): without `--redis-url`
//! everything is the embedded default (nonces in `nonces.log` and platforms in `platforms.json`
//! in the data dir, limits and budgets in process memory); with it, all four live in Redis so
//! every replica shares them.

use std::sync::Arc;

use api_http::generate::{DEFAULT_GLOBAL_DAILY, DEFAULT_PER_CALLER_DAILY};
use api_http::{AppState, FilePlatformStore};
use nearly_redis::{RedisConfig, RedisState};
use nep413::{Clock as _, FileNonceStore, SystemClock};

use crate::config::Config;
use crate::error::ServerError;

/// Replaces the shared-state slots of `state` with the configured implementations.
pub(crate) async fn install(config: &Config, mut state: AppState) -> Result<AppState, ServerError> {
    if let Some(url) = &config.redis_url {
        let redis_config = RedisConfig::new(url.as_str())
            .with_prefix(config.redis_prefix.clone())
            .with_timeout(std::time::Duration::from_millis(
                config.redis_timeout_ms.max(1),
            ));
        let redis = RedisState::connect(redis_config)
            .await
            .map_err(|e| ServerError::Config(format!("--redis-url: {e}")))?;
        let clock = state.clock.clone();
        tracing::info!(prefix = %redis.prefix(), "shared state on redis");
        return Ok(state
            .with_nonces(Arc::new(redis.nonce_store()))
            .with_rate_limiter(Arc::new(redis.rate_limiter(clock.clone())))
            .with_claim_limiter(Arc::new(redis.claim_limiter()))
            .with_budget(Arc::new(redis.budget(
                clock,
                DEFAULT_PER_CALLER_DAILY,
                DEFAULT_GLOBAL_DAILY,
            )))
            .with_platform_store(Arc::new(redis.platform_store())));
    }
    let dir = config.data_dir.clone();
    let now = SystemClock.now_ms();
    let (nonces, platforms) = tokio::task::spawn_blocking(move || {
        let nonces = FileNonceStore::open(&dir, now).map_err(|source| ServerError::DataDir {
            path: dir.join(nep413::file_store::NONCE_LOG_FILE),
            source,
        })?;
        let platforms = FilePlatformStore::open(&dir)?;
        Ok::<_, ServerError>((nonces, platforms))
    })
    .await
    .map_err(|e| ServerError::Task {
        task: "open the data dir stores",
        message: e.to_string(),
    })??;
    state = state
        .with_nonces(Arc::new(nonces))
        .with_platform_store(Arc::new(platforms));
    Ok(state)
}
