//! `HttpFastData` against wiremock: exact requests, paging, decoding, errors and retries.

use std::time::Duration;

use fastdata_client::{
    AccountKey, FastDataError, FastDataRead, HttpConfig, HttpFastData, KvValue, Order, RetryPolicy,
    ScanEnd, ScanLimit,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const NS: &str = "contextual.near";

/// Fast settings: short timeouts, two retries 1 ms apart.
fn config() -> HttpConfig {
    HttpConfig {
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        },
        ..HttpConfig::default()
    }
}

fn client_with(server: &MockServer, config: HttpConfig) -> HttpFastData {
    HttpFastData::new(&server.uri(), NS, config).unwrap()
}

fn client(server: &MockServer) -> HttpFastData {
    client_with(server, config())
}

fn entry(pred: &str, key: &str, height: u64, value: Value) -> Value {
    json!({"predecessor_id": pred, "current_account_id": NS, "block_height": height,
           "block_timestamp": 1_700_000_000_000_000_000u64 + height, "key": key, "value": value})
}

fn list(entries: Vec<Value>, token: Option<&str>) -> ResponseTemplate {
    let mut body = json!({ "entries": entries });
    if let Some(t) = token {
        body["page_token"] = json!(t);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// Matches a request whose body is exactly this JSON and whose content type is JSON.
struct JsonRequest(Value);

impl Match for JsonRequest {
    fn matches(&self, request: &Request) -> bool {
        let json_type = request
            .headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes() == b"application/json");
        json_type && serde_json::from_slice::<Value>(&request.body).ok().as_ref() == Some(&self.0)
    }
}

// ---- endpoints -------------------------------------------------------------------------------

#[tokio::test]
async fn get_latest_puts_the_key_in_the_path_with_raw_slashes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v0/latest/contextual.near/alice.near/graph/follow/bob.near",
        ))
        .and(header("accept", "application/json"))
        .respond_with(list(
            vec![entry("alice.near", "graph/follow/bob.near", 9, json!({}))],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server)
        .get_latest("alice.near", "graph/follow/bob.near")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.key, "graph/follow/bob.near");
    assert_eq!(got.value, KvValue::Value(json!({})));
    assert_eq!(got.block_height, 9);
}

#[tokio::test]
async fn get_latest_percent_encodes_reserved_characters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v0/latest/contextual.near/alice.near/tag/a%20b%3Fc%23d%25/%C3%A9",
        ))
        .respond_with(list(vec![], None))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server)
        .get_latest("alice.near", "tag/a b?c#d%/é")
        .await
        .unwrap();
    assert_eq!(got, None, "an empty list means never written");
}

#[tokio::test]
async fn get_latest_keeps_the_base_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/fastdata/v0/latest/contextual.near/alice.near/profile",
        ))
        .respond_with(list(vec![], None))
        .expect(1)
        .mount(&server)
        .await;
    let c = HttpFastData::new(&format!("{}/fastdata/", server.uri()), NS, config()).unwrap();
    assert_eq!(c.get_latest("alice.near", "profile").await.unwrap(), None);
}

#[tokio::test]
async fn get_latest_with_a_dot_segment_asks_by_body_and_ignores_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near/alice.near"))
        .and(JsonRequest(json!({"key": "a/../b", "limit": 1})))
        .respond_with(list(
            vec![entry("alice.near", "a/../b", 3, json!(1))],
            Some("tok"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server)
        .get_latest("alice.near", "a/../b")
        .await
        .unwrap();
    assert_eq!(got.unwrap().key, "a/../b");
}

#[tokio::test]
async fn api_key_is_sent_as_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fk-123"))
        .respond_with(list(vec![], None))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_with(
        &server,
        HttpConfig {
            api_key: Some("fk-123".into()),
            ..config()
        },
    );
    assert_eq!(c.get_latest("alice.near", "profile").await.unwrap(), None);
}

