//! The integration tests of `neardata-client`, in one binary.

// Helpers live outside `#[test]` functions, where clippy's `allow-unwrap-in-tests` does not
// reach; a panic there is a failed test, which is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod extract;
mod http;
mod props;
mod reconcile;
mod support;
mod tailer;
mod vector;
