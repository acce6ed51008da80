//! Shared test setup: a sandbox custody, a manual clock and request helpers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api_http::{AppState, router};
use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use nep413::{ManualClock, PublicKey, SigningKey};
use outlayer_client::wire::{
    BalanceResponse, CallRequest, RegisterResponse, SignMessageRequest, SignMessageResponse,
    VrfProof,
};
use outlayer_client::{CallOutcome, Custody, CustodyAuth, CustodyError, VrfSeedRequest};
use sandbox_custody::{Config, LocalCustody};
use serde_json::Value;
use tower::ServiceExt as _;

/// The tests' "now": 2025-06-15T12:00:00Z in ms.
pub(crate) const T0_MS: u64 = 1_749_988_800_000;

/// A custody that counts `resolve_account` calls and delegates to the sandbox.
pub(crate) struct CountingCustody {
    pub inner: LocalCustody,
    pub resolves: AtomicUsize,
}

#[async_trait]
impl Custody for CountingCustody {
    async fn register(&self) -> Result<RegisterResponse, CustodyError> {
        self.inner.register().await
    }
    async fn resolve_account(&self, auth: &CustodyAuth) -> Result<String, CustodyError> {
        self.resolves.fetch_add(1, Ordering::SeqCst);
        self.inner.resolve_account(auth).await
    }
    async fn call(
        &self,
        auth: &CustodyAuth,
        request: &CallRequest,
        key: Option<&str>,
    ) -> Result<CallOutcome, CustodyError> {
        self.inner.call(auth, request, key).await
    }
    async fn sign_message(
        &self,
        auth: &CustodyAuth,
        request: &SignMessageRequest,
    ) -> Result<SignMessageResponse, CustodyError> {
        self.inner.sign_message(auth, request).await
    }
    async fn balance(&self, auth: &CustodyAuth) -> Result<BalanceResponse, CustodyError> {
        self.inner.balance(auth).await
    }
    async fn vrf_seed(
        &self,
        auth: &CustodyAuth,
        request: &VrfSeedRequest,
    ) -> Result<VrfProof, CustodyError> {
        self.inner.vrf_seed(auth, request).await
    }
}

/// A test application.
pub(crate) struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub custody: Arc<CountingCustody>,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// A default app (in-memory everything, sandbox custody, clock at [`T0_MS`]).
    pub(crate) fn new() -> Self {
        Self::with_index_config(indexer::IndexerConfig::new("contextual.near"))
    }

    /// A default app whose index has `config` (an admin account, say).
    pub(crate) fn with_index_config(config: indexer::IndexerConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ledger = nearly_sandbox::Ledger::open(
            dir.path().join("ledger.redb"),
            nearly_sandbox::SystemClock,
        )
        .unwrap();
        let local = LocalCustody::open(
            dir.path(),
            ledger.clone(),
            nearly_sandbox::SystemClock,
            Config::default(),
        )
        .unwrap();
        let custody = Arc::new(CountingCustody {
            inner: local,
            resolves: AtomicUsize::new(0),
        });
        let clock = Arc::new(ManualClock::new(T0_MS));
        // The index follows the ledger as the sandbox server's does; writes wait for it.
        let index = Arc::new(indexer::Indexer::new(config));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The ledger starts empty: the index is caught up at once (as after the server's rebuild).
        index.mark_caught_up(0);
        tokio::spawn(indexer::follow_ledger(
            index.clone(),
            Arc::new(ledger.clone()),
            async move {
                let _ = stopped.await;
            },
        ));
        let head = ledger.clone();
        let state = AppState::with_clock_defaults(custody.clone(), clock.clone())
            .with_index(index)
            .with_source_head(Arc::new(move || head.head().block_height));
        Self {
            state,
            clock,
            custody,
            _stop: stop,
            _dir: dir,
        }
    }

    /// Changes the state.
    pub(crate) fn tune(mut self, f: impl FnOnce(AppState) -> AppState) -> Self {
        self.state = f(self.state);
        self
    }

    /// The router over the current state.
    pub(crate) fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// A fresh sandbox wallet: (`wk_` key, account id).
    pub(crate) async fn wallet(&self) -> (String, String) {
        let w = self.custody.inner.create_wallet().await.unwrap();
        (w.api_key, w.near_account_id)
    }

    /// Sends a request and returns status, headers and the JSON body (`Null` if not JSON).
    pub(crate) async fn send(&self, req: Request<Body>) -> Reply {
        send(self.router(), req).await
    }
}

/// A response, decoded.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts the error envelope with `code` and returns the body.
    #[track_caller]
    pub(crate) fn assert_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.body["success"], false, "{}", self.text);
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert!(self.body["error"].as_str().is_some_and(|e| !e.is_empty()));
        &self.body
    }
}

/// Sends `req` and checks the answer against the OpenAPI document ([`crate::contract::check`]):
/// every answer any test receives must be documented and match its schema and wire type.
pub(crate) async fn send(router: Router, req: Request<Body>) -> Reply {
    let method = req.method().clone();
    let uri = req.uri().to_string();
    let response = router.oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let verdict = crate::contract::check(&method, &uri, status.as_u16(), &body, &text);
    assert!(
        verdict.is_ok(),
        "the answer disagrees with the OpenAPI document: {}",
        verdict.unwrap_err()
    );
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// A request builder with a peer address (as `run` provides).
pub(crate) fn request(method: Method, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 4242))))
}

/// A JSON POST.
pub(crate) fn post_json(uri: &str, auth: Option<&str>, body: &Value) -> Request<Body> {
    let mut b = request(Method::POST, uri).header("content-type", "application/json");
    if let Some(a) = auth {
        b = b.header("authorization", a);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

/// An ed25519 key and its implicit account.
pub(crate) fn implicit_key(seed: u8) -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let account = PublicKey::from(key.verifying_key()).implicit_account_id();
    (key, account)
}

/// A request with an optional `Bearer` credential and an optional JSON body.
pub(crate) fn call(
    method: Method,
    uri: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut b = request(method, uri);
    if let Some(token) = bearer {
        b = b.header("authorization", format!("Bearer {token}"));
    }
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}
