//! The block feed (issue 13): a production-mode server following a sandbox server's
//! `/neardata` blocks, with the sandbox's `/fastdata` and `/outlayer` as its FastData and
//! custody. Writes go straight through custody (`__fastdata_kv`), never through the API.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use indexer::{HealthConfig, HealthState, Indexer};
use nearly_core::{Clock, SystemClock};
use nearly_server::{Config, Server};
use serde_json::{Value, json};

use crate::helpers::{Wallet, fastdata_write, get_json, register};

/// Upper bound on any wait below (a deadline for a failure, never a sleep that passes).
const DEADLINE: Duration = Duration::from_secs(30);

/// Waits (on the index's height notification) until `index` has applied `height`.
async fn until_height(index: &Indexer, height: u64) {
    let mut watch = index.subscribe_height();
    tokio::time::timeout(DEADLINE, watch.wait_for(|h| *h >= height))
        .await
        .unwrap_or_else(|_| panic!("index stuck at {} waiting for {height}", index.height()))
        .unwrap();
}

/// Waits until `check` holds on the index's health, re-checking every 20 ms up to
/// [`DEADLINE`] (health has no notification; the failure being waited for is real I/O).
async fn until_health(index: &Indexer, what: &str, check: impl Fn(&indexer::Health) -> bool) {
    let started = tokio::time::Instant::now();
    loop {
        let health = index.health(SystemClock.now_ns(), None, HealthConfig::default());
        if check(&health) {
            return;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "gave up waiting for {what}: {health:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sandbox_at(dir: &Path, listen: Option<SocketAddr>) -> Server {
    let mut config = Config::sandbox(dir);
    if let Some(addr) = listen {
        config.listen = addr;
    }
    Server::start(config).await.unwrap()
}

async fn production(upstream: &str, dir: &Path) -> Server {
    let config = Config::production_against(upstream, dir).unwrap();
    Server::start(config).await.unwrap()
}

/// Everything the API says about the graph that both servers must agree on.
async fn graph_view(http: &reqwest::Client, base: &str, wallets: &[Wallet]) -> Value {
    let (status, agents) = get_json(http, &format!("{base}/api/v1/agents?limit=100")).await;
    assert_eq!(status, 200, "{agents}");
    let mut view = vec![agents["data"].clone()];
    for w in wallets {
        for path in ["followers", "following"] {
            let (status, body) = get_json(
                http,
                &format!("{base}/api/v1/agents/{}/{path}", w.account_id),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            view.push(body["data"].clone());
        }
    }
    let (status, tags) = get_json(http, &format!("{base}/api/v1/tags")).await;
    assert_eq!(status, 200, "{tags}");
    view.push(tags["data"].clone());
    Value::Array(view)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_follows_sandbox_blocks_across_restarts_and_outages() {
    let http = reqwest::Client::new();
    let up_dir = tempfile::tempdir().unwrap();
    let prod_dir = tempfile::tempdir().unwrap();
    let mut upstream = sandbox_at(up_dir.path(), None).await;
    let up = upstream.base_url();
    let up_addr = upstream.local_addr();
    let wallets = vec![register(&http, &up).await, register(&http, &up).await];
    // Written before the production server exists: it arrives through the bootstrap scan.
    fastdata_write(
        &http,
        &up,
        &wallets[0],
        json!({"profile": {"name": "Alice", "tags": ["rust"]}, "tag/rust": true}),
    )
    .await;

    let prod = production(&up, prod_dir.path()).await;
    let base = prod.base_url();
    until_height(&prod.index(), upstream.index().height()).await;

    // A direct custody write becomes visible through the block feed.
    fastdata_write(
        &http,
        &up,
        &wallets[1],
        json!({
            "profile": {"name": "Bob"},
            format!("graph/follow/{}", wallets[0].account_id): {"reason": "rust"},
        }),
    )
    .await;
    let target = upstream.index().height();
    until_height(&prod.index(), target).await;
    assert_eq!(prod.index().height(), target);
    let (_, followers) = get_json(
        &http,
        &format!("{base}/api/v1/agents/{}/followers", wallets[0].account_id),
    )
    .await;
    assert_eq!(
        followers["data"]["followers"][0]["account_id"],
        wallets[1].account_id.as_str(),
        "{followers}"
    );
    assert_eq!(
        graph_view(&http, &base, &wallets).await,
        graph_view(&http, &up, &wallets).await
    );
    until_health(&prod.index(), "ready", |h| {
        h.ready && h.state == HealthState::Ready
    })
    .await;

    // Restart from the shutdown snapshot; writes made meanwhile are neither missed nor doubled.
    prod.shutdown().await.unwrap();
    fastdata_write(
        &http,
        &up,
        &wallets[0],
        json!({ format!("graph/follow/{}", wallets[1].account_id): {}, "tag/rust": null }),
    )
    .await;
    let prod = production(&up, prod_dir.path()).await;
    let base = prod.base_url();
    let target = upstream.index().height();
    until_height(&prod.index(), target).await;
    assert_eq!(prod.index().height(), target);
    assert_eq!(
        prod.index().read().agent_count(),
        upstream.index().read().agent_count()
    );
    assert_eq!(
        graph_view(&http, &base, &wallets).await,
        graph_view(&http, &up, &wallets).await
    );

    // The sandbox goes away: health shows the outage.
    upstream.shutdown().await.unwrap();
    until_health(&prod.index(), "the outage in health", |h| {
        h.last_error.is_some()
    })
    .await;
    let (status, body) = get_json(&http, &format!("{base}/api/v1/health")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("last_error"), "{body}");

    // Back on the same port and data dir: the tailer catches up by itself.
    upstream = sandbox_at(up_dir.path(), Some(up_addr)).await;
    fastdata_write(
        &http,
        &up,
        &wallets[1],
        json!({"profile": {"name": "Bob again"}}),
    )
    .await;
    let target = upstream.index().height();
    until_height(&prod.index(), target).await;
    until_health(&prod.index(), "the recovery in health", |h| {
        h.last_error.is_none() && h.state == HealthState::Ready
    })
    .await;
    assert_eq!(
        graph_view(&http, &base, &wallets).await,
        graph_view(&http, &up, &wallets).await
    );
    prod.shutdown().await.unwrap();
    upstream.shutdown().await.unwrap();
}

/// Reconciliation, when asked for, finds nothing to repair when the feed kept up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_of_a_caught_up_feed_counts_no_differences() {
    let http = reqwest::Client::new();
    let up_dir = tempfile::tempdir().unwrap();
    let prod_dir = tempfile::tempdir().unwrap();
    let upstream = sandbox_at(up_dir.path(), None).await;
    let up = upstream.base_url();
    let wallet = register(&http, &up).await;
    let prod = production(&up, prod_dir.path()).await;
    fastdata_write(
        &http,
        &up,
        &wallet,
        json!({"profile": {"name": "Carol"}, "tag/go": true}),
    )
    .await;
    until_height(&prod.index(), upstream.index().height()).await;
    let fastdata = fastdata_client::HttpFastData::new(
        &format!("{up}/fastdata"),
        "contextual.near".to_owned(),
        fastdata_client::HttpConfig::default(),
    )
    .unwrap();
    let report = indexer::reconcile_once(&prod.index(), &fastdata, u64::MAX)
        .await
        .unwrap();
    assert!(report.complete);
    assert!(report.rows >= 2, "{report:?}");
    assert_eq!(report.differences, Vec::<(String, String)>::new());
    assert_eq!(prod.index().sync_status().reconcile_differences, 0);
    assert_eq!(prod.index().sync_status().reconciliations, 1);

    // An index that missed everything: above the horizon nothing is compared; below it every
    // row is a difference, counted and repaired from the complete scan.
    let behind = Indexer::new(indexer::IndexerConfig::new("contextual.near"));
    let report = indexer::reconcile_once(&behind, &fastdata, 0)
        .await
        .unwrap();
    assert!(report.differences.is_empty(), "{report:?}");
    let report = indexer::reconcile_once(&behind, &fastdata, u64::MAX)
        .await
        .unwrap();
    assert!(
        report
            .differences
            .contains(&(wallet.account_id.clone(), "tag/go".to_owned())),
        "{report:?}"
    );
    assert_eq!(
        behind.sync_status().reconcile_differences,
        report.differences.len() as u64
    );
    assert_eq!(
        behind.read().agent(&wallet.account_id).map(|a| a.name),
        Some(Some("Carol".to_owned()))
    );
    let health = behind.health(SystemClock.now_ns(), None, HealthConfig::default());
    assert_eq!(
        health.reconcile_differences,
        report.differences.len() as u64
    );
    prod.shutdown().await.unwrap();
    upstream.shutdown().await.unwrap();
}
