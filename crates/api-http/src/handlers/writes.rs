//! The write endpoints: extract the body into the use case's typed input, call
//! [`crate::app::App`], answer its outcome. Every rule lives in the application layer; the
//! limits are the gate's (the batch writes get theirs as [`BatchLimit`]).

use axum::extract::{Path, State};
use axum::response::Response;
use nearly_core::{ProfilePatch, Reason};
use serde_json::{Map, Value, json};

use super::reads::{features, me_json};
use crate::app::{
    AppError, BatchOutcome, EndorseItem, EndorseResult, FollowOutcome, FollowRequest, FollowResult,
    MAX_SUFFIXES, Target, TargetError, Targets,
};
use crate::app::{EndorseFields, Skipped};
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
    let patch = ProfilePatch::from_json(&Value::Object(body))
        .map_err(|e| ApiError::validation(e.to_string()))?;
    let view = state.app().update_profile(&caller, &patch).await?;
    Ok(cached(ok(me_json(&view, None)), None))
}

/// `POST /agents/me/heartbeat`: the record, the delta since the previous heartbeat (both
/// `since` fields are integers, 0 on the first heartbeat), completeness, actions and features.
pub(crate) async fn heartbeat(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let outcome = state.app().heartbeat(&caller).await?;
    let mut data = me_json(&outcome.me, Some(features(&state)));
    let delta = &outcome.delta;
    if let Some(obj) = data.as_object_mut() {
        obj.insert(
            "delta".into(),
            json!({
                "since": delta.since,
                "since_height": delta.since_height,
                "new_followers_count": delta.new_followers.len(),
                "new_following_count": delta.new_following_count,
                "new_followers": delta.new_followers,
            }),
        );
    }
    Ok(cached(ok(data), None))
}

/// `DELETE /agents/me` (404 when the caller has no profile; the gate checks the 1-per-300-s
/// limit first).
pub(crate) async fn delist(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let delisted = state.app().delist(&caller).await?;
    Ok(cached(
        ok(json!({
            "account_id": delisted.account_id,
            "action": "delisted",
            "removed_keys": delisted.removed_keys,
        })),
        None,
    ))
}

/// `POST /agents/{account_id}/follow`.
pub(crate) async fn follow(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let targets = account_targets(&body, path)?;
    let reason = reason_field(&body).map_err(ApiError::from)?;
    let request = FollowRequest { targets, reason };
    let outcome = state.app().follow(&caller, limit, request).await?;
    Ok(follow_response(&outcome))
}

/// `DELETE /agents/{account_id}/follow`.
pub(crate) async fn unfollow(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let targets = account_targets(&body, path)?;
    let outcome = state.app().unfollow(&caller, limit, targets).await?;
    Ok(follow_response(&outcome))
}

/// `POST /agents/{account_id}/endorse`.
pub(crate) async fn endorse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let request = endorse_targets(&body, path)?;
    let outcome = state.app().endorse(&caller, limit, request).await?;
    Ok(endorse_response(&outcome))
}

/// `DELETE /agents/{account_id}/endorse`.
pub(crate) async fn unendorse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    BatchLimit(limit): BatchLimit,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let request = endorse_targets(&body, path)?;
    let outcome = state.app().unendorse(&caller, limit, request).await?;
    Ok(endorse_response(&outcome))
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
    caller: &crate::auth::Caller,
    raw: &str,
    hide: bool,
) -> ApiResult<Response> {
    let change = state.app().set_hidden(caller, raw, hide).await?;
    let action = if change.hidden { "hidden" } else { "unhidden" };
    Ok(cached(
        ok(json!({ "account_id": change.account_id, "action": action })),
        None,
    ))
}

// --- Request bodies into the use cases' inputs. ---

/// The body's `targets` (checked for size first), else the path's account.
fn batch_items(body: &Map<String, Value>) -> Result<Option<Vec<Value>>, AppError> {
    match body.get("targets") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            Targets::many(items.clone())?;
            Ok(Some(items.clone()))
        }
        Some(_) => Err(AppError::invalid("targets must be an array")),
    }
}

/// Follow and unfollow targets: account id strings.
fn account_targets(body: &Map<String, Value>, path: String) -> ApiResult<Targets<String>> {
    match batch_items(body)? {
        None => Ok(Targets::One(path)),
        Some(items) => Ok(Targets::Many(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(ApiError::validation(
                        "targets must be an array of account ids",
                    )),
                })
                .collect::<Result<_, _>>()?,
        )),
    }
}

/// Endorse and unendorse targets: the body itself (single form: its field errors are the
/// request's) or `{account_id, key_suffixes, reason?, content_hash?}` objects (batch form: a
/// bad field fails only its target).
fn endorse_targets(body: &Map<String, Value>, path: String) -> ApiResult<Targets<EndorseItem>> {
    match batch_items(body)? {
        None => Ok(Targets::One(EndorseItem {
            account_id: path,
            fields: Ok(endorse_fields(body)?),
        })),
        Some(items) => Ok(Targets::Many(
            items
                .into_iter()
                .map(|v| match v {
                    Value::Object(obj) => match obj.get("account_id").and_then(Value::as_str) {
                        Some(account) => Ok(EndorseItem {
                            account_id: account.to_owned(),
                            fields: endorse_fields(&obj),
                        }),
                        None => Err(ApiError::validation(
                            "each target must carry an account_id string",
                        )),
                    },
                    _ => Err(ApiError::validation(
                        "targets must be an array of {account_id, key_suffixes} objects",
                    )),
                })
                .collect::<Result<_, _>>()?,
        )),
    }
}

