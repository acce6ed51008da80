//! [`Tailer`]: follows final blocks from a cursor and yields each block's namespace writes, in
//! height order, retrying every failure with capped exponential backoff and never skipping a
//! height it could not read.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::NeardataError;
use crate::extract::{BlockWrites, ExtractStats, extract};
use crate::http::{BlockAnswer, BlockSource};

/// Capped exponential backoff: `initial * 2^n`, at most `max`; a 429's `Retry-After` is
/// honoured (the wait is at least that, up to `max_retry_after`). No jitter: one tailer per
/// process, and exact schedules keep tests deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first failure.
    pub initial: Duration,
    /// Upper bound on any backoff wait.
    pub max: Duration,
    /// Upper bound on an honoured `Retry-After` (a broken proxy cannot stall us for a day).
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    /// 1 s, doubling up to 30 s (`neardata.md` §4: "exponential from 1 s"); `Retry-After` up to
    /// 10 min.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The wait after failure number `failure` (0-based) in a row.
    #[must_use]
    pub fn delay(&self, failure: u32) -> Duration {
        let factor = 2u32.checked_pow(failure).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max)
    }

    /// The wait after `failure` failures in a row ending with `error`.
    #[must_use]
    pub fn delay_after(&self, failure: u32, error: &NeardataError) -> Duration {
        let backoff = self.delay(failure);
        match error.retry_after() {
            Some(after) => backoff.max(after.min(self.max_retry_after)),
            None => backoff,
        }
    }
}

/// Settings of a [`Tailer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailerConfig {
    /// The FastData namespace (`receiver_id`) whose writes are extracted, e.g. `contextual.near`.
    pub namespace: String,
    /// Retry schedule for failures.
    pub backoff: Backoff,
    /// At most one request per this interval while the server says the next height does not
    /// exist yet (404 `BLOCK_DOES_NOT_EXIST`); a long poll that waited longer is re-issued at
    /// once.
    pub poll_interval: Duration,
}

impl TailerConfig {
    /// Defaults for `namespace`: [`Backoff::default`], 1 s poll interval.
    #[must_use]
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            backoff: Backoff::default(),
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// The last block a tailer applied: what the next block's `prev_hash` must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: String,
}

/// Where a tailer resumes. Persist it with the writes of the block it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The next height to fetch.
    pub next_height: u64,
    /// The last applied block; `None` skips the chain check for the first block (after a
    /// bootstrap or a snapshot that did not record the hash).
    pub last: Option<ChainLink>,
}

impl Cursor {
    /// Resume after `height` (a snapshot's height, or a bootstrap's `H0 - L`) without a chain
    /// check for the first block.
    #[must_use]
    pub fn after(height: u64) -> Self {
        Self {
            next_height: height.saturating_add(1),
            last: None,
        }
    }
}

/// What a tailer is doing, for health and metrics. Watch it with [`Tailer::status`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailStatus {
    /// The next height it will fetch.
    pub next_height: u64,
    /// Height of the last block yielded.
    pub last_height: Option<u64>,
    /// Failures in a row (0 when healthy); reset by the next good answer.
    pub consecutive_failures: u32,
    /// The last failure, while `consecutive_failures > 0`.
    pub last_error: Option<String>,
    /// Blocks yielded since start.
    pub blocks: u64,
    /// Heights answered `null` since start.
    pub skipped_heights: u64,
    /// Writes yielded since start.
    pub writes: u64,
    /// Blocks refused because `prev_hash`/`prev_height` did not name the last block.
    pub chain_mismatches: u64,
    /// Everything extraction skipped since start.
    pub extract: ExtractStats,
}

/// Follows final blocks from a [`Cursor`]; [`Tailer::next`] yields one [`BlockWrites`] per
/// block (also for blocks without writes), in strictly increasing height order.
///
/// Every failure (timeouts, 429, 5xx, malformed blocks, transport errors, a chain mismatch) is
/// retried with [`Backoff`] at the same height, for ever; the failure count resets after any
/// good answer. Only a configuration error ([`NeardataError::is_retryable`] false) is
/// returned. A `null` height is skipped, and confirmed by the next block's `prev_hash`: on a
/// mismatch the tailer refetches from the last applied block on.
pub struct Tailer {
    source: Arc<dyn BlockSource>,
    config: TailerConfig,
    cursor: Cursor,
    failures: u32,
    status: watch::Sender<TailStatus>,
}

