//! Load-balancer probes and the index part of `GET /api/v1/health` (issue 12).
//!
//! - `GET /live`: 200 while the process serves (liveness).
//! - `GET /ready`: 200 once the index has caught up with its source, 503 `INDEX_NOT_READY`
//!   (with `retry_after`) before (readiness). A degraded index that caught up stays ready: it
//!   serves what it has, and `/api/v1/health` says it is degraded.
//!
//! Both live outside `/api/v1` (probes, not API operations), so they are not in
//! [`crate::openapi::operations`].

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use indexer::{HealthConfig, Indexer};
use nearly_core::Clock;
use serde::Serialize;
use serde_json::json;

use crate::state::{AppState, IndexStatus};

/// The indexer's health fields `GET /api/v1/health` adds under `index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexDetail {
    /// The source's head height, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_height: Option<u64>,
    /// Blocks the index is behind the source, when the source height is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_blocks: Option<u64>,
    /// Seconds since the last successful update, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<u64>,
    /// When the last update succeeded, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success: Option<u64>,
    /// The last update's error, cleared by a success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// FastData scans that ended early since start (each skipped a removal pass).
    pub incomplete_scans: u64,
    /// Differences reconciliation found between the block feed and FastData since start.
    pub reconcile_differences: u64,
}

/// The index's status from [`Indexer::health`] at the system time.
pub(crate) fn index_status(index: &Arc<Indexer>) -> IndexStatus {
    let h = index.health(
        nearly_core::SystemClock.now_ns(),
        None,
        HealthConfig::default(),
    );
    let agent_count = u64::try_from(index.read().agent_count()).unwrap_or(u64::MAX);
    IndexStatus {
        state: h.state.as_str().to_owned(),
        ready: h.ready,
        agent_count: Some(agent_count),
        height: Some(h.index_height),
        detail: Some(IndexDetail {
            source_height: h.source_height,
            lag_blocks: h.lag_blocks,
            lag_seconds: h.lag_secs,
            last_success: h.last_success_ns.map(|ns| ns / 1_000_000_000),
            last_error: h.last_error,
            incomplete_scans: h.incomplete_scans,
            reconcile_differences: h.reconcile_differences,
        }),
    }
}

/// The probe routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/live", get(live))
        .route("/ready", get(ready))
}

async fn live() -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"success": true, "data": {"status": "live"}})),
    )
        .into_response()
}

async fn ready(State(state): State<AppState>) -> Response {
    let index = state.health.index_status().await;
    if index.ready {
        return (
            StatusCode::OK,
            axum::Json(json!({"success": true, "data": {"status": "ready", "index": index}})),
        )
            .into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        axum::Json(json!({
            "success": false,
            "error": format!("the index is {} and has not caught up with its source yet", index.state),
            "code": "INDEX_NOT_READY",
            "hint": "retry shortly; GET /api/v1/health shows the progress",
            "retry_after": 1,
        })),
    )
        .into_response()
}
