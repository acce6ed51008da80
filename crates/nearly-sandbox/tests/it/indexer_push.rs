//! Push: rebuild from the ledger and follow its commits.

use std::sync::Arc;
use std::time::Duration;

use indexer::{
    CatchUpProgress, Indexer, IndexerConfig, follow_ledger, rebuild_from_ledger,
    rebuild_with_progress,
};
use serde_json::json;

use crate::indexer_helpers::{NS, TempLedger};

/// Waits (yielding, never sleeping) until the index reaches `height`.
async fn until_height(ix: &Indexer, height: u64) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while ix.height() < height {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("index reached the height");
}

#[test]
fn rebuild_replays_every_transaction_and_skips_other_namespaces() {
    let t = TempLedger::new();
    t.commit(
        "alice.near",
        json!({"profile": {"name": "Alice"}, "tag/rust": true}),
    );
    t.commit(
        "bob.near",
        json!({"profile": {"name": "Bob"}, "graph/follow/alice.near": {}}),
    );
    t.ledger
        .commit(
            "other.near",
            "carol.near",
            json!({"profile": {}}).as_object().unwrap(),
        )
        .unwrap();
    let h = t.commit(
        "bob.near",
        json!({"graph/follow/alice.near": null, "endorsing/alice.near/tags/rust": {}}),
    );
    let ix = Indexer::new(IndexerConfig::new(NS));
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    let g = ix.read();
    assert_eq!(g.height(), h);
    assert_eq!(g.agent_count(), 2);
    let alice = g.agent("alice.near").unwrap();
    assert_eq!(alice.follower_count, 0);
    assert_eq!(alice.endorsement_count, 1);
    assert_eq!(alice.created_at_height, Some(1));
    assert!(g.agent("carol.near").is_none());
    drop(g);
    // Catching up again applies nothing new.
    assert_eq!(rebuild_from_ledger(&ix, &t.ledger).unwrap().applied, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_ledger_applies_live_commits_and_stops_on_shutdown() {
    let t = TempLedger::new();
    t.commit("alice.near", json!({"profile": {"name": "Alice"}}));
    let ix = Arc::new(Indexer::new(IndexerConfig::new(NS)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(follow_ledger(
        ix.clone(),
        Arc::new(t.ledger.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    until_height(&ix, 1).await;
    let h = t.commit(
        "bob.near",
        json!({"profile": {"name": "Bob"}, "graph/follow/alice.near": {"reason": "hi"}}),
    );
    until_height(&ix, h).await;
    {
        let g = ix.read();
        assert_eq!(g.agent("alice.near").unwrap().follower_count, 1);
        let f = g.followers("alice.near", None, 10);
        assert_eq!(f.followers[0].reason.as_deref(), Some("hi"));
        assert_eq!(f.followers[0].at_height, h);
        // Time is block time: the ledger's clock, floored to seconds.
        assert_eq!(
            f.followers[0].at,
            crate::indexer_helpers::T0 / 1_000_000_000 + 2
        );
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[test]
fn rebuild_spans_batches_and_reaches_the_last_height_whatever_it_holds() {
    let t = TempLedger::new();
    // More transactions than one read batch (1024), every tenth in another namespace, the last
    // one too, and the one before it holding only a key outside the convention.
    let n = 1030u32;
    for i in 0..n - 2 {
        let who = format!("a{i}.near");
        if i % 10 == 9 {
            t.ledger
                .commit(
                    "other.near",
                    &who,
                    json!({"profile": {}}).as_object().unwrap(),
                )
                .unwrap();
        } else {
            let prev = format!("a{}.near", i.saturating_sub(1));
            t.commit(
                &who,
                json!({"profile": {"name": "x"}, format!("graph/follow/{prev}"): {}}),
            );
        }
    }
    t.commit("a0.near", json!({"settings/theme": "dark"}));
    let head = t
        .ledger
        .commit(
            "other.near",
            "z.near",
            json!({"tag/x": true}).as_object().unwrap(),
        )
        .unwrap()
        .block_height;
    let ix = Indexer::new(IndexerConfig::new(NS));
    let stats = rebuild_from_ledger(&ix, &t.ledger).unwrap();
    let listed = (0..n - 2).filter(|i| i % 10 != 9).count();
    assert_eq!(stats.applied, 2 * listed);
    assert_eq!(stats.ignored, 1);
    let g = ix.read();
    assert_eq!(g.height(), head);
    assert_eq!(g.agent_count(), listed);
    assert!(g.is_following("a1027.near", "a1026.near"));
    assert_eq!(g.agent("a1026.near").unwrap().follower_count, 1);
    drop(g);
    assert_eq!(
        rebuild_from_ledger(&ix, &t.ledger).unwrap(),
        indexer::ApplyStats::default()
    );
}

/// What the API would show, for comparing two indexes.
fn view(ix: &Indexer) -> serde_json::Value {
    use indexer::{ListQuery, Sort};
    let g = ix.read();
    let who = ["alice.near", "bob.near", "carol.near", "dave.near"];
    json!({
        "height": g.height(),
        "active": g.list_agents(&ListQuery { limit: 100, ..ListQuery::default() }),
        "newest": g.list_agents(&ListQuery { sort: Sort::Newest, limit: 100, ..ListQuery::default() }),
        "agents": who.iter().map(|a| json!([g.agent(a), g.followers(a, None, 100), g.following(a, None, 100), g.endorsers(a)])).collect::<Vec<_>>(),
        "tags": g.tags(),
        "caps": g.capabilities(),
    })
}

#[test]
fn start_up_from_a_snapshot_plus_the_ledger_tail_equals_a_full_rebuild() {
    let t = TempLedger::new();
    t.commit(
        "alice.near",
        json!({"profile": {"name": "Alice", "tags": ["rust"]}, "tag/rust": true}),
    );
    t.commit(
        "bob.near",
        json!({"profile": {"name": "Bob"}, "graph/follow/alice.near": {"reason": "r"}}),
    );
    t.commit(
        "carol.near",
        json!({"profile": {"name": "Carol"}, "cap/skills/audit": true}),
    );
    let before = Indexer::new(IndexerConfig::new(NS));
    rebuild_from_ledger(&before, &t.ledger).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.snapshot");
    let info = indexer::write_snapshot(&before, &path).unwrap().unwrap();
    assert_eq!(info.height, 3);
    // The tail: changes, deletions and new agents after the snapshot.
    t.commit(
        "bob.near",
        json!({"graph/follow/alice.near": null, "graph/follow/carol.near": {}}),
    );
    t.commit("alice.near", json!({"profile": {"name": "Alice 2", "tags": ["rust"]}, "endorsing/carol.near/skills/audit": {}}));
    t.commit(
        "dave.near",
        json!({"profile": {"name": "Dave"}, "graph/follow/alice.near": {}}),
    );
    t.commit("carol.near", json!({"cap/skills/audit": null}));

    let (from_snapshot, loaded) = indexer::load_or_empty(IndexerConfig::new(NS), &path);
    assert_eq!(loaded, Some(info));
    let tail = rebuild_from_ledger(&from_snapshot, &t.ledger).unwrap();
    assert_eq!(tail.applied, 7, "only the tail's entries are applied");
    let full = Indexer::new(IndexerConfig::new(NS));
    rebuild_from_ledger(&full, &t.ledger).unwrap();
    assert_eq!(view(&from_snapshot), view(&full));
}

/// The start-up catch-up reports its progress while it runs (entries, rate, height, remaining)
/// and once at the end, caught up.
#[test]
fn a_catch_up_reports_its_progress() {
    let t = TempLedger::new();
    // More than one read batch (1024 transactions), so a report falls mid-catch-up.
    for i in 0..1100 {
        t.commit("alice.near", json!({ format!("tag/t{}", i % 7): true }));
    }
    let ix = Indexer::new(IndexerConfig::new(NS));
    let mut reports: Vec<CatchUpProgress> = Vec::new();
    let stats =
        rebuild_with_progress(&ix, &t.ledger, Duration::ZERO, &mut |p| reports.push(*p)).unwrap();
    assert!(
        reports.len() >= 2,
        "a report per batch and a final one: {reports:?}"
    );
    let mid = reports[0];
    assert_eq!((mid.height, mid.head, mid.remaining), (1024, 1100, 76));
    assert_eq!(mid.entries, 1024);
    assert!(reports.windows(2).all(|w| w[0].entries <= w[1].entries));
    let last = reports.last().unwrap();
    assert_eq!((last.height, last.remaining), (1100, 0));
    assert_eq!(
        usize::try_from(last.entries).unwrap(),
        stats.applied + stats.stale + stats.ignored
    );
    assert!(last.rate > 0.0);
}
