//! The block feed: follows final NEAR blocks through [`neardata_client::Tailer`] and applies
//! each block's namespace writes atomically with its real height and time, plus
//! [`reconcile_once`], the occasional full FastData scan that checks the feed.
//!
//! Versions are `(block height, 1 + order of the write in its block)`: re-applying a block
//! (after a restart from a snapshot, or a bootstrap that tails from `H0 - L`) reproduces the
//! same versions, so it is idempotent, and a row read from the KV API (version
//! `(height, 0)`, it carries no order) never beats the block's own write at that height.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use fastdata_client::FastDataRead;
use neardata_client::{BlockSource, BlockWrites, Cursor, Tailer, TailerConfig};
use nearly_core::Clock;

use crate::error::IndexerError;
use crate::graph::Mode;
use crate::indexer::{Indexer, entry_write};
use crate::pull::{SyncReport, scan_rows};
use crate::types::{ApplyStats, Version, Write};

/// Settings of [`follow_blocks`].
#[derive(Debug, Clone)]
pub struct BlockFeedConfig {
    /// The tailer's settings (namespace, backoff, poll interval).
    pub tailer: TailerConfig,
    /// How often the source's final height is read for health (`lag_blocks`, readiness).
    pub head_interval: Duration,
}

impl BlockFeedConfig {
    /// Defaults for `namespace`: [`TailerConfig::new`], the head read every 5 s.
    #[must_use]
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            tailer: TailerConfig::new(namespace),
            head_interval: Duration::from_secs(5),
        }
    }
}

/// The writes of one block, with versions `(height, 1 + i)`.
fn block_writes(block: &BlockWrites) -> Vec<Write> {
    block
        .writes
        .iter()
        .enumerate()
        .map(|(i, w)| Write {
            predecessor: w.predecessor.clone(),
            key: w.key.clone(),
            value: w.value.clone(),
            version: Version::new(
                block.height,
                u32::try_from(i).unwrap_or(u32::MAX - 1).saturating_add(1),
            ),
            block_timestamp_ns: block.block_timestamp_ns,
        })
        .collect()
}

impl Indexer {
    /// Applies one final block's writes (already extracted for this namespace) as one atomic
    /// step, and records the block's height even when it has no writes. Idempotent: applying
    /// the same block again changes nothing.
    pub fn apply_block(&self, block: &BlockWrites) -> ApplyStats {
        let writes = block_writes(block);
        let stats = {
            let mut graph = self.write();
            let stats = graph.apply_all(&writes, Mode::Confirmed);
            graph.high_water = graph.high_water.max(block.height);
            stats
        };
        self.publish_height();
        stats
    }
}

/// Follows final blocks from `source` after height `from` (a snapshot's height, or a
/// bootstrap's `H0 - L`), applying each block with [`Indexer::apply_block`], until `shutdown`
/// resolves.
///
/// Health: every good answer records a success, every failure (the tailer retries it with
/// backoff, for ever) records the error, so a feed that keeps failing turns the index
/// `degraded` with `last_error`, and the next good answer clears it. The source's final
/// height is read every [`BlockFeedConfig::head_interval`] ([`Indexer::note_source_height`]);
/// the index is marked caught up once it has applied that height.
///
/// # Errors
/// Only an error retrying cannot fix ([`neardata_client::NeardataError::is_retryable`]
/// false: an unauthorized key, a bad configuration).
pub async fn follow_blocks(
    indexer: Arc<Indexer>,
    source: Arc<dyn BlockSource>,
    config: BlockFeedConfig,
    from: u64,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), IndexerError> {
    let mut tailer = Tailer::new(source.clone(), config.tailer, Cursor::after(from));
    let mut status = tailer.status();
    let apply = {
        let indexer = indexer.clone();
        let clock = clock.clone();
        async move {
            loop {
                let block = tailer.next().await?;
                let stats = indexer.apply_block(&block);
                tracing::trace!(height = block.height, ?stats, "applied block");
                if indexer
                    .sync_status()
                    .source_height
                    .is_some_and(|head| block.height >= head)
                {
                    indexer.mark_caught_up(clock.now_ns());
                }
            }
        }
    };
    let watch_status = {
        let indexer = indexer.clone();
        let clock = clock.clone();
        async move {
            while status.changed().await.is_ok() {
                let s = status.borrow_and_update().clone();
                match (s.consecutive_failures, s.last_error) {
                    (0, _) => indexer.note_update_success(clock.now_ns()),
                    (_, error) => indexer.note_update_failure(
                        clock.now_ns(),
                        error.as_deref().unwrap_or("neardata failure"),
                    ),
                }
            }
        }
    };
    let watch_head = async move {
        loop {
            match source.final_height().await {
                Ok(head) => {
                    indexer.note_source_height(head);
                    if indexer.height() >= head {
                        indexer.mark_caught_up(clock.now_ns());
                    }
                }
                Err(e) => tracing::debug!(error = %e, "neardata final height unavailable"),
            }
            tokio::time::sleep(config.head_interval).await;
        }
    };
    tokio::select! {
        () = shutdown => Ok(()),
        result = apply => result,
        () = watch_status => Ok(()),
        () = watch_head => Ok(()),
    }
}

/// What one reconciliation scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Rows the scan read.
    pub rows: usize,
    /// Whether every scan reached the server's last row; only a complete scan repairs.
    pub complete: bool,
    /// `(predecessor, key)` of every row the index lacked or held older (the feed missed the
    /// write); each was repaired from the scan when `complete`.
    pub differences: Vec<(String, String)>,
}

