//! Retries: retriable codes after `retry_after`, backoff for bodyless 5xx, no retry for the
//! rest, and verify-before-resend for mutations after ambiguous failures.

use std::sync::Arc;
use std::time::Duration;

use nearly_core::ErrorCode;
use nearly_sdk::{
    EndorseAction, EndorseTarget, FollowAction, NearlyClient, NearlyError, NetworkErrorKind,
    ProfileUpdate, RecordingSleeper, UnendorseTarget,
};
use nep413::ManualClock;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ME, agent, client, entry, err, heartbeat_answer, me_answer, ok};

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

#[tokio::test]
async fn rate_limited_is_retried_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "success": false, "error": "slow", "code": "RATE_LIMITED", "retry_after": 7
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ok(json!({"tags": []})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    c.tags().await.unwrap();
    assert_eq!(sleeper.sleeps(), secs(&[7]));
}

#[tokio::test]
async fn rate_limited_mutation_is_retried_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/a.near/follow"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "success": false, "error": "slow", "code": "RATE_LIMITED", "retry_after": 3
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/a.near/follow"))
        .respond_with(ok(
            json!({"results": [{"account_id": "a.near", "action": "followed"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    let r = c.follow(&["a.near"], None).await.unwrap();
    assert_eq!(r.results[0].action, FollowAction::Followed);
    assert_eq!(sleeper.sleeps(), secs(&[3]));
}

#[tokio::test]
async fn storage_errors_back_off_exponentially_then_give_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(err(502, "STORAGE_ERROR", "kv down"))
        .expect(4)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    let e = c.tags().await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::StorageError));
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4]));
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_is_not_waited_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/profile/generate"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "success": false, "error": "budget", "code": "BUDGET_EXHAUSTED", "retry_after": 36000
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    let e = c.generate_profile(None).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::BudgetExhausted));
    assert!(sleeper.sleeps().is_empty());
}

#[tokio::test]
async fn non_retriable_codes_are_not_retried() {
    for (status, code) in [
        (400, "VALIDATION_ERROR"),
        (404, "NOT_FOUND"),
        (401, "AUTH_FAILED"),
        (401, "AUTH_REQUIRED"),
        (402, "INSUFFICIENT_BALANCE"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/v1/agents/me/heartbeat"))
            .respond_with(err(status, code, "no"))
            .expect(1)
            .mount(&server)
            .await;
        let (c, sleeper) = client(&server);
        let e = c.heartbeat().await.unwrap_err();
        assert_eq!(e.code().map(ErrorCode::as_str), Some(code));
        assert!(sleeper.sleeps().is_empty(), "{code}");
    }
}

#[tokio::test]
async fn bodyless_502_and_504_are_retried_for_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/bob.near"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/bob.near"))
        .respond_with(ResponseTemplate::new(504).set_body_string("gateway timeout"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/bob.near"))
        .respond_with(ok(json!({"agent": agent("bob.near")})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    c.agent("bob.near").await.unwrap();
    assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_as_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let sleeper = RecordingSleeper::new();
    let c = NearlyClient::builder(format!("http://127.0.0.1:{port}/api/v1"))
        .sleeper(Arc::new(sleeper.clone()))
        .build()
        .unwrap();
    let e = c.tags().await.unwrap_err();
    assert!(matches!(
        e,
        NearlyError::Network {
            kind: NetworkErrorKind::Connect,
            ..
        }
    ));
    assert!(
        !e.is_ambiguous(),
        "a refused connection never reached the server"
    );
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4]));
}

fn following_page(ids: &[&str]) -> ResponseTemplate {
    let agents: Vec<Value> = ids.iter().map(|id| entry(id)).collect();
    ok(json!({"account_id": ME, "following": agents}))
}

