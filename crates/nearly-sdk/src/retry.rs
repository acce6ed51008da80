//! Waiting between attempts: the injected [`Sleeper`] and the [`RetryPolicy`] (whose schedule
//! the client's [`backon`] retry loop follows).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

/// Something that waits. Injected into the client and the heartbeat loop so tests never sleep.
#[async_trait]
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real sleeper: [`tokio::time::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A sleeper that returns at once and records every requested wait, for tests.
///
/// Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper {
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// A sleeper with an empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every wait requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        match self.slept.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        match self.slept.lock() {
            Ok(mut guard) => guard.push(duration),
            Err(poisoned) => poisoned.into_inner().push(duration),
        }
        tokio::task::yield_now().await;
    }
}

/// Adapts the injected [`Sleeper`] to [`backon`]'s sleeper, so the retry loop waits on it.
pub(crate) struct InjectedSleeper(pub(crate) Arc<dyn Sleeper>);

impl backon::Sleeper for InjectedSleeper {
    type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn sleep(&self, duration: Duration) -> Self::Sleep {
        let sleeper = Arc::clone(&self.0);
        Box::pin(async move { sleeper.sleep(duration).await })
    }
}

/// When and how long the client waits before sending a failed request again.
///
/// A retriable failure (see [`NearlyError::is_retriable`](crate::NearlyError::is_retriable)) is
/// retried up to `max_retries` times. The wait is the server's `retry_after` when it sent one
/// (a `retry_after` longer than `max_retry_after`, such as a daily budget's wait until midnight,
/// is not waited out: the error is returned), else `initial_backoff` doubled per retry, capped at
/// `max_backoff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 3.
    pub max_retries: u32,
    /// The first backoff. Default 1 s (then 2 s, 4 s, as the contract advises).
    pub initial_backoff: Duration,
    /// The longest backoff. Default 30 s.
    pub max_backoff: Duration,
    /// The longest `retry_after` the client waits out by itself. Default 120 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every failure is returned at once.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The waits of the client's retry loop ([`backon`]'s, fed this exact schedule) when the
    /// server sends no `retry_after`: `backoff(1)` ... `backoff(max_retries)`.
    pub fn schedule(&self) -> impl Iterator<Item = Duration> + Send + Sync + Unpin + use<> {
        let policy = self.clone();
        (1..=self.max_retries).map(move |retry| policy.backoff(retry))
    }

    /// The backoff before retry number `retry` (1-based), without a server hint. Exact integer
    /// arithmetic (backon's own exponential builder computes in `f32` seconds).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry` (1-based), given the server's `retry_after`; `None`
    /// when the server asks for a longer wait than this policy accepts.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(3), Duration::from_secs(4));
        assert_eq!(p.backoff(40), Duration::from_secs(30));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), None);
        let waits: Vec<Duration> = p.schedule().collect();
        assert_eq!(
            waits,
            [1, 2, 4].map(Duration::from_secs),
            "max_retries waits"
        );
        assert_eq!(RetryPolicy::none().schedule().count(), 0);
    }
}
