//! One contract suite, three backends: every case runs through the real `fastdata-client`
//! against (1) a wiremock fake whose answers follow wire-formats.md §1, (2) the sandbox router
//! served over real HTTP on 127.0.0.1:0 (mounted under `/fastdata`), and (3) the in-process
//! `LedgerReader`. The cases assert what the spec says; all three must pass them, so the
//! sandbox, its in-process reader and our model of the real server cannot drift apart.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastdata_client::{
    AccountKey, FastDataRead, HttpConfig, HttpFastData, KvValue, Order, RetryPolicy, ScanLimit,
};
use nearly_sandbox::fastdata_api::LedgerReader;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{T0, TestLedger, obj, serve};

const NS: &str = "contextual.near";
const WEIRD_KEY: &str = "weird key/ü ?#%+&=";
const FOLLOWS: usize = 450;

// ---------------------------------------------------------------------------------------------
// The world every case reads: the same writes, at the same heights and timestamps, everywhere.
// ---------------------------------------------------------------------------------------------

/// Block timestamp of height `h`: above 2^53, with low digits that f64 would lose.
fn ts(h: u64) -> u64 {
    T0 + (h - 1) * 1_000_000_007
}

/// `(namespace, predecessor, args)`; write `i` is block `i + 1`.
fn world() -> Vec<(&'static str, &'static str, Value)> {
    let follows = |from: usize| -> Value {
        Value::Object(
            (from..from + 150)
                .map(|n| (format!("graph/follow/acct{n:03}.near"), json!({"n": n})))
                .collect(),
        )
    };
    vec![
        (
            NS,
            "alice.near",
            json!({"profile": {"name": "Alice"}, "tag/rust": true, "tag/ai": true, WEIRD_KEY: 1}),
        ),
        (
            NS,
            "bob.near",
            json!({"profile": {"name": "Bob"}, "tag/rust": true}),
        ),
        ("other.near", "alice.near", json!({"profile": "elsewhere"})),
        (NS, "alice.near", follows(0)),
        (NS, "alice.near", follows(150)),
        (NS, "alice.near", follows(300)),
        (
            NS,
            "alice.near",
            json!({"profile": {"name": "Alice 2"}, "tag/ai": null}),
        ),
        (NS, "carol.near", json!({"profile": null})),
    ]
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Backend {
    Wiremock,
    SandboxHttp,
    SandboxInProcess,
}

struct Running {
    reader: Box<dyn FastDataRead>,
    _keep: Box<dyn std::any::Any + Send>,
}

fn http_config() -> HttpConfig {
    HttpConfig {
        retry: RetryPolicy::NONE,
        page_size: 50,
        ..HttpConfig::default()
    }
}

async fn start(backend: Backend) -> Running {
    match backend {
        Backend::Wiremock => {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(FakeKv::new(&world()))
                .mount(&server)
                .await;
            let reader = HttpFastData::new(&server.uri(), NS, http_config()).unwrap();
            Running {
                reader: Box::new(reader),
                _keep: Box::new(server),
            }
        }
        Backend::SandboxHttp | Backend::SandboxInProcess => {
            let t = TestLedger::new();
            for (i, (ns, pred, args)) in world().into_iter().enumerate() {
                t.clock.set(ts(i as u64 + 1));
                let r = t.ledger.commit(ns, pred, &obj(args)).unwrap();
                assert_eq!(r.block_height, i as u64 + 1);
                assert_eq!(r.block_timestamp_ns, ts(i as u64 + 1));
            }
            let reader: Box<dyn FastDataRead> = match backend {
                Backend::SandboxHttp => {
                    let base = serve(t.ledger.clone()).await;
                    Box::new(HttpFastData::new(&base, NS, http_config()).unwrap())
                }
                _ => Box::new(LedgerReader::new(t.ledger.clone(), NS)),
            };
            Running {
                reader,
                _keep: Box::new(t),
            }
        }
    }
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use super::*;
            #[tokio::test]
            async fn wiremock() {
                let running = start(Backend::Wiremock).await;
                cases::$case(&*running.reader).await;
            }
            #[tokio::test]
            async fn sandbox_http() {
                let running = start(Backend::SandboxHttp).await;
                cases::$case(&*running.reader).await;
            }
            #[tokio::test]
            async fn sandbox_in_process() {
                let running = start(Backend::SandboxInProcess).await;
                cases::$case(&*running.reader).await;
            }
        }
    )*};
}

