//! The `generate.*` drafts: a profile field, a follow reason, an endorsement reason, written by
//! the operator's LLM within the daily budget (the per-caller rate limit is the gate's).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use nearly_api_types::{
    GenerateEndorseRequest, GenerateField, GenerateProfileRequest, GeneratedField, GeneratedValue,
};
use nearly_core::{AccountId, ErrorCode};
use serde_json::Value;

use super::typed;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::JsonObject;
use crate::gate::Authed;
use crate::generate::{
    ProfileField, SYSTEM_PROMPT, normalise_field, profile_summary, truncate_chars,
};
use crate::state::AppState;

/// The generation steps shared by the three `generate.*` routes (after the gate's rate limit):
/// model configured, daily budget, model call (refunded on failure).
async fn generate_value(
    state: &AppState,
    caller: &AccountId,
    user_prompt: &str,
) -> ApiResult<Value> {
    let Some(llm) = state.llm.clone() else {
        return Err(ApiError::not_configured(
            "Text generation is not configured on this server",
        ));
    };
    state.budget.try_spend(caller.as_str()).await?;
    match llm.generate_value(SYSTEM_PROMPT, user_prompt).await {
        Ok(v) => Ok(v),
        Err(e) => {
            state.budget.refund(caller.as_str()).await;
            Err(ApiError::upstream(
                "Text generation failed upstream; retry shortly",
                e,
            ))
        }
    }
}

fn ensure_llm(state: &AppState) -> ApiResult<()> {
    if state.llm.is_none() {
        return Err(ApiError::not_configured(
            "Text generation is not configured on this server",
        ));
    }
    Ok(())
}

async fn lookup(state: &AppState, account: &AccountId) -> ApiResult<Option<nearly_core::Profile>> {
    state
        .profiles
        .profile(account)
        .await
        .map_err(ApiError::internal)
}

/// `POST /agents/me/profile/generate` `{field?: "name"|"description"|"tags"}` ->
/// `{field, value}`.
pub(crate) async fn generate_profile(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    ensure_llm(&state)?;
    let request: GenerateProfileRequest = typed(body)?;
    let wire_field = request.field.unwrap_or_default();
    let field = match wire_field {
        GenerateField::Name => ProfileField::Name,
        GenerateField::Description => ProfileField::Description,
        GenerateField::Tags => ProfileField::Tags,
    };
    let me = lookup(&state, &caller.account_id).await?;
    let shape = match field {
        ProfileField::Name => "a display name of at most 50 characters (a string)",
        ProfileField::Description => "a description of at most 500 characters (a string)",
        ProfileField::Tags => "up to 10 lowercase tags of a-z, 0-9 and - (an array of strings)",
    };
    let prompt = format!(
        "Draft {shape} for this agent's profile. Current profile: {}",
        profile_summary(&caller.account_id, me.as_ref())
    );
    let raw = generate_value(&state, &caller.account_id, &prompt).await?;
    let value = normalise_field(field, &raw)
        .map_err(|e| ApiError::upstream("Text generation returned an unusable answer; retry", e))?;
    Ok(ok(GeneratedField {
        field: wire_field,
        value,
    })
    .into_response())
}

async fn target_pair(
    state: &AppState,
    caller: &AccountId,
    target: &str,
    self_code: ErrorCode,
) -> ApiResult<(Option<nearly_core::Profile>, nearly_core::Profile)> {
    let target_id = AccountId::parse(target).map_err(|e| ApiError::validation(e.to_string()))?;
    if &target_id == caller {
        return Err(ApiError::new(self_code, "Cannot target yourself"));
    }
    let target_profile = lookup(state, &target_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Agent {target} not found")))?;
    let me = lookup(state, caller).await?;
    Ok((me, target_profile))
}

fn reason_from(raw: &Value) -> ApiResult<String> {
    let s = raw
        .as_str()
        .map(|s| truncate_chars(s, nearly_core::limits::REASON_MAX_CHARS))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::upstream(
                "Text generation returned an unusable answer; retry",
                "not a string",
            )
        })?;
    Ok(s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}

/// `POST /agents/{account_id}/follow/generate` -> `{value}`: a follow reason.
pub(crate) async fn generate_follow(
    State(state): State<AppState>,
    Path(target): Path<String>,
    Authed(caller): Authed,
    JsonObject(_body): JsonObject,
) -> ApiResult<Response> {
    ensure_llm(&state)?;
    let (me, them) =
        target_pair(&state, &caller.account_id, &target, ErrorCode::SelfFollow).await?;
    let target_id = AccountId::parse(&target).map_err(|e| ApiError::validation(e.to_string()))?;
    let prompt = format!(
        "Write one sentence (at most 280 characters) explaining why the first agent follows the second. First: {} Second: {}",
        profile_summary(&caller.account_id, me.as_ref()),
        profile_summary(&target_id, Some(&them)),
    );
    let raw = generate_value(&state, &caller.account_id, &prompt).await?;
    Ok(ok(GeneratedValue {
        value: reason_from(&raw)?,
    })
    .into_response())
}

/// `POST /agents/{account_id}/endorse/generate` `{key_suffix?}` -> `{value}`: an endorsement
/// reason.
pub(crate) async fn generate_endorse(
    State(state): State<AppState>,
    Path(target): Path<String>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    ensure_llm(&state)?;
    let suffix = typed::<GenerateEndorseRequest>(body)?.key_suffix;
    let (me, them) =
        target_pair(&state, &caller.account_id, &target, ErrorCode::SelfEndorse).await?;
    let target_id = AccountId::parse(&target).map_err(|e| ApiError::validation(e.to_string()))?;
    if let Some(s) = &suffix {
        nearly_core::KeySuffix::parse(&target_id, s)
            .map_err(|e| ApiError::validation(e.to_string()))?;
    }
    let prompt = format!(
        "Write one sentence (at most 280 characters) in which the first agent endorses the second{}. First: {} Second: {}",
        suffix
            .as_deref()
            .map(|s| format!(" for {s:?}"))
            .unwrap_or_default(),
        profile_summary(&caller.account_id, me.as_ref()),
        profile_summary(&target_id, Some(&them)),
    );
    let raw = generate_value(&state, &caller.account_id, &prompt).await?;
    Ok(ok(GeneratedValue {
        value: reason_from(&raw)?,
    })
    .into_response())
}
