use std::time::Duration;

use outlayer_client::{Custody, CustodyError};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ACCOUNT, EmptyBody, NoHeader, WK, client};

#[tokio::test]
async fn register_posts_no_body_and_reads_the_trial() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/register"))
        .and(header("content-type", "application/json"))
        .and(NoHeader("authorization"))
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "api_key": WK, "wallet_id": "a1b2c3d4", "near_account_id": ACCOUNT,
            "handoff_url": "https://outlayer.fastnear.com/wallet?key=wk_",
            "trial": {"calls_remaining": 100, "expires_at": "2026-04-10T00:00:00Z",
                      "limits": {"max_instructions": 100000000, "max_execution_seconds": 30,
                                 "max_memory_mb": 64}},
            "unknown_future_field": {"x": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let wallet = client(&server).register().await.unwrap();
    assert_eq!(wallet.api_key, WK);
    assert_eq!(wallet.near_account_id, ACCOUNT);
    assert_eq!(wallet.wallet_id.as_deref(), Some("a1b2c3d4"));
    let trial = wallet.trial.unwrap();
    assert_eq!(trial.calls_remaining, 100);
    assert_eq!(trial.expires_at.as_deref(), Some("2026-04-10T00:00:00Z"));
    assert_eq!(trial.limits.unwrap().max_memory_mb, Some(64));
}

#[tokio::test]
async fn register_reads_the_2026_03_shape_without_trial() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/register"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"api_key": WK, "wallet_id": "w", "near_account_id": ACCOUNT}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let wallet = client(&server).register().await.unwrap();
    assert_eq!(wallet.trial, None);
    assert_eq!(wallet.handoff_url, None);
}

#[tokio::test]
async fn register_without_api_key_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/register"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"near_account_id": ACCOUNT})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).register().await.unwrap_err();
    assert!(matches!(err, CustodyError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn register_rate_limit_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/register"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "60")
                .set_body_json(json!({"error": "rate_limited", "message": "slow down"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).register().await.unwrap_err();
    assert_eq!(
        err,
        CustodyError::RateLimited {
            retry_after: Some(Duration::from_secs(60))
        }
    );
}

#[tokio::test]
async fn register_keeps_a_base_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/outlayer/register"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"api_key": WK, "near_account_id": ACCOUNT})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let custody = outlayer_client::HttpOutLayer::new(
        &format!("{}/outlayer", server.uri()),
        crate::support::config(),
    )
    .unwrap();
    assert_eq!(custody.register().await.unwrap().api_key, WK);
}
