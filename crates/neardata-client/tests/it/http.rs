//! The real HTTP client against wiremock: every status of `neardata.md` §1.3 mapped, redirects,
//! the API key on every hop, timeouts, and the tailer over real HTTP.

use std::sync::Arc;
use std::time::Duration;

use neardata_client::{
    Backoff, BlockAnswer, BlockSource, Cursor, HttpConfig, HttpNeardata, NeardataError, Tailer,
    TailerConfig,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{NS, block_bytes, kv_call};

fn client(base: &str) -> HttpNeardata {
    HttpNeardata::new(
        base,
        HttpConfig {
            request_timeout: Duration::from_millis(500),
            ..HttpConfig::default()
        },
    )
    .unwrap()
}

fn json_body(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json; charset=utf-8")
}

async fn answer(
    server: &MockServer,
    height: u64,
    response: ResponseTemplate,
) -> Result<BlockAnswer, NeardataError> {
    Mock::given(method("GET"))
        .and(path(format!("/v0/block/{height}")))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
    client(&server.uri()).block(height).await
}

#[tokio::test]
async fn final_height_reads_the_redirect_without_following_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/last_block/final/headers"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "/v0/block/180000123/headers"),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Following it would be a second request, which nothing answers.
    assert_eq!(
        client(&server.uri()).final_height().await.unwrap(),
        180_000_123
    );
}

