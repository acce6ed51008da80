//! `/live`, `/ready` and the index health in `/api/v1/health` (issue 12).

use std::sync::Arc;

use api_http::AppState;
use axum::body::Body;
use axum::http::Method;
use indexer::{Indexer, IndexerConfig};

use crate::helpers::{request, send};

fn app(index: &Arc<Indexer>) -> axum::Router {
    let test = crate::helpers::TestApp::new();
    api_http::router(AppState::new(test.custody.clone()).with_index(index.clone()))
}

#[tokio::test]
async fn ready_answers_503_until_the_index_caught_up_and_live_always_200() {
    let index = Arc::new(Indexer::new(IndexerConfig::new("contextual.near")));
    let get = |path: &str| request(Method::GET, path).body(Body::empty()).unwrap();
    let live = send(app(&index), get("/live")).await;
    assert_eq!(live.status, 200);
    let before = send(app(&index), get("/ready")).await;
    assert_eq!(before.status, 503, "{:?}", before.body);
    assert_eq!(before.body["success"], false);
    assert_eq!(before.body["code"], "INDEX_NOT_READY");
    assert_eq!(before.body["retry_after"], 1);
    assert_eq!(before.headers["retry-after"], "1");
    let health = send(app(&index), get("/api/v1/health")).await;
    assert_eq!(health.body["data"]["index"]["state"], "starting");
    assert_eq!(health.body["data"]["index"]["ready"], false);
    index.mark_caught_up(1_700_000_000_000_000_000);
    let after = send(app(&index), get("/ready")).await;
    assert_eq!(after.status, 200, "{:?}", after.body);
    let health = send(app(&index), get("/api/v1/health")).await;
    assert_eq!(health.body["data"]["index"]["state"], "ready");
    assert_eq!(health.body["data"]["index"]["incomplete_scans"], 0);
    assert_eq!(health.body["data"]["index"]["last_success"], 1_700_000_000);
    assert_eq!(send(app(&index), get("/live")).await.status, 200);
}
