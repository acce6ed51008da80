//! The pull sync over real HTTP: `sync_once` and `pull_loop` through `HttpFastData` against a
//! wiremock FastData KV server. The server is a small fake that answers the list endpoints the
//! pull uses from a history of rows the test edits between pulls, with the wire format's paging
//! (`limit`, opaque `page_token` emitted iff a page is full).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastdata_client::{HttpConfig, HttpFastData, RetryPolicy};
use indexer::{Indexer, IndexerConfig, IndexerError, ListQuery, pull_loop, sync_once};
use nearly_core::ManualClock;
use serde_json::{Value, json};
use tokio::sync::Notify;
use wiremock::matchers::{any, body_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{NS, T0};

const ADMIN: &str = "admin.near";
const SECOND: u64 = 1_000_000_000;

/// One write in the fake's history.
#[derive(Debug, Clone)]
struct Row {
    pred: String,
    key: String,
    height: u64,
    value: Value,
}

/// What the fake serves and what it saw.
#[derive(Default)]
struct Fake {
    rows: Mutex<Vec<Row>>,
    /// Requests that carried a `page_token`.
    continued: AtomicUsize,
    /// `key: "profile"` namespace scans seen (the first request of every pull).
    pulls: AtomicUsize,
    /// Notified at the start of each pull.
    pull_started: Notify,
    /// While set, namespace scans of this key prefix get this answer instead.
    fault: Mutex<Option<(String, ResponseTemplate)>>,
    /// Answers given by `fault`.
    faulted: AtomicUsize,
    /// While set, continuation pages of namespace scans of this key or key prefix misbehave.
    glitch: Mutex<Option<(String, Glitch)>>,
    /// `(pred, key)` rows left out of every answer while set (an eventually consistent read).
    hidden_rows: Mutex<Vec<(String, String)>>,
}

/// How a continuation page (one with `page_token`, offset > 0) misbehaves.
#[derive(Debug, Clone, Copy)]
enum Glitch {
    /// Answers the previous page's rows again, under a fresh token.
    RepeatPage,
    /// Answers its rows with a token back to the first page (a cycle).
    TokenCycle,
    /// Answers 500.
    ServerError,
}

impl Fake {
    fn write(&self, pred: &str, key: &str, height: u64, value: Value) {
        self.rows.lock().unwrap().push(Row {
            pred: pred.into(),
            key: key.into(),
            height,
            value,
        });
    }

    /// Drops every write of `(pred, key)`: FastData no longer has the key at all.
    fn forget(&self, pred: &str, key: &str) {
        self.rows
            .lock()
            .unwrap()
            .retain(|r| !(r.pred == pred && r.key == key));
    }

    /// The newest row of every `(pred, key)`, tombstones included, sorted by (pred, key).
    fn latest(&self) -> Vec<Row> {
        let mut rows = self.rows.lock().unwrap().clone();
        rows.sort_by(|a, b| {
            (&a.pred, &a.key, std::cmp::Reverse(a.height)).cmp(&(
                &b.pred,
                &b.key,
                std::cmp::Reverse(b.height),
            ))
        });
        rows.dedup_by(|later, first| later.pred == first.pred && later.key == first.key);
        let hidden = self.hidden_rows.lock().unwrap();
        rows.retain(|r| !hidden.iter().any(|(p, k)| *p == r.pred && *k == r.key));
        rows
    }
}

fn wire(r: &Row) -> Value {
    json!({
        "predecessor_id": r.pred,
        "current_account_id": NS,
        "block_height": r.height,
        "block_timestamp": T0 + r.height * SECOND,
        "key": r.key,
        "value": r.value,
    })
}

/// The fake's answers, shared with the test through an `Arc`.
struct FakeServer(Arc<Fake>);

impl Respond for FakeServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let path = request.url.path().to_owned();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let key = body["key"].as_str();
        let prefix = body["key_prefix"].as_str();
        if let Some((fault_prefix, answer)) = fake.fault.lock().unwrap().as_ref()
            && prefix == Some(fault_prefix.as_str())
        {
            fake.faulted.fetch_add(1, Ordering::SeqCst);
            return answer.clone();
        }
        let rows: Vec<Row> = match segments.as_slice() {
            ["v0", "latest", ns] if *ns == NS => {
                if key == Some("profile") && body.get("page_token").is_none() {
                    fake.pulls.fetch_add(1, Ordering::SeqCst);
                    fake.pull_started.notify_one();
                }
                fake.latest()
                    .into_iter()
                    .filter(|r| {
                        key.is_none_or(|k| r.key == k)
                            && prefix.is_none_or(|p| r.key.starts_with(p))
                    })
                    .collect()
            }
            ["v0", "latest", ns, pred] if *ns == NS => fake
                .latest()
                .into_iter()
                .filter(|r| r.pred == *pred && prefix.is_none_or(|p| r.key.starts_with(p)))
                .collect(),
            ["v0", "history", ns, pred] if *ns == NS => {
                let mut rows: Vec<Row> = fake
                    .rows
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|r| r.pred == *pred && key.is_none_or(|k| r.key == k))
                    .cloned()
                    .collect();
                rows.sort_by_key(|r| r.height);
                if body["asc"] != json!(true) {
                    rows.reverse();
                }
                rows
            }
            _ => return ResponseTemplate::new(404).set_body_json(json!({"error": "not found"})),
        };
        // Paging: `limit` defaults to 50 and is clamped to 1..=200; the token is the offset.
        let limit = body["limit"].as_u64().unwrap_or(50).clamp(1, 200) as usize;
        let offset: usize = match body["page_token"].as_str() {
            None => 0,
            Some(token) => {
                fake.continued.fetch_add(1, Ordering::SeqCst);
                match token.strip_prefix("offset:").and_then(|n| n.parse().ok()) {
                    Some(n) => n,
                    None => {
                        return ResponseTemplate::new(400)
                            .set_body_json(json!({"error": "Invalid page_token"}));
                    }
                }
            }
        };
        let glitch = fake
            .glitch
            .lock()
            .unwrap()
            .as_ref()
            .filter(|(target, _)| offset > 0 && key.or(prefix) == Some(target.as_str()))
            .map(|(_, g)| *g);
        let start = match glitch {
            Some(Glitch::RepeatPage) => offset.saturating_sub(limit),
            Some(Glitch::ServerError) => {
                return ResponseTemplate::new(500)
                    .set_body_json(json!({"error": "Internal error"}));
            }
            _ => offset,
        };
        let page: Vec<Value> = rows.iter().skip(start).take(limit).map(wire).collect();
        let mut answer = json!({ "entries": page });
        if page.len() == limit {
            answer["page_token"] = json!(format!("offset:{}", offset + limit));
        }
        if let Some(Glitch::TokenCycle) = glitch {
            answer["page_token"] = json!("offset:0");
        }
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

