//! End-to-end lag of the block feed on the sandbox topology (issue 13): a sandbox server and a
//! production-mode server following its `/neardata` blocks, both in this process on port 0.
//! Each write goes straight through custody (`__fastdata_kv`); the lag is the time from sending
//! it to the production index applying its block (waited on the index's height notification).
//! Baseline in the same run: the sandbox server's own push feed (its ledger follower).
//!
//! `cargo run --release -p nearly-server --example feed_lag -- 200`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use nearly_server::{Config, Server};
use serde_json::{Value, json};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut lags: Vec<Duration>) {
    lags.sort();
    println!(
        "{name:<40} n={:<4} median={:>8.2?} p99={:>8.2?} max={:>8.2?}",
        lags.len(),
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        lags[lags.len() - 1]
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let writes: usize = std::env::args()
        .nth(1)
        .map_or(200, |n| n.parse().expect("a number of writes"));
    let up_dir = tempfile::tempdir().unwrap();
    let prod_dir = tempfile::tempdir().unwrap();
    let upstream = Server::start(Config::sandbox(up_dir.path())).await.unwrap();
    let up = upstream.base_url();
    let prod = Server::start(Config::production_against(&up, prod_dir.path()).unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let wallet: Value = http
        .post(format!("{up}/outlayer/register"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = wallet["api_key"].as_str().unwrap().to_owned();
    let (up_index, prod_index) = (upstream.index(), prod.index());
    let (mut up_watch, mut prod_watch) =
        (up_index.subscribe_height(), prod_index.subscribe_height());
    prod_watch
        .wait_for(|h| *h >= up_index.height())
        .await
        .unwrap();

    let (mut push, mut blocks) = (Vec::new(), Vec::new());
    for i in 0..writes {
        let before = up_index.height();
        let started = Instant::now();
        let response = http
            .post(format!("{up}/outlayer/wallet/v1/call"))
            .bearer_auth(&key)
            .json(&json!({
                "receiver_id": "contextual.near",
                "method_name": "__fastdata_kv",
                "args": {"profile": {"name": format!("agent {i}")}},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let target = *up_watch.wait_for(|h| *h > before).await.unwrap();
        push.push(started.elapsed());
        prod_watch.wait_for(|h| *h >= target).await.unwrap();
        blocks.push(started.elapsed());
    }
    report("baseline: sandbox push feed (ledger)", push);
    report("production block feed (/neardata)", blocks);
    prod.shutdown().await.unwrap();
    upstream.shutdown().await.unwrap();
}
