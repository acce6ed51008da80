//! The axum handlers of the FastData KV read endpoints.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastdata_client::Order;
use fastdata_client::wire::{
    ByKeyRequest, DEFAULT_LIMIT, ErrorResponse, INVALID_PAGE_TOKEN_MESSAGE, ListResponse,
    MAX_MULTI_KEYS, MultiRequest, MultiResponse, QueryRequest, parse_multi_key,
};
use serde::de::DeserializeOwned;

use super::convert::to_wire;
use super::token::{self, TokenShape};
use crate::ledger::{Index, KeyFilter, Ledger, LedgerEntry, LedgerError, Position, ScanQuery};

#[derive(Clone)]
struct Api {
    ledger: Ledger,
}

/// The router; see [`super::router`].
pub(crate) fn router(ledger: Ledger) -> Router {
    Router::new()
        .route(
            "/v0/latest/{current_account_id}/{predecessor_id}/{*key}",
            get(get_latest).fallback(not_found),
        )
        .route(
            "/v0/history/{current_account_id}/{predecessor_id}/{*key}",
            get(get_history).fallback(not_found),
        )
        // `{key:.*}` on the server also matches the empty key (a trailing slash).
        .route(
            "/v0/latest/{current_account_id}/{predecessor_id}/",
            get(get_latest_empty_key).fallback(not_found),
        )
        .route(
            "/v0/history/{current_account_id}/{predecessor_id}/",
            get(get_history_empty_key).fallback(not_found),
        )
        .route(
            "/v0/latest/{current_account_id}/{predecessor_id}",
            post(latest_by_predecessor).fallback(not_found),
        )
        .route(
            "/v0/history/{current_account_id}/{predecessor_id}",
            post(history_by_predecessor).fallback(not_found),
        )
        .route(
            "/v0/latest/{current_account_id}",
            post(latest_by_account).fallback(not_found),
        )
        .route(
            "/v0/history/{current_account_id}",
            post(history_by_account).fallback(not_found),
        )
        .route(
            "/v0/all/{predecessor_id}",
            post(all_by_predecessor).fallback(not_found),
        )
        .route("/v0/history", post(history_by_key).fallback(not_found))
        .route("/v0/multi", post(multi).fallback(not_found))
        .fallback(not_found)
        .with_state(Api { ledger })
}

/// Unknown path or wrong method: 404 with an empty body, like the KV server.
async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Every failure answer. The HTTP layer maps errors here and only here.
#[derive(Debug)]
enum ApiError {
    /// 400 with this message.
    BadRequest(String),
    /// 500 `Internal error`; the cause was logged.
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            Self::BadRequest(msg) => (StatusCode::BAD_REQUEST, msg),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error".to_owned(),
            ),
        };
        (status, Json(ErrorResponse { error })).into_response()
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        Self::BadRequest(format!("Invalid path: {}", e.body_text()))
    }
}

/// Parses a JSON body whatever its `Content-Type` (curl's `-d` sends a form type). Unknown
/// fields are ignored; with `empty_is_default`, an empty body is `{}`.
fn parse_body<T: DeserializeOwned + Default>(
    body: &Bytes,
    empty_is_default: bool,
) -> Result<T, ApiError> {
    if empty_is_default && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("Invalid JSON body: {e}")))
}

fn key_filter(q: &QueryRequest) -> Result<KeyFilter, ApiError> {
    match (&q.key, &q.key_prefix) {
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "key and key_prefix are mutually exclusive".to_owned(),
        )),
        (Some(k), None) => Ok(KeyFilter::Exact(k.clone())),
        (None, Some(p)) => Ok(KeyFilter::Prefix(p.clone())),
        (None, None) => Ok(KeyFilter::All),
    }
}

/// Decodes `page_token` requiring the `required` field letters.
fn after(page_token: Option<&str>, required: &str) -> Result<Option<Position>, ApiError> {
    page_token
        .map(|t| {
            token::decode(t, required)
                .ok_or_else(|| ApiError::BadRequest(INVALID_PAGE_TOKEN_MESSAGE.to_owned()))
        })
        .transpose()
}

fn order(asc: Option<bool>) -> Order {
    if asc.unwrap_or(false) {
        Order::Ascending
    } else {
        Order::Descending
    }
}

