//! The behaviour suites of `api_http`'s shared-state traits (feature `conformance`): the
//! in-process implementations and the Redis ones must both pass every function here.
//!
//! Each suite takes the implementation as `&dyn Trait` and the [`ManualClock`] it was built
//! on, moves that clock, and panics (fails the calling test) on a violation. `tag` keeps the keys
//! of one run apart from another's on a shared store.

#![allow(clippy::panic, clippy::unwrap_used)]

use api_http::claim_limit::ClaimLimiter;
use api_http::generate::BudgetExhausted;
use api_http::{Action, GenerateBudget, PlatformStore, RateLimiter};
use nearly_core::AccountId;
use nep413::{ClaimTicket, Clock as _, ManualClock, NonceStoreError};

/// Windows are aligned to the clock: 5 heartbeats pass in a minute, the 6th is refused with
/// the documented headers' values, then the next minute is a new window.
pub async fn rate_limiter_suite(limiter: &dyn RateLimiter, clock: &ManualClock, tag: &str) {
    // A minute boundary: the window is [1_020 s, 1_080 s).
    clock.set(1_020_000);
    let alice = format!("{tag}-alice");
    for i in 0..5u32 {
        let d = limiter.check(Action::Heartbeat, &alice).await.unwrap();
        assert!(d.allowed, "heartbeat {i} refused");
        assert_eq!(d.limit, 5);
        assert_eq!(d.remaining, 4 - i);
        assert_eq!(d.reset_at, 1_080);
        assert_eq!(d.retry_after, None);
    }
    let refused = limiter.check(Action::Heartbeat, &alice).await.unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.remaining, 0);
    assert_eq!(refused.reset_at, 1_080);
    assert_eq!(refused.retry_after, Some(60));
    // Keys and actions are independent.
    let bob = format!("{tag}-bob");
    assert!(
        limiter
            .check(Action::Heartbeat, &bob)
            .await
            .unwrap()
            .allowed
    );
    assert!(limiter.check(Action::Follow, &alice).await.unwrap().allowed);
    // retry_after counts down, then the window resets.
    clock.advance(59_500);
    let late = limiter.check(Action::Heartbeat, &alice).await.unwrap();
    assert_eq!(late.retry_after, Some(1));
    clock.advance(500);
    let fresh = limiter.check(Action::Heartbeat, &alice).await.unwrap();
    assert!(fresh.allowed);
    assert_eq!(fresh.remaining, 4);
    assert_eq!(fresh.reset_at, 1_140);
    // A long window (delist: 1 per 300 s): at 1_080 s it is [900 s, 1_200 s).
    let carol = format!("{tag}-carol");
    assert!(limiter.check(Action::Delist, &carol).await.unwrap().allowed);
    let d = limiter.check(Action::Delist, &carol).await.unwrap();
    assert!(!d.allowed);
    assert_eq!((d.reset_at, d.retry_after), (1_200, Some(120)));
    // A first request late in a window gets only the rest of it.
    clock.set(1_190_000);
    let dave = format!("{tag}-dave");
    for _ in 0..5 {
        let d = limiter.check(Action::Heartbeat, &dave).await.unwrap();
        assert_eq!(d.reset_at, 1_200);
    }
    let d = limiter.check(Action::Heartbeat, &dave).await.unwrap();
    assert_eq!(d.retry_after, Some(10));
    clock.advance(10_000);
    let d = limiter.check(Action::Heartbeat, &dave).await.unwrap();
    assert!(d.allowed);
    assert_eq!((d.remaining, d.reset_at), (4, 1_260));
}

/// Per-caller and global daily budgets, refunds, and the reset at UTC midnight. The budget
/// must have been built with `per_caller = 2` and `global = 3`.
pub async fn budget_suite(budget: &dyn GenerateBudget, clock: &ManualClock, tag: &str) {
    // 23:58:29 UTC on some day: 91 s to midnight.
    let day = 20_000 * 86_400_000u64;
    clock.set(day + 86_400_000 - 91_000);
    let (a, b, c) = (format!("{tag}-a"), format!("{tag}-b"), format!("{tag}-c"));
    budget.try_spend(&a).await.unwrap();
    budget.try_spend(&a).await.unwrap();
    assert_eq!(
        budget.try_spend(&a).await,
        Err(BudgetExhausted::Caller { retry_after: 91 })
    );
    budget.refund(&a).await;
    budget.try_spend(&a).await.unwrap();
    budget.try_spend(&b).await.unwrap();
    assert_eq!(
        budget.try_spend(&c).await,
        Err(BudgetExhausted::Global { retry_after: 91 })
    );
    // A refund by a caller who spent nothing gives nothing back.
    budget.refund(&c).await;
    assert!(matches!(
        budget.try_spend(&c).await,
        Err(BudgetExhausted::Global { .. })
    ));
    // Midnight: everything is fresh.
    clock.advance(91_000);
    budget.try_spend(&a).await.unwrap();
    budget.try_spend(&c).await.unwrap();
}

