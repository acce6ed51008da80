//! The write endpoints: profile, heartbeat, delist, the four batch-first social mutations and
//! the admin's hide/unhide.
//!
//! Every write goes to FastData through the caller's custody wallet (`__fastdata_kv` with a
//! flat `{key: value}` object, at most 256 keys per transaction) and, once custody acknowledges
//! it, straight into the index ([`indexer::Indexer::apply_own_write`]) so the caller's next read
//! shows it. Checks (validation, self-targets, existence, idempotency, rate limits) all run
//! before anything is written; a rejected request writes nothing.

use axum::extract::{Path, State};
use axum::response::Response;
use fastdata_client::envelope::MAX_KEYS_PER_TX;
use nearly_core::{
    AccountId, ErrorCode, Key, KeySuffix, Profile, ProfilePatch, Reason, ValidationError,
    delist_profile_writes, endorsement_value, follow_value, profile_writes,
};
use outlayer_client::wire::CallRequest;
use serde_json::{Map, Value, json};

use crate::auth::{CUSTODY_TIMEOUT, Caller, HINT_READ_ONLY, Mutator};
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::JsonObject;
use crate::graph::{cached, features, me_view, path_account};
use crate::rate_limit::{Action, enforce};
use crate::routes::with_rate_headers;
use crate::state::AppState;

/// Most targets one batch may name.
pub const MAX_TARGETS: usize = 20;
/// Most key suffixes per endorse or unendorse target.
pub const MAX_SUFFIXES: usize = 20;
/// Longest caller-asserted `content_hash`, in bytes.
pub const MAX_CONTENT_HASH_BYTES: usize = 256;

/// Writes `(key, value)` pairs (`null` deletes) through the caller's custody wallet, in
/// transactions of at most 256 keys, applying each acknowledged one to the index at once.
///
/// A failure stops at the failing transaction: earlier ones are written (and indexed), later
/// ones are not sent.
pub(crate) async fn commit(
    state: &AppState,
    caller: &Caller,
    writes: &[(String, Value)],
) -> ApiResult<()> {
    let Some(auth) = caller.custody_auth.as_ref() else {
        return Err(ApiError::new(
            ErrorCode::AuthRequired,
            "Writing needs a custody credential",
        )
        .with_hint(HINT_READ_ONLY));
    };
    let namespace = state.index.config().namespace.clone();
    for chunk in writes.chunks(MAX_KEYS_PER_TX) {
        let args: Map<String, Value> = chunk.iter().cloned().collect();
        let request = CallRequest::fastdata_kv(namespace.clone(), args);
        let idempotency_key = hex::encode(rand::random::<[u8; 16]>());
        let outcome = tokio::time::timeout(
            CUSTODY_TIMEOUT,
            state.custody.call(auth, &request, Some(&idempotency_key)),
        )
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::StorageError,
                "Custody did not answer in time; verify state before retrying",
            )
        })?
        .map_err(ApiError::from_custody)?;
        if !outcome.is_applied() {
            return Err(ApiError::new(
                ErrorCode::StorageError,
                "Custody holds the write for multisig approval; it is not applied yet",
            ));
        }
        if crate::write_wait::confirm(state, &outcome).await {
            continue;
        }
        let entries: Vec<(String, Option<Value>)> = chunk
            .iter()
            .map(|(k, v)| (k.clone(), (!v.is_null()).then(|| v.clone())))
            .collect();
        state
            .index
            .apply_own_write(caller.account_id.as_str(), &entries, now_ns(state));
    }
    Ok(())
}

fn now_ns(state: &AppState) -> u64 {
    state.clock.now_ms().saturating_mul(1_000_000)
}

fn keyed(writes: Vec<(Key, Value)>) -> Vec<(String, Value)> {
    writes
        .into_iter()
        .map(|(k, v)| (k.to_key_string(), v))
        .collect()
}

fn validation(e: &ValidationError) -> ApiError {
    ApiError::validation(e.to_string())
}

/// The default profile a caller's first mutation writes when it has none.
fn default_profile_writes(state: &AppState, account: &AccountId) -> Vec<(String, Value)> {
    if state.index.read().has_profile(account.as_str()) {
        Vec::new()
    } else {
        keyed(profile_writes(&Profile::default(), None))
    }
}

