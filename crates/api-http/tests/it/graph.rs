//! The graph endpoints end to end through the router: every mutation followed by the reads
//! that must show it at once (read-your-writes through the index), batch semantics, per-target
//! errors, validation, auth and rate limits.

use axum::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, call};

/// An agent with a wallet key.
struct Agent {
    key: String,
    id: String,
}

async fn agent(app: &TestApp) -> Agent {
    let (key, id) = app.wallet().await;
    Agent { key, id }
}

async fn get(app: &TestApp, uri: &str, auth: Option<&Agent>) -> Reply {
    app.send(call(Method::GET, uri, auth.map(|a| a.key.as_str()), None))
        .await
}

async fn send(app: &TestApp, method: Method, uri: &str, who: &Agent, body: Option<Value>) -> Reply {
    app.send(call(method, uri, Some(&who.key), body.as_ref()))
        .await
}

/// An agent that has heartbeated (so it has a profile).
async fn joined(app: &TestApp) -> Agent {
    let a = agent(app).await;
    let r = send(app, Method::POST, "/api/v1/agents/me/heartbeat", &a, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    a
}

#[tokio::test]
async fn first_heartbeat_creates_a_profile_and_lists_the_agent() {
    let app = TestApp::new();
    let a = agent(&app).await;
    get(&app, "/api/v1/agents/me", Some(&a))
        .await
        .assert_error(404, "NOT_FOUND");

    let hb = send(&app, Method::POST, "/api/v1/agents/me/heartbeat", &a, None).await;
    assert_eq!(hb.status, 200, "{}", hb.text);
    let data = &hb.body["data"];
    assert_eq!(data["agent"]["account_id"], a.id);
    assert_eq!(data["profile_completeness"], 0);
    assert!(data["actions"].as_array().is_some_and(|v| !v.is_empty()));
    assert_eq!(data["delta"]["since"], 0);
    assert_eq!(data["delta"]["since_height"], 0);
    assert_eq!(data["delta"]["new_followers_count"], 0);
    assert_eq!(data["features"]["generate"], false);
    assert_eq!(hb.headers["x-ratelimit-limit"], "5");

    let me = get(&app, "/api/v1/agents/me", Some(&a)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["data"]["agent"]["account_id"], a.id);
    assert_eq!(me.body["data"]["agent"]["platforms"], json!([]));
    assert_eq!(me.headers["cache-control"], "private, no-store");

    let list = get(&app, "/api/v1/agents", None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["data"]["agents"][0]["account_id"], a.id);
    assert_eq!(list.headers["cache-control"], "public, max-age=30");

    let health = get(&app, "/api/v1/health", None).await;
    assert_eq!(health.body["data"]["agent_count"], 1);
}

#[tokio::test]
async fn profile_patch_validates_writes_indexes_and_is_read_back() {
    let app = TestApp::new();
    let a = agent(&app).await;
    let patch = json!({
        "name": "Ada",
        "description": "Audits smart contracts for a living",
        "tags": ["Rust", "security"],
        "capabilities": {"skills": ["audit"]},
        "follower_count": 999_999,
    });
    let r = send(
        &app,
        Method::PATCH,
        "/api/v1/agents/me/profile",
        &a,
        Some(patch),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["agent"]["name"], "Ada");
    assert_eq!(r.body["data"]["agent"]["follower_count"], 0);
    assert_eq!(r.body["data"]["profile_completeness"], 10 + 20 + 2 * 2 + 10);

    let view = get(&app, &format!("/api/v1/agents/{}", a.id), None).await;
    assert_eq!(view.status, 200);
    assert_eq!(
        view.body["data"]["agent"]["tags"],
        json!(["rust", "security"])
    );
    assert_eq!(view.headers["cache-control"], "public, max-age=60");

    let by_tag = get(&app, "/api/v1/agents?tag=rust", None).await;
    assert_eq!(by_tag.body["data"]["agents"][0]["account_id"], a.id);
    let by_cap = get(&app, "/api/v1/agents?capability=skills/audit", None).await;
    assert_eq!(by_cap.body["data"]["agents"][0]["account_id"], a.id);
    let tags = get(&app, "/api/v1/tags", None).await;
    assert!(
        tags.body["data"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!({"tag": "rust", "count": 1}))
    );
    let caps = get(&app, "/api/v1/capabilities", None).await;
    assert_eq!(
        caps.body["data"]["capabilities"],
        json!([{"namespace": "skills", "value": "audit", "count": 1}])
    );

    // Dropping a tag removes its index key.
    let r = send(
        &app,
        Method::PATCH,
        "/api/v1/agents/me/profile",
        &a,
        Some(json!({"tags": ["security"]})),
    )
    .await;
    assert_eq!(r.status, 200);
    let by_tag = get(&app, "/api/v1/agents?tag=rust", None).await;
    assert_eq!(by_tag.body["data"]["agents"], json!([]));

    // Validation errors name the field, and write nothing.
    for (body, prefix) in [
        (json!({"name": "x".repeat(51)}), "Name"),
        (json!({"image": "http://example.com/a.png"}), "Image URL"),
        (json!({"tags": ["no spaces"]}), "Tag"),
        (json!({"capabilities": [1]}), "Capabilities"),
        (json!({"account_id": "evil.near"}), ""),
    ] {
        let r = send(
            &app,
            Method::PATCH,
            "/api/v1/agents/me/profile",
            &a,
            Some(body),
        )
        .await;
        let err = r.assert_error(400, "VALIDATION_ERROR");
        assert!(
            err["error"].as_str().unwrap().starts_with(prefix),
            "{}",
            r.text
        );
    }
    let view = get(&app, &format!("/api/v1/agents/{}", a.id), None).await;
    assert_eq!(view.body["data"]["agent"]["name"], "Ada");
}

#[tokio::test]
async fn follow_batch_reports_per_target_results_and_network() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let bob = joined(&app).await;
    let carol = joined(&app).await;
    let nobody = "nobody.near";

    let r = send(
        &app,
        Method::POST,
        "/api/v1/agents/any/follow",
        &me,
        Some(json!({
            "targets": [bob.id, me.id, nobody, "Not An Account!", bob.id],
            "reason": "shared interest",
        })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.body["data"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "duplicates are answered once: {}", r.text);
    assert_eq!(
        results[0],
        json!({"account_id": bob.id, "action": "followed"})
    );
    assert_eq!(results[1]["code"], "SELF_FOLLOW");
    assert_eq!(results[2]["code"], "NOT_FOUND");
    assert_eq!(results[3]["code"], "VALIDATION_ERROR");
    assert_eq!(
        r.body["data"]["your_network"],
        json!({"following_count": 1, "follower_count": 0})
    );

    // Path form; then the same follow again is idempotent.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", carol.id),
        &me,
        None,
    )
    .await;
    assert_eq!(
        r.body["data"]["results"][0]["action"], "followed",
        "{}",
        r.text
    );
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", carol.id),
        &me,
        None,
    )
    .await;
    assert_eq!(r.body["data"]["results"][0]["action"], "already_following");
    assert_eq!(r.body["data"]["your_network"]["following_count"], 2);

    // Read-your-writes on every read that shows follows.
    let followers = get(&app, &format!("/api/v1/agents/{}/followers", bob.id), None).await;
    assert_eq!(followers.body["data"]["followers"][0]["account_id"], me.id);
    assert_eq!(
        followers.body["data"]["followers"][0]["reason"],
        "shared interest"
    );
    let following = get(&app, &format!("/api/v1/agents/{}/following", me.id), None).await;
    assert_eq!(
        following.body["data"]["following"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let edges = get(
        &app,
        &format!("/api/v1/agents/{}/edges?direction=outgoing", me.id),
        None,
    )
    .await;
    assert_eq!(edges.body["data"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(edges.body["data"]["edges"][0]["direction"], "outgoing");
    let viewed = get(&app, &format!("/api/v1/agents/{}", bob.id), Some(&me)).await;
    assert_eq!(viewed.body["data"]["is_following"], true);
    assert_eq!(viewed.body["data"]["agent"]["follower_count"], 1);
    assert_eq!(viewed.headers["cache-control"], "private, no-store");
    let activity = get(&app, "/api/v1/agents/me/activity", Some(&bob)).await;
    assert_eq!(
        activity.body["data"]["new_followers"][0]["account_id"],
        me.id
    );
    let cursor = activity.body["data"]["cursor"].as_u64().unwrap();
    let later = get(
        &app,
        &format!("/api/v1/agents/me/activity?cursor={cursor}"),
        Some(&bob),
    )
    .await;
    assert_eq!(later.body["data"]["new_followers"], json!([]));
    assert_eq!(later.body["data"]["cursor"], cursor);

    // Bob follows back: mutual.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", me.id),
        &bob,
        None,
    )
    .await;
    let net = get(&app, "/api/v1/agents/me/network", Some(&me)).await;
    assert_eq!(net.body["data"]["mutual_count"], 1, "{}", net.text);
    let edges = get(&app, &format!("/api/v1/agents/{}/edges", me.id), None).await;
    assert!(
        edges.body["data"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["account_id"] == bob.id.as_str() && e["direction"] == "mutual")
    );

    // Unfollow: batch with one not followed.
    let r = send(
        &app,
        Method::DELETE,
        "/api/v1/agents/any/follow",
        &me,
        Some(json!({"targets": [bob.id, nobody, me.id]})),
    )
    .await;
    let results = &r.body["data"]["results"];
    assert_eq!(results[0]["action"], "unfollowed", "{}", r.text);
    assert_eq!(results[1]["action"], "not_following");
    assert_eq!(results[2]["code"], "SELF_UNFOLLOW");
    assert_eq!(r.body["data"]["your_network"]["following_count"], 1);
    let followers = get(&app, &format!("/api/v1/agents/{}/followers", bob.id), None).await;
    assert_eq!(followers.body["data"]["followers"], json!([]));
}

#[tokio::test]
async fn batch_envelope_errors_are_request_level() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let too_many: Vec<String> = (0..21).map(|i| format!("a{i}.near")).collect();
    for body in [
        json!({"targets": []}),
        json!({"targets": too_many}),
        json!({"targets": "bob.near"}),
        json!({"targets": [1, 2]}),
        json!({"reason": 5}),
        json!({"reason": "x".repeat(281)}),
    ] {
        let r = send(
            &app,
            Method::POST,
            "/api/v1/agents/any/follow",
            &me,
            Some(body),
        )
        .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/bob.near/follow",
            None,
            None,
        ))
        .await;
    r.assert_error(401, "AUTH_REQUIRED");
    let r = app
        .send(call(
            Method::POST,
            "/api/v1/agents/bob.near/follow",
            Some("wk_unknown"),
            None,
        ))
        .await;
    r.assert_error(401, "AUTH_FAILED");
}

#[tokio::test]
async fn follow_rate_limit_is_per_target_after_the_first_write() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let mut targets = Vec::new();
    for _ in 0..12 {
        targets.push(joined(&app).await.id);
    }
    let r = send(
        &app,
        Method::POST,
        "/api/v1/agents/any/follow",
        &me,
        Some(json!({"targets": targets})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.body["data"]["results"].as_array().unwrap();
    assert!(results[..10].iter().all(|x| x["action"] == "followed"));
    assert!(
        results[10..].iter().all(|x| x["code"] == "RATE_LIMITED"),
        "{}",
        r.text
    );
    assert_eq!(r.body["data"]["your_network"]["following_count"], 10);

    // The window is spent: the next batch never runs.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", targets[11]),
        &me,
        None,
    )
    .await;
    let err = r.assert_error(429, "RATE_LIMITED");
    assert_eq!(err["retry_after"], 60);
    app.clock.advance(60_000);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", targets[11]),
        &me,
        None,
    )
    .await;
    assert_eq!(
        r.body["data"]["results"][0]["action"], "followed",
        "{}",
        r.text
    );
}

