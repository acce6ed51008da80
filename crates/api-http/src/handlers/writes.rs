//! The write endpoints: extract the body into the use case's typed input, call
//! [`crate::app::App`], answer its outcome. Every rule lives in the application layer; the
//! limits are the gate's (the batch writes get theirs as [`BatchLimit`]).

use axum::extract::{Path, State};
use axum::response::Response;
use nearly_api_types as wire;
use nearly_core::{ProfilePatch, Reason};
use serde_json::Value;

use super::{typed, wire as to_wire};
use crate::app::{AppError, EndorseFields, EndorseItem, FollowRequest, Targets};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, cached, ok, with_rate_headers};
use crate::extract::JsonObject;
use crate::gate::{Authed, BatchLimit};
use crate::rate_limit::Decision;
use crate::state::AppState;

/// `PATCH /agents/me/profile`.
pub(crate) async fn update_profile(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    // The domain's own parsing entry point: it names each field's rule.
    let patch = ProfilePatch::from_json(&Value::Object(body))
        .map_err(|e| ApiError::validation(e.to_string()))?;
    let view = state.app().update_profile(&caller, &patch).await?;
    Ok(cached(ok(to_wire::profile_view(&view)), None))
}

/// `POST /agents/me/heartbeat`: the record, the delta since the previous heartbeat (both
/// `since` fields are integers, 0 on the first heartbeat), completeness, actions and features.
pub(crate) async fn heartbeat(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let outcome = state.app().heartbeat(&caller).await?;
    let data = to_wire::heartbeat(&outcome, to_wire::features(&state));
    Ok(cached(ok(data), None))
}

/// `DELETE /agents/me` (404 when the caller has no profile; the gate checks the 1-per-300-s
/// limit first).
pub(crate) async fn delist(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let delisted = state.app().delist(&caller).await?;
    Ok(cached(ok(to_wire::delisted(&delisted)), None))
}

/// `POST /agents/{account_id}/follow`.
pub(crate) async fn follow(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let body: wire::FollowRequest = typed(body)?;
    let request = FollowRequest {
        targets: targets_or(body.targets, path)?,
        reason: reason(body.reason)?,
    };
    let outcome = state.app().follow(&caller, limit, request).await?;
    Ok(batch_response(
        outcome.batch.rate.as_ref(),
        to_wire::follow_results(&outcome),
    ))
}

/// `DELETE /agents/{account_id}/follow`.
pub(crate) async fn unfollow(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let body: wire::UnfollowRequest = typed(body)?;
    let targets = targets_or(body.targets, path)?;
    let outcome = state.app().unfollow(&caller, limit, targets).await?;
    Ok(batch_response(
        outcome.batch.rate.as_ref(),
        to_wire::follow_results(&outcome),
    ))
}

/// `POST /agents/{account_id}/endorse`.
pub(crate) async fn endorse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let body: wire::EndorseRequest = typed(body)?;
    let request = match body.targets {
        Some(items) => Targets::many(items)?.try_map(|t| {
            Ok::<_, ApiError>(EndorseItem {
                fields: EndorseFields::parse(
                    Some(t.key_suffixes),
                    t.reason.as_deref(),
                    t.content_hash.as_deref(),
                ),
                account_id: t.account_id,
            })
        })?,
        None => Targets::One(EndorseItem {
            account_id: path,
            fields: Ok(EndorseFields::parse(
                body.key_suffixes,
                body.reason.as_deref(),
                body.content_hash.as_deref(),
            )?),
        }),
    };
    let outcome = state.app().endorse(&caller, limit, request).await?;
    Ok(batch_response(
        outcome.rate.as_ref(),
        to_wire::endorse_results(&outcome),
    ))
}

/// `DELETE /agents/{account_id}/endorse`.
pub(crate) async fn unendorse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let body: wire::UnendorseRequest = typed(body)?;
    let request = match body.targets {
        Some(items) => Targets::many(items)?.try_map(|t| {
            Ok::<_, ApiError>(EndorseItem {
                fields: EndorseFields::parse(Some(t.key_suffixes), None, None),
                account_id: t.account_id,
            })
        })?,
        None => Targets::One(EndorseItem {
            account_id: path,
            fields: Ok(EndorseFields::parse(body.key_suffixes, None, None)?),
        }),
    };
    let outcome = state.app().unendorse(&caller, limit, request).await?;
    Ok(batch_response(
        outcome.rate.as_ref(),
        to_wire::endorse_results(&outcome),
    ))
}

/// `POST /admin/hidden/{account_id}`.
pub(crate) async fn hide(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    set_hidden(&state, &caller, &raw, true).await
}

/// `DELETE /admin/hidden/{account_id}`.
pub(crate) async fn unhide(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    set_hidden(&state, &caller, &raw, false).await
}

async fn set_hidden(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    hide: bool,
) -> ApiResult<Response> {
    let change = state.app().set_hidden(caller, raw, hide).await?;
    Ok(cached(ok(to_wire::hidden_change(&change)), None))
}

// --- Request bodies into the use cases' inputs. ---

/// The body's `targets` (1 to 20), else the path's account.
fn targets_or(targets: Option<Vec<String>>, path: String) -> Result<Targets<String>, AppError> {
    match targets {
        Some(items) => Targets::many(items),
        None => Ok(Targets::One(path)),
    }
}

/// An optional `reason`, parsed into the domain's [`Reason`].
fn reason(raw: Option<String>) -> Result<Option<Reason>, AppError> {
    raw.map(|s| Reason::parse(&s).map_err(|e| AppError::Invalid(e.to_string())))
        .transpose()
}

/// A batch's answer, with the `X-RateLimit-*` headers of its last slot when it took one.
fn batch_response<T: crate::respond::Answer>(rate: Option<&Decision>, data: T) -> Response {
    let response = cached(ok(data), None);
    match rate {
        Some(d) => with_rate_headers(d, response),
        None => response,
    }
}
