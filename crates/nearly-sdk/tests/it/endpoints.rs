//! Every endpoint: the exact request (method, path, query, auth header, body) and the parsed
//! response.

use nearly_sdk::{
    Direction, EndorseAction, EndorseTarget, FollowAction, ListAgentsQuery, NearlyError, Page,
    ProfileUpdate, UnendorseTarget, VerifyClaimRequest,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    KEY, ME, activity_entry, agent, anonymous, authed, client, entry, no_auth, no_body, ok,
};

#[tokio::test]
async fn health() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/health"))
        .and(no_auth())
        .respond_with(ok(
            json!({"status": "ok", "version": "0.1.0", "agent_count": 42,
                                "index": {"state": "ready", "ready": true}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let h = c.health().await.unwrap();
    assert_eq!(h.status, nearly_sdk::HealthStatus::Ok);
    assert_eq!(h.agent_count, Some(42));
}

#[tokio::test]
async fn list_agents_sends_every_filter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(query_param("sort", "newest"))
        .and(query_param("tag", "security"))
        .and(query_param("capability", "skills/audit"))
        .and(query_param("limit", "10"))
        .and(query_param("cursor", "alice.near"))
        .and(no_auth())
        .respond_with(ok(json!({
            "agents": [{"account_id": "bob.near", "name": "Bob", "description": "d", "image": null,
                        "tags": ["security"], "capabilities": {"skills": ["audit"]},
                        "endorsements": {"tags/rust": 2}, "endorsement_count": 2, "follower_count": 3,
                        "following_count": 1,
                        "created_at": 1710000000, "last_active": 1710001000,
                        "last_active_height": 99, "future_field": true}],
            "cursor": "bob.near",
            "cursor_reset": true
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let list = c
        .list_agents(&ListAgentsQuery {
            sort: Some("newest".into()),
            tag: Some("security".into()),
            capability: Some("skills/audit".into()),
            limit: Some(10),
            cursor: Some("alice.near".into()),
        })
        .await
        .unwrap();
    assert_eq!(list.cursor.as_deref(), Some("bob.near"));
    assert!(list.cursor_reset);
    let bob = &list.agents[0];
    assert_eq!(bob.name.as_deref(), Some("Bob"));
    assert_eq!(bob.endorsements["tags/rust"], 2);
    assert_eq!(bob.follower_count, 3);
    assert_eq!(bob.last_active, Some(1_710_001_000));
    assert_eq!(bob.last_active_height, Some(99));
}

#[tokio::test]
async fn agent_platforms_are_read() {
    let server = MockServer::start().await;
    let mut a = agent("a.near");
    a["platforms"] = json!(["market.near.ai", "near.fm"]);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/a.near"))
        .respond_with(ok(json!({"agent": a})))
        .mount(&server)
        .await;
    let v = anonymous(&server).agent("a.near").await.unwrap();
    assert_eq!(v.agent.platforms.unwrap(), ["market.near.ai", "near.fm"]);
}

#[tokio::test]
async fn list_agents_without_filters_sends_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(|r: &wiremock::Request| r.url.query().is_none())
        .respond_with(ok(json!({"agents": []})))
        .expect(1)
        .mount(&server)
        .await;
    let list = anonymous(&server)
        .list_agents(&ListAgentsQuery::default())
        .await
        .unwrap();
    assert!(list.agents.is_empty());
    assert_eq!(list.cursor, None);
}

#[tokio::test]
async fn agent_view_sends_credentials_for_personalisation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near"))
        .and(authed())
        .respond_with(ok(json!({
            "agent": agent("alice.near"), "is_following": true, "my_endorsements": ["tags/rust"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let v = c.agent("alice.near").await.unwrap();
    assert_eq!(v.agent.account_id, "alice.near");
    assert_eq!(v.is_following, Some(true));
    assert_eq!(v.my_endorsements.unwrap(), ["tags/rust"]);
}

#[tokio::test]
async fn agent_ids_are_path_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/a%2Fb"))
        .respond_with(ok(json!({"agent": agent("a/b")})))
        .expect(1)
        .mount(&server)
        .await;
    anonymous(&server).agent("a/b").await.unwrap();
}

#[tokio::test]
async fn me_parses_completeness_and_actions() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me"))
        .and(authed())
        .respond_with(ok(json!({
            "agent": agent(ME),
            "profile_completeness": 30,
            "actions": [{"action": "social.update_me", "priority": "high", "field": "name",
                         "human_prompt": "?", "examples": ["Alice"], "consequence": "c",
                         "hint": "PATCH /agents/me/profile"},
                        {"action": "discover_agents", "priority": "low", "human_prompt": "?",
                         "consequence": "c", "hint": "GET /agents/discover"}],
            "features": {"generate": false}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let me = c.me().await.unwrap();
    assert_eq!(me.profile_completeness, 30);
    assert_eq!(me.actions.len(), 2);
    assert_eq!(me.actions[0].field.as_deref(), Some("name"));
    assert_eq!(me.actions[1].action, "discover_agents");
}

#[tokio::test]
async fn authenticated_endpoints_refuse_without_credentials() {
    let server = MockServer::start().await;
    let c = anonymous(&server);
    assert!(matches!(c.me().await, Err(NearlyError::MissingCredentials)));
    assert!(matches!(
        c.follow(&["a.near"], None).await,
        Err(NearlyError::MissingCredentials)
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn update_profile_sends_only_set_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/agents/me/profile"))
        .and(authed())
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Ada", "tags": ["rust", "security"], "capabilities": {"skills": ["audit"]}
        })))
        .respond_with(ok(json!({"agent": agent(ME), "profile_completeness": 52})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let mut caps = serde_json::Map::new();
    caps.insert("skills".into(), json!(["audit"]));
    let out = c
        .update_profile(&ProfileUpdate {
            name: Some(Some("Ada".into())),
            tags: Some(vec!["rust".into(), "security".into()]),
            capabilities: Some(caps),
            ..ProfileUpdate::default()
        })
        .await
        .unwrap();
    assert_eq!(out.profile_completeness, Some(52));
    assert!(!out.recovered);
}

#[tokio::test]
async fn empty_profile_update_is_refused_locally() {
    let server = MockServer::start().await;
    let (c, _) = client(&server);
    assert!(matches!(
        c.update_profile(&ProfileUpdate::default()).await,
        Err(NearlyError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn generate_endpoints() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/profile/generate"))
        .and(authed())
        .and(body_json(json!({"field": "description"})))
        .respond_with(ok(json!({"field": "description", "value": "An auditor."})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/bob.near/follow/generate"))
        .and(authed())
        .respond_with(ok(json!({"value": "Shared interests"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/bob.near/endorse/generate"))
        .and(authed())
        .and(body_json(json!({"key_suffix": "tags/rust"})))
        .respond_with(ok(json!({"value": "Great Rust"})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let p = c.generate_profile(Some("description")).await.unwrap();
    assert_eq!(p.field, Some(nearly_sdk::GenerateField::Description));
    assert_eq!(p.value, "An auditor.");
    assert_eq!(
        c.generate_follow_reason("bob.near").await.unwrap().value,
        "Shared interests"
    );
    assert_eq!(
        c.generate_endorse_reason("bob.near", Some("tags/rust"))
            .await
            .unwrap()
            .value,
        "Great Rust"
    );
}

#[tokio::test]
async fn discover_parses_reasons_and_vrf() {
    let server = MockServer::start().await;
    let mut suggestion = agent("bob.near");
    suggestion["reason"] = json!("Shared tags: rust");
    suggestion["score"] = json!(1);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/discover"))
        .and(query_param("limit", "5"))
        .and(authed())
        .respond_with(ok(json!({
            "agents": [suggestion],
            "vrf": {"output_hex": "aa", "signature_hex": "bb", "alpha": "vrf:1:suggest",
                    "vrf_public_key": "cc"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let d = c.discover(Some(5)).await.unwrap();
    assert_eq!(d.agents[0].agent.account_id, "bob.near");
    assert_eq!(d.agents[0].reason, "Shared tags: rust");
    assert_eq!(d.vrf.unwrap().alpha, "vrf:1:suggest");
}

#[tokio::test]
async fn discover_with_null_vrf() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/discover"))
        .respond_with(ok(json!({"agents": [], "vrf": null})))
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    assert_eq!(c.discover(None).await.unwrap().vrf, None);
}

#[tokio::test]
async fn follow_single_target_uses_the_path_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(authed())
        .and(body_json(json!({"reason": "DeFi"})))
        .respond_with(ok(json!({
            "results": [{"account_id": "alice.near", "action": "followed"}],
            "your_network": {"following_count": 12, "follower_count": 8}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.follow(&["alice.near"], Some("DeFi")).await.unwrap();
    assert_eq!(r.results[0].action, FollowAction::Followed);
    assert_eq!(r.your_network.unwrap().following_count, 12);
}

#[tokio::test]
async fn follow_without_reason_sends_an_empty_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(ok(
            json!({"results": [{"account_id": "alice.near", "action": "followed"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    c.follow(&["alice.near"], None).await.unwrap();
}

#[tokio::test]
async fn follow_batch_uses_targets_and_reports_per_target_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(authed())
        .and(body_json(json!({"targets": ["alice.near", "bob.near", ME]})))
        .respond_with(ok(json!({
            "results": [
                {"account_id": "alice.near", "action": "followed"},
                {"account_id": "bob.near", "action": "already_following"},
                {"account_id": ME, "action": "error", "code": "SELF_FOLLOW", "error": "cannot follow yourself"}
            ],
            "your_network": {"following_count": 2, "follower_count": 0}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c
        .follow(&["alice.near", "bob.near", ME], None)
        .await
        .unwrap();
    assert_eq!(r.results[1].action, FollowAction::AlreadyFollowing);
    let failures: Vec<_> = r.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].error_code(),
        Some(nearly_core::ErrorCode::SelfFollow)
    );
}

#[tokio::test]
async fn unfollow_single_target_sends_no_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(authed())
        .and(no_body())
        .respond_with(ok(json!({
            "results": [{"account_id": "alice.near", "action": "unfollowed"}],
            "your_network": {"following_count": 0, "follower_count": 0}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.unfollow(&["alice.near"]).await.unwrap();
    assert_eq!(r.results[0].action, FollowAction::Unfollowed);
}

#[tokio::test]
async fn unfollow_batch() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/a.near/follow"))
        .and(body_json(json!({"targets": ["a.near", "b.near"]})))
        .respond_with(ok(json!({
            "results": [{"account_id": "a.near", "action": "unfollowed"},
                        {"account_id": "b.near", "action": "not_following"}],
            "your_network": {"following_count": 0, "follower_count": 0}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.unfollow(&["a.near", "b.near"]).await.unwrap();
    assert_eq!(r.results[1].action, FollowAction::NotFollowing);
}

#[tokio::test]
async fn endorse_single_target_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .and(authed())
        .and(body_json(json!({
            "key_suffixes": ["tags/rust", "tags/security"], "reason": "audit", "content_hash": "sha256:ab"
        })))
        .respond_with(ok(json!({"results": [{
            "account_id": "alice.near", "action": "endorsed",
            "endorsed": ["tags/rust"], "already_endorsed": ["tags/security"],
            "skipped": [{"key_suffix": "", "reason": "key_suffix must not be empty"}]
        }]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let mut t = EndorseTarget::new("alice.near", ["tags/rust", "tags/security"]);
    t.reason = Some("audit".into());
    t.content_hash = Some("sha256:ab".into());
    let r = c.endorse(&[t]).await.unwrap();
    let first = &r.results[0];
    assert_eq!(first.action, EndorseAction::Endorsed);
    assert_eq!(first.endorsed, Some(vec!["tags/rust".to_owned()]));
    assert_eq!(
        first.already_endorsed,
        Some(vec!["tags/security".to_owned()])
    );
    assert_eq!(
        first.skipped.as_ref().unwrap()[0].reason,
        "key_suffix must not be empty"
    );
    assert_eq!(r.failures().count(), 1);
}

#[tokio::test]
async fn endorse_batch_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/a.near/endorse"))
        .and(body_json(json!({"targets": [
            {"account_id": "a.near", "key_suffixes": ["tags/rust"]},
            {"account_id": "nobody.near", "key_suffixes": ["x"], "reason": "r"}
        ]})))
        .respond_with(ok(json!({"results": [
            {"account_id": "a.near", "action": "endorsed", "endorsed": ["tags/rust"]},
            {"account_id": "nobody.near", "action": "error", "code": "NOT_FOUND", "error": "agent not found"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let mut second = EndorseTarget::new("nobody.near", ["x"]);
    second.reason = Some("r".into());
    let r = c
        .endorse(&[EndorseTarget::new("a.near", ["tags/rust"]), second])
        .await
        .unwrap();
    assert_eq!(
        r.results[1].error_code(),
        Some(nearly_core::ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn unendorse_single_and_batch() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .and(authed())
        .and(body_json(json!({"key_suffixes": ["tags/rust"]})))
        .respond_with(ok(json!({"results": [
            {"account_id": "alice.near", "action": "unendorsed", "removed": ["tags/rust"]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/a.near/endorse"))
        .and(body_json(json!({"targets": [
            {"account_id": "a.near", "key_suffixes": ["x"]},
            {"account_id": "b.near", "key_suffixes": ["y"]}
        ]})))
        .respond_with(ok(json!({"results": [
            {"account_id": "a.near", "action": "unendorsed", "removed": ["x"]},
            {"account_id": "b.near", "action": "unendorsed", "removed": []}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c
        .unendorse(&[UnendorseTarget::new("alice.near", ["tags/rust"])])
        .await
        .unwrap();
    assert_eq!(r.results[0].action, EndorseAction::Unendorsed);
    assert_eq!(r.results[0].removed, Some(vec!["tags/rust".to_owned()]));
    let r = c
        .unendorse(&[
            UnendorseTarget::new("a.near", ["x"]),
            UnendorseTarget::new("b.near", ["y"]),
        ])
        .await
        .unwrap();
    assert_eq!(
        r.results[0].removed,
        Some(vec!["x".to_owned()]),
        "removed is the server's list"
    );
}

#[tokio::test]
async fn followers_and_following() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/followers"))
        .and(query_param("limit", "2"))
        .and(query_param("cursor", "x.near"))
        .and(no_auth())
        .respond_with(ok(json!({
            "account_id": "alice.near", "followers": [entry("bob.near")], "cursor": "bob.near"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/following"))
        .and(no_auth())
        .respond_with(ok(
            json!({"account_id": "alice.near", "following": [entry("carol.near")]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let f = c
        .followers(
            "alice.near",
            &Page {
                limit: Some(2),
                cursor: Some("x.near".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(f.agents[0].agent.account_id, "bob.near");
    assert_eq!(f.cursor.as_deref(), Some("bob.near"));
    let f = c.following("alice.near", &Page::default()).await.unwrap();
    assert_eq!(f.agents[0].agent.account_id, "carol.near");
    assert_eq!(f.cursor, None);
}

#[tokio::test]
async fn edges() {
    let server = MockServer::start().await;
    let mut edge = agent("bob.near");
    edge["direction"] = json!("mutual");
    edge["at"] = json!(1_710_000_000);
    edge["at_height"] = json!(1);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/edges"))
        .and(query_param("direction", "outgoing"))
        .and(query_param("limit", "50"))
        .respond_with(ok(json!({"account_id": "alice.near", "edges": [edge]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let e = c
        .edges("alice.near", Direction::Outgoing, Some(50))
        .await
        .unwrap();
    assert_eq!(e.edges[0].direction, nearly_sdk::EdgeDirection::Mutual);
    assert_eq!(e.edges[0].agent.account_id, "bob.near");
    assert_eq!(e.edges[0].at, 1_710_000_000);
}

#[tokio::test]
async fn endorsers_and_endorsing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/endorsers"))
        .respond_with(ok(json!({"account_id": "alice.near", "endorsers": {
            "tags/rust": [{"account_id": "bob.near", "name": "Bob", "description": "Sec",
                           "image": null, "reason": "audit", "at": 1710000000, "at_height": 5}]
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/endorsing"))
        .respond_with(ok(json!({"account_id": "alice.near", "endorsing": {
            "bob.near": {
                "target": {"account_id": "bob.near", "name": null, "description": "", "image": null},
                "entries": [{"key_suffix": "tags/rust", "content_hash": "sha256:abc",
                             "at": 1710000100, "at_height": 500123}]
            }
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let e = c.endorsers("alice.near").await.unwrap();
    let bob = &e.endorsers["tags/rust"][0];
    assert_eq!(bob.account_id, "bob.near");
    assert_eq!(bob.reason.as_deref(), Some("audit"));
    assert_eq!(bob.at_height, 5);
    let e = c.endorsing("alice.near").await.unwrap();
    let group = &e.endorsing["bob.near"];
    assert_eq!(group.target.name, None);
    assert_eq!(group.entries[0].at_height, 500_123);
}

#[tokio::test]
async fn tags_and_capabilities() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ok(json!({"tags": [{"tag": "rust", "count": 3}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/capabilities"))
        .respond_with(ok(json!({"capabilities": [
            {"namespace": "skills", "value": "audit", "count": 2}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    assert_eq!(c.tags().await.unwrap().tags[0].count, 3);
    assert_eq!(
        c.capabilities().await.unwrap().capabilities[0].namespace,
        "skills"
    );
}

#[tokio::test]
async fn activity_and_network() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me/activity"))
        .and(query_param("cursor", "123"))
        .and(authed())
        .respond_with(ok(json!({
            "cursor": 456,
            "new_followers": [activity_entry("a.near", Some("A"))],
            "new_following": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me/network"))
        .and(authed())
        .respond_with(ok(json!({
            "follower_count": 12, "following_count": 8, "mutual_count": 5,
            "last_active": 1710001800, "created_at": 1710000000, "last_active_height": 7
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let a = c.activity(Some(123)).await.unwrap();
    assert_eq!(a.cursor, Some(456));
    assert_eq!(a.new_followers[0].summary.account_id, "a.near");
    let n = c.network().await.unwrap();
    assert_eq!((n.follower_count, n.mutual_count), (12, 5));
    assert_eq!(n.last_active_height, Some(7));
}

#[tokio::test]
async fn heartbeat_parses_the_delta() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .and(authed())
        .respond_with(ok(json!({
            "agent": agent(ME),
            "delta": {"since": 1710000000, "since_height": 10,
                      "new_followers": [activity_entry("a.near", None)],
                      "new_followers_count": 1, "new_following_count": 0},
            "profile_completeness": 0,
            "actions": [{"action": "discover_agents", "priority": "low", "human_prompt": "?",
                         "consequence": "c", "hint": "GET /agents/discover"}],
            "features": {"generate": false}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let hb = c.heartbeat().await.unwrap();
    let delta = hb.delta.unwrap();
    assert_eq!(delta.since_height, 10);
    assert_eq!(delta.new_followers[0].summary.account_id, "a.near");
    assert_eq!(hb.actions[0].action, "discover_agents");
}

#[tokio::test]
async fn delist() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/me"))
        .and(authed())
        .respond_with(ok(json!({"action": "delisted", "account_id": ME})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let d = c.delist().await.unwrap();
    assert_eq!(d.action, Some(nearly_sdk::DelistAction::Delisted));
}

#[tokio::test]
async fn platforms_list_and_register() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/platforms"))
        .and(no_auth())
        .respond_with(ok(json!({"platforms": [
            {"id": "near.fm", "displayName": "near.fm", "description": "Music", "requiresWalletKey": true}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/platforms"))
        .and(authed())
        .and(body_json(json!({"platforms": ["market.near.ai", "near.fm"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "data": {
                "platforms": {
                    "market.near.ai": {"success": true, "credentials": {"api_key": "sk", "agent_id": "x"}},
                    "near.fm": {"success": false, "error": "not configured on this server"}
                },
                "registered": ["market.near.ai"]
            },
            "warnings": ["near.fm: not configured on this server"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let p = c.platforms().await.unwrap();
    assert!(p.platforms[0].requires_wallet_key);
    assert_eq!(p.platforms[0].display_name, "near.fm");
    let r = c
        .register_platforms(Some(&["market.near.ai".into(), "near.fm".into()]))
        .await
        .unwrap();
    assert_eq!(r.registered, ["market.near.ai"]);
    assert!(r.platforms["market.near.ai"].success);
    assert_eq!(r.warnings, ["near.fm: not configured on this server"]);
}

#[tokio::test]
async fn register_all_platforms_sends_an_empty_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/platforms"))
        .and(body_json(json!({})))
        .respond_with(ok(json!({"platforms": {}, "registered": []})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let r = c.register_platforms(None).await.unwrap();
    assert!(r.warnings.is_empty());
}

fn claim() -> VerifyClaimRequest {
    VerifyClaimRequest {
        account_id: "alice.near".into(),
        public_key: "ed25519:abc".into(),
        signature: "sig".into(),
        nonce: "bm9uY2U=".into(),
        message: r#"{"action":"login","domain":"nearly.social","version":1,"timestamp":1}"#.into(),
        recipient: "nearly.social".into(),
        callback_url: None,
        expected_domain: Some("nearly.social".into()),
    }
}

#[tokio::test]
async fn verify_claim_reads_the_bare_verdict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/verify-claim"))
        .and(no_auth())
        .and(body_json(serde_json::to_value(claim()).unwrap()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "valid": true, "account_id": "alice.near", "public_key": "ed25519:abc",
            "recipient": "nearly.social", "nonce": "bm9uY2U=",
            "message": {"action": "login"}, "verified_at": 1712900001234u64
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let v = c.verify_claim(&claim()).await.unwrap();
    assert!(v.valid);
    assert_eq!(v.verified_at, Some(1_712_900_001_234));
    assert_eq!(v.message.unwrap()["action"], "login");
}

#[tokio::test]
async fn verify_claim_invalid_verdicts_are_ok_values() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/verify-claim"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "valid": false, "reason": "malformed", "detail": "nonce must be 32 bytes"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    let v = c.verify_claim(&claim()).await.unwrap();
    assert!(!v.valid);
    assert_eq!(v.reason, Some(nearly_sdk::ClaimReason::Malformed));
    assert_eq!(v.detail.as_deref(), Some("nonce must be 32 bytes"));
}

#[tokio::test]
async fn admin_hidden() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/admin/hidden"))
        .and(no_auth())
        .respond_with(ok(json!({"hidden": ["spam.near"]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/admin/hidden/spam.near"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ok(json!({"action": "hidden", "account_id": "spam.near"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/admin/hidden/spam.near"))
        .and(authed())
        .respond_with(ok(json!({"action": "unhidden", "account_id": "spam.near"})))
        .expect(1)
        .mount(&server)
        .await;
    let (c, _) = client(&server);
    assert_eq!(c.hidden().await.unwrap().hidden, ["spam.near"]);
    assert_eq!(
        c.hide("spam.near").await.unwrap().action,
        nearly_sdk::HiddenAction::Hidden
    );
    assert_eq!(
        c.unhide("spam.near").await.unwrap().action,
        nearly_sdk::HiddenAction::Unhidden
    );
}

#[tokio::test]
async fn base_url_with_trailing_slash() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ok(json!({"tags": []})))
        .expect(1)
        .mount(&server)
        .await;
    let c = nearly_sdk::NearlyClient::new(&format!("{}/api/v1/", server.uri())).unwrap();
    c.tags().await.unwrap();
}

#[tokio::test]
async fn bad_base_urls_are_config_errors() {
    assert!(matches!(
        nearly_sdk::NearlyClient::new("not a url"),
        Err(NearlyError::InvalidConfig(_))
    ));
    assert!(matches!(
        nearly_sdk::NearlyClient::new("ftp://x/api"),
        Err(NearlyError::InvalidConfig(_))
    ));
}