#[tokio::test]
async fn latest_by_key_and_prefix_read_the_namespace() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .and(body_json(json!({"key": "profile", "limit": 200})))
        .respond_with(list(
            vec![
                entry("a.near", "profile", 1, json!({})),
                entry("b.near", "profile", 2, json!({})),
            ],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .and(body_json(json!({"key_prefix": "tag/", "limit": 200})))
        .respond_with(list(
            vec![entry("a.near", "tag/rust", 1, json!(true))],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let by_key = c
        .latest_by_key("profile", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    let writers: Vec<_> = by_key
        .entries
        .iter()
        .map(|e| e.predecessor_id.as_str())
        .collect();
    assert_eq!(writers, ["a.near", "b.near"]);
    let by_prefix = c
        .latest_by_prefix("tag/", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(by_prefix.entries.len(), 1);
    assert!(!by_prefix.truncated());
}

#[tokio::test]
async fn empty_prefix_sends_no_filter() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near/alice.near"))
        .and(body_json(json!({"limit": 200})))
        .respond_with(list(vec![], None))
        .expect(1)
        .mount(&server)
        .await;
    let scan = client(&server)
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert!(scan.entries.is_empty());
}

#[tokio::test]
async fn history_sends_key_and_direction() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/history/contextual.near/alice.near"))
        .and(body_json(
            json!({"key": "profile", "limit": 200, "asc": true}),
        ))
        .respond_with(list(
            vec![
                entry("alice.near", "profile", 1, json!({"v": 1})),
                entry("alice.near", "profile", 5, Value::Null),
            ],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/history/contextual.near/alice.near"))
        .and(body_json(
            json!({"key": "profile", "limit": 200, "asc": false}),
        ))
        .respond_with(list(
            vec![entry("alice.near", "profile", 5, Value::Null)],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let asc = c
        .history(
            "alice.near",
            "profile",
            Order::Ascending,
            ScanLimit::UNBOUNDED,
        )
        .await
        .unwrap();
    let heights: Vec<_> = asc.entries.iter().map(|e| e.block_height).collect();
    assert_eq!(heights, [1, 5]);
    assert!(asc.entries[1].is_deleted());
    let desc = c
        .history(
            "alice.near",
            "profile",
            Order::Descending,
            ScanLimit::UNBOUNDED,
        )
        .await
        .unwrap();
    assert_eq!(desc.entries.len(), 1);
}

#[tokio::test]
async fn namespace_history_reads_one_key_across_writers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/history/contextual.near"))
        .and(body_json(
            json!({"key": "graph/follow/bob.near", "limit": 200, "asc": true}),
        ))
        .respond_with(list(
            vec![
                entry("a.near", "graph/follow/bob.near", 10, json!({})),
                entry(
                    "c.near",
                    "graph/follow/bob.near",
                    12,
                    json!({"reason": "hi"}),
                ),
            ],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let scan = client(&server)
        .namespace_history(
            "graph/follow/bob.near",
            Order::Ascending,
            ScanLimit::UNBOUNDED,
        )
        .await
        .unwrap();
    assert_eq!(scan.entries[1].predecessor_id, "c.near");
}

#[tokio::test]
async fn all_of_predecessor_spans_namespaces() {
    let server = MockServer::start().await;
    let mut other = entry("alice.near", "x", 4, json!(1));
    other["current_account_id"] = json!("other.near");
    Mock::given(method("POST"))
        .and(path("/v0/all/alice.near"))
        .and(body_json(json!({"limit": 200})))
        .respond_with(list(
            vec![entry("alice.near", "profile", 3, json!({})), other],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let scan = client(&server)
        .all_of_predecessor("alice.near", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries[1].current_account_id, "other.near");
}

#[tokio::test]
async fn metadata_is_requested_and_decoded_when_configured() {
    let server = MockServer::start().await;
    let mut row = entry("alice.near", "profile", 3, json!({}));
    row["receipt_id"] = json!("Aw1M");
    row["action_index"] = json!(2);
    row["tx_hash"] = json!("6i9b");
    row["signer_id"] = json!("alice.near");
    row["brand_new_field"] = json!({"ignored": true});
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near/alice.near"))
        .and(body_json(
            json!({"key_prefix": "pro", "limit": 200, "include_metadata": true}),
        ))
        .respond_with(list(vec![row], None))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_with(
        &server,
        HttpConfig {
            include_metadata: true,
            ..config()
        },
    );
    let scan = c
        .scan_prefix("alice.near", "pro", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    let e = &scan.entries[0];
    assert_eq!(e.receipt_id.as_deref(), Some("Aw1M"));
    assert_eq!(e.action_index, Some(2));
    assert_eq!(e.tx_hash.as_deref(), Some("6i9b"));
    assert_eq!(e.signer_id.as_deref(), Some("alice.near"));
}

// ---- paging ------------------------------------------------------------------------------------

fn small_pages() -> HttpConfig {
    HttpConfig {
        page_size: 2,
        ..config()
    }
}

async fn mount_page(server: &MockServer, body: Value, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near/alice.near"))
        .and(JsonRequest(body))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn paging_follows_tokens_across_three_pages() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"key_prefix": "tag/", "limit": 2}),
        list(vec![e("tag/a"), e("tag/b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"key_prefix": "tag/", "limit": 2, "page_token": "t1"}),
        list(vec![e("tag/c"), e("tag/d")], Some("t2")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"key_prefix": "tag/", "limit": 2, "page_token": "t2"}),
        list(vec![e("tag/e")], None),
        1,
    )
    .await;
    let scan = client_with(&server, small_pages())
        .scan_prefix("alice.near", "tag/", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    let keys: Vec<_> = scan.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["tag/a", "tag/b", "tag/c", "tag/d", "tag/e"]);
    assert!(!scan.truncated());
}

#[tokio::test]
async fn a_final_empty_page_ends_the_scan() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        list(vec![], None),
        1,
    )
    .await;
    let scan = client_with(&server, small_pages())
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries.len(), 2);
    assert!(!scan.truncated());
}

#[tokio::test]
async fn a_caller_bound_reports_truncation() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        list(vec![e("c"), e("d")], Some("t2")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t2"}),
        list(vec![e("e")], None),
        0,
    )
    .await;
    let scan = client_with(&server, small_pages())
        .scan_prefix("alice.near", "", ScanLimit::at_most(3))
        .await
        .unwrap();
    let keys: Vec<_> = scan.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert!(scan.truncated());
}

#[tokio::test]
async fn a_bound_equal_to_the_data_is_not_truncation() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    // Two rows wanted: ask for 2 + 1 = 3 (page size 200), get 2: everything was read.
    mount_page(
        &server,
        json!({"limit": 3}),
        list(vec![e("a"), e("b")], None),
        1,
    )
    .await;
    let scan = client(&server)
        .scan_prefix("alice.near", "", ScanLimit::at_most(2))
        .await
        .unwrap();
    assert_eq!(scan.entries.len(), 2);
    assert!(!scan.truncated());
}

#[tokio::test]
async fn a_full_page_at_the_bound_probes_one_more_row() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 1, "page_token": "t1"}),
        list(vec![], None),
        1,
    )
    .await;
    let scan = client_with(
        &server,
        HttpConfig {
            page_size: 2,
            ..config()
        },
    )
    .scan_prefix("alice.near", "", ScanLimit::at_most(2))
    .await
    .unwrap();
    assert_eq!(scan.entries.len(), 2);
    assert!(!scan.truncated());
}

#[tokio::test]
async fn a_server_that_ignores_the_token_does_not_loop_forever_and_says_the_scan_is_incomplete() {
    // A server that ignores the token: limit 1 always emits a token and the same row again.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/latest/contextual.near"))
        .respond_with(list(
            vec![entry("a.near", "profile", 1, json!({}))],
            Some("same"),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let scan = client_with(
        &server,
        HttpConfig {
            page_size: 1,
            ..config()
        },
    )
    .latest_by_key("profile", ScanLimit::UNBOUNDED)
    .await
    .unwrap();
    assert_eq!(scan.entries.len(), 1);
    assert!(!scan.truncated());
    assert_eq!(scan.end, ScanEnd::RepeatedPage);
    assert!(!scan.is_complete());
}

#[tokio::test]
async fn a_repeated_page_under_fresh_tokens_ends_the_scan() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        list(vec![e("a"), e("b")], Some("t2")),
        1,
    )
    .await;
    let scan = client_with(&server, small_pages())
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries.len(), 2);
    assert_eq!(scan.end, ScanEnd::RepeatedPage);
    assert!(!scan.is_complete());
}