/// A running fake FastData with the client the pull reads through (2 rows per page, so every
/// scan of more than two rows follows page tokens; no retries).
struct Setup {
    server: MockServer,
    fake: Arc<Fake>,
    source: HttpFastData,
}

async fn setup(request_timeout: Duration) -> Setup {
    setup_paged(request_timeout, 2).await
}

async fn setup_paged(request_timeout: Duration, page_size: u32) -> Setup {
    let server = MockServer::start().await;
    let fake = Arc::new(Fake::default());
    Mock::given(any())
        .respond_with(FakeServer(fake.clone()))
        .with_priority(10)
        .mount(&server)
        .await;
    let config = HttpConfig {
        request_timeout,
        connect_timeout: Duration::from_secs(5),
        retry: RetryPolicy::NONE,
        page_size,
        ..HttpConfig::default()
    };
    let source = HttpFastData::new(&server.uri(), NS, config).unwrap();
    Setup {
        server,
        fake,
        source,
    }
}

/// alice (two profile writes: created at 1, active at 6), bob, carol; follows bob->alice,
/// carol->alice, alice->bob; an endorsement; a tag and a capability key; the admin hides carol.
fn populate(fake: &Fake) {
    fake.write(
        "alice.near",
        "profile",
        1,
        json!({"name": "Alice", "tags": ["rust"]}),
    );
    fake.write("bob.near", "profile", 2, json!({"name": "Bob"}));
    fake.write("carol.near", "profile", 3, json!({"name": "Carol"}));
    fake.write(
        "bob.near",
        "graph/follow/alice.near",
        4,
        json!({"reason": "r"}),
    );
    fake.write("carol.near", "graph/follow/alice.near", 4, json!({}));
    fake.write("alice.near", "graph/follow/bob.near", 5, json!({}));
    fake.write(
        "alice.near",
        "profile",
        6,
        json!({"name": "Alice 2", "tags": ["rust"]}),
    );
    fake.write(
        "bob.near",
        "endorsing/alice.near/tags/rust",
        7,
        json!({"content_hash": "h"}),
    );
    fake.write("alice.near", "tag/rust", 8, json!(true));
    fake.write("alice.near", "cap/skills/audit", 8, json!(true));
    fake.write(ADMIN, "hidden/carol.near", 9, json!(true));
}

