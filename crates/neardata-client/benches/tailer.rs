//! Blocks/s and entries/s the tailer decodes and extracts, from a local fake.
//!
//! Each block is shaped like a busy mainnet block: 100 `__fastdata_kv` calls to the namespace
//! (3 keys each: a profile object, a tag, a follow edge) and 100 unrelated receipts (an
//! `ft_transfer` to another contract), over 4 shards. Three benches, same blocks:
//! - `tail/in_memory`: `Tailer::next` over an in-process `BlockSource` that hands out the
//!   body bytes: `Block::decode` + chain check + `extract`, i.e. the tailer's own cost.
//! - `tail/http_localhost`: the same through `HttpNeardata` against an axum server on
//!   127.0.0.1 serving the bytes: adds HTTP, one request per block.
//! - `baseline/serde_json_value`: parsing the same bodies into a full `serde_json::Value`
//!   (what a tailer without the lazy subset types would pay before extracting anything).
//!
//! NEAR makes ~1.7 blocks/s; the target is >= 50x, i.e. >= 85 blocks/s with 100 calls each.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use neardata_client::{
    Block, BlockAnswer, BlockSource, Cursor, HttpConfig, HttpNeardata, NeardataError, Tailer,
    TailerConfig,
};
use serde_json::{Value, json};

const NS: &str = "contextual.near";
const BLOCKS: u64 = 20;
const CALLS: usize = 100;
const KEYS_PER_CALL: usize = 3;

fn action(method: &str, args: &Value) -> Value {
    json!({"FunctionCall": {"method_name": method, "args": STANDARD.encode(args.to_string()),
        "gas": 30_000_000_000_000u64, "deposit": "0"}})
}

fn outcome(i: usize, receiver: &str, action: Value) -> Value {
    let id = format!("{:0>44}", i);
    json!({
        "execution_outcome": {"proof": [], "block_hash": "x", "id": id,
            "outcome": {"logs": [], "receipt_ids": [], "gas_burnt": 2_428_000_000_000u64,
                "tokens_burnt": "242800000000000000000", "executor_id": receiver,
                "status": {"SuccessValue": ""}, "metadata": {"version": 3, "gas_profile": []}}},
        "receipt": {"predecessor_id": format!("agent{i}.near"), "receiver_id": receiver,
            "receipt_id": id, "priority": 0,
            "receipt": {"Action": {"signer_id": format!("agent{i}.near"),
                "signer_public_key": "ed25519:GSw99kxD2GupuTF7dx4EqRqhBbhgzq2ZpTXDYBAnxB9h",
                "gas_price": "100000000", "output_data_receivers": [], "input_data_ids": [],
                "actions": [action], "is_promise_yield": false}}},
        "tx_hash": "5s4z4G2BgBMRzyFhgATb68N29TaucDN2yxwNEHteEmn2",
    })
}

fn block(h: u64) -> Vec<u8> {
    let mut shards: Vec<Vec<Value>> = vec![Vec::new(); 4];
    for i in 0..CALLS {
        let args = json!({
            "profile": {"name": format!("Agent {i}"), "description": "An agent that writes often",
                "image": null, "tags": ["rust", "ai"]},
            "tag/rust": true,
            format!("graph/follow/agent{}.near", i + 1): {"at": 1_764_547_200u64},
        });
        shards[i % 4].push(outcome(i, NS, action("__fastdata_kv", &args)));
        let transfer = json!({"receiver_id": "bob.near", "amount": "1000000", "memo": null});
        shards[(i + 1) % 4].push(outcome(
            i,
            "usdt.tether-token.near",
            action("ft_transfer", &transfer),
        ));
    }
    let doc = json!({
        "block": {"author": "validator.poolv1.near", "header": {
            "height": h, "prev_height": h - 1, "hash": format!("hash{h}"), "prev_hash": format!("hash{}", h - 1),
            "timestamp": 1_764_547_200_123_456_789u64 + h, "timestamp_nanosec": (1_764_547_200_123_456_789u64 + h).to_string()},
            "chunks": []},
        "shards": shards.into_iter().enumerate().map(|(id, o)| json!({
            "shard_id": id, "chunk": null, "receipt_execution_outcomes": o, "state_changes": []}))
            .collect::<Vec<_>>(),
    });
    serde_json::to_vec(&doc).unwrap()
}

struct Memory(Vec<Vec<u8>>);

#[async_trait]
impl BlockSource for Memory {
    async fn final_height(&self) -> Result<u64, NeardataError> {
        Ok(self.0.len() as u64)
    }
    async fn block(&self, height: u64) -> Result<BlockAnswer, NeardataError> {
        let bytes = &self.0[(height - 1) as usize];
        Block::decode(bytes, height).map(|b| BlockAnswer::Block(Box::new(b)))
    }
}

async fn tail(source: Arc<dyn BlockSource>) -> usize {
    let mut tailer = Tailer::new(source, TailerConfig::new(NS), Cursor::after(0));
    let mut entries = 0;
    for _ in 0..BLOCKS {
        entries += tailer.next().await.unwrap().writes.len();
    }
    assert_eq!(entries, BLOCKS as usize * CALLS * KEYS_PER_CALL);
    entries
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bodies: Vec<Vec<u8>> = (1..=BLOCKS).map(block).collect();
    let memory: Arc<dyn BlockSource> = Arc::new(Memory(bodies.clone()));

    let served = Arc::new(bodies.clone());
    let base = rt.block_on(async move {
        let app = axum::Router::new().route(
            "/v0/block/{h}",
            axum::routing::get(move |axum::extract::Path(h): axum::extract::Path<u64>| {
                let served = served.clone();
                async move { served[(h - 1) as usize].clone() }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    });
    let http: Arc<dyn BlockSource> =
        Arc::new(HttpNeardata::new(&base, HttpConfig::default()).unwrap());

    let mut group = c.benchmark_group("tail");
    group.throughput(Throughput::Elements(BLOCKS));
    group.bench_function("in_memory", |b| {
        b.iter(|| rt.block_on(tail(memory.clone())))
    });
    group.bench_function("http_localhost", |b| {
        b.iter(|| rt.block_on(tail(http.clone())))
    });
    group.finish();

    let mut group = c.benchmark_group("baseline");
    group.throughput(Throughput::Elements(BLOCKS));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for body in &bodies {
                criterion::black_box(serde_json::from_slice::<Value>(body).unwrap());
            }
        })
    });
    group.finish();
    println!(
        "block body: {} bytes, {} calls, {} entries",
        bodies[0].len(),
        CALLS,
        CALLS * KEYS_PER_CALL
    );
}

criterion_group!(name = tailer; config = Criterion::default().sample_size(20); targets = benches);
criterion_main!(tailer);
