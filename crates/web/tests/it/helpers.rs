//! A seeded sandbox (ledger, custody, index, API, FastData emulator) with the web pages in
//! front, in-process (`oneshot`) or served on port 0.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use indexer::{Indexer, IndexerConfig};
use nearly_sandbox::{Ledger, SystemClock};
use outlayer_client::wire::SignMessageRequest;
use outlayer_client::{Custody, CustodyAuth};
use sandbox_custody::LocalCustody;
use scraper::{Html, Selector};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

pub(crate) const NS: &str = "contextual.near";

/// The ledger's clock in tests: every reading is one second after the previous one (from a
/// fixed start), so each commit gets its own block second and the sort orders are exact.
#[derive(Debug, Clone)]
pub(crate) struct StepClock(Arc<AtomicU64>);

impl StepClock {
    fn new() -> Self {
        Self(Arc::new(AtomicU64::new(1_700_000_000_000_000_000)))
    }
}

impl nearly_sandbox::Clock for StepClock {
    fn now_ns(&self) -> u64 {
        self.0.fetch_add(1_000_000_000, Ordering::SeqCst)
    }
}
/// Filler agents tagged `rust` (with alice, bob and hostile: 28 + 3 > one page of 25).
pub(crate) const FILLERS: usize = 28;

/// A hostile display name: a script, an attribute breakout with an event handler.
pub(crate) const HOSTILE_NAME: &str =
    r#"<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2;alert(1)">"#;

/// A 500-character word with no break opportunity.
pub(crate) fn long_word() -> String {
    "W".repeat(500)
}

/// A description with a right-to-left override, HTML and quotes.
pub(crate) fn hostile_description() -> String {
    format!(
        "\u{202E}gnp.exe\u{202C} <b onmouseover=\"window.__pwned=3\">bold</b> 'single' \"double\" {}",
        long_word()
    )
}

