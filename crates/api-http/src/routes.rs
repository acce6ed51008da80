//! The handlers of the endpoints that need no graph index.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nearly_core::{AccountId, ErrorCode};
use nep413::{Reason, Verifier, VerifyClaimPolicy, VerifyClaimRequest, VerifyClaimResponse};
use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use crate::auth::Mutator;
use crate::error::{ApiError, ApiResult, Envelope, ok};
use crate::extract::{JsonObject, read_body};
use crate::generate::{
    ProfileField, SYSTEM_PROMPT, normalise_field, profile_summary, truncate_chars,
};
use crate::platforms::{PLATFORMS, Registration};
use crate::rate_limit::{Action, Decision, enforce};
use crate::state::AppState;

/// The skill file this server serves at `/skill.md`: our own contract text.
pub const SKILL_MD: &str = include_str!("../assets/skill.md");

/// The client's IP for per-IP limits: the last `X-Forwarded-For` hop when the proxy is trusted,
/// else the connection's peer address, else `"unknown"` (one shared bucket).
pub fn client_ip(
    parts_headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> String {
    if trust_forwarded_for
        && let Some(hop) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').map(str::trim).find(|s| !s.is_empty()))
    {
        return hop.to_owned();
    }
    peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string())
}

pub(crate) fn ip_of(parts: &Parts, state: &AppState) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client_ip(&parts.headers, peer, state.config.trust_forwarded_for)
}

/// Adds the `X-RateLimit-*` headers of an allowed request to its response.
pub(crate) fn with_rate_headers(decision: &Decision, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    for (name, value) in decision.headers() {
        response.headers_mut().insert(name, value);
    }
    response
}

/// `GET /health`.
pub(crate) async fn health(State(state): State<AppState>) -> Envelope<Value> {
    let index = state.health.index_status().await;
    let mut data = json!({
        "status": "ok",
        "version": state.config.version,
        "index": index,
    });
    if let (Some(count), Some(obj)) = (index.agent_count, data.as_object_mut()) {
        obj.insert("agent_count".into(), json!(count));
    }
    ok(data)
}

/// `GET /skill.md`.
pub(crate) async fn skill_md() -> Response {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        SKILL_MD,
    )
        .into_response()
}

/// `GET /platforms`: the catalog (120 per 60 s per IP).
pub(crate) async fn list_platforms(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<Response> {
    let (parts, _) = req.into_parts();
    let decision = enforce(
        state.rate_limiter.as_ref(),
        Action::ListPlatforms,
        &ip_of(&parts, &state),
    )
    .await?;
    Ok(with_rate_headers(
        &decision,
        ok(json!({ "platforms": PLATFORMS })),
    ))
}

/// A verify-claim answer that is not enveloped.
fn bare(status: StatusCode, body: &VerifyClaimResponse) -> Response {
    (status, Json(body)).into_response()
}

/// `POST /verify-claim`: the bare `{valid, ...}` verdict. 200 for valid and invalid claims, 502
/// for `rpc_error`; 400 `VALIDATION_ERROR` in the error envelope when the body is not a
/// verify-claim object, 429 in the error envelope when the IP is over 60 per 60 s.
pub(crate) async fn verify_claim(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let decision = enforce(
        state.rate_limiter.as_ref(),
        Action::VerifyClaim,
        &ip_of(&parts, &state),
    )
    .await?;
    let bytes = read_body(Request::from_parts(parts, body), &state).await?;
    // A wrong envelope (not an object, a missing or mistyped field) is a request error in
    // the error envelope; only a claim that parses gets a verdict.
    let request = parse_claim_request(&bytes).map_err(ApiError::validation)?;
    let verifier = Verifier::new(
        state.clock.clone(),
        state.nonces.clone(),
        state.access_keys.clone(),
    );
    let verdict = VerifyClaimPolicy::new(verifier).verify(&request).await;
    let status = match &verdict {
        VerifyClaimResponse::Invalid(e) if e.reason() == Reason::RpcError => {
            StatusCode::BAD_GATEWAY
        }
        _ => StatusCode::OK,
    };
    Ok(with_rate_headers(&decision, bare(status, &verdict)))
}

fn parse_claim_request(bytes: &[u8]) -> Result<VerifyClaimRequest, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("request body is not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("request body must be a JSON object".into());
    }
    // The wire type validates the envelope (`expected_domain: null` is refused, as documented).
    let nulls: Vec<String> = value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let wire: nearly_api_types::VerifyClaimRequest =
        serde_json::from_value(value).map_err(|e| {
            let extra = if !nulls.is_empty() {
                format!(" ({} must be a string, not null)", nulls.join(", "))
            } else if e.to_string().contains("expected a string") {
                " (every field is a string; `message` is a JSON object serialized as a string)"
                    .to_owned()
            } else {
                String::new()
            };
            format!("request body is not a verify-claim object: {e}{extra}")
        })?;
    Ok(VerifyClaimRequest {
        account_id: wire.account_id,
        public_key: wire.public_key,
        signature: wire.signature,
        nonce: wire.nonce,
        message: wire.message,
        recipient: wire.recipient,
        callback_url: wire.callback_url,
        expected_domain: wire.expected_domain,
    })
}

