//! The crate's one error type.

/// What can go wrong while keeping the index current. Queries never fail.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// Reading a transaction feed (the sandbox ledger) failed, or it closed.
    #[error("feed: {0}")]
    Feed(String),
    /// A snapshot could not be written, or was rejected on load (the reason says why).
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// Reading FastData failed.
    #[error("fastdata: {0}")]
    FastData(#[from] fastdata_client::FastDataError),
    /// The block feed stopped on an error retrying cannot fix (neardata refused the key, or
    /// the configuration is invalid).
    #[error("neardata: {0}")]
    Neardata(#[from] neardata_client::NeardataError),
    /// A transaction or entry belongs to another namespace than the configured one.
    #[error("namespace {found} is not the indexed namespace {expected}")]
    WrongNamespace {
        /// The configured namespace.
        expected: String,
        /// The namespace found.
        found: String,
    },
}