fn indexer() -> Indexer {
    Indexer::new(IndexerConfig::new(NS).with_admin(ADMIN))
}

/// What the API would show, for before/after comparisons.
fn snapshot(ix: &Indexer) -> Value {
    let g = ix.read();
    json!({
        "list": g.list_agents(&ListQuery { limit: 100, ..ListQuery::default() }),
        "alice": g.agent("alice.near"),
        "followers": g.followers("alice.near", None, 100),
        "following": g.following("alice.near", None, 100),
        "endorsers": g.endorsers("alice.near"),
        "tags": g.tags(),
        "caps": g.capabilities(),
        "hidden": g.hidden(),
        "height": g.height(),
    })
}

#[tokio::test]
async fn bootstrap_reads_every_page_of_every_scan() {
    let s = setup(Duration::from_secs(5)).await;
    populate(&s.fake);
    let ix = indexer();
    let report = sync_once(&ix, &s.source, T0).await.unwrap();
    // 3 profiles, 3 first-profile history rows, 3 follows, 1 endorsement, 1 tag, 1 cap, 1 hidden.
    assert_eq!(report.rows, 13);
    assert_eq!(report.removed, 0);
    // Profiles (3 rows) and follows (3 rows) each take a second page at 2 rows per page; the
    // history reads stop at their one row.
    assert_eq!(s.fake.continued.load(Ordering::SeqCst), 2);
    let g = ix.read();
    let alice = g.agent("alice.near").unwrap();
    assert_eq!(alice.name.as_deref(), Some("Alice 2"));
    assert_eq!(
        (alice.created_at_height, alice.last_active_height),
        (Some(1), Some(6))
    );
    assert_eq!(
        (alice.created_at, alice.last_active),
        (Some(1_700_000_001), Some(1_700_000_006))
    );
    assert_eq!((alice.follower_count, alice.following_count), (2, 1));
    assert_eq!(alice.endorsements.get("tags/rust"), Some(&1));
    let followers: Vec<String> = g
        .followers("alice.near", None, 10)
        .followers
        .into_iter()
        .map(|f| f.agent.account_id)
        .collect();
    // Same height, and FastData rows carry no position: the tie keeps the first-seen account
    // first.
    assert_eq!(followers, ["bob.near", "carol.near"]);
    assert_eq!(
        g.followers("alice.near", None, 10).followers[0]
            .reason
            .as_deref(),
        Some("r")
    );
    assert_eq!(
        g.endorsement("bob.near", "alice.near", "tags/rust"),
        Some(Some("h".to_owned()))
    );
    assert_eq!(g.tags()[0].tag, "rust");
    assert_eq!(g.capabilities()[0].value, "audit");
    assert_eq!(g.hidden(), ["carol.near"]);
    assert_eq!(g.agent_count(), 2);
    assert_eq!(g.height(), 9);
    drop(g);
    let status = ix.sync_status();
    assert_eq!(status.last_success_ns, Some(T0));
    assert_eq!(status.rows, 13);
    assert_eq!(status.height, 9);
    assert!(status.last_error.is_none());
}

