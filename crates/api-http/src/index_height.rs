//! Index height on every read: a middleware in front of every API route that reads the index.
//!
//! - Every answer of such a route carries `X-Nearly-Index-Height: H`, the index's height read
//!   **before** the handler runs. The index only moves forward and the handler reads it after,
//!   so the answer reflects at least every block up to `H`: `H` is a safe lower bound (a height
//!   read after the handler could name blocks the answer did not see).
//! - Such a read accepts `?min_height=H` (a decimal block height): it waits, on the indexer's
//!   height watch channel ([`indexer::Indexer::subscribe_height`], a notification, not a poll),
//!   at most [`crate::ApiConfig::min_height_wait`] (default [`DEFAULT_MIN_HEIGHT_WAIT`]) for the
//!   index to reach `H`, then answers; if it does not, 503 `INDEX_BEHIND` with `retry_after`
//!   and `Retry-After`. A `min_height` that is not a decimal `u64` is 400 `VALIDATION_ERROR`.
//!   The parameter is removed before the handler sees the query.
//! - A successful mutation also carries `X-Nearly-Write-Height`: the index's height right after
//!   the write was applied. In the sandbox the write path waits for the index to confirm the
//!   write's own block, so this is at least that block's height (read-after-write: pass it as
//!   `min_height` to any replica). In production a write-through is applied provisionally before
//!   FastData has a block for it, so the header is the confirmed height the index had then.
//!
//! Which routes: [`index_role`] derives it from the operation table
//! ([`crate::openapi::operations`]), so a new operation gets a role without touching this file.
//! Independent of handler code: it matches the request's method and path against the table.

use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nearly_core::ErrorCode;

use crate::error::ApiError;
use crate::openapi::{Auth, Operation, operations};
use crate::state::AppState;

/// The header with the height an answer was computed at.
pub const INDEX_HEIGHT_HEADER: &str = "x-nearly-index-height";
/// The header with the block height of a mutation's write.
pub const WRITE_HEIGHT_HEADER: &str = "x-nearly-write-height";
/// The query parameter a read waits on.
pub const MIN_HEIGHT_PARAM: &str = "min_height";
/// The default bound of a `min_height` wait.
pub const DEFAULT_MIN_HEIGHT_WAIT: Duration = Duration::from_secs(5);
/// `retry_after` (seconds) of an `INDEX_BEHIND` answer.
const RETRY_AFTER_SECS: u64 = 1;

/// How an operation relates to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexRole {
    /// Answers from the index: `X-Nearly-Index-Height`, accepts `min_height`.
    Read,
    /// Writes through custody (and reads the index): as [`IndexRole::Read`], plus
    /// `X-Nearly-Write-Height` on success.
    Write,
    /// Does not read the index: no header, `min_height` is not interpreted.
    None,
}

/// The role of an operation, from its table entry:
/// - the `meta` operations (health, which reports the height in its body, skill, OpenAPI),
///   `identity` (verify-claim, which checks a signature against NEAR RPC) and the platform
///   catalog (`GET` with tag `platforms`) do not read the index;
/// - a non-`GET` that writes through custody (auth mutator or admin, except the `generate`
///   drafts and platform registration, which only read profiles) is a write;
/// - everything else reads the index.
#[must_use]
pub fn index_role(op: &Operation) -> IndexRole {
    let get = op.method == Method::GET;
    match op.tag {
        "meta" | "identity" => IndexRole::None,
        "platforms" if get => IndexRole::None,
        "generate" | "platforms" => IndexRole::Read,
        _ if get => IndexRole::Read,
        _ if matches!(op.auth, Auth::Mutator | Auth::Admin) => IndexRole::Write,
        _ => IndexRole::Read,
    }
}

/// One route of the table: method, path segments under `/api/v1`, role.
struct Route {
    method: Method,
    segments: Vec<&'static str>,
    role: IndexRole,
}

static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    operations()
        .iter()
        .map(|op| Route {
            method: op.method.clone(),
            segments: op.path.trim_start_matches('/').split('/').collect(),
            role: index_role(op),
        })
        .collect()
});

/// The role of the route `method path` names; the most literal template wins
/// (`/agents/me` over `/agents/{account_id}`). `None` outside the API.
fn role_of(method: &Method, path: &str) -> Option<IndexRole> {
    let rest = path.strip_prefix("/api/v1/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    ROUTES
        .iter()
        .filter(|r| r.method == *method && r.segments.len() == parts.len())
        .filter(|r| {
            r.segments
                .iter()
                .zip(&parts)
                .all(|(t, p)| t.starts_with('{') || t == p)
        })
        .max_by_key(|r| r.segments.iter().filter(|t| !t.starts_with('{')).count())
        .map(|r| r.role)
}

/// Takes `min_height` out of the query: the highest one asked, and the URI without it.
fn take_min_height(uri: &Uri) -> Result<(Option<u64>, Option<Uri>), ApiError> {
    let Some(query) = uri.query() else {
        return Ok((None, None));
    };
    let mut min = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some((MIN_HEIGHT_PARAM, value)) => {
                let h: u64 = value.parse().ok().filter(|_| !value.starts_with('+')).ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::ValidationError,
                        format!("min_height must be a block height (a decimal integer), got {value:?}"),
                    )
                })?;
                min = Some(min.map_or(h, |m: u64| m.max(h)));
            }
            None if pair == MIN_HEIGHT_PARAM => {
                return Err(ApiError::new(
                    ErrorCode::ValidationError,
                    "min_height must be a block height (a decimal integer), got nothing",
                ));
            }
            _ => kept.push(pair),
        }
    }
    if min.is_none() {
        return Ok((None, None));
    }
    let path = uri.path();
    let rebuilt = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    let uri = rebuilt
        .parse::<Uri>()
        .map_err(|e| ApiError::new(ErrorCode::ValidationError, format!("bad request URI: {e}")))?;
    Ok((min, Some(uri)))
}

