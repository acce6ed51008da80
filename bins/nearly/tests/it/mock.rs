//! The binary against wiremock: requests sent, tables, `--json`, exit codes.

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Home, KEY, ME, run, stderr, stdout};

fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": data}))
}

fn api(server: &MockServer) -> String {
    format!("{}/api/v1", server.uri())
}

fn auth() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {KEY}").as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_a_table_and_exits_0() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .and(auth())
        .and(body_json(
            json!({"targets": ["alice.near", "bob.near"], "reason": "peers"}),
        ))
        .respond_with(ok(json!({
            "results": [{"account_id": "alice.near", "action": "followed"},
                        {"account_id": "bob.near", "action": "already_following"}],
            "your_network": {"following_count": 2, "follower_count": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.args(["follow", "alice.near", "bob.near", "--reason", "peers"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ACCOUNT"), "{text}");
    assert!(text.contains("alice.near  followed"), "{text}");
    assert!(text.contains("already_following"), "{text}");
    assert!(
        text.contains("you follow 2 and have 1 follower(s)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_batch_failure_exits_5_and_json_prints_data() {
    let server = MockServer::start().await;
    let data = json!({
        "results": [{"account_id": "alice.near", "action": "followed"},
                    {"account_id": ME, "action": "error", "code": "SELF_FOLLOW", "error": "cannot follow yourself"}],
        "your_network": {"following_count": 1, "follower_count": 0}
    });
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/follow"))
        .respond_with(ok(data.clone()))
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.args(["--json", "follow", "alice.near", ME]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(5));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_map_to_exit_codes() {
    for (status, code, exit) in [
        (401, "AUTH_FAILED", 3),
        (401, "AUTH_REQUIRED", 3),
        (404, "NOT_FOUND", 1),
        (400, "VALIDATION_ERROR", 1),
        (429, "RATE_LIMITED", 1),
        (502, "STORAGE_ERROR", 1),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/agents/me"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "success": false, "error": "nope", "code": code, "hint": "try again", "retry_after": 5
            })))
            .mount(&server)
            .await;
        let home = Home::with_me();
        let mut cmd = home.nearly(&api(&server));
        cmd.arg("me");
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(exit), "{code}: {}", stderr(&out));
        assert!(stderr(&out).contains(code), "{}", stderr(&out));
        assert!(stderr(&out).contains("try again"), "{}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_balance_shows_the_fund_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/heartbeat"))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({
            "success": false, "error": "Fund your wallet", "code": "INSUFFICIENT_BALANCE",
            "meta": {"wallet_address": ME, "fund_amount": "0.01", "fund_token": "near",
                     "fund_url": "https://fund.example/me"}
        })))
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.arg("heartbeat");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("https://fund.example/me"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_exits_4() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let home = Home::with_me();
    let mut cmd = home.nearly(&format!("http://127.0.0.1:{port}/api/v1"));
    cmd.arg("tags");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodyless_502_exits_4() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/tags"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.arg("tags");
    assert_eq!(run(cmd).await.status.code(), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_exit_3_before_any_request() {
    let server = MockServer::start().await;
    let home = Home::empty();
    let mut cmd = home.nearly(&api(&server));
    cmd.arg("me");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("credentials"), "{}", stderr(&out));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_credentials_are_used() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me/network"))
        .and(header("authorization", "Bearer wk_from_env"))
        .respond_with(ok(
            json!({"follower_count": 4, "following_count": 2, "mutual_count": 1}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::empty();
    let mut cmd = home.nearly(&api(&server));
    cmd.env("NEARLY_WK_KEY", "wk_from_env")
        .env("NEARLY_WK_ACCOUNT_ID", "env.near")
        .arg("network");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("followers:"));
    assert!(stdout(&out).contains('4'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_selects_among_several() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/me/network"))
        .and(header("authorization", "Bearer wk_b"))
        .respond_with(ok(
            json!({"follower_count": 0, "following_count": 0, "mutual_count": 0}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::empty();
    std::fs::write(
        home.credentials(),
        json!({"accounts": {
            "a.near": {"api_key": "wk_a", "account_id": "a.near"},
            "b.near": {"api_key": "wk_b", "account_id": "b.near"}
        }})
        .to_string(),
    )
    .unwrap();
    let mut ambiguous = home.nearly(&api(&server));
    ambiguous.arg("network");
    let out = run(ambiguous).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("several accounts"));
    let mut picked = home.nearly(&api(&server));
    picked.args(["--account", "b.near", "network"]);
    assert_eq!(run(picked).await.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_set_sends_the_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v1/agents/me/profile"))
        .and(auth())
        .and(body_json(json!({
            "name": "Ada", "description": "Auditor", "tags": ["rust", "security"],
            "capabilities": {"skills": ["audit"]}
        })))
        .respond_with(ok(json!({"agent": {
            "account_id": ME, "name": "Ada", "description": "Auditor", "image": null,
            "tags": ["rust", "security"], "capabilities": {"skills": ["audit"]},
            "endorsements": {}, "endorsement_count": 0, "follower_count": 0, "following_count": 0
        }, "profile_completeness": 44, "actions": []})))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.args([
        "profile",
        "set",
        "--name",
        "Ada",
        "--description",
        "Auditor",
        "--tag",
        "rust",
        "--tag",
        "security",
        "--capabilities",
        r#"{"skills":["audit"]}"#,
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Ada"));
    assert!(stdout(&out).contains("44"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let server = MockServer::start().await;
    let home = Home::with_me();
    for args in [
        vec!["follow"],
        vec!["endorse", "alice.near"],
        vec!["profile", "set"],
        vec!["profile", "set", "--capabilities", "[1]"],
        vec!["delist"],
        vec!["edges", "a.near", "--direction", "sideways"],
        vec!["--api-key", "wk_secret", "me"],
        vec!["me", "--wallet-key", "wk_secret"],
    ] {
        let mut cmd = home.nearly(&api(&server));
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endorse_and_endorsers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/alice.near/endorse"))
        .and(body_json(
            json!({"key_suffixes": ["tags/rust"], "reason": "solid"}),
        ))
        .respond_with(ok(json!({"results": [
            {"account_id": "alice.near", "action": "endorsed", "endorsed": ["tags/rust"]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/alice.near/endorsers"))
        .respond_with(ok(json!({"account_id": "alice.near", "endorsers": {
            "tags/rust": [{"account_id": ME, "name": null, "description": "", "image": null,
                           "reason": "solid", "at": 1710000000, "at_height": 1}]
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.args([
        "endorse",
        "alice.near",
        "--suffix",
        "tags/rust",
        "--reason",
        "solid",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("endorsed"));
    let mut cmd = home.nearly(&api(&server));
    cmd.args(["endorsers", "alice.near"]);
    let out = run(cmd).await;
    let text = stdout(&out);
    assert!(text.contains("tags/rust"), "{text}");
    assert!(text.contains(ME), "{text}");
    assert!(text.contains("2024-03-09 16:00:00Z"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_with_filters_and_cursor_hint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(query_param("tag", "rust"))
        .and(query_param("limit", "1"))
        .respond_with(ok(
            json!({"agents": [{"account_id": "alice.near", "name": "Alice", "description": "",
                               "image": null, "tags": ["rust"], "capabilities": {},
                               "endorsements": {}, "endorsement_count": 0, "follower_count": 3,
                               "following_count": 0}],
                                 "cursor": "alice.near"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::empty();
    let mut cmd = home.nearly(&api(&server));
    cmd.args(["agents", "--tag", "rust", "--limit", "1"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Alice"));
    assert!(stdout(&out).contains("next page: --cursor alice.near"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_claim_reads_stdin_and_exits_1_when_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/verify-claim"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "valid": false, "reason": "expired", "detail": "too old"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::empty();
    let claim = json!({"account_id": "a.near", "public_key": "ed25519:x", "signature": "s",
                       "nonce": "n", "message": "{}", "recipient": "nearly.social"});
    let mut cmd = home.nearly(&api(&server));
    cmd.arg("verify-claim").write_stdin(claim.to_string());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platforms_register_saves_credentials_and_reports_partial_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/me/platforms"))
        .and(body_json(json!({"platforms": ["market.near.ai", "near.fm"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "data": {"platforms": {
                "market.near.ai": {"success": true, "credentials": {"api_key": "sk_live", "agent_id": "x"}},
                "near.fm": {"success": false, "error": "not configured on this server"}
            }, "registered": ["market.near.ai"]},
            "warnings": ["near.fm: not configured on this server"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::with_me();
    let mut cmd = home.nearly(&api(&server));
    cmd.args(["platforms", "register", "market.near.ai", "near.fm"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(home.credentials()).unwrap()).unwrap();
    assert_eq!(
        file["accounts"][ME]["platforms"]["market.near.ai"]["api_key"],
        "sk_live"
    );
    assert_eq!(file["accounts"][ME]["api_key"], KEY);
}
