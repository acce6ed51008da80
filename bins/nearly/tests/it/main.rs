//! Integration tests of the `nearly` binary: against wiremock (requests, output, exit codes)
//! and end to end against the sandbox server.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e;
mod mock;
mod support;
