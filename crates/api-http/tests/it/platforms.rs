//! `GET /platforms` and `POST /agents/me/platforms` against wiremock platforms and the sandbox
//! custody.

use std::sync::Arc;

use api_http::{FilePlatformStore, MarketClient, NearFmClient};
use axum::body::Body;
use axum::http::Method;
use nearly_core::AccountId;
use nep413::{
    ImplicitOnly, InMemoryNonceStore, ManualClock, Verifier, VerifyClaimPolicy, VerifyClaimRequest,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{T0_MS, TestApp, post_json, request};

const ROUTE: &str = "/api/v1/agents/me/platforms";

async fn with_platforms(app: TestApp, market: &MockServer, nearfm: &MockServer) -> TestApp {
    let http = reqwest::Client::new();
    let market = MarketClient::new(format!("{}/v1", market.uri()), http.clone());
    let nearfm = NearFmClient::new(nearfm.uri(), http);
    app.tune(|s| {
        s.with_platform_client(Arc::new(market))
            .with_platform_client(Arc::new(nearfm))
    })
}

#[tokio::test]
async fn the_catalog() {
    let app = TestApp::new();
    let r = app
        .send(
            request(Method::GET, "/api/v1/platforms")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["data"]["platforms"],
        json!([
            {"id": "market.near.ai", "displayName": "Agent Market", "description": "Post jobs, bid on work, and list services on the agent market.", "requiresWalletKey": false},
            {"id": "near.fm", "displayName": "near.fm", "description": "Generate AI music, publish songs, earn tips and bounties.", "requiresWalletKey": true}
        ])
    );
}

#[tokio::test]
async fn both_platforms_succeed_and_are_persisted() {
    let market = MockServer::start().await;
    let nearfm = MockServer::start().await;
    let app = with_platforms(TestApp::new(), &market, &nearfm).await;
    let (key, account) = app.wallet().await;
    Mock::given(method("POST"))
        .and(path("/v1/agents/register"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"api_key": "sk_live_1", "agent_id": "agent-uuid", "account_id": account, "extra": true}),
        ))
        .expect(1)
        .mount(&market)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth/agent"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"token": "fm-token", "user": {"id": "u-1", "slug": "my-agent"}}),
            ),
        )
        .expect(1)
        .mount(&nearfm)
        .await;

    let r = app
        .send(post_json(ROUTE, Some(&format!("Bearer {key}")), &json!({})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body.get("warnings").is_none(), "{}", r.text);
    let data = &r.body["data"];
    assert_eq!(
        data["platforms"]["market.near.ai"],
        json!({"success": true, "credentials": {"api_key": "sk_live_1", "agent_id": "agent-uuid", "account_id": account}})
    );
    assert_eq!(
        data["platforms"]["near.fm"],
        json!({"success": true, "credentials": {"token": "fm-token", "user_id": "u-1", "slug": "my-agent"}})
    );
    assert_eq!(data["registered"], json!(["market.near.ai", "near.fm"]));
    let stored = app
        .state
        .platform_store
        .platforms(&AccountId::parse(&account).unwrap())
        .await
        .unwrap();
    assert_eq!(stored, ["market.near.ai", "near.fm"]);

    // The market got a claim it can verify for its own recipient.
    let sent: Value = market.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["account_id"], account.as_str());
    assert!(sent.get("tags").is_none(), "empty tags are omitted");
    let claim = &sent["verifiable_claim"];
    let request = VerifyClaimRequest {
        account_id: claim["account_id"].as_str().unwrap().into(),
        public_key: claim["public_key"].as_str().unwrap().into(),
        signature: claim["signature"].as_str().unwrap().into(),
        nonce: claim["nonce"].as_str().unwrap().into(),
        message: claim["message"].as_str().unwrap().into(),
        recipient: "market.near.ai".into(),
        callback_url: None,
        expected_domain: Some("nearly.social".into()),
    };
    let verifier = Verifier::new(
        Arc::new(ManualClock::new(T0_MS)),
        Arc::new(InMemoryNonceStore::default()),
        Arc::new(ImplicitOnly),
    );
    let verdict = VerifyClaimPolicy::new(verifier).verify(&request).await;
    assert!(verdict.is_valid(), "{verdict:?}");

    // near.fm got the nonce as 32 byte values.
    let sent: Value = nearfm.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["recipient"], "near.fm");
    assert_eq!(sent["nonce"].as_array().unwrap().len(), 32);
    assert!(sent["message"].as_str().unwrap().contains("\"sign_in\""));
}