#[tokio::test]
async fn the_first_request_of_a_pull_is_the_profile_scan() {
    let s = setup(Duration::from_secs(5)).await;
    // Exactly one first-page profile scan per pull, with the configured page size.
    Mock::given(method("POST"))
        .and(path(format!("/v0/latest/{NS}")))
        .and(body_json(json!({"key": "profile", "limit": 2})))
        .respond_with(FakeServer(s.fake.clone()))
        .with_priority(1)
        .expect(2)
        .mount(&s.server)
        .await;
    populate(&s.fake);
    let ix = indexer();
    sync_once(&ix, &s.source, T0).await.unwrap();
    sync_once(&ix, &s.source, T0 + SECOND).await.unwrap();
    // A known created_at is not fetched again: the second pull reads no history.
    let history = s
        .server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().starts_with("/v0/history/"))
        .count();
    assert_eq!(history, 3);
}

#[tokio::test]
async fn a_rescan_applies_the_difference() {
    let s = setup(Duration::from_secs(5)).await;
    populate(&s.fake);
    let ix = indexer();
    sync_once(&ix, &s.source, T0).await.unwrap();
    // New follow, an unfollow (tombstone), a removed tag key (gone from FastData altogether),
    // a new profile, and the admin unhiding carol.
    s.fake.write(
        "carol.near",
        "graph/follow/bob.near",
        10,
        json!({"reason": "new"}),
    );
    s.fake
        .write("bob.near", "graph/follow/alice.near", 11, Value::Null);
    s.fake.forget("alice.near", "tag/rust");
    s.fake
        .write("dave.near", "profile", 12, json!({"name": "Dave"}));
    s.fake.write(ADMIN, "hidden/carol.near", 13, Value::Null);
    let report = sync_once(&ix, &s.source, T0 + 60 * SECOND).await.unwrap();
    assert_eq!(report.removed, 1, "the tag key FastData no longer has");
    // The follow, the unfollow, dave's profile and the unhide; the rest is known (stale).
    assert_eq!(report.stats.applied, 4);
    {
        let g = ix.read();
        assert!(g.is_following("carol.near", "bob.near"));
        assert!(!g.is_following("bob.near", "alice.near"));
        assert!(g.is_following("carol.near", "alice.near"));
        let alice = g.agent("alice.near").unwrap();
        assert_eq!(alice.follower_count, 1);
        assert!(g.tags().is_empty());
        assert!(g.hidden().is_empty());
        assert_eq!(g.agent_count(), 4);
        assert_eq!(g.agent("dave.near").unwrap().created_at_height, Some(12));
        let bob = g.followers("bob.near", None, 10);
        assert_eq!(bob.followers[0].agent.account_id, "carol.near");
        assert_eq!(bob.followers[0].reason.as_deref(), Some("new"));
        assert_eq!(g.height(), 13);
    }
    // Nothing changed since: a third pull applies and removes nothing.
    let again = sync_once(&ix, &s.source, T0 + 120 * SECOND).await.unwrap();
    assert_eq!((again.stats.applied, again.removed), (0, 0));
}

