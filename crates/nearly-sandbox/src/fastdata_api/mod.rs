//! The FastData KV read API over the local ledger: over HTTP ([`router`]) and in-process
//! ([`LedgerReader`]).
//!
//! The router speaks the wire format of `kv.main.fastnear.com` (see `wire-formats.md` §1),
//! using the request and response types of [`fastdata_client::wire`], so the real
//! [`fastdata_client::HttpFastData`] reads the sandbox exactly like production:
//!
//! | Method | Path | Order |
//! |---|---|---|
//! | GET | `/v0/latest/{ns}/{pred}/{key...}` | one row or `[]` |
//! | GET | `/v0/history/{ns}/{pred}/{key...}` | newest 50 |
//! | POST | `/v0/latest/{ns}/{pred}` | key |
//! | POST | `/v0/history/{ns}/{pred}` | (key, height, order), newest first unless `asc` |
//! | POST | `/v0/latest/{ns}` | (key, predecessor) |
//! | POST | `/v0/history/{ns}` | (key, height, order, predecessor), newest first unless `asc` |
//! | POST | `/v0/all/{pred}` | (namespace, key) |
//! | POST | `/v0/history` | (height, order, predecessor, namespace), newest first unless `asc` |
//! | POST | `/v0/multi` | input order |
//!
//! Behaviour copied from the server: `limit` defaults to 50 and is clamped to `1..=200`;
//! `page_token` is base64url (no padding) of compact JSON of the last row's fields, emitted iff
//! the page is full; `key` with `key_prefix` is a 400; a bad token is
//! `400 {"error":"Invalid page_token"}`; more than 100 multi keys or a malformed one is a 400;
//! an exact `key` on `POST /v0/latest/{ns}/{pred}` ignores `page_token` and answers one row;
//! `block_timestamp` is an exact `u64`; tombstones are served as `"value": null`; an unknown
//! path or a wrong method is a 404 with an empty body.
//!
//! Where the sandbox is more tolerant than the server: a body is parsed as JSON whatever its
//! `Content-Type`, an empty body on the `QueryRequest` endpoints means `{}`, and every 400 is a
//! JSON `{"error": ...}` (the server answers extractor failures in text/plain). Storage failures
//! are `500 {"error":"Internal error"}` with the cause logged; a handler never panics.

mod convert;
mod read;
mod routes;
mod token;

pub use read::LedgerReader;

use crate::ledger::Ledger;

/// The FastData KV read endpoints over `ledger`, at `/v0/...`.
///
/// Mount it under a prefix with [`axum::Router::nest_service`] (works whatever the outer
/// router's state type) or [`axum::Router::nest`]:
///
/// ```
/// # use nearly_sandbox::ledger::{Ledger, SystemClock};
/// # let dir = std::env::temp_dir().join(format!("router-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let ledger = Ledger::open(dir.join("l.redb"), SystemClock)?;
/// let app: axum::Router =
///     axum::Router::new().nest_service("/fastdata", nearly_sandbox::fastdata_api::router(ledger));
/// // Serves POST /fastdata/v0/latest/contextual.near/alice.near and the rest.
/// # drop(app); std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(ledger: Ledger) -> axum::Router {
    routes::router(ledger)
}