/// `PATCH /agents/me/profile`.
pub(crate) async fn update_profile(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let patch = ProfilePatch::from_json(&Value::Object(body)).map_err(|e| validation(&e))?;
    let decision = enforce(
        state.rate_limiter.as_ref(),
        Action::Profile,
        caller.account_id.as_str(),
    )
    .await?;
    let previous = state
        .index
        .read()
        .profile(caller.account_id.as_str())
        .cloned();
    let mut next = previous.clone().unwrap_or_default();
    next.apply(&patch);
    commit(
        &state,
        &caller,
        &keyed(profile_writes(&next, previous.as_ref())),
    )
    .await?;
    let data = me_view(&state, &caller.account_id).await;
    Ok(with_rate_headers(&decision, cached(ok(data), None)))
}

/// `POST /agents/me/heartbeat`: re-writes the caller's profile (a default one on the first
/// heartbeat), which moves `last_active`; answers the record, the delta since the previous
/// heartbeat, completeness, actions and features.
pub(crate) async fn heartbeat(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
) -> ApiResult<Response> {
    let decision = enforce(
        state.rate_limiter.as_ref(),
        Action::Heartbeat,
        caller.account_id.as_str(),
    )
    .await?;
    let account = caller.account_id.clone();
    let (previous, since, since_height, activity) = {
        let graph = state.index.read();
        let record = graph.agent(account.as_str());
        let since = record.as_ref().and_then(|a| a.last_active);
        let since_height = record.as_ref().and_then(|a| a.last_active_height);
        (
            graph.profile(account.as_str()).cloned(),
            since,
            since_height,
            graph.activity(account.as_str(), since_height),
        )
    };
    let writes = match &previous {
        Some(p) => profile_writes(p, Some(p)),
        None => profile_writes(&Profile::default(), None),
    };
    commit(&state, &caller, &keyed(writes)).await?;
    let mut data = me_view(&state, &account).await;
    if let Some(obj) = data.as_object_mut() {
        obj.insert(
            "delta".into(),
            json!({
                // Always integers: 0 on the first heartbeat ("since the beginning").
                "since": since.unwrap_or(0),
                "since_height": since_height.unwrap_or(0),
                "new_followers_count": activity.new_followers.len(),
                "new_following_count": activity.new_following.len(),
                "new_followers": activity.new_followers,
            }),
        );
        obj.insert("features".into(), features(&state));
    }
    Ok(with_rate_headers(&decision, cached(ok(data), None)))
}

/// `DELETE /agents/me`: null-writes the caller's profile, tag and capability keys, follows and
/// endorsements (others' follows and endorsements of it stay). 404 when it has no profile.
pub(crate) async fn delist(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
) -> ApiResult<Response> {
    let account = caller.account_id.clone();
    // The documented limit (1 per 300 s) is checked first: a second delist inside the window
    // is a 429 with `retry_after`, not a 404 for the profile the first one removed.
    let decision = enforce(
        state.rate_limiter.as_ref(),
        Action::Delist,
        account.as_str(),
    )
    .await?;
    let keys = {
        let graph = state.index.read();
        let Some(profile) = graph.profile(account.as_str()) else {
            return Err(ApiError::not_found(format!(
                "Agent {account} has no profile to delist"
            )));
        };
        let mut keys: Vec<String> = delist_profile_writes(profile)
            .into_iter()
            .map(|(k, _)| k.to_key_string())
            .collect();
        keys.extend(
            graph
                .keys_of(account.as_str())
                .into_iter()
                .filter(|k| !k.starts_with("hidden/")),
        );
        keys.sort();
        keys.dedup();
        keys
    };
    let writes: Vec<(String, Value)> = keys.into_iter().map(|k| (k, Value::Null)).collect();
    commit(&state, &caller, &writes).await?;
    Ok(with_rate_headers(
        &decision,
        cached(
            ok(json!({
                "account_id": account,
                "action": "delisted",
                "removed_keys": writes.len(),
            })),
            None,
        ),
    ))
}

