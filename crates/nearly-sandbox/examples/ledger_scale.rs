//! Start-up from disk: builds (once) an on-disk sandbox ledger holding the scale graph (100k
//! agents / 1M follows / 1M endorsements, the same deterministic generator as the benchmark, one
//! transaction per agent per kind: 300k transactions of 5 or 10 keys), then times
//! `rebuild_from_ledger` into an empty index.
//!
//! Run: `cargo run --release -p nearly-sandbox --example ledger_scale [-- DIR]`. The ledger lives in
//! `DIR` (default `$TMPDIR/nearly-indexer-ledger-scale`) and is reused by later runs; building
//! it commits 300k fsynced transactions (minutes). Nothing is written inside the repository.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use indexer::{Indexer, IndexerConfig, rebuild_from_ledger};
use nearly_sandbox::Ledger;
use nearly_sandbox::ledger::ManualClock;
use serde_json::{Map, Value};

#[path = "../../indexer/benches/support/mod.rs"]
#[allow(dead_code, missing_docs, clippy::cast_possible_truncation)]
mod support;

const NAMESPACE: &str = "contextual.near";

fn build(ledger: &Ledger, clock: &ManualClock) -> usize {
    let mut entries = 0;
    let start = Instant::now();
    for phase in [
        support::Phase::Profiles,
        support::Phase::Follows,
        support::Phase::Endorsements,
    ] {
        let chunk = 5_000;
        let mut from = 0;
        while from < support::AGENTS {
            let to = (from + chunk).min(support::AGENTS);
            let writes = support::writes(phase, from, to);
            for tx in writes.chunk_by(|a, b| a.version.height == b.version.height) {
                // One agent's transaction: at most 10 keys, far below the 256-key limit.
                let args: Map<String, Value> = tx
                    .iter()
                    .map(|w| (w.key.clone(), w.value.clone().unwrap_or(Value::Null)))
                    .collect();
                clock.set(tx[0].block_timestamp_ns);
                ledger.commit(NAMESPACE, &tx[0].predecessor, &args).unwrap();
                entries += tx.len();
            }
            from = to;
            let head = ledger.head().block_height;
            if head.is_multiple_of(50_000) {
                eprintln!(
                    "  {head} transactions committed, {:.0} s",
                    start.elapsed().as_secs_f64()
                );
            }
        }
    }
    entries
}

fn main() {
    let dir = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join("nearly-indexer-ledger-scale"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ledger.redb");
    let clock = Arc::new(ManualClock::new(0));
    let ledger = Ledger::open(&path, clock.clone()).unwrap();
    let want = 3 * u64::from(support::AGENTS);
    let head = ledger.head().block_height;
    if head == 0 {
        println!("building the ledger at {} ...", path.display());
        let start = Instant::now();
        let entries = build(&ledger, &clock);
        println!(
            "built: {entries} entries in {} transactions, {:.0} s",
            ledger.head().block_height,
            start.elapsed().as_secs_f64()
        );
    } else if head != want {
        eprintln!(
            "{} holds {head} transactions, not {want}: remove it and run again",
            path.display()
        );
        std::process::exit(1);
    }
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "ledger: {} transactions, {:.0} MiB on disk",
        ledger.head().block_height,
        size as f64 / 1_048_576.0
    );
    for run in 1..=2 {
        let ix = Indexer::new(IndexerConfig::new(NAMESPACE));
        let start = Instant::now();
        let stats = rebuild_from_ledger(&ix, &ledger).unwrap();
        let secs = start.elapsed().as_secs_f64();
        let g = ix.read();
        println!(
            "rebuild {run}: {} entries applied ({} stale, {} ignored) in {secs:.2} s = {:.0} entries/s; \
             {} agents listed, height {}",
            stats.applied,
            stats.stale,
            stats.ignored,
            stats.applied as f64 / secs,
            g.agent_count(),
            g.height()
        );
    }
}
