//! Prometheus metrics: the recorder, the per-request middleware and `GET /metrics`.
//!
//! Self-contained (one call from start-up, `install`). Every request through the router is
//! counted by matched route, method and status (`nearly_http_requests_total`) and timed
//! (`nearly_http_request_duration_seconds`, a histogram). Gauges read at scrape time:
//! `nearly_index_height`, `nearly_index_agents`, `nearly_index_lag_blocks` (sandbox: ledger
//! head minus index height). Counters recorded where they happen: `nearly_rate_limited_total`
//! (api-http, by action), `nearly_redis_errors_total` (by op) and
//! `nearly_nonce_store_errors_total` (nearly-redis). Read at scrape time from the index and the
//! data dir: `nearly_feed_errors_total` (failed pulls and block-feed reads since start),
//! `nearly_index_reconcile_differences`, and `nearly_snapshot_age_seconds` (since the index
//! snapshot file was last written; absent before the first snapshot).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use api_http::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::ServerError;

/// Latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A recorder configured the way the server exports metrics; tests build one and pass its
/// handle through [`Config::metrics`] with `metrics::with_local_recorder`.
pub fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets(&BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new())
}

/// The process-wide recorder, installed once (the first server of a process installs it).
fn global_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| match builder().install_recorder() {
            Ok(handle) => handle,
            Err(e) => {
                tracing::warn!(error = %e, "another metrics recorder is installed; /metrics shows only its own view");
                builder().build_recorder().handle()
            }
        })
        .clone()
}

/// Adds the request middleware to `app` and serves `GET /metrics`: on `app` itself, or, with
/// `--metrics-listen`, on its own listener (bound here, so a bad address fails start-up).
pub(crate) async fn install(
    config: &Config,
    state: &AppState,
    app: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<Router, ServerError> {
    let handle = config.metrics.clone().unwrap_or_else(global_handle);
    let state = state.clone();
    let snapshot: Arc<Path> = config.data_dir.join(crate::SNAPSHOT_FILE).into();
    let metrics = Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let (handle, state, snapshot) = (handle.clone(), state.clone(), snapshot.clone());
            async move { render(&handle, &state, &snapshot).await }
        }),
    );
    let app = app.route_layer(axum::middleware::from_fn(track));
    match config.metrics_listen {
        None => Ok(app.merge(metrics)),
        Some(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| ServerError::Bind { addr, source })?;
            let bound: SocketAddr = listener.local_addr().unwrap_or(addr);
            tracing::info!(address = %bound, "metrics listening");
            // The same connection bounds as the API's listener (no slowloris on the side port).
            let serve = config.serve_config();
            tokio::spawn(async move {
                if let Err(e) = api_http::run_with(listener, metrics, stop, serve).await {
                    tracing::error!(error = %e, "metrics listener stopped");
                }
            });
            Ok(app)
        }
    }
}

async fn render(handle: &PrometheusHandle, state: &AppState, snapshot: &Path) -> Response {
    let status = state.health.index_status().await;
    let sync = state.index.sync_status();
    metrics::counter!("nearly_feed_errors_total").absolute(sync.update_failures);
    if let Some(age) = snapshot_age(snapshot).await {
        metrics::gauge!("nearly_snapshot_age_seconds").set(age.as_secs_f64());
    }
    if let Some(height) = status.height {
        #[allow(clippy::cast_precision_loss)]
        {
            metrics::gauge!("nearly_index_height").set(height as f64);
            if let Some(head) = &state.source_head {
                metrics::gauge!("nearly_index_lag_blocks")
                    .set(head().saturating_sub(height) as f64);
            }
            if let Some(source) = sync.source_height {
                metrics::gauge!("nearly_index_source_height").set(source as f64);
                metrics::gauge!("nearly_index_lag_blocks")
                    .set(source.saturating_sub(height) as f64);
            }
            metrics::gauge!("nearly_index_reconcile_differences")
                .set(sync.reconcile_differences as f64);
            if let Some(agents) = status.agent_count {
                metrics::gauge!("nearly_index_agents").set(agents as f64);
            }
        }
    }
    handle.run_upkeep();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// How long ago the snapshot file was last written (`None`: there is none yet, or its time
/// cannot be read).
async fn snapshot_age(path: &Path) -> Option<Duration> {
    let modified = tokio::fs::metadata(path).await.ok()?.modified().ok()?;
    Some(
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default(),
    )
}

/// Counts and times one request under its matched route (never the raw path: ids in paths
/// would make unbounded label sets).
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "nearly_http_requests_total",
        "route" => route.clone(),
        "method" => method.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!(
        "nearly_http_request_duration_seconds",
        "route" => route,
        "method" => method
    )
    .record(started.elapsed().as_secs_f64());
    response
}
