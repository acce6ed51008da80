//! The NEAR RPC access-key client against wiremock: every answer shape, errors and timeouts.

use std::sync::Arc;
use std::time::Duration;

use nep413::rpc::{RpcAccessKeys, RpcError};
use nep413::{AccessKeyStatus, AccessKeys, Nonce, PublicKey, Reason, VerifyClaimPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{NOW, claim_message, key};

fn pk() -> PublicKey {
    PublicKey::from(key(30).verifying_key())
}

fn expected_request(account: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": "nep413", "method": "query",
        "params": {"request_type": "view_access_key", "finality": "final",
                   "account_id": account, "public_key": pk().to_string()}
    })
}

async fn server_answering(account: &str, response: ResponseTemplate) -> MockServer {
    server_answering_n(account, response, 1).await
}

async fn server_answering_n(account: &str, response: ResponseTemplate, n: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_json(expected_request(account)))
        .respond_with(response)
        .expect(n)
        .mount(&server)
        .await;
    server
}

async fn lookup(account: &str, response: ResponseTemplate) -> Result<AccessKeyStatus, RpcError> {
    let server = server_answering(account, response).await;
    let rpc = RpcAccessKeys::new(server.uri()).unwrap();
    rpc.view_access_key(account, &pk()).await
}

#[tokio::test]
async fn full_access_key() {
    let body = json!({"jsonrpc": "2.0", "id": "nep413", "result": {
        "nonce": 85, "permission": "FullAccess", "block_height": 1, "block_hash": "h"}});
    let r = lookup("alice.near", ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(r, Ok(AccessKeyStatus::FullAccess));
}

#[tokio::test]
async fn function_call_key_is_not_full_access() {
    let body = json!({"jsonrpc": "2.0", "id": "nep413", "result": {"nonce": 1, "block_height": 1,
        "block_hash": "h", "permission": {"FunctionCall": {"allowance": null,
        "receiver_id": "app.near", "method_names": []}}}});
    let r = lookup("alice.near", ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(
        r,
        Ok(AccessKeyStatus::NotFullAccess {
            permission: "FunctionCall".into()
        })
    );
}

#[tokio::test]
async fn missing_key_as_http_200_result_error() {
    let body = json!({"jsonrpc": "2.0", "id": "nep413", "result": {
        "error": format!("access key {} does not exist while viewing", pk()),
        "logs": [], "block_height": 1, "block_hash": "h"}});
    let r = lookup("alice.near", ResponseTemplate::new(200).set_body_json(body)).await;
    assert!(matches!(r, Ok(AccessKeyStatus::Missing { .. })), "{r:?}");
}

#[tokio::test]
async fn missing_account_flat_message() {
    let body = json!({"jsonrpc": "2.0", "id": "nep413", "result": {
        "error": "account nobody.near does not exist while viewing", "logs": [],
        "block_height": 1, "block_hash": "h"}});
    let r = lookup(
        "nobody.near",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    assert!(matches!(r, Ok(AccessKeyStatus::Missing { .. })), "{r:?}");
}

#[tokio::test]
async fn missing_as_jsonrpc_error_causes() {
    for cause in ["UNKNOWN_ACCESS_KEY", "UNKNOWN_ACCOUNT"] {
        let body = json!({"jsonrpc": "2.0", "id": "nep413", "error": {"name": "HANDLER_ERROR",
            "cause": {"name": cause, "info": {}}, "code": -32000, "message": "Server error",
            "data": "does not matter"}});
        let r = lookup("alice.near", ResponseTemplate::new(200).set_body_json(body)).await;
        assert!(
            matches!(&r, Ok(AccessKeyStatus::Missing { detail }) if detail.contains(cause)),
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn other_jsonrpc_errors_are_rpc_errors() {
    let body = json!({"jsonrpc": "2.0", "id": "nep413", "error": {"name": "HANDLER_ERROR",
        "cause": {"name": "NO_SYNCED_BLOCKS"}, "code": -32000, "message": "Server error"}});
    let r = lookup("alice.near", ResponseTemplate::new(200).set_body_json(body)).await;
    assert!(
        matches!(&r, Err(RpcError::Rpc { name, .. }) if name == "NO_SYNCED_BLOCKS"),
        "{r:?}"
    );
}

#[tokio::test]
async fn server_error_5xx() {
    let r = lookup(
        "alice.near",
        ResponseTemplate::new(503).set_body_string("overloaded"),
    )
    .await;
    assert_eq!(r, Err(RpcError::Http(503)));
}

#[tokio::test]
async fn malformed_body() {
    let r = lookup(
        "alice.near",
        ResponseTemplate::new(200).set_body_string("<html>"),
    )
    .await;
    assert!(matches!(r, Err(RpcError::MalformedBody(_))), "{r:?}");
    let r = lookup(
        "alice.near",
        ResponseTemplate::new(200).set_body_json(json!({"result": {}})),
    )
    .await;
    assert!(matches!(r, Err(RpcError::MalformedBody(_))), "{r:?}");
}

#[tokio::test]
async fn slow_server_times_out_into_rpc_error() {
    let body = json!({"result": {"permission": "FullAccess"}});
    let server = server_answering_n(
        "alice.near",
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_secs(2)),
        2,
    )
    .await;
    let rpc = RpcAccessKeys::new(server.uri())
        .unwrap()
        .with_timeout(Duration::from_millis(100));
    let r = rpc.view_access_key("alice.near", &pk()).await;
    assert_eq!(r, Err(RpcError::Timeout(Duration::from_millis(100))));
    assert!(matches!(
        rpc.access_key_status("alice.near", &pk()).await,
        AccessKeyStatus::RpcError(d) if d.contains("timed out")
    ));
}

#[tokio::test]
async fn unreachable_server_is_rpc_error() {
    let server = MockServer::start().await;
    let uri = server.uri();
    drop(server);
    let rpc = RpcAccessKeys::new(uri)
        .unwrap()
        .with_timeout(Duration::from_secs(1));
    assert!(matches!(
        rpc.access_key_status("alice.near", &pk()).await,
        AccessKeyStatus::RpcError(_)
    ));
}

#[tokio::test]
async fn policy_over_rpc_releases_nonce_on_5xx_then_accepts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0",
            "id": "nep413", "result": {"nonce": 1, "permission": "FullAccess"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rpc = Arc::new(RpcAccessKeys::new(server.uri()).unwrap());
    let verifier = nep413::Verifier::new(
        Arc::new(nep413::ManualClock::new(NOW)),
        Arc::new(nep413::InMemoryNonceStore::default()),
        rpc,
    );
    let policy = VerifyClaimPolicy::new(verifier);
    let req = nep413::VerifyClaimRequest::sign(
        &key(30),
        "alice.near",
        claim_message(Some("alice.near"), NOW),
        "nearly.social",
        Nonce::random(),
        None,
    );
    let first = policy.verify_result(&req).await.unwrap_err();
    assert_eq!(first.reason(), Reason::RpcError);
    assert!(first.detail().contains("502"));
    assert!(policy.verify_result(&req).await.is_ok());
}
