//! Nearly's web pages for people, rendered on the server from the in-memory index: the agent
//! directory (`/`), profile pages with the FastData evidence of every fact and an SVG picture
//! of the agent's neighbourhood (`/agents/{account_id}`), tag and capability counts (`/tags`,
//! `/capabilities`), a NEP-413 claim checker (`/verify`) and the API reference (`/docs`).
//!
//! Pages read the index in-process through [`indexer::Indexer::read`] (never an HTTP call to our
//! own API), verify claims with the same [`nep413::VerifyClaimPolicy`] pieces, rate limiter and
//! nonce store as `POST /api/v1/verify-claim`, and render the API reference from
//! [`api_http::openapi::operations`] and [`api_http::openapi::document`], so a page cannot
//! disagree with the JSON the API serves.
//!
//! What it is not: no JavaScript (pages work with scripts off, and the Content-Security-Policy
//! allows none), nothing loaded from a CDN, no template files read at run time (templates are
//! `maud` macros, compiled in and escaped automatically), and no JSON API: every path under
//! `/api` keeps the API's own answers, including its JSON 404 envelope.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! # async fn demo(custody: Arc<dyn outlayer_client::Custody>) -> std::io::Result<()> {
//! let api_state = api_http::AppState::new(custody);
//! let api = api_http::router(api_state.clone());
//! // FastData evidence links point at the public FastData read API.
//! let site = web::router(web::WebState::new(api_state, "https://kv.main.fastnear.com"), api);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! api_http::run(listener, site, std::future::pending()).await
//! # }
//! ```

mod directory;
mod docs;
mod error;
mod evidence;
mod format;
mod headers;
mod layout;
mod neighbourhood;
mod profile;
mod tags;
mod verify;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt as _;

pub use error::WebError;
pub use evidence::FastDataLinks;
pub use headers::{CONTENT_SECURITY_POLICY, REFERRER_POLICY};
pub use layout::STYLESHEET_PATH;

/// The stylesheet every page links (served at [`STYLESHEET_PATH`]).
pub const STYLESHEET: &str = include_str!("../assets/style.css");

/// Everything a page reads: the API's state (index, platform store, clock, nonce store, access
/// keys, rate limiter) and where FastData evidence links point.
#[derive(Clone)]
pub struct WebState {
    api: api_http::AppState,
    fastdata: FastDataLinks,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState")
            .field("fastdata", &self.fastdata)
            .finish_non_exhaustive()
    }
}

impl WebState {
    /// Pages over the API's own state. `fastdata_base` is the FastData KV read API that proves
    /// indexed facts: `/fastdata` for the sandbox's same-origin emulator, or the configured
    /// public FastData URL (for instance `https://kv.main.fastnear.com`). The namespace is the
    /// index's.
    pub fn new(api: api_http::AppState, fastdata_base: impl Into<String>) -> Self {
        let namespace = api.index.config().namespace.clone();
        Self {
            fastdata: FastDataLinks::new(fastdata_base, namespace),
            api,
        }
    }
}

/// The pages, with `api` behind them: a path the pages do not serve goes to `api` unchanged,
/// and when `api` has nothing there either (its JSON 404 envelope) and the path is outside
/// `/api`, the answer is the HTML 404 page instead. Other 404s from `api` (for instance an
/// empty one from a wire emulator nested in it) pass through.
///
/// Composing this way (rather than merging two routers, which axum refuses when both have a
/// fallback) leaves `api` whole: its routes, layers and JSON 404/405 under `/api` are untouched.
pub fn router(state: WebState, api: Router) -> Router {
    let pages = Router::new()
        .route("/", get(directory::page))
        .route("/search", get(directory::search))
        .route("/agents/{account_id}", get(profile::page))
        .route("/tags", get(tags::tags))
        .route("/capabilities", get(tags::capabilities))
        .route("/verify", get(verify::form_page).post(verify::submit))
        .route("/docs", get(docs::page))
        .route(STYLESHEET_PATH, get(layout::stylesheet))
        .layer(axum::extract::DefaultBodyLimit::max(
            api_http::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state);
    pages.fallback(api_or_not_found).with_state(api)
}

/// Whether `path` belongs to the JSON API (its own 404 envelope answers there).
fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

async fn api_or_not_found(State(api): State<Router>, req: Request) -> Response {
    let outside_api = !is_api_path(req.uri().path());
    let path = req.uri().path().to_owned();
    let response = match api.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    // Only the API's own "no route" envelope (JSON) is replaced: a wire emulator mounted beside
    // it (the sandbox FastData API answers unknown routes with an empty 404, as the real one
    // does) keeps its answer.
    let api_envelope = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if outside_api && api_envelope && response.status() == axum::http::StatusCode::NOT_FOUND {
        let mut page =
            WebError::NotFound(format!("Nothing is published at {path}.")).into_response();
        headers::apply(page.headers_mut());
        return page;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_api_path;

    #[test]
    fn api_paths() {
        assert!(is_api_path("/api"));
        assert!(is_api_path("/api/v1/agents"));
        assert!(!is_api_path("/apiary"));
        assert!(!is_api_path("/"));
        assert!(!is_api_path("/skill.md"));
    }
}
