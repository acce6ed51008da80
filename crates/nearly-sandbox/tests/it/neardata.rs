//! One contract suite for the neardata block client: every case runs through the real
//! `neardata-client` (`HttpNeardata` and the `Tailer`) against (1) a wiremock fake whose answers
//! follow `neardata.md` §1-§2 and (2) the sandbox's neardata router over real HTTP on
//! 127.0.0.1:0, mounted under `/neardata`. Both serve the same world of writes; the cases
//! assert what the spec says, so the sandbox and our model of neardata cannot drift apart.
//! Sandbox-only behaviour (the long poll, redirects under the mount prefix) follows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use neardata_client::{
    BlockAnswer, BlockSource, Cursor, HttpConfig, HttpNeardata, NeardataError, Tailer, TailerConfig,
};
use nearly_sandbox::ledger::Ledger;
use nearly_sandbox::neardata_api::{self, NeardataOptions};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{T0, TestLedger, call, obj};

const NS: &str = "contextual.near";

/// Block timestamp of height `h`: above 2^53, with low digits an f64 would lose.
fn ts(h: u64) -> u64 {
    T0 + h * 1_000_000_007
}

/// `(namespace, writer, args)`; write `i` is block `i + 1`.
fn world() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            NS,
            "alice.near",
            json!({"profile": {"name": "Alice", "n": 1.5}, "tag/rust": true, "weird key/ü ?#": 1}),
        ),
        ("other.near", "alice.near", json!({"profile": "elsewhere"})),
        (
            NS,
            "bob.near",
            json!({"graph/follow/alice.near": {"at": 18_446_744_073_709_551_615u64}}),
        ),
        (
            NS,
            "alice.near",
            json!({"tag/rust": null, "profile": {"name": "Alice 2"}}),
        ),
        (NS, "carol.near", json!({})),
    ]
}

