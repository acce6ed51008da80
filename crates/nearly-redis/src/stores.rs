//! The Redis-backed stores. A rate-limit window is one counter per aligned window (`INCR`, no
//! script); a nonce is one `SET NX PX`; the decisions that must read before they write (a
//! nonce record's liveness by the caller's clock, budgets, platform merges) are Lua scripts.

use std::sync::{Arc, LazyLock};

use api_http::claim_limit::{Admission, ClaimLimiter};
use api_http::generate::{BudgetExhausted, GenerateBudget, seconds_to_utc_midnight};
use api_http::platforms::{PlatformStore, PlatformStoreError};
use api_http::rate_limit::{Action, Decision, RateLimiter, RateLimiterError};
use async_trait::async_trait;
use nearly_core::AccountId;
use nep413::{ClaimTicket, Clock, NonceStore, NonceStoreError};
use redis::Script;

use crate::{RedisError, RedisState};

/// How long a window's counter outlives the window's end (by the caller's clock), so a replica
/// whose clock is a little ahead does not expire a counter another replica still counts in.
const WINDOW_SLACK_MS: u64 = 5_000;

const DAY_MS: u64 = 86_400_000;

/// Record `KEYS[1]` as `"<expires_at_ms>:<ticket>"` unless a record live at `now` exists.
/// ARGV: expires_at_ms, now_ms, ticket. Returns 1 when recorded, 0 on replay. Redis expires the
/// key at the record's own expiry (PX), so memory is bounded like the in-process store.
static NONCE_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
local exp = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if v then
  local old = tonumber(string.match(v, '^(%d+):'))
  if old and old > now then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[3], 'PX', math.max(1, exp - now))
return 1
",
    )
});

/// Delete `KEYS[1]` only if its record carries ticket `ARGV[1]` (compare-and-delete).
static NONCE_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if v and string.match(v, ':(%x+)$') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Spend one generation: KEYS caller counter, day total. ARGV per_caller, global, ttl_ms.
/// Returns 0 spent, 1 caller exhausted, 2 global exhausted.
static BUDGET_SPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 1 end
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if total >= tonumber(ARGV[2]) then return 2 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 0
",
    )
});

/// Give one generation back if the caller spent one today.
static BUDGET_REFUND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then
  redis.call('DECR', KEYS[1])
  local total = tonumber(redis.call('GET', KEYS[2]) or '0')
  if total > 0 then redis.call('DECR', KEYS[2]) end
  return 1
end
return 0
",
    )
});

/// Append each id of ARGV to list `KEYS[1]` unless present; return the list.
static PLATFORMS_ADD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for _, id in ipairs(ARGV) do
  if not redis.call('LPOS', KEYS[1], id) then
    redis.call('RPUSH', KEYS[1], id)
  end
end
return redis.call('LRANGE', KEYS[1], 0, -1)
",
    )
});

/// [`NonceStore`] on Redis: a claim is one `SET NX PX` (record with a ticket and its expiry);
/// only when a record exists does a script check its liveness by the caller's clock (one more
/// round trip, on replays only). Release is compare-and-delete.
#[derive(Debug, Clone)]
pub struct RedisNonceStore {
    redis: RedisState,
}

impl RedisNonceStore {
    pub(crate) fn new(redis: RedisState) -> Self {
        Self { redis }
    }

    /// `SET NX PX` of the record `"<expires_at_ms>:<ticket>"` for `key`: `OK` when recorded,
    /// nil when a record exists.
    fn record(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
        ticket: ClaimTicket,
    ) -> redis::Cmd {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.redis.key(&["nonce", key]))
            .arg(format!("{expires_at_ms}:{}", ticket.to_hex()))
            .arg("NX")
            .arg("PX")
            .arg(expires_at_ms.saturating_sub(now_ms).max(1));
        cmd
    }

    /// After [`Self::record`] found a record: a replay, unless the record has expired by the
    /// caller's clock while Redis still keeps it (clocks of replicas differ by a little); the
    /// script decides, and records `ticket` when it has expired.
    async fn judge_existing(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
        ticket: ClaimTicket,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let mut conn = self.redis.conn();
        let recorded: i64 = self
            .redis
            .bounded("nonce_claim", async {
                NONCE_CLAIM
                    .key(self.redis.key(&["nonce", key]))
                    .arg(expires_at_ms)
                    .arg(now_ms)
                    .arg(ticket.to_hex())
                    .invoke_async(&mut conn)
                    .await
            })
            .await
            .map_err(|e| nonce_error(&e))?;
        if recorded == 1 {
            Ok(ticket)
        } else {
            Err(NonceStoreError::Replay)
        }
    }
}

fn nonce_error(e: &RedisError) -> NonceStoreError {
    metrics::counter!("nearly_nonce_store_errors_total").increment(1);
    NonceStoreError::Unavailable(e.to_string())
}

