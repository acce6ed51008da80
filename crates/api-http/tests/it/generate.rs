//! `generate.*`: 503 without a model, budgets and retries against a wiremock LLM.

use std::collections::HashMap;
use std::sync::Arc;

use api_http::generate::{LookupError, ProfileLookup};
use api_http::{InMemoryBudget, OpenAiCompatible};
use async_trait::async_trait;
use nearly_core::{AccountId, Profile};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{T0_MS, TestApp, post_json};

struct Profiles(HashMap<String, Profile>);

#[async_trait]
impl ProfileLookup for Profiles {
    async fn profile(&self, account: &AccountId) -> Result<Option<Profile>, LookupError> {
        Ok(self.0.get(account.as_str()).cloned())
    }
}

fn completion(value: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "choices": [{"message": {"role": "assistant", "content": json!({"value": value}).to_string()}}]
    }))
}

async fn llm_app(server: &MockServer, per_caller: u32) -> TestApp {
    let app = TestApp::new();
    let llm = OpenAiCompatible::new(
        format!("{}/v1", server.uri()),
        "test-model",
        "sk-test",
        reqwest::Client::new(),
    );
    let budget = InMemoryBudget::new(app.clock.clone(), per_caller, 5000);
    let bob = Profile::from_stored(
        json!({"name": "Bob", "description": "Audits contracts", "tags": ["security"]}),
    );
    let profiles = Profiles(HashMap::from([("bob.near".to_owned(), bob.unwrap())]));
    app.tune(|s| {
        s.with_llm(Arc::new(llm))
            .with_budget(Arc::new(budget))
            .with_profiles(Arc::new(profiles))
    })
}

#[tokio::test]
async fn without_a_model_generate_is_503_not_configured() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let auth = format!("Bearer {key}");
    for route in [
        "/api/v1/agents/me/profile/generate",
        "/api/v1/agents/bob.near/follow/generate",
        "/api/v1/agents/bob.near/endorse/generate",
    ] {
        app.send(post_json(route, Some(&auth), &json!({})))
            .await
            .assert_error(503, "NOT_CONFIGURED");
    }
    app.send(post_json(
        "/api/v1/agents/me/profile/generate",
        None,
        &json!({}),
    ))
    .await
    .assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn profile_generation_then_budget_exhaustion_until_utc_midnight() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(completion(json!(
            "Audits Rust smart contracts for the NEAR ecosystem."
        )))
        .expect(2)
        .mount(&server)
        .await;
    let app = llm_app(&server, 2).await;
    let (key, _) = app.wallet().await;
    let auth = format!("Bearer {key}");
    for _ in 0..2 {
        let r = app
            .send(post_json(
                "/api/v1/agents/me/profile/generate",
                Some(&auth),
                &json!({"field": "description"}),
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["data"]["field"], "description");
        assert_eq!(
            r.body["data"]["value"],
            "Audits Rust smart contracts for the NEAR ecosystem."
        );
        assert_eq!(r.headers["x-ratelimit-limit"], "30");
    }
    let r = app
        .send(post_json(
            "/api/v1/agents/me/profile/generate",
            Some(&auth),
            &json!({}),
        ))
        .await;
    let body = r.assert_error(429, "BUDGET_EXHAUSTED");
    let to_midnight = 86_400 - (T0_MS / 1000) % 86_400;
    assert_eq!(body["retry_after"], to_midnight);
    assert_eq!(r.headers["retry-after"], to_midnight.to_string().as_str());

    // The request used JSON-object mode.
    let sent: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["response_format"], json!({"type": "json_object"}));
    assert_eq!(sent["model"], "test-model");
}

#[tokio::test]
async fn follow_and_endorse_reasons_need_an_existing_other_target() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(completion(json!("Bob's audits are thorough.")))
        .mount(&server)
        .await;
    let app = llm_app(&server, 50).await;
    let (key, account) = app.wallet().await;
    let auth = format!("Bearer {key}");
    let r = app
        .send(post_json(
            "/api/v1/agents/bob.near/follow/generate",
            Some(&auth),
            &json!({}),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["value"], "Bob's audits are thorough.");
    let r = app
        .send(post_json(
            "/api/v1/agents/bob.near/endorse/generate",
            Some(&auth),
            &json!({"key_suffix": "tags/security"}),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.send(post_json(
        "/api/v1/agents/nobody.near/follow/generate",
        Some(&auth),
        &json!({}),
    ))
    .await
    .assert_error(404, "NOT_FOUND");
    app.send(post_json(
        &format!("/api/v1/agents/{account}/follow/generate"),
        Some(&auth),
        &json!({}),
    ))
    .await
    .assert_error(400, "SELF_FOLLOW");
    app.send(post_json(
        "/api/v1/agents/Not%20An%20Account/follow/generate",
        Some(&auth),
        &json!({}),
    ))
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn upstream_failures_are_retried_once_then_502_and_refunded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("overloaded"))
        .expect(2)
        .mount(&server)
        .await;
    let app = llm_app(&server, 1).await;
    let (key, _) = app.wallet().await;
    let auth = format!("Bearer {key}");
    app.send(post_json(
        "/api/v1/agents/me/profile/generate",
        Some(&auth),
        &json!({}),
    ))
    .await
    .assert_error(502, "STORAGE_ERROR");
    server.verify().await;
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(completion(json!(["Rust", "audits", "bad tag"])))
        .mount(&server)
        .await;
    // The failed attempt did not spend the single daily generation.
    let r = app
        .send(post_json(
            "/api/v1/agents/me/profile/generate",
            Some(&auth),
            &json!({"field": "tags"}),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["value"], json!(["rust", "audits"]));
}
