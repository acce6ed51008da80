//! Each way authentication fails, and the wallet-key cache.

use std::sync::atomic::Ordering;

use nep413::sign_near_ai_token;
use outlayer_client::mint_account_token;
use serde_json::json;

use crate::helpers::{T0_MS, TestApp, implicit_key, post_json};

const ROUTE: &str = "/api/v1/agents/me/platforms";

#[tokio::test]
async fn missing_or_unknown_credentials_are_auth_required_with_a_hint() {
    let app = TestApp::new();
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer sk_live_123"),
        Some("Bearer "),
    ] {
        let r = app.send(post_json(ROUTE, auth, &json!({}))).await;
        let body = r.assert_error(401, "AUTH_REQUIRED");
        assert!(
            body["hint"].as_str().unwrap().contains("Bearer wk_"),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_wallet_key_is_auth_failed_and_never_cached() {
    let app = TestApp::new();
    let bogus = format!("Bearer wk_{}", "ab".repeat(32));
    for n in 1..=2 {
        let r = app.send(post_json(ROUTE, Some(&bogus), &json!({}))).await;
        assert!(r.assert_error(401, "AUTH_FAILED")["hint"].is_string());
        assert_eq!(app.custody.resolves.load(Ordering::SeqCst), n);
    }
    assert!(app.state.wallet_keys.is_empty());
}

#[tokio::test]
async fn a_known_wallet_key_is_resolved_once_then_cached_until_the_ttl() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let auth = format!("Bearer {key}");
    for _ in 0..3 {
        let r = app.send(post_json(ROUTE, Some(&auth), &json!({}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(app.custody.resolves.load(Ordering::SeqCst), 1);
    app.clock.advance(api_http::auth::DEFAULT_WALLET_KEY_TTL_MS);
    let r = app.send(post_json(ROUTE, Some(&auth), &json!({}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(app.custody.resolves.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn near_tokens_are_verified_against_the_injected_clock() {
    let app = TestApp::new();
    let (key, account) = implicit_key(7);
    let now_s = T0_MS / 1000;

    let fresh = mint_account_token(&key, &account, "admin", now_s);
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {fresh}")),
            &json!({"platforms": ["near.fm"]}),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["platforms"]["near.fm"]["success"], false);

    let expired = mint_account_token(&key, &account, "admin", now_s - 31);
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {expired}")),
            &json!({}),
        ))
        .await;
    let body = r.assert_error(401, "AUTH_FAILED");
    assert!(body["hint"].as_str().unwrap().contains("30 seconds"));

    // Signed by another key than the implicit account's.
    let (other, _) = implicit_key(8);
    let forged = mint_account_token(&other, &account, "admin", now_s);
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {forged}")),
            &json!({}),
        ))
        .await;
    r.assert_error(401, "AUTH_FAILED");

    let r = app
        .send(post_json(
            ROUTE,
            Some("Bearer near:%%%not-base64"),
            &json!({}),
        ))
        .await;
    r.assert_error(401, "AUTH_FAILED");
}

#[tokio::test]
async fn near_ai_tokens_cannot_mutate_and_cannot_be_replayed() {
    let app = TestApp::new();
    let (key, account) = implicit_key(9);
    let token = sign_near_ai_token(
        &key,
        &account,
        "Welcome to NEAR AI Hub!",
        "ai.near",
        T0_MS,
        None,
    );
    let auth = format!("Bearer {token}");

    let r = app.send(post_json(ROUTE, Some(&auth), &json!({}))).await;
    let body = r.assert_error(401, "AUTH_REQUIRED");
    assert!(body["hint"].as_str().unwrap().contains("read"));

    let r = app.send(post_json(ROUTE, Some(&auth), &json!({}))).await;
    let body = r.assert_error(401, "NONCE_REPLAY");
    assert!(body["hint"].is_string());

    let wrong_recipient = sign_near_ai_token(&key, &account, "hi", "evil.near", T0_MS + 1, None);
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {wrong_recipient}")),
            &json!({}),
        ))
        .await;
    r.assert_error(401, "AUTH_FAILED");
}
