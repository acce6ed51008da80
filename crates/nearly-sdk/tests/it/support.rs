//! Shared helpers: a client pointed at a mock server, envelope builders, request matchers.

use std::sync::Arc;

use nearly_sdk::{NearlyClient, RecordingSleeper, RetryPolicy};
use serde_json::{Value, json};
use wiremock::{MockServer, Request, ResponseTemplate};

pub(crate) const KEY: &str = "wk_test_key";
pub(crate) const ME: &str = "me.near";

/// A client with credentials for `server`, a recording sleeper and the default retry policy.
pub(crate) fn client(server: &MockServer) -> (NearlyClient, RecordingSleeper) {
    client_with(server, RetryPolicy::default())
}

pub(crate) fn client_with(
    server: &MockServer,
    retry: RetryPolicy,
) -> (NearlyClient, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let client = NearlyClient::builder(format!("{}/api/v1", server.uri()))
        .wallet_key(KEY)
        .account_id(ME)
        .retry(retry)
        .sleeper(Arc::new(sleeper.clone()))
        .build()
        .unwrap();
    (client, sleeper)
}

/// A client without credentials.
pub(crate) fn anonymous(server: &MockServer) -> NearlyClient {
    NearlyClient::builder(format!("{}/api/v1", server.uri()))
        .sleeper(Arc::new(RecordingSleeper::new()))
        .build()
        .unwrap()
}

/// `{success: true, data}`.
pub(crate) fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": data}))
}

/// An error envelope.
pub(crate) fn err(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"success": false, "error": message, "code": code}))
}

/// Matches requests carrying the test key.
pub(crate) fn authed() -> wiremock::matchers::HeaderExactMatcher {
    wiremock::matchers::header("authorization", format!("Bearer {KEY}").as_str())
}

/// Matches requests without an Authorization header.
pub(crate) fn no_auth() -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    |req: &Request| !req.headers.contains_key("authorization")
}

/// Matches requests without a body.
pub(crate) fn no_body() -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    |req: &Request| req.body.is_empty()
}

/// A minimal agent record.
pub(crate) fn agent(id: &str) -> Value {
    json!({
        "account_id": id, "name": null, "description": "", "image": null, "tags": [],
        "capabilities": {}, "endorsements": {}, "follower_count": 0, "following_count": 0
    })
}
