//! Request extractors that answer bad input with a `VALIDATION_ERROR` envelope, never with
//! axum's default plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The largest request body the API reads, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON object request body.
///
/// An empty body (with `Content-Type: application/json` or no content type) reads as `{}`,
/// because HTTP clients send that header on bodyless POST/DELETE requests. A body that is not
/// JSON, or JSON that is not an object, or a non-JSON content type with a non-empty body, is a
/// `VALIDATION_ERROR`; a body over [`MAX_BODY_BYTES`] is a 413.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let bytes = read_body(req, state).await?;
        parse_object(content_type.as_deref(), &bytes).map(Self)
    }
}

/// Reads the whole body, mapping an over-limit body to 413.
pub(crate) async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let bound = req.extensions().get::<BodyReadTimeout>().map(|t| t.0);
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(MAX_BODY_BYTES)
        } else if let Some(bound) = bound.filter(|_| is_body_timeout(&rejection)) {
            ApiError::request_timeout("the request body", bound)
        } else {
            ApiError::validation(format!("Request body could not be read: {rejection}"))
        }
    })
}

/// The body-read bound of the serving loop, carried in each request's extensions so a body
/// that stops arriving is answered 408 with the bound in the message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyReadTimeout(pub(crate) std::time::Duration);

/// Whether a body rejection was caused by `tower_http`'s body timeout.
fn is_body_timeout(rejection: &axum::extract::rejection::BytesRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Whether a content type is JSON (`application/json`, `application/*+json`, any parameters).
fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body as a JSON object (see [`JsonObject`]).
pub fn parse_object(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    if let Some(ct) = content_type
        && !blank
        && !is_json_content_type(ct)
    {
        return Err(ApiError::validation(
            "Content-Type must be application/json for a request with a body",
        ));
    }
    if blank {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::validation("Request body must be a JSON object")),
        Err(e) => Err(ApiError::validation(format!(
            "Request body is not valid JSON: {e}"
        ))),
    }
}

/// The sort orders of list endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently active first (the default).
    Active,
    /// Most recently created first.
    Newest,
}

/// The common query parameters of list endpoints, validated; unknown parameters are ignored.
///
/// Rules (reference behaviour): `limit` `^\d+$` (0 = the endpoint's default, over the maximum
/// clamped); `sort` in `{active, newest}`; `cursor` `^[a-z0-9_.:-]{1,64}$` or `^\d{1,20}$`; `tag`
/// at most 30 of `[a-z0-9-]`; `capability` at most 60 of `[a-z0-9._/-]`. The first occurrence of
/// a repeated parameter wins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    limit: Option<u64>,
    /// The sort order, when given.
    pub sort: Option<Sort>,
    /// The cursor, when given.
    pub cursor: Option<String>,
    /// The tag filter, when given.
    pub tag: Option<String>,
    /// The capability filter, when given.
    pub capability: Option<String>,
    params: Vec<(String, String)>,
}

impl ListQuery {
    /// Parses and validates a raw query string (without the `?`).
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let params: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let first = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let limit = match first("limit") {
            None => None,
            Some(v) => Some(parse_limit(&v)?),
        };
        let sort = match first("sort").as_deref() {
            None => None,
            Some("active") => Some(Sort::Active),
            Some("newest") => Some(Sort::Newest),
            Some(other) => {
                return Err(ApiError::validation(format!(
                    "sort must be one of: active, newest (got {other:?})"
                )));
            }
        };
        let cursor = first("cursor")
            .map(|c| {
                if is_valid_cursor(&c) {
                    Ok(c)
                } else {
                    Err(ApiError::validation(
                        "cursor must be an account id (1-64 of a-z 0-9 _ . : -) or a block height",
                    ))
                }
            })
            .transpose()?;
        let tag = first("tag")
            .map(|t| {
                if !t.is_empty()
                    && t.len() <= 30
                    && t.bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
                {
                    Ok(t)
                } else {
                    Err(ApiError::validation(
                        "Tag filter must be 1-30 characters of a-z, 0-9 and -",
                    ))
                }
            })
            .transpose()?;
        let capability = first("capability")
            .map(|c| {
                if !c.is_empty()
                    && c.len() <= 60
                    && c.bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'/' | b'-'))
                {
                    Ok(c)
                } else {
                    Err(ApiError::validation(
                        "Capability filter must be 1-60 characters of a-z, 0-9, ., _, / and -",
                    ))
                }
            })
            .transpose()?;
        Ok(Self {
            limit,
            sort,
            cursor,
            tag,
            capability,
            params,
        })
    }

    /// The page size: `default` when absent or 0, at most `max`.
    pub fn limit(&self, default: usize, max: usize) -> usize {
        match self.limit {
            None | Some(0) => default.min(max),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(max),
        }
    }

    /// The first value of any other parameter (for endpoint-specific ones such as `direction`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `^\d+$`; digits beyond `u64` saturate (they are clamped to the maximum anyway).
