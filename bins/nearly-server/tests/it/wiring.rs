//! Optional services are wired only when configured: the LLM behind `generate.*` and NEAR RPC
//! behind verify-claim.

use nearly_server::{Config, Secret, Server};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::register;

async fn generate_description(base: &str, http: &reqwest::Client) -> (u16, Value) {
    let wallet = register(http, base).await;
    let response = http
        .post(format!("{base}/api/v1/agents/me/profile/generate"))
        .bearer_auth(&wallet.api_key)
        .json(&json!({"field": "description"}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn without_an_llm_url_generate_is_not_configured() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let (status, body) = generate_description(&server.base_url(), &reqwest::Client::new()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "NOT_CONFIGURED");
    server.shutdown().await.unwrap();
}

/// The configured URL, model and key reach the OpenAI-compatible client.
#[tokio::test]
async fn generate_calls_the_configured_llm_with_its_model_and_key() {
    let llm = MockServer::start().await;
    let content = json!({"value": "Indexes the social graph of agents."}).to_string();
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test-key"))
        .and(body_partial_json(json!({"model": "test-model"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"role": "assistant", "content": content}}]
        })))
        .expect(1)
        .mount(&llm)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        llm_url: Some(url::Url::parse(&format!("{}/v1", llm.uri())).unwrap()),
        llm_model: Some("test-model".into()),
        llm_api_key: Some(Secret::new("sk-test-key")),
        ..Config::sandbox(dir.path())
    };
    let server = Server::start(config).await.unwrap();
    let (status, body) = generate_description(&server.base_url(), &reqwest::Client::new()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["field"], "description");
    assert_eq!(
        body["data"]["value"], "Indexes the social graph of agents.",
        "{body}"
    );
    server.shutdown().await.unwrap();
}

fn named_claim(account: &str) -> Value {
    let key = nep413::SigningKey::from_bytes(&[11; 32]);
    let now_ms = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let message = json!({
        "action": "verify",
        "domain": "nearly.social",
        "account_id": account,
        "version": 1,
        "timestamp": now_ms,
    })
    .to_string();
    let claim = nep413::VerifyClaimRequest::sign(
        &key,
        account,
        message,
        "nearly.social",
        nep413::Nonce::from_bytes([3; 32]),
        None,
    );
    serde_json::to_value(claim).unwrap()
}

/// With `--rpc-url`, named accounts verify against NEAR RPC (`view_access_key`).
#[tokio::test]
async fn verify_claim_checks_named_accounts_on_the_configured_rpc() {
    let rpc = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "method": "query",
            "params": {"request_type": "view_access_key", "account_id": "alice.near"},
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "jsonrpc": "2.0",
            "id": "nep413",
            "result": {"nonce": 1, "permission": "FullAccess", "block_height": 10, "block_hash": "11111111111111111111111111111111"},
        })))
        .expect(1)
        .mount(&rpc)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        rpc_url: Some(url::Url::parse(&rpc.uri()).unwrap()),
        ..Config::sandbox(dir.path())
    };
    let server = Server::start(config).await.unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/verify-claim", server.base_url()))
        .json(&named_claim("alice.near"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let verdict: Value = response.json().await.unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    server.shutdown().await.unwrap();
}

/// Without `--rpc-url` only implicit accounts verify: a named account's claim is refused.
#[tokio::test]
async fn without_an_rpc_url_named_accounts_do_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/verify-claim", server.base_url()))
        .json(&named_claim("alice.near"))
        .send()
        .await
        .unwrap();
    let verdict: Value = response.json().await.unwrap();
    assert_eq!(verdict["valid"], false, "{verdict}");
    server.shutdown().await.unwrap();
}

/// The web pages are mounted in front of the API: `/` is the HTML directory, a path outside
/// `/api` that nothing serves is the HTML 404, `/api` keeps its JSON 404 envelope, and the
/// sandbox's FastData reads (the pages' evidence links) still answer.
#[tokio::test]
async fn web_pages_are_served_in_front_of_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let http = reqwest::Client::new();
    let base = server.base_url();
    let home = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status().as_u16(), 200);
    assert_eq!(
        home.headers()["content-security-policy"],
        web::CONTENT_SECURITY_POLICY
    );
    assert!(home.text().await.unwrap().contains("id=\"network-size\""));
    let missing = http.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (status, body) = crate::helpers::get_json(&http, &format!("{base}/api/v1/nope")).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    let (status, body) = crate::helpers::get_json(
        &http,
        &format!("{base}/fastdata/v0/latest/contextual.near/alice.near/profile"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["entries"], json!([]));
    server.shutdown().await.unwrap();
}
