//! Sandbox mode: zero setup, the API, FastData and custody on one port, durable across restarts.

use std::time::{SystemTime, UNIX_EPOCH};

use nearly_server::{Config, Server, ServerError};
use nep413::{Nonce, SigningKey, VerifyClaimRequest};
use serde_json::{Value, json};

use crate::helpers::{Sandbox, Wallet, agent_count, fastdata_write, get_json, poll, register};

#[tokio::test]
async fn health_answers_in_the_envelope() {
    let sb = Sandbox::start().await;
    let response = sb
        .http
        .get(sb.url("/api/v1/health"))
        .header("x-request-id", "health-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["x-request-id"], "health-1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(body["data"]["status"], "ok");
    assert_eq!(body["data"]["index"]["state"], "ready");
    assert_eq!(body["data"]["agent_count"], 0);
    sb.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn base_url_is_the_bound_address() {
    let sb = Sandbox::start().await;
    let addr = sb.server.local_addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(sb.server.base_url(), format!("http://{addr}"));
    sb.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn skill_md_and_unknown_paths() {
    let sb = Sandbox::start().await;
    for path in ["/skill.md", "/api/v1/skill.md"] {
        let response = sb.http.get(sb.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/markdown")
        );
        assert!(!response.text().await.unwrap().is_empty());
    }
    // Unknown API paths keep the JSON envelope; outside /api the web pages answer in HTML.
    let (status, body) = sb.get_json("/api/v1/no/such/route").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    let response = sb.http.get(sb.url("/no/such/route")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    sb.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn register_gives_a_wallet_key_and_an_implicit_account() {
    let sb = Sandbox::start().await;
    let response = sb
        .http
        .post(sb.url("/outlayer/register"))
        .header("x-request-id", "register-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["x-request-id"], "register-1");
    let body: Value = response.json().await.unwrap();
    let key = body["api_key"].as_str().unwrap();
    assert!(key.starts_with("wk_") && key.len() == 67, "{key}");
    let account = body["near_account_id"].as_str().unwrap();
    assert_eq!(account.len(), 64);
    assert!(
        account
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    // The key works against custody.
    let response = sb
        .http
        .get(sb.url("/outlayer/wallet/v1/balance?chain=near"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let balance: Value = response.json().await.unwrap();
    assert_eq!(balance["account_id"], account);
    sb.server.shutdown().await.unwrap();
}

/// An agent writing FastData directly through custody: the write is readable on the FastData
/// wire API at once, and reaches the index through the ledger follower (push).
#[tokio::test]
async fn a_custody_write_shows_on_fastdata_and_in_the_index() {
    let sb = Sandbox::start().await;
    let base = sb.server.base_url();
    let wallet = register(&sb.http, &base).await;
    assert_eq!(agent_count(&sb.http, &base).await, 0);
    fastdata_write(
        &sb.http,
        &base,
        &wallet,
        json!({"profile": {"name": "Alice", "description": "Writes Rust"}, "tag/rust": true}),
    )
    .await;

    let (status, body) = sb
        .get_json(&format!(
            "/fastdata/v0/latest/contextual.near/{}/profile",
            wallet.account_id
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["entries"][0]["value"]["name"], "Alice", "{body}");
    assert_eq!(
        body["entries"][0]["predecessor_id"],
        wallet.account_id.as_str()
    );

    let (status, body) = sb
        .http
        .post(sb.url(&format!(
            "/fastdata/v0/latest/contextual.near/{}",
            wallet.account_id
        )))
        .json(&json!({"key_prefix": "tag/"}))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 200);
    let tags: Value = body.json().await.unwrap();
    assert_eq!(tags["entries"][0]["key"], "tag/rust");

    let http = sb.http.clone();
    poll("the follower to index the profile", || {
        let (http, base) = (http.clone(), base.clone());
        async move { (agent_count(&http, &base).await == 1).then_some(()) }
    })
    .await;
    sb.server.shutdown().await.unwrap();
}

/// Shut down, start again on the same data dir: wallets, keys and data are still there, and
/// the index is rebuilt before the first request is served.
#[tokio::test]
async fn restart_keeps_wallets_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    let first = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let base = first.base_url();
    let wallet = register(&http, &base).await;
    fastdata_write(
        &http,
        &base,
        &wallet,
        json!({"profile": {"name": "Persisted"}}),
    )
    .await;
    first.shutdown().await.unwrap();

    let second = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let base = second.base_url();
    // Rebuilt from the ledger before serving: no waiting needed.
    assert_eq!(agent_count(&http, &base).await, 1);
    let (status, body) = get_json(
        &http,
        &format!(
            "{base}/fastdata/v0/latest/contextual.near/{}/profile",
            wallet.account_id
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["entries"][0]["value"]["name"], "Persisted");
    // The old key still authenticates and still writes.
    let again = Wallet {
        api_key: wallet.api_key.clone(),
        account_id: wallet.account_id.clone(),
    };
    fastdata_write(&http, &base, &again, json!({"tag/after-restart": true})).await;
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_data_dir_in_use_is_a_clear_error() {
    let sb = Sandbox::start().await;
    let e = Server::start(Config::sandbox(sb.dir.path())).await.err();
    assert!(
        matches!(
            e,
            Some(ServerError::Ledger { .. } | ServerError::Custody { .. })
        ),
        "{e:?}"
    );
    // The running server is unaffected.
    let (status, _) = sb.get_json("/api/v1/health").await;
    assert_eq!(status, 200);
    sb.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_busy_port_is_a_bind_error() {
    let sb = Sandbox::start().await;
    let other = tempfile::tempdir().unwrap();
    let config = Config {
        listen: sb.server.local_addr(),
        ..Config::sandbox(other.path())
    };
    let e = Server::start(config).await.err();
    assert!(matches!(e, Some(ServerError::Bind { .. })), "{e:?}");
    sb.server.shutdown().await.unwrap();
}

fn claim(key: &SigningKey, nonce_byte: u8) -> VerifyClaimRequest {
    let account = hex::encode(key.verifying_key().as_bytes());
    let now_ms = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
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
    VerifyClaimRequest::sign(
        key,
        account,
        message,
        "nearly.social",
        Nonce::from_bytes([nonce_byte; 32]),
        None,
    )
}

/// verify-claim for an implicit account (offline), then its replay.
#[tokio::test]
async fn verify_claim_accepts_then_refuses_a_replay() {
    let sb = Sandbox::start().await;
    let key = SigningKey::from_bytes(&[7; 32]);
    let body = serde_json::to_value(claim(&key, 1)).unwrap();
    let post = |body: Value| {
        let (http, url) = (sb.http.clone(), sb.url("/api/v1/verify-claim"));
        async move {
            let response = http.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, verdict) = post(body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(verdict["valid"], true, "{verdict}");
    let (status, verdict) = post(body).await;
    assert_eq!(status, 200);
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["reason"], "replay", "{verdict}");
    sb.server.shutdown().await.unwrap();
}

/// Shutdown stops accepting but lets a request already being handled finish.
///
/// The request's body is held back behind `Expect: 100-continue`: the server's `100 Continue`
/// proves the handler is running; then the listener is closed by the shutdown (new connections
/// are refused) before the body is sent, and the response still arrives whole.
#[tokio::test]
async fn shutdown_finishes_in_flight_requests() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let sb = Sandbox::start().await;
    let addr = sb.server.local_addr();
    let key = SigningKey::from_bytes(&[9; 32]);
    let body = serde_json::to_string(&claim(&key, 2)).unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/verify-claim HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );

    let shutdown = tokio::spawn(sb.server.shutdown());
    poll("the listener to close", || async move {
        tokio::net::TcpStream::connect(addr)
            .await
            .is_err()
            .then_some(())
    })
    .await;

    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"valid\":true"), "{response}");
    shutdown.await.unwrap().unwrap();
}
