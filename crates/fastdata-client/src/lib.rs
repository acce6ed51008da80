#![doc = include_str!("../README.md")]

pub mod entry;
pub mod envelope;
pub mod error;
mod http;
pub mod read;
pub mod wire;

pub use entry::{KvEntry, KvValue, Order, Scan, ScanEnd, ScanLimit};
pub use envelope::{EntryRejection, WriteBatch, validate_entry};
pub use error::FastDataError;
pub use http::{HttpConfig, HttpFastData, RetryPolicy};
pub use read::{AccountKey, FastDataRead};
