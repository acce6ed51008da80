//! Push: rebuild from the ledger and follow its commits.

use std::sync::Arc;
use std::time::Duration;

use indexer::{Indexer, IndexerConfig, follow_ledger, rebuild_from_ledger};
use serde_json::json;

use crate::helpers::{NS, TempLedger};

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
    let task = tokio::spawn(follow_ledger(ix.clone(), t.ledger.clone(), async {
        let _ = stopped.await;
    }));
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
        assert_eq!(f.followers[0].at, crate::helpers::T0 / 1_000_000_000 + 2);
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