/// One platform's result: its credentials or a failure string.
type Outcome = Result<Map<String, Value>, String>;

/// The longest a whole platform registration may take (each client has its own, shorter,
/// timeout; this bounds custody signing too).
const REGISTRATION_DEADLINE: Duration = Duration::from_secs(10);

/// `POST /agents/me/platforms`: registers the caller on the requested (or all) platforms,
/// concurrently; persists the ids the platforms confirmed.
pub(crate) async fn register_platforms(
    State(state): State<AppState>,
    Mutator(caller): Mutator,
    JsonObject(body): JsonObject,
) -> ApiResult<Envelope<Value>> {
    // Absent means every platform; `null` is refused like any other non-array.
    let requested: Vec<String> = match body.get("platforms") {
        None => PLATFORMS.iter().map(|p| p.id.to_owned()).collect(),
        Some(Value::Array(items)) => {
            let mut seen = BTreeSet::new();
            let mut ids = Vec::new();
            for item in items {
                let id = item.as_str().ok_or_else(|| {
                    ApiError::validation("platforms must be an array of platform id strings")
                })?;
                if seen.insert(id.to_owned()) {
                    ids.push(id.to_owned());
                }
            }
            ids
        }
        Some(_) => {
            return Err(ApiError::validation(
                "platforms must be an array of platform id strings",
            ));
        }
    };
    if requested.is_empty() {
        // An empty list checks the credential without registering anywhere.
        let registered = state
            .platform_store
            .platforms(&caller.account_id)
            .await
            .map_err(|e| {
                ApiError::upstream("The platform store is unavailable; retry shortly", e)
            })?;
        return Ok(ok(json!({ "platforms": {}, "registered": registered })));
    }
    let Some(custody_auth) = caller.custody_auth.clone() else {
        return Err(ApiError::new(
            ErrorCode::AuthRequired,
            "Platform registration needs a wallet key",
        )
        .with_hint(crate::auth::HINT_READ_ONLY));
    };
    let profile = match state.profiles.profile(&caller.account_id).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "profile lookup failed; registering without tags");
            None
        }
    };
    let registration = Registration {
        account_id: caller.account_id.clone(),
        kind: caller.kind,
        custody_auth,
        custody: state.custody.clone(),
        tags: profile
            .as_ref()
            .map(|p| p.tags.iter().map(|t| t.as_str().to_owned()).collect())
            .unwrap_or_default(),
        capabilities: profile.map(|p| p.capabilities).unwrap_or_default(),
        now_ms: state.clock.now_ms(),
    };

    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut tasks = JoinSet::new();
    for id in &requested {
        if !PLATFORMS.iter().any(|p| p.id == id) {
            outcomes.push((id.clone(), Err("unknown platform".into())));
            continue;
        }
        let Some(client) = state.platform_clients.get(id).cloned() else {
            outcomes.push((id.clone(), Err("not configured on this server".into())));
            continue;
        };
        let registration = registration.clone();
        let id = id.clone();
        tasks.spawn(async move {
            let result =
                match tokio::time::timeout(REGISTRATION_DEADLINE, client.register(&registration))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => Err(format!("{id} did not answer in time")),
                };
            (id, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => tracing::error!(error = %e, "platform registration task failed"),
        }
    }

    let mut platforms = Map::new();
    let mut warnings = Vec::new();
    let mut succeeded = Vec::new();
    for id in &requested {
        let Some((_, result)) = outcomes.iter().find(|(o, _)| o == id) else {
            platforms.insert(
                id.clone(),
                json!({"success": false, "error": "registration failed"}),
            );
            warnings.push(format!("{id}: registration failed"));
            continue;
        };
        match result {
            Ok(credentials) => {
                succeeded.push(id.clone());
                platforms.insert(
                    id.clone(),
                    json!({"success": true, "credentials": credentials}),
                );
            }
            Err(error) => {
                warnings.push(format!("{id}: {error}"));
                platforms.insert(id.clone(), json!({"success": false, "error": error}));
            }
        }
    }
    let registered = if succeeded.is_empty() {
        state.platform_store.platforms(&caller.account_id).await
    } else {
        state
            .platform_store
            .add(&caller.account_id, &succeeded)
            .await
    };
    let registered = match registered {
        Ok(list) => list,
        Err(e) => {
            tracing::error!(error = %e, "platform store failed");
            warnings
                .push("registered platforms could not be saved on this server; retry later".into());
            succeeded
        }
    };
    let mut envelope = ok(json!({ "platforms": platforms, "registered": registered }));
    envelope.warnings = warnings;
    Ok(envelope)
}

