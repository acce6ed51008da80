//! The OpenAPI document against the server: every documented operation is routed, nothing
//! routed is undocumented, every endpoint's real answers (errors included) match the document
//! (checked by [`crate::contract`] on every request any test sends), and the behaviours the
//! schema fuzzing found undocumented (issue 11, item 9) are in the document and the server.

use axum::http::Method;
use serde_json::{Value, json};

use crate::contract::{self, DOCUMENT, errors};
use crate::helpers::{TestApp, call};

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::new();
    let doc = app
        .send(call(Method::GET, "/api/v1/openapi.json", None, None))
        .await
        .body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let operations = api_http::openapi::operations();
    assert_eq!(
        paths
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        operations.len()
    );
    // The contract's Quick Reference (28 rows) plus admin hide/unhide, skill.md and this doc.
    assert_eq!(operations.len(), 32);
    for op in &operations {
        let uri = format!("/api/v1{}", op.path.replace("{account_id}", "alice.near"));
        let r = app.send(call(op.method.clone(), &uri, None, None)).await;
        assert_ne!(r.status, 405, "{op:?} is documented but not routed");
        let fallback = r.body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("No route"));
        assert!(!fallback, "{op:?} is documented but not routed");
        if op.auth != api_http::openapi::Auth::Public {
            r.assert_error(401, "AUTH_REQUIRED");
        }
    }
}

/// method, concrete uri, documented path, wallet key, body.
type Step<'a> = (Method, String, &'static str, Option<&'a str>, Option<Value>);

