//! The tailer over a scripted in-process source, on tokio's paused clock: the exact retry
//! schedule, never skipping an unreadable height, skipped heights and the chain check.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use neardata_client::{
    Backoff, Block, BlockAnswer, BlockSource, ChainLink, Cursor, NeardataError, Tailer,
    TailerConfig,
};
use serde_json::json;
use tokio::time::Instant;

use crate::support::{NS, block_bytes, block_json, hash, kv_call};

/// One scripted answer: wait this long (a long poll), then answer.
type Step = (Duration, Result<BlockAnswer, NeardataError>);

#[derive(Default)]
struct Scripted {
    steps: Mutex<VecDeque<(u64, Step)>>,
    /// `(height asked, time asked)` of every request.
    log: Mutex<Vec<(u64, Instant)>>,
}

impl Scripted {
    fn push(&self, height: u64, answer: Result<BlockAnswer, NeardataError>) -> &Self {
        self.push_after(height, Duration::ZERO, answer)
    }
    fn push_after(
        &self,
        height: u64,
        wait: Duration,
        answer: Result<BlockAnswer, NeardataError>,
    ) -> &Self {
        self.steps
            .lock()
            .unwrap()
            .push_back((height, (wait, answer)));
        self
    }
    fn heights(&self) -> Vec<u64> {
        self.log.lock().unwrap().iter().map(|(h, _)| *h).collect()
    }
    /// Gaps between consecutive requests.
    fn gaps(&self) -> Vec<Duration> {
        let log = self.log.lock().unwrap();
        log.windows(2).map(|w| w[1].1 - w[0].1).collect()
    }
}

#[async_trait]
impl BlockSource for Scripted {
    async fn final_height(&self) -> Result<u64, NeardataError> {
        Ok(0)
    }
    async fn block(&self, height: u64) -> Result<BlockAnswer, NeardataError> {
        self.log.lock().unwrap().push((height, Instant::now()));
        let (expected, (wait, answer)) = self
            .steps
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| panic!("unscripted request for height {height}"));
        assert_eq!(height, expected, "asked for the wrong height");
        tokio::time::sleep(wait).await;
        answer
    }
}

fn block(height: u64) -> Result<BlockAnswer, NeardataError> {
    let bytes = block_bytes(
        height,
        vec![(0, vec![kv_call("alice.near", "r", &json!({"h": height}))])],
    );
    Ok(BlockAnswer::Block(Box::new(
        Block::decode(&bytes, height).unwrap(),
    )))
}

fn block_with_prev(height: u64, prev: u64) -> Result<BlockAnswer, NeardataError> {
    let mut doc = block_json(height, vec![]);
    doc["block"]["header"]["prev_height"] = json!(prev);
    doc["block"]["header"]["prev_hash"] = json!(hash(prev));
    let bytes = serde_json::to_vec(&doc).unwrap();
    Ok(BlockAnswer::Block(Box::new(
        Block::decode(&bytes, height).unwrap(),
    )))
}

fn server_error() -> Result<BlockAnswer, NeardataError> {
    Err(NeardataError::Server {
        status: 500,
        endpoint: "/v0/block/x".into(),
        message: "\"Cache error\"".into(),
    })
}

fn tailer(source: &Arc<Scripted>, cursor: Cursor) -> Tailer {
    Tailer::new(source.clone(), TailerConfig::new(NS), cursor)
}

fn secs(s: &[u64]) -> Vec<Duration> {
    s.iter().map(|&s| Duration::from_secs(s)).collect()
}