contract!(
    latest_get,
    prefix_scan_across_pages,
    cross_writer_scans,
    multi_with_tombstones_and_missing_keys,
    history_ascending_and_descending,
    namespace_history,
    all_of_a_predecessor,
);

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

mod cases {
    use super::*;

    fn live(v: &KvValue) -> &Value {
        v.as_value().expect("a live value")
    }

    pub(super) async fn latest_get(r: &dyn FastDataRead) {
        let e = r
            .get_latest("alice.near", "profile")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live(&e.value), &json!({"name": "Alice 2"}));
        assert_eq!((e.block_height, e.block_timestamp), (7, ts(7)));
        assert!(e.block_timestamp > 1 << 53);
        assert_eq!(e.block_timestamp, 1_700_000_006_123_456_831);
        assert_eq!(e.current_account_id, NS);
        assert_eq!(e.predecessor_id, "alice.near");
        assert!(
            r.get_latest("alice.near", "missing")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            r.get_latest("nobody.near", "profile")
                .await
                .unwrap()
                .is_none()
        );
        let deleted = r.get_latest("alice.near", "tag/ai").await.unwrap().unwrap();
        assert!(deleted.is_deleted());
        assert_eq!(deleted.block_height, 7);
        assert!(
            r.get_latest("carol.near", "profile")
                .await
                .unwrap()
                .unwrap()
                .is_deleted()
        );
        let weird = r
            .get_latest("alice.near", WEIRD_KEY)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live(&weird.value), &json!(1));
        let slash = r
            .get_latest("alice.near", "graph/follow/acct123.near")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live(&slash.value), &json!({"n": 123}));
    }

    pub(super) async fn prefix_scan_across_pages(r: &dyn FastDataRead) {
        let all = r
            .scan_prefix("alice.near", "graph/follow/", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        assert!(!all.truncated());
        let keys: Vec<String> = all.entries.iter().map(|e| e.key.clone()).collect();
        let expected: Vec<String> = (0..FOLLOWS)
            .map(|n| format!("graph/follow/acct{n:03}.near"))
            .collect();
        assert_eq!(keys, expected);
        assert_eq!(all.entries[449].block_height, 6);

        let some = r
            .scan_prefix("alice.near", "graph/follow/", ScanLimit::at_most(120))
            .await
            .unwrap();
        assert!(some.truncated());
        assert_eq!(some.entries[..], all.entries[..120]);
        let exact = r
            .scan_prefix("alice.near", "graph/follow/", ScanLimit::at_most(FOLLOWS))
            .await
            .unwrap();
        assert!(!exact.truncated());
        assert_eq!(exact.entries.len(), FOLLOWS);

        let tags = r
            .scan_prefix("alice.near", "tag/", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        let rows: Vec<(&str, bool)> = tags
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.is_deleted()))
            .collect();
        assert_eq!(rows, [("tag/ai", true), ("tag/rust", false)]);
        assert_eq!(tags.live().count(), 1);

        // "" lists every key of the writer in the namespace (and nothing of other.near).
        let every = r
            .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        assert_eq!(every.entries.len(), FOLLOWS + 4);
        assert!(every.entries.iter().all(|e| e.current_account_id == NS));
        assert!(
            r.scan_prefix("nobody.near", "", ScanLimit::UNBOUNDED)
                .await
                .unwrap()
                .entries
                .is_empty()
        );
    }

    pub(super) async fn cross_writer_scans(r: &dyn FastDataRead) {
        let by_key = r
            .latest_by_key("profile", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        let rows: Vec<(&str, u64, bool)> = by_key
            .entries
            .iter()
            .map(|e| (e.predecessor_id.as_str(), e.block_height, e.is_deleted()))
            .collect();
        assert_eq!(
            rows,
            [
                ("alice.near", 7, false),
                ("bob.near", 2, false),
                ("carol.near", 8, true)
            ]
        );
        let two = r
            .latest_by_key("profile", ScanLimit::at_most(2))
            .await
            .unwrap();
        assert!(two.truncated());
        assert_eq!(two.entries[..], by_key.entries[..2]);

        let by_prefix = r
            .latest_by_prefix("tag/", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        let rows: Vec<(&str, &str)> = by_prefix
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.predecessor_id.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("tag/ai", "alice.near"),
                ("tag/rust", "alice.near"),
                ("tag/rust", "bob.near")
            ]
        );
    }

    pub(super) async fn multi_with_tombstones_and_missing_keys(r: &dyn FastDataRead) {
        let mut keys = vec![
            AccountKey::new("alice.near", "profile"),
            AccountKey::new("nobody.near", "profile"),
            AccountKey::new("alice.near", "tag/ai"),
            AccountKey::new("bob.near", "tag/rust"),
            AccountKey::new("carol.near", "profile"),
            AccountKey::new("alice.near", WEIRD_KEY),
        ];
        // More than one request's worth (100 keys per request).
        keys.extend(
            (0..150)
                .map(|n| AccountKey::new("alice.near", format!("graph/follow/acct{n:03}.near"))),
        );
        let rows = r.multi_get(&keys).await.unwrap();
        assert_eq!(rows.len(), keys.len());
        assert_eq!(
            live(&rows[0].as_ref().unwrap().value),
            &json!({"name": "Alice 2"})
        );
        assert!(rows[1].is_none());
        assert!(rows[2].as_ref().unwrap().is_deleted());
        assert_eq!(live(&rows[3].as_ref().unwrap().value), &json!(true));
        assert!(rows[4].as_ref().unwrap().is_deleted());
        assert_eq!(rows[5].as_ref().unwrap().key, WEIRD_KEY);
        for (n, row) in rows[6..].iter().enumerate() {
            assert_eq!(live(&row.as_ref().unwrap().value), &json!({"n": n}));
        }
        assert!(r.multi_get(&[]).await.unwrap().is_empty());
    }

    pub(super) async fn history_ascending_and_descending(r: &dyn FastDataRead) {
        let asc = r
            .history(
                "alice.near",
                "profile",
                Order::Ascending,
                ScanLimit::UNBOUNDED,
            )
            .await
            .unwrap();
        let rows: Vec<(u64, u64, &Value)> = asc
            .entries
            .iter()
            .map(|e| (e.block_height, e.block_timestamp, live(&e.value)))
            .collect();
        assert_eq!(
            rows,
            [
                (1, ts(1), &json!({"name": "Alice"})),
                (7, ts(7), &json!({"name": "Alice 2"}))
            ]
        );
        let desc = r
            .history(
                "alice.near",
                "profile",
                Order::Descending,
                ScanLimit::UNBOUNDED,
            )
            .await
            .unwrap();
        let mut reversed = desc.entries.clone();
        reversed.reverse();
        assert_eq!(reversed, asc.entries);
        let newest = r
            .history(
                "alice.near",
                "profile",
                Order::Descending,
                ScanLimit::at_most(1),
            )
            .await
            .unwrap();
        assert!(newest.truncated());
        assert_eq!(newest.entries[0].block_height, 7);

        let tag = r
            .history(
                "alice.near",
                "tag/ai",
                Order::Ascending,
                ScanLimit::UNBOUNDED,
            )
            .await
            .unwrap();
        let rows: Vec<(u64, bool)> = tag
            .entries
            .iter()
            .map(|e| (e.block_height, e.is_deleted()))
            .collect();
        assert_eq!(rows, [(1, false), (7, true)]);
        assert!(
            r.history(
                "alice.near",
                "never",
                Order::Ascending,
                ScanLimit::UNBOUNDED
            )
            .await
            .unwrap()
            .entries
            .is_empty()
        );
    }

    pub(super) async fn namespace_history(r: &dyn FastDataRead) {
        let asc = r
            .namespace_history("profile", Order::Ascending, ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        let rows: Vec<(&str, u64, bool)> = asc
            .entries
            .iter()
            .map(|e| (e.predecessor_id.as_str(), e.block_height, e.is_deleted()))
            .collect();
        // other.near's write (height 3) is another namespace.
        assert_eq!(
            rows,
            [
                ("alice.near", 1, false),
                ("bob.near", 2, false),
                ("alice.near", 7, false),
                ("carol.near", 8, true)
            ]
        );
        let desc = r
            .namespace_history("profile", Order::Descending, ScanLimit::at_most(3))
            .await
            .unwrap();
        assert!(desc.truncated());
        let heights: Vec<u64> = desc.entries.iter().map(|e| e.block_height).collect();
        assert_eq!(heights, [8, 7, 2]);
    }

    pub(super) async fn all_of_a_predecessor(r: &dyn FastDataRead) {
        let all = r
            .all_of_predecessor("alice.near", ScanLimit::UNBOUNDED)
            .await
            .unwrap();
        assert_eq!(all.entries.len(), FOLLOWS + 5);
        let first = &all.entries[0];
        assert_eq!(
            (first.current_account_id.as_str(), first.key.as_str()),
            (NS, "graph/follow/acct000.near")
        );
        let tail: Vec<(&str, &str)> = all.entries[FOLLOWS..]
            .iter()
            .map(|e| (e.current_account_id.as_str(), e.key.as_str()))
            .collect();
        assert_eq!(
            tail,
            [
                (NS, "profile"),
                (NS, "tag/ai"),
                (NS, "tag/rust"),
                (NS, WEIRD_KEY),
                ("other.near", "profile")
            ]
        );
        let some = r
            .all_of_predecessor("alice.near", ScanLimit::at_most(FOLLOWS + 1))
            .await
            .unwrap();
        assert!(some.truncated());
        assert_eq!(some.entries[..], all.entries[..FOLLOWS + 1]);
    }
}

