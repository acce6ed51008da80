//! The pages over real HTTP (port 0), beside the API and the sandbox FastData emulator they
//! link to.

use serde_json::Value;

use crate::helpers::{App, sel, urlencode};

async fn get(http: &reqwest::Client, url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = http.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

#[tokio::test]
async fn pages_carry_security_and_cache_headers_while_the_api_keeps_its_own() {
    let app = App::seeded();
    let served = app.serve().await;
    let http = reqwest::Client::new();
    for (path, status, cache) in [
        ("/", 200, "public, max-age=30"),
        ("/agents/alice.near", 200, "public, max-age=60"),
        ("/tags", 200, "public, max-age=30"),
        ("/docs", 200, "public, max-age=300"),
        ("/agents/nobody.near", 404, "no-store"),
        ("/no/such/page", 404, "no-store"),
    ] {
        let (got, headers, _) = get(&http, &served.url(path)).await;
        assert_eq!(got, status, "{path}");
        assert_eq!(headers["cache-control"], cache, "{path}");
        assert_eq!(
            headers["content-security-policy"],
            web::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
    }
    // The API's answers are the API's: JSON, its cache policy, no page headers added.
    let (status, headers, body) = get(&http, &served.url("/api/v1/agents?limit=1")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "public, max-age=30");
    assert!(!headers.contains_key("content-security-policy"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["success"], true);
    let (status, _, body) = get(&http, &served.url("/api/v1/no/such")).await;
    assert_eq!(status, 404);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "NOT_FOUND");
}

/// Every "raw FastData read" link on a profile answers with the row it cites: same key, same
/// writer (the predecessor), same block height.
#[tokio::test]
async fn evidence_links_resolve_to_the_fastdata_rows_they_cite() {
    let app = App::seeded();
    let served = app.serve().await;
    let http = reqwest::Client::new();
    let (_, _, body) = get(&http, &served.url("/agents/alice.near")).await;
    let doc = scraper::Html::parse_document(&body);
    let mut checked = 0;
    for evidence in doc.select(&sel(".evidence")) {
        let codes: Vec<String> = evidence
            .select(&sel("code"))
            .map(|c| c.text().collect())
            .collect();
        let (key, writer) = (&codes[0], &codes[1]);
        let height: Option<u64> = evidence
            .select(&sel(".height"))
            .next()
            .map(|h| h.text().collect::<String>().parse().unwrap());
        let href = evidence
            .select(&sel("a.raw"))
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap();
        let (status, _, raw) = get(&http, &served.url(href)).await;
        assert_eq!(status, 200, "{href}");
        let rows: Value = serde_json::from_str(&raw).unwrap();
        let entries = rows["entries"].as_array().unwrap();
        assert!(!entries.is_empty(), "{href}");
        let row = if href.contains("/v0/history/") {
            // History is newest first; created_at is the oldest profile write.
            entries.last().unwrap()
        } else {
            &entries[0]
        };
        assert_eq!(row["key"], key.as_str(), "{href}");
        assert_eq!(row["predecessor_id"], writer.as_str(), "{href}");
        if let Some(h) = height {
            assert_eq!(row["block_height"], h, "{href}");
        }
        checked += 1;
    }
    // profile (3 times), 3 followers, 1 following, 2 endorsements.
    assert_eq!(checked, 9);
}

/// The README walkthrough's claim (a sandbox wallet over HTTP, signed by custody's
/// sign-message), submitted through the form; the page shares the API's per-IP limit.
#[tokio::test]
async fn verify_form_over_http_with_a_custody_signed_claim_and_the_api_rate_limit() {
    let app = App::seeded();
    let served = app.serve().await;
    let http = reqwest::Client::new();
    let wallet: Value = http
        .post(served.url("/outlayer/register"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = wallet["api_key"].as_str().unwrap();
    let me = wallet["near_account_id"].as_str().unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let message =
        serde_json::json!({"action": "login", "domain": "nearly.social", "account_id": me,
        "version": 1, "timestamp": now_ms})
        .to_string();
    let signed: Value = http
        .post(served.url("/outlayer/wallet/v1/sign-message"))
        .bearer_auth(key)
        .json(&serde_json::json!({"message": message, "recipient": "nearly.social"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claim =
        serde_json::json!({"account_id": signed["account_id"], "public_key": signed["public_key"],
        "signature": signed["signature"], "nonce": signed["nonce"], "message": message,
        "recipient": "nearly.social", "expected_domain": "nearly.social"})
        .to_string();
    let post = |body: String| {
        http.post(served.url("/verify"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = post(format!("claim={}", urlencode(&claim))).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    assert_eq!(
        doc.select(&sel("#verdict-title"))
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "Valid"
    );
    // The API and the page spend one budget per IP: 60 per 60 s, then 429 with Retry-After.
    for _ in 1..60 {
        let r = post("claim=x".into()).await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = post("claim=x".into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let api = http
        .post(served.url("/api/v1/verify-claim"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 429);
}
