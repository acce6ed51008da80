//! The router's HTTP behaviour without sockets (`oneshot`), mounted under `/outlayer` as the
//! server mounts it: exact shapes, statuses and envelopes, and no 500 on bad input.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use proptest::prelude::*;
use sandbox_custody::Config;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::backend::{NS, Sandbox, T0_NS};

struct App {
    sandbox: Sandbox,
    app: axum::Router,
}

impl App {
    fn new(config: Config) -> Self {
        let sandbox = Sandbox::new(config);
        let app = axum::Router::new().nest(
            "/outlayer",
            sandbox_custody::router(sandbox.custody.clone()),
        );
        Self { sandbox, app }
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Option<String>, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        (status, content_type, body)
    }

    async fn json(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let (status, _, body) = self.send(method, uri, auth, body).await;
        (status, serde_json::from_slice(&body).unwrap())
    }

    /// Registers over HTTP and returns `(bearer header, account)`.
    async fn register(&self) -> (String, String) {
        let (status, body) = self.json("POST", "/outlayer/register", None, "").await;
        assert_eq!(status, StatusCode::OK);
        (
            format!("Bearer {}", body["api_key"].as_str().unwrap()),
            body["near_account_id"].as_str().unwrap().to_owned(),
        )
    }
}

fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"], code, "{}", got.1);
    assert!(got.1["message"].is_string(), "{}", got.1);
}

#[tokio::test]
async fn register_accepts_empty_and_empty_object_bodies_only() {
    let app = App::new(Config::default());
    for body in ["", "{}", " \n"] {
        let (status, json) = app.json("POST", "/outlayer/register", None, body).await;
        assert_eq!(status, StatusCode::OK, "{body:?}");
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["api_key", "near_account_id", "trial", "wallet_id"]);
    }
    for body in ["[]", "nope", r#"{"account_id":"a.near","seed":"s"}"#] {
        let got = app.json("POST", "/outlayer/register", None, body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request");
    }
}

#[tokio::test]
async fn credentials_are_checked_before_bodies() {
    let app = App::new(Config::default());
    let uri = "/outlayer/wallet/v1/call";
    let got = app.json("POST", uri, None, "garbage").await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "missing_auth");
    assert_eq!(
        got.1["message"],
        "Provide Authorization: Bearer <api_key> header. Register at POST /register"
    );
    for auth in [
        "Bearer wk_00",
        "Bearer nonsense",
        "Basic d2tfMDA=",
        "Bearer",
        "Bearer near:!!!",
    ] {
        let got = app.json("POST", uri, Some(auth), "garbage").await;
        assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_api_key");
    }
}

#[tokio::test]
async fn call_answers_the_outlayer_shapes() {
    let app = App::new(Config::default());
    let (auth, _account) = app.register().await;
    let body = json!({"receiver_id": NS, "method_name": "__fastdata_kv",
                      "args": {"profile": {"name": "A"}}, "gas": "30000000000000", "deposit": "0"});
    let (status, json) = app
        .json(
            "POST",
            "/outlayer/wallet/v1/call",
            Some(&auth),
            body.to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["request_id", "result", "status", "tx_hash"]);
    assert_eq!(json["status"], "success");
    assert_eq!(json["result"], Value::Null);

    // Idempotency through the header.
    let send_with_key = || async {
        let request = Request::post("/outlayer/wallet/v1/call")
            .header(header::AUTHORIZATION, &auth)
            .header("X-Idempotency-Key", "k-1")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = app.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice::<Value>(&bytes).unwrap())
    };
    let (status, first) = send_with_key().await;
    assert_eq!(status, StatusCode::OK);
    let (status, second) = send_with_key().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        second,
        json!({"error": "duplicate_idempotency_key",
               "message": format!("Request already processed: {}", first["request_id"].as_str().unwrap())})
    );

    // More than 256 keys: 422 onchain_tx_failed with a tx hash.
    let args: serde_json::Map<String, Value> =
        (0..300).map(|i| (format!("k{i}"), json!(i))).collect();
    let big = json!({"receiver_id": NS, "method_name": "__fastdata_kv", "args": args});
    let got = app
        .json(
            "POST",
            "/outlayer/wallet/v1/call",
            Some(&auth),
            big.to_string(),
        )
        .await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "onchain_tx_failed");
    assert!(got.1["tx_hash"].is_string());
    assert_eq!(app.sandbox.ledger.head().block_height, 2);
}

