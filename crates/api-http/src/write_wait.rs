//! After a write: wait for the index to confirm it, and remember its block height for the
//! `X-Nearly-Write-Height` header.
//!
//! The custody call's outcome carries the block height of the write when custody knows it
//! ([`outlayer_client::CallOutcome::block_height`]): the sandbox custody commits into the ledger
//! the index follows and reports the block; real OutLayer answers only a transaction hash, so
//! there is no height and nothing to wait for (the write is applied provisionally at once).
//!
//! With a height, `confirm_in` waits on the indexer's height watch channel
//! ([`indexer::Indexer::subscribe_height`], a notification, not a poll) until the index has
//! applied that block, at most [`CONFIRM_WAIT`]; past the bound the write is applied
//! provisionally and a warning is logged. It only waits when the index follows the source
//! custody writes into ([`crate::AppState::source_head`] is set) and that source has reached the
//! height (a height above the source's head is not from that source).
//!
//! Every height `confirm_in` sees is recorded for the request in a task-local slot that
//! `recording` (the index-height middleware) opens around the handler; the highest one becomes
//! the `X-Nearly-Write-Height` header.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use indexer::Indexer;
use outlayer_client::CallOutcome;

use crate::state::SourceHead;

/// How long a write waits for the index to confirm its block before applying it provisionally.
pub const CONFIRM_WAIT: Duration = Duration::from_secs(2);

tokio::task_local! {
    /// The highest block height custody reported for a write of the current request.
    static WRITE_HEIGHT: Cell<Option<u64>>;
}

/// Waits until `index` has applied every block up to `height`, on its height watch channel, at
/// most `bound`. `true` when it did.
pub async fn wait_for_index(index: &Indexer, height: u64, bound: Duration) -> bool {
    if index.height() >= height {
        return true;
    }
    let mut heights = index.subscribe_height();
    let reached = tokio::time::timeout(bound, heights.wait_for(|h| *h >= height)).await;
    matches!(reached, Ok(Ok(_))) || index.height() >= height
}

/// After custody applied a write: records its block height for the request (see
/// [`recording`]) and, when the index follows custody's source, waits (at most
/// [`CONFIRM_WAIT`]) for the index to confirm it. `true` when the index holds the write
/// confirmed, so it need not be applied provisionally.
pub(crate) async fn confirm_in(
    index: &Indexer,
    source_head: Option<&SourceHead>,
    outcome: &CallOutcome,
) -> bool {
    let Some(height) = outcome.block_height() else {
        return false;
    };
    record(height);
    let Some(head) = source_head else {
        return false;
    };
    if height > head() {
        tracing::warn!(
            height,
            "custody reported a block the followed source has not reached; not waiting"
        );
        return false;
    }
    let confirmed = wait_for_index(index, height, CONFIRM_WAIT).await;
    if !confirmed {
        tracing::warn!(
            height,
            "index did not confirm the write in time; applying it provisionally"
        );
    }
    confirmed
}

/// Records `height` as a write of the current request (outside [`recording`], nothing).
fn record(height: u64) {
    // Outside a recording scope (a handler called directly) there is no header to fill.
    let _ =
        WRITE_HEIGHT.try_with(|slot| slot.set(Some(slot.get().map_or(height, |h| h.max(height)))));
}

