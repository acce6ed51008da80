//! Ledger rows as FastData wire rows and client entries.

use fastdata_client::KvEntry;
use fastdata_client::wire::WireEntry;
use serde_json::value::RawValue;

use crate::ledger::LedgerEntry;

/// The row as the KV server serialises it. `include_metadata` adds `receipt_id`,
/// `action_index`, `tx_hash` (when known) and `signer_id`. A tombstone's value is JSON `null`;
/// stored text that is not JSON (impossible through [`crate::ledger::Ledger::commit`]) is
/// served as a JSON string, like the server does.
pub(crate) fn to_wire(e: LedgerEntry, include_metadata: bool) -> WireEntry {
    let value = if e.is_tombstone() {
        None
    } else if serde_json::from_str::<&RawValue>(&e.value).is_ok() {
        RawValue::from_string(e.value).ok()
    } else {
        tracing::warn!(key = %e.key, "stored value is not JSON; serving it as a string");
        RawValue::from_string(serde_json::Value::String(e.value).to_string()).ok()
    };
    let (receipt_id, action_index, tx_hash, signer_id) = if include_metadata {
        (
            Some(e.receipt_id),
            Some(e.action_index),
            e.tx_hash,
            Some(e.signer_id),
        )
    } else {
        (None, None, None, None)
    };
    WireEntry {
        receipt_id,
        action_index,
        tx_hash,
        signer_id,
        predecessor_id: e.predecessor,
        current_account_id: e.namespace,
        block_height: e.block_height,
        block_timestamp: e.block_timestamp_ns,
        key: e.key,
        value,
    }
}

/// The row as a [`KvEntry`], decoded exactly like the HTTP client decodes the wire row (so
/// both implementations of `FastDataRead` classify tombstones identically).
pub(crate) fn to_kv_entry(e: LedgerEntry, include_metadata: bool) -> Result<KvEntry, String> {
    KvEntry::from_wire(to_wire(e, include_metadata)).map_err(|err| err.to_string())
}
