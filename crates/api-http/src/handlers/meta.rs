//! `GET /health` and `GET /skill.md`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nearly_api_types::Health;

use super::wire;
use crate::error::{Envelope, ok};
use crate::state::AppState;

/// The skill file this server serves at `/skill.md`: our own contract text.
pub const SKILL_MD: &str = include_str!("../../assets/skill.md");

/// `GET /health`.
pub(crate) async fn health(State(state): State<AppState>) -> Envelope<Health> {
    let index = state.health.index_status().await;
    ok(wire::health(&state.config.version, index))
}

/// `GET /skill.md`.
pub(crate) async fn skill_md() -> Response {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        SKILL_MD,
    )
        .into_response()
}