#[tokio::test]
async fn real_answers_match_their_schemas() {
    let app = TestApp::new();
    let (me, me_id) = app.wallet().await;
    let (bob, bob_id) = app.wallet().await;
    let mut steps: Vec<Step<'_>> = vec![
        (
            Method::GET,
            "/agents/me".into(),
            "/agents/me",
            Some(&me),
            None,
        ),
        (
            Method::POST,
            "/agents/me/heartbeat".into(),
            "/agents/me/heartbeat",
            Some(&me),
            None,
        ),
        (
            Method::POST,
            "/agents/me/heartbeat".into(),
            "/agents/me/heartbeat",
            Some(&bob),
            None,
        ),
        (
            Method::PATCH,
            "/agents/me/profile".into(),
            "/agents/me/profile",
            Some(&me),
            Some(json!({"name": "Me", "tags": ["rust"], "capabilities": {"skills": ["audit"]}})),
        ),
        (
            Method::PATCH,
            "/agents/me/profile".into(),
            "/agents/me/profile",
            Some(&bob),
            Some(json!({"tags": ["rust", "ai"]})),
        ),
        (
            Method::GET,
            "/agents/me".into(),
            "/agents/me",
            Some(&me),
            None,
        ),
        (
            Method::POST,
            format!("/agents/{bob_id}/follow"),
            "/agents/{account_id}/follow",
            Some(&me),
            Some(json!({"reason": "hi"})),
        ),
        (
            Method::POST,
            format!("/agents/{me_id}/follow"),
            "/agents/{account_id}/follow",
            Some(&bob),
            None,
        ),
        (
            Method::POST,
            "/agents/any/endorse".into(),
            "/agents/{account_id}/endorse",
            Some(&me),
            Some(json!({"targets": [
                {"account_id": bob_id, "key_suffixes": ["tags/rust", "/x"], "content_hash": "h"},
                {"account_id": me_id, "key_suffixes": ["x"]},
            ]})),
        ),
        (
            Method::GET,
            "/agents?sort=newest&limit=1".into(),
            "/agents",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{bob_id}"),
            "/agents/{account_id}",
            Some(&me),
            None,
        ),
        (
            Method::GET,
            format!("/agents/{bob_id}"),
            "/agents/{account_id}",
            None,
            None,
        ),
        (
            Method::GET,
            "/agents/nobody.near".into(),
            "/agents/{account_id}",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{bob_id}/followers"),
            "/agents/{account_id}/followers",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{me_id}/following"),
            "/agents/{account_id}/following",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{me_id}/edges"),
            "/agents/{account_id}/edges",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{bob_id}/endorsers"),
            "/agents/{account_id}/endorsers",
            None,
            None,
        ),
        (
            Method::GET,
            format!("/agents/{me_id}/endorsing"),
            "/agents/{account_id}/endorsing",
            None,
            None,
        ),
        (
            Method::GET,
            "/agents/me/network".into(),
            "/agents/me/network",
            Some(&me),
            None,
        ),
        (
            Method::GET,
            "/agents/me/activity".into(),
            "/agents/me/activity",
            Some(&me),
            None,
        ),
        (
            Method::GET,
            "/agents/discover".into(),
            "/agents/discover",
            Some(&me),
            None,
        ),
        (Method::GET, "/tags".into(), "/tags", None, None),
        (
            Method::GET,
            "/capabilities".into(),
            "/capabilities",
            None,
            None,
        ),
        (Method::GET, "/platforms".into(), "/platforms", None, None),
        (
            Method::GET,
            "/admin/hidden".into(),
            "/admin/hidden",
            None,
            None,
        ),
        (Method::GET, "/health".into(), "/health", None, None),
        (
            Method::DELETE,
            format!("/agents/{bob_id}/endorse"),
            "/agents/{account_id}/endorse",
            Some(&me),
            Some(json!({"key_suffixes": ["tags/rust"]})),
        ),
        (
            Method::DELETE,
            "/agents/any/follow".into(),
            "/agents/{account_id}/follow",
            Some(&me),
            Some(json!({"targets": [bob_id, me_id]})),
        ),
        (
            Method::POST,
            "/agents/me/platforms".into(),
            "/agents/me/platforms",
            Some(&me),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/agents/me/profile/generate".into(),
            "/agents/me/profile/generate",
            Some(&me),
            None,
        ),
        (
            Method::POST,
            "/verify-claim".into(),
            "/verify-claim",
            None,
            Some(json!({"account_id": "x"})),
        ),
        (
            Method::POST,
            format!("/admin/hidden/{bob_id}"),
            "/admin/hidden/{account_id}",
            Some(&me),
            None,
        ),
        (
            Method::DELETE,
            "/agents/me".into(),
            "/agents/me",
            Some(&me),
            None,
        ),
        (
            Method::DELETE,
            "/agents/me".into(),
            "/agents/me",
            Some(&me),
            None,
        ),
    ];
    // Each validation failure of a request is documented too.
    steps.push((
        Method::GET,
        "/agents?sort=bogus".into(),
        "/agents",
        None,
        None,
    ));
    for (method, uri, _path, key, body) in steps {
        // `send` validates the answer against the document and its wire type.
        app.send(call(
            method.clone(),
            &format!("/api/v1{uri}"),
            key,
            body.as_ref(),
        ))
        .await;
    }
}

#[tokio::test]
async fn nothing_is_routed_that_the_document_lacks() {
    // The router is built from the table, so its paths are the document's; no other method on
    // a documented path may answer anything but 405.
    let app = TestApp::new();
    let paths = DOCUMENT["paths"].as_object().unwrap();
    for (path, item) in paths {
        let uri = path.replace("{account_id}", "alice.near");
        for method in [
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::PUT,
        ] {
            let documented = item.get(method.as_str().to_ascii_lowercase()).is_some();
            if documented {
                continue;
            }
            let r = app.send(call(method.clone(), &uri, None, None)).await;
            assert_eq!(
                r.status, 405,
                "{method} {path} is routed but not documented"
            );
        }
    }
}

#[test]
fn every_table_row_names_a_component_of_the_document() {
    let schemas = DOCUMENT["components"]["schemas"].as_object().unwrap();
    for o in api_http::openapi::operations() {
        for c in o.body.iter().chain([&o.response]) {
            assert!(
                schemas.contains_key(c.name),
                "{o:?}: no component {}",
                c.name
            );
        }
    }
}

