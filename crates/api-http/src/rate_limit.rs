//! Per-action rate limits: the table, the [`RateLimiter`] trait and an in-memory fixed-window
//! implementation with an injected clock and bounded memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::{HeaderName, HeaderValue};
use nearly_core::ErrorCode;
use nep413::Clock;

use crate::error::ApiError;

/// Every rate-limited action, with its documented limit ([`Action::limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `POST /agents/{id}/follow`, per caller.
    Follow,
    /// `DELETE /agents/{id}/follow`, per caller.
    Unfollow,
    /// `POST /agents/{id}/endorse`, per caller.
    Endorse,
    /// `DELETE /agents/{id}/endorse`, per caller.
    Unendorse,
    /// `PATCH /agents/me/profile`, per caller.
    Profile,
    /// `POST /agents/me/heartbeat`, per caller.
    Heartbeat,
    /// `DELETE /agents/me`, per caller.
    Delist,
    /// `POST /agents/me/profile/generate`, per caller.
    GenerateProfile,
    /// `POST /agents/{id}/follow/generate`, per caller.
    GenerateFollow,
    /// `POST /agents/{id}/endorse/generate`, per caller.
    GenerateEndorse,
    /// `POST /verify-claim`, per IP.
    VerifyClaim,
    /// `GET /platforms`, per IP.
    ListPlatforms,
    /// `GET /admin/hidden`, per IP.
    ListHidden,
}

/// Whose window an action's limit counts in, and how many slots a request takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// The client IP, one slot per request (checked before anything else).
    Ip,
    /// The client IP, one slot per request, taken by verify-claim's handler together with the
    /// claim's nonce: after the signature check, before anything is recorded (one round trip
    /// on a shared store; see [`crate::claim_limit`]).
    Claim,
    /// The authenticated caller, one slot per request (checked right after authentication).
    Caller,
    /// The authenticated caller, one slot per target written (the batch writes: checked by the
    /// batch runner, so a target with nothing to write takes no slot).
    Target,
}

/// A limit: at most `max` requests per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub max: u32,
    /// Window length, seconds.
    pub window_secs: u64,
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 13] = [
        Self::Follow,
        Self::Unfollow,
        Self::Endorse,
        Self::Unendorse,
        Self::Profile,
        Self::Heartbeat,
        Self::Delist,
        Self::GenerateProfile,
        Self::GenerateFollow,
        Self::GenerateEndorse,
        Self::VerifyClaim,
        Self::ListPlatforms,
        Self::ListHidden,
    ];

    /// The action's name, as in the contract (`follow`, `generate.profile`, `verify-claim`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Follow => "follow",
            Self::Unfollow => "unfollow",
            Self::Endorse => "endorse",
            Self::Unendorse => "unendorse",
            Self::Profile => "profile",
            Self::Heartbeat => "heartbeat",
            Self::Delist => "delist",
            Self::GenerateProfile => "generate.profile",
            Self::GenerateFollow => "generate.follow",
            Self::GenerateEndorse => "generate.endorse",
            Self::VerifyClaim => "verify-claim",
            Self::ListPlatforms => "list_platforms",
            Self::ListHidden => "list_hidden",
        }
    }

    /// Whose window the action counts in (see [`Per`]).
    pub const fn per(self) -> Per {
        match self {
            Self::Follow | Self::Unfollow | Self::Endorse | Self::Unendorse => Per::Target,
            Self::Profile
            | Self::Heartbeat
            | Self::Delist
            | Self::GenerateProfile
            | Self::GenerateFollow
            | Self::GenerateEndorse => Per::Caller,
            Self::VerifyClaim => Per::Claim,
            Self::ListPlatforms | Self::ListHidden => Per::Ip,
        }
    }

    /// The documented limit: the one table of the contract's per-action limits.
    pub const fn limit(self) -> Limit {
        let (max, window_secs) = match self {
            Self::Follow | Self::Unfollow | Self::Profile => (10, 60),
            Self::Endorse | Self::Unendorse => (20, 60),
            Self::Heartbeat => (5, 60),
            Self::Delist => (1, 300),
            Self::GenerateProfile | Self::GenerateFollow | Self::GenerateEndorse => (30, 60),
            Self::VerifyClaim => (60, 60),
            Self::ListPlatforms | Self::ListHidden => (120, 60),
        };
        Limit { max, window_secs }
    }
}