/// The generation steps shared by the three `generate.*` routes: model configured, rate limit,
/// daily budget, model call (refunded on failure).
async fn generate_value(
    state: &AppState,
    caller: &AccountId,
    action: Action,
    user_prompt: &str,
) -> ApiResult<(Decision, Value)> {
    let Some(llm) = state.llm.clone() else {
        return Err(ApiError::not_configured(
            "Text generation is not configured on this server",
        ));
    };
    let decision = enforce(state.rate_limiter.as_ref(), action, caller.as_str()).await?;
    state.budget.try_spend(caller.as_str()).await?;
    match llm.generate_value(SYSTEM_PROMPT, user_prompt).await {
        Ok(v) => Ok((decision, v)),
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
    Mutator(caller): Mutator,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    ensure_llm(&state)?;
    let field = ProfileField::parse(body.get("field"))?;
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
    let (decision, raw) =
        generate_value(&state, &caller.account_id, Action::GenerateProfile, &prompt).await?;
    let value = normalise_field(field, &raw)
        .map_err(|e| ApiError::upstream("Text generation returned an unusable answer; retry", e))?;
    Ok(with_rate_headers(
        &decision,
        ok(json!({"field": field.as_str(), "value": value})),
    ))
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
    Mutator(caller): Mutator,
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
    let (decision, raw) =
        generate_value(&state, &caller.account_id, Action::GenerateFollow, &prompt).await?;
    Ok(with_rate_headers(
        &decision,
        ok(json!({"value": reason_from(&raw)?})),
    ))
}

/// `POST /agents/{account_id}/endorse/generate` `{key_suffix?}` -> `{value}`: an endorsement
/// reason.
pub(crate) async fn generate_endorse(
    State(state): State<AppState>,
    Path(target): Path<String>,
    Mutator(caller): Mutator,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    ensure_llm(&state)?;
    let suffix = match body.get("key_suffix") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::validation("key_suffix must be a string")),
    };
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
    let (decision, raw) =
        generate_value(&state, &caller.account_id, Action::GenerateEndorse, &prompt).await?;
    Ok(with_rate_headers(
        &decision,
        ok(json!({"value": reason_from(&raw)?})),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_rules() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        let peer: SocketAddr = "9.9.9.9:80".parse().unwrap();
        assert_eq!(client_ip(&h, Some(peer), false), "9.9.9.9");
        assert_eq!(client_ip(&h, Some(peer), true), "2.2.2.2");
        assert_eq!(client_ip(&HeaderMap::new(), None, true), "unknown");
    }

    #[test]
    fn claim_request_shapes() {
        assert!(parse_claim_request(b"[]").is_err());
        assert!(parse_claim_request(b"{").is_err());
        let e = parse_claim_request(br#"{"account_id":"a","public_key":"k","signature":"s","nonce":"n","message":{},"recipient":"r"}"#).unwrap_err();
        assert!(e.contains("serialized as a string"), "{e}");
    }
}
