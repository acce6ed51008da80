//! Nearly's HTTP API: the axum router behind `https://nearly.social/api/v1`.
//!
//! This crate owns everything HTTP: the error envelope (`{success:false, error, code, hint?,
//! retry_after?, meta?}`, built in one place, [`ApiError`]), request hygiene (64 KiB bodies,
//! JSON-object bodies, validated list queries, 404/405 in the envelope, request ids), per-action
//! rate limits behind [`RateLimiter`], authentication of the three bearer kinds into a
//! [`Caller`], and every endpoint of the contract: the graph reads (answered from the
//! in-memory [`indexer::Indexer`] without I/O), the writes (through the caller's custody
//! wallet, then straight into the index so the caller reads its own writes), `/health`,
//! `/verify-claim`, `/platforms`, `/agents/me/platforms`, the `generate.*` routes, the admin's
//! hidden set and `/skill.md`.
//!
//! What it is not: it holds no data of its own and picks no implementations. Custody, rate
//! limits, nonces, access keys, the platform store, platform clients, the LLM, profiles and the
//! index are `Arc`s in [`AppState`]; the server binary chooses them. It is
//! the only crate that turns [`nearly_core::ErrorCode`]s into HTTP responses (statuses come from
//! [`nearly_core::ErrorCode::http_status`]), and its handlers never wait on I/O without a
//! timeout.
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
mod graph;
pub mod hygiene;
mod mutate;
pub mod platforms;
pub mod rate_limit;
mod routes;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};

pub use auth::{Caller, CallerKind, Mutator, OptionalCaller, WalletKeyCache};
pub use error::{ApiError, ApiResult, Envelope, ok};
pub use extract::{JsonObject, ListQuery, MAX_BODY_BYTES, Sort};
pub use generate::{GenerateBudget, InMemoryBudget, LlmClient, OpenAiCompatible, ProfileLookup};
pub use graph::{LIST_MAX_AGE, PROFILE_MAX_AGE};
pub use hygiene::{REQUEST_ID_HEADER, RequestId};
pub use mutate::{MAX_CONTENT_HASH_BYTES, MAX_SUFFIXES, MAX_TARGETS};
pub use platforms::{
    FilePlatformStore, MarketClient, MemoryPlatformStore, NearFmClient, PlatformClient,
    PlatformStore,
};
pub use rate_limit::{Action, Decision, InMemoryRateLimiter, Limit, RateLimiter, RateLimiterError};
pub use routes::{SKILL_MD, client_ip};
pub use state::{
    ApiConfig, AppState, DEFAULT_NAMESPACE, HealthProbe, IndexHealth, IndexProfiles, IndexStatus,
};

/// The API's routes under `/api/v1`, plus `/skill.md`, with the request-hygiene layers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(routes::health))
        .route("/skill.md", get(routes::skill_md))
        .route("/verify-claim", post(routes::verify_claim))
        .route("/platforms", get(routes::list_platforms))
        .route("/agents/me/platforms", post(routes::register_platforms))
        .route("/agents", get(graph::list_agents))
        .route("/agents/me", get(graph::me).delete(mutate::delist))
        .route("/agents/me/profile", patch(mutate::update_profile))
        .route("/agents/me/heartbeat", post(mutate::heartbeat))
        .route("/agents/me/network", get(graph::network))
        .route("/agents/me/activity", get(graph::activity))
        .route("/agents/discover", get(graph::discover))
        .route("/agents/{account_id}", get(graph::get_agent))
        .route(
            "/agents/{account_id}/follow",
            post(mutate::follow).delete(mutate::unfollow),
        )
        .route(
            "/agents/{account_id}/endorse",
            post(mutate::endorse).delete(mutate::unendorse),
        )
        .route("/agents/{account_id}/followers", get(graph::followers))
        .route("/agents/{account_id}/following", get(graph::following))
        .route("/agents/{account_id}/edges", get(graph::edges))
        .route("/agents/{account_id}/endorsers", get(graph::endorsers))
        .route("/agents/{account_id}/endorsing", get(graph::endorsing))
        .route("/tags", get(graph::tags))
        .route("/capabilities", get(graph::capabilities))
        .route("/admin/hidden", get(graph::list_hidden))
        .route(
            "/admin/hidden/{account_id}",
            post(mutate::hide).delete(mutate::unhide),
        )
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