// ---------------------------------------------------------------------------------------------
// The wiremock fake: an in-memory model of the KV server written from wire-formats.md §1
// (sorted vectors, no shared code with the ledger).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Row {
    ns: String,
    pred: String,
    key: String,
    value: Value,
    height: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Int(i64),
    Str(String),
}

impl Row {
    /// The row's value of a page-token letter.
    fn part(&self, letter: char) -> Part {
        match letter {
            'a' => Part::Str(self.ns.clone()),
            'p' => Part::Str(self.pred.clone()),
            'k' => Part::Str(self.key.clone()),
            'b' => Part::Int(i64::try_from(self.height).unwrap()),
            'o' => Part::Int(0),
            other => panic!("no token letter {other}"),
        }
    }

    fn tuple(&self, letters: &str) -> Vec<Part> {
        letters.chars().map(|c| self.part(c)).collect()
    }

    fn wire(&self) -> Value {
        json!({
            "predecessor_id": self.pred,
            "current_account_id": self.ns,
            "block_height": self.height,
            "block_timestamp": ts(self.height),
            "key": self.key,
            "value": self.value,
        })
    }
}

struct FakeKv {
    history: Vec<Row>,
    latest: Vec<Row>,
}

impl FakeKv {
    fn new(world: &[(&str, &str, Value)]) -> Self {
        let mut history = Vec::new();
        for (i, (ns, pred, args)) in world.iter().enumerate() {
            for (key, value) in args.as_object().unwrap() {
                history.push(Row {
                    ns: (*ns).to_owned(),
                    pred: (*pred).to_owned(),
                    key: key.clone(),
                    value: value.clone(),
                    height: i as u64 + 1,
                });
            }
        }
        let mut latest: BTreeMap<(String, String, String), Row> = BTreeMap::new();
        for row in &history {
            latest.insert(
                (row.ns.clone(), row.pred.clone(), row.key.clone()),
                row.clone(),
            );
        }
        Self {
            history,
            latest: latest.into_values().collect(),
        }
    }
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// `limit`: default 50, clamped to 1..=200.
fn fake_limit(body: &Value) -> usize {
    usize::try_from(body["limit"].as_i64().unwrap_or(50).clamp(1, 200)).unwrap()
}

/// Sorts `rows` by the token letters, resumes after the token, and cuts a page.
fn page(mut rows: Vec<Row>, letters: &str, body: &Value, desc: bool) -> ResponseTemplate {
    let limit = fake_limit(body);
    rows.sort_by_key(|x| x.tuple(letters));
    if desc {
        rows.reverse();
    }
    let after: Option<Vec<Part>> = body["page_token"].as_str().map(|t| {
        let tok: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t).unwrap()).unwrap();
        letters
            .chars()
            .map(|c| match &tok[c.to_string()] {
                Value::String(s) => Part::Str(s.clone()),
                n => Part::Int(n.as_i64().unwrap()),
            })
            .collect()
    });
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| match &after {
            None => true,
            Some(a) => {
                let ord = r.tuple(letters).cmp(a);
                if desc {
                    ord == Ordering::Less
                } else {
                    ord == Ordering::Greater
                }
            }
        })
        .take(limit)
        .collect();
    list(&rows, (rows.len() == limit).then_some(letters))
}