impl Limit {
    /// The window holding `now_ms`: `[start, end)` in Unix ms. Windows are aligned to the clock
    /// (`start` is a multiple of the window length), so every replica names the same window
    /// from its own clock and a shared store keeps one counter per window.
    pub const fn window_at(self, now_ms: u64) -> (u64, u64) {
        let len = self.window_secs.saturating_mul(1000);
        if len == 0 {
            return (now_ms, now_ms);
        }
        let start = now_ms - now_ms % len;
        (start, start.saturating_add(len))
    }
}

/// The outcome of a check-and-consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed (a slot was consumed).
    pub allowed: bool,
    /// The window's limit.
    pub limit: u32,
    /// Slots left in the window after this request.
    pub remaining: u32,
    /// When the window resets, Unix seconds.
    pub reset_at: u64,
    /// When refused: seconds to wait (at least 1).
    pub retry_after: Option<u64>,
}

impl Decision {
    /// The decision for the request that brought the window ending at `end_ms` to `count`
    /// requests at `now_ms` (a count over `limit.max` is a refusal).
    pub fn counted(limit: Limit, now_ms: u64, end_ms: u64, count: u64) -> Self {
        let reset_at = end_ms.div_ceil(1000);
        if count <= u64::from(limit.max) {
            Self {
                allowed: true,
                limit: limit.max,
                remaining: limit.max - u32::try_from(count).unwrap_or(limit.max),
                reset_at,
                retry_after: None,
            }
        } else {
            Self {
                allowed: false,
                limit: limit.max,
                remaining: 0,
                reset_at,
                retry_after: Some(end_ms.saturating_sub(now_ms).div_ceil(1000).max(1)),
            }
        }
    }

    /// The `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers.
    pub fn headers(&self) -> [(HeaderName, HeaderValue); 3] {
        [
            (
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderValue::from(self.limit),
            ),
            (
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderValue::from(self.remaining),
            ),
            (
                HeaderName::from_static("x-ratelimit-reset"),
                HeaderValue::from(self.reset_at),
            ),
        ]
    }

    /// `Ok(self)` when allowed; otherwise the 429 `RATE_LIMITED` error with `retry_after`, the
    /// `Retry-After` header and the `X-RateLimit-*` headers.
    pub fn into_result(self, action: Action) -> Result<Self, ApiError> {
        if self.allowed {
            return Ok(self);
        }
        metrics::counter!("nearly_rate_limited_total", "action" => action.name()).increment(1);
        let limit = action.limit();
        let retry_after = self.retry_after.unwrap_or(1);
        let mut err = ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "Rate limit exceeded for {}: {} per {}s. Retry in {retry_after}s.",
                action.name(),
                limit.max,
                limit.window_secs
            ),
        )
        .with_retry_after(retry_after);
        for (name, value) in self.headers() {
            err = err.with_header(name, value);
        }
        Err(err)
    }
}

/// Why a rate limiter could not answer (a shared store being unreachable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate limiter unavailable: {0}")]
pub struct RateLimiterError(pub String);

/// A rate limiter: check-and-consume one slot of `action` for `key` (a caller account or an IP).
///
/// In-memory by default ([`InMemoryRateLimiter`]); a shared store (e.g. Redis) when several
/// replicas serve one deployment.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Consumes a slot if one is left in the current window and says so.
    async fn check(&self, action: Action, key: &str) -> Result<Decision, RateLimiterError>;
}

/// Default bound on tracked (action, key) pairs of [`InMemoryRateLimiter`].
pub const DEFAULT_MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: u64,
    count: u32,
}

