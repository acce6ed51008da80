//! Request hygiene applied to every route: request ids and tracing spans, the early body-size
//! check, and the 404/405 fallbacks in the error envelope.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;

/// The request id header, read from the client when well-formed and always echoed back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id of the current request, stored in its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The request id of a request: the client's `x-request-id` when it is 1-128 visible ASCII
/// characters, otherwise a fresh one. Every router the server mounts uses this rule.
pub fn request_id_for(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(acceptable_request_id)
        .unwrap_or_else(new_request_id)
}

/// A client-sent id is kept when it is 1-128 visible ASCII characters; otherwise one is made.
fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| s.to_owned())
}

/// A fresh id: a per-process random prefix and a counter (unique within and across processes
/// with overwhelming probability, no extra dependency).
fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{n:012x}")
}

/// Middleware: assigns the request id, opens the request's tracing span (every span opened
/// while handling the request is its child, so every log line carries `request_id`), rejects
/// bodies whose `Content-Length` is over [`MAX_BODY_BYTES`] before reading them, and echoes
/// `x-request-id` on the response.
pub(crate) async fn request_context(mut req: Request, next: Next) -> Response {
    let id = request_id_for(req.headers());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES as u64);
    let mut response = async move {
        let response = if too_large {
            ApiError::payload_too_large(MAX_BODY_BYTES).into_response()
        } else {
            next.run(req).await
        };
        tracing::info!(status = response.status().as_u16(), "answered");
        response
    }
    .instrument(span)
    .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Fallback for unknown paths: 404 `NOT_FOUND` in the envelope.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("No route for {}", uri.path()))
}

/// Fallback for known paths with another method: 405 in the envelope.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert_eq!(
            acceptable_request_id(&HeaderValue::from_static("abc-123")),
            Some("abc-123".into())
        );
        assert_eq!(
            acceptable_request_id(&HeaderValue::from_static("a b")),
            None
        );
        let long = "a".repeat(129);
        assert_eq!(
            acceptable_request_id(&HeaderValue::from_str(&long).unwrap()),
            None
        );
        assert_ne!(new_request_id(), new_request_id());
    }
}