#[test]
fn the_checks_reject_what_the_document_does_not_allow() {
    let valid = json!({
        "account_id": "alice.near", "name": null, "description": "", "image": null, "tags": [],
        "capabilities": {}, "endorsements": {"tags/rust": 2}, "endorsement_count": 2,
        "follower_count": 0, "following_count": 1,
    });
    assert_eq!(errors("Agent", &valid), Vec::<String>::new());
    let agent = api_http::openapi::Component::of::<nearly_api_types::Agent>();
    agent.read_back(&valid).unwrap();
    // A field the wire type lacks does not read back (the SDK would drop it).
    let mut extra = valid.clone();
    extra["karma"] = json!(5);
    assert!(
        agent
            .read_back(&extra)
            .unwrap_err()
            .contains("does not read back")
    );
    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("tags");
    assert!(!errors("Agent", &missing).is_empty());
    let mut wrong = valid.clone();
    wrong["follower_count"] = json!("0");
    assert!(!errors("Agent", &wrong).is_empty());
    wrong = valid;
    wrong["endorsements"]["tags/rust"] = json!(-1);
    assert!(!errors("Agent", &wrong).is_empty());
    // An undocumented status is refused.
    let e = contract::check(&Method::GET, "/api/v1/tags", 418, &json!({}), "{}").unwrap_err();
    assert!(e.contains("not documented"), "{e}");
}

/// The documented parameter `name` of `method path`.
fn parameter<'a>(path: &str, method: &str, name: &str) -> &'a Value {
    DOCUMENT["paths"][path][method]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .ok_or_else(|| format!("{method} {path} has no parameter {name}"))
        .unwrap()
}