fn parse_limit(raw: &str) -> Result<u64, ApiError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::validation(format!(
            "limit must be a non-negative integer (got {raw:?})"
        )));
    }
    Ok(raw.parse::<u64>().unwrap_or(u64::MAX))
}

/// `^[a-z0-9_.:-]{1,64}$|^\d{1,20}$`.
fn is_valid_cursor(c: &str) -> bool {
    let account_like = (1..=64).contains(&c.len())
        && c.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b':' | b'-'));
    let height = (1..=20).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit());
    account_like || height
}

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_bodies_are_empty_objects() {
        assert_eq!(
            parse_object(Some("application/json"), b"").unwrap(),
            Map::new()
        );
        assert_eq!(parse_object(None, b"  \n").unwrap(), Map::new());
        assert_eq!(parse_object(Some("text/plain"), b"").unwrap(), Map::new());
    }

    #[test]
    fn non_objects_and_bad_json_are_validation_errors() {
        for body in [&b"[]"[..], b"1", b"\"x\"", b"null", b"{", b"{\"a\":}"] {
            let e = parse_object(Some("application/json"), body).unwrap_err();
            assert_eq!(e.code, nearly_core::ErrorCode::ValidationError);
        }
        assert!(parse_object(Some("text/plain"), b"{}").is_err());
        assert!(parse_object(Some("application/json; charset=utf-8"), b"{}").is_ok());
        assert!(parse_object(Some("application/merge-patch+json"), b"{}").is_ok());
    }

    #[test]
    fn query_rules() {
        let q = ListQuery::parse("limit=0&unknown=1").unwrap();
        assert_eq!(q.limit(25, 100), 25);
        assert_eq!(ListQuery::parse("limit=1000").unwrap().limit(25, 100), 100);
        assert_eq!(
            ListQuery::parse("limit=99999999999999999999999")
                .unwrap()
                .limit(25, 100),
            100
        );
        assert_eq!(ListQuery::parse("limit=7").unwrap().limit(25, 100), 7);
        for bad in [
            "limit=-1",
            "limit=1.5",
            "limit=",
            "limit=+3",
            "sort=oldest",
            "cursor=",
            "cursor=Alice",
            "tag=Rust",
            "tag=",
            "capability=a%20b",
        ] {
            assert!(ListQuery::parse(bad).is_err(), "{bad}");
        }
        let long_tag = format!("tag={}", "a".repeat(31));
        assert!(ListQuery::parse(&long_tag).is_err());
        let q = ListQuery::parse(
            "sort=newest&cursor=alice.near&tag=ai&capability=skills/audit&direction=incoming",
        )
        .unwrap();
        assert_eq!(q.sort, Some(Sort::Newest));
        assert_eq!(q.cursor.as_deref(), Some("alice.near"));
        assert_eq!(q.param("direction"), Some("incoming"));
        assert!(ListQuery::parse("cursor=12345678901234567890").is_ok());
    }

    proptest! {
        #[test]
        fn parsing_any_query_never_panics(raw in ".{0,200}") {
            let _ = ListQuery::parse(&raw);
        }

        #[test]
        fn valid_limits_clamp(n in 0u64..10_000) {
            let q = ListQuery::parse(&format!("limit={n}")).unwrap();
            let l = q.limit(20, 100);
            prop_assert!((1..=100).contains(&l));
        }
    }
}