fn height_value(h: u64) -> HeaderValue {
    HeaderValue::from(h)
}

/// Waits (bounded) until the index reaches `min`; the height it reached, or the error answer.
async fn wait_for_height(state: &AppState, min: u64) -> Result<(), Response> {
    if state.index.height() >= min {
        return Ok(());
    }
    let mut heights = state.index.subscribe_height();
    let waited = tokio::time::timeout(
        state.config.min_height_wait,
        heights.wait_for(|h| *h >= min),
    )
    .await;
    if matches!(waited, Ok(Ok(_))) || state.index.height() >= min {
        return Ok(());
    }
    let now = state.index.height();
    let mut response = ApiError::new(
        ErrorCode::IndexBehind,
        format!(
            "The index is at height {now}, below min_height {min}, after waiting {} ms; retry shortly",
            state.config.min_height_wait.as_millis()
        ),
    )
    .with_retry_after(RETRY_AFTER_SECS)
    .into_response();
    response
        .headers_mut()
        .insert(INDEX_HEIGHT_HEADER, height_value(now));
    Err(response)
}

/// The middleware (installed by [`crate::router`] in front of every route).
pub(crate) async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let role = role_of(req.method(), req.uri().path()).unwrap_or(IndexRole::None);
    if role == IndexRole::None {
        return next.run(req).await;
    }
    match take_min_height(req.uri()) {
        Err(e) => return e.into_response(),
        Ok((min, uri)) => {
            if let Some(uri) = uri {
                *req.uri_mut() = uri;
            }
            if let Some(min) = min
                && let Err(response) = wait_for_height(&state, min).await
            {
                return response;
            }
        }
    }
    let height = state.index.height();
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(INDEX_HEIGHT_HEADER, height_value(height));
    if role == IndexRole::Write && response.status().is_success() {
        let written = state.index.height();
        response
            .headers_mut()
            .insert(WRITE_HEIGHT_HEADER, height_value(written));
    }
    response
}

/// The `min_height` query parameter of `op` in the OpenAPI document (none when it does not read
/// the index). Its 503 `INDEX_BEHIND` answer is listed by [`crate::openapi`].
pub(crate) fn parameters(op: &Operation) -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    if index_role(op) == IndexRole::None {
        return Vec::new();
    }
    vec![
        ParameterBuilder::new()
            .name(MIN_HEIGHT_PARAM)
            .parameter_in(ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .schema(Some(height_schema()))
            .description(Some(
                "Wait (bounded, default at most 5 s) until the index has reached this block \
                 height; 503 INDEX_BEHIND otherwise",
            ))
            .build(),
    ]
}

/// The height headers of `op`'s success answer in the OpenAPI document.
pub(crate) fn headers(op: &Operation) -> Vec<(&'static str, utoipa::openapi::Header)> {
    use utoipa::openapi::HeaderBuilder;
    let role = index_role(op);
    let header = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(height_schema()))
            .description(Some(description))
            .build()
    };
    let mut out = Vec::new();
    if role != IndexRole::None {
        out.push((
            "X-Nearly-Index-Height",
            header(
                "The index height the answer reflects at least (read before the answer was \
                 computed)",
            ),
        ));
    }
    if role == IndexRole::Write {
        out.push((
            "X-Nearly-Write-Height",
            header("The index height right after the write was applied; use it as min_height"),
        ));
    }
    out
}

/// A block height: `u64`'s derived schema.
fn height_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    <u64 as utoipa::PartialSchema>::schema()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_literal_route_wins() {
        assert_eq!(
            role_of(&Method::GET, "/api/v1/agents/me"),
            Some(IndexRole::Read)
        );
        assert_eq!(
            role_of(&Method::DELETE, "/api/v1/agents/me"),
            Some(IndexRole::Write)
        );
        assert_eq!(
            role_of(&Method::GET, "/api/v1/platforms"),
            Some(IndexRole::None)
        );
        assert_eq!(role_of(&Method::GET, "/skill.md"), None);
    }

    #[test]
    fn min_height_is_taken_out_of_the_query() {
        let uri: Uri = "/api/v1/agents?limit=2&min_height=7&sort=newest"
            .parse()
            .unwrap();
        let (min, rest) = take_min_height(&uri).unwrap();
        assert_eq!(min, Some(7));
        assert_eq!(
            rest.unwrap().to_string(),
            "/api/v1/agents?limit=2&sort=newest"
        );
        for bad in [
            "/a?min_height=x",
            "/a?min_height=",
            "/a?min_height",
            "/a?min_height=-1",
            "/a?min_height=+1",
        ] {
            let e = take_min_height(&bad.parse().unwrap()).unwrap_err();
            assert_eq!(e.code, ErrorCode::ValidationError, "{bad}");
        }
        let (min, rest) = take_min_height(&"/a?limit=1".parse().unwrap()).unwrap();
        assert_eq!((min, rest), (None, None));
    }
}