#[tokio::test]
async fn a_page_token_cycle_ends_the_scan_as_incomplete() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        list(vec![e("c"), e("d")], Some("t2")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t2"}),
        list(vec![e("e"), e("f")], Some("t1")),
        1,
    )
    .await;
    let scan = client_with(&server, small_pages())
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries.len(), 6);
    assert_eq!(scan.end, ScanEnd::TokenCycle);
    assert!(!scan.is_complete());
}

#[tokio::test]
async fn a_server_error_mid_scan_fails_the_whole_read() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        1,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        ResponseTemplate::new(500).set_body_json(json!({"error": "Internal error"})),
        3,
    )
    .await;
    let err = client_with(&server, small_pages())
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FastDataError::Http { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_exhausted_scan_is_complete_and_a_bounded_one_is_not() {
    let server = MockServer::start().await;
    let e = |k: &str| entry("alice.near", k, 1, json!(true));
    mount_page(
        &server,
        json!({"limit": 2}),
        list(vec![e("a"), e("b")], Some("t1")),
        2,
    )
    .await;
    mount_page(
        &server,
        json!({"limit": 2, "page_token": "t1"}),
        list(vec![e("c")], None),
        1,
    )
    .await;
    let client = client_with(&server, small_pages());
    let scan = client
        .scan_prefix("alice.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries.len(), 3);
    assert!(scan.is_complete());
    let bounded = client
        .scan_prefix("alice.near", "", ScanLimit::at_most(1))
        .await
        .unwrap();
    assert_eq!(bounded.end, ScanEnd::Bound);
    assert!(!bounded.is_complete());
}

// ---- multi -----------------------------------------------------------------------------------

/// Answers `/v0/multi` slot by slot from the request: keys ending in a multiple of 7 were never
/// written (`null`), multiples of 5 are tombstones, the rest hold their index.
struct MultiEcho;

impl wiremock::Respond for MultiEcho {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let slots: Vec<Value> = body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let k = k.as_str().unwrap();
                let (ns, rest) = k.split_once('/').unwrap();
                let (pred, key) = rest.split_once('/').unwrap();
                assert_eq!(ns, NS);
                let i: u64 = key.rsplit('/').next().unwrap().parse().unwrap();
                if i.is_multiple_of(7) {
                    Value::Null
                } else if i.is_multiple_of(5) {
                    entry(pred, key, i, Value::Null)
                } else {
                    entry(pred, key, i, json!(i))
                }
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "entries": slots }))
    }
}

