//! `POST /verify-claim`: any NEP-413 signed claim, verified.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nep413::{Reason, Verifier, VerifyClaimPolicy, VerifyClaimRequest, VerifyClaimResponse};
use serde_json::Value;

use crate::claim_limit::ClaimSlot;
use crate::error::{ApiError, ApiResult, ErrorAnswer, with_rate_headers};
use crate::extract::read_body;
use crate::handlers::ip_of;
use crate::rate_limit::{Action, enforce, limiter_unavailable};
use crate::state::AppState;

/// `POST /verify-claim`: the bare `{valid, ...}` verdict. 200 for valid and invalid claims, 502
/// for `rpc_error`; 400 `VALIDATION_ERROR` in the error envelope when the body is not a
/// verify-claim object. The per-IP limit (60 per 60 s) is taken here, with the nonce
/// ([`crate::claim_limit`]): a request over it is a 429 whatever it carries, and a claim
/// refused by it is not recorded.
pub(crate) async fn verify_claim(State(state): State<AppState>, req: Request) -> Response {
    let action = Action::VerifyClaim;
    let (parts, body) = req.into_parts();
    let ip = ip_of(&parts, &state);
    let slot = Arc::new(ClaimSlot::new(state.claim_limiter(), action, ip.as_str()));
    let answer = verdict(&state, Request::from_parts(parts, body), slot.clone()).await;
    // The slot: taken with the record, or (the verifier stopped before it) taken now.
    let decision = match slot.taken() {
        Some(Ok(decision)) => decision.into_result(action),
        Some(Err(e)) => Err(limiter_unavailable(action, e)),
        None => enforce(state.rate_limiter.as_ref(), action, &ip).await,
    };
    let decision = match decision {
        Ok(decision) => decision,
        Err(refusal) => return refusal.into_response(),
    };
    let response = answer.into_response();
    if response.extensions().get::<ErrorAnswer>().is_some() {
        return response;
    }
    with_rate_headers(&decision, response)
}

/// The verdict, with `slot` as the verifier's nonce store.
async fn verdict(state: &AppState, req: Request, slot: Arc<ClaimSlot>) -> ApiResult<Response> {
    let bytes = read_body(req, state).await?;
    // A wrong envelope (not an object, a missing or mistyped field) is a request error in
    // the error envelope; only a claim that parses gets a verdict.
    let request = parse_claim_request(&bytes).map_err(ApiError::validation)?;
    let verifier = Verifier::new(state.clock.clone(), slot, state.access_keys.clone());
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
