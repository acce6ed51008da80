//! The error envelope of every status class, through one endpoint that is never retried.

use std::time::Duration;

use outlayer_client::wire::SignMessageRequest;
use outlayer_client::{Custody, CustodyError};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{WK, client, wk};

async fn error_for(response: ResponseTemplate) -> CustodyError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wallet/v1/sign-message"))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let request = SignMessageRequest::nep413("m", "r", None);
    let err = client(&server)
        .sign_message(&wk(), &request)
        .await
        .unwrap_err();
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains(WK), "secret leaked: {shown}");
    err
}

fn envelope(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": code, "message": message}))
}

fn pair(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

#[tokio::test]
async fn every_401_code_is_unauthorized() {
    for code in [
        "missing_auth",
        "invalid_api_key",
        "timestamp_expired",
        "invalid_signature",
        "missing_signature",
    ] {
        let err = error_for(envelope(401, code, "nope")).await;
        let (c, m) = pair(code, "nope");
        assert_eq!(
            err,
            CustodyError::Unauthorized {
                code: c,
                message: m
            }
        );
    }
}

#[tokio::test]
async fn client_error_classes() {
    let (code, message) = pair("bad_request", "message too long");
    assert_eq!(
        error_for(envelope(400, "bad_request", "message too long")).await,
        CustodyError::BadRequest { code, message }
    );
    let (code, message) = pair("wallet_frozen", "frozen");
    assert_eq!(
        error_for(envelope(403, "wallet_frozen", "frozen")).await,
        CustodyError::Forbidden { code, message }
    );
    let (code, message) = pair("request_not_found", "gone");
    assert_eq!(
        error_for(envelope(404, "request_not_found", "gone")).await,
        CustodyError::NotFound { code, message }
    );
    let (code, message) = (String::new(), String::new());
    assert_eq!(
        error_for(ResponseTemplate::new(404)).await,
        CustodyError::NotFound { code, message }
    );
    let (code, message) = pair("wallet_busy", "in flight");
    assert_eq!(
        error_for(envelope(409, "wallet_busy", "in flight")).await,
        CustodyError::Conflict { code, message }
    );
    let (code, message) = pair("unprocessable", "x");
    assert_eq!(
        error_for(envelope(422, "unprocessable", "x")).await,
        CustodyError::BadRequest { code, message }
    );
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    assert_eq!(
        error_for(envelope(429, "rate_limited", "slow").insert_header("Retry-After", "7")).await,
        CustodyError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert_eq!(
        error_for(envelope(429, "rate_limited", "slow")).await,
        CustodyError::RateLimited { retry_after: None }
    );
    assert_eq!(
        error_for(
            envelope(429, "rate_limited", "slow")
                .insert_header("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")
        )
        .await,
        CustodyError::RateLimited { retry_after: None }
    );
}

#[tokio::test]
async fn server_error_classes() {
    assert_eq!(
        error_for(envelope(500, "internal_error", "oops")).await,
        CustodyError::Http {
            status: 500,
            snippet: r#"{"error":"internal_error","message":"oops"}"#.into()
        }
    );
    for status in [502, 503] {
        assert_eq!(
            error_for(envelope(status, "keystore_error", "keystore down")).await,
            CustodyError::Keystore {
                status,
                message: "keystore down".into()
            }
        );
    }
    assert_eq!(
        error_for(ResponseTemplate::new(503).set_body_string("Service Unavailable")).await,
        CustodyError::Http {
            status: 503,
            snippet: "Service Unavailable".into()
        }
    );
    assert!(
        error_for(envelope(503, "keystore_error", "x"))
            .await
            .is_transient()
    );
}

#[tokio::test]
async fn unexpected_statuses_keep_a_snippet() {
    let long = "x".repeat(1000);
    let err = error_for(ResponseTemplate::new(418).set_body_string(long)).await;
    match err {
        CustodyError::Http { status, snippet } => {
            assert_eq!(status, 418);
            assert_eq!(snippet.len(), 203);
        }
        other => panic!("unexpected {other:?}"),
    }
}
