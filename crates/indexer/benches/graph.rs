//! Criterion benchmarks at 100k agents / 1M follows / 1M endorsements: ingest throughput and
//! the query paths the API serves. Run:
//! `cargo bench -p indexer --bench graph -- --warm-up-time 1 --measurement-time 3`.

#![allow(missing_docs, clippy::unwrap_used, clippy::cast_possible_truncation)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use indexer::{Indexer, IndexerConfig, ListQuery, Sort};
use nearly_core::Xorshift32;

/// The allocator `nearly-server` runs with (its `main.rs`): record-building queries spend about
/// half their time in the allocator, so the system allocator would measure another program.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/mod.rs"]
mod support;

fn queries(c: &mut Criterion) {
    let ix = support::build();
    let g = ix.read();
    let mut group = c.benchmark_group("query");
    let who = support::account(4242);
    group.bench_function("profile", |b| {
        b.iter(|| black_box(g.agent(black_box(&who))))
    });
    group.bench_function("followers_page_25", |b| {
        b.iter(|| black_box(g.followers(black_box(&who), None, 25)))
    });
    let list = ListQuery {
        sort: Sort::Active,
        limit: 25,
        ..ListQuery::default()
    };
    group.bench_function("list_active_page_25", |b| {
        b.iter(|| black_box(g.list_agents(&list)))
    });
    let cursor = g
        .list_agents(&ListQuery {
            limit: 25,
            ..ListQuery::default()
        })
        .cursor
        .unwrap();
    let next = ListQuery {
        cursor: Some(&cursor),
        ..list
    };
    group.bench_function("list_active_page_25_cursor", |b| {
        b.iter(|| black_box(g.list_agents(&next)))
    });
    let tagged = ListQuery {
        tag: Some("t7"),
        ..list
    };
    group.bench_function("list_tag_page_25", |b| {
        b.iter(|| black_box(g.list_agents(&tagged)))
    });
    group.bench_function("discover_10", |b| {
        b.iter(|| black_box(g.discover(black_box(&who), 10, None)))
    });
    group.bench_function("discover_10_vrf", |b| {
        b.iter(|| black_box(g.discover(black_box(&who), 10, Some(Xorshift32::new(0xdead_beef)))))
    });
    group.bench_function("network", |b| {
        b.iter(|| black_box(g.network(black_box(&who))))
    });
    group.bench_function("endorsers", |b| {
        b.iter(|| black_box(g.endorsers(black_box(&who))))
    });
    group.finish();
}

fn ingest(c: &mut Criterion) {
    // Follows into a graph that already holds the agents: 10k agents' follows (100k entries).
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    let batch = support::writes(support::Phase::Follows, 0, 10_000);
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("follows_100k_entries", |b| {
        b.iter_batched(
            || Indexer::new(IndexerConfig::new("contextual.near")),
            |ix| {
                for tx in batch.chunk_by(|a, b| a.version.height == b.version.height) {
                    ix.apply_writes(tx);
                }
                ix
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, queries, ingest);
criterion_main!(benches);
