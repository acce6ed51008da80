//! `GET /platforms` (the catalog) and `POST /agents/me/platforms` (registration).

use axum::extract::State;
use serde_json::{Map, Value, json};

use crate::app::{PlatformOutcome, RegisterPlatforms};
use crate::error::{ApiError, ApiResult, Envelope, ok};
use crate::extract::JsonObject;
use crate::gate::Authed;
use crate::platforms::PLATFORMS;
use crate::state::AppState;

/// `GET /platforms`: the catalog (the gate limits it to 120 per 60 s per IP).
pub(crate) async fn list_platforms() -> Envelope<Value> {
    ok(json!({ "platforms": PLATFORMS }))
}

/// `POST /agents/me/platforms` `{platforms?: [id]}`: registers the caller on the requested (or,
/// without the field, all) platforms; `[]` registers nowhere and answers the caller's current
/// platforms.
pub(crate) async fn register_platforms(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Envelope<Value>> {
    let which = match body.get("platforms") {
        None | Some(Value::Null) => RegisterPlatforms::All,
        Some(Value::Array(items)) => RegisterPlatforms::Only(
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(not_ids)?,
        ),
        Some(_) => return Err(not_ids()),
    };
    let registered = state.app().register_platforms(&caller, which).await?;
    let platforms: Map<String, Value> = registered
        .platforms
        .into_iter()
        .map(|(id, outcome)| {
            let v = match outcome {
                PlatformOutcome::Registered(credentials) => {
                    json!({"success": true, "credentials": credentials})
                }
                PlatformOutcome::Failed(error) => json!({"success": false, "error": error}),
            };
            (id, v)
        })
        .collect();
    let mut envelope = ok(json!({ "platforms": platforms, "registered": registered.registered }));
    envelope.warnings = registered.warnings;
    Ok(envelope)
}

fn not_ids() -> ApiError {
    ApiError::validation("platforms must be an array of platform id strings")
}
