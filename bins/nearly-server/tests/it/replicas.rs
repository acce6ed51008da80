//! Many replicas, one truth (issue 14): one sandbox server as FastData and custody, three
//! production-mode replicas pointed at it and at one real Redis.

use std::sync::Arc;

use nearly_redis::test_server::RedisServer;
use nearly_server::{Config, Server};
use nep413::SigningKey;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Sandbox, assert_per_window, register, reset_of};
use crate::replay::fresh_claim;

/// verify-claim from client address `ip` (verify-claim is limited per IP, 60 a minute, and
/// that limit is shared by the replicas too).
async fn verify(
    http: &reqwest::Client,
    base: &str,
    claim: &nep413::VerifyClaimRequest,
    ip: usize,
) -> (u16, Value) {
    let response = http
        .post(format!("{base}/api/v1/verify-claim"))
        .header("x-forwarded-for", format!("10.0.{}.{}", ip / 250, ip % 250))
        .json(claim)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

struct Replica {
    _dir: tempfile::TempDir,
    server: Server,
}

async fn replica(upstream: &str, redis: &str, market: Option<&str>) -> Replica {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::sandbox(dir.path());
    config.fastdata_url = Some(format!("{upstream}/fastdata").parse().unwrap());
    config.custody_url = Some(format!("{upstream}/outlayer").parse().unwrap());
    config.pull_interval_secs = 1;
    config.redis_url = Some(redis.to_owned());
    config.redis_prefix = "replicas".to_owned();
    config.redis_timeout_ms = 2_000;
    config.trust_forwarded_for = true;
    config.market_url = market.map(|m| format!("{m}/v1").parse().unwrap());
    let server = Server::start(config).await.unwrap();
    Replica { _dir: dir, server }
}

async fn post(http: &reqwest::Client, url: String, key: &str, body: &Value) -> (u16, Value) {
    let r = http
        .post(url)
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_replay_limits_and_platforms_through_redis() {
    let mut redis = RedisServer::start_persistent().unwrap();
    let upstream = Sandbox::start().await;
    let up = upstream.server.base_url();
    let market = MockServer::start().await;
    let replicas = vec![
        replica(&up, &redis.url(), Some(&market.uri())).await,
        replica(&up, &redis.url(), None).await,
        replica(&up, &redis.url(), None).await,
    ];
    let bases: Arc<Vec<String>> = Arc::new(replicas.iter().map(|r| r.server.base_url()).collect());
    let http = reqwest::Client::new();

    // 64 concurrent copies of one signed claim over the replicas: exactly one is valid.
    let claim = Arc::new(fresh_claim(&SigningKey::from_bytes(&[31; 32])));
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let (http, bases, claim) = (http.clone(), bases.clone(), claim.clone());
            tokio::spawn(async move { verify(&http, &bases[i % 3], &claim, i).await })
        })
        .collect();
    let mut valid = 0;
    for t in tasks {
        let (status, verdict) = t.await.unwrap();
        assert_eq!(status, 200, "{verdict}");
        if verdict["valid"] == true {
            valid += 1;
        } else {
            assert_eq!(verdict["reason"], "replay", "{verdict}");
        }
    }
    assert_eq!(valid, 1);

    // 32 concurrent heartbeats of one account over the replicas: 5 pass, 27 are limited
    // (per window: a burst that crosses a minute boundary is 5 per minute).
    let wallet = register(&http, &up).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let (http, bases, key) = (http.clone(), bases.clone(), wallet.api_key.clone());
            tokio::spawn(async move {
                let r = http
                    .post(format!("{}/api/v1/agents/me/heartbeat", bases[i % 3]))
                    .bearer_auth(key)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let (status, window) = (r.status().as_u16(), reset_of(&r));
                (status, window, r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        let (status, window, body) = t.await.unwrap();
        if status == 429 {
            assert_eq!(body["code"], "RATE_LIMITED", "{body}");
            assert!(body["retry_after"].as_u64().unwrap() >= 1, "{body}");
        }
        answers.push((status, window));
    }
    let (ok, windows) = assert_per_window(&answers, 5);
    if windows == 1 {
        assert_eq!(ok, 5);
    }

    // A platform registration through replica 0 is visible through the others.
    Mock::given(method("POST"))
        .and(path("/v1/agents/register"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"api_key": "sk_1", "agent_id": "a-1", "account_id": wallet.account_id}),
        ))
        .expect(1)
        .mount(&market)
        .await;
    let route = |i: usize| format!("{}/api/v1/agents/me/platforms", bases[i]);
    let body = json!({"platforms": ["market.near.ai"]});
    let (status, answer) = post(&http, route(0), &wallet.api_key, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["data"]["registered"],
        json!(["market.near.ai"]),
        "{answer}"
    );
    for i in [1, 2] {
        let (status, answer) = post(&http, route(i), &wallet.api_key, &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["data"]["registered"],
            json!(["market.near.ai"]),
            "{answer}"
        );
    }

    // Redis stops: verify-claim refuses with the documented 502 (never valid),
    // mutations answer a retriable 502 STORAGE_ERROR, reads keep serving; no other 5xx.
    redis.stop();
    let during = fresh_claim(&SigningKey::from_bytes(&[32; 32]));
    for base in bases.iter() {
        let (status, verdict) = verify(&http, base, &during, 1000).await;
        // Its per-IP slot and its nonce are one Redis call, so the answer is the 502
        // envelope with retry_after. Never `valid: true`.
        assert_eq!(status, 502, "{verdict}");
        assert_ne!(verdict["valid"], true, "{verdict}");
        assert_eq!(verdict["code"], "STORAGE_ERROR", "{verdict}");
        assert!(verdict["retry_after"].is_u64(), "{verdict}");

        let (status, body) = post(
            &http,
            format!("{base}/api/v1/agents/me/heartbeat"),
            &wallet.api_key,
            &json!({}),
        )
        .await;
        assert_eq!(status, 502, "{body}");
        assert_eq!(body["code"], "STORAGE_ERROR", "{body}");
        assert!(body["retry_after"].as_u64().is_some(), "{body}");

        let r = http
            .get(format!("{base}/api/v1/agents"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let r = http
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }

    // Redis returns (with its data: it persists): recovery needs no restart of any replica.
    redis.restart().unwrap();
    for base in bases.iter() {
        let mut recovered = None;
        for attempt in 0..50 {
            let (status, verdict) = verify(&http, base, &claim, 2000 + attempt).await;
            if status == 200 {
                recovered = Some(verdict);
                break;
            }
            assert_eq!(status, 502, "{verdict}");
        }
        let verdict = recovered.expect("replica did not recover after redis returned");
        assert_eq!(
            verdict["reason"], "replay",
            "the claim used before the outage: {verdict}"
        );
    }
    let (_, verdict) = verify(&http, &bases[0], &during, 3000).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let (_, verdict) = verify(&http, &bases[1], &during, 3001).await;
    assert_eq!(verdict["reason"], "replay", "{verdict}");

    for r in replicas {
        r.server.shutdown().await.unwrap();
    }
    upstream.server.shutdown().await.unwrap();
}
