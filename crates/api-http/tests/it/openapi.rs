//! The OpenAPI document against the server: every documented operation is routed, and real
//! answers of every endpoint match their documented schemas (a small JSON Schema checker
//! covering the keywords the document uses).

use axum::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, call};

/// Checks `value` against `schema`, resolving `$ref`s in `doc`; returns the first mismatch.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "dangling $ref {r}");
        return check(doc, target, value, at);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|o| check(doc, o, value, at).is_ok())
            .count();
        return if matching == 1 {
            Ok(())
        } else {
            Err(format!("{at}: {matching} oneOf branches match {value}"))
        };
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        return Err(format!("{at}: expected {c}, got {value}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} not in {options:?}"));
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !(types.contains(&actual) || actual == "integer" && types.contains(&"number")) {
            return Err(format!("{at}: expected {types:?}, got {value}"));
        }
        if actual == "integer"
            && let Some(min) = schema.get("minimum").and_then(Value::as_i64)
            && value.as_i64().is_some_and(|v| v < min)
        {
            return Err(format!("{at}: {value} below {min}"));
        }
    }
    if let Value::Object(obj) = value {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap();
            if !obj.contains_key(name) {
                return Err(format!("{at}: missing required {name} in {value}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(doc, s, v, &format!("{at}.{k}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{at}: undocumented field {k}"));
                    }
                    Some(s @ Value::Object(_)) => check(doc, s, v, &format!("{at}.{k}"))?,
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, s, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

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

/// Checks one answer against the documented schema of `method path`.
fn conforms(doc: &Value, method: &Method, path: &str, reply: &Reply) {
    let op = &doc["paths"][format!("/api/v1{path}")][method.as_str().to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {path} undocumented");
    let status = reply.status.as_u16().to_string();
    let response = &op["responses"][&status];
    assert!(
        response.is_object(),
        "{method} {path}: status {status} undocumented: {}",
        reply.text
    );
    let schema = &response["content"]["application/json"]["schema"];
    let verdict = check(doc, schema, &reply.body, "$");
    assert!(verdict.is_ok(), "{method} {path} ({status}): {verdict:?}");
}

/// method, concrete uri, documented path, wallet key, body.
type Step<'a> = (Method, String, &'static str, Option<&'a str>, Option<Value>);

#[tokio::test]
async fn real_answers_match_their_schemas() {
    let app = TestApp::new();
    let doc = app
        .send(call(Method::GET, "/api/v1/openapi.json", None, None))
        .await
        .body;
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
    for (method, uri, path, key, body) in steps {
        let reply = app
            .send(call(
                method.clone(),
                &format!("/api/v1{uri}"),
                key,
                body.as_ref(),
            ))
            .await;
        conforms(&doc, &method, path, &reply);
    }
}

#[test]
fn the_checker_rejects_what_the_document_does_not_allow() {
    let doc = api_http::openapi::document();
    let agent = json!({"$ref": "#/components/schemas/Agent"});
    let valid = json!({
        "account_id": "alice.near", "name": null, "description": "", "image": null, "tags": [],
        "capabilities": {}, "endorsements": {"tags/rust": 2}, "endorsement_count": 2,
        "follower_count": 0, "following_count": 1,
    });
    check(&doc, &agent, &valid, "$").unwrap();
    let mut extra = valid.clone();
    extra["karma"] = json!(5);
    assert!(
        check(&doc, &agent, &extra, "$")
            .unwrap_err()
            .contains("undocumented field karma")
    );
    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("tags");
    assert!(check(&doc, &agent, &missing, "$").is_err());
    let mut wrong = valid.clone();
    wrong["follower_count"] = json!("0");
    assert!(check(&doc, &agent, &wrong, "$").is_err());
    wrong = valid;
    wrong["endorsements"]["tags/rust"] = json!(-1);
    assert!(check(&doc, &agent, &wrong, "$").is_err());
}