#[tokio::test]
async fn follow_after_bodyless_502_verifies_and_resends_only_the_missing_targets() {
    let server = MockServer::start().await;
    // The batch answers 502 with no body: it may or may not have landed.
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(body_json(
            json!({"targets": ["alice.near", "bob.near"], "reason": "r"}),
        ))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    // Verification: alice was followed, bob was not.
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/following")))
        .and(query_param("limit", "100"))
        .respond_with(following_page(&["alice.near", "zed.near"]))
        .expect(1)
        .mount(&server)
        .await;
    // Only bob is sent again, in the path form.
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/bob.near/follow"))
        .and(body_json(json!({"reason": "r"})))
        .respond_with(ok(json!({
            "results": [{"account_id": "bob.near", "action": "followed"}],
            "your_network": {"following_count": 3, "follower_count": 0}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    let r = c
        .follow(&["alice.near", "bob.near"], Some("r"))
        .await
        .unwrap();
    assert!(r.recovered);
    let got: Vec<(&str, FollowAction)> = r
        .results
        .iter()
        .map(|x| (x.account_id.as_str(), x.action))
        .collect();
    assert_eq!(
        got,
        [
            ("alice.near", FollowAction::Followed),
            ("bob.near", FollowAction::Followed)
        ]
    );
    assert_eq!(r.your_network.unwrap().following_count, 3);
    assert_eq!(sleeper.sleeps(), secs(&[1]));
}

#[tokio::test]
async fn follow_that_fully_landed_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/following")))
        .respond_with(following_page(&["alice.near"]))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.follow(&["alice.near"], None).await.unwrap();
    assert!(r.recovered);
    assert_eq!(r.results[0].action, FollowAction::Followed);
    assert_eq!(r.your_network, None);
}

#[tokio::test]
async fn unfollow_after_502_resends_only_targets_still_followed() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/a.near/follow"))
        .and(body_json(json!({"targets": ["a.near", "b.near"]})))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/following")))
        .respond_with(following_page(&["b.near"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/b.near/follow"))
        .respond_with(ok(
            json!({"results": [{"account_id": "b.near", "action": "unfollowed"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.unfollow(&["a.near", "b.near"]).await.unwrap();
    assert_eq!(r.results.len(), 2);
    assert!(
        r.results
            .iter()
            .all(|x| x.action == FollowAction::Unfollowed)
    );
}

#[tokio::test]
async fn follow_after_a_reset_connection_verifies_state_first() {
    // A hand-rolled server: the first connection (the follow) is closed without an answer, the
    // next ones answer the verification read with "already followed".
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(tokio::sync::Mutex::new(Vec::<String>::new()));
    let seen_by_server = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            n += 1;
            let mut buf = vec![0u8; 8192];
            let read = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..read]);
            let line = head.lines().next().unwrap_or_default().to_owned();
            seen_by_server.lock().await.push(line);
            if n == 1 {
                drop(sock);
                continue;
            }
            let body = json!({"success": true, "data": {
                "account_id": ME, "following": [entry("alice.near")]
            }})
            .to_string();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(response.as_bytes()).await;
        }
    });
    let sleeper = RecordingSleeper::new();
    let c = NearlyClient::builder(format!("http://127.0.0.1:{port}/api/v1"))
        .wallet_key("wk_x")
        .account_id(ME)
        .sleeper(Arc::new(sleeper.clone()))
        .build()
        .unwrap();
    let r = c.follow(&["alice.near"], None).await.unwrap();
    assert!(r.recovered);
    assert_eq!(r.results[0].action, FollowAction::Followed);
    let seen = seen.lock().await.clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].starts_with("POST /api/v1/agents/alice.near/follow"));
    assert!(seen[1].starts_with(&format!("GET /api/v1/agents/{ME}/following")));
}

#[tokio::test]
async fn endorse_after_502_resends_only_missing_suffixes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .and(body_json(json!({"key_suffixes": ["tags/rust", "tags/go"]})))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/endorsing")))
        .respond_with(ok(json!({"account_id": ME, "endorsing": {
            "alice.near": {"target": {"account_id": "alice.near", "name": null,
                                      "description": "", "image": null},
                           "entries": [{"key_suffix": "tags/rust", "at": 1, "at_height": 1}]}
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .and(body_json(json!({"key_suffixes": ["tags/go"]})))
        .respond_with(ok(json!({"results": [
            {"account_id": "alice.near", "action": "endorsed", "endorsed": ["tags/go"]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c
        .endorse(&[EndorseTarget::new("alice.near", ["tags/rust", "tags/go"])])
        .await
        .unwrap();
    assert!(r.recovered);
    assert_eq!(r.results.len(), 1);
    assert_eq!(r.results[0].action, EndorseAction::Endorsed);
    assert_eq!(
        r.results[0].endorsed,
        Some(vec!["tags/go".to_owned(), "tags/rust".to_owned()])
    );
}

#[tokio::test]
async fn unendorse_after_502_that_landed_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/endorsing")))
        .respond_with(ok(json!({"account_id": ME, "endorsing": {}})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c
        .unendorse(&[UnendorseTarget::new("alice.near", ["tags/rust"])])
        .await
        .unwrap();
    assert!(r.recovered);
    assert_eq!(r.results[0].action, EndorseAction::Unendorsed);
    assert_eq!(r.results[0].removed, Some(vec!["tags/rust".to_owned()]));
}

fn client_at(server: &MockServer, now_ms: u64) -> (NearlyClient, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let c = NearlyClient::builder(format!("{}/api/v1", server.uri()))
        .wallet_key("wk_x")
        .account_id(ME)
        .sleeper(Arc::new(sleeper.clone()))
        .clock(Arc::new(ManualClock::new(now_ms)))
        .build()
        .unwrap();
    (c, sleeper)
}

#[tokio::test]
async fn heartbeat_after_502_that_landed_is_confirmed_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let mut me = agent(ME);
    me["last_active"] = json!(1_000);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .respond_with(ok(me_answer(me.clone())))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client_at(&server, 1_000_000);
    let hb = c.heartbeat().await.unwrap();
    assert!(hb.recovered);
    assert_eq!(hb.delta, None);
}

#[tokio::test]
async fn heartbeat_after_502_that_did_not_land_is_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let mut me = agent(ME);
    me["last_active"] = json!(500);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .respond_with(ok(me_answer(me.clone())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ok(heartbeat_answer(agent(ME), vec![])))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client_at(&server, 1_000_000);
    let hb = c.heartbeat().await.unwrap();
    assert!(!hb.recovered);
    assert!(hb.delta.is_some());
    assert_eq!(sleeper.sleeps(), secs(&[1]));
}

#[tokio::test]
async fn first_heartbeat_after_502_with_no_profile_yet_is_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .respond_with(err(404, "NOT_FOUND", "Agent not found"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ok(json!({"agent": agent(ME)})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client_at(&server, 1_000_000);
    assert!(!c.heartbeat().await.unwrap().recovered);
}

#[tokio::test]
async fn profile_update_after_502_that_landed_is_confirmed() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/agents/me/profile"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let mut me = agent(ME);
    me["tags"] = json!(["rust", "security"]);
    me["description"] = json!("auditor");
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .respond_with(ok(me_answer(me.clone())))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let out = c
        .update_profile(&ProfileUpdate {
            description: Some("auditor".into()),
            tags: Some(vec!["Security".into(), "rust".into()]),
            ..ProfileUpdate::default()
        })
        .await
        .unwrap();
    assert!(out.recovered);
}

#[tokio::test]
async fn delist_after_502_confirmed_by_a_404() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/me"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}")))
        .respond_with(err(404, "NOT_FOUND", "Agent not found"))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let d = c.delist().await.unwrap();
    assert!(d.recovered);
    assert_eq!(d.account_id.as_deref(), Some(ME));
}

#[tokio::test]
async fn hide_after_502_confirmed_by_the_hidden_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/admin/hidden/spam.near"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/admin/hidden"))
        .respond_with(ok(json!({"hidden": ["spam.near"]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let h = c.hide("spam.near").await.unwrap();
    assert!(h.recovered);
    assert_eq!(h.action, nearly_sdk::HiddenAction::Hidden);
}

#[tokio::test]
async fn mutation_is_not_resent_when_verification_fails() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/a.near/follow"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/agents/{ME}/following")))
        .respond_with(err(400, "VALIDATION_ERROR", "nope"))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let e = c.follow(&["a.near"], None).await.unwrap_err();
    assert!(matches!(e, NearlyError::Http { status: 502, .. }), "{e:?}");
}

#[tokio::test]
async fn generate_is_not_resent_after_an_ambiguous_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/b.near/follow/generate"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let (c, sleeper) = client(&server);
    assert!(c.generate_follow_reason("b.near").await.is_err());
    assert!(sleeper.sleeps().is_empty());
}
