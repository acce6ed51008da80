//! Integration tests of the indexer: the reference-model property test and the pull sync over
//! HTTP. (The ledger feeder's tests live in `nearly-sandbox`, which implements the feed.)

// Test helpers outside #[test] functions: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod health;
mod helpers;
mod model;
mod pull_http;
mod snapshot;
