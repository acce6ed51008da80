//! The axum handlers, one module per feature. Each one extracts (path, query, body into typed
//! inputs; the caller and its limit from [`crate::gate`]), calls the application layer
//! ([`crate::app`]) or a read of the index, and responds through [`crate::error`]: no business
//! rule lives here.
//!
//! | module | operations |
//! |---|---|
//! | [`reads`] | agent lists, profiles, followers, edges, endorsements, tags, capabilities, discover, network, activity, the hidden set |
//! | [`writes`] | profile, heartbeat, delist, follow, unfollow, endorse, unendorse, hide, unhide |
//! | [`claims`] | verify-claim |
//! | [`generate`] | the `generate.*` drafts |
//! | [`platforms`] | the platform catalog and registration |
//! | [`meta`] | health and the skill file |

pub(crate) mod claims;
pub(crate) mod generate;
pub(crate) mod meta;
pub(crate) mod platforms;
pub(crate) mod reads;
mod wire;
pub(crate) mod writes;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use nearly_core::AccountId;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

/// The client IP of a request (see [`client_ip`]).
pub(crate) fn ip_of(parts: &Parts, state: &AppState) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client_ip(&parts.headers, peer, state.config.trust_forwarded_for)
}

/// A JSON object body as its typed request (a `nearly-api-types` struct): a field of the
/// wrong type is a `VALIDATION_ERROR` naming the field (`targets[1]: invalid type ...`).
pub(crate) fn typed<T: DeserializeOwned>(body: Map<String, Value>) -> ApiResult<T> {
    serde_path_to_error::deserialize(Value::Object(body)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::validation(format!("Invalid request body: {inner}"))
        } else {
            ApiError::validation(format!("Invalid request body: {path}: {inner}"))
        }
    })
}

/// A path account id, validated (`VALIDATION_ERROR` naming the rule otherwise).
pub(crate) fn path_account(raw: &str) -> ApiResult<AccountId> {
    AccountId::parse(raw).map_err(|e| ApiError::validation(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_bodies_name_the_bad_field() {
        let body = |text: &str| serde_json::from_str::<Map<String, Value>>(text).unwrap();
        let e =
            typed::<nearly_api_types::FollowRequest>(body(r#"{"targets": ["a", 1]}"#)).unwrap_err();
        assert_eq!(e.code, nearly_core::ErrorCode::ValidationError);
        assert!(e.message.contains("targets[1]"), "{}", e.message);
        let ok = typed::<nearly_api_types::FollowRequest>(body(r#"{"reason": "hi", "extra": 1}"#))
            .unwrap();
        assert_eq!(ok.reason.as_deref(), Some("hi"));
    }

    #[test]
    fn client_ip_rules() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        let peer: SocketAddr = "9.9.9.9:80".parse().unwrap();
        assert_eq!(client_ip(&h, Some(peer), false), "9.9.9.9");
        assert_eq!(client_ip(&h, Some(peer), true), "2.2.2.2");
        assert_eq!(client_ip(&HeaderMap::new(), None, true), "unknown");
    }
}
