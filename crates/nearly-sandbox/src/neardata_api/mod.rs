//! The ledger as a neardata server: every ledger transaction served as one final NEAR block
//! in the JSON subset of `neardata.md` §2, so the real `neardata-client` tailer follows the
//! sandbox exactly as it follows `mainnet.neardata.xyz`.
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | GET | `/v0/block/{h}` | the block at `h` (see below); waits for it up to `tip + 10` |
//! | GET | `/v0/block/{h}/headers` | only its `block` part |
//! | GET | `/v0/last_block/final[/headers]` | 302 to `/v0/block/{tip}[/headers]` |
//! | GET | `/v0/first_block` | 302 to `/v0/block/0` |
//! | GET | `/health` | `{"status":"ok"}` |
//!
//! Blocks: height 0 is an empty genesis block; height `h >= 1` is ledger transaction `h`, one
//! shard (id 0) with one receipt execution outcome: an `Action` receipt from the writer to the
//! namespace with one `FunctionCall` `__fastdata_kv` whose `args` are the transaction's
//! accepted entries as a JSON object (standard base64), status `SuccessValue`. `receipt_id`,
//! `signer_id` and `tx_hash` are the ledger's (the FastData API serves the same ones);
//! `timestamp` is the ledger's nanosecond block time; `hash` is a synthetic base58 sha256 of the
//! height and transaction hash, and `prev_hash`/`prev_height` name the previous height (ledger
//! heights are dense, so the sandbox never serves `null`).
//!
//! Statuses as `neardata.md` §1.3: a non-numeric height is `400 "Invalid argument"`; a height
//! above 10^15 is 404 `BLOCK_HEIGHT_TOO_HIGH`; one above `tip + 10` is 404
//! `BLOCK_DOES_NOT_EXIST` at once; one in `tip+1..=tip+10` is held until the ledger commits it.
//! Where the sandbox differs: that wait ends after [`NeardataOptions::long_poll`] (10 s by
//! default; the real server never gives up) with the same 404 `BLOCK_DOES_NOT_EXIST`, so a
//! quiet sandbox does not hold connections for ever. Redirect `Location`s are absolute paths
//! that keep the mount prefix (`/neardata/v0/block/7`) and the query string. A storage failure
//! is `500 "Internal data error"`, with the cause logged.

mod render;
mod routes;

use std::time::Duration;

use crate::ledger::Ledger;

/// Tuning of [`router_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeardataOptions {
    /// How long a request for a height just past the tip waits for the ledger to reach it.
    /// Keep it below the clients' request timeout (15 s in `neardata_client::HttpConfig`).
    pub long_poll: Duration,
}

impl Default for NeardataOptions {
    fn default() -> Self {
        Self {
            long_poll: Duration::from_secs(10),
        }
    }
}

/// The neardata endpoints over `ledger`, at `/v0/...`, with [`NeardataOptions::default`].
///
/// Mount it under `/neardata`, beside the FastData router:
///
/// ```
/// # use nearly_sandbox::ledger::{Ledger, SystemClock};
/// # let dir = std::env::temp_dir().join(format!("neardata-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let ledger = Ledger::open(dir.join("l.redb"), SystemClock)?;
/// let app: axum::Router =
///     axum::Router::new().nest_service("/neardata", nearly_sandbox::neardata_api::router(ledger));
/// // Serves GET /neardata/v0/block/{h} and the rest.
/// # drop(app); std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(ledger: Ledger) -> axum::Router {
    router_with(ledger, NeardataOptions::default())
}

/// [`router`] with explicit options.
pub fn router_with(ledger: Ledger, options: NeardataOptions) -> axum::Router {
    routes::router(ledger, options)
}
