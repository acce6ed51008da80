//! Issue 11: one named regression test per user-visible bug found by running the reference
//! implementation's own clients against the sandbox server.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::Method;
use nep413::{Nonce, VerifyClaimRequest};
use serde_json::{Value, json};

use crate::helpers::{T0_MS, TestApp, call, implicit_key, post_json, request};

async fn joined(app: &TestApp) -> (String, String) {
    let (key, id) = app.wallet().await;
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/heartbeat",
            Some(&key),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (key, id)
}

/// Item 1: a verify-claim body whose envelope is wrong is a 400 in the error envelope.
#[tokio::test]
async fn verify_claim_with_a_wrong_envelope_answers_the_error_envelope() {
    let app = TestApp::new();
    let key = nep413::SigningKey::from_bytes(&[3u8; 32]);
    let account = nep413::PublicKey::from(key.verifying_key()).implicit_account_id();
    let message =
        format!(r#"{{"action":"login","domain":"nearly.social","version":1,"timestamp":{T0_MS}}}"#);
    let claim = VerifyClaimRequest::sign(
        &key,
        &account,
        message,
        "nearly.social",
        Nonce::random(),
        None,
    );
    let mut no_recipient = serde_json::to_value(&claim).unwrap();
    no_recipient.as_object_mut().unwrap().remove("recipient");
    let mut mistyped = serde_json::to_value(&claim).unwrap();
    mistyped["nonce"] = json!(7);
    for raw in [
        no_recipient.to_string(),
        mistyped.to_string(),
        "[]".into(),
        "\"x\"".into(),
        "{".into(),
    ] {
        let r = app
            .send(
                request(Method::POST, "/api/v1/verify-claim")
                    .header("content-type", "application/json")
                    .body(Body::from(raw.clone()))
                    .unwrap(),
            )
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert!(r.body.get("valid").is_none(), "{raw}: {}", r.text);
    }
    // A claim that parses but fails a check is still a 200 verdict.
    let mut wrong_domain = serde_json::to_value(&claim).unwrap();
    wrong_domain["expected_domain"] = json!("other.app");
    let r = app
        .send(post_json("/api/v1/verify-claim", None, &wrong_domain))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["valid"], false);
}

/// Item 2: an empty platform list checks the credential and registers nowhere.
#[tokio::test]
async fn an_empty_platform_list_checks_the_credential_and_registers_nowhere() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/platforms",
            Some(&key),
            Some(&json!({"platforms": []})),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["platforms"], json!({}));
    assert_eq!(r.body["data"]["registered"], json!([]));
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/platforms",
            None,
            Some(&json!({"platforms": []})),
        ))
        .await;
    r.assert_error(401, "AUTH_REQUIRED");
}

/// Item 3: the delist limit is checked before the profile's existence.
#[tokio::test]
async fn a_second_delist_within_the_window_is_rate_limited_not_not_found() {
    let app = TestApp::new();
    let (key, _) = joined(&app).await;
    let r = app
        .send(call(Method::DELETE, "/api/v1/agents/me", Some(&key), None))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .send(call(Method::DELETE, "/api/v1/agents/me", Some(&key), None))
        .await;
    let body = r.assert_error(429, "RATE_LIMITED");
    assert!(
        body["retry_after"].as_u64().is_some_and(|s| s > 0),
        "{}",
        r.text
    );
    assert!(r.headers.contains_key("retry-after"));
}

/// Item 4: the first heartbeat's delta has integer `since` and `since_height` (0: "since the
/// beginning").
#[tokio::test]
async fn the_first_heartbeat_reports_since_and_since_height_as_zero() {
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
    let delta = &r.body["data"]["delta"];
    assert_eq!(delta["since"], json!(0), "{}", r.text);
    assert_eq!(delta["since_height"], json!(0), "{}", r.text);
    assert_eq!(delta["new_followers_count"], 0, "{}", r.text);
}

/// Item 5: an admin who holds its account's key (a `near:` token, no wallet in the local
/// custody) hides and unhides exactly as in production.
#[tokio::test]
async fn a_key_holding_admin_hides_through_the_sandbox_custody() {
    let (admin_key, admin) = implicit_key(42);
    let mut config = indexer::IndexerConfig::new("contextual.near");
    config.admin = Some(admin.clone());
    let app = TestApp::with_index_config(config);
    // The sandbox custody checks tokens against the system clock: use it on both sides.
    let now_ms = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    app.clock.set(now_ms);
    let (_, target) = joined(&app).await;
    let token = outlayer_client::mint_account_token(&admin_key, &admin, "admin", now_ms / 1000);
    let r = app
        .send(call(
            Method::POST,
            &format!("/api/v1/admin/hidden/{target}"),
            Some(&token),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["action"], "hidden");
    let hidden = app
        .send(call(Method::GET, "/api/v1/admin/hidden", None, None))
        .await;
    assert!(hidden.text.contains(&target), "{}", hidden.text);
    let r = app
        .send(call(
            Method::DELETE,
            &format!("/api/v1/admin/hidden/{target}"),
            Some(&token),
            None,
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let hidden = app
        .send(call(Method::GET, "/api/v1/admin/hidden", None, None))
        .await;
    assert!(!hidden.text.contains(&target), "{}", hidden.text);
}

/// Item 7: without NEAR RPC a named account is a permanent refusal, not a retriable 502.
#[tokio::test]
async fn named_accounts_without_rpc_are_refused_as_not_retriable() {
    let app = TestApp::new();
    let (key, _) = implicit_key(5);
    let message =
        format!(r#"{{"action":"login","domain":"nearly.social","version":1,"timestamp":{T0_MS}}}"#);
    let claim = VerifyClaimRequest::sign(
        &key,
        "alice.near",
        message,
        "nearly.social",
        Nonce::random(),
        None,
    );
    let r = app
        .send(post_json(
            "/api/v1/verify-claim",
            None,
            &serde_json::to_value(&claim).unwrap(),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["valid"], false);
    assert_eq!(r.body["reason"], "account_binding");
    assert!(
        r.body["detail"].as_str().unwrap().contains("NEAR RPC"),
        "{}",
        r.text
    );

    let token = outlayer_client::mint_account_token(&key, "alice.near", "s", T0_MS / 1000);
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/me/heartbeat",
            Some(&token),
            None,
        ))
        .await;
    let body = r.assert_error(401, "AUTH_FAILED");
    let hint = body["hint"].as_str().unwrap();
    assert!(
        hint.contains("NEAR RPC") && hint.contains("retrying will not help"),
        "{hint}"
    );
}

/// Item 8: image URLs on other ports than 443 or cluster-internal names are refused.
#[tokio::test]
async fn image_urls_on_other_ports_or_cluster_names_are_refused() {
    let app = TestApp::new();
    let (key, _) = joined(&app).await;
    for url in [
        "https://example.com:22/a.png",
        "https://example.com:6379/a.png",
        "https://redis.default.svc/a.png",
        "https://api.default.svc.cluster.local/a.png",
    ] {
        let r = app
            .send(call(
                Method::PATCH,
                "/api/v1/agents/me/profile",
                Some(&key),
                Some(&json!({"image": url})),
            ))
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
    let r = app
        .send(call(
            Method::PATCH,
            "/api/v1/agents/me/profile",
            Some(&key),
            Some(&json!({"image": "https://example.com:443/a.png"})),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let _: &Value = &r.body;
}
