//! `POST /verify-claim`: bare verdicts, statuses, replay, malformed envelopes, 429.

use axum::body::Body;
use axum::http::Method;
use nep413::{Nonce, VerifyClaimRequest};
use serde_json::{Value, json};

use crate::helpers::{T0_MS, TestApp, implicit_key, post_json, request};

const ROUTE: &str = "/api/v1/verify-claim";

fn claim(seed: u8, recipient: &str) -> VerifyClaimRequest {
    let (key, account) = implicit_key(seed);
    let message = format!(
        r#"{{"action":"login","domain":"nearly.social","account_id":"{account}","version":1,"timestamp":{T0_MS}}}"#
    );
    VerifyClaimRequest::sign(&key, account, message, recipient, Nonce::random(), None)
}

fn body(c: &VerifyClaimRequest) -> Value {
    serde_json::to_value(c).unwrap()
}

#[tokio::test]
async fn valid_then_replay() {
    let app = TestApp::new();
    let c = claim(1, "nearly.social");
    let r = app.send(post_json(ROUTE, None, &body(&c))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["valid"], true);
    assert!(r.body.get("success").is_none(), "not enveloped");
    assert_eq!(r.body["account_id"], c.account_id.as_str());
    assert_eq!(r.body["recipient"], "nearly.social");
    assert_eq!(r.body["verified_at"], T0_MS);
    assert_eq!(r.body["message"]["action"], "login");
    assert_eq!(r.headers["x-ratelimit-limit"], "60");

    let r = app.send(post_json(ROUTE, None, &body(&c))).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"valid": false, "reason": "replay", "detail": r.body["detail"]})
    );
}

#[tokio::test]
async fn invalid_claims_are_200_with_a_reason() {
    let app = TestApp::new();
    let mut c = claim(2, "nearly.social");
    c.message = c.message.replace("login", "logout");
    let r = app.send(post_json(ROUTE, None, &body(&c))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["valid"], false);
    assert_eq!(r.body["reason"], "signature");

    let mut c = claim(3, "nearly.social");
    c.expected_domain = Some("other.app".into());
    let r = app.send(post_json(ROUTE, None, &body(&c))).await;
    assert_eq!(
        (r.status.as_u16(), &r.body["reason"]),
        (200, &json!("malformed"))
    );

    app.clock.advance(6 * 60 * 1000);
    let c = claim(4, "nearly.social");
    let r = app.send(post_json(ROUTE, None, &body(&c))).await;
    assert_eq!(
        (r.status.as_u16(), &r.body["reason"]),
        (200, &json!("expired"))
    );
}

#[tokio::test]
async fn malformed_envelopes_are_400_in_the_error_envelope() {
    let app = TestApp::new();
    let mut object_message = body(&claim(6, "nearly.social"));
    object_message["message"] = json!({"action": "login"});
    for raw in [
        "[]".to_owned(),
        "{".to_owned(),
        "{}".to_owned(),
        object_message.to_string(),
    ] {
        let r = app
            .send(
                request(Method::POST, ROUTE)
                    .header("content-type", "application/json")
                    .body(Body::from(raw.clone()))
                    .unwrap(),
            )
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn sixty_per_minute_per_ip_then_429_in_the_error_envelope() {
    let app = TestApp::new();
    for i in 0..60u8 {
        let r = app
            .send(post_json(
                ROUTE,
                None,
                &body(&claim(100 + i, "nearly.social")),
            ))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x-ratelimit-remaining"], (59 - i).to_string());
    }
    let refused = claim(200, "nearly.social");
    let r = app.send(post_json(ROUTE, None, &body(&refused))).await;
    let body_ = r.assert_error(429, "RATE_LIMITED");
    assert_eq!(body_["retry_after"], 60);
    assert_eq!(r.headers["retry-after"], "60");
    // Every request counts, whatever it carries: a body that is not a claim is a 429 too.
    let r = app.send(post_json(ROUTE, None, &json!({"nope": 1}))).await;
    r.assert_error(429, "RATE_LIMITED");
    app.clock.advance(60_000);
    // The refused claim was never recorded: in the next window it verifies (not a replay).
    let r = app.send(post_json(ROUTE, None, &body(&refused))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["valid"], true, "{}", r.text);
    let fresh = {
        let (key, account) = implicit_key(201);
        let message = format!(
            r#"{{"action":"login","domain":"nearly.social","version":1,"timestamp":{}}}"#,
            T0_MS + 60_000
        );
        VerifyClaimRequest::sign(
            &key,
            account,
            message,
            "nearly.social",
            Nonce::random(),
            None,
        )
    };
    let r = app.send(post_json(ROUTE, None, &body(&fresh))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["valid"], true, "{}", r.text);
}
