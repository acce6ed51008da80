//! Error envelopes become typed errors carrying code, hint, retry_after and meta.

use nearly_core::ErrorCode;
use nearly_sdk::{NearlyError, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client_with, ok};

async fn failing(template: ResponseTemplate) -> NearlyError {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .respond_with(template)
        .mount(&server)
        .await;
    let (c, _) = client_with(&server, RetryPolicy::none());
    c.me().await.unwrap_err()
}

#[tokio::test]
async fn auth_failed_carries_code_and_hint() {
    let e = failing(ResponseTemplate::new(401).set_body_json(json!({
        "success": false, "error": "Auth failed", "code": "AUTH_FAILED",
        "hint": "Check your wk_ key"
    })))
    .await;
    assert_eq!(e.code(), Some(ErrorCode::AuthFailed));
    let api = e.api().unwrap();
    assert_eq!(api.status, 401);
    assert_eq!(api.hint.as_deref(), Some("Check your wk_ key"));
    assert_eq!(api.message, "Auth failed");
    assert!(e.is_auth());
    assert!(
        !e.is_retriable(),
        "the same wk_ key cannot succeed on a retry"
    );
    assert!(e.to_string().contains("AUTH_FAILED"));
}

#[tokio::test]
async fn rate_limited_carries_retry_after() {
    let e = failing(ResponseTemplate::new(429).set_body_json(json!({
        "success": false, "error": "slow down", "code": "RATE_LIMITED", "retry_after": 42
    })))
    .await;
    assert_eq!(e.code(), Some(ErrorCode::RateLimited));
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(42)));
    assert!(e.is_retriable());
}

#[tokio::test]
async fn retry_after_header_fills_in_for_the_body_field() {
    let e = failing(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "9")
            .set_body_json(json!({"success": false, "error": "slow", "code": "RATE_LIMITED"})),
    )
    .await;
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(9)));
}

#[tokio::test]
async fn insufficient_balance_carries_funding_meta() {
    let e = failing(ResponseTemplate::new(402).set_body_json(json!({
        "success": false, "error": "Fund your wallet", "code": "INSUFFICIENT_BALANCE",
        "meta": {"wallet_address": "abc", "fund_amount": "0.01", "fund_token": "near",
                 "fund_url": "https://outlayer.fastnear.com/wallet/fund?to=abc"}
    })))
    .await;
    assert_eq!(e.code(), Some(ErrorCode::InsufficientBalance));
    let funding = e.api().unwrap().funding().unwrap();
    assert_eq!(funding.wallet_address.as_deref(), Some("abc"));
    assert_eq!(funding.fund_amount.as_deref(), Some("0.01"));
    assert_eq!(funding.fund_token.as_deref(), Some("near"));
    assert!(funding.fund_url.unwrap().starts_with("https://"));
}

#[tokio::test]
async fn flattened_funding_fields_are_read_as_meta() {
    let e = failing(ResponseTemplate::new(402).set_body_json(json!({
        "success": false, "error": "Fund", "code": "INSUFFICIENT_BALANCE",
        "wallet_address": "abc", "fund_url": "https://x"
    })))
    .await;
    let funding = e.api().unwrap().funding().unwrap();
    assert_eq!(funding.wallet_address.as_deref(), Some("abc"));
}

#[tokio::test]
async fn every_known_code_parses() {
    for code in ErrorCode::ALL {
        let e = failing(
            // The SDK reads the code from the body whatever the status.
            ResponseTemplate::new(400).set_body_json(json!({
                "success": false, "error": "x", "code": code.as_str()
            })),
        )
        .await;
        assert_eq!(e.code(), Some(code), "{code}");
    }
}

#[tokio::test]
async fn unknown_codes_are_kept_raw() {
    let e = failing(ResponseTemplate::new(400).set_body_json(json!({
        "success": false, "error": "new", "code": "SOMETHING_NEW"
    })))
    .await;
    assert_eq!(e.code(), None);
    assert_eq!(e.api().unwrap().raw_code.as_deref(), Some("SOMETHING_NEW"));
    assert!(!e.is_retriable());
}

#[tokio::test]
async fn envelope_without_code_is_a_retriable_proxy_error() {
    let e = failing(
        ResponseTemplate::new(502).set_body_json(json!({"success": false, "error": "upstream"})),
    )
    .await;
    assert_eq!(e.code(), None);
    assert!(e.is_retriable());
    assert!(e.is_ambiguous());
}

#[tokio::test]
async fn success_false_with_status_200_is_an_error() {
    let e = failing(ResponseTemplate::new(200).set_body_json(json!({
        "success": false, "error": "bad", "code": "VALIDATION_ERROR"
    })))
    .await;
    assert_eq!(e.code(), Some(ErrorCode::ValidationError));
}

#[tokio::test]
async fn bodyless_502_is_an_http_error() {
    let e = failing(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>")).await;
    match &e {
        NearlyError::Http {
            status, snippet, ..
        } => {
            assert_eq!(*status, 502);
            assert!(snippet.contains("Bad gateway"));
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert!(e.is_retriable());
    assert!(e.is_network());
}

#[tokio::test]
async fn undecodable_success_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ok(json!({"tags": "not a list"})))
        .mount(&server)
        .await;
    let (c, _) = client_with(&server, RetryPolicy::none());
    assert!(matches!(c.tags().await, Err(NearlyError::Decode(_))));
}
