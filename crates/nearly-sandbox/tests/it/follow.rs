//! Replay-then-follow: every committed transaction exactly once, in height order, no gap.

use nearly_sandbox::ledger::{Ledger, LedgerOptions, ManualClock};
use serde_json::json;
use std::sync::Arc;

use crate::support::{T0, TempDir, TestLedger, obj};

const NS: &str = "contextual.near";

fn commit_n(ledger: &Ledger, pred: &str, n: usize) {
    for i in 0..n {
        ledger
            .commit(NS, pred, &obj(json!({"k": i, format!("w/{i}"): null})))
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_then_follow_with_concurrent_commits() {
    let t = TestLedger::new();
    commit_n(&t.ledger, "early.near", 30);
    let mut sub = t.ledger.follow(0);
    // Writers race with the replay and with the switch to live.
    let writers: Vec<_> = ["w1.near", "w2.near", "w3.near", "w4.near"]
        .into_iter()
        .map(|pred| {
            let ledger = t.ledger.clone();
            std::thread::spawn(move || commit_n(&ledger, pred, 40))
        })
        .collect();
    let total = 30 + 4 * 40;
    let mut seen = Vec::with_capacity(total);
    while seen.len() < total {
        seen.push(sub.next().await.unwrap());
    }
    for w in writers {
        w.join().unwrap();
    }
    let heights: Vec<u64> = seen.iter().map(|tx| tx.block_height).collect();
    assert_eq!(heights, (1..=total as u64).collect::<Vec<_>>());
    assert!(
        seen.windows(2)
            .all(|w| w[0].block_timestamp_ns < w[1].block_timestamp_ns)
    );
    // What was streamed is what is on disk.
    let on_disk = t.ledger.transactions_since(0, usize::MAX).unwrap();
    let streamed: Vec<_> = seen.iter().map(|tx| (**tx).clone()).collect();
    assert_eq!(streamed, on_disk);
    assert_eq!(sub.next_height(), total as u64 + 1);
    assert_eq!(seen[0].entries[1], ("w/0".to_owned(), None));
}

#[tokio::test]
async fn follow_from_a_height_skips_what_the_indexer_already_has() {
    let t = TestLedger::new();
    commit_n(&t.ledger, "a.near", 10);
    let mut sub = t.ledger.follow(7);
    for h in 8..=10 {
        assert_eq!(sub.next().await.unwrap().block_height, h);
    }
    // Caught up: the next one is a live commit.
    t.commit(NS, "b.near", json!({"live": 1}));
    let tx = sub.next().await.unwrap();
    assert_eq!((tx.block_height, tx.predecessor.as_str()), (11, "b.near"));
    assert_eq!(tx.entries, [("live".to_owned(), Some(json!(1)))]);
}

#[tokio::test]
async fn a_lagging_subscriber_catches_up_from_disk() {
    let dir = TempDir::new("lag");
    let ledger = Ledger::open_with(
        dir.file(),
        Arc::new(ManualClock::new(T0)),
        LedgerOptions {
            broadcast_capacity: 2,
        },
    )
    .unwrap();
    let mut sub = ledger.follow(0);
    assert_eq!(sub.next_height(), 1);
    commit_n(&ledger, "a.near", 3);
    // Read one (replayed from disk), then switch to live...
    assert_eq!(sub.next().await.unwrap().block_height, 1);
    for h in 2..=3 {
        assert_eq!(sub.next().await.unwrap().block_height, h);
    }
    // ...then fall far behind the 2-slot broadcast.
    commit_n(&ledger, "a.near", 50);
    for h in 4..=53 {
        assert_eq!(sub.next().await.unwrap().block_height, h);
    }
    // And the raw receiver really did lag.
    let mut raw = ledger.subscribe();
    commit_n(&ledger, "a.near", 3);
    assert!(matches!(
        raw.recv().await,
        Err(tokio::sync::broadcast::error::RecvError::Lagged(1))
    ));
}
