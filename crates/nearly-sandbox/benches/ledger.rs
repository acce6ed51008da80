//! Ledger throughput: durable commits per second, and prefix-scan rows per second.
//!
//! Run: `cargo bench -p nearly-sandbox -- --warm-up-time 1 --measurement-time 3`

// A benchmark is a test harness: a failed unwrap is a failed run, which is what we want.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_main};
use nearly_sandbox::ledger::{Index, KeyFilter, Ledger, Position, ScanQuery, SystemClock};
use serde_json::{Map, Value, json};

/// A fresh directory under the system temp dir (removed when the bench ends).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nearly-sandbox-bench-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn commit(c: &mut Criterion) {
    let dir = TempDir::new("commit");
    let ledger = Ledger::open(dir.0.join("l.redb"), SystemClock).unwrap();
    let mut i = 0u64;
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.bench_function("commit_3_keys_durable", |b| {
        b.iter(|| {
            i += 1;
            let args: Map<String, Value> = json!({
                "profile": {"name": format!("agent {i}"), "description": "a benchmark agent"},
                format!("tag/t{}", i % 50): true,
                format!("graph/follow/acct{i}.near"): {"at": i},
            })
            .as_object()
            .unwrap()
            .clone();
            ledger
                .commit("contextual.near", "bench.near", &args)
                .unwrap()
        });
    });
    group.finish();
}

fn prefix_scan(c: &mut Criterion) {
    const KEYS: usize = 10_000;
    const PAGE: usize = 200;
    let dir = TempDir::new("scan");
    let ledger = Ledger::open(dir.0.join("l.redb"), SystemClock).unwrap();
    for chunk in 0..KEYS / 250 {
        let args: Map<String, Value> = (0..250)
            .map(|j| {
                let n = chunk * 250 + j;
                (
                    format!("graph/follow/acct{n:05}.near"),
                    json!({"at": n, "note": "x"}),
                )
            })
            .collect();
        ledger
            .commit("contextual.near", "bench.near", &args)
            .unwrap();
        // Noise outside the prefix, and another writer.
        ledger
            .commit(
                "contextual.near",
                "other.near",
                json!({"graph/follow/x.near": 1}).as_object().unwrap(),
            )
            .unwrap();
    }
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(KEYS as u64));
    group.bench_function("prefix_scan_10k_in_200_row_pages", |b| {
        b.iter(|| {
            let mut q = ScanQuery::new(
                Index::Latest {
                    namespace: "contextual.near".into(),
                    predecessor: "bench.near".into(),
                },
                PAGE,
            );
            q.filter = KeyFilter::Prefix("graph/follow/".into());
            let mut total = 0;
            loop {
                let page = ledger.scan(&q).unwrap();
                total += page.len();
                if page.len() < PAGE {
                    break;
                }
                q.after = page.last().map(Position::from);
            }
            assert_eq!(total, KEYS);
            total
        });
    });
    group.finish();
}

// `criterion_group!` generates an undocumented pub fn.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::commit, super::prefix_scan);
}
use group::benches;

criterion_main!(benches);