#[tokio::test]
async fn final_height_under_a_path_prefix_and_from_a_200_header() {
    let server = MockServer::start().await;
    Mock::given(path("/neardata/v0/last_block/final/headers"))
        .respond_with(json_body(
            200,
            json!({"author": "v", "header": {"height": 42}, "chunks": []}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&format!("{}/neardata/", server.uri()));
    assert_eq!(c.final_height().await.unwrap(), 42);
}

#[tokio::test]
async fn a_block_a_null_and_a_future_height() {
    let server = MockServer::start().await;
    let bytes = block_bytes(
        7,
        vec![(0, vec![kv_call("alice.near", "r", &json!({"a": 1}))])],
    );
    let got = answer(
        &server,
        7,
        ResponseTemplate::new(200).set_body_raw(bytes, "application/json"),
    )
    .await
    .unwrap();
    let BlockAnswer::Block(b) = got else {
        panic!("{got:?}")
    };
    assert_eq!(neardata_client::extract(&b, NS).writes.len(), 1);
    let null = answer(
        &server,
        8,
        ResponseTemplate::new(200).set_body_raw("null", "application/json"),
    )
    .await;
    assert!(matches!(null, Ok(BlockAnswer::Skipped)), "{null:?}");
    let future = answer(
        &server,
        30,
        json_body(
            404,
            json!({"error": "The block is too far in the future", "type": "BLOCK_DOES_NOT_EXIST"}),
        ),
    )
    .await;
    assert!(matches!(future, Ok(BlockAnswer::NotYet)), "{future:?}");
}

#[tokio::test]
async fn statuses_map_to_their_errors() {
    let server = MockServer::start().await;
    type Case = (u64, ResponseTemplate, fn(&NeardataError) -> bool, bool);
    let cases: Vec<Case> = vec![
        (
            1,
            ResponseTemplate::new(429).insert_header("retry-after", "7"),
            |e| {
                *e == NeardataError::RateLimited {
                    retry_after: Some(Duration::from_secs(7)),
                }
            },
            true,
        ),
        (
            2,
            ResponseTemplate::new(429).set_body_string("slow down"),
            |e| *e == NeardataError::RateLimited { retry_after: None },
            true,
        ),
        (
            3,
            json_body(500, json!("Cache error: The block is not cached")),
            |e| matches!(e, NeardataError::Server { status: 500, message, .. } if message.contains("not cached")),
            true,
        ),
        (
            4,
            ResponseTemplate::new(503),
            |e| matches!(e, NeardataError::Server { status: 503, .. }),
            true,
        ),
        (
            5,
            ResponseTemplate::new(200).set_body_raw("{\"block\":", "application/json"),
            |e| matches!(e, NeardataError::MalformedBlock { height: 5, .. }),
            true,
        ),
        (
            6,
            ResponseTemplate::new(401).set_body_string("Invalid API key"),
            |e| *e == NeardataError::Unauthorized { status: 401 },
            false,
        ),
        (
            7,
            json_body(400, json!("Invalid argument")),
            |e| matches!(e, NeardataError::BadRequest { status: 400, .. }),
            false,
        ),
        (
            8,
            json_body(
                404,
                json!({"error": "Block height is before the genesis", "type": "BLOCK_HEIGHT_TOO_LOW"}),
            ),
            |e| matches!(e, NeardataError::BadRequest { status: 404, .. }),
            false,
        ),
        (
            9,
            ResponseTemplate::new(404),
            |e| matches!(e, NeardataError::Unexpected { status: 404, .. }),
            true,
        ),
    ];
    for (height, response, check, retryable) in cases {
        let err = answer(&server, height, response).await.unwrap_err();
        assert!(check(&err), "height {height}: {err:?}");
        assert_eq!(err.is_retryable(), retryable, "height {height}: {err:?}");
    }
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    let err = answer(
        &server,
        3,
        ResponseTemplate::new(200)
            .set_body_string("null")
            .set_delay(Duration::from_secs(3)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, NeardataError::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn redirects_are_followed_by_hand_with_the_key_on_every_hop() {
    let main = MockServer::start().await;
    let archive = MockServer::start().await;
    let bytes = block_bytes(120, vec![]);
    Mock::given(path("/v0/block/120"))
        .and(header("authorization", "Bearer secret"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/v0/block/120", archive.uri())),
        )
        .expect(1)
        .mount(&main)
        .await;
    Mock::given(path("/v0/block/120"))
        .and(header("authorization", "Bearer secret"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "application/json"))
        .expect(1)
        .mount(&archive)
        .await;
    let config = HttpConfig {
        api_key: Some("secret".into()),
        ..HttpConfig::default()
    };
    assert!(!format!("{config:?}").contains("secret"));
    let c = HttpNeardata::new(&main.uri(), config).unwrap();
    assert!(matches!(c.block(120).await.unwrap(), BlockAnswer::Block(b) if b.height() == 120));
}

#[tokio::test]
async fn a_redirect_loop_ends() {
    let server = MockServer::start().await;
    Mock::given(path("/v0/block/1"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/v0/block/1"))
        .expect(6)
        .mount(&server)
        .await;
    let err = client(&server.uri()).block(1).await.unwrap_err();
    assert!(
        matches!(err, NeardataError::TooManyRedirects { max: 5, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = client(&format!("http://{addr}"))
        .block(1)
        .await
        .unwrap_err();
    assert!(matches!(err, NeardataError::Transport { .. }), "{err:?}");
}

#[test]
fn bad_base_urls_are_configuration_errors() {
    for url in ["ftp://x", "http://x/?a=1", "not a url", "http://x/#f"] {
        let err = HttpNeardata::new(url, HttpConfig::default()).unwrap_err();
        assert!(
            matches!(err, NeardataError::InvalidConfig(_)),
            "{url}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_tailer_rides_out_429_and_5xx_over_real_http() {
    let server = MockServer::start().await;
    Mock::given(path("/v0/block/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v0/block/1"))
        .respond_with(json_body(500, json!("Internal data error")))
        .up_to_n_times(2)
        .with_priority(2)
        .expect(2)
        .mount(&server)
        .await;
    let bytes = block_bytes(
        1,
        vec![(0, vec![kv_call("alice.near", "r", &json!({"a": null}))])],
    );
    Mock::given(path("/v0/block/1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "application/json"))
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    let config = TailerConfig {
        backoff: Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(4),
            ..Backoff::default()
        },
        ..TailerConfig::new(NS)
    };
    let mut t = Tailer::new(Arc::new(client(&server.uri())), config, Cursor::after(0));
    let out = t.next().await.unwrap();
    assert_eq!((out.height, out.writes[0].value.clone()), (1, None));
}
