use outlayer_client::wire::SignMessageRequest;
use outlayer_client::{Custody, CustodyError};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ACCOUNT, bearer, client, wk};

fn response() -> serde_json::Value {
    json!({
        "account_id": ACCOUNT,
        "public_key": "ed25519:4WxQ8kJ9Gd1xCqkGp5UuXbYb1ZpXyYcQvhS9J7s3R2aT",
        "signature": "ed25519:3sJ8F...",
        "signature_base64": "AAAA",
        "nonce": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
    })
}

#[tokio::test]
async fn sign_message_with_a_nonce_sends_it_base64() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wallet/v1/sign-message"))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "message": "{\"action\":\"login\"}",
            "recipient": "nearly.social",
            "nonce": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(1)
        .mount(&server)
        .await;
    let request =
        SignMessageRequest::nep413("{\"action\":\"login\"}", "nearly.social", Some(&[1u8; 32]));
    let signed = client(&server).sign_message(&wk(), &request).await.unwrap();
    assert_eq!(signed.account_id, ACCOUNT);
    assert_eq!(signed.signature_base64.as_deref(), Some("AAAA"));
    assert_eq!(signed.nonce, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
}

#[tokio::test]
async fn sign_message_without_a_nonce_omits_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wallet/v1/sign-message"))
        .and(body_json(
            json!({"message": "hi", "recipient": "nearly.social"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(response()))
        .expect(1)
        .mount(&server)
        .await;
    let request = SignMessageRequest::nep413("hi", "nearly.social", None);
    client(&server).sign_message(&wk(), &request).await.unwrap();
}

#[tokio::test]
async fn sign_message_policy_denial_is_forbidden_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wallet/v1/sign-message"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(
                json!({"error": "policy_denied", "message": "recipient not allowed"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request = SignMessageRequest::nep413("hi", "evil.example", None);
    let err = client(&server)
        .sign_message(&wk(), &request)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::Forbidden {
            code: "policy_denied".into(),
            message: "recipient not allowed".into()
        }
    );
}