/// One per-target result of a batch.
fn target_error(account: &str, code: ErrorCode, message: &str) -> Value {
    json!({ "account_id": account, "action": "error", "code": code, "error": message })
}

/// The raw targets of a batch: the body's `targets` (1 to 20) when present, else the path id.
fn batch_items(body: &Map<String, Value>) -> ApiResult<Option<Vec<Value>>> {
    match body.get("targets") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.is_empty() => {
            Err(ApiError::validation("targets must not be empty"))
        }
        Some(Value::Array(items)) if items.len() > MAX_TARGETS => {
            Err(ApiError::validation(format!(
                "targets must hold at most {MAX_TARGETS} entries (got {})",
                items.len()
            )))
        }
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(_) => Err(ApiError::validation("targets must be an array")),
    }
}

/// An optional `reason` field.
fn reason_field(obj: &Map<String, Value>) -> Result<Option<Reason>, ApiError> {
    match obj.get("reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Reason::parse(s).map(Some).map_err(|e| validation(&e)),
        Some(_) => Err(ApiError::validation("Reason must be a string")),
    }
}

/// An optional `content_hash` field.
fn content_hash_field(obj: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match obj.get("content_hash") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() > MAX_CONTENT_HASH_BYTES => Err(ApiError::validation(
            format!("content_hash must be at most {MAX_CONTENT_HASH_BYTES} bytes"),
        )),
        Some(Value::String(s)) if s.chars().any(char::is_control) => Err(ApiError::validation(
            "content_hash must not contain control characters",
        )),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::validation("content_hash must be a string")),
    }
}

/// Follow or unfollow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FollowOp {
    Follow,
    Unfollow,
}

/// A target that passed its checks, waiting for a rate-limit slot and the write.
struct Pending {
    /// Index in `results`.
    slot: usize,
    account: String,
    writes: Vec<(String, Value)>,
    /// The result on success.
    success: Value,
}

/// Consumes one rate-limit slot per pending target (in order), writes the allowed ones in one
/// go and fills their results. 429 when the very first slot is refused (nothing would be
/// written); later refusals are per-target `RATE_LIMITED`. An unfunded wallet or a refused
/// credential aborts the batch; any other storage failure is per-target `STORAGE_ERROR`.
async fn run_batch(
    state: &AppState,
    caller: &Caller,
    action: Action,
    prefix: Vec<(String, Value)>,
    pending: Vec<Pending>,
    results: &mut [Value],
) -> ApiResult<Option<crate::rate_limit::Decision>> {
    let mut allowed = Vec::new();
    let mut last = None;
    for (i, p) in pending.into_iter().enumerate() {
        let decision = state
            .rate_limiter
            .check(action, caller.account_id.as_str())
            .await
            .map_err(ApiError::internal)?;
        if decision.allowed {
            last = Some(decision);
            allowed.push(p);
        } else if i == 0 {
            decision.into_result(action)?;
        } else {
            if let Some(r) = results.get_mut(p.slot) {
                *r = target_error(
                    &p.account,
                    ErrorCode::RateLimited,
                    &format!(
                        "rate limit for {} reached; retry in {}s",
                        action.name(),
                        decision.retry_after.unwrap_or(1)
                    ),
                );
            }
            last = Some(decision);
        }
    }
    if allowed.is_empty() {
        return Ok(last);
    }
    let mut writes = prefix;
    for p in &allowed {
        writes.extend(p.writes.iter().cloned());
    }
    match commit(state, caller, &writes).await {
        Ok(()) => {
            for p in allowed {
                if let Some(r) = results.get_mut(p.slot) {
                    *r = p.success;
                }
            }
        }
        Err(e)
            if matches!(
                e.code,
                ErrorCode::InsufficientBalance | ErrorCode::AuthFailed | ErrorCode::AuthRequired
            ) =>
        {
            return Err(e);
        }
        Err(e) => {
            for p in allowed {
                if let Some(r) = results.get_mut(p.slot) {
                    *r = target_error(&p.account, e.code, &e.message);
                }
            }
        }
    }
    Ok(last)
}

