//! balance and resolve_account: reads, retried on transport failures and 5xx.

use std::time::Duration;

use outlayer_client::{Custody, CustodyAuth, CustodyError, HttpConfig};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ACCOUNT, EmptyBody, bearer, client, client_with, config, wk};

fn balance_mock() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path("/wallet/v1/balance"))
        .and(query_param("chain", "near"))
        .and(EmptyBody)
}

#[tokio::test]
async fn balance_sends_the_exact_request() {
    let server = MockServer::start().await;
    balance_mock()
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"balance": "1000000000000000000000000", "token": "near", "account_id": ACCOUNT}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let balance = client(&server).balance(&wk()).await.unwrap();
    assert_eq!(balance.balance, "1000000000000000000000000");
    assert_eq!(balance.token.as_deref(), Some("near"));
    assert_eq!(balance.account_id, ACCOUNT);
    assert!(!balance.is_zero());
}

#[tokio::test]
async fn resolve_account_with_a_near_token() {
    let server = MockServer::start().await;
    balance_mock()
        .and(header(
            "authorization",
            "Bearer near:eyJhY2NvdW50X2lkIjoiYSJ9",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"balance": "0", "token": "NEAR", "account_id": "alice.near"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let auth = CustodyAuth::AccountToken("near:eyJhY2NvdW50X2lkIjoiYSJ9".into());
    let account = client(&server).resolve_account(&auth).await.unwrap();
    assert_eq!(account, "alice.near");
}

#[tokio::test]
async fn resolve_account_with_an_unknown_key_is_unauthorized() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "invalid_api_key", "message": "Invalid API key"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).resolve_account(&wk()).await.unwrap_err();
    assert_eq!(
        err,
        CustodyError::Unauthorized {
            code: "invalid_api_key".into(),
            message: "Invalid API key".into()
        }
    );
}

#[tokio::test]
async fn balance_is_retried_after_a_5xx() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    balance_mock()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"balance": "5", "account_id": ACCOUNT})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let balance = client(&server).balance(&wk()).await.unwrap();
    assert_eq!(balance.balance, "5");
}

#[tokio::test]
async fn balance_gives_up_after_the_configured_retries() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server).balance(&wk()).await.unwrap_err();
    assert_eq!(
        err,
        CustodyError::Http {
            status: 503,
            snippet: "<html>down</html>".into()
        }
    );
}

#[tokio::test]
async fn balance_4xx_is_not_retried() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "unsupported_chain", "message": "no"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).balance(&wk()).await.unwrap_err();
    assert!(matches!(err, CustodyError::BadRequest { code, .. } if code == "unsupported_chain"));
}

#[tokio::test]
async fn balance_malformed_json_is_a_decode_error_without_retry() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).balance(&wk()).await.unwrap_err();
    assert!(matches!(err, CustodyError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn a_slow_balance_times_out_on_every_attempt() {
    let server = MockServer::start().await;
    balance_mock()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"balance": "1", "account_id": ACCOUNT}))
                .set_delay(Duration::from_millis(1_500)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let custody = client_with(
        &server,
        HttpConfig {
            timeout: Duration::from_millis(100),
            read_retries: 1,
            ..config()
        },
    );
    assert_eq!(
        custody.balance(&wk()).await.unwrap_err(),
        CustodyError::Timeout
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind then drop a listener: the port is then (almost certainly) closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let custody = outlayer_client::HttpOutLayer::new(
        &format!("http://127.0.0.1:{port}"),
        HttpConfig {
            read_retries: 0,
            ..config()
        },
    )
    .unwrap();
    let err = custody.balance(&wk()).await.unwrap_err();
    assert!(matches!(err, CustodyError::Transport(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("wk_"));
}
