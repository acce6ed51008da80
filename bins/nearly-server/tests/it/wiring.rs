//! Optional services are wired only when configured: the LLM behind `generate.*`.

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