#[tokio::test]
async fn malformed_calls_are_400() {
    let app = App::new(Config::default());
    let (auth, _) = app.register().await;
    let cases = [
        "".to_owned(),
        "{".to_owned(),
        "[]".to_owned(),
        json!({"receiver_id": NS}).to_string(),
        json!({"receiver_id": NS, "method_name": "set", "args": {}}).to_string(),
        json!({"receiver_id": NS, "method_name": "__fastdata_kv", "args": [1]}).to_string(),
        json!({"receiver_id": NS, "method_name": "__fastdata_kv"}).to_string(),
        json!({"receiver_id": "NOT VALID", "method_name": "__fastdata_kv", "args": {}}).to_string(),
        json!({"receiver_id": NS, "method_name": "__fastdata_kv", "args": {}, "gas": 5})
            .to_string(),
    ];
    for body in cases {
        let got = app
            .json(
                "POST",
                "/outlayer/wallet/v1/call",
                Some(&auth),
                body.clone(),
            )
            .await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.sandbox.ledger.head().block_height, 0);
}

#[tokio::test]
async fn zero_balance_reproduces_the_non_json_502() {
    let app = App::new(Config {
        starting_balance_yocto: 0,
        ..Config::default()
    });
    let (auth, account) = app.register().await;
    let body = json!({"receiver_id": NS, "method_name": "__fastdata_kv", "args": {"a": 1}});
    let (status, content_type, bytes) = app
        .send(
            "POST",
            "/outlayer/wallet/v1/call",
            Some(&auth),
            body.to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(content_type.as_deref(), Some("text/html"));
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());
    let (status, balance) = app
        .json(
            "GET",
            "/outlayer/wallet/v1/balance?chain=near",
            Some(&auth),
            "",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        balance,
        json!({"balance": "0", "token": "near", "account_id": account})
    );
}

