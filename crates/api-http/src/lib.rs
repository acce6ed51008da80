//! Nearly's HTTP API: the axum router behind `https://nearly.social/api/v1`.
//!
//! Three layers, each calling only downwards:
//!
//! - **HTTP** (the private `handlers` module, one file per feature: reads, writes, claims,
//!   generate, platforms, meta): each handler extracts (path, query, a body deserialized into
//!   its `nearly-api-types` request), calls, and answers a `nearly-api-types` value. Before any
//!   handler, request hygiene (64 KiB bodies, JSON-object bodies, validated list queries,
//!   404/405 in the envelope, request ids), the index-height layer, and [`gate`]: the operation
//!   table's `auth` and `rate` columns enforced (authentication of the three bearer kinds into
//!   a [`Caller`], per-IP and per-caller limits behind [`RateLimiter`], a per-target limit
//!   handed to the batch writes). verify-claim's per-IP limit is taken by its handler together
//!   with the claim's nonce ([`claim_limit`]).
//! - **Response plumbing** ([`respond`], also reachable as `error`): the only place an answer
//!   becomes HTTP. The error envelope ([`ApiError`], `{success:false, error, code, hint?,
//!   retry_after?, meta?}`), the `ErrorCode -> status` table ([`respond::status_of`]; no other
//!   crate knows statuses), the mapping of the application layer's errors, the success
//!   envelope, `Cache-Control` and `X-RateLimit-*`.
//! - **Application** ([`app`]): the use cases of every write (follow, unfollow, endorse,
//!   unendorse, update_profile, heartbeat, delist, hide/unhide, register_platforms) with one
//!   batch runner; typed inputs and outcomes, a domain error, and no HTTP at all. Graph reads
//!   are answered from the in-memory [`indexer::Indexer`] without I/O.
//!
//! What it is not: it holds no data of its own and picks no implementations. Custody, rate
//! limits, nonces, access keys, the platform store, platform clients, the LLM, profiles and the
//! index are `Arc`s in [`AppState`]; the server binary chooses them. Its handlers never wait on
//! I/O without a timeout.
//!
//! ```no_run
//! use std::sync::Arc;
//! use api_http::{AppState, router, run};
//!
//! # async fn example(custody: Arc<dyn outlayer_client::Custody>) -> std::io::Result<()> {
//! let state = AppState::new(custody);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! run(listener, router(state), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

#![recursion_limit = "512"] // the OpenAPI schema table is one large `json!`

pub mod app;
pub mod auth;
pub mod claim_limit;
pub mod extract;
pub mod gate;
pub mod generate;
mod handlers;
pub mod hygiene;
pub mod index_height;
pub mod openapi;
pub mod platforms;
pub mod probes;
pub mod rate_limit;
pub mod respond;
pub mod serve;
pub mod state;
pub mod write_wait;

/// The response plumbing under its former name (see [`respond`]).
pub use respond as error;

use std::future::Future;

use axum::Router;
use axum::routing::get;

pub use app::{App, AppError, MAX_CONTENT_HASH_BYTES, MAX_SUFFIXES, MAX_TARGETS};
pub use auth::{Caller, CallerKind, Mutator, OptionalCaller, WalletKeyCache};
pub use error::{ApiError, ApiResult, Envelope, ok};
pub use extract::{JsonObject, ListQuery, MAX_BODY_BYTES, Sort};
pub use generate::{GenerateBudget, InMemoryBudget, LlmClient, OpenAiCompatible, ProfileLookup};
pub use handlers::client_ip;
pub use handlers::meta::SKILL_MD;
pub use handlers::reads::{LIST_MAX_AGE, PROFILE_MAX_AGE};
pub use hygiene::{REQUEST_ID_HEADER, RequestId};
pub use platforms::{
    FilePlatformStore, MarketClient, MemoryPlatformStore, NearFmClient, PlatformClient,
    PlatformStore,
};
pub use rate_limit::{Action, Decision, InMemoryRateLimiter, Limit, RateLimiter, RateLimiterError};
pub use serve::{ServeConfig, run_with};
pub use state::{
    ApiConfig, AppState, DEFAULT_NAMESPACE, HealthProbe, IndexHealth, IndexProfiles, IndexStatus,
};

/// The API's routes under `/api/v1` (exactly [`openapi::operations`]), plus `/skill.md`, with
/// the request-hygiene layers.
pub fn router(state: AppState) -> Router {
    let api = openapi::api_routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        gate::layer,
    ));
    let routes = Router::new()
        .nest("/api/v1", api)
        .route("/skill.md", get(handlers::meta::skill_md))
        .merge(probes::routes())
        .fallback(hygiene::not_found)
        .method_not_allowed_fallback(hygiene::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            index_height::layer,
        ));
    // Outermost last: request id and span, then the body limit, then the index height.
    hygiene::with_request_context(hygiene::with_body_limit(routes)).with_state(state)
}

/// Serves `router` on `listener` (with peer addresses for per-IP limits) until `shutdown`
/// completes, then lets in-flight requests finish. Header, body and request reads are bounded
/// by the [`ServeConfig`] defaults; [`run_with`] takes other bounds.
///
/// # Errors
///
/// When the listener fails.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, router, shutdown, ServeConfig::default()).await
}
