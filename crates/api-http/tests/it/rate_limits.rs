//! Rate-limit exhaustion with an injected clock, and the headers.

use axum::body::Body;
use axum::http::Method;

use crate::helpers::{TestApp, request};

#[tokio::test]
async fn list_platforms_is_limited_per_ip_with_headers() {
    let app = TestApp::new();
    let get = || {
        request(Method::GET, "/api/v1/platforms")
            .body(Body::empty())
            .unwrap()
    };
    let first = app.send(get()).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["x-ratelimit-limit"], "120");
    assert_eq!(first.headers["x-ratelimit-remaining"], "119");
    let reset: u64 = first.headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reset, crate::helpers::T0_MS / 1000 + 60);
    for _ in 1..120 {
        assert_eq!(app.send(get()).await.status, 200);
    }
    app.clock.advance(15_000);
    let r = app.send(get()).await;
    let body = r.assert_error(429, "RATE_LIMITED");
    assert_eq!(body["retry_after"], 45);
    assert_eq!(r.headers["retry-after"], "45");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(r.headers["x-ratelimit-limit"], "120");

    // Another IP is unaffected.
    let other = request(Method::GET, "/api/v1/platforms")
        .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [198, 51, 100, 1],
            1,
        ))))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(other).await.status, 200);

    app.clock.advance(45_000);
    assert_eq!(app.send(get()).await.status, 200);
}

#[tokio::test]
async fn forwarded_for_is_only_trusted_when_configured() {
    let app = TestApp::new().tune(|s| {
        s.with_config(api_http::ApiConfig {
            trust_forwarded_for: true,
            ..Default::default()
        })
    });
    let get = |ip: &str| {
        request(Method::GET, "/api/v1/platforms")
            .header("x-forwarded-for", ip)
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..120 {
        assert_eq!(app.send(get("10.0.0.1")).await.status, 200);
    }
    app.send(get("10.0.0.1"))
        .await
        .assert_error(429, "RATE_LIMITED");
    assert_eq!(app.send(get("10.0.0.2")).await.status, 200);

    // Untrusted (default): the header is ignored and the peer address counts.
    let app = TestApp::new();
    for i in 0..120 {
        assert_eq!(app.send(get(&format!("10.0.1.{i}"))).await.status, 200);
    }
    app.send(get("10.9.9.9"))
        .await
        .assert_error(429, "RATE_LIMITED");
}
