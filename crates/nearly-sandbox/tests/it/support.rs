//! Shared helpers: temp dirs, ledgers with a manual clock, a served router.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nearly_sandbox::fastdata_api;
use nearly_sandbox::ledger::{Ledger, ManualClock};
use serde_json::{Map, Value};
use tower::ServiceExt;

/// 2023-11-14T22:13:20.123456789Z: far above 2^53 ns, with non-zero low digits.
pub(crate) const T0: u64 = 1_700_000_000_123_456_789;

/// A unique directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nearly-sandbox-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub(crate) fn file(&self) -> PathBuf {
        self.0.join("ledger.redb")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh ledger on a manual clock reading [`T0`].
pub(crate) struct TestLedger {
    pub(crate) ledger: Ledger,
    pub(crate) clock: Arc<ManualClock>,
    _dir: TempDir,
}

impl TestLedger {
    pub(crate) fn new() -> Self {
        let dir = TempDir::new("ledger");
        let clock = Arc::new(ManualClock::new(T0));
        let ledger = Ledger::open(dir.file(), clock.clone()).unwrap();
        Self {
            ledger,
            clock,
            _dir: dir,
        }
    }

    /// Commits `args` (a JSON object) and returns the block height.
    pub(crate) fn commit(&self, ns: &str, pred: &str, args: Value) -> u64 {
        self.ledger
            .commit(ns, pred, &obj(args))
            .unwrap()
            .block_height
    }
}

pub(crate) fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// One in-memory request to the router (no socket): status, body text.
pub(crate) async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// [`call`], parsing the body as JSON.
pub(crate) async fn call_json(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let (status, text) = call(router, method, uri, body).await;
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
    (status, json)
}

/// Serves the FastData router under `/fastdata` on 127.0.0.1:0; returns the base URL
/// (`http://127.0.0.1:PORT/fastdata`). The server stops when the test's runtime does.
pub(crate) async fn serve(ledger: Ledger) -> String {
    let app = axum::Router::new().nest_service("/fastdata", fastdata_api::router(ledger));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/fastdata")
}
