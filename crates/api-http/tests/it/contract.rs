//! Every answer the integration tests receive is checked against the derived OpenAPI document
//! (one helper, [`check`], called by [`crate::helpers::send`]):
//!
//! - the operation is the table's row for the request's method and path (the most literal
//!   template wins: `/agents/me` over `/agents/{account_id}`);
//! - the status must be documented for that operation;
//! - a JSON body must validate, with `jsonschema`, against that operation and status's schema
//!   (the document is registered as a resource; the validator `$ref`s into it);
//! - a success must also read back through its wire type unchanged (no field the type lacks,
//!   none missing), and an error through [`nearly_api_types::ErrorBody`].
//!
//! Requests outside `/api/v1`, to unknown paths or with a method a path does not have are not
//! operations and are not checked here (their tests assert them).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use api_http::openapi::{Component, Operation, operations};
use axum::http::Method;
use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

/// The registered document's URI.
const DOC_URI: &str = "urn:nearly:openapi";

struct Contract {
    operations: Vec<Operation>,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

static CONTRACT: LazyLock<Contract> = LazyLock::new(|| {
    let registry = Registry::new()
        .add(DOC_URI, api_http::openapi::document())
        .unwrap()
        .prepare()
        .unwrap();
    Contract {
        operations: operations(),
        registry,
        validators: Mutex::new(HashMap::new()),
    }
});

/// A validator for the schema at `pointer` (a JSON pointer into the document, unescaped
/// segments joined by `/`), built once.
pub(crate) fn validator_at(segments: &[&str]) -> Arc<Validator> {
    let pointer: String = segments
        .iter()
        .map(|s| {
            let escaped = s.replace('~', "~0").replace('/', "~1");
            format!("/{}", escaped.replace('{', "%7B").replace('}', "%7D"))
        })
        .collect();
    let contract = &*CONTRACT;
    let mut cache = contract.validators.lock().unwrap();
    cache
        .entry(pointer.clone())
        .or_insert_with(|| {
            let schema = json!({"$ref": format!("{DOC_URI}#{pointer}")});
            Arc::new(
                jsonschema::options()
                    .with_registry(&contract.registry)
                    .build(&schema)
                    .map_err(|e| format!("no schema at {pointer}: {e}"))
                    .unwrap(),
            )
        })
        .clone()
}

/// A validator for the component `name`.
pub(crate) fn component(name: &str) -> Arc<Validator> {
    validator_at(&["components", "schemas", name])
}

/// The validation errors of `value` against the component `name` (empty when it conforms).
pub(crate) fn errors(name: &str, value: &Value) -> Vec<String> {
    component(name)
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The table row of `method path` (a path under `/api/v1`, without the query).
pub(crate) fn operation_of(method: &Method, path: &str) -> Option<&'static Operation> {
    let rest = path.strip_prefix("/api/v1")?;
    let parts: Vec<&str> = rest.split('/').collect();
    CONTRACT
        .operations
        .iter()
        .filter(|o| o.method == *method)
        .filter(|o| {
            let template: Vec<&str> = o.path.split('/').collect();
            template.len() == parts.len()
                && template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| t.starts_with('{') || t == p)
        })
        .max_by_key(|o| o.path.split('/').filter(|t| !t.starts_with('{')).count())
}

/// Checks one answer of `method uri` against the document; the first disagreement.
pub(crate) fn check(
    method: &Method,
    uri: &str,
    status: u16,
    body: &Value,
    text: &str,
) -> Result<(), String> {
    let path = uri.split('?').next().unwrap_or(uri);
    let Some(op) = operation_of(method, path) else {
        return Ok(());
    };
    let doc_path = format!("/api/v1{}", op.path);
    let method_key = op.method.as_str().to_ascii_lowercase();
    let status_key = status.to_string();
    let doc = &*DOCUMENT;
    let response = &doc["paths"][&doc_path][&method_key]["responses"][&status_key];
    if !response.is_object() {
        return Err(format!(
            "{op:?}: status {status} is not documented (body {text})"
        ));
    }
    if response["content"].get("text/markdown").is_some() {
        return if text.is_empty() {
            Err(format!("{op:?}: empty markdown"))
        } else {
            Ok(())
        };
    }
    let validator = validator_at(&[
        "paths",
        &doc_path,
        &method_key,
        "responses",
        &status_key,
        "content",
        "application/json",
        "schema",
    ]);
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if !problems.is_empty() {
        return Err(format!("{op:?} {status}: {problems:?} in {body}"));
    }
    let typed = match (status, op.bare) {
        (200, false) => op.response.read_back(&body["data"]),
        (200, true) => op.response.read_back(body),
        _ if body.get("valid").is_some() => op.response.read_back(body),
        _ => Component::of::<nearly_api_types::ErrorBody>().read_back(body),
    };
    typed.map_err(|e| format!("{op:?} {status}: {e}"))
}

/// The served document, once.
pub(crate) static DOCUMENT: LazyLock<Value> = LazyLock::new(api_http::openapi::document);