/// A fixed-window limiter in process memory, reading time from an injected [`Clock`]. Windows
/// are aligned to the clock ([`Limit::window_at`]): a heartbeat limit of 5 per 60 s allows 5
/// in each wall-clock minute.
///
/// Memory is bounded: windows that have ended are dropped on a sweep (every 1024 checks, and
/// whenever the map is full); when `max_keys` live windows exist, a new key is refused with a
/// one-second `retry_after` rather than evicting a live window (evicting would let a flood of
/// keys reset someone's limit).
pub struct InMemoryRateLimiter {
    clock: Arc<dyn Clock>,
    max_keys: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    windows: HashMap<(Action, String), Window>,
    checks: u64,
}

impl std::fmt::Debug for InMemoryRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryRateLimiter")
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

impl InMemoryRateLimiter {
    /// A limiter with [`DEFAULT_MAX_KEYS`].
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_max_keys(clock, DEFAULT_MAX_KEYS)
    }

    /// A limiter tracking at most `max_keys` live windows.
    pub fn with_max_keys(clock: Arc<dyn Clock>, max_keys: usize) -> Self {
        Self {
            clock,
            max_keys: max_keys.max(1),
            inner: Mutex::new(Inner {
                windows: HashMap::new(),
                checks: 0,
            }),
        }
    }

    /// The number of tracked windows (live or not yet swept).
    pub fn tracked(&self) -> usize {
        self.lock().windows.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The synchronous check behind [`RateLimiter::check`].
    pub fn check_sync(&self, action: Action, key: &str) -> Decision {
        let now = self.clock.now_ms();
        let limit = action.limit();
        let mut inner = self.lock();
        inner.checks = inner.checks.wrapping_add(1);
        if inner.checks.is_multiple_of(1024) {
            sweep(&mut inner.windows, now);
        }
        let map_key = (action, key.to_owned());
        if !inner.windows.contains_key(&map_key) && inner.windows.len() >= self.max_keys {
            sweep(&mut inner.windows, now);
            if inner.windows.len() >= self.max_keys {
                tracing::warn!(
                    max_keys = self.max_keys,
                    "rate limiter full of live windows; refusing a new key"
                );
                return Decision {
                    allowed: false,
                    limit: limit.max,
                    remaining: 0,
                    reset_at: now.div_ceil(1000).saturating_add(1),
                    retry_after: Some(1),
                };
            }
        }
        let (start_ms, end_ms) = limit.window_at(now);
        let fresh = Window { start_ms, count: 0 };
        let window = inner.windows.entry(map_key).or_insert(fresh);
        if window.start_ms != start_ms {
            *window = fresh;
        }
        // A refusal takes no slot (the count stays at the limit).
        let count = if window.count < limit.max {
            window.count += 1;
            u64::from(window.count)
        } else {
            u64::from(limit.max) + 1
        };
        Decision::counted(limit, now, end_ms, count)
    }
}

fn sweep(windows: &mut HashMap<(Action, String), Window>, now: u64) {
    windows.retain(|(action, _), w| now < action.limit().window_at(w.start_ms).1);
}

#[async_trait]
impl RateLimiter for InMemoryRateLimiter {
    async fn check(&self, action: Action, key: &str) -> Result<Decision, RateLimiterError> {
        Ok(self.check_sync(action, key))
    }
}

/// Checks `action` for `key` and turns a refusal into the 429 error. A limiter that cannot
/// answer (a shared store unreachable) is a retriable 502 `STORAGE_ERROR` with `retry_after`:
/// the request does not proceed, because a write that skipped its limit would break the limit.
pub async fn enforce(
    limiter: &dyn RateLimiter,
    action: Action,
    key: &str,
) -> Result<Decision, ApiError> {
    limiter
        .check(action, key)
        .await
        .map_err(|e| limiter_unavailable(action, e))?
        .into_result(action)
}

