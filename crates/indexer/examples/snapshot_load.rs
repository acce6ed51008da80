//! Snapshot size and load speed at scale, side by side with the replay it replaces: builds the
//! scale graph in memory (100k agents / 1M follows / 1M endorsements, the benchmark's
//! deterministic generator), writes a snapshot, then times (a) loading it into a fresh index and
//! (b) re-applying every entry into an empty index (what a full rebuild costs without I/O).
//!
//! Run: `cargo run --release -p indexer --example snapshot_load [-- PATH]` (the snapshot is
//! written to `PATH`, default a file in a temp dir removed at exit). Nothing is written inside
//! the repository. `-- --load PATH [N]` only loads an existing snapshot, `N` times (default 5),
//! and reports each load: repeated measurements on a noisy machine, or a profile of the load
//! alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::time::Instant;

use indexer::{Indexer, IndexerConfig, load_snapshot, write_snapshot};

#[path = "../benches/support/mod.rs"]
#[allow(dead_code, missing_docs, clippy::cast_possible_truncation)]
mod support;

/// Loads the snapshot at `path` `n` times, one line per load.
fn load_only(path: &std::path::Path, n: usize) {
    let config = IndexerConfig::new("contextual.near");
    for _ in 0..n {
        let started = Instant::now();
        let (loaded, info) = load_snapshot(config.clone(), path).unwrap();
        let load = started.elapsed().as_secs_f64();
        println!(
            "snapshot load: {} records in {load:.3} s = {:.0} records/s ({} agents listed)",
            info.entries,
            info.entries as f64 / load,
            loaded.read().agent_count()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--load") {
        let path = std::path::PathBuf::from(args.get(1).expect("--load PATH [N]"));
        let n = args.get(2).map_or(5, |n| n.parse().expect("N: a count"));
        load_only(&path, n);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = args
        .first()
        .map_or_else(|| dir.path().join("index.snapshot"), |d| d.into());
    let config = IndexerConfig::new("contextual.near");

    let replayed = Indexer::new(config.clone());
    let mut entries = 0;
    let mut replay = 0.0;
    for phase in [
        support::Phase::Profiles,
        support::Phase::Follows,
        support::Phase::Endorsements,
    ] {
        let (n, t) = support::ingest(&replayed, phase);
        entries += n;
        replay += t;
    }
    println!(
        "entries applied by replay: {entries} in {replay:.2} s = {:.0} entries/s",
        entries as f64 / replay
    );

    let started = Instant::now();
    let info = write_snapshot(&replayed, &path).unwrap().unwrap();
    let write = started.elapsed().as_secs_f64();
    println!(
        "snapshot: {} records, {} bytes = {:.1} B per record, written in {write:.2} s",
        info.entries,
        info.bytes,
        info.bytes as f64 / info.entries as f64
    );

    let started = Instant::now();
    let (loaded, got) = load_snapshot(config, &path).unwrap();
    let load = started.elapsed().as_secs_f64();
    assert_eq!(got, info);
    assert_eq!(loaded.read().agent_count(), replayed.read().agent_count());
    assert_eq!(loaded.height(), replayed.height());
    println!(
        "snapshot load: {load:.2} s = {:.0} records/s (replay of the same state: {replay:.2} s)",
        info.entries as f64 / load
    );
}