fn endorse_fields(obj: &Map<String, Value>) -> Result<EndorseFields, AppError> {
    let key_suffixes = suffix_list(obj);
    let reason = reason_field(obj);
    let content_hash = content_hash_field(obj);
    Ok(EndorseFields {
        key_suffixes: key_suffixes?,
        reason: reason?,
        content_hash: content_hash?,
    })
}

/// An optional `reason` field.
fn reason_field(obj: &Map<String, Value>) -> Result<Option<Reason>, AppError> {
    match obj.get("reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Reason::parse(s)
            .map(Some)
            .map_err(|e| AppError::Invalid(e.to_string())),
        Some(_) => Err(AppError::invalid("Reason must be a string")),
    }
}

/// An optional `content_hash` field.
fn content_hash_field(obj: &Map<String, Value>) -> Result<Option<String>, AppError> {
    match obj.get("content_hash") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => EndorseFields::content_hash(s).map(Some),
        Some(_) => Err(AppError::invalid("content_hash must be a string")),
    }
}

fn suffix_list(obj: &Map<String, Value>) -> Result<Vec<String>, AppError> {
    match obj.get("key_suffixes") {
        None | Some(Value::Null) => Err(AppError::invalid("key_suffixes is required")),
        Some(Value::Array(items)) if items.is_empty() => {
            Err(AppError::invalid("key_suffixes must not be empty"))
        }
        Some(Value::Array(items)) if items.len() > MAX_SUFFIXES => Err(AppError::Invalid(format!(
            "key_suffixes must hold at most {MAX_SUFFIXES} entries (got {})",
            items.len()
        ))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| AppError::invalid("key_suffixes must be strings"))
            })
            .collect(),
        Some(_) => Err(AppError::invalid(
            "key_suffixes must be an array of strings",
        )),
    }
}

// --- Outcomes into answers. ---

/// The batch's answer, with the `X-RateLimit-*` headers of its last slot when it took one.
fn batch_response(rate: Option<&Decision>, data: Value) -> Response {
    let response = cached(ok(data), None);
    match rate {
        Some(d) => with_rate_headers(d, response),
        None => response,
    }
}

fn target_error(account: &str, e: &TargetError) -> Value {
    json!({ "account_id": account, "action": "error", "code": e.code, "error": e.message })
}

fn follow_response(outcome: &FollowOutcome) -> Response {
    let results: Vec<Value> = outcome
        .batch
        .results
        .iter()
        .map(|Target { account_id, result }| {
            let action = match result {
                FollowResult::Followed => "followed",
                FollowResult::AlreadyFollowing => "already_following",
                FollowResult::Unfollowed => "unfollowed",
                FollowResult::NotFollowing => "not_following",
                FollowResult::Failed(e) => return target_error(account_id, e),
            };
            json!({ "account_id": account_id, "action": action })
        })
        .collect();
    batch_response(
        outcome.batch.rate.as_ref(),
        json!({
            "results": results,
            "your_network": {
                "following_count": outcome.network.following_count,
                "follower_count": outcome.network.follower_count,
            },
        }),
    )
}

fn skipped_json(skipped: &[Skipped]) -> Value {
    skipped
        .iter()
        .map(|s| json!({ "key_suffix": s.key_suffix, "reason": s.reason }))
        .collect()
}

fn endorse_response(outcome: &BatchOutcome<EndorseResult>) -> Response {
    let results: Vec<Value> = outcome
        .results
        .iter()
        .map(|Target { account_id, result }| match result {
            EndorseResult::Endorsed {
                endorsed,
                already_endorsed,
                skipped,
            } => {
                let mut v =
                    json!({ "account_id": account_id, "action": "endorsed", "endorsed": endorsed });
                if let Some(obj) = v.as_object_mut() {
                    if !already_endorsed.is_empty() {
                        obj.insert("already_endorsed".into(), json!(already_endorsed));
                    }
                    if !skipped.is_empty() {
                        obj.insert("skipped".into(), skipped_json(skipped));
                    }
                }
                v
            }
            EndorseResult::Unendorsed { removed } => {
                json!({ "account_id": account_id, "action": "unendorsed", "removed": removed })
            }
            EndorseResult::NoValidSuffix { skipped } => {
                let mut v = target_error(
                    account_id,
                    &TargetError::new(
                        nearly_core::ErrorCode::ValidationError,
                        "no valid key_suffix to endorse",
                    ),
                );
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("skipped".into(), skipped_json(skipped));
                }
                v
            }
            EndorseResult::Failed(e) => target_error(account_id, e),
        })
        .collect();
    batch_response(outcome.rate.as_ref(), json!({ "results": results }))
}