#[tokio::test]
async fn endorse_and_unendorse_follow_the_contract() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let bob = joined(&app).await;
    let carol = joined(&app).await;

    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/endorse", bob.id),
        &me,
        Some(json!({"key_suffixes": ["tags/rust", "/bad", "tags/rust"], "reason": "audit", "content_hash": "sha256:abc"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = &r.body["data"]["results"][0];
    assert_eq!(res["action"], "endorsed", "{}", r.text);
    assert_eq!(res["endorsed"], json!(["tags/rust"]));
    assert_eq!(res["skipped"][0]["key_suffix"], "/bad");
    assert!(r.body["data"].get("your_network").is_none());

    // Same content hash: idempotent; a new one overwrites.
    let again = json!({"key_suffixes": ["tags/rust"], "content_hash": "sha256:abc"});
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/endorse", bob.id),
        &me,
        Some(again),
    )
    .await;
    assert_eq!(
        r.body["data"]["results"][0]["already_endorsed"],
        json!(["tags/rust"]),
        "{}",
        r.text
    );
    assert_eq!(r.body["data"]["results"][0]["endorsed"], json!([]));

    // Batch form with per-target errors.
    let r = send(
        &app,
        Method::POST,
        "/api/v1/agents/any/endorse",
        &me,
        Some(json!({"targets": [
            {"account_id": carol.id, "key_suffixes": ["skills/audit"], "reason": "solid"},
            {"account_id": me.id, "key_suffixes": ["x"]},
            {"account_id": "nobody.near", "key_suffixes": ["x"]},
            {"account_id": bob.id, "key_suffixes": []},
        ]})),
    )
    .await;
    let results = &r.body["data"]["results"];
    assert_eq!(
        results[0]["endorsed"],
        json!(["skills/audit"]),
        "{}",
        r.text
    );
    assert_eq!(results[1]["code"], "SELF_ENDORSE");
    assert_eq!(results[2]["code"], "NOT_FOUND");
    assert_eq!(results[3]["code"], "VALIDATION_ERROR");

    let endorsers = get(&app, &format!("/api/v1/agents/{}/endorsers", bob.id), None).await;
    let entry = &endorsers.body["data"]["endorsers"]["tags/rust"][0];
    assert_eq!(entry["account_id"], me.id, "{}", endorsers.text);
    assert_eq!(entry["content_hash"], "sha256:abc");
    assert_eq!(entry["reason"], "audit");
    let endorsing = get(&app, &format!("/api/v1/agents/{}/endorsing", me.id), None).await;
    assert_eq!(
        endorsing.body["data"]["endorsing"][&carol.id]["entries"][0]["key_suffix"],
        "skills/audit"
    );
    let profile = get(&app, &format!("/api/v1/agents/{}", bob.id), Some(&me)).await;
    assert_eq!(
        profile.body["data"]["agent"]["endorsements"]["tags/rust"],
        1
    );
    assert_eq!(
        profile.body["data"]["my_endorsements"],
        json!(["tags/rust"])
    );

    // Unendorse: only existing keys are removed.
    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/agents/{}/endorse", bob.id),
        &me,
        Some(json!({"key_suffixes": ["tags/rust", "never/written"]})),
    )
    .await;
    assert_eq!(
        r.body["data"]["results"][0],
        json!({"account_id": bob.id, "action": "unendorsed", "removed": ["tags/rust"]}),
        "{}",
        r.text
    );
    let endorsers = get(&app, &format!("/api/v1/agents/{}/endorsers", bob.id), None).await;
    assert_eq!(endorsers.body["data"]["endorsers"], json!({}));

    // The single form needs key_suffixes.
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/endorse", bob.id),
        &me,
        Some(json!({})),
    )
    .await;
    r.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn delist_removes_what_the_caller_wrote_and_heartbeat_rejoins() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let bob = joined(&app).await;
    send(
        &app,
        Method::PATCH,
        "/api/v1/agents/me/profile",
        &me,
        Some(json!({"tags": ["rust"], "capabilities": {"skills": ["audit"]}})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", bob.id),
        &me,
        None,
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/endorse", bob.id),
        &me,
        Some(json!({"key_suffixes": ["tags/rust"]})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", me.id),
        &bob,
        None,
    )
    .await;

    let r = send(&app, Method::DELETE, "/api/v1/agents/me", &me, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["action"], "delisted");
    assert_eq!(r.body["data"]["removed_keys"], 5);

    get(&app, &format!("/api/v1/agents/{}", me.id), None)
        .await
        .assert_error(404, "NOT_FOUND");
    let bob_view = get(&app, &format!("/api/v1/agents/{}", bob.id), None).await;
    assert_eq!(bob_view.body["data"]["agent"]["follower_count"], 0);
    assert_eq!(bob_view.body["data"]["agent"]["endorsements"], json!({}));
    // Bob's follow of the delisted account persists.
    assert_eq!(bob_view.body["data"]["agent"]["following_count"], 1);
    let tags = get(&app, "/api/v1/tags", None).await;
    assert_eq!(tags.body["data"]["tags"], json!([]));

    // Delist is 1 per 300 s.
    send(&app, Method::POST, "/api/v1/agents/me/heartbeat", &me, None).await;
    let r = send(&app, Method::DELETE, "/api/v1/agents/me", &me, None).await;
    r.assert_error(429, "RATE_LIMITED");
    assert!(
        get(&app, &format!("/api/v1/agents/{}", me.id), None)
            .await
            .status
            == 200
    );
}

#[tokio::test]
async fn heartbeat_delta_counts_followers_since_the_previous_heartbeat() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let bob = joined(&app).await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", me.id),
        &bob,
        None,
    )
    .await;
    let hb = send(&app, Method::POST, "/api/v1/agents/me/heartbeat", &me, None).await;
    let delta = &hb.body["data"]["delta"];
    assert_eq!(delta["new_followers_count"], 1, "{}", hb.text);
    assert_eq!(delta["new_followers"][0]["account_id"], bob.id);
    assert!(delta["since_height"].as_u64().is_some());
    let hb = send(&app, Method::POST, "/api/v1/agents/me/heartbeat", &me, None).await;
    assert_eq!(
        hb.body["data"]["delta"]["new_followers_count"], 0,
        "{}",
        hb.text
    );
}

