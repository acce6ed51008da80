//! The NonceStore behaviour suite over the in-process stores, and the file store's durability.

use nep413::conformance::nonce_store_suite;
use nep413::{FileNonceStore, InMemoryNonceStore, NonceStore as _, NonceStoreError};

#[tokio::test]
async fn in_memory_store_passes_the_suite() {
    nonce_store_suite(&InMemoryNonceStore::default(), "mem").await;
}

#[tokio::test]
async fn file_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    nonce_store_suite(&FileNonceStore::open(dir.path(), 0).unwrap(), "file").await;
}

#[tokio::test]
async fn file_store_remembers_nonces_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = FileNonceStore::open(dir.path(), 0).unwrap();
        s.check_and_insert("used", 10_000, 1_000).await.unwrap();
        let t = s.check_and_insert("released", 10_000, 1_000).await.unwrap();
        s.release("released", t).await;
        s.check_and_insert("expires", 2_000, 1_000).await.unwrap();
    }
    let s = FileNonceStore::open(dir.path(), 2_000).unwrap();
    assert_eq!(s.len(), 1, "only the live record is kept");
    assert_eq!(
        s.check_and_insert("used", 10_000, 2_000).await,
        Err(NonceStoreError::Replay)
    );
    assert!(s.check_and_insert("released", 10_000, 2_000).await.is_ok());
    assert!(s.check_and_insert("expires", 10_000, 2_000).await.is_ok());
    // A record made after the reopen is durable too.
    drop(s);
    let s = FileNonceStore::open(dir.path(), 3_000).unwrap();
    assert_eq!(
        s.check_and_insert("released", 10_000, 3_000).await,
        Err(NonceStoreError::Replay)
    );
}

#[tokio::test]
async fn a_torn_last_line_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = FileNonceStore::open(dir.path(), 0).unwrap();
        s.check_and_insert("kept", 10_000, 1_000).await.unwrap();
    }
    let log = dir.path().join(nep413::file_store::NONCE_LOG_FILE);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("+ 10000 abcd");
    std::fs::write(&log, text).unwrap();
    let s = FileNonceStore::open(dir.path(), 1_000).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(
        s.check_and_insert("kept", 10_000, 1_000).await,
        Err(NonceStoreError::Replay)
    );
}

#[tokio::test]
async fn the_log_is_compacted_as_records_expire() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileNonceStore::open(dir.path(), 0).unwrap();
    for i in 0..20_000u64 {
        s.check_and_insert(&format!("k{i}"), i + 10, i)
            .await
            .unwrap();
    }
    let log = dir.path().join(nep413::file_store::NONCE_LOG_FILE);
    let lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(lines <= 4_096 + 1_000, "log has {lines} lines");
}
