//! The crate's one error type and its HTML rendering (the only place a page error becomes a
//! response).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use crate::layout::{Nav, page_shell};

/// Why a page could not be rendered; each maps to one status and a plain HTML page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// 404: no such agent or page.
    #[error("not found: {0}")]
    NotFound(String),
    /// 400: a query or form field failed validation (the message names the rule).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 429: over the rate limit; retry after this many seconds.
    #[error("rate limited: retry in {retry_after} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 503: a dependency (the rate limiter) failed; the cause is logged, not shown.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl WebError {
    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message) = match &self {
            Self::NotFound(m) => ("Not found", m.clone()),
            Self::BadRequest(m) => ("Bad request", m.clone()),
            Self::RateLimited { retry_after } => (
                "Too many requests",
                format!("Too many requests from your address. Try again in {retry_after} s."),
            ),
            Self::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "page unavailable");
                (
                    "Temporarily unavailable",
                    "The service is degraded; try again shortly.".to_owned(),
                )
            }
        };
        let body = page_shell(
            title,
            Nav::None,
            html! {
                h1 { (status.as_u16()) " " (title) }
                p.error { bdi { (message) } }
                p { a href="/" { "Back to the directory" } }
            },
        );
        let mut response = (status, Html(body.into_string())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Self::RateLimited { retry_after } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}
