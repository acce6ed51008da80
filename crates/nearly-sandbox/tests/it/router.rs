//! The wire details of the FastData router, request by request (no socket).

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nearly_sandbox::fastdata_api;
use serde_json::{Value, json};

use crate::support::{T0, TestLedger, call, call_json};

const NS: &str = "app.near";

/// alice: score (3 writes, last a delete at height 4), tag/a..tag/e; bob: score; alice in
/// other.near: score.
fn seeded() -> (TestLedger, axum::Router) {
    let t = TestLedger::new();
    t.commit(
        NS,
        "alice.near",
        json!({"score": 1, "tag/a": 1, "tag/b": 2}),
    );
    t.clock.advance(1_000_000_000);
    t.commit(NS, "bob.near", json!({"score": {"v": 2}}));
    t.clock.advance(1_000_000_000);
    t.commit(
        NS,
        "alice.near",
        json!({"score": 3, "tag/c": 3, "tag/d": 4, "tag/e": 5}),
    );
    t.clock.advance(1_000_000_000);
    t.commit(NS, "alice.near", json!({"score": null}));
    t.commit("other.near", "alice.near", json!({"score": "x"}));
    let router = fastdata_api::router(t.ledger.clone());
    (t, router)
}

fn keys(body: &Value) -> Vec<String> {
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect()
}

fn token_json(body: &Value) -> Value {
    let t = body["page_token"].as_str().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t).unwrap()).unwrap()
}

#[tokio::test]
async fn get_latest_exact_key_and_absent_key() {
    let (_t, r) = seeded();
    let (s, body) = call(&r, "GET", "/v0/latest/app.near/bob.near/score", None).await;
    assert_eq!(s, StatusCode::OK);
    // Field order, exact u64 timestamp (> 2^53), raw value, no metadata, no token.
    assert_eq!(
        body,
        format!(
            r#"{{"entries":[{{"predecessor_id":"bob.near","current_account_id":"app.near","block_height":2,"block_timestamp":{},"key":"score","value":{{"v":2}}}}]}}"#,
            T0 + 1_000_000_000
        )
    );
    let (s, body) = call(&r, "GET", "/v0/latest/app.near/bob.near/nope", None).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, r#"{"entries":[]}"#));
    // A tombstone is served as value null.
    let (_, body) = call_json(&r, "GET", "/v0/latest/app.near/alice.near/score", None).await;
    assert_eq!(body["entries"][0]["value"], Value::Null);
    assert_eq!(body["entries"][0]["block_height"], 4);
}

#[tokio::test]
async fn get_key_path_keeps_slashes_and_decodes_percent_escapes() {
    let t = TestLedger::new();
    t.commit(
        NS,
        "alice.near",
        json!({"graph/follow/bob.near": 1, "a b?#%": 2}),
    );
    let r = fastdata_api::router(t.ledger.clone());
    let (_, body) = call_json(
        &r,
        "GET",
        "/v0/latest/app.near/alice.near/graph/follow/bob.near",
        None,
    )
    .await;
    assert_eq!(keys(&body), ["graph/follow/bob.near"]);
    let (_, body) = call_json(
        &r,
        "GET",
        "/v0/latest/app.near/alice.near/a%20b%3F%23%25",
        None,
    )
    .await;
    assert_eq!(keys(&body), ["a b?#%"]);
}

#[tokio::test]
async fn get_history_is_newest_first_without_token() {
    let (_t, r) = seeded();
    let (_, body) = call_json(&r, "GET", "/v0/history/app.near/alice.near/score", None).await;
    let heights: Vec<u64> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["block_height"].as_u64().unwrap())
        .collect();
    assert_eq!(heights, [4, 3, 1]);
    assert!(body.get("page_token").is_none());
}