#[tokio::test]
async fn a_server_error_leaves_the_index_untouched_and_is_reported() {
    let s = setup(Duration::from_secs(5)).await;
    populate(&s.fake);
    let ix = indexer();
    sync_once(&ix, &s.source, T0).await.unwrap();
    let before = snapshot(&ix);
    // New data is available, but the endorsement scan fails after the profiles and follows
    // were read: nothing of this pull may be applied.
    s.fake
        .write("carol.near", "graph/follow/bob.near", 10, json!({}));
    s.fake.forget("alice.near", "tag/rust");
    *s.fake.fault.lock().unwrap() = Some((
        "endorsing/".to_owned(),
        ResponseTemplate::new(500).set_body_json(json!({"error": "boom"})),
    ));
    let later = T0 + 30 * SECOND;
    let err = sync_once(&ix, &s.source, later).await.unwrap_err();
    assert!(matches!(err, IndexerError::FastData(_)), "{err}");
    assert_eq!(snapshot(&ix), before);
    let status = ix.sync_status();
    assert_eq!(status.last_attempt_ns, Some(later));
    assert_eq!(status.last_success_ns, Some(T0));
    assert_eq!(status.lag_ns(later), Some(30 * SECOND));
    let message = status.last_error.unwrap();
    assert!(message.contains("500"), "{message}");
    assert_eq!(status.rows, 13, "the last success's figures stay");
    assert_eq!(
        s.fake.faulted.load(Ordering::SeqCst),
        1,
        "no retry configured"
    );
    *s.fake.fault.lock().unwrap() = None;
    // The next pull succeeds, applies the difference and clears the error.
    let healed = T0 + 60 * SECOND;
    let report = sync_once(&ix, &s.source, healed).await.unwrap();
    assert_eq!(report.removed, 1);
    assert!(ix.read().is_following("carol.near", "bob.near"));
    let status = ix.sync_status();
    assert!(status.last_error.is_none());
    assert_eq!(status.lag_ns(healed), Some(0));
}

#[tokio::test]
async fn a_timeout_leaves_the_index_untouched_and_is_reported() {
    let s = setup(Duration::from_millis(200)).await;
    populate(&s.fake);
    let ix = indexer();
    sync_once(&ix, &s.source, T0).await.unwrap();
    let before = snapshot(&ix);
    s.fake
        .write("carol.near", "graph/follow/bob.near", 10, json!({}));
    // The tag scan answers only after the client's deadline.
    *s.fake.fault.lock().unwrap() = Some((
        "tag/".to_owned(),
        ResponseTemplate::new(200)
            .set_body_json(json!({"entries": []}))
            .set_delay(Duration::from_secs(3)),
    ));
    let later = T0 + 10 * SECOND;
    let err = sync_once(&ix, &s.source, later).await.unwrap_err();
    assert!(
        matches!(
            err,
            IndexerError::FastData(fastdata_client::FastDataError::Timeout { .. })
        ),
        "{err}"
    );
    assert_eq!(snapshot(&ix), before);
    let status = ix.sync_status();
    assert_eq!(status.last_success_ns, Some(T0));
    assert_eq!(status.lag_ns(later), Some(10 * SECOND));
    assert!(
        status
            .last_error
            .is_some_and(|e| e.contains("timed out") || e.contains("timeout"))
    );
}

#[tokio::test]
async fn pull_loop_pulls_at_start_and_again_each_interval_until_shutdown() {
    let s = setup(Duration::from_secs(5)).await;
    populate(&s.fake);
    let ix = Arc::new(indexer());
    let clock = Arc::new(ManualClock::new(T0));
    let fake = s.fake.clone();
    // The test edits FastData when the first pull starts (so the second pull sees the new
    // follow) and stops the loop once the second pull has started.
    let shutdown = {
        let fake = fake.clone();
        async move {
            while fake.pulls.load(Ordering::SeqCst) < 2 {
                fake.pull_started.notified().await;
                if fake.pulls.load(Ordering::SeqCst) == 1 {
                    fake.write("carol.near", "graph/follow/bob.near", 10, json!({}));
                }
            }
        }
    };
    pull_loop(
        ix.clone(),
        Arc::new(s.source.clone()),
        clock,
        Duration::from_millis(1),
        shutdown,
    )
    .await;
    assert!(fake.pulls.load(Ordering::SeqCst) >= 2);
    let g = ix.read();
    assert!(g.is_following("carol.near", "bob.near"));
    assert_eq!(g.agent("alice.near").unwrap().follower_count, 2);
    drop(g);
    let status = ix.sync_status();
    assert_eq!(status.last_success_ns, Some(T0));
    assert!(status.last_error.is_none());
}

// ---- scans that end early (issue 12) ----------------------------------------------------------

