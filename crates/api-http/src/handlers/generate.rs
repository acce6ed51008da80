//! The `generate.*` drafts (the use cases are [`crate::app::App::generate_profile`] and its two
//! siblings; the per-caller rate limit is the gate's).

use axum::extract::{Path, State};
use nearly_api_types::{
    GenerateEndorseRequest, GenerateField, GenerateProfileRequest, GeneratedField, GeneratedValue,
};

use super::typed;
use crate::error::{ApiResult, Envelope, ok};
use crate::extract::JsonObject;
use crate::gate::Authed;
use crate::generate::ProfileField;
use crate::state::AppState;

/// `POST /agents/me/profile/generate` `{field?: "name"|"description"|"tags"}` ->
/// `{field, value}`.
pub(crate) async fn generate_profile(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Envelope<GeneratedField>> {
    let field = typed::<GenerateProfileRequest>(body)?
        .field
        .unwrap_or_default();
    let domain = match field {
        GenerateField::Name => ProfileField::Name,
        GenerateField::Description => ProfileField::Description,
        GenerateField::Tags => ProfileField::Tags,
    };
    let value = state.app().generate_profile(&caller, domain).await?;
    Ok(ok(GeneratedField { field, value }))
}

/// `POST /agents/{account_id}/follow/generate` -> `{value}`: a follow reason.
pub(crate) async fn generate_follow(
    State(state): State<AppState>,
    Path(target): Path<String>,
    Authed(caller): Authed,
    JsonObject(_body): JsonObject,
) -> ApiResult<Envelope<GeneratedValue>> {
    let value = state.app().generate_follow(&caller, &target).await?;
    Ok(ok(GeneratedValue { value }))
}

/// `POST /agents/{account_id}/endorse/generate` `{key_suffix?}` -> `{value}`: an endorsement
/// reason.
pub(crate) async fn generate_endorse(
    State(state): State<AppState>,
    Path(target): Path<String>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Envelope<GeneratedValue>> {
    let request: GenerateEndorseRequest = typed(body)?;
    let value = state
        .app()
        .generate_endorse(&caller, &target, request.key_suffix.as_deref())
        .await?;
    Ok(ok(GeneratedValue { value }))
}