#[async_trait]
impl NonceStore for RedisNonceStore {
    async fn check_and_insert(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let ticket = ClaimTicket::random();
        let mut conn = self.redis.conn();
        // Fast path, one native command: no record under this key at all (the normal case).
        let set: Option<String> = self
            .redis
            .bounded("nonce_claim", async {
                self.record(key, expires_at_ms, now_ms, ticket)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(|e| nonce_error(&e))?;
        if set.is_some() {
            return Ok(ticket);
        }
        self.judge_existing(key, expires_at_ms, now_ms, ticket)
            .await
    }

    async fn release(&self, key: &str, ticket: ClaimTicket) {
        let redis_key = self.redis.key(&["nonce", key]);
        let mut conn = self.redis.conn();
        let released: Result<i64, _> = self
            .redis
            .bounded("nonce_release", async {
                NONCE_RELEASE
                    .key(&redis_key)
                    .arg(ticket.to_hex())
                    .invoke_async(&mut conn)
                    .await
            })
            .await;
        if let Err(e) = released {
            // The record stays until it expires: the claim is refused as a replay, never
            // accepted twice.
            nonce_error(&e);
        }
    }
}

/// [`RateLimiter`] on Redis: the documented fixed windows (aligned to the clock), one `INCR` per
/// check, atomic across replicas, with the same [`Decision`] (and so the same `retry_after` and `X-RateLimit-*`) as
/// `api_http::InMemoryRateLimiter`.
#[derive(Clone)]
pub struct RedisRateLimiter {
    redis: RedisState,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter").finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    pub(crate) fn new(redis: RedisState, clock: Arc<dyn Clock>) -> Self {
        Self { redis, clock }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check(&self, action: Action, key: &str) -> Result<Decision, RateLimiterError> {
        let now = self.clock.now_ms();
        let limit = action.limit();
        let (start, end) = limit.window_at(now);
        let mut conn = self.redis.conn();
        let (count,): (u64,) = self
            .redis
            .bounded("rate_limit", async {
                window_count(&self.redis, action, key, start, end, now)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(|e| RateLimiterError(e.to_string()))?;
        Ok(Decision::counted(limit, now, end, count))
    }
}

/// The commands that count one request in the aligned window `start..end` of `action` for
/// `key`: `INCR` of the window's own key (its name carries the window start, so a new window is
/// a new key and nothing has to be reset) and a `PEXPIRE` that bounds memory. The count, the one
/// reply, may exceed the limit: refusals count too, and [`Decision::counted`] refuses them.
fn window_count(
    redis: &RedisState,
    action: Action,
    key: &str,
    start: u64,
    end: u64,
    now: u64,
) -> redis::Pipeline {
    let window_key = redis.key(&["rl", action.name(), key, &start.to_string()]);
    let mut pipe = redis::pipe();
    pipe.cmd("INCR").arg(&window_key);
    pipe.cmd("PEXPIRE")
        .arg(&window_key)
        .arg(end.saturating_sub(now).saturating_add(WINDOW_SLACK_MS))
        .ignore();
    pipe
}

/// [`ClaimLimiter`] on Redis: verify-claim's slot and its nonce record in one pipeline (one
/// round trip per claim, no script), on the keys of [`RedisRateLimiter`] and
/// [`RedisNonceStore`]. The record is made with the count; a request the count refuses has its
/// record released again (compare-and-delete, a second round trip on refusals only), and a
/// record that already existed is judged by [`RedisNonceStore`] (a second round trip on
/// replays only).
#[derive(Clone)]
pub struct RedisClaimLimiter {
    redis: RedisState,
    nonces: RedisNonceStore,
}

impl std::fmt::Debug for RedisClaimLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisClaimLimiter").finish_non_exhaustive()
    }
}

impl RedisClaimLimiter {
    pub(crate) fn new(redis: RedisState) -> Self {
        Self {
            nonces: RedisNonceStore::new(redis.clone()),
            redis,
        }
    }
}

#[async_trait]
impl ClaimLimiter for RedisClaimLimiter {
    async fn admit(
        &self,
        action: Action,
        key: &str,
        nonce_key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<Admission, RateLimiterError> {
        let limit = action.limit();
        let (start, end) = limit.window_at(now_ms);
        let ticket = ClaimTicket::random();
        let mut pipe = window_count(&self.redis, action, key, start, end, now_ms);
        pipe.add_command(self.nonces.record(nonce_key, expires_at_ms, now_ms, ticket));
        let mut conn = self.redis.conn();
        let (count, recorded): (u64, Option<String>) = self
            .redis
            .bounded("claim_admit", async { pipe.query_async(&mut conn).await })
            .await
            .map_err(|e| {
                nonce_error(&e);
                RateLimiterError(e.to_string())
            })?;
        let decision = Decision::counted(limit, now_ms, end, count);
        if !decision.allowed {
            if recorded.is_some() {
                self.nonces.release(nonce_key, ticket).await;
            }
            return Ok(Admission {
                decision,
                claim: None,
            });
        }
        let claim = if recorded.is_some() {
            Ok(ticket)
        } else {
            self.nonces
                .judge_existing(nonce_key, expires_at_ms, now_ms, ticket)
                .await
        };
        Ok(Admission {
            decision,
            claim: Some(claim),
        })
    }

    async fn release(&self, nonce_key: &str, ticket: ClaimTicket) {
        self.nonces.release(nonce_key, ticket).await;
    }
}

/// [`GenerateBudget`] on Redis: per-caller and global counters per UTC day (the day from the
/// injected clock is part of the key, so midnight starts fresh counters; yesterday's expire).
#[derive(Clone)]
pub struct RedisBudget {
    redis: RedisState,
    clock: Arc<dyn Clock>,
    per_caller: u32,
    global: u32,
}

impl std::fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudget")
            .field("per_caller", &self.per_caller)
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

impl RedisBudget {
    pub(crate) fn new(
        redis: RedisState,
        clock: Arc<dyn Clock>,
        per_caller: u32,
        global: u32,
    ) -> Self {
        Self {
            redis,
            clock,
            per_caller,
            global,
        }
    }

    fn keys(&self, caller: &str, now: u64) -> (String, String) {
        let day = (now / DAY_MS).to_string();
        (
            self.redis.key(&["gen", &day, "caller", caller]),
            self.redis.key(&["gen", &day, "total"]),
        )
    }
}

#[async_trait]
impl GenerateBudget for RedisBudget {
    async fn try_spend(&self, caller: &str) -> Result<(), BudgetExhausted> {
        let now = self.clock.now_ms();
        let retry_after = seconds_to_utc_midnight(now);
        let (caller_key, total_key) = self.keys(caller, now);
        // Keep the day's counters an hour past its midnight, then let Redis drop them.
        let ttl_ms = (DAY_MS - now % DAY_MS) + 3_600_000;
        let mut conn = self.redis.conn();
        let verdict: i64 = self
            .redis
            .bounded("budget_spend", async {
                BUDGET_SPEND
                    .key(&caller_key)
                    .key(&total_key)
                    .arg(self.per_caller)
                    .arg(self.global)
                    .arg(ttl_ms)
                    .invoke_async(&mut conn)
                    .await
            })
            .await
            .map_err(|_| BudgetExhausted::Unavailable)?;
        match verdict {
            0 => Ok(()),
            1 => Err(BudgetExhausted::Caller { retry_after }),
            _ => Err(BudgetExhausted::Global { retry_after }),
        }
    }

    async fn refund(&self, caller: &str) {
        let (caller_key, total_key) = self.keys(caller, self.clock.now_ms());
        let mut conn = self.redis.conn();
        // A failed refund (logged and counted by `bounded`) only costs the caller one
        // generation of today's quota.
        let _: Result<i64, _> = self
            .redis
            .bounded("budget_refund", async {
                BUDGET_REFUND
                    .key(&caller_key)
                    .key(&total_key)
                    .invoke_async(&mut conn)
                    .await
            })
            .await;
    }
}

/// [`PlatformStore`] on Redis: one list per agent, merged by a script (order kept, no
/// duplicates), readable by every replica. Durable only as far as Redis persistence is enabled
/// (`appendonly yes`; see `docs/DEPLOY.md`).
#[derive(Debug, Clone)]
pub struct RedisPlatformStore {
    redis: RedisState,
}

impl RedisPlatformStore {
    pub(crate) fn new(redis: RedisState) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl PlatformStore for RedisPlatformStore {
    async fn platforms(&self, account: &AccountId) -> Result<Vec<String>, PlatformStoreError> {
        let key = self.redis.key(&["platforms", account.as_str()]);
        let mut conn = self.redis.conn();
        self.redis
            .bounded("platforms_read", async {
                redis::cmd("LRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .map_err(|e| PlatformStoreError(e.to_string()))
    }

    async fn add(
        &self,
        account: &AccountId,
        ids: &[String],
    ) -> Result<Vec<String>, PlatformStoreError> {
        if ids.is_empty() {
            return self.platforms(account).await;
        }
        let key = self.redis.key(&["platforms", account.as_str()]);
        let mut conn = self.redis.conn();
        self.redis
            .bounded("platforms_add", async {
                PLATFORMS_ADD
                    .key(&key)
                    .arg(ids)
                    .invoke_async(&mut conn)
                    .await
            })
            .await
            .map_err(|e| PlatformStoreError(e.to_string()))
    }
}
