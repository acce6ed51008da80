//! Serving the router: HTTP/1.1 through hyper with every read bounded in time.
//!
//! `axum::serve` (0.8.9) never arms hyper's header-read timer, so a socket that sends a partial
//! request line, partial headers or nothing at all stays open for ever and a few hundred of them
//! exhaust the server. This loop serves each connection through `hyper-util` with a
//! [`TokioTimer`] and three bounds ([`ServeConfig`]):
//!
//! - **headers** (hyper's `header_read_timeout`): armed whenever the connection waits for a
//!   request head, so it bounds a fresh connection that sends nothing, partial headers *and* an
//!   idle keep-alive connection between requests; on expiry hyper closes the socket (a client
//!   that never finished its request cannot be told anything useful);
//! - **body** (`tower_http::timeout::RequestBodyTimeoutLayer`): a body that stops arriving
//!   fails the read, answered `408 REQUEST_TIMEOUT` in the error envelope;
//! - **request** (`tower_http::timeout::TimeoutLayer::with_status_code(408)`): the whole
//!   request, handler included, never takes longer than this.
//!
//! Graceful shutdown: once `shutdown` completes the loop stops accepting, asks every open
//! connection to finish its in-flight request and close (`hyper_util`'s `GracefulShutdown`)
//! and returns when they have.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt as _;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::error::ApiError;
use crate::extract::BodyReadTimeout;

/// How long a connection may take to send a request head, and how long it may sit idle between
/// requests, when not configured.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may take to arrive, when not configured.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a whole request may take, when not configured. Above the longest internal deadline
/// (custody calls and platform registration, 10 s) so those answer with their own errors first.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The time bounds of [`run_with`]. `Default` gives the `DEFAULT_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeConfig {
    /// Bound on receiving a request head, and on an idle keep-alive connection (hyper arms the
    /// same timer whenever the connection waits for a head). The socket is closed on expiry.
    pub header_read_timeout: Duration,
    /// Bound on receiving a request body; `408` on expiry.
    pub body_read_timeout: Duration,
    /// Bound on a whole request, handler included; `408` on expiry.
    pub request_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// Serves `router` on `listener` with the [`ServeConfig`] bounds until `shutdown` completes,
/// then lets in-flight requests finish. Every request carries its peer address as
/// `ConnectInfo<SocketAddr>` (for per-IP limits).
///
/// # Errors
///
/// None today: accept errors (too many open files, a reset before accept) are logged and the
/// loop goes on, as `axum::serve` does. The `Result` keeps room for listener setup errors.
pub async fn run_with(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    config: ServeConfig,
) -> std::io::Result<()> {
    let request_timeout = config.request_timeout;
    let router = router
        .layer(RequestBodyTimeoutLayer::new(config.body_read_timeout))
        .layer(Extension(BodyReadTimeout(config.body_read_timeout)))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::map_response(
            move |r: Response| async move { envelope_timeout(r, request_timeout) },
        ));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // EMFILE and friends: give in-flight connections a moment to close.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(req.map(Body::new))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// `TimeoutLayer`'s 408 has no body: give it the error envelope.
fn envelope_timeout(response: Response, bound: Duration) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return ApiError::request_timeout("the request", bound).into_response();
    }
    response
}