#[tokio::test]
async fn multi_get_chunks_250_keys_into_three_requests_in_order() {
    let server = MockServer::start().await;
    let keys: Vec<AccountKey> = (0..250u64)
        .map(|i| AccountKey::new(format!("w{}.near", i % 3), format!("graph/follow/{i}")))
        .collect();
    let wire_keys = |range: std::ops::Range<u64>| -> Value {
        range
            .map(|i| format!("{NS}/w{}.near/graph/follow/{i}", i % 3))
            .collect()
    };
    for range in [0..100, 100..200, 200..250] {
        Mock::given(method("POST"))
            .and(path("/v0/multi"))
            .and(JsonRequest(json!({ "keys": wire_keys(range) })))
            .respond_with(MultiEcho)
            .expect(1)
            .mount(&server)
            .await;
    }
    let got = client(&server).multi_get(&keys).await.unwrap();
    assert_eq!(got.len(), 250);
    for (i, slot) in (0u64..).zip(&got) {
        match slot {
            None => assert!(i.is_multiple_of(7), "slot {i}"),
            Some(e) => {
                assert_eq!(e.key, format!("graph/follow/{i}"));
                assert_eq!(e.predecessor_id, format!("w{}.near", i % 3));
                if i.is_multiple_of(5) {
                    assert_eq!(e.value, KvValue::Deleted);
                } else {
                    assert_eq!(e.value, KvValue::Value(json!(i)));
                }
            }
        }
    }
}

#[tokio::test]
async fn multi_get_of_nothing_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(list(vec![], None))
        .expect(0)
        .mount(&server)
        .await;
    assert!(client(&server).multi_get(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn multi_get_rejects_unsplittable_keys_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(list(vec![], None))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    for bad in [
        AccountKey::new("a/b.near", "k"),
        AccountKey::new("", "k"),
        AccountKey::new("a.near", ""),
    ] {
        let err = c
            .multi_get(&[AccountKey::new("ok.near", "k"), bad])
            .await
            .unwrap_err();
        assert!(matches!(err, FastDataError::InvalidRequest(_)), "{err}");
    }
}

#[tokio::test]
async fn multi_get_with_the_wrong_number_of_slots_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/multi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [null]})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .multi_get(&[
            AccountKey::new("a.near", "x"),
            AccountKey::new("a.near", "y"),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, FastDataError::Decode { .. }), "{err}");
}

// ---- decoding --------------------------------------------------------------------------------

