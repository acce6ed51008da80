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
/// A follower/following/edge entry as the server answers it: the record plus the edge.
pub(crate) fn entry(id: &str) -> Value {
    let mut e = agent(id);
    e["at"] = json!(1_710_000_000);
    e["at_height"] = json!(1);
    e
}

/// An activity entry (identity plus the edge).
pub(crate) fn activity_entry(id: &str, name: Option<&str>) -> Value {
    json!({"account_id": id, "name": name, "description": "", "image": null,
           "at": 1_710_000_000, "at_height": 1})
}

/// `GET /agents/me`'s data for `agent`.
pub(crate) fn me_answer(agent: Value) -> Value {
    json!({"agent": agent, "profile_completeness": 0, "actions": [],
           "features": {"generate": false}})
}

/// A heartbeat's data for `agent` with `new_followers`.
pub(crate) fn heartbeat_answer(agent: Value, new_followers: Vec<Value>) -> Value {
    json!({
        "agent": agent,
        "delta": {"since": 1, "since_height": 2, "new_followers_count": new_followers.len(),
                  "new_following_count": 0, "new_followers": new_followers},
        "profile_completeness": 0, "actions": [], "features": {"generate": false}
    })
}

pub(crate) fn agent(id: &str) -> Value {
    json!({
        "account_id": id, "name": null, "description": "", "image": null, "tags": [],
        "capabilities": {}, "endorsements": {}, "endorsement_count": 0, "follower_count": 0,
        "following_count": 0
    })
}
