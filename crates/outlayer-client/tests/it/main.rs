//! Integration tests of `outlayer-client`: the real HTTP client against wiremock, and `near:`
//! tokens end to end. One binary, one module per area.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod call;
mod errors;
mod props;
mod reads;
mod register;
mod sign_message;
mod support;
mod token;
mod vrf;
