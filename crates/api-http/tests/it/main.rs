//! The api-http integration tests: the router driven with `oneshot`, no sockets.

// Helpers outside `#[test]` functions may unwrap too: a panic in a test binary is a failed
// assertion (clippy.toml's allowance covers only `#[test]` bodies).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod app;
mod auth;
mod contract;
mod gate;
mod generate;
mod graph;
mod helpers;
mod hygiene;
mod index_height;
mod openapi;
mod platforms;
mod probes;
mod rate_limits;
mod regressions;
mod serve;
mod verify_claim;