#[tokio::test]
async fn tombstones_null_and_empty_string_are_deletions() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(list(
            vec![
                entry("alice.near", "tag/a", 1, Value::Null),
                entry("alice.near", "tag/b", 2, json!("")),
                entry("alice.near", "tag/c", 3, json!(false)),
            ],
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let scan = client(&server)
        .scan_prefix("alice.near", "tag/", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    let values: Vec<_> = scan.entries.iter().map(|e| e.value.clone()).collect();
    assert_eq!(
        values,
        [
            KvValue::Deleted,
            KvValue::Deleted,
            KvValue::Value(json!(false))
        ]
    );
    assert_eq!(
        scan.live().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        ["tag/c"]
    );
}

#[tokio::test]
async fn block_timestamps_above_2_pow_53_are_exact() {
    let server = MockServer::start().await;
    let raw = r#"{"entries":[{"predecessor_id":"a.near","current_account_id":"contextual.near",
        "block_height":9007199254740993,"block_timestamp":1777777777123456789,"key":"k","value":1},
        {"predecessor_id":"a.near","current_account_id":"contextual.near",
        "block_height":1,"block_timestamp":18446744073709551615,"key":"m","value":2}]}"#;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(raw, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let scan = client(&server)
        .scan_prefix("a.near", "", ScanLimit::UNBOUNDED)
        .await
        .unwrap();
    assert_eq!(scan.entries[0].block_timestamp, 1_777_777_777_123_456_789);
    assert_eq!(scan.entries[0].block_height, 9_007_199_254_740_993);
    assert_eq!(scan.entries[0].block_time_secs(), 1_777_777_777);
    assert_eq!(scan.entries[1].block_timestamp, u64::MAX);
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors_and_not_retried() {
    for body in [
        "not json",
        r#"{"entries": {}}"#,
        r#"{"entries":[{"predecessor_id":"a","current_account_id":"b","block_height":1,"key":"k","value":1}]}"#,
        r#"{"entries":[{"predecessor_id":"a","current_account_id":"b","block_height":1,"block_timestamp":1.5e18,"key":"k","value":1}]}"#,
        r#"{"entries":[{"predecessor_id":"a","current_account_id":"b","block_height":1,"block_timestamp":1,"key":"k","value":1e400}]}"#,
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server)
            .scan_prefix("a.near", "", ScanLimit::UNBOUNDED)
            .await
            .unwrap_err();
        assert!(matches!(err, FastDataError::Decode { .. }), "{body}: {err}");
    }
}

// ---- errors and retries ----------------------------------------------------------------------

#[tokio::test]
async fn a_400_is_a_typed_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "key and key_prefix are mutually exclusive"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .latest_by_key("profile", ScanLimit::UNBOUNDED)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FastDataError::Http {
            status: 400,
            endpoint: "/v0/latest/contextual.near".into(),
            message: "key and key_prefix are mutually exclusive".into()
        }
    );
}

#[tokio::test]
async fn an_invalid_page_token_is_its_own_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"error": "Invalid page_token"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .all_of_predecessor("a.near", ScanLimit::UNBOUNDED)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FastDataError::InvalidPageToken { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_404_with_an_empty_body_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_latest("a.near", "profile")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FastDataError::NotFound {
            endpoint: "/v0/latest/contextual.near/a.near/profile".into()
        }
    );
}

#[tokio::test]
async fn a_5xx_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/multi"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "Internal error"})))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/multi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"entries": [null]})))
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let got = client(&server)
        .multi_get(&[AccountKey::new("a.near", "profile")])
        .await
        .unwrap();
    assert_eq!(got, [None]);
}

#[tokio::test]
async fn exhausted_5xx_retries_give_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>upstream down</html>"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_latest("a.near", "profile")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FastDataError::Http { status: 503, message, .. } if message == "<html>upstream down</html>"),
        "{err}"
    );
}

#[tokio::test]
async fn a_429_is_retried_and_reports_retry_after_when_exhausted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_latest("a.near", "profile")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FastDataError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[tokio::test]
async fn a_slow_server_times_out_and_each_attempt_counts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(list(vec![], None).set_delay(Duration::from_secs(2)))
        .expect(2)
        .mount(&server)
        .await;
    let c = client_with(
        &server,
        HttpConfig {
            request_timeout: Duration::from_millis(50),
            retry: RetryPolicy {
                max_retries: 1,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(1),
            },
            ..config()
        },
    );
    let err = c.get_latest("a.near", "profile").await.unwrap_err();
    assert!(
        matches!(err, FastDataError::Timeout { after, .. } if after == Duration::from_millis(50)),
        "{err}"
    );
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error() {
    // Bind a port, then free it: connecting there is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = HttpFastData::new(
        &format!("http://{addr}"),
        NS,
        HttpConfig {
            retry: RetryPolicy::NONE,
            ..config()
        },
    )
    .unwrap();
    let err = c.get_latest("a.near", "profile").await.unwrap_err();
    assert!(matches!(err, FastDataError::Transport { .. }), "{err}");
}

#[tokio::test]
async fn the_trait_is_object_safe() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(list(vec![], None))
        .expect(1)
        .mount(&server)
        .await;
    let reader: std::sync::Arc<dyn FastDataRead> = std::sync::Arc::new(client(&server));
    assert_eq!(reader.namespace(), NS);
    assert_eq!(reader.get_latest("a.near", "profile").await.unwrap(), None);
}
