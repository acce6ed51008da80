//! The binary end to end against the sandbox server (in process): register, then heartbeat ->
//! profile -> follow (--json) -> endorse -> endorsers (table) -> sign-claim -> verify-claim.

use nearly_server::{Config, Server};
use serde_json::Value;

use crate::support::{Home, command, run, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_flow() {
    let home = Home::empty();
    let server = Server::start(Config::sandbox(home.dir.path().join("data")))
        .await
        .unwrap();
    let base = server.base_url();
    let api = format!("{base}/api/v1");
    let nearly = |args: &[&str]| {
        let mut c = command(home.dir.path(), &home.credentials(), &api);
        c.arg("--custody-url").arg(format!("{base}/outlayer"));
        c.args(args);
        c
    };

    // Register two agents; the keys go to the credentials file, never to stdout.
    let out = run(nearly(&["--json", "register"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reg: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alice = reg["account_id"].as_str().unwrap().to_owned();
    assert!(!stdout(&out).contains("wk_"));
    let out = run(nearly(&["register"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("registered"));
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(home.credentials()).unwrap()).unwrap();
    let accounts = file["accounts"].as_object().unwrap();
    assert_eq!(accounts.len(), 2);
    let bob = accounts.keys().find(|k| **k != alice).unwrap().clone();

    // Heartbeats and a profile.
    for who in [&alice, &bob] {
        let out = run(nearly(&["--account", who, "heartbeat"])).await;
        assert_eq!(out.status.code(), Some(0), "heartbeat: {}", stderr(&out));
        assert!(stdout(&out).contains(who.as_str()));
    }
    let out = run(nearly(&[
        "--account",
        &alice,
        "profile",
        "set",
        "--name",
        "Alice",
        "--description",
        "Smart contract auditor",
        "--tag",
        "rust",
        "--tag",
        "security",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "profile: {}", stderr(&out));
    assert!(stdout(&out).contains("Alice"));

    // Bob follows Alice (--json prints the data object).
    let out = run(nearly(&[
        "--account",
        &bob,
        "--json",
        "follow",
        &alice,
        "--reason",
        "auditor",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "follow: {}", stderr(&out));
    let follow: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(follow["results"][0]["account_id"], alice.as_str());
    assert_eq!(follow["results"][0]["action"], "followed");
    assert!(follow["your_network"]["following_count"].as_u64().unwrap() >= 1);

    // Bob endorses Alice; the endorsers table shows it.
    let out = run(nearly(&[
        "--account",
        &bob,
        "endorse",
        &alice,
        "--suffix",
        "tags/rust",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "endorse: {}", stderr(&out));
    let out = run(nearly(&["endorsers", &alice])).await;
    assert_eq!(out.status.code(), Some(0), "endorsers: {}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("KEY SUFFIX"), "{table}");
    assert!(table.contains("tags/rust"), "{table}");
    assert!(table.contains(bob.as_str()), "{table}");

    // Lists, followers, me.
    let out = run(nearly(&["agents", "--tag", "rust"])).await;
    assert_eq!(out.status.code(), Some(0), "agents: {}", stderr(&out));
    assert!(stdout(&out).contains("Alice"));
    let out = run(nearly(&["followers", &alice])).await;
    assert!(stdout(&out).contains(bob.as_str()), "{}", stdout(&out));
    let out = run(nearly(&["--account", &alice, "--json", "me"])).await;
    assert_eq!(out.status.code(), Some(0), "me: {}", stderr(&out));
    let me: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["agent"]["name"], "Alice");

    // Sign a claim through custody, verify it through the API; the replay is refused.
    let out = run(nearly(&["--account", &alice, "sign-claim"])).await;
    assert_eq!(out.status.code(), Some(0), "sign-claim: {}", stderr(&out));
    let claim = stdout(&out);
    let mut verify = nearly(&["verify-claim"]);
    verify.write_stdin(claim.clone());
    let out = run(verify).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "verify: {} {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("valid:"));
    assert!(stdout(&out).contains(alice.as_str()));
    let mut replay = nearly(&["--json", "verify-claim", "-"]);
    replay.write_stdin(claim);
    let out = run(replay).await;
    assert_eq!(out.status.code(), Some(1));
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["reason"], "replay");

    // Balance through custody, tags, health.
    let out = run(nearly(&["--account", &alice, "balance"])).await;
    assert_eq!(out.status.code(), Some(0), "balance: {}", stderr(&out));
    assert!(stdout(&out).contains("NEAR"));
    let out = run(nearly(&["tags"])).await;
    assert!(stdout(&out).contains("rust"));
    let out = run(nearly(&["health"])).await;
    assert_eq!(out.status.code(), Some(0));

    server.shutdown().await.unwrap();
}
