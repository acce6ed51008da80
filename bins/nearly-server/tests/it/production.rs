//! Production mode against wiremock FastData and custody: the index bootstraps from the
//! FastData scan before the first request.

use nearly_server::{Config, Mode, Server, ServerError};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::get_json;

const ALICE: &str = "alice.near";
const BOB: &str = "bob.near";

fn entry(predecessor: &str, key: &str, value: Value, height: u64) -> Value {
    json!({
        "predecessor_id": predecessor,
        "current_account_id": "contextual.near",
        "block_height": height,
        "block_timestamp": height * 1_000_000_000 + 1_700_000_000_000_000_000_u64,
        "key": key,
        "value": value,
    })
}

/// A FastData server with two profiles, one follow edge and one tag.
async fn fastdata() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .and(body_partial_json(json!({"key": "profile"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [
            entry(ALICE, "profile", json!({"name": "Alice"}), 10),
            entry(BOB, "profile", json!({"name": "Bob"}), 11),
        ]})))
        .expect(1..)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .and(body_partial_json(json!({"key_prefix": "graph/follow/"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [
            entry(BOB, "graph/follow/alice.near", json!({}), 12),
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .and(body_partial_json(json!({"key_prefix": "tag/"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [
            entry(ALICE, "tag/rust", json!(true), 10),
        ]})))
        .mount(&server)
        .await;
    // Every other prefix scan is empty.
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": []})))
        .with_priority(10)
        .mount(&server)
        .await;
    // First profile writes (created_at).
    for (who, height) in [(ALICE, 10), (BOB, 11)] {
        Mock::given(method("POST"))
            .and(path(format!("/v0/history/contextual.near/{who}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [
                entry(who, "profile", json!({"name": who}), height),
            ]})))
            .mount(&server)
            .await;
    }
    server
}

/// A custody server that must not be called during start-up.
async fn custody() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn production(dir: &std::path::Path, fastdata: &MockServer, custody: &MockServer) -> Config {
    Config {
        fastdata_url: Some(url::Url::parse(&fastdata.uri()).unwrap()),
        custody_url: Some(url::Url::parse(&custody.uri()).unwrap()),
        ..Config::sandbox(dir)
    }
}

#[tokio::test]
async fn the_index_bootstraps_from_the_fastdata_scan() {
    let (fastdata, custody) = (fastdata().await, custody().await);
    let dir = tempfile::tempdir().unwrap();
    let config = production(dir.path(), &fastdata, &custody);
    assert_eq!(config.validate().unwrap(), Mode::Production);
    let server = Server::start(config).await.unwrap();

    let http = reqwest::Client::new();
    let (status, body) = get_json(&http, &format!("{}/api/v1/health", server.base_url())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["data"]["index"]["state"], "ready");
    assert_eq!(body["data"]["agent_count"], 2, "{body}");
    assert_eq!(body["data"]["index"]["height"], 12, "{body}");

    // Production mode serves no sandbox routers.
    let response = http
        .post(format!("{}/outlayer/register", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let response = http
        .get(format!(
            "{}/fastdata/v0/latest/contextual.near/alice.near/profile",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);

    server.shutdown().await.unwrap();
    // The platform store lives in the data dir in both modes; no sandbox files here.
    assert!(!dir.path().join(nearly_server::LEDGER_FILE).exists());
}

/// FastData refusing the first scan stops start-up with an index error.
#[tokio::test]
async fn a_failing_first_sync_fails_the_start() {
    let fastdata = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "nope"})))
        .mount(&fastdata)
        .await;
    let custody = custody().await;
    let dir = tempfile::tempdir().unwrap();
    let e = Server::start(production(dir.path(), &fastdata, &custody))
        .await
        .err();
    assert!(matches!(e, Some(ServerError::Index(_))), "{e:?}");
}
