//! The FastData KV read API's wire format: request bodies, response bodies, limits.
//!
//! These are the exact JSON shapes spoken by the FastData KV server (`/v0/...`). They are public
//! so that a local emulator can serve the same format with the same types: the client and the
//! emulator must never drift apart. Readers are tolerant (unknown fields are ignored, optional
//! fields may be absent); writers are strict (absent optionals are omitted, never sent as `null`).
//!
//! # Page tokens
//!
//! A `page_token` is **opaque** to the client: it is only ever echoed back, unchanged, to the same
//! endpoint with the same filters. The server emits one iff the page holds exactly `limit` rows,
//! so a final empty page is possible. (The real server encodes base64url JSON of the last row; an
//! emulator may use any string.)

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Rows per page when a request names no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;

/// The largest `limit` the server honours; larger values are clamped to it.
pub const MAX_LIMIT: u32 = 200;

/// The most keys one `POST /v0/multi` request may name.
pub const MAX_MULTI_KEYS: usize = 100;

/// Body of the list endpoints (`POST /v0/latest/...`, `POST /v0/history/{ns}[/{pred}]`,
/// `POST /v0/all/{pred}`). Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRequest {
    /// Exact key filter. Mutually exclusive with `key_prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Prefix filter: `key >= prefix AND key < prefix_end`. Mutually exclusive with `key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    /// Page size; the server defaults to [`DEFAULT_LIMIT`] and clamps to `1..=`[`MAX_LIMIT`]
    /// (see [`QueryRequest::effective_limit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Opaque continuation token from the previous page of the same query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Ask for `receipt_id`, `action_index`, `tx_hash` and `signer_id` on each entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_metadata: Option<bool>,
    /// Oldest first. Honoured only by the history endpoints; the default is newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asc: Option<bool>,
}

impl QueryRequest {
    /// The page size the server actually uses for this request: [`DEFAULT_LIMIT`] when absent,
    /// otherwise clamped to `1..=`[`MAX_LIMIT`] (zero and negatives become 1).
    #[must_use]
    pub fn effective_limit(&self) -> u32 {
        effective_limit(self.limit)
    }
}

/// Body of `POST /v0/history` (one key across every namespace and writer). `key` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByKeyRequest {
    /// The exact key.
    pub key: String,
    /// Page size, as in [`QueryRequest::limit`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Opaque continuation token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Ask for the metadata fields on each entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_metadata: Option<bool>,
    /// Oldest first; the default is newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asc: Option<bool>,
}

impl ByKeyRequest {
    /// The page size the server actually uses, as in [`QueryRequest::effective_limit`].
    #[must_use]
    pub fn effective_limit(&self) -> u32 {
        effective_limit(self.limit)
    }
}

/// Body of `POST /v0/multi`: at most [`MAX_MULTI_KEYS`] strings of the form
/// `current_account_id/predecessor_id/key` (see [`format_multi_key`], [`parse_multi_key`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiRequest {
    /// The keys to read, answered in the same order.
    pub keys: Vec<String>,
    /// Ask for the metadata fields on each entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_metadata: Option<bool>,
}

/// One row as the server serialises it, in the server's field order.
///
/// `value` holds the stored JSON text unchanged; JSON `null` (a tombstone) is `None`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireEntry {
    /// Receipt that carried the write (metadata only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Index of the `FunctionCall` action inside its receipt (metadata only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_index: Option<u32>,
    /// Transaction hash, when the indexer knew it (metadata only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// Signer of the transaction (metadata only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_id: Option<String>,
    /// The writer: the receipt's predecessor account.
    pub predecessor_id: String,
    /// The namespace: the receipt's receiver account.
    pub current_account_id: String,
    /// Block height of the write.
    pub block_height: u64,
    /// Block timestamp of the write, in **nanoseconds** (exceeds 2^53: never route through f64).
    pub block_timestamp: u64,
    /// The key.
    pub key: String,
    /// The stored value as raw JSON; `None` is JSON `null`, a deletion. Always serialised.
    #[serde(default)]
    pub value: Option<Box<RawValue>>,
}

