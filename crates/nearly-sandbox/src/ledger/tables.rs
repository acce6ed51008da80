//! The redb tables. Index keys use the encodings of [`super::keys`]; every index value is the
//! `(block_height, position in block)` id of the row in [`ENTRIES`].

use redb::TableDefinition;

/// Id of one stored row: `(block_height, index of the key inside its transaction)`.
pub(crate) type EntryId = (u64, u32);

/// Small counters: [`META_HEIGHT`], [`META_TIMESTAMP`].
pub(crate) const META: TableDefinition<'static, &str, u64> = TableDefinition::new("meta");
/// Height of the newest block.
pub(crate) const META_HEIGHT: &str = "head_height";
/// Timestamp (ns) of the newest block.
pub(crate) const META_TIMESTAMP: &str = "head_timestamp_ns";

/// Every row ever written, by id.
pub(crate) const ENTRIES: TableDefinition<'static, EntryId, &[u8]> =
    TableDefinition::new("entries");
/// Every block (= transaction), by height.
pub(crate) const BLOCKS: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("blocks");

/// Latest row per `(namespace, predecessor, key)`: `latest/{ns}/{pred}`, multi.
pub(crate) const LATEST: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("latest_ns_pred_key");
/// All rows by `(namespace, predecessor, key, height, order)`: `history/{ns}/{pred}`.
pub(crate) const HISTORY: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("history_ns_pred_key_height_order");
/// Latest row per `(namespace, key, predecessor)`: `latest/{ns}`.
pub(crate) const X_LATEST: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("latest_ns_key_pred");
/// All rows by `(namespace, key, height, order, predecessor)`: `history/{ns}`.
pub(crate) const X_HISTORY: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("history_ns_key_height_order_pred");
/// All rows by `(key, height, order, predecessor, namespace)`: `/v0/history`.
pub(crate) const KEY_HISTORY: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("history_key_height_order_pred_ns");
/// Latest row per `(predecessor, namespace, key)`: `/v0/all/{pred}`.
pub(crate) const PRED_ALL: TableDefinition<'static, &[u8], EntryId> =
    TableDefinition::new("latest_pred_ns_key");
