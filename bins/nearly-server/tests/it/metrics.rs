//! `GET /metrics`: Prometheus text, scraped and parsed; counters move with the requests made.
//!
//! The server records into a local recorder (`metrics::with_local_recorder`, thread-local), so
//! the whole server runs on a current-thread runtime inside it and no other test's requests
//! are counted.

use nearly_server::{Config, Server};
use serde_json::Value;

use crate::helpers::{assert_per_window, register, reset_of};

/// The value of the sample `name{labels...}` whose labels include every `want` pair.
fn sample(text: &str, name: &str, want: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, labels) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let all = want
                .iter()
                .all(|(k, v)| labels.split(',').any(|l| l == format!("{k}=\"{v}\"")));
            all.then(|| value.parse().ok()).flatten()
        })
}

async fn scrape(http: &reqwest::Client, base: &str) -> String {
    let response = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

#[test]
fn metrics_count_requests_by_route_and_rate_limit_refusals() {
    let recorder = nearly_server::observe::builder().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let mut config = Config::sandbox(dir.path());
            config.metrics = Some(handle.clone());
            let server = Server::start(config).await.unwrap();
            let base = server.base_url();
            let http = reqwest::Client::new();
            let health = [
                ("route", "/api/v1/health"),
                ("method", "GET"),
                ("status", "200"),
            ];

            for _ in 0..3 {
                http.get(format!("{base}/api/v1/health"))
                    .send()
                    .await
                    .unwrap();
            }
            let text = scrape(&http, &base).await;
            assert_eq!(
                sample(&text, "nearly_http_requests_total", &health),
                Some(3.0),
                "{text}"
            );
            assert_eq!(
                sample(
                    &text,
                    "nearly_http_request_duration_seconds_count",
                    &[("route", "/api/v1/health"), ("method", "GET")]
                ),
                Some(3.0),
                "{text}"
            );
            assert!(
                sample(&text, "nearly_index_height", &[]).is_some(),
                "{text}"
            );

            // A route with a path parameter is labelled by its pattern, not the raw path.
            http.get(format!("{base}/api/v1/agents/nobody.near"))
                .send()
                .await
                .unwrap();
            let wallet = register(&http, &base).await;
            // Heartbeats until the first refusal: the 6th of a window (5 per minute; a run
            // that crosses a minute boundary starts counting again, so count per window).
            let mut answers = Vec::new();
            while answers.last().is_none_or(|a: &(u16, u64)| a.0 == 200) {
                assert!(answers.len() < 11, "{answers:?}");
                let r = http
                    .post(format!("{base}/api/v1/agents/me/heartbeat"))
                    .bearer_auth(&wallet.api_key)
                    .send()
                    .await
                    .unwrap();
                answers.push((r.status().as_u16(), reset_of(&r)));
                let _: Value = r.json().await.unwrap();
            }
            let (_, windows) = assert_per_window(&answers, 5);
            if windows == 1 {
                assert_eq!(answers.len(), 6);
            }

            let text = scrape(&http, &base).await;
            assert_eq!(
                sample(&text, "nearly_http_requests_total", &health),
                Some(3.0)
            );
            assert_eq!(
                sample(
                    &text,
                    "nearly_http_requests_total",
                    &[("route", "/api/v1/agents/{account_id}"), ("status", "404")]
                ),
                Some(1.0),
                "{text}"
            );
            assert_eq!(
                sample(
                    &text,
                    "nearly_http_requests_total",
                    &[("route", "/api/v1/agents/me/heartbeat"), ("status", "429")]
                ),
                Some(1.0),
                "{text}"
            );
            assert_eq!(
                sample(
                    &text,
                    "nearly_rate_limited_total",
                    &[("action", "heartbeat")]
                ),
                Some(1.0),
                "{text}"
            );
            // The index's own health: no feed errors yet, and no snapshot before the first.
            assert_eq!(sample(&text, "nearly_feed_errors_total", &[]), Some(0.0));
            assert_eq!(sample(&text, "nearly_snapshot_age_seconds", &[]), None);
            server.shutdown().await.unwrap();

            // Shutdown wrote a snapshot; the next start reports its age.
            let mut config = Config::sandbox(dir.path());
            config.metrics = Some(handle.clone());
            let server = Server::start(config).await.unwrap();
            let text = scrape(&http, &server.base_url()).await;
            let age = sample(&text, "nearly_snapshot_age_seconds", &[]);
            assert!(age.is_some_and(|a| (0.0..600.0).contains(&a)), "{text}");
            server.shutdown().await.unwrap();
        });
    });
}
