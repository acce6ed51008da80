//! Request hygiene applied to every route, on tower-http layers: the request id and the
//! request's tracing span ([`with_request_context`]) and the body limit (in [`crate::router`]);
//! plus the 404/405 fallbacks in the error envelope.
//!
//! What stays hand-written: the id format and the rule for accepting a client's id (tower-http
//! keeps any client header as is), and rendering the limit's 413 in our envelope.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, Request};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId as TowerRequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnFailure, MakeSpan, OnResponse, TraceLayer};

use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;

/// The request id header, read from the client when well-formed and always echoed back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id of the current request, stored in its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

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

/// The request-context layers every router the server mounts gets (the API's, and the
/// sandbox's custody and FastData routers), all tower-http:
///
/// - [`SetRequestIdLayer`] with `x-request-id`: a client's id is kept when well-formed (1-128
///   visible ASCII characters; an ill-formed one is dropped first), otherwise a fresh one is made
///   ([`NearlyRequestIds`]); the id is also stored as our [`RequestId`] extension, which the
///   handlers read;
/// - [`PropagateRequestIdLayer`]: echoes the id on every response;
/// - [`TraceLayer`]: the `request` span (`request_id`, `method`, the full `path` even under a
///   nested router), which every span opened while handling the request is a child of, so every
///   log line carries `request_id`; one `answered` line (`status`, `latency_ms`) per request.
pub fn with_request_context<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(axum::middleware::map_request(store_request_id))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_response(Answered)
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(NearlyRequestIds))
        .layer(axum::middleware::map_request(drop_unacceptable_request_id))
}

/// The API's body limit: tower-http's [`RequestBodyLimitLayer`] at [`MAX_BODY_BYTES`] refuses
/// a larger `Content-Length` before reading the body and stops any body at the limit however it
/// is read; its bare 413 is answered in the error envelope ([`envelope_payload_too_large`]).
pub(crate) fn with_body_limit<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        // One limit: tower-http's (axum's extractor default would otherwise also apply).
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(envelope_payload_too_large))
}

/// [`MakeRequestId`]: a fresh id of our format (an 8-hex-digit per-process prefix, a dash, a
/// 12-hex-digit counter).
#[derive(Debug, Clone, Copy, Default)]
pub struct NearlyRequestIds;

impl MakeRequestId for NearlyRequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<TowerRequestId> {
        HeaderValue::from_str(&new_request_id())
            .ok()
            .map(TowerRequestId::new)
    }
}

/// Removes a client `x-request-id` that is not acceptable, so a fresh one replaces it.
async fn drop_unacceptable_request_id(mut req: Request) -> Request {
    if req
        .headers()
        .get(REQUEST_ID_HEADER)
        .is_some_and(|v| acceptable_request_id(v).is_none())
    {
        req.headers_mut().remove(REQUEST_ID_HEADER);
    }
    req
}

/// Stores tower-http's request id as our [`RequestId`] extension.
async fn store_request_id(mut req: Request) -> Request {
    let id = request_id_of(&req).to_owned();
    req.extensions_mut().insert(RequestId(id));
    req
}

/// The id [`SetRequestIdLayer`] assigned to `req` (empty outside the layers).
fn request_id_of<B>(req: &axum::http::Request<B>) -> &str {
    req.extensions()
        .get::<TowerRequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
}

/// [`MakeSpan`]: the `request` span.
#[derive(Debug, Clone, Copy)]
struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &axum::http::Request<B>) -> tracing::Span {
        let path = req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().path(), |original| original.path());
        tracing::info_span!(
            "request",
            request_id = %request_id_of(req),
            method = %req.method(),
            path = %path,
        )
    }
}

/// [`OnResponse`]: the `answered` line, inside the request span.
#[derive(Debug, Clone, Copy)]
struct Answered;

impl<B> OnResponse<B> for Answered {
    fn on_response(
        self,
        response: &axum::http::Response<B>,
        latency: std::time::Duration,
        _span: &tracing::Span,
    ) {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            "answered"
        );
    }
}

/// Renders [`RequestBodyLimitLayer`]'s own 413 (plain text) in the error envelope; every other
/// answer, including the envelope 413 of a body stopped at the limit while read, passes as is.
async fn envelope_payload_too_large(response: Response) -> Response {
    let plain = response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
    if plain {
        ApiError::payload_too_large(MAX_BODY_BYTES).into_response()
    } else {
        response
    }
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
