//! The ledger's error type.

use fastdata_client::envelope::TxRejection;

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The FastData indexer would drop this transaction whole (args not a JSON object, or more
    /// than 256 keys). Nothing was written and no block was produced.
    #[error("transaction rejected: {0}")]
    Rejected(#[from] TxRejection),
    /// A namespace or predecessor is not a valid NEAR account id.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidAccountId {
        /// Which argument (`namespace` or `predecessor`).
        field: &'static str,
        /// The offending value.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The database failed (I/O error, disk full, lock held by another process, ...).
    #[error("ledger storage error: {0}")]
    Storage(Box<redb::Error>),
    /// A stored record could not be decoded: the file was damaged or written by an incompatible
    /// version.
    #[error("ledger data is corrupt: {0}")]
    Corrupt(String),
    /// Block heights are exhausted (`u64::MAX` blocks).
    #[error("block height overflow")]
    HeightOverflow,
    /// A blocking ledger task could not be joined (the runtime is shutting down).
    #[error("ledger task failed: {0}")]
    Task(String),
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LedgerError {
            fn from(e: $t) -> Self {
                Self::Storage(Box::new(redb::Error::from(e)))
            }
        }
    )*};
}

storage_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
