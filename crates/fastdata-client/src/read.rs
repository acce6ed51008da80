//! The read trait: [`FastDataRead`].

use async_trait::async_trait;

use crate::entry::{KvEntry, Order, Scan, ScanLimit};
use crate::error::FastDataError;

/// The argument check every [`FastDataRead`] implementation applies to a writer, so that the
/// HTTP client and in-process implementations fail alike.
///
/// # Errors
///
/// [`FastDataError::InvalidRequest`] for an empty account or one containing `/`.
pub fn check_predecessor(predecessor_id: &str) -> Result<(), FastDataError> {
    if predecessor_id.is_empty() || predecessor_id.contains('/') {
        return Err(FastDataError::InvalidRequest(format!(
            "predecessor_id {predecessor_id:?} must be a non-empty account id without '/'"
        )));
    }
    Ok(())
}

/// The argument check every [`FastDataRead`] implementation applies to an exact key.
///
/// # Errors
///
/// [`FastDataError::InvalidRequest`] for an empty key.
pub fn check_key(key: &str) -> Result<(), FastDataError> {
    if key.is_empty() {
        return Err(FastDataError::InvalidRequest(
            "key must not be empty".into(),
        ));
    }
    Ok(())
}

/// One key of one writer, for [`FastDataRead::multi_get`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey {
    /// The writer (predecessor account).
    pub predecessor_id: String,
    /// The key.
    pub key: String,
}

impl AccountKey {
    /// `key` as written by `predecessor_id`.
    #[must_use]
    pub fn new(predecessor_id: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            predecessor_id: predecessor_id.into(),
            key: key.into(),
        }
    }
}

/// Reads from FastData KV within one namespace (the `current_account_id` writes were sent to,
/// e.g. `contextual.near`), which is the implementation's configuration, not an argument.
///
/// Conventions shared by every method:
/// - Deletions come back as rows with [`KvValue::Deleted`](crate::KvValue::Deleted), never as
///   values, so an indexer sees when a key was removed; use [`Scan::live`] or
///   [`KvEntry::is_deleted`] to drop them.
/// - Paged reads follow `page_token` until the server has no more rows or the caller's
///   [`ScanLimit`] is reached, in which case [`Scan::truncated`] is `true`. There is no hidden cap.
/// - A read that stopped before the server's last row says so in [`Scan::end`]
///   ([`Scan::is_complete`] is `false`); a page that fails fails the whole read (an `Err`, never
///   a short `Ok`). Never infer that a key is gone from an incomplete scan.
/// - Row order is the endpoint's order (documented per method); a row's index in
///   [`Scan::entries`] is its position.
#[async_trait]
pub trait FastDataRead: Send + Sync {
    /// The namespace (`current_account_id`) every method reads.
    fn namespace(&self) -> &str;

    /// The latest row of `key` written by `predecessor_id`: `None` if never written, a
    /// [`KvValue::Deleted`](crate::KvValue::Deleted) row if the last write deleted it.
    async fn get_latest(
        &self,
        predecessor_id: &str,
        key: &str,
    ) -> Result<Option<KvEntry>, FastDataError>;

    /// The latest row of every key starting with `key_prefix` written by `predecessor_id`,
    /// in key order (`""` lists every key of that writer in the namespace).
    async fn scan_prefix(
        &self,
        predecessor_id: &str,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError>;

    /// The latest row of `key` for every writer in the namespace, by predecessor.
    async fn latest_by_key(&self, key: &str, limit: ScanLimit) -> Result<Scan, FastDataError>;

    /// The latest row of every key starting with `key_prefix`, for every writer in the
    /// namespace, ordered by (key, predecessor).
    async fn latest_by_prefix(
        &self,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError>;

    /// The latest row of each of `keys`, in the same order; `None` where a key was never
    /// written. Any number of keys: the implementation chunks them per request.
    async fn multi_get(&self, keys: &[AccountKey]) -> Result<Vec<Option<KvEntry>>, FastDataError>;

    /// Every write of `key` by `predecessor_id`, oldest or newest first.
    async fn history(
        &self,
        predecessor_id: &str,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError>;

    /// Every write of `key` by any writer in the namespace, by block height (and, within a
    /// block, the server's order), oldest or newest first.
    async fn namespace_history(
        &self,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError>;

    /// The latest row of every key `predecessor_id` wrote, in **every** namespace (the one
    /// read not confined to [`FastDataRead::namespace`]), ordered by (namespace, key).
    async fn all_of_predecessor(
        &self,
        predecessor_id: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError>;
}
