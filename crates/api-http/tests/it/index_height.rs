//! Index height on every read: the headers on every operation of the table, and `min_height`
//! served, waited for, timed out and rejected.

use std::time::Duration;

use api_http::index_height::{INDEX_HEIGHT_HEADER, IndexRole, WRITE_HEIGHT_HEADER, index_role};
use api_http::openapi::operations;
use axum::http::Method;
use indexer::{Version, Write};
use serde_json::json;

use crate::helpers::{Reply, TestApp, call};

fn height(r: &Reply, header: &str) -> Option<u64> {
    r.headers
        .get(header)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// A confirmed write at `h`, as the index's source would deliver it.
fn write_at(h: u64) -> Write {
    Write {
        predecessor: "zed.near".into(),
        key: "profile".into(),
        value: Some(json!({"name": "Zed"})),
        version: Version::new(h, 0),
        block_timestamp_ns: h * 1_000_000_000,
    }
}

/// Every operation of the table answers with the header its role says, whatever the answer
/// (a 401 of a mutation without credentials still says the height it was refused at): a new
/// route cannot miss it.
#[tokio::test]
async fn every_operation_carries_the_header_its_role_says() {
    let app = TestApp::new();
    app.state.index.apply_writes(&[write_at(3)]);
    let mut roles = Vec::new();
    for op in operations() {
        let path = op.path.replace("{account_id}", "zed.near");
        let body = (op.method != Method::GET).then(|| json!({}));
        let r = app
            .send(call(
                op.method.clone(),
                &format!("/api/v1{path}"),
                None,
                body.as_ref(),
            ))
            .await;
        let role = index_role(&op);
        roles.push(role);
        match role {
            IndexRole::Read | IndexRole::Write => {
                assert_eq!(
                    height(&r, INDEX_HEIGHT_HEADER),
                    Some(3),
                    "{} {path}",
                    op.method
                );
            }
            IndexRole::None => {
                assert_eq!(
                    height(&r, INDEX_HEIGHT_HEADER),
                    None,
                    "{} {path}",
                    op.method
                );
            }
        }
        // Unauthenticated: no write happened, so no write height.
        assert_eq!(
            height(&r, WRITE_HEIGHT_HEADER),
            None,
            "{} {path}",
            op.method
        );
    }
    // The table has all three kinds (a rule change that made everything one kind would show).
    for kind in [IndexRole::Read, IndexRole::Write, IndexRole::None] {
        assert!(roles.contains(&kind), "{kind:?}");
    }
    let role = |method: Method, path: &str| {
        let op = operations()
            .into_iter()
            .find(|o| o.method == method && o.path == path)
            .unwrap();
        index_role(&op)
    };
    assert_eq!(role(Method::GET, "/agents"), IndexRole::Read);
    assert_eq!(
        role(Method::POST, "/agents/{account_id}/follow"),
        IndexRole::Write
    );
    assert_eq!(role(Method::POST, "/verify-claim"), IndexRole::None);
    assert_eq!(role(Method::GET, "/platforms"), IndexRole::None);
    assert_eq!(role(Method::GET, "/health"), IndexRole::None);
}

/// A successful mutation carries the height of its write, and a read at that `min_height`
/// (read-after-write) is served with it.
#[tokio::test]
async fn a_mutation_carries_its_write_height() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/heartbeat",
            Some(&key),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let written = height(&r, WRITE_HEIGHT_HEADER).expect("a write height");
    assert!(written >= 1);
    assert_eq!(written, app.state.index.height());
    let read = app
        .send(call(
            Method::GET,
            &format!("/api/v1/agents?min_height={written}"),
            None,
            None,
        ))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(height(&read, INDEX_HEIGHT_HEADER).unwrap() >= written);
    assert_eq!(read.body["data"]["agents"].as_array().unwrap().len(), 1);
}

/// In the sandbox, custody reports the ledger block it committed the write in, and the header
/// is that block: each write moves it to the ledger's new head.
#[tokio::test]
async fn the_write_height_is_the_block_custody_committed_the_write_in() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let (other, other_account) = app.wallet().await;
    let ledger = app.custody.inner.ledger().clone();
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/heartbeat",
            Some(&other),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        height(&r, WRITE_HEIGHT_HEADER),
        Some(ledger.head().block_height)
    );
    let mut last = 0;
    for (method, path) in [
        (Method::POST, "/api/v1/agents/me/heartbeat"),
        (
            Method::POST,
            &format!("/api/v1/agents/{other_account}/follow"),
        ),
    ] {
        let r = app.send(call(method, path, Some(&key), None)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let written = height(&r, WRITE_HEIGHT_HEADER).unwrap();
        assert_eq!(written, ledger.head().block_height, "{path}");
        assert!(written > last, "{path}: {written} after {last}");
        // The write path waited for the index to confirm that block.
        assert!(app.state.index.height() >= written);
        last = written;
    }
}