#[tokio::test(start_paused = true)]
async fn blocks_come_in_height_order_and_null_heights_are_skipped() {
    let source = Arc::new(Scripted::default());
    source
        .push(5, block(5))
        .push(6, Ok(BlockAnswer::Skipped))
        .push(7, block_with_prev(7, 5));
    let mut t = tailer(&source, Cursor::after(4));
    let a = t.next().await.unwrap();
    assert_eq!((a.height, a.writes[0].key.as_str()), (5, "h"));
    let b = t.next().await.unwrap();
    assert_eq!(b.height, 7);
    assert!(b.writes.is_empty(), "blocks without writes are yielded too");
    assert_eq!(
        t.cursor(),
        &Cursor {
            next_height: 8,
            last: Some(ChainLink {
                height: 7,
                hash: hash(7)
            })
        }
    );
    let status = t.status().borrow().clone();
    assert_eq!(
        (status.blocks, status.skipped_heights, status.writes),
        (2, 1, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_exponentially_honour_retry_after_and_reset_after_success() {
    let source = Arc::new(Scripted::default());
    let timeout = NeardataError::Timeout {
        endpoint: "/v0/block/5".into(),
        after: Duration::from_secs(15),
    };
    let malformed = NeardataError::MalformedBlock {
        height: 5,
        reason: "EOF".into(),
    };
    source
        .push(5, server_error())
        .push(5, server_error())
        .push(
            5,
            Err(NeardataError::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
            }),
        )
        .push(5, Err(timeout))
        .push(5, Err(malformed))
        .push(5, Err(NeardataError::RateLimited { retry_after: None }))
        .push(5, block(5))
        .push(6, server_error())
        .push(6, block(6));
    let mut t = tailer(&source, Cursor::after(4));
    assert_eq!(t.next().await.unwrap().height, 5);
    // 1, 2, max(4, Retry-After 7), 8, 16, then 30 (the cap) instead of 32.
    assert_eq!(t.next().await.unwrap().height, 6);
    // The count was reset by the success at 5: the failure at 6 waits 1 s again.
    assert_eq!(source.gaps(), secs(&[1, 2, 7, 8, 16, 30, 0, 1]));
    assert_eq!(source.heights(), [5, 5, 5, 5, 5, 5, 5, 6, 6]);
}

#[tokio::test(start_paused = true)]
async fn a_malformed_block_is_retried_never_skipped_and_health_shows_the_outage() {
    let source = Arc::new(Scripted::default());
    for _ in 0..20 {
        source.push(
            9,
            Err(NeardataError::MalformedBlock {
                height: 9,
                reason: "bad".into(),
            }),
        );
    }
    source.push(9, block(9));
    let mut t = tailer(&source, Cursor::after(8));
    let mut status = t.status();
    let task = tokio::spawn(async move {
        let out = t.next().await.unwrap();
        (out, t)
    });
    status
        .wait_for(|s| s.consecutive_failures >= 3)
        .await
        .unwrap();
    assert!(
        status
            .borrow()
            .last_error
            .as_deref()
            .unwrap()
            .contains("cannot be read")
    );
    let (out, t) = task.await.unwrap();
    assert_eq!(out.height, 9);
    assert!(source.heights().iter().all(|&h| h == 9));
    assert_eq!(source.heights().len(), 21);
    let s = t.status().borrow().clone();
    assert_eq!((s.consecutive_failures, s.last_error), (0, None));
    assert!(source.gaps().iter().all(|g| *g <= Duration::from_secs(30)));
}

#[tokio::test(start_paused = true)]
async fn a_chain_mismatch_refetches_the_suspect_null_heights() {
    let source = Arc::new(Scripted::default());
    source
        .push(5, block(5))
        .push(6, Ok(BlockAnswer::Skipped))
        // 7 names 6 as its parent: the null at 6 was wrong.
        .push(7, block_with_prev(7, 6))
        .push(6, block(6))
        .push(7, block_with_prev(7, 6));
    let mut t = tailer(&source, Cursor::after(4));
    let heights: Vec<u64> = [
        t.next().await.unwrap(),
        t.next().await.unwrap(),
        t.next().await.unwrap(),
    ]
    .iter()
    .map(|b| b.height)
    .collect();
    assert_eq!(heights, [5, 6, 7]);
    assert_eq!(source.heights(), [5, 6, 7, 6, 7]);
    assert_eq!(t.status().borrow().chain_mismatches, 1);
}

#[tokio::test(start_paused = true)]
async fn the_first_block_after_a_bootstrap_is_not_chain_checked_but_the_next_is() {
    let source = Arc::new(Scripted::default());
    let mut wrong = block_json(11, vec![]);
    wrong["block"]["header"]["prev_hash"] = json!("somewhere-else");
    let wrong = Block::decode(&serde_json::to_vec(&wrong).unwrap(), 11).unwrap();
    source
        .push(10, block_with_prev(10, 3))
        .push(11, Ok(BlockAnswer::Block(Box::new(wrong))))
        .push(11, block(11));
    let mut t = tailer(&source, Cursor::after(9));
    assert_eq!(t.next().await.unwrap().height, 10);
    assert_eq!(t.next().await.unwrap().height, 11);
    assert_eq!(source.heights(), [10, 11, 11]);
}

#[tokio::test(start_paused = true)]
async fn not_yet_is_paced_and_a_long_poll_is_reissued_at_once() {
    let source = Arc::new(Scripted::default());
    source
        .push(3, Ok(BlockAnswer::NotYet))
        .push(3, Ok(BlockAnswer::NotYet))
        .push_after(3, Duration::from_secs(10), Ok(BlockAnswer::NotYet))
        .push_after(3, Duration::from_millis(300), block(3));
    let mut t = tailer(&source, Cursor::after(2));
    assert_eq!(t.next().await.unwrap().height, 3);
    assert_eq!(
        source.gaps(),
        [
            Duration::from_secs(1),
            Duration::from_secs(1),
            Duration::from_secs(10)
        ]
    );
    assert_eq!(t.status().borrow().consecutive_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn configuration_errors_end_the_tail() {
    for error in [
        NeardataError::Unauthorized { status: 401 },
        NeardataError::BadRequest {
            status: 404,
            endpoint: "/v0/block/1".into(),
            message: "BLOCK_HEIGHT_TOO_LOW".into(),
        },
    ] {
        let source = Arc::new(Scripted::default());
        source.push(1, Err(error.clone()));
        let mut t = tailer(&source, Cursor::after(0));
        assert_eq!(t.next().await.unwrap_err(), error);
        assert_eq!(t.cursor().next_height, 1, "the cursor did not move");
    }
}

#[test]
fn backoff_schedule() {
    let b = Backoff::default();
    assert_eq!(
        (0..7).map(|n| b.delay(n)).collect::<Vec<_>>(),
        secs(&[1, 2, 4, 8, 16, 30, 30])
    );
    assert_eq!(b.delay(u32::MAX), Duration::from_secs(30));
    let limited = NeardataError::RateLimited {
        retry_after: Some(Duration::from_secs(86_400)),
    };
    assert_eq!(b.delay_after(0, &limited), Duration::from_secs(600));
}
