//! Health states and transitions, with time passed in (no clock read, no sleep).

use std::time::Duration;

use fastdata_client::{HttpConfig, HttpFastData, RetryPolicy};
use indexer::{HealthConfig, HealthState, Indexer, IndexerConfig, sync_once};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{NS, T0};

const SEC: u64 = 1_000_000_000;

fn cfg() -> HealthConfig {
    HealthConfig {
        degraded_after_ns: 60 * SEC,
    }
}

async fn fastdata(status: u16) -> (MockServer, HttpFastData) {
    let server = MockServer::start().await;
    let body = if status == 200 {
        json!({"entries": []})
    } else {
        json!({"error": "Internal error"})
    };
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let config = HttpConfig {
        retry: RetryPolicy::NONE,
        request_timeout: Duration::from_secs(5),
        ..HttpConfig::default()
    };
    let client = HttpFastData::new(&server.uri(), NS, config).unwrap();
    (server, client)
}

#[test]
fn a_new_index_is_starting_and_not_ready() {
    let ix = Indexer::new(IndexerConfig::new(NS));
    let h = ix.health(T0, None, cfg());
    assert_eq!(h.state, HealthState::Starting);
    assert!(!h.ready);
    assert_eq!((h.index_height, h.lag_blocks, h.lag_secs), (0, None, None));
}

#[test]
fn the_sandbox_rebuild_marks_it_ready_and_the_lag_is_the_distance_to_the_head() {
    let ix = Indexer::new(IndexerConfig::new(NS));
    ix.note_update_failure(T0, "not yet");
    assert_eq!(ix.sync_status().update_failures, 1);
    assert_eq!(
        ix.health(T0, Some(10), cfg()).state,
        HealthState::CatchingUp
    );
    ix.mark_caught_up(T0);
    let h = ix.health(T0 + 5 * SEC, Some(10), cfg());
    assert_eq!(h.state, HealthState::Ready);
    assert!(h.ready);
    assert_eq!((h.lag_blocks, h.lag_secs), (Some(10), Some(5)));
    assert!(h.last_error.is_none());
}

#[tokio::test]
async fn failing_pulls_degrade_after_the_bound_and_a_success_restores_ready() {
    let ix = Indexer::new(IndexerConfig::new(NS));
    let (_down, failing) = fastdata(500).await;
    sync_once(&ix, &failing, T0).await.unwrap_err();
    // Failed, never caught up, not yet for long: catching up, not ready.
    let h = ix.health(T0 + 59 * SEC, None, cfg());
    assert_eq!(h.state, HealthState::CatchingUp);
    assert!(!h.ready);
    assert!(h.last_error.as_deref().is_some_and(|e| e.contains("500")));
    // Still failing past the bound (the run of failures started at T0): degraded.
    sync_once(&ix, &failing, T0 + 30 * SEC).await.unwrap_err();
    assert_eq!(
        ix.health(T0 + 60 * SEC, None, cfg()).state,
        HealthState::Degraded
    );
    // FastData recovers.
    let (_up, healthy) = fastdata(200).await;
    sync_once(&ix, &healthy, T0 + 90 * SEC).await.unwrap();
    let h = ix.health(T0 + 91 * SEC, None, cfg());
    assert_eq!(h.state, HealthState::Ready);
    assert!(h.ready);
    assert_eq!(h.last_success_ns, Some(T0 + 90 * SEC));
    assert_eq!(h.lag_secs, Some(1));
    assert!(h.last_error.is_none());
    // Failing again after being ready: ready stays (it serves what it has), degraded after the
    // bound from the first new failure.
    sync_once(&ix, &failing, T0 + 100 * SEC).await.unwrap_err();
    let h = ix.health(T0 + 159 * SEC, None, cfg());
    assert_eq!((h.state, h.ready), (HealthState::Ready, true));
    let h = ix.health(T0 + 160 * SEC, None, cfg());
    assert_eq!((h.state, h.ready), (HealthState::Degraded, true));
    // Every failed pull is counted (`nearly_feed_errors_total`); a success does not reset it.
    assert_eq!(ix.sync_status().update_failures, 3);
}