/// `POST /agents/{account_id}/follow`.
pub(crate) async fn follow(
    state: State<AppState>,
    caller: Mutator,
    path: Path<String>,
    body: JsonObject,
) -> ApiResult<Response> {
    follow_batch(state, caller, path, body, FollowOp::Follow).await
}

/// `DELETE /agents/{account_id}/follow`.
pub(crate) async fn unfollow(
    state: State<AppState>,
    caller: Mutator,
    path: Path<String>,
    body: JsonObject,
) -> ApiResult<Response> {
    follow_batch(state, caller, path, body, FollowOp::Unfollow).await
}

async fn follow_batch(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
    op: FollowOp,
) -> ApiResult<Response> {
    let raw_targets: Vec<String> = match batch_items(&body)? {
        None => vec![path],
        Some(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(ApiError::validation(
                    "targets must be an array of account ids",
                )),
            })
            .collect::<Result<_, _>>()?,
    };
    let reason = match op {
        FollowOp::Follow => reason_field(&body)?,
        FollowOp::Unfollow => None,
    };
    let me = caller.account_id.as_str().to_owned();
    let mut results: Vec<Value> = Vec::new();
    let mut pending = Vec::new();
    let mut seen = std::collections::HashSet::new();
    {
        let graph = state.index.read();
        for raw in raw_targets {
            if !seen.insert(raw.clone()) {
                continue;
            }
            let slot = results.len();
            let target = match AccountId::parse(&raw) {
                Ok(t) => t,
                Err(e) => {
                    results.push(target_error(
                        &raw,
                        ErrorCode::ValidationError,
                        &e.to_string(),
                    ));
                    continue;
                }
            };
            let t = target.as_str();
            let following = graph.is_following(&me, t);
            let key = Key::Follow(target.clone()).to_key_string();
            let result = match op {
                FollowOp::Follow if t == me => {
                    target_error(t, ErrorCode::SelfFollow, "cannot follow yourself")
                }
                FollowOp::Unfollow if t == me => {
                    target_error(t, ErrorCode::SelfUnfollow, "cannot unfollow yourself")
                }
                FollowOp::Follow if !graph.has_profile(t) => {
                    target_error(t, ErrorCode::NotFound, "agent not found")
                }
                FollowOp::Follow if following => {
                    json!({ "account_id": t, "action": "already_following" })
                }
                FollowOp::Unfollow if !following => {
                    json!({ "account_id": t, "action": "not_following" })
                }
                FollowOp::Follow => {
                    pending.push(Pending {
                        slot,
                        account: t.to_owned(),
                        writes: vec![(key, follow_value(reason.as_ref()))],
                        success: json!({ "account_id": t, "action": "followed" }),
                    });
                    Value::Null
                }
                FollowOp::Unfollow => {
                    pending.push(Pending {
                        slot,
                        account: t.to_owned(),
                        writes: vec![(key, Value::Null)],
                        success: json!({ "account_id": t, "action": "unfollowed" }),
                    });
                    Value::Null
                }
            };
            results.push(result);
        }
    }
    let (action, prefix) = match op {
        FollowOp::Follow if !pending.is_empty() => (
            Action::Follow,
            default_profile_writes(&state, &caller.account_id),
        ),
        FollowOp::Follow => (Action::Follow, Vec::new()),
        FollowOp::Unfollow => (Action::Unfollow, Vec::new()),
    };
    let decision = run_batch(&state, &caller, action, prefix, pending, &mut results).await?;
    let network = state.index.read().network(&me);
    let data = json!({
        "results": results,
        "your_network": {
            "following_count": network.following_count,
            "follower_count": network.follower_count,
        },
    });
    Ok(respond(decision.as_ref(), data))
}

fn respond(decision: Option<&crate::rate_limit::Decision>, data: Value) -> Response {
    let response = cached(ok(data), None);
    match decision {
        Some(d) => with_rate_headers(d, response),
        None => response,
    }
}

/// Endorse or unendorse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndorseOp {
    Endorse,
    Unendorse,
}

