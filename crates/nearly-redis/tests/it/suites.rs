//! Each Redis store and its in-process twin pass the same behaviour suite.

use std::sync::Arc;

use api_http::claim_limit::{ClaimLimiter as _, SeparateClaimLimiter};
use api_http::{Action, RateLimiter as _};
use api_http::{InMemoryBudget, InMemoryRateLimiter, MemoryPlatformStore};
use nearly_redis::conformance::{
    budget_suite, claim_limiter_suite, platform_store_suite, rate_limiter_suite,
};
use nearly_redis::test_server::RedisServer;
use nearly_redis::{RedisConfig, RedisState};
use nep413::conformance::nonce_store_suite;
use nep413::{ManualClock, NonceStore as _, NonceStoreError};

pub(crate) async fn connect(server: &RedisServer, prefix: &str) -> RedisState {
    let state = RedisState::connect(RedisConfig::new(server.url()).with_prefix(prefix))
        .await
        .unwrap();
    state.ping().await.unwrap();
    state
}

#[tokio::test]
async fn nonce_store_suite_in_process_and_on_redis() {
    nonce_store_suite(&nep413::InMemoryNonceStore::default(), "t").await;
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "suite").await;
    nonce_store_suite(&redis.nonce_store(), "t").await;
}

#[tokio::test]
async fn rate_limiter_suite_in_process_and_on_redis() {
    let clock = Arc::new(ManualClock::new(0));
    rate_limiter_suite(&InMemoryRateLimiter::new(clock.clone()), &clock, "t").await;
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "suite").await;
    let clock = Arc::new(ManualClock::new(0));
    rate_limiter_suite(&redis.rate_limiter(clock.clone()), &clock, "t").await;
}

#[tokio::test]
async fn claim_limiter_suite_in_process_and_on_redis() {
    let clock = Arc::new(ManualClock::new(0));
    let separate = SeparateClaimLimiter::new(
        Arc::new(InMemoryRateLimiter::new(clock.clone())),
        Arc::new(nep413::InMemoryNonceStore::default()),
    );
    claim_limiter_suite(&separate, &clock, "t").await;
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "suite").await;
    let clock = Arc::new(ManualClock::new(0));
    claim_limiter_suite(&redis.claim_limiter(), &clock, "t").await;
}

/// The one-script claim limiter works on the keys of the Redis limiter and nonce store: a
/// nonce recorded by either is a replay for the other, and they count in one window.
#[tokio::test]
async fn the_claim_limiter_shares_keys_with_the_limiter_and_the_nonce_store() {
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "shared").await;
    let clock = Arc::new(ManualClock::new(5_000_000));
    let (claims, nonces, limiter) = (
        redis.claim_limiter(),
        redis.nonce_store(),
        redis.rate_limiter(clock.clone()),
    );
    nonces
        .check_and_insert("by-store", 6_000_000, 5_000_000)
        .await
        .unwrap();
    let a = claims
        .admit(Action::VerifyClaim, "ip", "by-store", 6_000_000, 5_000_000)
        .await
        .unwrap();
    assert_eq!(a.claim, Some(Err(NonceStoreError::Replay)));
    assert_eq!(a.decision.remaining, 59);
    claims
        .admit(Action::VerifyClaim, "ip", "by-claims", 6_000_000, 5_000_000)
        .await
        .unwrap();
    assert_eq!(
        nonces
            .check_and_insert("by-claims", 6_000_000, 5_000_000)
            .await,
        Err(NonceStoreError::Replay)
    );
    let d = limiter.check(Action::VerifyClaim, "ip").await.unwrap();
    assert_eq!(d.remaining, 57);
}

#[tokio::test]
async fn budget_suite_in_process_and_on_redis() {
    let clock = Arc::new(ManualClock::new(0));
    budget_suite(&InMemoryBudget::new(clock.clone(), 2, 3), &clock, "t").await;
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "suite").await;
    let clock = Arc::new(ManualClock::new(0));
    budget_suite(&redis.budget(clock.clone(), 2, 3), &clock, "t").await;
}

#[tokio::test]
async fn platform_store_suite_in_process_and_on_redis() {
    platform_store_suite(&MemoryPlatformStore::default(), "t").await;
    let server = RedisServer::start().unwrap();
    let redis = connect(&server, "suite").await;
    platform_store_suite(&redis.platform_store(), "t").await;
}

/// Two deployments sharing one Redis under different prefixes do not see each other's state.
#[tokio::test]
async fn prefixes_keep_deployments_apart() {
    let server = RedisServer::start().unwrap();
    let a = connect(&server, "a").await;
    let b = connect(&server, "b").await;
    use nep413::NonceStore as _;
    a.nonce_store()
        .check_and_insert("k", 10_000, 0)
        .await
        .unwrap();
    assert!(
        b.nonce_store()
            .check_and_insert("k", 10_000, 0)
            .await
            .is_ok()
    );
    assert_eq!(
        a.nonce_store().check_and_insert("k", 10_000, 0).await,
        Err(nep413::NonceStoreError::Replay)
    );
}

/// Of 64 concurrent claims of one key through separate connections, exactly one is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_across_connections_record_exactly_one() {
    use nep413::NonceStore as _;
    let server = RedisServer::start().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = Arc::new(connect(&server, "race").await.nonce_store());
        for _ in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.check_and_insert("one", 10_000, 0).await
            }));
        }
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, nep413::NonceStoreError::Replay),
        }
    }
    assert_eq!(ok, 1);
}
