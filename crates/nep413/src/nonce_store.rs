//! Replay protection: a store of used nonces with an atomic check-and-insert.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};

/// Why a nonce could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NonceStoreError {
    /// The key is already recorded and has not expired.
    #[error("nonce already used for this recipient")]
    Replay,
    /// The store holds `capacity` live entries and refuses to evict any of them.
    #[error("nonce store is full ({capacity} live nonces); retry later")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The backing store failed (for example a network store is unreachable).
    #[error("nonce store unavailable: {0}")]
    Unavailable(String),
}

/// Proof that one particular [`NonceStore::check_and_insert`] call recorded a key: only the
/// holder of the ticket can [`release`](NonceStore::release) it again.
///
/// Without it, a request whose claim expired and was re-recorded by another request could, on a
/// late transient failure, release the *other* request's record (compare-and-delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimTicket(u128);

impl ClaimTicket {
    /// A fresh random ticket.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The ticket as 32 lowercase hex characters (how network stores keep it).
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }

    /// The ticket's value.
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// A ticket from its value (a store reading back its records).
    pub fn from_u128(value: u128) -> Self {
        Self(value)
    }
}

/// A set of used nonce keys, each remembered until it expires.
///
/// Implementations must make [`check_and_insert`](NonceStore::check_and_insert) atomic: of two
/// concurrent calls with the same live key, exactly one succeeds.
#[async_trait]
pub trait NonceStore: Send + Sync {
    /// Records `key` until `expires_at_ms`, or fails with [`NonceStoreError::Replay`] if it is
    /// already recorded and still live at `now_ms`. The ticket identifies this record.
    async fn check_and_insert(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError>;

    /// Forgets `key` if it is still the record `ticket` made, so the same claim can be retried
    /// (used after a transient failure). A record made by another call is left alone.
    async fn release(&self, key: &str, ticket: ClaimTicket);
}

/// The default capacity of [`InMemoryNonceStore`]: 262,144 live nonces (about 25 MiB).
pub const DEFAULT_NONCE_CAPACITY: usize = 1 << 18;

pub(crate) type KeyDigest = [u8; 32];

/// An in-process [`NonceStore`] with TTL expiry and a hard capacity.
///
/// Keys are stored as their SHA-256, so memory per entry is fixed however long the recipient is.
/// Expired entries are purged on every insert. When the store is full of *live* entries it
/// refuses new nonces with [`NonceStoreError::Full`] rather than evicting one: evicting a live
/// nonce would let an attacker who floods the store replay an earlier claim. Size the capacity
/// for (claims accepted per second) x (window in seconds), with headroom.
#[derive(Debug)]
pub struct InMemoryNonceStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Live records: expiry and the ticket of the call that made them.
    live: HashMap<KeyDigest, (u64, ClaimTicket)>,
    /// Expiry order; may hold stale entries for released or re-inserted keys.
    by_expiry: BinaryHeap<Reverse<(u64, KeyDigest)>>,
}

impl Inner {
    fn purge_expired(&mut self, now_ms: u64) {
        while let Some(Reverse((exp, key))) = self.by_expiry.peek().copied() {
            if exp > now_ms {
                break;
            }
            self.by_expiry.pop();
            if self.live.get(&key).map(|(e, _)| *e) == Some(exp) {
                self.live.remove(&key);
            }
        }
    }

    fn compact_if_stale(&mut self, capacity: usize) {
        if self.by_expiry.len() > capacity.saturating_mul(2).max(64) {
            self.by_expiry = self
                .live
                .iter()
                .map(|(k, (e, _))| Reverse((*e, *k)))
                .collect();
        }
    }
}

impl InMemoryNonceStore {
    /// A store holding at most `capacity` live nonces (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The configured capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of entries currently held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    /// Whether the store holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters here (worst case a stale heap entry), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The synchronous check-and-insert behind the async trait method.
    pub fn check_and_insert_sync(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let digest: KeyDigest = Sha256::digest(key.as_bytes()).into();
        self.insert_digest(digest, expires_at_ms, now_ms, ClaimTicket::random())
    }

    pub(crate) fn insert_digest(
        &self,
        digest: KeyDigest,
        expires_at_ms: u64,
        now_ms: u64,
        ticket: ClaimTicket,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let mut inner = self.lock();
        inner.purge_expired(now_ms);
        if let Some(&(exp, _)) = inner.live.get(&digest)
            && exp > now_ms
        {
            return Err(NonceStoreError::Replay);
        }
        if inner.live.len() >= self.capacity && !inner.live.contains_key(&digest) {
            return Err(NonceStoreError::Full {
                capacity: self.capacity,
            });
        }
        inner.live.insert(digest, (expires_at_ms, ticket));
        inner.by_expiry.push(Reverse((expires_at_ms, digest)));
        inner.compact_if_stale(self.capacity);
        Ok(ticket)
    }