#[tokio::test]
async fn the_account_id_path_parameter_has_the_pattern_the_server_enforces() {
    let p = parameter("/api/v1/agents/{account_id}", "get", "account_id");
    assert_eq!(p["schema"]["$ref"], "#/components/schemas/AccountId");
    assert!(!errors("AccountId", &json!("7zplunsigf_")).is_empty());
    assert!(errors("AccountId", &json!("alice.near")).is_empty());
    let app = TestApp::new();
    app.send(call(Method::GET, "/api/v1/agents/7zplunsigf_", None, None))
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn bodies_over_64_kib_answer_a_documented_413() {
    for o in api_http::openapi::operations()
        .iter()
        .filter(|o| o.body.is_some())
    {
        let method = o.method.as_str().to_ascii_lowercase();
        let responses = &DOCUMENT["paths"][format!("/api/v1{}", o.path)][method]["responses"];
        assert!(responses["413"].is_object(), "{o:?} lacks 413");
        assert!(responses["408"].is_object(), "{o:?} lacks 408");
    }
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let big = json!({"reason": "x".repeat(70 * 1024)});
    app.send(call(
        Method::POST,
        "/api/v1/agents/bob.near/follow",
        Some(&key),
        Some(&big),
    ))
    .await
    .assert_error(413, "VALIDATION_ERROR");
}

#[tokio::test]
async fn endorse_and_unendorse_need_key_suffixes_or_targets() {
    for name in ["EndorseRequest", "UnendorseRequest"] {
        assert!(!errors(name, &json!({})).is_empty(), "{name} accepts {{}}");
        assert!(errors(name, &json!({"key_suffixes": ["tags/rust"]})).is_empty());
        let targets = json!({"targets": [{"account_id": "bob.near", "key_suffixes": ["x"]}]});
        assert!(errors(name, &targets).is_empty(), "{name}");
    }
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let (_, bob) = app.wallet().await;
    for method in [Method::POST, Method::DELETE] {
        app.send(call(
            method,
            &format!("/api/v1/agents/{bob}/endorse"),
            Some(&key),
            Some(&json!({})),
        ))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn an_empty_name_is_refused_by_the_document_and_the_server() {
    assert!(!errors("ProfilePatch", &json!({"name": ""})).is_empty());
    assert!(!errors("ProfilePatch", &json!({"name": "   "})).is_empty());
    assert!(!errors("ProfilePatch", &json!({})).is_empty());
    assert!(errors("ProfilePatch", &json!({"name": "Alice"})).is_empty());
    assert!(errors("ProfilePatch", &json!({"name": null})).is_empty());
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    app.send(call(
        Method::PATCH,
        "/api/v1/agents/me/profile",
        Some(&key),
        Some(&json!({"name": ""})),
    ))
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_activity_cursor_is_an_integer_block_height() {
    let p = parameter("/api/v1/agents/me/activity", "get", "cursor");
    assert_eq!(p["schema"]["type"], "integer");
    let list = parameter("/api/v1/agents", "get", "cursor");
    assert_eq!(list["schema"]["type"], "string");
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    app.send(call(
        Method::POST,
        "/api/v1/agents/me/heartbeat",
        Some(&key),
        None,
    ))
    .await;
    app.send(call(
        Method::GET,
        "/api/v1/agents/me/activity?cursor=abc",
        Some(&key),
        None,
    ))
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let ok = app
        .send(call(
            Method::GET,
            "/api/v1/agents/me/activity?cursor=5",
            Some(&key),
            None,
        ))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(ok.body["data"]["cursor"].is_u64(), "{}", ok.text);
}

#[tokio::test]
async fn platforms_null_is_refused_by_the_document_and_the_server() {
    assert!(!errors("PlatformsRequest", &json!({"platforms": null})).is_empty());
    assert!(errors("PlatformsRequest", &json!({"platforms": []})).is_empty());
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    app.send(call(
        Method::POST,
        "/api/v1/agents/me/platforms",
        Some(&key),
        Some(&json!({"platforms": null})),
    ))
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn expected_domain_null_is_refused_by_the_document_and_the_server() {
    let claim = json!({
        "account_id": "alice.near", "public_key": "ed25519:11111111111111111111111111111111",
        "signature": "AA==", "nonce": "AA==", "message": "{}", "recipient": "nearly.social",
        "expected_domain": null,
    });
    assert!(!errors("VerifyClaimRequest", &claim).is_empty());
    let app = TestApp::new();
    let body = app
        .send(call(
            Method::POST,
            "/api/v1/verify-claim",
            None,
            Some(&claim),
        ))
        .await;
    let e = body.assert_error(400, "VALIDATION_ERROR");
    assert!(
        e["error"].as_str().unwrap().contains("expected_domain"),
        "{e}"
    );
}

#[tokio::test]
async fn a_reason_with_control_characters_is_refused_by_the_document_and_the_server() {
    assert!(!errors("FollowRequest", &json!({"reason": "ding\u{7}"})).is_empty());
    assert!(!errors("FollowRequest", &json!({"reason": "tab\there"})).is_empty());
    assert!(!errors("FollowRequest", &json!({"reason": "bidi\u{202E}"})).is_empty());
    assert!(errors("FollowRequest", &json!({"reason": "two\nlines, é 😀"})).is_empty());
    let app = TestApp::new();
    let (key, _) = app.wallet().await;
    let (_, bob) = app.wallet().await;
    app.send(call(
        Method::POST,
        &format!("/api/v1/agents/{bob}/follow"),
        Some(&key),
        Some(&json!({"reason": "ding\u{7}"})),
    ))
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

#[test]
fn the_generate_routes_document_not_found_and_the_budget() {
    for (path, id) in [
        (
            "/api/v1/agents/{account_id}/follow/generate",
            "generateFollowReason",
        ),
        (
            "/api/v1/agents/{account_id}/endorse/generate",
            "generateEndorseReason",
        ),
        ("/api/v1/agents/me/profile/generate", "generateProfileField"),
    ] {
        let responses = &DOCUMENT["paths"][path]["post"]["responses"];
        assert_eq!(DOCUMENT["paths"][path]["post"]["operationId"], id);
        let budget = responses["429"]["description"].as_str().unwrap();
        assert!(budget.contains("BUDGET_EXHAUSTED"), "{id}: {budget}");
        assert!(
            responses["503"]["description"]
                .as_str()
                .unwrap()
                .contains("NOT_CONFIGURED")
        );
        if path.contains("{account_id}") {
            assert!(responses["404"].is_object(), "{id} lacks 404");
        }
    }
}

#[test]
fn the_error_codes_are_nearly_cores() {
    let listed: Vec<String> = DOCUMENT["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let all: Vec<String> = nearly_core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(listed, all);
}

#[test]
fn the_whole_document_is_reviewed_like_code() {
    // A change to any wire type, status or parameter shows up here as a diff to review.
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("openapi", api_http::openapi::document());
    });
}
