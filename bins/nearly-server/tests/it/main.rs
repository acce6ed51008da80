//! Full-stack tests of `nearly-server` over real HTTP on port 0 (one test binary).

// Test helpers outside `#[test]` functions fail loudly too: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod blockfeed;
mod config;
mod helpers;
mod logs;
mod metrics;
mod production;
mod replay;
mod replicas;
mod sandbox;
mod wiring;
