//! `POST /verify-claim`: any NEP-413 signed claim, verified.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nep413::{Reason, Verifier, VerifyClaimPolicy, VerifyClaimRequest, VerifyClaimResponse};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::read_body;
use crate::state::AppState;

/// `POST /verify-claim`: the bare `{valid, ...}` verdict. 200 for valid and invalid claims, 502
/// for `rpc_error`; 400 `VALIDATION_ERROR` in the error envelope when the body is not a
/// verify-claim object. The per-IP limit (60 per 60 s) is the gate's.
pub(crate) async fn verify_claim(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<Response> {
    let bytes = read_body(req, &state).await?;
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
    Ok((status, Json(verdict)).into_response())
}

fn parse_claim_request(bytes: &[u8]) -> Result<VerifyClaimRequest, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("request body is not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("request body must be a JSON object".into());
    }
    serde_json::from_value(value).map_err(|e| {
        let extra = if e.to_string().contains("expected a string") {
            " (every field is a string; `message` is a JSON object serialized as a string)"
        } else {
            ""
        };
        format!("request body is not a verify-claim object: {e}{extra}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_request_shapes() {
        assert!(parse_claim_request(b"[]").is_err());
        assert!(parse_claim_request(b"{").is_err());
        let e = parse_claim_request(br#"{"account_id":"a","public_key":"k","signature":"s","nonce":"n","message":{},"recipient":"r"}"#).unwrap_err();
        assert!(e.contains("serialized as a string"), "{e}");
    }
}
