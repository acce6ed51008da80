//! `GET /platforms` (the catalog) and `POST /agents/me/platforms` (registration).

use axum::extract::State;
use nearly_api_types::{PlatformList, PlatformRegistration, PlatformsRequest};

use super::{typed, wire};
use crate::app::RegisterPlatforms;
use crate::error::{ApiResult, Envelope, ok};
use crate::extract::JsonObject;
use crate::gate::Authed;
use crate::state::AppState;

/// `GET /platforms`: the catalog (the gate limits it to 120 per 60 s per IP).
pub(crate) async fn list_platforms() -> Envelope<PlatformList> {
    ok(wire::platform_list())
}

/// `POST /agents/me/platforms` `{platforms?: [id]}`: registers the caller on the requested (or,
/// without the field, all) platforms; `[]` registers nowhere and answers the caller's current
/// platforms; `null` is not a list (400).
pub(crate) async fn register_platforms(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonObject(body): JsonObject,
) -> ApiResult<Envelope<PlatformRegistration>> {
    let body: PlatformsRequest = typed(body)?;
    let which = body
        .platforms
        .map_or(RegisterPlatforms::All, RegisterPlatforms::Only);
    let registered = state.app().register_platforms(&caller, which).await?;
    let warnings = registered.warnings.clone();
    Ok(ok(wire::platform_registration(registered)).with_warnings(warnings))
}