impl std::fmt::Debug for Tailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tailer")
            .field("config", &self.config)
            .field("cursor", &self.cursor)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl Tailer {
    /// A tailer reading `source` from `cursor`.
    #[must_use]
    pub fn new(source: Arc<dyn BlockSource>, config: TailerConfig, cursor: Cursor) -> Self {
        let status = watch::Sender::new(TailStatus {
            next_height: cursor.next_height,
            last_height: cursor.last.as_ref().map(|l| l.height),
            ..TailStatus::default()
        });
        Self {
            source,
            config,
            cursor,
            failures: 0,
            status,
        }
    }

    /// Where the tailer stands: after [`Tailer::next`] returned a block, persist this with it.
    #[must_use]
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// A live view of [`TailStatus`].
    #[must_use]
    pub fn status(&self) -> watch::Receiver<TailStatus> {
        self.status.subscribe()
    }

    /// The next block's writes. Waits for the block when caught up.
    ///
    /// Cancel-safe: the cursor moves only when a block is returned (or a height is confirmed
    /// `null`), so dropping the future loses nothing.
    ///
    /// # Errors
    ///
    /// Only non-retryable errors ([`NeardataError::Unauthorized`],
    /// [`NeardataError::BadRequest`], [`NeardataError::InvalidConfig`]).
    pub async fn next(&mut self) -> Result<BlockWrites, NeardataError> {
        loop {
            let height = self.cursor.next_height;
            let started = Instant::now();
            match self.source.block(height).await {
                Ok(BlockAnswer::Block(block)) => {
                    if let Some(last) = &self.cursor.last
                        && (block.block.header.prev_hash != last.hash
                            || block
                                .block
                                .header
                                .prev_height
                                .is_some_and(|p| p != last.height))
                    {
                        let error = NeardataError::MalformedBlock {
                            height,
                            reason: format!(
                                "chain check: prev_hash {} / prev_height {:?} does not name the \
                                 last applied block {} at {}",
                                block.block.header.prev_hash,
                                block.block.header.prev_height,
                                last.hash,
                                last.height
                            ),
                        };
                        // The `null`s since the last block are suspect: read them again.
                        self.cursor.next_height = last.height.saturating_add(1);
                        self.status.send_modify(|s| s.chain_mismatches += 1);
                        self.fail(error).await;
                        continue;
                    }
                    let writes = extract(&block, &self.config.namespace);
                    self.cursor = Cursor {
                        next_height: height.saturating_add(1),
                        last: Some(ChainLink {
                            height,
                            hash: block.block.header.hash.clone(),
                        }),
                    };
                    self.succeed(|s| {
                        s.last_height = Some(height);
                        s.blocks += 1;
                        s.writes += writes.writes.len() as u64;
                        s.extract.add(&writes.stats);
                    });
                    return Ok(writes);
                }
                Ok(BlockAnswer::Skipped) => {
                    tracing::debug!(height, "skipped height");
                    self.cursor.next_height = height.saturating_add(1);
                    self.succeed(|s| s.skipped_heights += 1);
                }
                Ok(BlockAnswer::NotYet) => {
                    self.succeed(|_| {});
                    let waited = started.elapsed();
                    if waited < self.config.poll_interval {
                        tokio::time::sleep(self.config.poll_interval - waited).await;
                    }
                }
                Err(error) if !error.is_retryable() => {
                    self.status.send_modify(|s| {
                        s.last_error = Some(error.to_string());
                    });
                    return Err(error);
                }
                Err(error) => self.fail(error).await,
            }
        }
    }

    fn succeed(&mut self, update: impl FnOnce(&mut TailStatus)) {
        self.failures = 0;
        let next_height = self.cursor.next_height;
        self.status.send_modify(|s| {
            s.next_height = next_height;
            s.consecutive_failures = 0;
            s.last_error = None;
            update(s);
        });
    }

    async fn fail(&mut self, error: NeardataError) {
        let delay = self.config.backoff.delay_after(self.failures, &error);
        self.failures = self.failures.saturating_add(1);
        tracing::warn!(%error, failures = self.failures, ?delay, "neardata tailer retrying");
        let next_height = self.cursor.next_height;
        let failures = self.failures;
        self.status.send_modify(|s| {
            s.next_height = next_height;
            s.consecutive_failures = failures;
            s.last_error = Some(error.to_string());
        });
        tokio::time::sleep(delay).await;
    }
}
