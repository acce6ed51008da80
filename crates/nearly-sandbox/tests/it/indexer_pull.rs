//! Pull: bootstrap and re-scan through any `FastDataRead` (here the sandbox's in-process reader
//! over a ledger), compared with the push-built index.

use indexer::{Indexer, IndexerConfig, ListQuery, Sort, rebuild_from_ledger, sync_once};
use nearly_sandbox::fastdata_api::LedgerReader;
use serde_json::json;

use crate::indexer_helpers::{NS, T0, TempLedger};

fn populate(t: &TempLedger) {
    t.commit("alice.near", json!({"profile": {"name": "Alice", "tags": ["rust"]}, "tag/rust": true, "cap/skills/audit": true}));
    t.commit(
        "bob.near",
        json!({"profile": {"name": "Bob"}, "graph/follow/alice.near": {"reason": "r"}}),
    );
    t.commit(
        "alice.near",
        json!({"profile": {"name": "Alice 2", "tags": ["rust"]}}),
    );
    t.commit("carol.near", json!({"endorsing/alice.near/tags/rust": {"content_hash": "h"}, "graph/follow/ghost.near": {}}));
    t.commit("admin.near", json!({"hidden/bob.near": true}));
    t.commit("carol.near", json!({"graph/follow/ghost.near": null}));
}

fn snapshot(ix: &Indexer) -> serde_json::Value {
    let g = ix.read();
    json!({
        "active": g.list_agents(&ListQuery { limit: 100, ..ListQuery::default() }),
        "newest": g.list_agents(&ListQuery { sort: Sort::Newest, limit: 100, ..ListQuery::default() }),
        "alice": g.agent("alice.near"),
        "bob": g.agent("bob.near"),
        "followers": g.followers("alice.near", None, 100),
        "endorsers": g.endorsers("alice.near"),
        "tags": g.tags(),
        "caps": g.capabilities(),
        "hidden": g.hidden(),
        "ghost": g.followers("ghost.near", None, 100),
    })
}

#[tokio::test]
async fn pulled_index_equals_the_pushed_one() {
    let t = TempLedger::new();
    populate(&t);
    let config = IndexerConfig::new(NS).with_admin("admin.near");
    let pushed = Indexer::new(config.clone());
    rebuild_from_ledger(&pushed, &t.ledger).unwrap();
    let pulled = Indexer::new(config);
    let source = LedgerReader::new(t.ledger.clone(), NS);
    let report = sync_once(&pulled, &source, T0).await.unwrap();
    assert!(report.rows > 0);
    // FastData rows carry no position in block: compare what the API shows.
    assert_eq!(snapshot(&pulled), snapshot(&pushed));
    assert_eq!(
        pulled.read().agent("alice.near").unwrap().created_at_height,
        Some(1)
    );
    let status = pulled.sync_status();
    assert_eq!(status.last_success_ns, Some(T0));
    assert_eq!(status.lag_ns(T0 + 7), Some(7));
    assert!(status.last_error.is_none());
    // A second pull changes nothing.
    let again = sync_once(&pulled, &source, T0 + 1).await.unwrap();
    assert_eq!((again.stats.applied, again.removed), (0, 0));
}

#[tokio::test]
async fn a_key_absent_from_the_source_is_removed() {
    let full = TempLedger::new();
    full.commit(
        "bob.near",
        json!({"profile": {"name": "Bob"}, "graph/follow/alice.near": {}, "tag/x": true}),
    );
    let partial = TempLedger::new();
    partial.commit("bob.near", json!({"profile": {"name": "Bob"}}));
    let ix = Indexer::new(IndexerConfig::new(NS));
    sync_once(&ix, &LedgerReader::new(full.ledger.clone(), NS), T0)
        .await
        .unwrap();
    assert!(ix.read().is_following("bob.near", "alice.near"));
    let report = sync_once(&ix, &LedgerReader::new(partial.ledger.clone(), NS), T0 + 1)
        .await
        .unwrap();
    assert_eq!(report.removed, 2);
    let g = ix.read();
    assert!(!g.is_following("bob.near", "alice.near"));
    assert!(g.tags().is_empty());
    assert!(g.agent("bob.near").is_some());
}