/// One endorse/unendorse target as the request gave it.
struct EndorseItem {
    account: String,
    suffixes: Result<Vec<String>, ApiError>,
    reason: Result<Option<Reason>, ApiError>,
    content_hash: Result<Option<String>, ApiError>,
}

fn suffix_list(obj: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    match obj.get("key_suffixes") {
        None | Some(Value::Null) => Err(ApiError::validation("key_suffixes is required")),
        Some(Value::Array(items)) if items.is_empty() => {
            Err(ApiError::validation("key_suffixes must not be empty"))
        }
        Some(Value::Array(items)) if items.len() > MAX_SUFFIXES => {
            Err(ApiError::validation(format!(
                "key_suffixes must hold at most {MAX_SUFFIXES} entries (got {})",
                items.len()
            )))
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::validation("key_suffixes must be strings"))
            })
            .collect(),
        Some(_) => Err(ApiError::validation(
            "key_suffixes must be an array of strings",
        )),
    }
}

/// `POST /agents/{account_id}/endorse`.
pub(crate) async fn endorse(
    state: State<AppState>,
    caller: Mutator,
    path: Path<String>,
    body: JsonObject,
) -> ApiResult<Response> {
    endorse_batch(state, caller, path, body, EndorseOp::Endorse).await
}

/// `DELETE /agents/{account_id}/endorse`.
pub(crate) async fn unendorse(
    state: State<AppState>,
    caller: Mutator,
    path: Path<String>,
    body: JsonObject,
) -> ApiResult<Response> {
    endorse_batch(state, caller, path, body, EndorseOp::Unendorse).await
}