#[tokio::test]
async fn prefix_paging_emits_a_token_iff_the_page_is_full() {
    let (_t, r) = seeded();
    let url = "/v0/latest/app.near/alice.near";
    let (_, p1) = call_json(&r, "POST", url, Some(r#"{"key_prefix":"tag/","limit":2}"#)).await;
    assert_eq!(keys(&p1), ["tag/a", "tag/b"]);
    assert_eq!(token_json(&p1), json!({"k": "tag/b"}));
    let body = json!({"key_prefix": "tag/", "limit": 2, "page_token": p1["page_token"]});
    let (_, p2) = call_json(&r, "POST", url, Some(&body.to_string())).await;
    assert_eq!(keys(&p2), ["tag/c", "tag/d"]);
    let body = json!({"key_prefix": "tag/", "limit": 2, "page_token": p2["page_token"]});
    let (_, p3) = call_json(&r, "POST", url, Some(&body.to_string())).await;
    assert_eq!(keys(&p3), ["tag/e"]);
    assert!(p3.get("page_token").is_none());
    // A full last page still carries a token, and the page after it is empty.
    let (_, all) = call_json(&r, "POST", url, Some(r#"{"key_prefix":"tag/","limit":5}"#)).await;
    let body = json!({"key_prefix": "tag/", "limit": 5, "page_token": all["page_token"]});
    let (_, empty) = call_json(&r, "POST", url, Some(&body.to_string())).await;
    assert_eq!(empty, json!({"entries": []}));
}

#[tokio::test]
async fn limit_defaults_to_50_and_is_clamped() {
    let t = TestLedger::new();
    let many: serde_json::Map<String, Value> =
        (0..250).map(|i| (format!("k{i:03}"), json!(i))).collect();
    t.ledger.commit(NS, "alice.near", &many).unwrap();
    let r = fastdata_api::router(t.ledger.clone());
    let url = "/v0/latest/app.near/alice.near";
    for (body, rows) in [
        ("{}", 50),
        ("", 50),
        (r#"{"limit":0}"#, 1),
        (r#"{"limit":-5}"#, 1),
        (r#"{"limit":1000}"#, 200),
        (r#"{"limit":null}"#, 50),
        (r#"{"limit":7,"unknown":[1,{}]}"#, 7),
    ] {
        let (s, resp) = call_json(&r, "POST", url, Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(keys(&resp).len(), rows, "{body}");
        assert!(resp["page_token"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn exact_key_post_latest_ignores_the_token() {
    let (_t, r) = seeded();
    let url = "/v0/latest/app.near/bob.near";
    let (_, p1) = call_json(&r, "POST", url, Some(r#"{"key":"score","limit":1}"#)).await;
    assert_eq!(keys(&p1), ["score"]);
    assert_eq!(token_json(&p1), json!({"k": "score"}));
    let body = json!({"key": "score", "limit": 1, "page_token": p1["page_token"]});
    let (_, p2) = call_json(&r, "POST", url, Some(&body.to_string())).await;
    assert_eq!(p2, p1);
    // Not even decoded.
    let (s, _) = call_json(
        &r,
        "POST",
        url,
        Some(r#"{"key":"score","page_token":"!!"}"#),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, none) = call_json(&r, "POST", url, Some(r#"{"key":"score"}"#)).await;
    assert!(none.get("page_token").is_none());
}

#[tokio::test]
async fn history_orders_and_tokens() {
    let (_t, r) = seeded();
    // history/{ns}/{pred}: grouped by key, newest first by default.
    let (_, desc) = call_json(&r, "POST", "/v0/history/app.near/alice.near", Some("{}")).await;
    let rows: Vec<(String, u64)> = desc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["block_height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows[..4],
        [
            ("tag/e".into(), 3),
            ("tag/d".into(), 3),
            ("tag/c".into(), 3),
            ("tag/b".into(), 1)
        ]
    );
    assert_eq!(
        rows[5..],
        [
            ("score".into(), 4),
            ("score".into(), 3),
            ("score".into(), 1)
        ]
    );
    // Exact key, ascending, paged by 2: the token carries k, b, o.
    let url = "/v0/history/app.near/alice.near";
    let (_, p1) = call_json(
        &r,
        "POST",
        url,
        Some(r#"{"key":"score","asc":true,"limit":2}"#),
    )
    .await;
    assert_eq!(token_json(&p1), json!({"k": "score", "b": 3, "o": 0}));
    let body = json!({"key": "score", "asc": true, "limit": 2, "page_token": p1["page_token"]});
    let (_, p2) = call_json(&r, "POST", url, Some(&body.to_string())).await;
    assert_eq!(p2["entries"][0]["block_height"], 4);
    assert_eq!(p2["entries"][0]["value"], Value::Null);

    // history/{ns}: key DESC, height DESC, predecessor DESC; token k, b, o, p.
    let (_, p) = call_json(
        &r,
        "POST",
        "/v0/history/app.near",
        Some(r#"{"key":"score","limit":3}"#),
    )
    .await;
    let who: Vec<(&str, u64)> = p["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["predecessor_id"].as_str().unwrap(),
                e["block_height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(who, [("alice.near", 4), ("alice.near", 3), ("bob.near", 2)]);
    assert_eq!(
        token_json(&p),
        json!({"k": "score", "b": 2, "o": 0, "p": "bob.near"})
    );

    // /v0/history: one key in every namespace; token b, o, p, a.
    let (_, p) = call_json(
        &r,
        "POST",
        "/v0/history",
        Some(r#"{"key":"score","limit":1}"#),
    )
    .await;
    assert_eq!(p["entries"][0]["current_account_id"], "other.near");
    assert_eq!(
        token_json(&p),
        json!({"b": 5, "o": 0, "p": "alice.near", "a": "other.near"})
    );
    let (_, p) = call_json(
        &r,
        "POST",
        "/v0/history",
        Some(r#"{"key":"score","asc":true}"#),
    )
    .await;
    assert_eq!(p["entries"].as_array().unwrap().len(), 5);
    assert_eq!(p["entries"][0]["block_height"], 1);
}

#[tokio::test]
async fn latest_across_writers_and_all_of_a_writer() {
    let (_t, r) = seeded();
    let (_, p) = call_json(
        &r,
        "POST",
        "/v0/latest/app.near",
        Some(r#"{"key":"score","limit":1}"#),
    )
    .await;
    assert_eq!(p["entries"][0]["predecessor_id"], "alice.near");
    assert_eq!(token_json(&p), json!({"k": "score", "p": "alice.near"}));
    let body = json!({"key": "score", "limit": 1, "page_token": p["page_token"]});
    let (_, p) = call_json(&r, "POST", "/v0/latest/app.near", Some(&body.to_string())).await;
    assert_eq!(p["entries"][0]["predecessor_id"], "bob.near");

    // all/{pred}: (namespace, key) across namespaces; key filters ignored, even both at once.
    let (s, p) = call_json(
        &r,
        "POST",
        "/v0/all/alice.near",
        Some(r#"{"key":"x","key_prefix":"y","limit":7}"#),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let rows: Vec<(&str, &str)> = p["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["current_account_id"].as_str().unwrap(),
                e["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows[0], ("app.near", "score"));
    assert_eq!(rows[5], ("app.near", "tag/e"));
    assert_eq!(rows[6], ("other.near", "score"));
    assert_eq!(token_json(&p), json!({"a": "other.near", "k": "score"}));
}

#[tokio::test]
async fn metadata_only_when_asked() {
    let (_t, r) = seeded();
    let (_, p) = call(
        &r,
        "POST",
        "/v0/latest/app.near/bob.near",
        Some(r#"{"include_metadata":true}"#),
    )
    .await;
    let e: Value = serde_json::from_str::<Value>(&p).unwrap()["entries"][0].clone();
    for field in ["receipt_id", "action_index", "tx_hash", "signer_id"] {
        assert!(e.get(field).is_some(), "{field} in {p}");
    }
    assert_eq!(e["signer_id"], "bob.near");
    assert!(p.find("receipt_id").unwrap() < p.find("predecessor_id").unwrap());
    let (_, p) = call_json(&r, "POST", "/v0/latest/app.near/bob.near", Some("{}")).await;
    assert!(p["entries"][0].get("receipt_id").is_none());
}

#[tokio::test]
async fn multi_answers_in_order_with_nulls_and_tombstones() {
    let (_t, r) = seeded();
    let body = json!({"keys": [
        "app.near/bob.near/score",
        "app.near/bob.near/missing",
        "app.near/alice.near/score",
        "other.near/alice.near/score"
    ]});
    let (s, p) = call_json(&r, "POST", "/v0/multi", Some(&body.to_string())).await;
    assert_eq!(s, StatusCode::OK);
    let e = p["entries"].as_array().unwrap();
    assert_eq!(e.len(), 4);
    assert_eq!(e[0]["value"], json!({"v": 2}));
    assert_eq!(e[1], Value::Null);
    assert_eq!(e[2]["value"], Value::Null);
    assert_eq!(e[2]["key"], "score");
    assert_eq!(e[3]["value"], "x");
    assert!(p.get("page_token").is_none());
}

#[tokio::test]
async fn errors_are_the_servers() {
    let (_t, r) = seeded();
    let err = |msg: &str| json!({ "error": msg });
    let cases: Vec<(&str, &str, String, Value)> = vec![
        (
            "POST",
            "/v0/latest/app.near/alice.near",
            r#"{"key":"a","key_prefix":"b"}"#.into(),
            err("key and key_prefix are mutually exclusive"),
        ),
        (
            "POST",
            "/v0/history/app.near",
            r#"{"key":"a","key_prefix":"b"}"#.into(),
            err("key and key_prefix are mutually exclusive"),
        ),
        (
            "POST",
            "/v0/latest/app.near/alice.near",
            r#"{"page_token":"***"}"#.into(),
            err("Invalid page_token"),
        ),
        (
            "POST",
            "/v0/history/app.near/alice.near",
            // Valid base64 JSON but no `b`.
            format!(
                r#"{{"page_token":"{}"}}"#,
                URL_SAFE_NO_PAD.encode(r#"{"k":"a","o":0}"#)
            ),
            err("Invalid page_token"),
        ),
        (
            "POST",
            "/v0/all/alice.near",
            format!(r#"{{"page_token":"{}"}}"#, URL_SAFE_NO_PAD.encode("[]")),
            err("Invalid page_token"),
        ),
        (
            "POST",
            "/v0/history",
            format!(
                r#"{{"key":"a","page_token":"{}"}}"#,
                URL_SAFE_NO_PAD.encode(r#"{"b":1,"o":0,"p":"x"}"#)
            ),
            err("Invalid page_token"),
        ),
        (
            "POST",
            "/v0/multi",
            json!({"keys": vec!["a/b/c"; 101]}).to_string(),
            err("Maximum 100 keys per request"),
        ),
        (
            "POST",
            "/v0/multi",
            r#"{"keys":["app.near/bob.near/score","app.near/bob.near"]}"#.into(),
            err(
                r#"Invalid key format: "app.near/bob.near". Expected current_account_id/predecessor_id/key"#,
            ),
        ),
        (
            "POST",
            "/v0/multi",
            r#"{"keys":["a//c"]}"#.into(),
            err(r#"Invalid key format: "a//c". Expected current_account_id/predecessor_id/key"#),
        ),
    ];
    for (method, uri, body, expected) in cases {
        let (s, got) = call_json(&r, method, uri, Some(&body)).await;
        assert_eq!(
            (s, &got),
            (StatusCode::BAD_REQUEST, &expected),
            "{uri} {body}"
        );
    }
}

#[tokio::test]
async fn malformed_bodies_are_clear_400s() {
    let (_t, r) = seeded();
    for (uri, body) in [
        ("/v0/latest/app.near/alice.near", "{"),
        ("/v0/latest/app.near/alice.near", "[1]"),
        ("/v0/latest/app.near/alice.near", r#"{"limit":"10"}"#),
        ("/v0/latest/app.near/alice.near", r#"{"limit":99999999999}"#),
        ("/v0/history", "{}"),
        ("/v0/history", ""),
        ("/v0/multi", "{}"),
        ("/v0/multi", r#"{"keys":"a/b/c"}"#),
    ] {
        let (s, got) = call_json(&r, "POST", uri, Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri} {body}");
        assert!(
            got["error"]
                .as_str()
                .unwrap()
                .starts_with("Invalid JSON body"),
            "{got}"
        );
    }
}

#[tokio::test]
async fn any_content_type_is_read_as_json() {
    let (_t, r) = seeded();
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/v0/latest/app.near/bob.near")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(r#"{"key":"score"}"#))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(r, req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_empty_404s() {
    let (_t, r) = seeded();
    for (method, uri) in [
        ("GET", "/"),
        ("GET", "/v0"),
        ("GET", "/v1/latest/app.near/alice.near/score"),
        ("POST", "/v0/latest/app.near/alice.near/score"),
        // NEARLY's first-write call: not a route of the KV server.
        ("POST", "/v0/history/app.near/alice.near/score"),
        ("GET", "/v0/latest/app.near/alice.near"),
        ("GET", "/v0/latest/app.near"),
        ("GET", "/v0/multi"),
        ("PUT", "/v0/multi"),
        ("DELETE", "/v0/history"),
        ("GET", "/v0/all/alice.near"),
        ("POST", "/v0/all"),
    ] {
        let (s, body) = call(&r, method, uri, Some("{}")).await;
        assert_eq!(
            (s, body.as_str()),
            (StatusCode::NOT_FOUND, ""),
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn works_when_nested() {
    let (t, _) = seeded();
    for app in [
        axum::Router::new().nest("/fastdata", fastdata_api::router(t.ledger.clone())),
        axum::Router::new().nest_service("/fastdata", fastdata_api::router(t.ledger.clone())),
    ] {
        let (s, p) = call_json(
            &app,
            "GET",
            "/fastdata/v0/latest/app.near/bob.near/score",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(keys(&p), ["score"]);
        let (s, p) = call_json(&app, "POST", "/fastdata/v0/multi", Some(r#"{"keys":[]}"#)).await;
        assert_eq!((s, p), (StatusCode::OK, json!({"entries": []})));
        let (s, body) = call(&app, "POST", "/fastdata/v0/nope", Some("{}")).await;
        assert_eq!((s, body.as_str()), (StatusCode::NOT_FOUND, ""));
    }
}

#[tokio::test]
async fn empty_prefix_matches_only_the_empty_key_like_the_server() {
    let (_t, r) = seeded();
    let (_, p) = call_json(
        &r,
        "POST",
        "/v0/latest/app.near/alice.near",
        Some(r#"{"key_prefix":""}"#),
    )
    .await;
    assert_eq!(p, json!({"entries": []}));
}

#[tokio::test]
async fn get_with_an_empty_key_is_an_empty_list() {
    // The server's `{key:.*}` matches the empty key; the ledger never stores one.
    let (_t, r) = seeded();
    for uri in [
        "/v0/latest/app.near/alice.near/",
        "/v0/history/app.near/alice.near/",
    ] {
        let (s, body) = call(&r, "GET", uri, None).await;
        assert_eq!(
            (s, body.as_str()),
            (StatusCode::OK, r#"{"entries":[]}"#),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn undecodable_path_is_a_json_400() {
    let (_t, r) = seeded();
    let (s, body) = call_json(&r, "GET", "/v0/latest/app.near/alice.near/%FF%FE", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().starts_with("Invalid path"),
        "{body}"
    );
}