fn args(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn commit(ledger: &Ledger, who: &str, pairs: Vec<(&str, Value)>) {
    ledger.commit(NS, who, &args(pairs)).unwrap();
}

/// The seed: alice (image, tags, capability), bob (mutual with alice, endorses her), carol
/// (follows alice), hostile.near (hostile strings everywhere), dave (an image that fails the
/// rules), and fillers tagged `rust`.
pub(crate) fn seed(ledger: &Ledger) {
    for i in 0..FILLERS {
        let name = format!("filler{i:02}.near");
        commit(
            ledger,
            &name,
            vec![
                (
                    "profile",
                    json!({"name": format!("Filler {i}"), "description": "a filler", "tags": ["rust"], "capabilities": {}}),
                ),
                ("tag/rust", json!(true)),
                ("endorsing/carol.near/skills/audit", json!({})),
            ],
        );
    }
    commit(
        ledger,
        "alice.near",
        vec![
            (
                "profile",
                json!({"name": "Alice", "description": "Rust agent.", "image": "https://example.com/alice.png",
                "tags": ["rust", "ai"], "capabilities": {"skills": ["rust"]}}),
            ),
            ("tag/rust", json!(true)),
            ("tag/ai", json!(true)),
            ("cap/skills/rust", json!(true)),
        ],
    );
    commit(
        ledger,
        "bob.near",
        vec![
            (
                "profile",
                json!({"name": "Bob", "description": "Bob's agent", "tags": ["ai"], "capabilities": {}}),
            ),
            ("tag/ai", json!(true)),
            (
                "graph/follow/alice.near",
                json!({"reason": "great rust reviews"}),
            ),
            (
                "endorsing/alice.near/tags/rust",
                json!({"reason": "ships rust daily"}),
            ),
        ],
    );
    commit(
        ledger,
        "alice.near",
        vec![("graph/follow/bob.near", json!({}))],
    );
    commit(
        ledger,
        "carol.near",
        vec![
            (
                "profile",
                json!({"name": "Carol", "description": "", "tags": [], "capabilities": {}}),
            ),
            ("graph/follow/alice.near", json!({})),
        ],
    );
    commit(
        ledger,
        "dave.near",
        vec![(
            "profile",
            json!({"name": "Dave", "description": "", "image": "http://127.0.0.1/dave.png", "tags": [], "capabilities": {}}),
        )],
    );
    commit(
        ledger,
        "hostile.near",
        vec![
            (
                "profile",
                json!({"name": HOSTILE_NAME, "description": hostile_description(),
                "tags": ["rust"], "capabilities": {}}),
            ),
            ("tag/rust", json!(true)),
            ("graph/follow/alice.near", json!({"reason": HOSTILE_NAME})),
            (
                "endorsing/alice.near/tags/rust",
                json!({"reason": format!("</li></ul><script>window.__pwned=4</script>{}", long_word())}),
            ),
        ],
    );
}

/// The seeded app: the web router in front of the API and the sandbox's FastData and custody
/// routers, exactly as `nearly-server` composes them.
pub(crate) struct App {
    pub(crate) router: Router,
    pub(crate) ledger: Ledger,
    pub(crate) custody: LocalCustody,
    pub(crate) index: Arc<Indexer>,
    _dir: tempfile::TempDir,
}

impl App {
    pub(crate) fn seeded() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path().join("ledger.redb"), StepClock::new()).unwrap();
        let custody = LocalCustody::open(
            dir.path(),
            ledger.clone(),
            SystemClock,
            sandbox_custody::Config::default(),
        )
        .unwrap();
        seed(&ledger);
        let index = Arc::new(Indexer::new(IndexerConfig::new(NS)));
        indexer::rebuild_from_ledger(&index, &ledger).unwrap();
        // The API's clock stands still at the wall-clock time the app was made: claims signed
        // during the test are fresh, and the per-IP windows (aligned to the clock) cannot roll
        // over halfway through a test that spends one.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let clock = Arc::new(nep413::ManualClock::new(u64::try_from(now_ms).unwrap()));
        let state = api_http::AppState::with_clock_defaults(Arc::new(custody.clone()), clock)
            .with_index(index.clone());
        let api = api_http::router(state.clone())
            .nest_service(
                "/fastdata",
                nearly_sandbox::fastdata_api::router(ledger.clone()),
            )
            .nest("/outlayer", sandbox_custody::router(custody.clone()));
        let router = web::router(web::WebState::new(state, "/fastdata"), api);
        Self {
            router,
            ledger,
            custody,
            index,
            _dir: dir,
        }
    }

    /// One request in-process.
    pub(crate) async fn request(&self, req: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub(crate) async fn post_form(&self, path: &str, claim: &str) -> Page {
        let body = format!("claim={}", urlencode(claim));
        self.request(
            Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// A fresh sandbox wallet's signed login claim (the README walkthrough's sign-message).
    pub(crate) async fn signed_claim(&self) -> (String, String) {
        signed_claim(&self.custody).await
    }

    /// Serves the app on 127.0.0.1:0 until the returned guard drops.
    pub(crate) async fn serve(&self) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(api_http::run(listener, self.router.clone(), async {
            let _ = stopped.await;
        }));
        Served {
            base,
            stop: Some(stop),
            handle: Some(handle),
        }
    }
}

/// A served app; stops the server when dropped.
pub(crate) struct Served {
    pub(crate) base: String,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl Served {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

/// A wallet registered with `custody` and its signed verify-claim body: (account, JSON).
pub(crate) async fn signed_claim(custody: &LocalCustody) -> (String, String) {
    let wallet = custody.register().await.unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let message = json!({"action": "login", "domain": "nearly.social",
        "account_id": wallet.near_account_id, "version": 1, "timestamp": now_ms})
    .to_string();
    let signed = custody
        .sign_message(
            &CustodyAuth::WalletKey(wallet.api_key.clone()),
            &SignMessageRequest::nep413(message.clone(), "nearly.social", None),
        )
        .await
        .unwrap();
    let claim = json!({"account_id": signed.account_id, "public_key": signed.public_key,
        "signature": signed.signature, "nonce": signed.nonce, "message": message,
        "recipient": "nearly.social", "expected_domain": "nearly.social"});
    (wallet.near_account_id, claim.to_string())
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A response, its body as text.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

pub(crate) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Every matching element's text.
pub(crate) fn texts(doc: &Html, selector: &str) -> Vec<String> {
    doc.select(&sel(selector))
        .map(|e| e.text().collect::<String>())
        .collect()
}

pub(crate) fn text(doc: &Html, selector: &str) -> String {
    let all = texts(doc, selector);
    assert!(!all.is_empty(), "no element matches {selector}");
    all[0].clone()
}

pub(crate) fn attrs(doc: &Html, selector: &str, attr: &str) -> Vec<String> {
    doc.select(&sel(selector))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// Hostile data produced no element and no attribute: no `<script>` at all, no event-handler
/// attribute, no `<img src=x>`, no `<b>` from a description.
pub(crate) fn assert_inert(doc: &Html) {
    assert_eq!(doc.select(&sel("script")).count(), 0, "a script element");
    assert_eq!(doc.select(&sel("img[src=x]")).count(), 0, "an injected img");
    assert_eq!(doc.select(&sel("main b")).count(), 0, "an injected b");
    for element in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, _) in element.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "event handler attribute {name} on <{}>",
                element.value().name()
            );
        }
    }
}
