//! Production mode against wiremock FastData and custody: the server serves at once and the
//! index syncs from the FastData scan in the background, also when FastData is failing at
//! start.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use nearly_server::{Config, Mode, Server};
use serde_json::{Value, json};
use tokio::sync::Notify;
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
    until_height(&server, 12).await;

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

/// Waits (on the index's height notifications, bounded) until the index reaches `height`.
async fn until_height(server: &Server, height: u64) {
    let mut watch = server.index().subscribe_height();
    tokio::time::timeout(Duration::from_secs(20), watch.wait_for(|h| *h >= height))
        .await
        .expect("the index reached the height in time")
        .unwrap();
}

/// Answers 500 to everything while `failing` is set (counting and announcing each answer);
/// otherwise lets the fake's mocks answer.
#[derive(Default)]
struct Outage {
    failing: AtomicBool,
    hits: AtomicUsize,
    hit: Notify,
}

struct OutageMatch(Arc<Outage>);

impl wiremock::Match for OutageMatch {
    fn matches(&self, _: &wiremock::Request) -> bool {
        let failing = self.0.failing.load(Ordering::SeqCst);
        if failing {
            self.0.hits.fetch_add(1, Ordering::SeqCst);
            self.0.hit.notify_one();
        }
        failing
    }
}

/// Regression (issue 12): production start-up exited with status 1 when FastData answered
/// 500, so a restart was impossible during an upstream incident.
#[tokio::test]
async fn a_failing_fastdata_does_not_stop_the_start_and_the_index_catches_up_by_itself() {
    let fastdata = fastdata().await;
    let outage = Arc::new(Outage::default());
    outage.failing.store(true, Ordering::SeqCst);
    Mock::given(OutageMatch(outage.clone()))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "Internal error"})))
        .with_priority(1)
        .mount(&fastdata)
        .await;
    let custody = custody().await;
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        pull_interval_secs: 1,
        ..production(dir.path(), &fastdata, &custody)
    };
    let server = Server::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let health = format!("{}/api/v1/health", server.base_url());
    let (status, body) = get_json(&http, &health).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["agent_count"], 0, "{body}");
    // The first pull fails for good (the client's 3 retries are spent) while the server serves.
    while outage.hits.load(Ordering::SeqCst) < 4 {
        outage.hit.notified().await;
    }
    let (status, body) = get_json(&http, &health).await;
    assert_eq!(
        (status, &body["data"]["agent_count"]),
        (200, &json!(0)),
        "{body}"
    );
    // FastData recovers: the pull loop's retry catches up without a restart.
    outage.failing.store(false, Ordering::SeqCst);
    until_height(&server, 12).await;
    let (_, body) = get_json(&http, &health).await;
    assert_eq!(body["data"]["agent_count"], 2, "{body}");
    assert!(server.index().sync_status().last_error.is_none());
    server.shutdown().await.unwrap();
    // The shutdown snapshot is there for the next start.
    assert!(dir.path().join(nearly_server::SNAPSHOT_FILE).exists());
}
