//! The axum handlers of the neardata endpoints.

use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::NeardataOptions;
use super::render;
use crate::ledger::{Ledger, LedgerError};

/// Heights above this are refused (as neardata does).
const MAX_HEIGHT: u64 = 1_000_000_000_000_000;
/// How far past the tip a request waits instead of failing at once (`MAX_WAIT_BLOCKS`).
const MAX_WAIT_BLOCKS: u64 = 10;

#[derive(Clone)]
struct Api {
    ledger: Ledger,
    options: NeardataOptions,
}

/// The router; see [`super::router`].
pub(crate) fn router(ledger: Ledger, options: NeardataOptions) -> Router {
    Router::new()
        .route("/v0/block/{height}", get(block))
        .route("/v0/block/{height}/headers", get(block_headers))
        .route("/v0/last_block/final", get(last_final))
        .route("/v0/last_block/final/headers", get(last_final_headers))
        .route("/v0/first_block", get(first_block))
        .route("/health", get(health))
        .fallback(not_found)
        .with_state(Api { ledger, options })
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

async fn health() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}), None)
}

/// Every answer but redirects: JSON with neardata's content type.
fn json_response(status: StatusCode, body: &Value, max_age: Option<u32>) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(age) = max_age
        && let Ok(value) = HeaderValue::from_str(&format!("public, max-age={age}"))
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}

fn not_exists(kind: &str, error: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"error": error, "type": kind}),
        None,
    )
}

fn internal(e: &LedgerError) -> Response {
    tracing::error!("neardata API ledger read failed: {e}");
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!("Internal data error"),
        None,
    )
}

/// 302 to `target` under the mount prefix, keeping the query string.
fn redirect(uri: &Uri, original: &Uri, target: &str) -> Response {
    let prefix = original.path().strip_suffix(uri.path()).unwrap_or_default();
    let query = original
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let location = format!("{prefix}{target}{query}");
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!("Internal data error"),
            None,
        ),
    }
}

async fn last_final(
    State(api): State<Api>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
) -> Response {
    let tip = api.ledger.head().block_height;
    redirect(&uri, &original, &format!("/v0/block/{tip}"))
}

async fn last_final_headers(
    State(api): State<Api>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
) -> Response {
    let tip = api.ledger.head().block_height;
    redirect(&uri, &original, &format!("/v0/block/{tip}/headers"))
}

async fn first_block(uri: Uri, OriginalUri(original): OriginalUri) -> Response {
    let mut response = redirect(&uri, &original, "/v0/block/0");
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

async fn block(State(api): State<Api>, Path(height): Path<String>) -> Response {
    serve(api, &height, false).await
}

async fn block_headers(State(api): State<Api>, Path(height): Path<String>) -> Response {
    serve(api, &height, true).await
}

async fn serve(api: Api, height: &str, headers_only: bool) -> Response {
    let Ok(height) = height.parse::<u64>() else {
        return json_response(StatusCode::BAD_REQUEST, &json!("Invalid argument"), None);
    };
    if height > MAX_HEIGHT {
        return not_exists("BLOCK_HEIGHT_TOO_HIGH", "Block height is too high");
    }
    if !wait_for(&api, height).await {
        return not_exists("BLOCK_DOES_NOT_EXIST", "The block is too far in the future");
    }
    let ledger = api.ledger.clone();
    let read = tokio::task::spawn_blocking(move || read_block(&ledger, height)).await;
    let document = match read {
        Ok(Ok(Some(document))) => document,
        // The head said it exists: a vanished block is a storage fault.
        Ok(Ok(None)) => {
            return internal(&LedgerError::Corrupt(format!("block {height} is missing")));
        }
        Ok(Err(e)) => return internal(&e),
        Err(e) => return internal(&LedgerError::Task(e.to_string())),
    };
    let body = if headers_only {
        document.get("block").cloned().unwrap_or(Value::Null)
    } else {
        document
    };
    json_response(StatusCode::OK, &body, Some(31_536_000))
}

/// Whether the ledger has reached `height`, waiting up to the long-poll limit when it is at
/// most [`MAX_WAIT_BLOCKS`] ahead of the tip.
async fn wait_for(api: &Api, height: u64) -> bool {
    // Subscribe before reading the head: a commit in between is then on the broadcast.
    let mut rx = api.ledger.subscribe();
    let tip = api.ledger.head().block_height;
    if height <= tip {
        return true;
    }
    if height > tip.saturating_add(MAX_WAIT_BLOCKS) {
        return false;
    }
    let deadline = Instant::now() + api.options.long_poll;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(tx)) if tx.block_height >= height => return true,
            Ok(Ok(_) | Err(RecvError::Lagged(_))) => {
                if api.ledger.head().block_height >= height {
                    return true;
                }
            }
            Ok(Err(RecvError::Closed)) | Err(_) => {
                return api.ledger.head().block_height >= height;
            }
        }
    }
}

/// The block document at `height`, or `None` if the ledger has no such height.
fn read_block(ledger: &Ledger, height: u64) -> Result<Option<Value>, LedgerError> {
    if height == 0 {
        return Ok(Some(render::genesis()));
    }
    let start = height - 1;
    let mut blocks = ledger.blocks_from(start.max(1), 2)?.into_iter();
    let prev_hash = if start == 0 {
        render::block_hash(0, "")
    } else {
        match blocks.next() {
            Some((prev, _)) if prev.block_height == start => {
                render::block_hash(start, &prev.tx_hash)
            }
            _ => return Ok(None),
        }
    };
    Ok(match blocks.next() {
        Some((tx, receipt_id)) if tx.block_height == height => {
            Some(render::block(&tx, &receipt_id, &prev_hash))
        }
        _ => None,
    })
}
