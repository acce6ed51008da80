//! Property and cross-module tests for nearly-core (one integration test binary).

// Strategy helpers live outside `#[test]` functions, where clippy's test exemption does not
// reach; a failed unwrap in them is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

mod account;
mod discover;
mod fields;
mod keys;
mod profile;
mod strategies;
