//! Integration tests of nearly-sdk: one test binary, one module per concern.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credentials;
mod e2e;
mod endpoints;
mod errors;
mod heartbeat;
mod retry;
mod support;