#[tokio::test]
async fn balance_query_rules() {
    let app = App::new(Config::default());
    let (auth, account) = app.register().await;
    for uri in [
        "/outlayer/wallet/v1/balance",
        "/outlayer/wallet/v1/balance?chain=near",
    ] {
        let (status, json) = app.json("GET", uri, Some(&auth), "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["account_id"], account.as_str());
    }
    let got = app
        .json(
            "GET",
            "/outlayer/wallet/v1/balance?chain=eth",
            Some(&auth),
            "",
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "unsupported_chain");
    let got = app
        .json(
            "GET",
            "/outlayer/wallet/v1/balance?chain=near&token=usdc.near",
            Some(&auth),
            "",
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "unsupported_token");
}

#[tokio::test]
async fn sign_message_rules() {
    let app = App::new(Config::default());
    let (auth, _) = app.register().await;
    let uri = "/outlayer/wallet/v1/sign-message";
    let cases = [
        json!({"message": "m", "recipient": "r", "format": "raw"}),
        json!({"message": "m", "recipient": "r", "format": "nep999"}),
        json!({"message": "m", "recipient": ""}),
        json!({"message": "m", "recipient": "r".repeat(129)}),
        json!({"message": "m".repeat(10_001), "recipient": "r"}),
        json!({"message": "m", "recipient": "r", "nonce": "AAAA"}),
        json!({"message": "m"}),
    ];
    for body in cases {
        let got = app.json("POST", uri, Some(&auth), body.to_string()).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (status, json) = app
        .json(
            "POST",
            uri,
            Some(&auth),
            json!({"message": "m", "recipient": "r"}).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "account_id",
            "nonce",
            "public_key",
            "signature",
            "signature_base64"
        ]
    );
}

/// `auth-sign` gives exactly the fields of a `near:` token payload; the token built from them
/// authenticates until the 30 s window passes.
#[tokio::test]
async fn auth_sign_builds_a_working_near_token() {
    let app = App::new(Config::default());
    let (auth, account) = app.register().await;
    let (status, signed) = app
        .json(
            "POST",
            "/outlayer/wallet/v1/auth-sign",
            Some(&auth),
            json!({"purpose": "bearer", "seed": "admin"}).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(signed["auth_timestamp"], T0_NS / 1_000_000_000);
    assert_eq!(
        signed["auth_message"],
        format!("auth:admin:{}", T0_NS / 1_000_000_000)
    );
    let payload = json!({"account_id": account, "seed": "admin", "pubkey": signed["public_key"],
                         "timestamp": signed["auth_timestamp"], "signature": signed["signature"]});
    let token = format!(
        "Bearer near:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let uri = "/outlayer/wallet/v1/balance?chain=near";
    let (status, balance) = app.json("GET", uri, Some(&token), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(balance["account_id"], account.as_str());

    app.sandbox.clock.advance(31_000_000_000);
    let got = app.json("GET", uri, Some(&token), "").await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "timestamp_expired");

    // A tampered token is a bad signature.
    app.sandbox.clock.set(T0_NS);
    let mut forged = payload.clone();
    forged["seed"] = json!("other");
    let forged = format!(
        "Bearer near:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string())
    );
    let got = app.json("GET", uri, Some(&forged), "").await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_signature");

    let got = app
        .json(
            "POST",
            "/outlayer/wallet/v1/auth-sign",
            Some(&auth),
            json!({"purpose": "login", "seed": "admin"}).to_string(),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn vrf_endpoints() {
    let app = App::new(Config::default());
    let (auth, _) = app.register().await;
    let (status, key) = app.json("GET", "/outlayer/vrf/pubkey", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        key["vrf_public_key_hex"],
        app.sandbox.custody.vrf_public_key_hex()
    );

    let uri = "/outlayer/call/hack.near/nearly";
    let body = json!({"input": {"action": "get_vrf_seed", "request_id": "r-9",
                                "verifiable_claim": {"x": 1}},
                      "resource_limits": {"max_instructions": 2_000_000_000_u64}});
    let (status, json) = app.json("POST", uri, Some(&auth), body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["status"], "completed");
    assert_eq!(json["output"]["success"], true);
    let proof = outlayer_client::parse_vrf_response(json.to_string().as_bytes()).unwrap();
    assert_eq!(proof.alpha, "vrf:r-9:suggest");
    assert_eq!(outlayer_client::verify_vrf_proof(&proof), Ok(()));

    // Without a request id the sandbox picks one.
    let body = json!({"input": {"action": "get_vrf_seed"}});
    let (_, json) = app.json("POST", uri, Some(&auth), body.to_string()).await;
    let proof = outlayer_client::parse_vrf_response(json.to_string().as_bytes()).unwrap();
    assert_eq!(outlayer_client::verify_vrf_proof(&proof), Ok(()));

    let body = json!({"input": {"action": "mint_nft"}});
    let (status, json) = app.json("POST", uri, Some(&auth), body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["output"]["success"], false);

    let got = app.json("POST", uri, None, body.to_string()).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "missing_auth");
    let got = app.json("POST", uri, Some(&auth), "{}").await;
    assert_error(&got, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = App::new(Config::default());
    let got = app.json("GET", "/outlayer/wallet/v1/nope", None, "").await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    let got = app.json("GET", "/outlayer/register", None, "").await;
    assert_error(&got, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

/// Whatever the body, a POST with a valid credential never gets a 5xx, and every failure is a
/// JSON error envelope.
#[test]
fn arbitrary_bodies_never_500() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // One app for every case: opening redb files per case would dominate the run time.
    let (app, auth) = rt.block_on(async {
        let app = App::new(Config::default());
        let (auth, _) = app.register().await;
        (app, auth)
    });
    let endpoint = prop::sample::select(vec![
        "/outlayer/wallet/v1/call",
        "/outlayer/wallet/v1/sign-message",
        "/outlayer/wallet/v1/auth-sign",
        "/outlayer/call/o/p",
        "/outlayer/register",
    ]);
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "[{}\\[\\]\":,a-z0-9 ]{0,48}".prop_map(String::into_bytes),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&(endpoint, body), |(endpoint, body)| {
            let (status, _, bytes) =
                rt.block_on(app.send("POST", endpoint, Some(&auth), Body::from(body)));
            prop_assert!(!status.is_server_error(), "{status}");
            if !status.is_success() {
                let json: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(json["error"].is_string(), "{json}");
            }
            Ok(())
        })
        .unwrap();
}
