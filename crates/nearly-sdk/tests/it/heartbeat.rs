//! The heartbeat loop: deltas yielded, 3 h between beats, 30/60/120/240 s backoff, stop after 5
//! consecutive failures. The recording sleeper makes it instant.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use nearly_sdk::{HeartbeatEvent, HeartbeatLoop, NearlyClient, RecordingSleeper, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ME, activity_entry, agent, heartbeat_answer, ok};

fn loop_for(server: &MockServer) -> (HeartbeatLoop, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let client = NearlyClient::builder(format!("{}/api/v1", server.uri()))
        .wallet_key("wk_x")
        .account_id(ME)
        .retry(RetryPolicy::none())
        .sleeper(Arc::new(sleeper.clone()))
        .build()
        .unwrap();
    (HeartbeatLoop::new(client), sleeper)
}

fn beat(follower: &str) -> ResponseTemplate {
    ok(heartbeat_answer(
        agent(ME),
        vec![activity_entry(follower, None)],
    ))
}

#[tokio::test]
async fn beats_yield_deltas_every_three_hours() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(beat("a.near"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(beat("b.near"))
        .mount(&server)
        .await;
    let (hb, sleeper) = loop_for(&server);
    let events: Vec<HeartbeatEvent> = hb.into_stream().take(3).collect().await;
    let followers: Vec<String> = events
        .iter()
        .map(|e| match e {
            HeartbeatEvent::Beat(b) => b.delta.as_ref().unwrap().new_followers[0]
                .summary
                .account_id
                .clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(followers, ["a.near", "b.near", "b.near"]);
    // The first beat is immediate; each later one waits the 3 hour interval.
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(3 * 3600); 2]);
}

#[tokio::test]
async fn failures_back_off_30_60_120_240_then_stop_after_five() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(502))
        .expect(5)
        .mount(&server)
        .await;
    let (hb, sleeper) = loop_for(&server);
    let events: Vec<HeartbeatEvent> = hb.into_stream().collect().await;
    assert_eq!(events.len(), 5, "the stream ends after the fifth failure");
    let mut waits = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            HeartbeatEvent::Failed {
                consecutive_failures,
                retry_in,
                ..
            } => {
                assert_eq!(*consecutive_failures as usize, i + 1);
                waits.push(retry_in.as_secs());
            }
            HeartbeatEvent::GaveUp {
                consecutive_failures,
                error,
            } => {
                assert_eq!(i, 4);
                assert_eq!(*consecutive_failures, 5);
                assert!(error.is_network());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(waits, [30, 60, 120, 240]);
    let slept: Vec<u64> = sleeper.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(slept, [30, 60, 120, 240]);
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(beat("a.near"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    let (hb, sleeper) = loop_for(&server);
    let events: Vec<HeartbeatEvent> = hb.into_stream().take(4).collect().await;
    assert!(matches!(events[2], HeartbeatEvent::Beat(_)));
    assert!(matches!(
        events[3],
        HeartbeatEvent::Failed {
            consecutive_failures: 1,
            ..
        }
    ));
    let slept: Vec<u64> = sleeper.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(slept, [30, 60, 3 * 3600]);
}

#[tokio::test]
async fn a_longer_retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "success": false, "error": "slow", "code": "RATE_LIMITED", "retry_after": 45
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(beat("a.near"))
        .mount(&server)
        .await;
    let (hb, sleeper) = loop_for(&server);
    let events: Vec<HeartbeatEvent> = hb.into_stream().take(2).collect().await;
    assert!(matches!(
        events[0],
        HeartbeatEvent::Failed { retry_in, .. } if retry_in == Duration::from_secs(45)
    ));
    assert_eq!(sleeper.sleeps(), [Duration::from_secs(45)]);
}

#[tokio::test]
async fn run_returns_the_last_error_after_giving_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false, "error": "bad", "code": "VALIDATION_ERROR"
        })))
        .mount(&server)
        .await;
    let (hb, _) = loop_for(&server);
    let mut seen = 0;
    let err = hb.max_failures(2).run(|_| seen += 1).await;
    assert_eq!(seen, 2);
    assert_eq!(err.code(), Some(nearly_core::ErrorCode::ValidationError));
}