fn list(rows: &[Row], token_letters: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"entries": rows.iter().map(Row::wire).collect::<Vec<_>>()});
    if let (Some(letters), Some(last)) = (token_letters, rows.last()) {
        let tok: serde_json::Map<String, Value> = letters
            .chars()
            .map(|c| {
                let v = match last.part(c) {
                    Part::Int(i) => json!(i),
                    Part::Str(s) => json!(s),
                };
                (c.to_string(), v)
            })
            .collect();
        body["page_token"] = json!(URL_SAFE_NO_PAD.encode(Value::Object(tok).to_string()));
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn key_match(row: &Row, body: &Value) -> bool {
    match (body["key"].as_str(), body["key_prefix"].as_str()) {
        (Some(k), None) => row.key == k,
        (None, Some(p)) => row.key.starts_with(p),
        (None, None) => true,
        (Some(_), Some(_)) => panic!("the client never sends both"),
    }
}

impl Respond for FakeKv {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let segs: Vec<String> = req
            .url
            .path()
            .trim_start_matches('/')
            .split('/')
            .map(pct_decode)
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let body: Value = if req.body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&req.body).unwrap()
        };
        let desc = !body["asc"].as_bool().unwrap_or(false);
        let select = |rows: &[Row], f: &dyn Fn(&Row) -> bool| -> Vec<Row> {
            rows.iter().filter(|r| f(r)).cloned().collect()
        };
        match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["v0", "latest", ns, pred, key @ ..]) if !key.is_empty() => {
                let key = key.join("/");
                let rows = select(&self.latest, &|r| {
                    r.ns == *ns && r.pred == *pred && r.key == key
                });
                list(&rows, None)
            }
            ("POST", ["v0", "latest", ns, pred]) => {
                let rows = select(&self.latest, &|r| {
                    r.ns == *ns && r.pred == *pred && key_match(r, &body)
                });
                if body["key"].is_string() {
                    // Exact key: page_token ignored, at most one row.
                    let limit = fake_limit(&body);
                    return list(&rows, (rows.len() == limit).then_some("k"));
                }
                page(rows, "k", &body, false)
            }
            ("POST", ["v0", "latest", ns]) => {
                let rows = select(&self.latest, &|r| r.ns == *ns && key_match(r, &body));
                page(rows, "kp", &body, false)
            }
            ("POST", ["v0", "history", ns, pred]) => {
                let rows = select(&self.history, &|r| {
                    r.ns == *ns && r.pred == *pred && key_match(r, &body)
                });
                page(rows, "kbo", &body, desc)
            }
            ("POST", ["v0", "history", ns]) => {
                let rows = select(&self.history, &|r| r.ns == *ns && key_match(r, &body));
                page(rows, "kbop", &body, desc)
            }
            ("POST", ["v0", "all", pred]) => {
                let rows = select(&self.latest, &|r| r.pred == *pred);
                page(rows, "ak", &body, false)
            }
            ("POST", ["v0", "multi"]) => {
                let keys = body["keys"].as_array().unwrap();
                assert!(keys.len() <= 100, "the client chunks multi requests");
                let entries: Vec<Value> = keys
                    .iter()
                    .map(|k| {
                        let mut parts = k.as_str().unwrap().splitn(3, '/');
                        let (ns, pred, key) = (
                            parts.next().unwrap(),
                            parts.next().unwrap(),
                            parts.next().unwrap(),
                        );
                        self.latest
                            .iter()
                            .find(|r| r.ns == ns && r.pred == pred && r.key == key)
                            .map_or(Value::Null, Row::wire)
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({"entries": entries}))
            }
            _ => ResponseTemplate::new(404),
        }
    }
}