/// Response of every list endpoint: `{"entries": [...], "page_token"?: "..."}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListResponse {
    /// The rows of this page, in the endpoint's order.
    pub entries: Vec<WireEntry>,
    /// Opaque token for the next page; present iff this page holds exactly `limit` rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

/// Response of `POST /v0/multi`: one slot per requested key, in request order; `null` when the
/// key was never written (a deleted key is an entry whose value is `null`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MultiResponse {
    /// One slot per requested key.
    pub entries: Vec<Option<WireEntry>>,
}

/// Error body of a 400 or 500 answer: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Human-readable reason, e.g. `"Invalid page_token"`.
    pub error: String,
}

/// The server's message for a page token it cannot decode (HTTP 400).
pub const INVALID_PAGE_TOKEN_MESSAGE: &str = "Invalid page_token";

/// Builds one `/v0/multi` key string: `current_account_id/predecessor_id/key`.
#[must_use]
pub fn format_multi_key(current_account_id: &str, predecessor_id: &str, key: &str) -> String {
    format!("{current_account_id}/{predecessor_id}/{key}")
}

/// Splits a `/v0/multi` key string the way the server does (`splitn(3, '/')`): the key part may
/// itself contain `/`. Returns `None` unless all three parts are non-empty.
#[must_use]
pub fn parse_multi_key(s: &str) -> Option<(&str, &str, &str)> {
    let mut parts = s.splitn(3, '/');
    let account = parts.next().filter(|p| !p.is_empty())?;
    let predecessor = parts.next().filter(|p| !p.is_empty())?;
    let key = parts.next().filter(|p| !p.is_empty())?;
    Some((account, predecessor, key))
}

fn effective_limit(limit: Option<i32>) -> u32 {
    match limit {
        None => DEFAULT_LIMIT,
        Some(l) => u32::try_from(l).unwrap_or(0).clamp(1, MAX_LIMIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_clamps() {
        let mut q = QueryRequest::default();
        assert_eq!(q.effective_limit(), 50);
        q.limit = Some(0);
        assert_eq!(q.effective_limit(), 1);
        q.limit = Some(-7);
        assert_eq!(q.effective_limit(), 1);
        q.limit = Some(1000);
        assert_eq!(q.effective_limit(), 200);
        q.limit = Some(120);
        assert_eq!(q.effective_limit(), 120);
    }

    #[test]
    fn query_request_omits_absent_fields() {
        let q = QueryRequest {
            key_prefix: Some("tag/".into()),
            limit: Some(200),
            ..QueryRequest::default()
        };
        assert_eq!(
            serde_json::to_string(&q).unwrap(),
            r#"{"key_prefix":"tag/","limit":200}"#
        );
    }

    #[test]
    fn multi_key_round_trip_keeps_slashes_in_key() {
        let s = format_multi_key("contextual.near", "alice.near", "graph/follow/bob.near");
        assert_eq!(
            parse_multi_key(&s),
            Some(("contextual.near", "alice.near", "graph/follow/bob.near"))
        );
        assert_eq!(parse_multi_key("a/b/"), None);
        assert_eq!(parse_multi_key("a//c"), None);
        assert_eq!(parse_multi_key("a/b"), None);
    }

    #[test]
    fn wire_entry_serialises_in_server_field_order_with_null_value() {
        let e: WireEntry = serde_json::from_str(
            r#"{"predecessor_id":"a","current_account_id":"ns","block_height":1,
                "block_timestamp":18446744073709551615,"key":"k","value":null,"extra":1}"#,
        )
        .unwrap();
        assert!(e.value.is_none());
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"predecessor_id":"a","current_account_id":"ns","block_height":1,"block_timestamp":18446744073709551615,"key":"k","value":null}"#
        );
    }

    #[test]
    fn wire_entry_keeps_raw_value_text() {
        let e: WireEntry = serde_json::from_str(
            r#"{"predecessor_id":"a","current_account_id":"ns","block_height":1,
                "block_timestamp":2,"key":"k","value":{"b":1,"a":[1.50,2]}}"#,
        )
        .unwrap();
        assert_eq!(e.value.unwrap().get(), r#"{"b":1,"a":[1.50,2]}"#);
    }
}