/// `(height, writer, key, value)` the world must yield for the namespace, in order.
fn expected() -> Vec<(u64, String, String, Option<Value>)> {
    let mut out = Vec::new();
    for (i, (ns, pred, args)) in world().into_iter().enumerate() {
        if ns != NS {
            continue;
        }
        for (k, v) in obj(args) {
            let v = if v.is_null() { None } else { Some(v) };
            out.push((i as u64 + 1, pred.to_owned(), k, v));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The fake, written from neardata.md: blocks 1..=N of the world, tip N.
// ---------------------------------------------------------------------------------------------

fn fake_hash(h: u64) -> String {
    use sha2::Digest;
    bs58::encode(sha2::Sha256::digest(format!("fake-block-{h}"))).into_string()
}

/// A block document as `neardata.md` §2 describes it, one receipt per write.
fn fake_block(h: u64, ns: &str, pred: &str, args: &Value) -> Value {
    json!({
        "block": {"author": "validator.poolv1.near", "header": {
            "height": h, "prev_height": h - 1, "hash": fake_hash(h), "prev_hash": fake_hash(h - 1),
            "timestamp": ts(h), "timestamp_nanosec": ts(h).to_string(),
            "epoch_id": "11111111111111111111111111111111", "gas_price": "100000000"},
            "chunks": []},
        "shards": [
            {"shard_id": 0, "chunk": null, "receipt_execution_outcomes": [], "state_changes": []},
            {"shard_id": 1, "chunk": {"author": "v", "header": {}, "transactions": [], "receipts": []},
             "state_changes": [],
             "receipt_execution_outcomes": [{
                "execution_outcome": {"proof": [], "block_hash": fake_hash(h), "id": format!("receipt{h}"),
                    "outcome": {"logs": [], "receipt_ids": [], "gas_burnt": 1, "tokens_burnt": "0",
                        "executor_id": ns, "status": {"SuccessValue": ""},
                        "metadata": {"version": 3, "gas_profile": []}}},
                "receipt": {"predecessor_id": pred, "receiver_id": ns, "receipt_id": format!("receipt{h}"),
                    "receipt": {"Action": {"signer_id": pred, "signer_public_key": "ed25519:x",
                        "gas_price": "1", "output_data_receivers": [], "input_data_ids": [],
                        "actions": [{"FunctionCall": {"method_name": "__fastdata_kv",
                            "args": STANDARD.encode(args.to_string()), "gas": 30_000_000_000_000u64,
                            "deposit": "0"}}],
                        "is_promise_yield": false}},
                    "priority": 0},
                "tx_hash": format!("tx{h}")}]}]
    })
}

struct FakeNeardata {
    blocks: Vec<Value>,
}

impl FakeNeardata {
    fn new() -> Self {
        let blocks = world()
            .iter()
            .enumerate()
            .map(|(i, (ns, pred, args))| fake_block(i as u64 + 1, ns, pred, args))
            .collect();
        Self { blocks }
    }

    fn tip(&self) -> u64 {
        self.blocks.len() as u64
    }
}

fn json_template(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json; charset=utf-8")
}

impl Respond for FakeNeardata {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        if let Some(suffix) = path.strip_prefix("/v0/last_block/final") {
            return ResponseTemplate::new(302)
                .insert_header("location", format!("/v0/block/{}{suffix}", self.tip()));
        }
        let Some(h) = path.strip_prefix("/v0/block/") else {
            return ResponseTemplate::new(404);
        };
        let Ok(h) = h.parse::<u64>() else {
            return json_template(400, &json!("Invalid argument"));
        };
        if h > 1_000_000_000_000_000 {
            return json_template(
                404,
                &json!({"error": "Block height is too high", "type": "BLOCK_HEIGHT_TOO_HIGH"}),
            );
        }
        if h > self.tip() + 10 {
            return json_template(
                404,
                &json!({"error": "The block is too far in the future", "type": "BLOCK_DOES_NOT_EXIST"}),
            );
        }
        if h > self.tip() {
            // The real server holds the request until the block exists (no cap): the
            // client's timeout ends it.
            return ResponseTemplate::new(200)
                .set_body_string("null")
                .set_delay(Duration::from_secs(30));
        }
        match h
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok().and_then(|i| self.blocks.get(i)))
        {
            Some(block) => json_template(200, block),
            None => json_template(200, &Value::Null),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

struct Running {
    client: HttpNeardata,
    _keep: Box<dyn std::any::Any + Send>,
}

fn http_config() -> HttpConfig {
    HttpConfig {
        request_timeout: Duration::from_secs(5),
        ..HttpConfig::default()
    }
}

async fn start_fake() -> Running {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(FakeNeardata::new())
        .mount(&server)
        .await;
    Running {
        client: HttpNeardata::new(&server.uri(), http_config()).unwrap(),
        _keep: Box::new(server),
    }
}

fn world_ledger() -> TestLedger {
    let t = TestLedger::new();
    for (i, (ns, pred, args)) in world().into_iter().enumerate() {
        let h = i as u64 + 1;
        t.clock.set(ts(h));
        assert_eq!(t.commit(ns, pred, args), h);
    }
    t
}

/// Serves the neardata router under `/neardata` on 127.0.0.1:0; returns the base URL.
async fn serve(ledger: Ledger, options: NeardataOptions) -> String {
    let app =
        axum::Router::new().nest_service("/neardata", neardata_api::router_with(ledger, options));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/neardata")
}

async fn start_sandbox() -> Running {
    let t = world_ledger();
    let base = serve(t.ledger.clone(), NeardataOptions::default()).await;
    Running {
        client: HttpNeardata::new(&base, http_config()).unwrap(),
        _keep: Box::new(t),
    }
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use super::*;
            #[tokio::test]
            async fn wiremock() {
                let running = start_fake().await;
                cases::$case(&running.client).await;
            }
            #[tokio::test]
            async fn sandbox_http() {
                let running = start_sandbox().await;
                cases::$case(&running.client).await;
            }
        }
    )*};
}

contract!(
    final_height_is_the_tip,
    tailing_yields_exactly_the_namespace_writes,
    every_block_names_its_parent,
    beyond_the_wait_window_is_not_yet,
    absurd_heights_are_refused,
);

mod cases {
    use super::*;

    pub(super) async fn final_height_is_the_tip(c: &HttpNeardata) {
        assert_eq!(c.final_height().await.unwrap(), world().len() as u64);
    }

    pub(super) async fn tailing_yields_exactly_the_namespace_writes(c: &HttpNeardata) {
        let mut tailer = Tailer::new(Arc::new(c.clone()), TailerConfig::new(NS), Cursor::after(0));
        let mut got = Vec::new();
        for h in 1..=world().len() as u64 {
            let block = tailer.next().await.unwrap();
            assert_eq!(block.height, h);
            assert_eq!(block.block_timestamp_ns, ts(h), "exact u64 nanoseconds");
            let clean = neardata_client::ExtractStats {
                calls: block.stats.calls,
                ..Default::default()
            };
            assert_eq!(block.stats, clean, "a clean block");
            assert_eq!(
                block.stats.calls,
                u64::from(h != 2),
                "one call per namespace block"
            );
            for w in block.writes {
                assert_eq!(w.signer_id, w.predecessor);
                assert!(w.tx_hash.is_some() && !w.receipt_id.is_empty());
                got.push((block.height, w.predecessor, w.key, w.value));
            }
        }
        assert_eq!(got, expected());
        let status = tailer.status().borrow().clone();
        assert_eq!(
            (
                status.blocks,
                status.chain_mismatches,
                status.consecutive_failures
            ),
            (5, 0, 0)
        );
    }

    pub(super) async fn every_block_names_its_parent(c: &HttpNeardata) {
        let mut previous: Option<String> = None;
        for h in 1..=world().len() as u64 {
            let BlockAnswer::Block(b) = c.block(h).await.unwrap() else {
                panic!("block {h}")
            };
            assert_eq!(b.block.header.prev_height, Some(h - 1));
            if let Some(prev) = &previous {
                assert_eq!(&b.block.header.prev_hash, prev);
            }
            assert_eq!(
                bs58::decode(b.hash()).into_vec().unwrap().len(),
                32,
                "a 32-byte base58 hash"
            );
            previous = Some(b.hash().to_owned());
        }
    }

    pub(super) async fn beyond_the_wait_window_is_not_yet(c: &HttpNeardata) {
        let tip = c.final_height().await.unwrap();
        assert!(matches!(
            c.block(tip + 11).await.unwrap(),
            BlockAnswer::NotYet
        ));
        assert!(matches!(
            c.block(tip + 500).await.unwrap(),
            BlockAnswer::NotYet
        ));
    }

    pub(super) async fn absurd_heights_are_refused(c: &HttpNeardata) {
        let err = c.block(1_000_000_000_000_001).await.unwrap_err();
        assert!(
            matches!(err, NeardataError::BadRequest { status: 404, .. }),
            "{err:?}"
        );
        assert!(!err.is_retryable());
    }
}

// ---------------------------------------------------------------------------------------------
// Fake-only: what the sandbox never does (skipped heights, a server that waits for ever).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fake_within_the_window_the_server_waits_until_the_client_times_out() {
    let running = start_fake().await;
    let short = HttpNeardata::new(
        &running.client_base(),
        HttpConfig {
            request_timeout: Duration::from_millis(200),
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let err = short.block(world().len() as u64 + 1).await.unwrap_err();
    assert!(matches!(err, NeardataError::Timeout { .. }), "{err:?}");
}

impl Running {
    fn client_base(&self) -> String {
        self._keep
            .downcast_ref::<MockServer>()
            .map(MockServer::uri)
            .expect("a fake backend")
    }
}

// ---------------------------------------------------------------------------------------------
// Sandbox-only
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sandbox_long_poll_returns_the_block_once_the_ledger_commits_it() {
    let t = world_ledger();
    let base = serve(
        t.ledger.clone(),
        NeardataOptions {
            long_poll: Duration::from_secs(30),
        },
    )
    .await;
    let client = HttpNeardata::new(
        &base,
        HttpConfig {
            request_timeout: Duration::from_secs(60),
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let next = world().len() as u64 + 1;
    let waiting = tokio::spawn(async move { client.block(next).await });
    // Let the request reach the server; whether or not it has, the answer must be the block.
    tokio::time::sleep(Duration::from_millis(100)).await;
    t.clock.set(ts(next));
    assert_eq!(
        t.commit(NS, "dave.near", json!({"profile": {"name": "Dave"}})),
        next
    );
    let BlockAnswer::Block(b) = waiting.await.unwrap().unwrap() else {
        panic!("not a block")
    };
    let out = neardata_client::extract(&b, NS);
    assert_eq!(
        (out.height, out.writes[0].predecessor.as_str()),
        (next, "dave.near")
    );
}

#[tokio::test]
async fn sandbox_long_poll_ends_with_not_yet_after_its_limit() {
    let t = world_ledger();
    let base = serve(
        t.ledger.clone(),
        NeardataOptions {
            long_poll: Duration::from_millis(50),
        },
    )
    .await;
    let client = HttpNeardata::new(&base, http_config()).unwrap();
    assert!(matches!(
        client.block(world().len() as u64 + 1).await.unwrap(),
        BlockAnswer::NotYet
    ));
}

#[tokio::test]
async fn sandbox_tailer_follows_live_commits() {
    let t = world_ledger();
    let base = serve(t.ledger.clone(), NeardataOptions::default()).await;
    let client = Arc::new(HttpNeardata::new(&base, http_config()).unwrap());
    let tip = client.final_height().await.unwrap();
    let mut tailer = Tailer::new(client, TailerConfig::new(NS), Cursor::after(tip));
    let ledger = t.ledger.clone();
    let writer = tokio::task::spawn_blocking(move || {
        for i in 0..3 {
            let args = json!({ format!("k{i}"): i });
            ledger
                .commit(NS, "erin.near", args.as_object().unwrap())
                .unwrap();
        }
    });
    for i in 0..3u64 {
        let block = tailer.next().await.unwrap();
        assert_eq!(block.height, tip + 1 + i);
        assert_eq!(block.writes[0].key, format!("k{i}"));
    }
    writer.await.unwrap();
}

#[tokio::test]
async fn sandbox_blocks_carry_the_ledgers_ids_and_every_accepted_entry() {
    let t = world_ledger();
    // A rejected call makes no block: heights stay dense.
    let too_many: serde_json::Map<String, Value> =
        (0..257).map(|i| (format!("k{i}"), json!(1))).collect();
    assert!(t.ledger.commit(NS, "alice.near", &too_many).is_err());
    let receipt = t
        .ledger
        .commit(
            NS,
            "alice.near",
            &obj(json!({"": 1, "ok": [1, {"b": 2, "a": null}]})),
        )
        .unwrap();
    let base = serve(t.ledger.clone(), NeardataOptions::default()).await;
    let client = HttpNeardata::new(&base, http_config()).unwrap();
    assert_eq!(client.final_height().await.unwrap(), receipt.block_height);
    let BlockAnswer::Block(b) = client.block(receipt.block_height).await.unwrap() else {
        panic!()
    };
    let out = neardata_client::extract(&b, NS);
    let keys: Vec<&str> = out.writes.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(
        keys,
        receipt
            .accepted
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(out.writes[0].value, Some(json!([1, {"a": null, "b": 2}])));
    assert_eq!(out.writes[0].receipt_id, receipt.receipt_id);
    assert_eq!(
        out.writes[0].tx_hash.as_deref(),
        Some(receipt.tx_hash.as_str())
    );
    assert_eq!(out.block_timestamp_ns, receipt.block_timestamp_ns);
    // Genesis exists, and block 1 names it.
    let BlockAnswer::Block(genesis) = client.block(0).await.unwrap() else {
        panic!()
    };
    let BlockAnswer::Block(first) = client.block(1).await.unwrap() else {
        panic!()
    };
    assert_eq!(first.block.header.prev_hash, genesis.hash());
    assert!(
        genesis
            .shards
            .iter()
            .all(|s| s.receipt_execution_outcomes.is_empty())
    );
}

#[tokio::test]
async fn sandbox_redirects_keep_the_mount_prefix_and_the_query() {
    let t = world_ledger();
    let app = axum::Router::new().nest_service("/neardata", neardata_api::router(t.ledger.clone()));
    let response = tower::ServiceExt::oneshot(
        app.clone(),
        axum::http::Request::get("/neardata/v0/last_block/final/headers?apiKey=k")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "/neardata/v0/block/5/headers?apiKey=k"
    );
    let (status, body) = call(&app, "GET", "/neardata/v0/block/5/headers", None).await;
    assert_eq!(status, 200);
    let headers: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(headers["header"]["height"], 5);
    assert_eq!(headers["header"]["timestamp"], ts(5));
    assert_eq!(headers["header"]["timestamp_nanosec"], ts(5).to_string());
    let (status, body) = call(&app, "GET", "/neardata/v0/block/abc", None).await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (400, "\"Invalid argument\"")
    );
    let (status, body) = call(&app, "GET", "/neardata/health", None).await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    let (status, _) = call(&app, "GET", "/neardata/v0/nothing", None).await;
    assert_eq!(status, 404);
}
