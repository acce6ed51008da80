//! Redis stopped: every store answers an error (never a silent success), then recovers by
//! itself when Redis is back.

use std::sync::Arc;

use api_http::generate::BudgetExhausted;
use api_http::{Action, GenerateBudget as _, PlatformStore as _, RateLimiter as _};
use nearly_core::AccountId;
use nearly_redis::test_server::RedisServer;
use nep413::{ManualClock, NonceStore as _, NonceStoreError};

use crate::suites::connect;

#[tokio::test]
async fn stores_fail_clearly_while_redis_is_down_and_recover_after() {
    let mut server = RedisServer::start().unwrap();
    let redis = connect(&server, "down").await;
    let clock = Arc::new(ManualClock::new(1_000_000));
    let nonces = redis.nonce_store();
    let limiter = redis.rate_limiter(clock.clone());
    let budget = redis.budget(clock.clone(), 5, 5);
    let platforms = redis.platform_store();
    let account = AccountId::parse("agent.near").unwrap();
    nonces
        .check_and_insert("before", 10_000_000, 1_000_000)
        .await
        .unwrap();

    server.stop();
    assert!(matches!(
        nonces
            .check_and_insert("during", 10_000_000, 1_000_000)
            .await,
        Err(NonceStoreError::Unavailable(_))
    ));
    assert!(limiter.check(Action::Heartbeat, "a").await.is_err());
    assert_eq!(
        budget.try_spend("a").await,
        Err(BudgetExhausted::Unavailable)
    );
    assert!(platforms.platforms(&account).await.is_err());
    assert!(platforms.add(&account, &["near.fm".into()]).await.is_err());
    assert!(redis.ping().await.is_err());

    server.restart().unwrap();
    // The connection manager reconnects on its own; the first call may still see the old
    // connection's failure, so allow a bounded number of attempts (each a real round trip).
    let mut recovered = false;
    for _ in 0..50 {
        if redis.ping().await.is_ok() {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "redis connection did not recover");
    assert!(
        nonces
            .check_and_insert("during", 10_000_000, 1_000_000)
            .await
            .is_ok()
    );
    assert!(limiter.check(Action::Heartbeat, "a").await.unwrap().allowed);
    budget.try_spend("a").await.unwrap();
    assert_eq!(
        platforms.add(&account, &["near.fm".into()]).await.unwrap(),
        vec!["near.fm".to_owned()]
    );
}
