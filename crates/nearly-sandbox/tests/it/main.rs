//! The integration tests of `nearly-sandbox`, in one binary.

// Test helpers (fixtures, the wiremock fake) live outside `#[test]` functions, where clippy's
// `allow-unwrap-in-tests` does not reach; a panic there is a failed test, which is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract;
mod durability;
mod follow;
mod neardata;
// The indexer fed by the ledger (the sandbox implements the indexer's feed trait).
mod indexer_helpers;
mod indexer_pull;
mod indexer_push;
mod indexer_write_through;
mod router;
mod support;