/// Runs `handler` with a fresh write-height slot; its output and the highest block height a
/// write of it reported (`None` when custody reported none, or nothing was written).
pub(crate) async fn recording<F: Future>(handler: F) -> (F::Output, Option<u64>) {
    WRITE_HEIGHT
        .scope(Cell::new(None), async move {
            let output = handler.await;
            (output, WRITE_HEIGHT.with(Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use indexer::IndexerConfig;

    use super::*;

    use crate::state::AppState;

    async fn confirm(state: &AppState, outcome: &CallOutcome) -> bool {
        confirm_in(&state.index, state.source_head.as_ref(), outcome).await
    }

    fn applied(block_height: Option<u64>) -> CallOutcome {
        CallOutcome::Applied {
            request_id: None,
            tx_hash: None,
            result: None,
            block_height,
        }
    }

    /// An index whose height `advance` moves (as the ledger follower would).
    fn index() -> Arc<Indexer> {
        Arc::new(Indexer::new(IndexerConfig::new("contextual.near")))
    }

    fn advance(index: &Indexer, height: u64) {
        index.apply_writes(&[indexer::Write {
            predecessor: "alice.near".into(),
            key: "profile".into(),
            value: Some(serde_json::json!({})),
            version: indexer::Version::new(height, 0),
            block_timestamp_ns: height,
        }]);
        assert_eq!(index.height(), height);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_for_the_notification_not_the_bound() {
        let index = index();
        let start = tokio::time::Instant::now();
        let follower = {
            let index = index.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                advance(&index, 4);
                tokio::time::sleep(Duration::from_millis(200)).await;
                advance(&index, 5);
            })
        };
        assert!(wait_for_index(&index, 5, CONFIRM_WAIT).await);
        // Woken by the height that reached 5, not by the bound (paused clock: exact).
        assert_eq!(start.elapsed(), Duration::from_millis(500));
        follower.await.unwrap();
        // Already there: no wait at all.
        let again = tokio::time::Instant::now();
        assert!(wait_for_index(&index, 3, CONFIRM_WAIT).await);
        assert_eq!(again.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_bound() {
        let index = index();
        advance(&index, 2);
        let start = tokio::time::Instant::now();
        assert!(!wait_for_index(&index, 3, CONFIRM_WAIT).await);
        assert_eq!(start.elapsed(), CONFIRM_WAIT);
    }

    #[tokio::test(start_paused = true)]
    async fn confirm_records_the_custody_height_and_waits_only_for_a_followed_source() {
        let index = index();
        let custody: Arc<dyn outlayer_client::Custody> = Arc::new(NoCustody);
        // No followed source: recorded, not waited for.
        let state = AppState::new(custody.clone()).with_index(index.clone());
        let start = tokio::time::Instant::now();
        let (confirmed, height) = recording(confirm(&state, &applied(Some(7)))).await;
        assert_eq!((confirmed, height), (false, Some(7)));
        assert_eq!(start.elapsed(), Duration::ZERO);

        // A followed source at 9: the write at 7 waits until the index reaches 7.
        let state = state.with_source_head(Arc::new(|| 9));
        let follower = {
            let index = index.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(40)).await;
                advance(&index, 7);
            })
        };
        let start = tokio::time::Instant::now();
        let (both, height) = recording(async {
            let first = confirm(&state, &applied(Some(7))).await;
            let second = confirm(&state, &applied(Some(6))).await;
            first && second
        })
        .await;
        assert!(both);
        assert_eq!(height, Some(7), "the highest write of the request");
        assert_eq!(start.elapsed(), Duration::from_millis(40));
        follower.await.unwrap();

        // A height beyond the source's head is not from that source: no wait.
        let start = tokio::time::Instant::now();
        let (confirmed, height) = recording(confirm(&state, &applied(Some(10)))).await;
        assert_eq!((confirmed, height), (false, Some(10)));
        assert_eq!(start.elapsed(), Duration::ZERO);

        // Custody without heights (OutLayer): nothing recorded, nothing waited for.
        let (confirmed, height) = recording(confirm(&state, &applied(None))).await;
        assert_eq!((confirmed, height), (false, None));
        let duplicate = CallOutcome::DuplicateIdempotencyKey {
            message: "Request already processed: r".into(),
        };
        let (confirmed, height) = recording(confirm(&state, &duplicate)).await;
        assert_eq!((confirmed, height), (false, None));
    }

    /// Custody is never called by these tests.
    struct NoCustody;

    #[async_trait::async_trait]
    impl outlayer_client::Custody for NoCustody {
        async fn register(
            &self,
        ) -> Result<outlayer_client::wire::RegisterResponse, outlayer_client::CustodyError>
        {
            Err(unused())
        }
        async fn call(
            &self,
            _: &outlayer_client::CustodyAuth,
            _: &outlayer_client::wire::CallRequest,
            _: Option<&str>,
        ) -> Result<CallOutcome, outlayer_client::CustodyError> {
            Err(unused())
        }
        async fn sign_message(
            &self,
            _: &outlayer_client::CustodyAuth,
            _: &outlayer_client::wire::SignMessageRequest,
        ) -> Result<outlayer_client::wire::SignMessageResponse, outlayer_client::CustodyError>
        {
            Err(unused())
        }
        async fn balance(
            &self,
            _: &outlayer_client::CustodyAuth,
        ) -> Result<outlayer_client::wire::BalanceResponse, outlayer_client::CustodyError> {
            Err(unused())
        }
        async fn vrf_seed(
            &self,
            _: &outlayer_client::CustodyAuth,
            _: &outlayer_client::VrfSeedRequest,
        ) -> Result<outlayer_client::wire::VrfProof, outlayer_client::CustodyError> {
            Err(unused())
        }
    }

    fn unused() -> outlayer_client::CustodyError {
        outlayer_client::CustodyError::InvalidConfig("not used by these tests".into())
    }
}