#[tokio::test]
async fn a_reached_min_height_is_served_at_once() {
    let app = TestApp::new();
    app.state.index.apply_writes(&[write_at(5)]);
    let r = app
        .send(call(
            Method::GET,
            "/api/v1/agents?min_height=5&limit=1",
            None,
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(height(&r, INDEX_HEIGHT_HEADER), Some(5));
    // `min_height` never reaches the handler's own validation.
    assert_eq!(r.body["data"]["agents"].as_array().unwrap().len(), 1);
}

/// The request waits on the index's height channel and is answered once another task applies
/// the height it asked for.
#[tokio::test(start_paused = true)]
async fn a_read_waits_for_its_min_height() {
    let app = TestApp::new();
    app.state.index.apply_writes(&[write_at(5)]);
    let router = app.router();
    let waiting = tokio::spawn(crate::helpers::send(
        router,
        call(Method::GET, "/api/v1/tags?min_height=9", None, None),
    ));
    // Paused time only advances when every task is idle: the request is parked on the channel.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !waiting.is_finished(),
        "answered before the index reached 9"
    );
    let index = app.state.index.clone();
    tokio::spawn(async move { index.apply_writes(&[write_at(9)]) })
        .await
        .unwrap();
    let r = waiting.await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(height(&r, INDEX_HEIGHT_HEADER), Some(9));
}

#[tokio::test(start_paused = true)]
async fn a_min_height_not_reached_in_time_is_503_index_behind() {
    let app = TestApp::new();
    app.state.index.apply_writes(&[write_at(5)]);
    let started = tokio::time::Instant::now();
    let r = app
        .send(call(
            Method::GET,
            "/api/v1/agents?min_height=1000",
            None,
            None,
        ))
        .await;
    let waited = started.elapsed();
    let body = r.assert_error(503, "INDEX_BEHIND");
    assert_eq!(body["retry_after"], 1);
    assert_eq!(r.headers.get("retry-after").unwrap(), "1");
    assert_eq!(height(&r, INDEX_HEIGHT_HEADER), Some(5));
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_wait_bound_is_configurable() {
    let app = TestApp::new().tune(|s| {
        s.with_config(api_http::ApiConfig {
            min_height_wait: Duration::from_millis(200),
            ..Default::default()
        })
    });
    let started = tokio::time::Instant::now();
    let r = app
        .send(call(Method::GET, "/api/v1/agents?min_height=7", None, None))
        .await;
    r.assert_error(503, "INDEX_BEHIND");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_non_numeric_min_height_is_a_validation_error() {
    let app = TestApp::new();
    for q in [
        "min_height=abc",
        "min_height=-1",
        "min_height=",
        "min_height=1.5",
    ] {
        let r = app
            .send(call(
                Method::GET,
                &format!("/api/v1/agents?{q}"),
                None,
                None,
            ))
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
}

/// The OpenAPI document says it on every operation that reads the index, and only there.
#[test]
fn the_openapi_document_has_min_height_and_the_headers() {
    let doc = api_http::openapi::document();
    for op in operations() {
        let o = &doc["paths"][format!("/api/v1{}", op.path)][op.method.as_str().to_lowercase()];
        let has_param = o["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "min_height");
        let headers = &o["responses"]["200"]["headers"];
        let role = index_role(&op);
        assert_eq!(has_param, role != IndexRole::None, "{}", op.id);
        assert_eq!(
            headers.get("X-Nearly-Index-Height").is_some(),
            role != IndexRole::None,
            "{}",
            op.id
        );
        assert_eq!(
            headers.get("X-Nearly-Write-Height").is_some(),
            role == IndexRole::Write,
            "{}",
            op.id
        );
        if role != IndexRole::None {
            let d = o["responses"]["503"]["description"].as_str().unwrap();
            assert!(d.contains("INDEX_BEHIND"), "{}", op.id);
        }
    }
}
