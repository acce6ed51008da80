//! The Nearly server: wires the workspace's crates into one process. Wiring only: every rule
//! lives in the crate it belongs to.
//!
//! - **Sandbox mode** (no external URLs; zero setup): the durable FastData ledger
//!   ([`nearly_sandbox::Ledger`], `ledger.redb`) and the local custody emulator
//!   ([`sandbox_custody::LocalCustody`], `custody.redb`) live in the data dir. The index is
//!   rebuilt from the ledger at start ([`indexer::rebuild_from_ledger`]) and then follows every
//!   commit ([`indexer::follow_ledger`]). Beside the API, the same port serves the FastData KV
//!   wire API under `/fastdata` and the OutLayer custody API under `/outlayer`.
//! - **Production mode** (`--fastdata-url` and `--custody-url`): reads through
//!   [`fastdata_client::HttpFastData`] (one [`indexer::sync_once`] before serving, then
//!   [`indexer::pull_loop`]), custody through [`outlayer_client::HttpOutLayer`].
//!
//! In both modes: [`web::router`] serves the web pages (`/`, `/agents/{id}`, `/tags`,
//! `/capabilities`, `/verify`, `/docs`) in front of [`api_http::router`], which serves
//! `/api/v1/...` and `/skill.md`; platform
//! registrations persist in `platforms.json` in the data dir; NEAR RPC, the LLM and the
//! platform clients are used only when their URL is configured.
//!
//! What it is not: no handler, validation, storage format or index rule is defined here.
//!
//! ```no_run
//! use nearly_server::{Config, Server};
//!
//! # async fn demo() -> Result<(), nearly_server::ServerError> {
//! let server = Server::start(Config::sandbox("./nearly-data")).await?;
//! println!("serving on {}", server.base_url());
//! // ... requests ...
//! server.shutdown().await
//! # }
//! ```

mod config;
mod error;
pub mod observe;
mod server;
mod shared;
mod telemetry;

pub use config::{
    Config, DEFAULT_BOOTSTRAP_MARGIN_BLOCKS, DEFAULT_DATA_DIR, DEFAULT_LISTEN, DEFAULT_LOG_FILTER,
    DEFAULT_PULL_INTERVAL_SECS, DEFAULT_RECONCILE_INTERVAL_SECS, DEFAULT_SNAPSHOT_INTERVAL_SECS,
    LogFormat, Mode, Secret,
};
pub use error::ServerError;
pub use server::{LEDGER_FILE, SNAPSHOT_FILE, Server};
pub use telemetry::{init_tracing, subscriber};