/// One reconciliation pass: scans the namespace through the KV API and compares each row with
/// the index, ignoring rows above `horizon` (the final tip at scan start minus the KV API's own
/// indexing lag: the feed may not have reached them, or the KV API may lag the feed). A row the
/// index lacks, or holds at an older version, is a difference: the feed missed that write.
/// Differences are compared and repaired (the row is applied) only when every scan was
/// complete (otherwise the pass is logged and does nothing); they are
/// counted in [`crate::SyncStatus::reconcile_differences`] and logged with their keys.
///
/// Unlike [`crate::sync_once`] it removes nothing: a key the KV API lacks but the index has is
/// most often a write the KV API has not indexed yet, and reconciliation never regresses.
///
/// # Errors
/// A FastData error; nothing is repaired then.
pub async fn reconcile_once(
    indexer: &Indexer,
    source: &dyn FastDataRead,
    horizon: u64,
) -> Result<ReconcileReport, IndexerError> {
    let mut scan = SyncReport::default();
    let rows = scan_rows(indexer, source, &mut scan).await?;
    let complete = scan.incomplete_scans == 0;
    let mut report = ReconcileReport {
        rows: rows.len(),
        complete,
        differences: Vec::new(),
    };
    let writes: Vec<Write> = rows
        .iter()
        .filter(|e| e.block_height <= horizon)
        .map(entry_write)
        .collect();
    if !complete {
        tracing::warn!(
            rows = report.rows,
            "reconciliation: a FastData scan ended early; nothing compared or repaired"
        );
        return Ok(report);
    }
    {
        let mut graph = indexer.write();
        for write in &writes {
            if graph
                .apply_all(std::slice::from_ref(write), Mode::Confirmed)
                .applied
                > 0
            {
                report
                    .differences
                    .push((write.predecessor.clone(), write.key.clone()));
            }
        }
    }
    indexer.publish_height();
    let found = u64::try_from(report.differences.len()).unwrap_or(u64::MAX);
    indexer.set_sync(|s| {
        s.reconcile_differences = s.reconcile_differences.saturating_add(found);
        s.reconciliations = s.reconciliations.saturating_add(1);
    });
    if report.differences.is_empty() {
        tracing::info!(
            rows = report.rows,
            horizon,
            "reconciliation: index agrees with FastData"
        );
    } else {
        tracing::warn!(
            rows = report.rows,
            horizon,
            differences = report.differences.len(),
            keys = ?report.differences,
            "reconciliation: FastData has writes the block feed missed; repaired"
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use fastdata_client::{KvEntry, KvValue};
    use neardata_client::{ExtractStats, Position};
    use serde_json::json;

    use super::*;
    use crate::IndexerConfig;

    fn write(
        pred: &str,
        key: &str,
        value: Option<serde_json::Value>,
        action: u64,
    ) -> neardata_client::Write {
        neardata_client::Write {
            predecessor: pred.into(),
            key: key.into(),
            value,
            position: Position {
                shard_id: 0,
                receipt_index: 0,
                action_index: action,
            },
            signer_id: pred.into(),
            receipt_id: "r".into(),
            tx_hash: None,
        }
    }

    fn block(height: u64, writes: Vec<neardata_client::Write>) -> BlockWrites {
        BlockWrites {
            height,
            block_timestamp_ns: height * 1_000_000_000,
            hash: format!("h{height}"),
            prev_hash: format!("h{}", height - 1),
            prev_height: Some(height - 1),
            writes,
            stats: ExtractStats::default(),
        }
    }

    #[test]
    fn a_block_applied_twice_changes_nothing_the_second_time() {
        let index = Indexer::new(IndexerConfig::new("contextual.near"));
        let b = block(
            7,
            vec![
                write("alice.near", "profile", Some(json!({"name": "A"})), 0),
                write("alice.near", "profile", Some(json!({"name": "B"})), 1),
            ],
        );
        let first = index.apply_block(&b);
        assert_eq!(first.applied, 2);
        let again = index.apply_block(&b);
        assert_eq!(again.applied, 0);
        // Later in the block wins.
        assert_eq!(
            index.read().agent("alice.near").and_then(|a| a.name),
            Some("B".to_owned())
        );
        assert_eq!(index.height(), 7);
        // An empty block still moves the height (the cursor).
        index.apply_block(&block(9, vec![]));
        assert_eq!(index.height(), 9);
    }

    #[test]
    fn a_scanned_row_of_the_same_height_never_beats_the_blocks_own_write() {
        let index = Indexer::new(IndexerConfig::new("contextual.near"));
        index.apply_block(&block(
            5,
            vec![write(
                "bob.near",
                "profile",
                Some(json!({"name": "Block"})),
                0,
            )],
        ));
        let scanned = KvEntry {
            predecessor_id: "bob.near".into(),
            current_account_id: "contextual.near".into(),
            block_height: 5,
            block_timestamp: 5_000_000_000,
            key: "profile".into(),
            value: KvValue::Value(json!({"name": "Scan"})),
            receipt_id: None,
            action_index: None,
            tx_hash: None,
            signer_id: None,
        };
        let stats = index.apply_entries(&[scanned]);
        assert_eq!(stats.applied, 0);
        assert_eq!(
            index.read().agent("bob.near").and_then(|a| a.name),
            Some("Block".to_owned())
        );
    }
}