/// Runs a blocking ledger read off the async threads.
async fn read<T: Send + 'static>(
    ledger: &Ledger,
    f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
) -> Result<T, ApiError> {
    let ledger = ledger.clone();
    let span = tracing::Span::current();
    match tokio::task::spawn_blocking(move || span.in_scope(|| f(&ledger))).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!("FastData API ledger read failed: {e}");
            Err(ApiError::Internal)
        }
        Err(e) => {
            tracing::error!("FastData API ledger task failed: {e}");
            Err(ApiError::Internal)
        }
    }
}

async fn scan(ledger: &Ledger, q: ScanQuery) -> Result<Vec<LedgerEntry>, ApiError> {
    read(ledger, move |l| l.scan(&q)).await
}

/// `{"entries": [...], "page_token"?}`; a token iff the page is full.
fn list(
    rows: Vec<LedgerEntry>,
    limit: usize,
    shape: Option<TokenShape>,
    include_metadata: bool,
) -> Response {
    let page_token = shape
        .filter(|_| rows.len() == limit)
        .and_then(|shape| rows.last().map(|last| token::encode(shape, last)));
    Json(ListResponse {
        entries: rows
            .into_iter()
            .map(|e| to_wire(e, include_metadata))
            .collect(),
        page_token,
    })
    .into_response()
}

fn limit_of(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

// GET /v0/latest/{ns}/{pred}/{key:.*}: exact key, no metadata, no token; `[]` when absent.
async fn get_latest(
    State(api): State<Api>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((ns, pred, key)) = path?;
    latest_row(&api, ns, pred, key).await
}

async fn get_latest_empty_key(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((ns, pred)) = path?;
    latest_row(&api, ns, pred, String::new()).await
}

async fn latest_row(
    api: &Api,
    ns: String,
    pred: String,
    key: String,
) -> Result<Response, ApiError> {
    let row = read(&api.ledger, move |l| l.latest(&ns, &pred, &key)).await?;
    Ok(list(row.into_iter().collect(), 0, None, false))
}

// GET /v0/history/{ns}/{pred}/{key:.*}: the newest 50 rows, no metadata, no token.
async fn get_history(
    State(api): State<Api>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((namespace, predecessor, key)) = path?;
    newest_history(&api, namespace, predecessor, key).await
}

async fn get_history_empty_key(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((namespace, predecessor)) = path?;
    newest_history(&api, namespace, predecessor, String::new()).await
}

async fn newest_history(
    api: &Api,
    namespace: String,
    predecessor: String,
    key: String,
) -> Result<Response, ApiError> {
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::History {
                namespace,
                predecessor,
            },
            filter: KeyFilter::Exact(key),
            after: None,
            order: Order::Descending,
            limit: limit_of(DEFAULT_LIMIT),
        },
    )
    .await?;
    Ok(list(rows, 0, None, false))
}

// POST /v0/latest/{ns}/{pred}
async fn latest_by_predecessor(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path((namespace, predecessor)) = path?;
    let q: QueryRequest = parse_body(&body, true)?;
    let filter = key_filter(&q)?;
    let limit = limit_of(q.effective_limit());
    let meta = q.include_metadata.unwrap_or(false);
    if let KeyFilter::Exact(key) = filter {
        // Server quirk: an exact key ignores page_token (not even decoded) and answers at most
        // one row, still with a token when that row fills `limit: 1`.
        let row = read(&api.ledger, move |l| {
            l.latest(&namespace, &predecessor, &key)
        })
        .await?;
        return Ok(list(
            row.into_iter().collect(),
            limit,
            Some(TokenShape::K),
            meta,
        ));
    }
    let after = after(q.page_token.as_deref(), "k")?;
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::Latest {
                namespace,
                predecessor,
            },
            filter,
            after,
            order: Order::Ascending,
            limit,
        },
    )
    .await?;
    Ok(list(rows, limit, Some(TokenShape::K), meta))
}

// POST /v0/history/{ns}/{pred}
async fn history_by_predecessor(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path((namespace, predecessor)) = path?;
    let q: QueryRequest = parse_body(&body, true)?;
    let filter = key_filter(&q)?;
    let limit = limit_of(q.effective_limit());
    let after = match &filter {
        // With an exact key the server reads only `b` and `o`; the key is the body's.
        KeyFilter::Exact(key) => after(q.page_token.as_deref(), "bo")?.map(|p| Position {
            key: key.clone(),
            ..p
        }),
        _ => after(q.page_token.as_deref(), "kbo")?,
    };
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::History {
                namespace,
                predecessor,
            },
            filter,
            after,
            order: order(q.asc),
            limit,
        },
    )
    .await?;
    Ok(list(
        rows,
        limit,
        Some(TokenShape::Kbo),
        q.include_metadata.unwrap_or(false),
    ))
}

