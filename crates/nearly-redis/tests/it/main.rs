//! nearly-redis against a real `redis-server` started per test (one test binary).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod failures;
mod suites;
