//! Shared helpers: a client tuned for tests, credentials and custom request matchers.

use std::time::Duration;

use outlayer_client::{CustodyAuth, HttpConfig, HttpOutLayer};
use wiremock::{Match, MockServer, Request};

/// A wallet key as OutLayer issues them.
pub(crate) const WK: &str = "wk_1580aa9c7d4e2b3f6a8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9ee545";
/// An implicit account.
pub(crate) const ACCOUNT: &str = "36842e2f73d0b7b2f6a3c1e5d4f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4cf88";

pub(crate) fn wk() -> CustodyAuth {
    CustodyAuth::WalletKey(WK.into())
}

pub(crate) fn bearer() -> String {
    format!("Bearer {WK}")
}

/// Short timeouts and a 1 ms backoff so retries cost nothing.
pub(crate) fn config() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(2_000),
        connect_timeout: Duration::from_millis(500),
        read_retries: 2,
        retry_backoff: Duration::from_millis(1),
        ..HttpConfig::default()
    }
}

pub(crate) fn client(server: &MockServer) -> HttpOutLayer {
    HttpOutLayer::new(&server.uri(), config()).unwrap()
}

pub(crate) fn client_with(server: &MockServer, config: HttpConfig) -> HttpOutLayer {
    HttpOutLayer::new(&server.uri(), config).unwrap()
}

/// Matches requests that do not carry the header.
pub(crate) struct NoHeader(pub &'static str);

impl Match for NoHeader {
    fn matches(&self, request: &Request) -> bool {
        !request.headers.contains_key(self.0)
    }
}

/// Matches requests with an empty body.
pub(crate) struct EmptyBody;

impl Match for EmptyBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}
