//! Shared helpers: a sandbox server in a temp dir, wallets, writes, bounded polling.

use std::future::Future;

use nearly_server::{Config, Server};
use serde_json::{Value, json};

/// How many times [`poll`] asks before giving up. Every attempt is a real HTTP round trip, so
/// the background task being waited for gets scheduled in between.
pub(crate) const POLL_ATTEMPTS: usize = 2_000;

/// A sandbox server and the temp dir it lives in (kept alive as long as the server).
pub(crate) struct Sandbox {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) server: Server,
    pub(crate) http: reqwest::Client,
}

impl Sandbox {
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
        Self {
            dir,
            server,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub(crate) async fn get_json(&self, path: &str) -> (u16, Value) {
        get_json(&self.http, &self.url(path)).await
    }
}

pub(crate) async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A sandbox wallet from `POST /outlayer/register`.
pub(crate) struct Wallet {
    pub(crate) api_key: String,
    pub(crate) account_id: String,
}

pub(crate) async fn register(http: &reqwest::Client, base_url: &str) -> Wallet {
    let response = http
        .post(format!("{base_url}/outlayer/register"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    Wallet {
        api_key: body["api_key"].as_str().unwrap().to_owned(),
        account_id: body["near_account_id"].as_str().unwrap().to_owned(),
    }
}

/// A direct custody `__fastdata_kv` call, as an agent writing to FastData without Nearly.
pub(crate) async fn fastdata_write(
    http: &reqwest::Client,
    base_url: &str,
    wallet: &Wallet,
    args: Value,
) -> Value {
    let response = http
        .post(format!("{base_url}/outlayer/wallet/v1/call"))
        .bearer_auth(&wallet.api_key)
        .json(&json!({
            "receiver_id": "contextual.near",
            "method_name": "__fastdata_kv",
            "args": args,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "success", "{body}");
    body
}

/// `GET /api/v1/health`'s `data.agent_count`.
pub(crate) async fn agent_count(http: &reqwest::Client, base_url: &str) -> u64 {
    let (status, body) = get_json(http, &format!("{base_url}/api/v1/health")).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["agent_count"].as_u64().unwrap()
}

/// Asks `check` until it returns `Some`, at most [`POLL_ATTEMPTS`] times (no sleeping: each
/// attempt yields to the runtime).
pub(crate) async fn poll<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..POLL_ATTEMPTS {
        if let Some(found) = check().await {
            return found;
        }
        tokio::task::yield_now().await;
    }
    panic!("gave up waiting for {what} after {POLL_ATTEMPTS} attempts");
}

/// The window a rate-limited answer was counted in: its `X-RateLimit-Reset` (Unix seconds).
pub(crate) fn reset_of(response: &reqwest::Response) -> u64 {
    response.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Fixed-window limiting, checked per window: the answers (status, window) grouped by window,
/// each window of `n` requests has exactly `min(n, limit)` passed (200) and the rest refused
/// (429). Windows are aligned to the clock, so a burst that happens to cross a boundary is
/// counted in two windows; checking per window keeps a real-clock test exact whenever it runs.
/// Returns how many passed in all and how many windows were seen.
pub(crate) fn assert_per_window(answers: &[(u16, u64)], limit: usize) -> (usize, usize) {
    let mut windows: std::collections::BTreeMap<u64, (usize, usize)> = Default::default();
    for &(status, window) in answers {
        let w = windows.entry(window).or_default();
        match status {
            200 => w.0 += 1,
            429 => w.1 += 1,
            other => panic!("a rate-limited request answered {other}"),
        }
    }
    for (window, &(passed, refused)) in &windows {
        assert_eq!(
            passed,
            (passed + refused).min(limit),
            "window ending {window}: {passed} passed, {refused} refused, limit {limit}"
        );
    }
    (windows.values().map(|w| w.0).sum(), windows.len())
}
