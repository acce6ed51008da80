//! The nep413 integration tests: one binary, one module per concern.

// Test helpers outside `#[test]` functions (fixtures, vector loading) may panic too: a panic
// there is a failed test, which is what clippy.toml's allow-unwrap-in-tests intends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod near_ai;
mod props;
mod replay_scope;
#[cfg(all(feature = "file", feature = "conformance"))]
mod stores;
mod vectors;
mod verify_claim;

#[cfg(feature = "batch")]
mod batch;
#[cfg(feature = "rpc")]
mod rpc;
