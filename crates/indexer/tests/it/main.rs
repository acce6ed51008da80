//! Integration tests of the indexer: the reference-model property test, the ledger feeder,
//! write-through and the pull sync.

// Test helpers outside #[test] functions: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;
mod model;
mod pull;
mod pull_http;
mod push;
mod write_through;
