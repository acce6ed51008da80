#![doc = include_str!("../README.md")]

pub mod fastdata_api;
mod index_feed;
pub mod ledger;
pub mod neardata_api;

pub use ledger::{Clock, CommitReceipt, CommittedTx, Ledger, LedgerError, SystemClock};