#[tokio::test]
async fn platform_failures_are_warnings_and_keep_earlier_registrations() {
    let market = MockServer::start().await;
    let nearfm = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FilePlatformStore::open(dir.path()).unwrap());
    let app = with_platforms(TestApp::new(), &market, &nearfm)
        .await
        .tune(|s| s.with_platform_store(store));
    let (key, account) = app.wallet().await;
    app.state
        .platform_store
        .add(
            &AccountId::parse(&account).unwrap(),
            &["near.fm".to_owned()],
        )
        .await
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/v1/agents/register"))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"error": "Agent already exists"})),
        )
        .mount(&market)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/auth/agent"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&nearfm)
        .await;
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {key}")),
            &json!({"platforms": ["market.near.ai", "near.fm", "myspace.com"]}),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["data"]["platforms"]["market.near.ai"],
        json!({"success": false, "error": "Agent already exists"})
    );
    assert_eq!(
        r.body["data"]["platforms"]["near.fm"],
        json!({"success": false, "error": "near.fm auth failed: boom"})
    );
    assert_eq!(r.body["data"]["registered"], json!(["near.fm"]));
    assert_eq!(
        r.body["warnings"],
        json!([
            "market.near.ai: Agent already exists",
            "near.fm: near.fm auth failed: boom",
            "myspace.com: unknown platform"
        ])
    );
}

#[tokio::test]
async fn a_2xx_without_json_and_a_timeout_are_failures() {
    let market = MockServer::start().await;
    let nearfm = MockServer::start().await;
    let http = reqwest::Client::new();
    let app = TestApp::new().tune(|s| {
        s.with_platform_client(Arc::new(MarketClient::new(
            format!("{}/v1", market.uri()),
            http.clone(),
        )))
        .with_platform_client(Arc::new(
            NearFmClient::new(nearfm.uri(), http)
                .with_timeout(std::time::Duration::from_millis(200)),
        ))
    });
    let (key, _) = app.wallet().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .mount(&market)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(2)))
        .mount(&nearfm)
        .await;
    let r = app
        .send(post_json(ROUTE, Some(&format!("Bearer {key}")), &json!({})))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["data"]["platforms"]["market.near.ai"]["error"],
        "Invalid response from platform"
    );
    assert_eq!(
        r.body["data"]["platforms"]["near.fm"]["error"],
        "near.fm did not answer in time"
    );
    assert_eq!(r.body["data"]["registered"], json!([]));
}

#[tokio::test]
async fn unconfigured_platforms_are_failures_never_fake_successes() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let r = app
        .send(post_json(ROUTE, Some(&format!("Bearer {key}")), &json!({})))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["data"]["platforms"],
        json!({
            "market.near.ai": {"success": false, "error": "not configured on this server"},
            "near.fm": {"success": false, "error": "not configured on this server"}
        })
    );
    assert_eq!(r.body["data"]["registered"], json!([]));
    assert_eq!(
        r.body["warnings"],
        json!([
            "market.near.ai: not configured on this server",
            "near.fm: not configured on this server"
        ])
    );
}

#[tokio::test]
async fn near_fm_needs_a_wallet_key() {
    let market = MockServer::start().await;
    let nearfm = MockServer::start().await;
    let app = with_platforms(TestApp::new(), &market, &nearfm).await;
    let (key, account) = crate::helpers::implicit_key(11);
    let token = outlayer_client::mint_account_token(&key, &account, "admin", T0_MS / 1000);
    let r = app
        .send(post_json(
            ROUTE,
            Some(&format!("Bearer {token}")),
            &json!({"platforms": ["near.fm"]}),
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["data"]["platforms"]["near.fm"]["error"],
        api_http::platforms::NEAR_FM_WALLET_KEY_REQUIRED
    );
    assert_eq!(nearfm.received_requests().await.unwrap().len(), 0);
}