/// Registrations merge in order without duplicates and read back.
pub async fn platform_store_suite(store: &dyn PlatformStore, tag: &str) {
    let account = AccountId::parse(&format!("{tag}-agent.near")).unwrap();
    let other = AccountId::parse(&format!("{tag}-other.near")).unwrap();
    assert!(store.platforms(&account).await.unwrap().is_empty());
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        store
            .add(&account, &ids(&["market.near.ai"]))
            .await
            .unwrap(),
        ids(&["market.near.ai"])
    );
    assert_eq!(
        store
            .add(&account, &ids(&["near.fm", "market.near.ai"]))
            .await
            .unwrap(),
        ids(&["market.near.ai", "near.fm"])
    );
    assert_eq!(
        store.add(&account, &[]).await.unwrap(),
        ids(&["market.near.ai", "near.fm"])
    );
    assert_eq!(
        store.platforms(&account).await.unwrap(),
        ids(&["market.near.ai", "near.fm"])
    );
    assert!(store.platforms(&other).await.unwrap().is_empty());
}

/// verify-claim's slot and nonce together: every admitted claim takes a slot (a replay too),
/// a refused one records nothing, records expire by the caller's clock, and only the ticket
/// that made a record releases it. `limiter` must stand for a rate limiter on `clock`.
pub async fn claim_limiter_suite(limiter: &dyn ClaimLimiter, clock: &ManualClock, tag: &str) {
    // A minute boundary: the window is [2_040 s, 2_100 s).
    clock.set(2_040_000);
    let action = Action::VerifyClaim;
    let max = action.limit().max;
    let ip = format!("{tag}-10.0.0.1");
    let nonce = |i: u32| format!("{tag}-nonce-{i}");
    let expires = 2_040_000 + 600_000;
    let mut first = None;
    for i in 0..max {
        let a = limiter
            .admit(action, &ip, &nonce(i), expires, clock.now_ms())
            .await
            .unwrap();
        assert!(a.decision.allowed, "claim {i} refused");
        assert_eq!(a.decision.remaining, max - 1 - i);
        assert_eq!(a.decision.reset_at, 2_100);
        let ticket = a.claim.unwrap().unwrap();
        first.get_or_insert(ticket);
    }
    // Over the limit: refused with the window's retry_after, and nothing recorded.
    let late = nonce(max);
    let refused = limiter
        .admit(action, &ip, &late, expires, clock.now_ms())
        .await
        .unwrap();
    assert!(!refused.decision.allowed);
    assert_eq!(refused.decision.retry_after, Some(60));
    assert_eq!(refused.claim, None);
    // Another address has its own window; a replay still takes its slot.
    let other = format!("{tag}-10.0.0.2");
    let replay = limiter
        .admit(action, &other, &nonce(0), expires, clock.now_ms())
        .await
        .unwrap();
    assert!(replay.decision.allowed);
    assert_eq!(replay.decision.remaining, max - 1);
    assert_eq!(replay.claim, Some(Err(NonceStoreError::Replay)));
    // The refused claim was not recorded: it is accepted once it is admitted.
    let admitted = limiter
        .admit(action, &other, &late, expires, clock.now_ms())
        .await
        .unwrap();
    assert!(matches!(admitted.claim, Some(Ok(_))), "{admitted:?}");
    // Release is compare-and-delete: a stranger's ticket leaves the record, its own frees it.
    limiter.release(&nonce(0), ClaimTicket::from_u128(7)).await;
    let still = limiter
        .admit(action, &other, &nonce(0), expires, clock.now_ms())
        .await
        .unwrap();
    assert_eq!(still.claim, Some(Err(NonceStoreError::Replay)));
    limiter.release(&nonce(0), first.unwrap()).await;
    let again = limiter
        .admit(action, &other, &nonce(0), expires, clock.now_ms())
        .await
        .unwrap();
    assert!(matches!(again.claim, Some(Ok(_))), "{again:?}");
    // The window resets, and a record is live only until its own expiry by the caller's clock.
    clock.set(expires);
    let fresh = limiter
        .admit(action, &ip, &nonce(1), expires + 600_000, clock.now_ms())
        .await
        .unwrap();
    assert!(fresh.decision.allowed);
    assert_eq!(fresh.decision.remaining, max - 1);
    assert!(matches!(fresh.claim, Some(Ok(_))), "{fresh:?}");
}
