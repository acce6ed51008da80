//! Write-through: read-your-writes, confirmation, and the grace period under pull.

use indexer::{Indexer, IndexerConfig, rebuild_from_ledger, sync_once};
use nearly_sandbox::fastdata_api::LedgerReader;
use serde_json::json;

use crate::indexer_helpers::{NS, T0, TempLedger};

const SEC: u64 = 1_000_000_000;

fn follow(target: &str) -> (String, Option<serde_json::Value>) {
    (format!("graph/follow/{target}"), Some(json!({})))
}

#[test]
fn own_write_is_visible_at_once_and_replaced_by_the_confirmed_entry() {
    let t = TempLedger::new();
    t.commit("alice.near", json!({"profile": {"name": "Alice"}}));
    let ix = Indexer::new(IndexerConfig::new(NS));
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    ix.apply_own_write("bob.near", &[follow("alice.near")], T0 + 5 * SEC);
    assert!(ix.read().is_following("bob.near", "alice.near"));
    // Replaying the old state (height 1) does not undo it.
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    assert!(ix.read().is_following("bob.near", "alice.near"));
    // The confirmed write lands with its real height and time.
    let h = t.commit(
        "bob.near",
        json!({"graph/follow/alice.near": {"reason": "confirmed"}}),
    );
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    let g = ix.read();
    let f = g.followers("alice.near", None, 10);
    assert_eq!(f.followers[0].at_height, h);
    assert_eq!(f.followers[0].reason.as_deref(), Some("confirmed"));
}

#[test]
fn own_unfollow_hides_the_edge_until_the_delete_is_confirmed() {
    let t = TempLedger::new();
    t.commit("bob.near", json!({"graph/follow/alice.near": {}}));
    let ix = Indexer::new(IndexerConfig::new(NS));
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    ix.apply_own_write("bob.near", &[("graph/follow/alice.near".into(), None)], T0);
    assert!(!ix.read().is_following("bob.near", "alice.near"));
    t.commit("bob.near", json!({"graph/follow/alice.near": null}));
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    assert!(!ix.read().is_following("bob.near", "alice.near"));
    // A later real follow is applied normally.
    t.commit("bob.near", json!({"graph/follow/alice.near": {}}));
    rebuild_from_ledger(&ix, &t.ledger).unwrap();
    assert!(ix.read().is_following("bob.near", "alice.near"));
}

#[tokio::test]
async fn pull_keeps_an_unconfirmed_own_write_until_the_grace_expires() {
    let t = TempLedger::new();
    t.commit("alice.near", json!({"profile": {"name": "Alice"}}));
    let source = LedgerReader::new(t.ledger.clone(), NS);
    let ix = Indexer::new(IndexerConfig::new(NS).with_grace_ns(30 * SEC));
    sync_once(&ix, &source, T0).await.unwrap();
    ix.apply_own_write("bob.near", &[follow("alice.near")], T0 + SEC);
    // FastData has not indexed it yet: within the grace it stays.
    let report = sync_once(&ix, &source, T0 + 10 * SEC).await.unwrap();
    assert_eq!(report.removed, 0);
    assert!(ix.read().is_following("bob.near", "alice.near"));
    // Past the grace, the pulled state wins.
    let report = sync_once(&ix, &source, T0 + 40 * SEC).await.unwrap();
    assert_eq!(report.removed, 1);
    assert!(!ix.read().is_following("bob.near", "alice.near"));
}