#[tokio::test]
async fn discover_suggests_by_shared_tags_with_a_verified_vrf() {
    let app = TestApp::new();
    let me = agent(&app).await;
    let close = agent(&app).await;
    let far = agent(&app).await;
    for (who, tags) in [
        (&me, json!(["rust", "defi"])),
        (&close, json!(["rust"])),
        (&far, json!(["art"])),
    ] {
        let r = send(
            &app,
            Method::PATCH,
            "/api/v1/agents/me/profile",
            who,
            Some(json!({"tags": tags})),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = get(&app, "/api/v1/agents/discover?limit=5", Some(&me)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let agents = r.body["data"]["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0]["account_id"], close.id);
    assert_eq!(agents[0]["reason"], "Shared tags: rust");
    let vrf = &r.body["data"]["vrf"];
    assert!(
        vrf["alpha"].as_str().unwrap().ends_with(":suggest"),
        "{}",
        r.text
    );
    assert_eq!(vrf["output_hex"].as_str().unwrap().len(), 64);

    // Followed candidates drop out.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", close.id),
        &me,
        None,
    )
    .await;
    let r = get(&app, "/api/v1/agents/discover", Some(&me)).await;
    assert_eq!(r.body["data"]["agents"][0]["account_id"], far.id);

    get(&app, "/api/v1/agents/discover", None)
        .await
        .assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn reads_validate_their_inputs() {
    let app = TestApp::new();
    let me = joined(&app).await;
    for uri in [
        "/api/v1/agents?sort=popular",
        "/api/v1/agents?limit=-1",
        "/api/v1/agents?tag=Not%20A%20Tag",
        "/api/v1/agents?cursor=%24%24",
        "/api/v1/agents/UPPER.near",
        "/api/v1/agents/x/edges?direction=sideways",
    ] {
        get(&app, uri, None)
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }
    get(&app, "/api/v1/agents/me/activity?cursor=abc", Some(&me))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    get(&app, "/api/v1/agents/nobody.near", None)
        .await
        .assert_error(404, "NOT_FOUND");
    for uri in [
        "/api/v1/agents/me",
        "/api/v1/agents/me/network",
        "/api/v1/agents/me/activity",
    ] {
        get(&app, uri, None)
            .await
            .assert_error(401, "AUTH_REQUIRED");
    }
    // Unknown query parameters are ignored; an over-large limit is clamped.
    let r = get(&app, "/api/v1/agents?limit=5000&utm=x", None).await;
    assert_eq!(r.status, 200);
    // Accounts with no profile still have (empty) follower lists and endorsing maps.
    let r = get(&app, "/api/v1/agents/nobody.near/endorsing", None).await;
    assert_eq!(
        r.body["data"],
        json!({"account_id": "nobody.near", "endorsing": {}})
    );
}

#[tokio::test]
async fn admin_hides_and_unhides() {
    let app = TestApp::new();
    let admin = agent(&app).await;
    let admin_id = admin.id.clone();
    let app = app.tune(|s| {
        s.with_index(std::sync::Arc::new(indexer::Indexer::new(
            indexer::IndexerConfig::new("contextual.near").with_admin(admin_id),
        )))
    });
    let spam = joined(&app).await;
    let other = joined(&app).await;

    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/hidden/{}", spam.id),
        &other,
        None,
    )
    .await;
    r.assert_error(401, "AUTH_FAILED");

    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/admin/hidden/{}", spam.id),
        &admin,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["action"], "hidden");
    let hidden = get(&app, "/api/v1/admin/hidden", None).await;
    assert_eq!(hidden.body["data"]["hidden"], json!([spam.id]));
    assert_eq!(hidden.headers["x-ratelimit-limit"], "120");
    let list = get(&app, "/api/v1/agents", None).await;
    let ids: Vec<&str> = list.body["data"]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other.id.as_str()]);

    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/hidden/{}", spam.id),
        &admin,
        None,
    )
    .await;
    assert_eq!(r.body["data"]["action"], "unhidden");
    let hidden = get(&app, "/api/v1/admin/hidden", None).await;
    assert_eq!(hidden.body["data"]["hidden"], json!([]));
}

#[tokio::test]
async fn an_unfunded_wallet_gets_402_with_funding_details_and_nothing_changes() {
    let app = TestApp::new();
    let me = joined(&app).await;
    let bob = joined(&app).await;
    app.custody
        .inner
        .set_balance(&me.id, Some(0))
        .await
        .unwrap();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v1/agents/{}/follow", bob.id),
        &me,
        None,
    )
    .await;
    let err = r.assert_error(402, "INSUFFICIENT_BALANCE");
    assert_eq!(err["meta"]["wallet_address"], me.id);
    let followers = get(&app, &format!("/api/v1/agents/{}/followers", bob.id), None).await;
    assert_eq!(followers.body["data"]["followers"], json!([]));
}
