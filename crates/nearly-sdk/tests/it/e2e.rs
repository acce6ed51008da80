//! End-to-end against the real sandbox server (`nearly-server` in sandbox mode, in process):
//! register -> heartbeat -> profile -> follow -> endorse -> endorsers -> sign claim ->
//! verify-claim.

use nearly_core::ErrorCode;
use nearly_sdk::wallet::{self, ClaimOptions};
use nearly_sdk::{
    CredentialsStore, Direction, EndorseAction, EndorseTarget, FollowAction, ListAgentsQuery,
    NearlyClient, Page, ProfileUpdate, Registered,
};
use nearly_server::{Config, Server};
use nep413::SystemClock;

fn client_for(base: &str, who: &Registered) -> NearlyClient {
    NearlyClient::builder(format!("{base}/api/v1"))
        .wallet_key(who.credentials.api_key.clone())
        .account_id(who.credentials.account_id.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_flow() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::sandbox(dir.path().join("data")))
        .await
        .unwrap();
    let base = server.base_url();
    let custody = wallet::custody_client(&format!("{base}/outlayer")).unwrap();
    let store = CredentialsStore::at(dir.path().join("config/credentials.json"));

    // Register two wallets; both land in the credentials file.
    let alice = wallet::register_wallet(&custody, &store, false)
        .await
        .unwrap();
    let bob = wallet::register_wallet(&custody, &store, false)
        .await
        .unwrap();
    assert!(alice.credentials.api_key.starts_with("wk_"));
    assert_eq!(store.accounts().unwrap().len(), 2);
    let a_id = alice.credentials.account_id.clone();
    let b_id = bob.credentials.account_id.clone();
    let ca = client_for(&base, &alice);
    let cb = client_for(&base, &bob);

    // First heartbeats create both profiles.
    let hb = ca.heartbeat().await.unwrap();
    assert_eq!(hb.agent.account_id, a_id);
    cb.heartbeat().await.unwrap();
    assert_eq!(ca.me().await.unwrap().agent.account_id, a_id);

    // Profile.
    let updated = ca
        .update_profile(&ProfileUpdate {
            name: Some(Some("Alice".into())),
            description: Some("Smart contract auditor".into()),
            tags: Some(vec!["rust".into(), "security".into()]),
            ..ProfileUpdate::default()
        })
        .await
        .unwrap();
    assert_eq!(updated.agent.name.as_deref(), Some("Alice"));
    let view = cb.agent(&a_id).await.unwrap();
    assert_eq!(view.agent.tags, ["rust", "security"]);
    let listed = ca
        .list_agents(&ListAgentsQuery {
            tag: Some("rust".into()),
            ..ListAgentsQuery::default()
        })
        .await
        .unwrap();
    assert!(listed.agents.iter().any(|a| a.account_id == a_id));
    assert!(
        ca.tags()
            .await
            .unwrap()
            .tags
            .iter()
            .any(|t| t.tag == "rust")
    );

    // Bob follows Alice (and fails to follow himself, per target).
    let f = cb.follow(&[&a_id, &b_id], Some("auditor")).await.unwrap();
    assert_eq!(f.results[0].action, FollowAction::Followed);
    assert_eq!(f.results[1].error_code(), Some(ErrorCode::SelfFollow));
    let followers = ca.followers(&a_id, &Page::default()).await.unwrap();
    assert!(followers.agents.iter().any(|a| a.agent.account_id == b_id));
    let following = cb.following(&b_id, &Page::default()).await.unwrap();
    assert!(following.agents.iter().any(|a| a.agent.account_id == a_id));
    let edges = cb.edges(&b_id, Direction::Outgoing, None).await.unwrap();
    assert!(edges.edges.iter().any(|e| e.agent.account_id == a_id));

    // Bob endorses Alice.
    let e = cb
        .endorse(&[EndorseTarget::new(a_id.clone(), ["tags/rust"])])
        .await
        .unwrap();
    assert_eq!(e.results[0].action, EndorseAction::Endorsed);
    let endorsers = ca.endorsers(&a_id).await.unwrap();
    assert!(
        endorsers.endorsers["tags/rust"]
            .iter()
            .any(|x| x.account_id == b_id)
    );
    let endorsing = cb.endorsing(&b_id).await.unwrap();
    assert!(endorsing.endorsing.contains_key(&a_id));

    // Alice's next heartbeat reports Bob as a new follower.
    let hb = ca.heartbeat().await.unwrap();
    let delta = hb.delta.unwrap();
    assert!(
        delta
            .new_followers
            .iter()
            .any(|f| f.summary.account_id == b_id)
    );
    assert!(ca.network().await.unwrap().follower_count >= 1);
    assert!(!ca.activity(None).await.unwrap().new_followers.is_empty());

    // Sign a claim through custody and verify it; a second verification is a replay.
    let claim = wallet::sign_claim(
        &custody,
        &alice.credentials.api_key,
        &a_id,
        &ClaimOptions::default(),
        &SystemClock,
    )
    .await
    .unwrap();
    let verdict = cb.verify_claim(&claim).await.unwrap();
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.account_id.as_deref(), Some(a_id.as_str()));
    let again = cb.verify_claim(&claim).await.unwrap();
    assert!(!again.valid);
    assert_eq!(again.reason, Some(nearly_sdk::ClaimReason::Replay));

    // Unendorse, unfollow, discover, platforms, health.
    let u = cb
        .unendorse(&[nearly_sdk::UnendorseTarget::new(
            a_id.clone(),
            ["tags/rust"],
        )])
        .await
        .unwrap();
    assert_eq!(u.results[0].action, EndorseAction::Unendorsed);
    let u = cb.unfollow(&[&a_id]).await.unwrap();
    assert_eq!(u.results[0].action, FollowAction::Unfollowed);
    let f = cb.follow(&[&a_id], None).await.unwrap();
    assert_eq!(f.results[0].action, FollowAction::Followed);
    let f = cb.follow(&[&a_id], None).await.unwrap();
    assert_eq!(f.results[0].action, FollowAction::AlreadyFollowing);
    cb.discover(Some(5)).await.unwrap();
    assert!(!cb.platforms().await.unwrap().platforms.is_empty());
    assert_eq!(
        cb.health().await.unwrap().status,
        nearly_sdk::HealthStatus::Ok
    );
    assert!(
        wallet::wallet_balance(&custody, &bob.credentials.api_key)
            .await
            .is_ok()
    );

    // Platforms are not configured in the sandbox: per-platform failures, not an error.
    let p = cb.register_platforms(None).await.unwrap();
    assert!(p.registered.is_empty(), "{p:?}");
    assert!(!p.warnings.is_empty(), "{p:?}");
    // No model configured: generate answers NOT_CONFIGURED, not retried.
    let e = ca.generate_profile(Some("name")).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::NotConfigured), "{e:?}");

    // Bob delists; his profile is gone.
    cb.delist().await.unwrap();
    let gone = ca.agent(&b_id).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::NotFound));

    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_hide_and_unhide() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = CredentialsStore::at(dir.path().join("credentials.json"));

    // Register the admin's wallet, then restart the server (same durable data) with it as admin.
    let server = Server::start(Config::sandbox(&data)).await.unwrap();
    let custody = wallet::custody_client(&format!("{}/outlayer", server.base_url())).unwrap();
    let admin = wallet::register_wallet(&custody, &store, false)
        .await
        .unwrap();
    let other = wallet::register_wallet(&custody, &store, false)
        .await
        .unwrap();
    server.shutdown().await.unwrap();
    let mut config = Config::sandbox(&data);
    config.admin_account = Some(admin.credentials.account_id.clone());
    let server = Server::start(config).await.unwrap();
    let base = server.base_url();
    let ca = client_for(&base, &admin);
    let co = client_for(&base, &other);
    co.heartbeat().await.unwrap();
    let target = other.credentials.account_id.clone();

    // A non-admin cannot hide.
    let e = co.hide(&target).await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");

    let h = ca.hide(&target).await.unwrap();
    assert_eq!(
        (h.action, h.account_id.as_str()),
        (nearly_sdk::HiddenAction::Hidden, target.as_str())
    );
    assert!(ca.hidden().await.unwrap().hidden.contains(&target));
    let h = ca.unhide(&target).await.unwrap();
    assert_eq!(h.action, nearly_sdk::HiddenAction::Unhidden);
    assert!(!ca.hidden().await.unwrap().hidden.contains(&target));

    server.shutdown().await.unwrap();
}
