//! The sandbox server over real HTTP on port 0: the README walkthrough, a full agent lifecycle
//! with read-your-writes after every mutation, and persistence across a restart.

// Helpers outside `#[test]` bodies may unwrap: a panic in a test binary is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use nearly_server::{Config, Server};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn start(dir: &Path) -> Server {
    Server::start(Config::sandbox(dir)).await.unwrap()
}

/// Sends a request; returns the status and the JSON body (`Null` when not JSON).
async fn call(
    http: &Client,
    method: Method,
    url: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Registers a wallet on the sandbox custody: (`wk_` key, account).
async fn register(http: &Client, base: &str) -> (String, String) {
    let (status, w) = call(
        http,
        Method::POST,
        &format!("{base}/outlayer/register"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{w}");
    (
        w["api_key"].as_str().unwrap().to_owned(),
        w["near_account_id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn readme_walkthrough_runs_against_the_sandbox_server() {
    for tool in ["bash", "curl", "jq"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "the README walkthrough needs `{tool}` on the PATH (apt-get install curl jq)"
        );
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let block = readme
        .split("<!-- walkthrough:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- walkthrough:end -->").next())
        .expect("README has the walkthrough markers");
    let script = block
        .trim()
        .trim_start_matches("```bash")
        .trim_end_matches("```");
    assert!(
        script.contains("verify-claim"),
        "walkthrough lost its last step"
    );

    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("NEARLY", server.base_url())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "walkthrough failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // Every `jq -e` check printed `true`: heartbeat, profile, follow, endorse, endorsers, verify.
    assert_eq!(
        stdout.lines().filter(|l| l.trim() == "true").count(),
        6,
        "{stdout}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn lifecycle_reads_its_writes_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let http = Client::new();
    let server = start(dir.path()).await;
    let base = server.base_url();
    let api = format!("{base}/api/v1");
    let (ak, a) = register(&http, &base).await;
    let (bk, b) = register(&http, &base).await;

    for key in [&ak, &bk] {
        let (s, body) = call(
            &http,
            Method::POST,
            &format!("{api}/agents/me/heartbeat"),
            Some(key),
            None,
        )
        .await;
        assert_eq!(s, 200, "{body}");
    }
    let (s, body) = call(
        &http,
        Method::PATCH,
        &format!("{api}/agents/me/profile"),
        Some(&ak),
        Some(json!({"name": "Alice", "tags": ["rust"]})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, body) = call(&http, Method::GET, &format!("{api}/agents/{a}"), None, None).await;
    assert_eq!(body["data"]["agent"]["name"], "Alice");

    let (_, body) = call(
        &http,
        Method::POST,
        &format!("{api}/agents/{b}/follow"),
        Some(&ak),
        None,
    )
    .await;
    assert_eq!(body["data"]["results"][0]["action"], "followed", "{body}");
    let (_, body) = call(
        &http,
        Method::GET,
        &format!("{api}/agents/{b}/followers"),
        None,
        None,
    )
    .await;
    assert_eq!(body["data"]["followers"][0]["account_id"], a.as_str());
    let height = body["data"]["followers"][0]["at_height"].as_u64().unwrap();
    assert!(height > 0);

    // A direct FastData write (no Nearly API) through custody is indexed too.
    let (s, body) = call(
        &http,
        Method::POST,
        &format!("{base}/outlayer/wallet/v1/call"),
        Some(&bk),
        Some(json!({
            "receiver_id": "contextual.near",
            "method_name": "__fastdata_kv",
            "args": {format!("endorsing/{a}/task_completion/job_1"): {}},
        })),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let mut endorsed = false;
    for _ in 0..500 {
        let (_, body) = call(
            &http,
            Method::GET,
            &format!("{api}/agents/{a}/endorsers"),
            None,
            None,
        )
        .await;
        if body["data"]["endorsers"]["task_completion/job_1"][0]["account_id"] == b.as_str() {
            endorsed = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(endorsed, "the direct write never reached the index");

    // The FastData API serves the same entry to consumers that bypass Nearly.
    let (s, body) = call(
        &http,
        Method::POST,
        &format!("{base}/fastdata/v0/latest/contextual.near"),
        None,
        Some(json!({"key_prefix": format!("endorsing/{a}/")})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["entries"][0]["predecessor_id"], b.as_str(), "{body}");

    server.shutdown().await.unwrap();

    // Restart on the same data dir: keys, profiles and edges are still there, heights too.
    let server = start(dir.path()).await;
    let api = format!("{}/api/v1", server.base_url());
    let (s, me) = call(
        &http,
        Method::GET,
        &format!("{api}/agents/me"),
        Some(&ak),
        None,
    )
    .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["data"]["agent"]["name"], "Alice");
    assert_eq!(me["data"]["agent"]["following_count"], 1);
    let (_, body) = call(
        &http,
        Method::GET,
        &format!("{api}/agents/{b}/followers"),
        None,
        None,
    )
    .await;
    assert_eq!(body["data"]["followers"][0]["at_height"], height);
    let (_, body) = call(
        &http,
        Method::GET,
        &format!("{api}/agents/{a}/endorsers"),
        None,
        None,
    )
    .await;
    assert!(
        body["data"]["endorsers"]["task_completion/job_1"].is_array(),
        "{body}"
    );
    let (_, health) = call(&http, Method::GET, &format!("{api}/health"), None, None).await;
    assert_eq!(health["data"]["agent_count"], 2, "{health}");

    // Unfollow, delist; both read back at once.
    let (_, body) = call(
        &http,
        Method::DELETE,
        &format!("{api}/agents/{b}/follow"),
        Some(&ak),
        None,
    )
    .await;
    assert_eq!(body["data"]["results"][0]["action"], "unfollowed", "{body}");
    let (s, _) = call(
        &http,
        Method::DELETE,
        &format!("{api}/agents/me"),
        Some(&ak),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = call(&http, Method::GET, &format!("{api}/agents/{a}"), None, None).await;
    assert_eq!(s, 404, "{body}");
    assert_eq!(body["code"], "NOT_FOUND");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn openapi_and_skill_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let http = Client::new();
    let (s, doc) = call(
        &http,
        Method::GET,
        &format!("{}/api/v1/openapi.json", server.base_url()),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/agents/{account_id}/endorse"]["delete"].is_object());
    let skill = http
        .get(format!("{}/skill.md", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(skill.status(), 200);
    assert!(skill.text().await.unwrap().contains("Nearly"));
    server.shutdown().await.unwrap();
}
