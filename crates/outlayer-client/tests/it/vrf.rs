use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use outlayer_client::wire::VrfProof;
use outlayer_client::{Custody, CustodyError, VrfSeedRequest, verify_vrf_proof};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{bearer, client, wk};

fn proof(request_id: &str) -> VrfProof {
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let alpha = format!("vrf:{request_id}:suggest");
    let sig = key.sign(alpha.as_bytes()).to_bytes();
    VrfProof {
        output_hex: hex::encode(Sha256::digest(sig)),
        signature_hex: hex::encode(sig),
        alpha,
        vrf_public_key: hex::encode(key.verifying_key().to_bytes()),
    }
}

fn vrf_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/call/hack.near/nearly"))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "input": {"action": "get_vrf_seed", "request_id": "req-7"},
            "resource_limits": {"max_instructions": 2000000000_u64, "max_execution_seconds": 30,
                                "max_memory_mb": 512}
        })))
}

async fn fetch(response: ResponseTemplate) -> Result<VrfProof, CustodyError> {
    let server = MockServer::start().await;
    vrf_mock()
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .vrf_seed(&wk(), &VrfSeedRequest::new("req-7"))
        .await
}

#[tokio::test]
async fn vrf_accepts_the_three_output_shapes_and_the_proof_verifies() {
    let p = proof("req-7");
    let wasm = json!({"success": true, "data": p});
    let b64 = base64::engine::general_purpose::STANDARD.encode(wasm.to_string());
    let shapes = [
        ResponseTemplate::new(200).set_body_json(wasm.clone()),
        ResponseTemplate::new(200).set_body_json(json!({
            "call_id": "c1", "status": "completed", "output": b64, "compute_cost": "1"})),
        ResponseTemplate::new(200).set_body_json(json!({"status": "completed", "output": wasm})),
        ResponseTemplate::new(200).set_body_json(Value::String(b64.clone())),
        ResponseTemplate::new(200).set_body_string(b64),
    ];
    for shape in shapes {
        let got = fetch(shape).await.unwrap();
        assert_eq!(got, p);
        assert_eq!(verify_vrf_proof(&got), Ok(()));
        assert_eq!(got.alpha, "vrf:req-7:suggest");
    }
}

#[tokio::test]
async fn vrf_passes_a_verifiable_claim_through() {
    let server = MockServer::start().await;
    let claim = json!({"near_account_id": "a", "nonce": "n", "message": "m"});
    Mock::given(method("POST"))
        .and(path("/call/me.near/proj"))
        .and(body_json(json!({
            "input": {"action": "get_vrf_seed", "request_id": "r", "verifiable_claim": claim}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(proof("r")))
        .expect(1)
        .mount(&server)
        .await;
    let custody = crate::support::client_with(
        &server,
        outlayer_client::HttpConfig {
            vrf_owner: "me.near".into(),
            vrf_project: "proj".into(),
            vrf_resource_limits: None,
            ..crate::support::config()
        },
    );
    let request = VrfSeedRequest {
        request_id: "r".into(),
        verifiable_claim: Some(claim.clone()),
    };
    assert_eq!(custody.vrf_seed(&wk(), &request).await.unwrap(), proof("r"));
}

#[tokio::test]
async fn vrf_402_is_payment_required() {
    let err = fetch(
        ResponseTemplate::new(402)
            .set_body_json(json!({"error": "payment_required", "message": "trial exhausted"})),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        CustodyError::PaymentRequired {
            code: "payment_required".into(),
            message: "trial exhausted".into()
        }
    );
}

#[tokio::test]
async fn vrf_failed_run_is_an_execution_failure() {
    let err = fetch(
        ResponseTemplate::new(200)
            .set_body_json(json!({"call_id": "c", "status": "failed", "error": "wasm trap"})),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        CustodyError::ExecutionFailed {
            message: "wasm trap".into()
        }
    );
    let err = fetch(
        ResponseTemplate::new(200)
            .set_body_json(json!({"success": false, "error": "VRF unavailable"})),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CustodyError::ExecutionFailed { .. }));
}

#[tokio::test]
async fn vrf_garbage_is_a_decode_error() {
    let err = fetch(ResponseTemplate::new(200).set_body_string("<html>"))
        .await
        .unwrap_err();
    assert!(matches!(err, CustodyError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn vrf_is_not_retried_after_a_5xx() {
    let err = fetch(ResponseTemplate::new(500).set_body_string("boom"))
        .await
        .unwrap_err();
    assert!(matches!(err, CustodyError::Http { status: 500, .. }));
}
