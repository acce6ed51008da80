//! Integration tests of `fastdata-client`: one binary, one module per area.

// Helpers and mock responders outside `#[test]` functions may unwrap too: a panic in a test
// binary is a failed assertion (clippy.toml's allowance covers only `#[test]` bodies).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope;
mod http;
mod props;
