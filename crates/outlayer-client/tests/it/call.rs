use std::time::Duration;

use outlayer_client::wire::CallRequest;
use outlayer_client::{CallOutcome, Custody, CustodyError, HttpConfig};
use serde_json::{Map, Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ACCOUNT, NoHeader, bearer, client, client_with, config, wk};

fn write() -> CallRequest {
    let mut entries = Map::new();
    entries.insert("profile".into(), json!({"name": "Ada", "tags": ["rust"]}));
    entries.insert("tag/rust".into(), json!(true));
    entries.insert("graph/follow/bob.near".into(), Value::Null);
    CallRequest::fastdata_kv("contextual.near", entries)
}

fn expected_body() -> Value {
    json!({
        "receiver_id": "contextual.near",
        "method_name": "__fastdata_kv",
        "args": {"profile": {"name": "Ada", "tags": ["rust"]}, "tag/rust": true,
                 "graph/follow/bob.near": null},
        "gas": "30000000000000",
        "deposit": "0"
    })
}

fn call_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/wallet/v1/call"))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(expected_body()))
}

async fn mount_balance(server: &MockServer, balance: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path("/wallet/v1/balance"))
        .and(query_param("chain", "near"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"balance": balance, "token": "near", "account_id": ACCOUNT})),
        )
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn call_sends_the_exact_fastdata_write() {
    let server = MockServer::start().await;
    call_mock()
        .and(NoHeader("x-idempotency-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "r-1", "status": "success", "tx_hash": "6i9b", "result": null})))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server).call(&wk(), &write(), None).await.unwrap();
    assert_eq!(
        outcome,
        CallOutcome::Applied {
            request_id: Some("r-1".into()),
            tx_hash: Some("6i9b".into()),
            result: None,
            block_height: None,
        }
    );
    assert!(outcome.is_applied());
}

#[tokio::test]
async fn call_sends_the_idempotency_key() {
    let server = MockServer::start().await;
    call_mock()
        .and(header("x-idempotency-key", "hb-42"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "success", "result": 7})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .call(&wk(), &write(), Some("hb-42"))
        .await
        .unwrap();
    assert!(matches!(outcome, CallOutcome::Applied { result: Some(r), .. } if r == json!(7)));
}

#[tokio::test]
async fn duplicate_idempotency_key_is_a_typed_outcome() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error": "duplicate_idempotency_key", "message": "Request already processed: r-1"})))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .call(&wk(), &write(), Some("hb-42"))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        CallOutcome::DuplicateIdempotencyKey {
            message: "Request already processed: r-1".into()
        }
    );
    assert!(outcome.is_applied());
}

#[tokio::test]
async fn pending_approval_is_a_typed_outcome() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "r-2", "status": "pending_approval", "approval_id": "ap-1",
            "required": 2, "approved": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server).call(&wk(), &write(), None).await.unwrap();
    assert_eq!(
        outcome,
        CallOutcome::PendingApproval {
            request_id: Some("r-2".into()),
            approval_id: Some("ap-1".into()),
            required: Some(2),
            approved: Some(0)
        }
    );
    assert!(!outcome.is_applied());
}

#[tokio::test]
async fn status_failed_with_http_200_is_an_onchain_failure() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "r-3", "status": "failed", "tx_hash": "T1",
            "error": "CodeDoesNotExist"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::OnchainFailed {
            tx_hash: Some("T1".into()),
            message: "CodeDoesNotExist".into()
        }
    );
}

#[tokio::test]
async fn http_422_onchain_tx_failed_is_an_onchain_failure() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "error": "onchain_tx_failed", "message": "Transaction failed", "tx_hash": "T2",
            "failure": {"ActionError": {}}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .call(&wk(), &write(), Some("k"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::OnchainFailed {
            tx_hash: Some("T2".into()),
            message: "Transaction failed".into()
        }
    );
}

#[tokio::test]
async fn html_502_with_zero_balance_is_insufficient_balance() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>502 Bad Gateway</body></html>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_balance(&server, "0", 1).await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::InsufficientBalance {
            account_id: ACCOUNT.into()
        }
    );
}

#[tokio::test]
async fn html_502_with_funded_wallet_is_an_upstream_error() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(502).set_body_string("error code: 502"))
        .expect(1)
        .mount(&server)
        .await;
    mount_balance(&server, "10000000000000000000000", 1).await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::Upstream {
            status: 502,
            snippet: "error code: 502".into()
        }
    );
}

#[tokio::test]
async fn html_502_with_a_failing_probe_is_an_upstream_error() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wallet/v1/balance"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .expect(3) // the probe is a read: 1 + 2 retries
        .mount(&server)
        .await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CustodyError::Upstream { status: 502, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn idempotent_call_does_not_retry_the_zero_balance_502() {
    let server = MockServer::start().await;
    call_mock()
        .and(header("x-idempotency-key", "k1"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>cf</html>"))
        .expect(1)
        .mount(&server)
        .await;
    mount_balance(&server, "0", 1).await;
    let err = client(&server)
        .call(&wk(), &write(), Some("k1"))
        .await
        .unwrap_err();
    assert!(matches!(err, CustodyError::InsufficientBalance { .. }));
}

#[tokio::test]
async fn json_502_is_a_keystore_error_without_probe() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(
            ResponseTemplate::new(502).set_body_json(
                json!({"error": "keystore_error", "message": "keystore unavailable"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_balance(&server, "0", 0).await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::Keystore {
            status: 502,
            message: "keystore unavailable".into()
        }
    );
}

#[tokio::test]
async fn insufficient_balance_400_resolves_the_account() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error": "insufficient_balance", "message": "not enough NEAR"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_balance(&server, "0", 1).await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CustodyError::InsufficientBalance {
            account_id: ACCOUNT.into()
        }
    );
}

#[tokio::test]
async fn a_call_without_idempotency_key_is_never_retried() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": "internal_error", "message": "oops"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CustodyError::Http { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_idempotent_call_is_retried_after_a_5xx() {
    let server = MockServer::start().await;
    call_mock()
        .and(header("x-idempotency-key", "k2"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": "keystore_error", "message": "busy"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    call_mock()
        .and(header("x-idempotency-key", "k2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "success", "tx_hash": "T"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .call(&wk(), &write(), Some("k2"))
        .await
        .unwrap();
    assert!(matches!(outcome, CallOutcome::Applied { tx_hash: Some(t), .. } if t == "T"));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"status\": \"succ"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .call(&wk(), &write(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, CustodyError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start().await;
    call_mock()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success"}))
                .set_delay(Duration::from_millis(1_500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let custody = client_with(
        &server,
        HttpConfig {
            timeout: Duration::from_millis(100),
            ..config()
        },
    );
    let err = custody.call(&wk(), &write(), None).await.unwrap_err();
    assert_eq!(err, CustodyError::Timeout);
}
