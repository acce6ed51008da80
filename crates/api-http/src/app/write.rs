//! The write path every use case ends in: `__fastdata_kv` through the caller's custody wallet,
//! then the index, so the caller reads its own write.

use fastdata_client::envelope::MAX_KEYS_PER_TX;
use nearly_core::{AccountId, Key, Profile, profile_writes};
use outlayer_client::CallOutcome;
use outlayer_client::wire::CallRequest;
use serde_json::{Map, Value};

use super::{App, AppError, AppResult};
use crate::auth::{CUSTODY_TIMEOUT, Caller};

/// How long a write waits for the followed source to confirm it before applying it
/// provisionally.
const CONFIRM_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// Writes `(key, value)` pairs (`null` deletes) through the caller's custody wallet, in
    /// transactions of at most 256 keys, applying each acknowledged one to the index at once.
    ///
    /// A failure stops at the failing transaction: earlier ones are written (and indexed),
    /// later ones are not sent.
    pub(crate) async fn commit(
        &self,
        caller: &Caller,
        writes: &[(String, Value)],
    ) -> AppResult<()> {
        let Some(auth) = caller.custody_auth.as_ref() else {
            return Err(AppError::ReadOnly(
                "Writing needs a custody credential".into(),
            ));
        };
        let namespace = self.index.config().namespace.clone();
        for chunk in writes.chunks(MAX_KEYS_PER_TX) {
            let args: Map<String, Value> = chunk.iter().cloned().collect();
            let request = CallRequest::fastdata_kv(namespace.clone(), args);
            let idempotency_key = hex::encode(rand::random::<[u8; 16]>());
            let outcome = tokio::time::timeout(
                CUSTODY_TIMEOUT,
                self.custody.call(auth, &request, Some(&idempotency_key)),
            )
            .await
            .map_err(|_| AppError::CustodyTimeout)?
            .map_err(AppError::from)?;
            if !outcome.is_applied() {
                return Err(AppError::PendingApproval);
            }
            if self.confirmed(&outcome).await {
                continue;
            }
            let entries: Vec<(String, Option<Value>)> = chunk
                .iter()
                .map(|(k, v)| (k.clone(), (!v.is_null()).then(|| v.clone())))
                .collect();
            self.index
                .apply_own_write(caller.account_id.as_str(), &entries, self.now_ns());
        }
        Ok(())
    }

    /// Whether the index already holds `outcome`'s write confirmed, so it need not be applied
    /// provisionally: when the index follows the source custody writes into, wait (briefly)
    /// for it. The one place the write path waits for the index.
    async fn confirmed(&self, outcome: &CallOutcome) -> bool {
        let _ = outcome; // custody's block height, once it reports one
        match &self.source_head {
            Some(head) => wait_for_index(&self.index, head()).await,
            None => false,
        }
    }

    /// The default profile a caller's first mutation writes when it has none.
    pub(crate) fn default_profile_writes(&self, account: &AccountId) -> Vec<(String, Value)> {
        if self.index.read().has_profile(account.as_str()) {
            Vec::new()
        } else {
            keyed(profile_writes(&Profile::default(), None))
        }
    }
}

/// Waits until the index has applied the source up to `height`; `false` after
/// [`CONFIRM_WAIT`].
async fn wait_for_index(index: &indexer::Indexer, height: u64) -> bool {
    let deadline = tokio::time::Instant::now() + CONFIRM_WAIT;
    while index.height() < height {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(
                height,
                "index did not confirm the write in time; applying it provisionally"
            );
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    true
}

/// Typed keys to the wire's key strings.
pub(crate) fn keyed(writes: Vec<(Key, Value)>) -> Vec<(String, Value)> {
    writes
        .into_iter()
        .map(|(k, v)| (k.to_key_string(), v))
        .collect()
}