// POST /v0/latest/{ns}
async fn latest_by_account(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path(namespace) = path?;
    let q: QueryRequest = parse_body(&body, true)?;
    let filter = key_filter(&q)?;
    let limit = limit_of(q.effective_limit());
    let mut after = after(q.page_token.as_deref(), "kp")?;
    if let (KeyFilter::Exact(key), Some(pos)) = (&filter, after.as_mut()) {
        // With an exact key the server pages by predecessor only, within the body's key.
        pos.key.clone_from(key);
    }
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::LatestAcross { namespace },
            filter,
            after,
            order: Order::Ascending,
            limit,
        },
    )
    .await?;
    Ok(list(
        rows,
        limit,
        Some(TokenShape::Kp),
        q.include_metadata.unwrap_or(false),
    ))
}

// POST /v0/history/{ns}
async fn history_by_account(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path(namespace) = path?;
    let q: QueryRequest = parse_body(&body, true)?;
    let filter = key_filter(&q)?;
    let limit = limit_of(q.effective_limit());
    let after = after(q.page_token.as_deref(), "kbop")?;
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::HistoryAcross { namespace },
            filter,
            after,
            order: order(q.asc),
            limit,
        },
    )
    .await?;
    Ok(list(
        rows,
        limit,
        Some(TokenShape::Kbop),
        q.include_metadata.unwrap_or(false),
    ))
}

// POST /v0/all/{pred}: reads only limit, page_token and include_metadata.
async fn all_by_predecessor(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path(predecessor) = path?;
    let q: QueryRequest = parse_body(&body, true)?;
    let limit = limit_of(q.effective_limit());
    let after = after(q.page_token.as_deref(), "ak")?;
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::AllOf { predecessor },
            filter: KeyFilter::All,
            after,
            order: Order::Ascending,
            limit,
        },
    )
    .await?;
    Ok(list(
        rows,
        limit,
        Some(TokenShape::Ak),
        q.include_metadata.unwrap_or(false),
    ))
}

// POST /v0/history: one key across every namespace and writer.
async fn history_by_key(State(api): State<Api>, body: Bytes) -> Result<Response, ApiError> {
    let q: ByKeyRequest = parse_body(&body, false)?;
    let limit = limit_of(q.effective_limit());
    let after = after(q.page_token.as_deref(), "bopa")?;
    let rows = scan(
        &api.ledger,
        ScanQuery {
            index: Index::KeyHistory { key: q.key },
            filter: KeyFilter::All,
            after,
            order: order(q.asc),
            limit,
        },
    )
    .await?;
    Ok(list(
        rows,
        limit,
        Some(TokenShape::Bopa),
        q.include_metadata.unwrap_or(false),
    ))
}

// POST /v0/multi
async fn multi(State(api): State<Api>, body: Bytes) -> Result<Response, ApiError> {
    let q: MultiRequest = parse_body(&body, false)?;
    if q.keys.len() > MAX_MULTI_KEYS {
        return Err(ApiError::BadRequest(format!(
            "Maximum {MAX_MULTI_KEYS} keys per request"
        )));
    }
    let triples: Vec<(String, String, String)> = q
        .keys
        .iter()
        .map(|s| {
            parse_multi_key(s)
                .map(|(a, p, k)| (a.to_owned(), p.to_owned(), k.to_owned()))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "Invalid key format: {s:?}. Expected current_account_id/predecessor_id/key"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let rows = read(&api.ledger, move |l| {
        let refs: Vec<(&str, &str, &str)> = triples
            .iter()
            .map(|(a, p, k)| (a.as_str(), p.as_str(), k.as_str()))
            .collect();
        l.latest_many(&refs)
    })
    .await?;
    let meta = q.include_metadata.unwrap_or(false);
    Ok(Json(MultiResponse {
        entries: rows
            .into_iter()
            .map(|row| row.map(|e| to_wire(e, meta)))
            .collect(),
    })
    .into_response())
}