/// The measured set-up of the issue: 250 agents and 500 follows (agent i follows i+1 and i+2).
fn populate_scale(fake: &Fake) {
    for i in 0..250u64 {
        fake.write(
            &agent(i),
            "profile",
            1 + i,
            json!({"name": format!("Agent {i}")}),
        );
    }
    for i in 0..250u64 {
        for d in 1..=2 {
            let key = format!("graph/follow/{}", agent((i + d) % 250));
            fake.write(&agent(i), &key, 300 + 2 * i + d, json!({}));
        }
    }
}

fn agent(i: u64) -> String {
    format!("agent{i:03}.near")
}

/// (listed agents, follow edges) as the API would count them.
fn totals(ix: &Indexer) -> (usize, u64) {
    let g = ix.read();
    let edges = (0..250u64)
        .filter_map(|i| g.agent(&agent(i)))
        .map(|a| a.following_count)
        .sum();
    (g.agent_count(), edges)
}

/// Regression (issue 12): a scan that ended early was reported complete and the pull's removal
/// pass deleted everything the short scan had not returned (50 agents and 300 follows).
#[tokio::test]
async fn a_scan_that_ends_early_removes_nothing() {
    for target in ["profile", "graph/follow/"] {
        for glitch in [Glitch::RepeatPage, Glitch::TokenCycle, Glitch::ServerError] {
            let s = setup_paged(Duration::from_secs(5), 200).await;
            populate_scale(&s.fake);
            let ix = indexer();
            sync_once(&ix, &s.source, T0).await.unwrap();
            assert_eq!(totals(&ix), (250, 500));
            let before = snapshot(&ix);
            *s.fake.glitch.lock().unwrap() = Some((target.to_owned(), glitch));
            let bad = sync_once(&ix, &s.source, T0 + 60 * SECOND).await;
            let what = format!("{glitch:?} on {target}");
            match glitch {
                Glitch::ServerError => assert!(bad.is_err(), "{what}"),
                _ => {
                    let report = bad.unwrap();
                    assert_eq!(report.removed, 0, "{what}");
                    assert_eq!(report.incomplete_scans, 1, "{what}");
                    assert_eq!(ix.sync_status().incomplete_scans, 1, "{what}");
                }
            }
            assert_eq!(totals(&ix), (250, 500), "{what}");
            assert_eq!(snapshot(&ix), before, "{what}");
            *s.fake.glitch.lock().unwrap() = None;
            let healthy = sync_once(&ix, &s.source, T0 + 120 * SECOND).await.unwrap();
            assert_eq!(
                (healthy.removed, healthy.incomplete_scans),
                (0, 0),
                "{what}"
            );
            assert_eq!(snapshot(&ix), before, "{what}");
        }
    }
}

/// Regression (issue 12): a row missing from one pull was removed and stayed gone through every
/// later pull, because the inferred deletion carried the row's own version.
#[tokio::test]
async fn a_row_missing_from_one_pull_is_back_after_the_next() {
    let s = setup_paged(Duration::from_secs(5), 200).await;
    populate_scale(&s.fake);
    let ix = indexer();
    sync_once(&ix, &s.source, T0).await.unwrap();
    let before = snapshot(&ix);
    let follow = format!("graph/follow/{}", agent(8));
    *s.fake.hidden_rows.lock().unwrap() =
        vec![(agent(7), "profile".to_owned()), (agent(7), follow.clone())];
    let missing = sync_once(&ix, &s.source, T0 + 60 * SECOND).await.unwrap();
    assert_eq!(
        missing.removed, 2,
        "a complete scan without them removes them"
    );
    assert!(ix.read().agent(&agent(7)).is_none());
    assert!(!ix.read().is_following(&agent(7), &agent(8)));
    s.fake.hidden_rows.lock().unwrap().clear();
    let back = sync_once(&ix, &s.source, T0 + 120 * SECOND).await.unwrap();
    assert_eq!(
        back.stats.applied, 2,
        "the unchanged rows are applied again"
    );
    assert!(ix.read().is_following(&agent(7), &agent(8)));
    assert_eq!(
        ix.read().agent(&agent(7)).unwrap().name.as_deref(),
        Some("Agent 7")
    );
    assert_eq!(totals(&ix), (250, 500));
    assert_eq!(snapshot(&ix), before);
}