/// The retriable 502 `STORAGE_ERROR` (with `retry_after`) of a limiter that could not answer.
pub fn limiter_unavailable(action: Action, e: RateLimiterError) -> ApiError {
    ApiError::upstream(
        format!(
            "the rate limiter for {} is unavailable; retry shortly",
            action.name()
        ),
        e,
    )
    .with_retry_after(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nep413::ManualClock;

    #[test]
    fn the_table() {
        let table: Vec<(&str, u32, u64)> = Action::ALL
            .iter()
            .map(|a| (a.name(), a.limit().max, a.limit().window_secs))
            .collect();
        assert_eq!(
            table,
            [
                ("follow", 10, 60),
                ("unfollow", 10, 60),
                ("endorse", 20, 60),
                ("unendorse", 20, 60),
                ("profile", 10, 60),
                ("heartbeat", 5, 60),
                ("delist", 1, 300),
                ("generate.profile", 30, 60),
                ("generate.follow", 30, 60),
                ("generate.endorse", 30, 60),
                ("verify-claim", 60, 60),
                ("list_platforms", 120, 60),
                ("list_hidden", 120, 60),
            ]
        );
    }

    #[test]
    fn window_exhausts_and_resets() {
        // 1_020_000 ms is a minute boundary: the window is [1_020 s, 1_080 s).
        let clock = Arc::new(ManualClock::new(1_020_000));
        let rl = InMemoryRateLimiter::new(clock.clone());
        for i in 0..5 {
            let d = rl.check_sync(Action::Heartbeat, "alice");
            assert!(d.allowed);
            assert_eq!(d.remaining, 4 - i);
            assert_eq!(d.reset_at, 1_080);
        }
        let d = rl.check_sync(Action::Heartbeat, "alice");
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Some(60));
        // Other keys and actions are independent.
        assert!(rl.check_sync(Action::Heartbeat, "bob").allowed);
        assert!(rl.check_sync(Action::Follow, "alice").allowed);
        clock.advance(59_500);
        assert_eq!(
            rl.check_sync(Action::Heartbeat, "alice").retry_after,
            Some(1)
        );
        clock.advance(500);
        assert!(rl.check_sync(Action::Heartbeat, "alice").allowed);
    }

    #[test]
    fn windows_are_aligned_to_the_clock() {
        // A first request 50 s into a minute gets that minute's last 10 s, then a new minute.
        let clock = Arc::new(ManualClock::new(1_070_000));
        let rl = InMemoryRateLimiter::new(clock.clone());
        for _ in 0..5 {
            assert_eq!(rl.check_sync(Action::Heartbeat, "a").reset_at, 1_080);
        }
        assert_eq!(rl.check_sync(Action::Heartbeat, "a").retry_after, Some(10));
        clock.advance(10_000);
        let d = rl.check_sync(Action::Heartbeat, "a");
        assert!(d.allowed);
        assert_eq!((d.remaining, d.reset_at), (4, 1_140));
        assert_eq!(
            Action::Delist.limit().window_at(1_000_000),
            (900_000, 1_200_000)
        );
    }

    #[test]
    fn memory_is_bounded() {
        let clock = Arc::new(ManualClock::new(0));
        let rl = InMemoryRateLimiter::with_max_keys(clock.clone(), 3);
        for k in ["a", "b", "c"] {
            assert!(rl.check_sync(Action::Delist, k).allowed);
        }
        let refused = rl.check_sync(Action::Delist, "d");
        assert!(!refused.allowed);
        assert_eq!(rl.tracked(), 3);
        clock.advance(300_000);
        assert!(rl.check_sync(Action::Delist, "d").allowed);
        assert_eq!(rl.tracked(), 1);
    }

    #[test]
    fn refusal_is_a_429_with_headers() {
        let d = Decision {
            allowed: false,
            limit: 1,
            remaining: 0,
            reset_at: 300,
            retry_after: Some(12),
        };
        let e = d.into_result(Action::Delist).unwrap_err();
        assert_eq!(e.status(), 429);
        assert_eq!(e.retry_after, Some(12));
    }
}
