//! Integration tests of the sandbox custody: the contract suite (wiremock fake, sandbox over
//! HTTP, sandbox in-process), end to end through the ledger, durability, and the router's HTTP
//! behaviour. One binary, one module per concern.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod backend;
mod contract;
mod durability;
mod e2e;
mod router;
