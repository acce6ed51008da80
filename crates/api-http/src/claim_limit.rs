//! verify-claim's per-IP limit, taken together with the claim's nonce.
//!
//! The other limits are the gate's ([`crate::gate`]), checked before the handler. verify-claim's
//! ([`Per::Claim`](crate::rate_limit::Per::Claim)) is taken by its handler at the one point
//! where the claim is about to be recorded: after the envelope is parsed and the signature is
//! checked (a nonce may be recorded only then, or a forged claim could burn a genuine claim's
//! nonce), and before the record. A [`ClaimLimiter`] decides both: the slot, and only when one
//! is left, the nonce. On a shared store that is one round trip per claim instead of two
//! (`nearly-redis` sends both in one pipeline); the default, [`SeparateClaimLimiter`], calls the
//! [`RateLimiter`] and then the [`NonceStore`].
//!
//! Every request still takes a slot: one that never reaches the record (a body that is not a
//! claim, a stale timestamp, a bad signature) takes it on its way out, through the limiter
//! alone. The trade: a client over its limit now costs a signature check before its 429.
//!
//! [`ClaimSlot`] is the per-request adapter: a [`NonceStore`] for the NEP-413 verifier that
//! goes through the claim limiter and remembers the limiter's decision for the handler.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use nep413::{ClaimTicket, NonceStore, NonceStoreError};

use crate::rate_limit::{Action, Decision, RateLimiter, RateLimiterError};

/// What a [`ClaimLimiter`] decided for one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// The limit's decision (a slot was taken when `allowed`).
    pub decision: Decision,
    /// The nonce store's answer when the slot was taken; `None` when the request was refused
    /// (nothing recorded).
    pub claim: Option<Result<ClaimTicket, NonceStoreError>>,
}

/// Takes a rate-limit slot and, only when one is left, records a nonce (see the module docs).
#[async_trait]
pub trait ClaimLimiter: Send + Sync {
    /// Takes a slot of `action` for `key`; when allowed, records `nonce_key` until
    /// `expires_at_ms` unless it is live at `now_ms` (as [`NonceStore::check_and_insert`]).
    async fn admit(
        &self,
        action: Action,
        key: &str,
        nonce_key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<Admission, RateLimiterError>;

    /// Forgets `nonce_key` if it is still the record `ticket` made
    /// ([`NonceStore::release`]).
    async fn release(&self, nonce_key: &str, ticket: ClaimTicket);
}

/// The default [`ClaimLimiter`]: the rate limiter, then (when allowed) the nonce store.
#[derive(Clone)]
pub struct SeparateClaimLimiter {
    limiter: Arc<dyn RateLimiter>,
    nonces: Arc<dyn NonceStore>,
}

impl std::fmt::Debug for SeparateClaimLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeparateClaimLimiter")
            .finish_non_exhaustive()
    }
}

impl SeparateClaimLimiter {
    /// `limiter` and `nonces`, called one after the other.
    pub fn new(limiter: Arc<dyn RateLimiter>, nonces: Arc<dyn NonceStore>) -> Self {
        Self { limiter, nonces }
    }
}

#[async_trait]
impl ClaimLimiter for SeparateClaimLimiter {
    async fn admit(
        &self,
        action: Action,
        key: &str,
        nonce_key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<Admission, RateLimiterError> {
        let decision = self.limiter.check(action, key).await?;
        let claim = if decision.allowed {
            Some(
                self.nonces
                    .check_and_insert(nonce_key, expires_at_ms, now_ms)
                    .await,
            )
        } else {
            None
        };
        Ok(Admission { decision, claim })
    }

    async fn release(&self, nonce_key: &str, ticket: ClaimTicket) {
        self.nonces.release(nonce_key, ticket).await;
    }
}

/// One verify-claim request's view of the claim limiter: a [`NonceStore`] that takes the
/// request's slot with the record, and keeps the limiter's answer for [`ClaimSlot::taken`].
pub struct ClaimSlot {
    limiter: Arc<dyn ClaimLimiter>,
    action: Action,
    key: String,
    taken: Mutex<Option<Result<Decision, RateLimiterError>>>,
}

impl std::fmt::Debug for ClaimSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimSlot")
            .field("action", &self.action)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ClaimSlot {
    /// The slot of `action` for `key` (the client IP), not yet taken.
    pub fn new(limiter: Arc<dyn ClaimLimiter>, action: Action, key: impl Into<String>) -> Self {
        Self {
            limiter,
            action,
            key: key.into(),
            taken: Mutex::new(None),
        }
    }

    /// The limiter's answer, if the verifier reached the record (`None`: the slot is still to
    /// be taken, through the plain rate limiter).
    pub fn taken(&self) -> Option<Result<Decision, RateLimiterError>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Result<Decision, RateLimiterError>>> {
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl NonceStore for ClaimSlot {
    async fn check_and_insert(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let admitted = self
            .limiter
            .admit(self.action, &self.key, key, expires_at_ms, now_ms)
            .await;
        // Without a record the verdict is not answered: the handler answers the 429 or the
        // limiter's error from `taken` instead.
        let (decision, claim) = match admitted {
            Ok(Admission {
                decision,
                claim: Some(claim),
            }) => (Ok(decision), claim),
            Ok(Admission {
                decision,
                claim: None,
            }) => (
                Ok(decision),
                Err(NonceStoreError::Unavailable(
                    "not recorded: the request is over its rate limit".to_owned(),
                )),
            ),
            Err(e) => {
                let unavailable = NonceStoreError::Unavailable(e.to_string());
                (Err(e), Err(unavailable))
            }
        };
        *self.lock() = Some(decision);
        claim
    }

    async fn release(&self, key: &str, ticket: ClaimTicket) {
        self.limiter.release(key, ticket).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::InMemoryRateLimiter;
    use nep413::{InMemoryNonceStore, ManualClock};

    fn slot(limiter: &Arc<dyn ClaimLimiter>) -> ClaimSlot {
        ClaimSlot::new(limiter.clone(), Action::VerifyClaim, "10.0.0.1")
    }

    #[tokio::test]
    async fn a_slot_is_taken_with_the_record_and_a_refusal_records_nothing() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let nonces = Arc::new(InMemoryNonceStore::default());
        let limiter: Arc<dyn ClaimLimiter> = Arc::new(SeparateClaimLimiter::new(
            Arc::new(InMemoryRateLimiter::new(clock)),
            nonces.clone(),
        ));
        let max = Action::VerifyClaim.limit().max;
        for i in 0..max {
            let s = slot(&limiter);
            assert!(s.taken().is_none());
            let ticket = s
                .check_and_insert(&format!("n{i}"), 2_000_000, 1_000_000)
                .await;
            assert!(ticket.is_ok(), "{ticket:?}");
            let d = s.taken().unwrap().unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, max - i - 1);
        }
        // Over the limit: refused, and the nonce is not recorded (the same claim is still
        // usable once the window allows).
        let s = slot(&limiter);
        let refused = s.check_and_insert("late", 2_000_000, 1_000_000).await;
        assert!(matches!(refused, Err(NonceStoreError::Unavailable(_))));
        assert!(!s.taken().unwrap().unwrap().allowed);
        assert!(
            nonces
                .check_and_insert("late", 2_000_000, 1_000_000)
                .await
                .is_ok()
        );
        // A replay inside the limit is the nonce store's answer.
        assert_eq!(
            nonces.check_and_insert("n0", 2_000_000, 1_000_000).await,
            Err(NonceStoreError::Replay)
        );
    }
}
