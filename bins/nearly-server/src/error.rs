//! The server's one error type: why it could not start, or not stop cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the server could not start or shut down cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is inconsistent (a flag missing its partner, an invalid value).
    #[error("configuration: {0}")]
    Config(String),
    /// The data directory could not be created.
    #[error("data dir {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The sandbox ledger could not be opened.
    #[error("sandbox ledger {}: {source}", path.display())]
    Ledger {
        /// The ledger file.
        path: PathBuf,
        /// The cause.
        source: nearly_sandbox::LedgerError,
    },
    /// The sandbox custody store could not be opened.
    #[error("sandbox custody in {}: {source}", path.display())]
    Custody {
        /// The data dir.
        path: PathBuf,
        /// The cause.
        source: sandbox_custody::Error,
    },
    /// The platform store could not be opened.
    #[error("platform store: {0}")]
    PlatformStore(#[from] api_http::platforms::PlatformStoreError),
    /// A client of an external service could not be built from its URL.
    #[error("{service} client: {message}")]
    Client {
        /// Which service (`fastdata`, `custody`, `rpc`, `http`).
        service: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Building the index (ledger rebuild or first FastData sync) failed.
    #[error("index bootstrap: {0}")]
    Index(#[from] indexer::IndexerError),
    /// The listen address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The HTTP server failed while serving.
    #[error("serving HTTP: {0}")]
    Serve(#[source] std::io::Error),
    /// A background task (the index follower or pull loop) failed or panicked.
    #[error("background task {task}: {message}")]
    Task {
        /// Which task.
        task: &'static str,
        /// What happened.
        message: String,
    },
}