async fn endorse_batch(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    Path(path): Path<String>,
    JsonObject(body): JsonObject,
    op: EndorseOp,
) -> ApiResult<Response> {
    let items: Vec<EndorseItem> = match batch_items(&body)? {
        None => {
            // Single-target form: the body's fields are the request envelope.
            let suffixes = suffix_list(&body)?;
            let reason = reason_field(&body)?;
            let content_hash = content_hash_field(&body)?;
            vec![EndorseItem {
                account: path,
                suffixes: Ok(suffixes),
                reason: Ok(reason),
                content_hash: Ok(content_hash),
            }]
        }
        Some(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Object(obj) => match obj.get("account_id").and_then(Value::as_str) {
                    Some(account) => Ok(EndorseItem {
                        account: account.to_owned(),
                        suffixes: suffix_list(&obj),
                        reason: reason_field(&obj),
                        content_hash: content_hash_field(&obj),
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
    };
    let me = caller.account_id.as_str().to_owned();
    let mut results: Vec<Value> = Vec::new();
    let mut pending = Vec::new();
    let mut seen = std::collections::HashSet::new();
    {
        let graph = state.index.read();
        for item in items {
            if !seen.insert(item.account.clone()) {
                continue;
            }
            let slot = results.len();
            let raw = item.account.as_str();
            let target = match AccountId::parse(raw) {
                Ok(t) => t,
                Err(e) => {
                    results.push(target_error(
                        raw,
                        ErrorCode::ValidationError,
                        &e.to_string(),
                    ));
                    continue;
                }
            };
            let t = target.as_str();
            if t == me {
                let (code, message) = match op {
                    EndorseOp::Endorse => (ErrorCode::SelfEndorse, "cannot endorse yourself"),
                    EndorseOp::Unendorse => (ErrorCode::SelfUnendorse, "cannot unendorse yourself"),
                };
                results.push(target_error(t, code, message));
                continue;
            }
            let (suffixes, reason, content_hash) =
                match (item.suffixes, item.reason, item.content_hash) {
                    (Ok(s), Ok(r), Ok(h)) => (s, r, h),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                        results.push(target_error(t, e.code, &e.message));
                        continue;
                    }
                };
            if op == EndorseOp::Endorse && !graph.has_profile(t) {
                results.push(target_error(t, ErrorCode::NotFound, "agent not found"));
                continue;
            }
            let mut done = Vec::new();
            let mut already = Vec::new();
            let mut skipped = Vec::new();
            let mut writes = Vec::new();
            let mut seen_suffix = std::collections::HashSet::new();
            for raw_suffix in suffixes {
                if !seen_suffix.insert(raw_suffix.clone()) {
                    continue;
                }
                let suffix = match KeySuffix::parse(&target, &raw_suffix) {
                    Ok(s) => s,
                    Err(e) => {
                        if op == EndorseOp::Endorse {
                            skipped
                                .push(json!({ "key_suffix": raw_suffix, "reason": e.to_string() }));
                        }
                        continue;
                    }
                };
                let existing = graph.endorsement(&me, t, suffix.as_str());
                let key = Key::Endorsing {
                    target: target.clone(),
                    suffix: suffix.clone(),
                }
                .to_key_string();
                match op {
                    EndorseOp::Endorse if existing.as_ref() == Some(&content_hash) => {
                        already.push(raw_suffix);
                    }
                    EndorseOp::Endorse => {
                        writes.push((
                            key,
                            endorsement_value(reason.as_ref(), content_hash.as_deref()),
                        ));
                        done.push(raw_suffix);
                    }
                    EndorseOp::Unendorse if existing.is_some() => {
                        writes.push((key, Value::Null));
                        done.push(raw_suffix);
                    }
                    EndorseOp::Unendorse => {}
                }
            }
            let mut success = match op {
                EndorseOp::Endorse => {
                    json!({ "account_id": t, "action": "endorsed", "endorsed": done })
                }
                EndorseOp::Unendorse => {
                    json!({ "account_id": t, "action": "unendorsed", "removed": done })
                }
            };
            if let Some(obj) = success.as_object_mut() {
                if !already.is_empty() {
                    obj.insert("already_endorsed".into(), json!(already));
                }
                if !skipped.is_empty() {
                    obj.insert("skipped".into(), json!(skipped));
                }
            }
            if writes.is_empty() {
                if op == EndorseOp::Endorse && already.is_empty() {
                    let mut err = target_error(
                        t,
                        ErrorCode::ValidationError,
                        "no valid key_suffix to endorse",
                    );
                    if let Some(obj) = err.as_object_mut() {
                        obj.insert("skipped".into(), json!(skipped));
                    }
                    results.push(err);
                } else {
                    results.push(success);
                }
                continue;
            }
            results.push(Value::Null);
            pending.push(Pending {
                slot,
                account: t.to_owned(),
                writes,
                success,
            });
        }
    }
    let (action, prefix) = match op {
        EndorseOp::Endorse if !pending.is_empty() => (
            Action::Endorse,
            default_profile_writes(&state, &caller.account_id),
        ),
        EndorseOp::Endorse => (Action::Endorse, Vec::new()),
        EndorseOp::Unendorse => (Action::Unendorse, Vec::new()),
    };
    let decision = run_batch(&state, &caller, action, prefix, pending, &mut results).await?;
    Ok(respond(decision.as_ref(), json!({ "results": results })))
}

/// `POST /admin/hidden/{account_id}` and `DELETE ...`: the configured admin account writes
/// (or deletes) `hidden/{account_id}` under its own predecessor.
async fn set_hidden(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    hide: bool,
) -> ApiResult<Response> {
    let Some(admin) = state.index.config().admin.clone() else {
        return Err(ApiError::not_configured(
            "No admin account is configured on this server",
        ));
    };
    if caller.account_id.as_str() != admin {
        return Err(ApiError::new(
            ErrorCode::AuthFailed,
            "Only the configured admin account may hide or unhide agents",
        )
        .with_hint("Authenticate with the admin account's wallet key or near: token."));
    }
    let target = path_account(raw)?;
    let key = format!("hidden/{target}");
    let value = if hide { Value::Bool(true) } else { Value::Null };
    commit(state, caller, &[(key, value)]).await?;
    let action = if hide { "hidden" } else { "unhidden" };
    Ok(cached(
        ok(json!({ "account_id": target, "action": action })),
        None,
    ))
}

/// `POST /admin/hidden/{account_id}`.
pub(crate) async fn hide(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    set_hidden(&state, &caller, &raw, true).await
}

/// `DELETE /admin/hidden/{account_id}`.
pub(crate) async fn unhide(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    set_hidden(&state, &caller, &raw, false).await
}