    /// The synchronous release behind the async trait method.
    pub fn release_sync(&self, key: &str, ticket: ClaimTicket) {
        let digest: KeyDigest = Sha256::digest(key.as_bytes()).into();
        self.release_digest(digest, ticket);
    }

    /// Every live record (digest, expiry, ticket), for a durable store's compaction.
    #[cfg(feature = "file")]
    pub(crate) fn records(&self) -> Vec<(KeyDigest, u64, ClaimTicket)> {
        self.lock()
            .live
            .iter()
            .map(|(d, (e, t))| (*d, *e, *t))
            .collect()
    }

    /// Removes `digest` if `ticket` made its record; says whether it did.
    pub(crate) fn release_digest(&self, digest: KeyDigest, ticket: ClaimTicket) -> bool {
        let mut inner = self.lock();
        if inner.live.get(&digest).map(|(_, t)| *t) == Some(ticket) {
            inner.live.remove(&digest);
            true
        } else {
            false
        }
    }
}

impl Default for InMemoryNonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_NONCE_CAPACITY)
    }
}

#[async_trait]
impl NonceStore for InMemoryNonceStore {
    async fn check_and_insert(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError> {
        self.check_and_insert_sync(key, expires_at_ms, now_ms)
    }

    async fn release(&self, key: &str, ticket: ClaimTicket) {
        self.release_sync(key, ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_insert_of_live_key_is_replay() {
        let s = InMemoryNonceStore::new(10);
        assert!(s.check_and_insert_sync("a", 100, 0).is_ok());
        assert_eq!(
            s.check_and_insert_sync("a", 100, 99),
            Err(NonceStoreError::Replay)
        );
        assert!(s.check_and_insert_sync("b", 100, 99).is_ok());
    }

    #[test]
    fn expired_key_can_be_used_again() {
        let s = InMemoryNonceStore::new(10);
        s.check_and_insert_sync("a", 100, 0).unwrap();
        assert!(s.check_and_insert_sync("a", 200, 100).is_ok());
        assert_eq!(
            s.check_and_insert_sync("a", 300, 150),
            Err(NonceStoreError::Replay)
        );
    }

    #[test]
    fn release_forgets_the_key() {
        let s = InMemoryNonceStore::new(10);
        let t = s.check_and_insert_sync("a", 100, 0).unwrap();
        s.release_sync("a", t);
        assert!(s.check_and_insert_sync("a", 100, 1).is_ok());
    }

    #[test]
    fn release_with_another_calls_ticket_keeps_the_record() {
        let s = InMemoryNonceStore::new(10);
        let old = s.check_and_insert_sync("a", 100, 0).unwrap();
        // The first record expires and another request records the key again.
        let new = s.check_and_insert_sync("a", 300, 100).unwrap();
        // The first request's late release must not free the second request's record.
        s.release_sync("a", old);
        assert_eq!(
            s.check_and_insert_sync("a", 300, 150),
            Err(NonceStoreError::Replay)
        );
        s.release_sync("a", new);
        assert!(s.check_and_insert_sync("a", 300, 150).is_ok());
    }

    #[test]
    fn full_store_refuses_instead_of_evicting_live_nonces() {
        let s = InMemoryNonceStore::new(2);
        s.check_and_insert_sync("a", 100, 0).unwrap();
        s.check_and_insert_sync("b", 200, 0).unwrap();
        assert_eq!(
            s.check_and_insert_sync("c", 300, 50),
            Err(NonceStoreError::Full { capacity: 2 })
        );
        // "a" is still remembered: flooding did not make it replayable.
        assert_eq!(
            s.check_and_insert_sync("a", 100, 50),
            Err(NonceStoreError::Replay)
        );
        // Once "a" expires its slot is reused.
        assert!(s.check_and_insert_sync("c", 300, 100).is_ok());
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn release_insert_cycles_keep_the_heap_bounded() {
        let s = InMemoryNonceStore::new(4);
        for i in 0..1_000u64 {
            let t = s.check_and_insert_sync("k", 10_000 + i, i).unwrap();
            s.release_sync("k", t);
        }
        assert!(s.lock().by_expiry.len() <= 64 + 1);
    }
}
