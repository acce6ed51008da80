//! The write path every use case ends in: `__fastdata_kv` through the caller's custody wallet,
//! then the index, so the caller reads its own write.

use fastdata_client::envelope::MAX_KEYS_PER_TX;
use nearly_core::{AccountId, Key, Profile, profile_writes};
use outlayer_client::CallOutcome;
use outlayer_client::wire::CallRequest;
use serde_json::{Map, Value};

use super::{App, AppError, AppResult};
use crate::auth::{CUSTODY_TIMEOUT, Caller};

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
    /// provisionally: when custody reported the write's block and the index follows the source
    /// custody writes into, wait (at most 2 s, on the index's height channel) for that block.
    /// The one place the write path waits for the index (`write_wait::confirm_in`).
    async fn confirmed(&self, outcome: &CallOutcome) -> bool {
        crate::write_wait::confirm_in(&self.index, self.source_head.as_ref(), outcome).await
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

/// Typed keys to the wire's key strings.
pub(crate) fn keyed(writes: Vec<(Key, Value)>) -> Vec<(String, Value)> {
    writes
        .into_iter()
        .map(|(k, v)| (k.to_key_string(), v))
        .collect()
}
