//! The operation gate: the table's `auth` and `rate` columns enforced in one place, ahead of
//! every handler, with the answers the contract promises.

use axum::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, call};

#[tokio::test]
async fn a_per_caller_limit_is_checked_before_the_body_is_read() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let patch = |body: serde_json::Value| {
        call(
            Method::PATCH,
            "/api/v1/agents/me/profile",
            Some(&key),
            Some(&body),
        )
    };
    for i in 0..10 {
        let r = app.send(patch(json!({"name": format!("Agent {i}")}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.headers["x-ratelimit-limit"], "10");
        assert_eq!(
            r.headers["x-ratelimit-remaining"],
            (9 - i).to_string().as_str()
        );
    }
    // Over the limit, even a body that would fail validation is refused as a rate limit.
    let r = app.send(patch(json!({"name": 5}))).await;
    let body = r.assert_error(429, "RATE_LIMITED");
    assert_eq!(body["retry_after"], 60);
    assert_eq!(r.headers["retry-after"], "60");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
}

#[tokio::test]
async fn an_error_answer_carries_no_rate_headers_but_spends_its_slot() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(call(
            Method::PATCH,
            "/api/v1/agents/me/profile",
            Some(&key),
            Some(&json!({"name": 5})),
        ))
        .await;
    r.assert_error(400, "VALIDATION_ERROR");
    assert!(r.headers.get("x-ratelimit-limit").is_none());
    let r = app
        .send(call(
            Method::PATCH,
            "/api/v1/agents/me/profile",
            Some(&key),
            Some(&json!({"name": "Ok"})),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers["x-ratelimit-remaining"], "8");
}

#[tokio::test]
async fn authentication_comes_before_a_per_caller_limit() {
    let app = TestApp::new();
    // No credential: 401 with the hint, and no slot of anyone's window is spent.
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/heartbeat",
            None,
            None,
        ))
        .await;
    let body = r.assert_error(401, "AUTH_REQUIRED");
    assert!(body["hint"].as_str().is_some());
    assert!(r.headers.get("x-ratelimit-limit").is_none());
    // An authenticated read route without a credential names the same rule.
    let r = app
        .send(call(Method::GET, "/api/v1/agents/me/network", None, None))
        .await;
    assert_eq!(
        r.assert_error(401, "AUTH_REQUIRED")["error"],
        "Authentication required"
    );
}

#[tokio::test]
async fn a_batch_write_takes_its_limit_per_target_from_the_table() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let (_, bob) = app.wallet().await;
    // Bob has no profile: a per-target NOT_FOUND takes no slot, so the answer has no headers.
    let r = app
        .send(call(
            Method::POST,
            &format!("/api/v1/agents/{bob}/follow"),
            Some(&key),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["results"][0]["code"], "NOT_FOUND");
    assert!(
        r.headers.get("x-ratelimit-limit").is_none(),
        "{:?}",
        r.headers
    );
}

#[tokio::test]
async fn platforms_null_is_not_a_list() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/platforms",
            Some(&key),
            Some(&json!({"platforms": null})),
        ))
        .await;
    let body = r.assert_error(400, "VALIDATION_ERROR");
    assert!(
        body["error"].as_str().unwrap().contains("platforms"),
        "{body}"
    );
}

#[tokio::test]
async fn a_mistyped_batch_field_is_refused_naming_it() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/any/follow",
            Some(&key),
            Some(&json!({"targets": ["alice.near", 7]})),
        ))
        .await;
    let body = r.assert_error(400, "VALIDATION_ERROR");
    assert!(
        body["error"].as_str().unwrap().contains("targets[1]"),
        "{body}"
    );
}
