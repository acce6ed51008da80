#![doc = include_str!("../README.md")]

pub mod fastdata_api;
pub mod ledger;

pub use ledger::{Clock, CommitReceipt, CommittedTx, Ledger, LedgerError, SystemClock};
