//! The [`NonceStore`] behaviour suite (feature `conformance`): every implementation, in process
//! or networked, must pass these. Each function panics (fails the calling test) on a violation.
//!
//! Times are passed in, never read: a store must decide liveness from the `now_ms` it is given,
//! so the suite runs on any clock. Keys are namespaced by `prefix` so runs on a shared store do
//! not collide.

#![allow(clippy::panic)]

use crate::nonce_store::{NonceStore, NonceStoreError};

/// Runs every check below.
pub async fn nonce_store_suite(store: &dyn NonceStore, prefix: &str) {
    second_insert_of_a_live_key_is_a_replay(store, prefix).await;
    an_expired_key_can_be_recorded_again(store, prefix).await;
    release_frees_the_key(store, prefix).await;
    release_with_a_stale_ticket_keeps_the_newer_record(store, prefix).await;
    keys_are_independent(store, prefix).await;
}

/// Of two inserts of one live key, the second is [`NonceStoreError::Replay`].
pub async fn second_insert_of_a_live_key_is_a_replay(store: &dyn NonceStore, prefix: &str) {
    let key = format!("{prefix}:live");
    assert!(store.check_and_insert(&key, 10_000, 1_000).await.is_ok());
    assert_eq!(
        store.check_and_insert(&key, 10_000, 9_999).await,
        Err(NonceStoreError::Replay)
    );
}

/// A key is live until its expiry and can be recorded again at it.
pub async fn an_expired_key_can_be_recorded_again(store: &dyn NonceStore, prefix: &str) {
    let key = format!("{prefix}:expiry");
    assert!(store.check_and_insert(&key, 10_000, 1_000).await.is_ok());
    assert!(store.check_and_insert(&key, 20_000, 10_000).await.is_ok());
    assert_eq!(
        store.check_and_insert(&key, 30_000, 15_000).await,
        Err(NonceStoreError::Replay)
    );
}

/// After `release` with its own ticket the key can be recorded again.
pub async fn release_frees_the_key(store: &dyn NonceStore, prefix: &str) {
    let key = format!("{prefix}:release");
    let ticket = store.check_and_insert(&key, 10_000, 1_000).await;
    let Ok(ticket) = ticket else {
        panic!("first insert failed: {ticket:?}");
    };
    store.release(&key, ticket).await;
    assert!(store.check_and_insert(&key, 10_000, 1_001).await.is_ok());
}

/// A late release by a request whose record expired and was replaced leaves the new record.
pub async fn release_with_a_stale_ticket_keeps_the_newer_record(
    store: &dyn NonceStore,
    prefix: &str,
) {
    let key = format!("{prefix}:stale-ticket");
    let Ok(old) = store.check_and_insert(&key, 10_000, 1_000).await else {
        panic!("first insert failed");
    };
    let Ok(new) = store.check_and_insert(&key, 30_000, 10_000).await else {
        panic!("insert after expiry failed");
    };
    assert_ne!(old, new, "every record gets its own ticket");
    store.release(&key, old).await;
    assert_eq!(
        store.check_and_insert(&key, 30_000, 11_000).await,
        Err(NonceStoreError::Replay),
        "a stale ticket released another request's record"
    );
    store.release(&key, new).await;
    assert!(store.check_and_insert(&key, 30_000, 11_001).await.is_ok());
}

/// Recording one key does not affect another.
pub async fn keys_are_independent(store: &dyn NonceStore, prefix: &str) {
    let a = format!("{prefix}:indep-a");
    let b = format!("{prefix}:indep-b");
    assert!(store.check_and_insert(&a, 10_000, 1_000).await.is_ok());
    assert!(store.check_and_insert(&b, 10_000, 1_000).await.is_ok());
    assert_eq!(
        store.check_and_insert(&a, 10_000, 1_000).await,
        Err(NonceStoreError::Replay)
    );
}
