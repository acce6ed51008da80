//! Nearly's HTTP API: the axum router behind `https://nearly.social/api/v1`.
//!
//! This crate owns everything HTTP: the error envelope (`{success:false, error, code, hint?,
//! retry_after?, meta?}`, built in one place, [`ApiError`]), request hygiene (64 KiB bodies,
//! JSON-object bodies, validated list queries, 404/405 in the envelope, request ids), per-action
//! rate limits behind [`RateLimiter`], authentication of the three bearer kinds into a
//! [`Caller`], and the endpoints that need no graph index: `/health`, `/verify-claim`,
//! `/platforms`, `/agents/me/platforms`, the `generate.*` routes and `/skill.md`.
//!
//! What it is not: it holds no data of its own and picks no implementations. Custody, rate
//! limits, nonces, access keys, the platform store, platform clients, the LLM, profiles and the
//! index status are `Arc<dyn Trait>`s in [`AppState`]; the server binary chooses them. It is
//! the only crate that turns [`nearly_core::ErrorCode`]s into HTTP responses (statuses come from
//! [`nearly_core::ErrorCode::http_status`]), and its handlers never wait on I/O without a
//! timeout. The graph endpoints (profiles, follows, endorsements, discover, activity) arrive with
//! the index.
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

pub mod auth;
pub mod error;
pub mod extract;
pub mod generate;
pub mod hygiene;
pub mod platforms;
pub mod rate_limit;
mod routes;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use auth::{Caller, CallerKind, Mutator, OptionalCaller, WalletKeyCache};
pub use error::{ApiError, ApiResult, Envelope, ok};
pub use extract::{JsonObject, ListQuery, MAX_BODY_BYTES, Sort};
pub use generate::{
    GenerateBudget, InMemoryBudget, LlmClient, NoProfiles, OpenAiCompatible, ProfileLookup,
};
pub use hygiene::{REQUEST_ID_HEADER, RequestId};
pub use platforms::{
    FilePlatformStore, MarketClient, MemoryPlatformStore, NearFmClient, PlatformClient,
    PlatformStore,
};
pub use rate_limit::{Action, Decision, InMemoryRateLimiter, Limit, RateLimiter, RateLimiterError};
pub use routes::{SKILL_MD, client_ip};
pub use state::{ApiConfig, AppState, HealthProbe, IndexStatus, NoIndex};

/// The API's routes under `/api/v1`, plus `/skill.md`, with the request-hygiene layers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(routes::health))
        .route("/skill.md", get(routes::skill_md))
        .route("/verify-claim", post(routes::verify_claim))
        .route("/platforms", get(routes::list_platforms))
        .route("/agents/me/platforms", post(routes::register_platforms))
        .route(
            "/agents/me/profile/generate",
            post(routes::generate_profile),
        )
        .route(
            "/agents/{account_id}/follow/generate",
            post(routes::generate_follow),
        )
        .route(
            "/agents/{account_id}/endorse/generate",
            post(routes::generate_endorse),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/skill.md", get(routes::skill_md))
        .fallback(hygiene::not_found)
        .method_not_allowed_fallback(hygiene::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(hygiene::request_context))
        .with_state(state)
}

/// Serves `router` on `listener` (with peer addresses for per-IP limits) until `shutdown`
/// completes, then lets in-flight requests finish.
///
/// # Errors
///
/// When the listener fails.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
