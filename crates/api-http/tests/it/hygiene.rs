//! Envelope shape, request ids, 404/405/413, JSON-object bodies and query validation.

use api_http::{ListQuery, MAX_BODY_BYTES};
use axum::Router;
use axum::body::Body;
use axum::http::Method;
use axum::routing::get;
use serde_json::json;

use crate::helpers::{TestApp, post_json, request, send};

#[tokio::test]
async fn health_is_enveloped_and_carries_a_request_id() {
    let app = TestApp::new();
    let r = app
        .send(
            request(Method::GET, "/api/v1/health")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["data"]["status"], "ok");
    assert_eq!(r.body["data"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r.body["data"]["index"]["state"], "ready");
    assert_eq!(r.body["data"]["agent_count"], 0);
    assert!(r.body.get("warnings").is_none());
    assert!(r.headers.get("x-request-id").is_some());

    let r = app
        .send(
            request(Method::GET, "/api/v1/health")
                .header("x-request-id", "client-id-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "client-id-42");
}

#[tokio::test]
async fn an_ill_formed_request_id_is_replaced_by_a_fresh_one() {
    let app = TestApp::new();
    let long = "a".repeat(129);
    let mut seen = Vec::new();
    for bad in ["two words", long.as_str(), ""] {
        let r = app
            .send(
                request(Method::GET, "/api/v1/health")
                    .header("x-request-id", bad)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let id = r.headers["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, bad);
        // Our format: 8 hex digits of process prefix, a dash, a 12-hex-digit counter.
        let (prefix, counter) = id.split_once('-').unwrap();
        assert_eq!((prefix.len(), counter.len()), (8, 12), "{id}");
        assert!(
            id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()),
            "{id}"
        );
        seen.push(id);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "every fresh id is new: {seen:?}");
}

#[tokio::test]
async fn unknown_routes_are_404_in_the_envelope() {
    let app = TestApp::new();
    for path in ["/api/v1/nope", "/nope", "/api/v2/health"] {
        let r = app
            .send(request(Method::GET, path).body(Body::empty()).unwrap())
            .await;
        r.assert_error(404, "NOT_FOUND");
        assert!(r.headers.get("x-request-id").is_some());
    }
}

#[tokio::test]
async fn wrong_method_is_405_in_the_envelope() {
    let app = TestApp::new();
    let r = app
        .send(
            request(Method::GET, "/api/v1/verify-claim")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_error(405, "VALIDATION_ERROR");
    let r = app
        .send(
            request(Method::DELETE, "/api/v1/health")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_error(405, "VALIDATION_ERROR");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413_in_the_envelope() {
    let app = TestApp::new();
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(65 * 1024));
    // With a Content-Length: refused before the body is read.
    let r = app
        .send(
            request(Method::POST, "/api/v1/verify-claim")
                .header("content-type", "application/json")
                .header("content-length", big.len())
                .body(Body::from(big.clone()))
                .unwrap(),
        )
        .await;
    r.assert_error(413, "VALIDATION_ERROR");
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains(&MAX_BODY_BYTES.to_string())
    );
    // Without one: the body reader stops at the limit.
    let (key, _) = app.wallet().await;
    let r = app
        .send(
            request(Method::POST, "/api/v1/agents/me/platforms")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {key}"))
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    r.assert_error(413, "VALIDATION_ERROR");
}

#[tokio::test]
async fn an_empty_json_body_reads_as_an_empty_object() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    for content_type in [Some("application/json"), None] {
        let mut b = request(Method::POST, "/api/v1/agents/me/platforms")
            .header("authorization", format!("Bearer {key}"));
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        let r = app.send(b.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["success"], true);
    }
}

#[tokio::test]
async fn non_object_and_malformed_bodies_are_validation_errors() {
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let auth = format!("Bearer {key}");
    for body in ["[]", "42", "\"x\"", "null", "{", "{\"platforms\":}"] {
        let r = app
            .send(
                request(Method::POST, "/api/v1/agents/me/platforms")
                    .header("content-type", "application/json")
                    .header("authorization", &auth)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
    let r = app
        .send(post_json(
            "/api/v1/agents/me/platforms",
            Some(&auth),
            &json!({"platforms": "near.fm"}),
        ))
        .await;
    r.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn query_validation_errors_are_400_in_the_envelope() {
    let router: Router = Router::new().route(
        "/q",
        get(|q: ListQuery| async move { format!("{}", q.limit(25, 100)) }),
    );
    for bad in [
        "limit=abc",
        "limit=-1",
        "sort=oldest",
        "cursor=UPPER",
        "tag=no%20spaces",
        "capability=a%3Ab",
    ] {
        let r = send(
            router.clone(),
            request(Method::GET, &format!("/q?{bad}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
    let r = send(
        router,
        request(Method::GET, "/q?limit=500&whatever=1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.text, "100");
}

#[tokio::test]
async fn skill_md_is_served() {
    let app = TestApp::new();
    for path in ["/skill.md", "/api/v1/skill.md"] {
        let r = app
            .send(request(Method::GET, path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/markdown")
        );
        assert!(r.text.contains("Nearly Social"));
    }
}

#[tokio::test]
async fn run_serves_with_peer_addresses_and_shuts_down_gracefully() {
    let app = TestApp::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api_http::run(listener, app.router(), async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}/api/v1");
    let health: serde_json::Value = reqwest::get(format!("{base}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["data"]["status"], "ok");
    // Per-IP limits see the real peer address (127.0.0.1), not the shared "unknown" bucket.
    let r = reqwest::get(format!("{base}/platforms")).await.unwrap();
    assert_eq!(r.headers()["x-ratelimit-remaining"], "119");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
