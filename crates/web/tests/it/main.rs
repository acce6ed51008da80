//! The web crate's tests: pages rendered in-process and parsed (`render`), the same pages over
//! real HTTP beside the API and the sandbox's FastData reads (`http`), and a real Chromium
//! driven over WebDriver (`browser`).

mod browser;
mod helpers;
mod http;
mod render;
