//! The web crate's tests: pages rendered in-process and parsed (`render`), the same pages over
//! real HTTP beside the API and the sandbox's FastData reads (`http`), and a real Chromium
//! driven over WebDriver (`browser`).

// Test helpers outside `#[test]` functions fail loudly too: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod helpers;
mod http;
mod render;
