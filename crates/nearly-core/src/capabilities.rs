//! The capabilities object and its `(namespace, value)` pairs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::limits::{CAPABILITIES_MAX_BYTES, CAPABILITIES_MAX_DEPTH, FASTDATA_MAX_KEY_BYTES};
use crate::text::first_unsafe_char;

/// The prefix of capability index keys.
pub(crate) const CAP_PREFIX: &str = "cap/";

/// A validated capabilities object.
///
/// Rules: a JSON object; at most 4096 bytes serialized; nesting at most 4 levels (the object is
/// level 0, its values level 1, a value at level 5 is refused); keys non-empty, without `:` or
/// `/` and without control or invisible characters; string values (at any level) without `:` or
/// `/` and without control or invisible characters; and every index key `cap/{ns}/{value}` it
/// produces at most 1024 bytes. Numbers, booleans and `null` are allowed and ignored by the index.
///
/// ```
/// use nearly_core::Capabilities;
/// let caps = Capabilities::parse(serde_json::json!({"skills": ["Audit", "code-review"]}))?;
/// let keys: Vec<String> = caps.pairs().iter().map(|p| p.index_key()).collect();
/// assert_eq!(keys, ["cap/skills/audit", "cap/skills/code-review"]);
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities(Map<String, Value>);

impl Capabilities {
    /// Validates a capabilities value.
    ///
    /// # Errors
    /// The `Capabilities*` and `Capability*` variants of [`ValidationError`].
    pub fn parse(value: Value) -> Result<Self, ValidationError> {
        let Value::Object(map) = value else {
            return Err(ValidationError::CapabilitiesNotObject);
        };
        let actual = serde_json::to_vec(&map).map_or(usize::MAX, |v| v.len());
        if actual > CAPABILITIES_MAX_BYTES {
            return Err(ValidationError::CapabilitiesTooLarge {
                max: CAPABILITIES_MAX_BYTES,
                actual,
            });
        }
        for (key, child) in &map {
            check_key(key)?;
            check_content(child, 1)?;
        }
        for (ns, value) in raw_pairs(&map) {
            if !value.is_empty() {
                CapabilityPair::new(&ns, &value)?;
            }
        }
        Ok(Self(map))
    }

    /// The object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// Consumes the capabilities and returns the object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// The distinct `(namespace, value)` pairs, in key order (see [`capability_pairs`]).
    pub fn pairs(&self) -> Vec<CapabilityPair> {
        capability_pairs(&self.0)
    }
}

impl Serialize for Capabilities {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Capabilities {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Self::parse(raw).map_err(serde::de::Error::custom)
    }
}

fn check_key(key: &str) -> Result<(), ValidationError> {
    if key.is_empty() {
        return Err(ValidationError::CapabilityKeyEmpty);
    }
    if let Some(ch) = first_unsafe_char(key, false) {
        return Err(ValidationError::CapabilityKeyUnsafeChar { ch });
    }
    if key.contains([':', '/']) {
        return Err(ValidationError::CapabilityKeyForbiddenChar {
            key: key.to_owned(),
        });
    }
    Ok(())
}

fn check_string_value(value: &str) -> Result<(), ValidationError> {
    if let Some(ch) = first_unsafe_char(value, false) {
        return Err(ValidationError::CapabilityValueUnsafeChar { ch });
    }
    if value.contains([':', '/']) {
        return Err(ValidationError::CapabilityValueForbiddenChar {
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn check_content(value: &Value, depth: usize) -> Result<(), ValidationError> {
    if depth > CAPABILITIES_MAX_DEPTH {
        return Err(ValidationError::CapabilitiesTooDeep {
            max: CAPABILITIES_MAX_DEPTH,
        });
    }
    match value {
        Value::String(s) => check_string_value(s),
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| check_content(item, depth + 1)),
        Value::Object(map) => map.iter().try_for_each(|(key, child)| {
            check_key(key)?;
            check_content(child, depth + 1)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// One `(namespace, value)` pair of a capabilities object, indexed as `cap/{ns}/{value}`.
///
/// The namespace is the path of object keys joined with `.` (kept as written); the value is the
/// string lowercased. Neither contains `/` or `:` and neither is empty, so the index key splits
/// back unambiguously.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CapabilityPair {
    ns: String,
    value: String,
}

impl CapabilityPair {
    /// Builds a pair, lowercasing `value`.
    ///
    /// # Errors
    /// [`ValidationError::CapabilityKeyEmpty`] for an empty namespace,
    /// [`ValidationError::CapabilityValueEmpty`], the key and value character errors, and
    /// [`ValidationError::CapabilityIndexKeyTooLong`].
    pub fn new(ns: &str, value: &str) -> Result<Self, ValidationError> {
        check_key(ns)?;
        let value = value.to_lowercase();
        if value.is_empty() {
            return Err(ValidationError::CapabilityValueEmpty);
        }
        check_string_value(&value)?;
        let actual = CAP_PREFIX.len() + ns.len() + 1 + value.len();
        if actual > FASTDATA_MAX_KEY_BYTES {
            return Err(ValidationError::CapabilityIndexKeyTooLong {
                max: FASTDATA_MAX_KEY_BYTES,
                actual,
            });
        }
        Ok(Self {
            ns: ns.to_owned(),
            value,
        })
    }

    /// The namespace (`skills`, `languages.primary`, ...).
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// The lowercased value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The pair as the API's capability filter spells it: `{ns}/{value}`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.ns, self.value)
    }

    /// The FastData index key `cap/{ns}/{value}`.
    pub fn index_key(&self) -> String {
        format!("{CAP_PREFIX}{}/{}", self.ns, self.value)
    }
}

/// Every `(ns, lowercased value)` candidate, in document order, before pair validation.
fn raw_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    fn walk(value: &Value, prefix: &str, depth: usize, out: &mut Vec<(String, String)>) {
        if depth > CAPABILITIES_MAX_DEPTH {
            return;
        }
        match value {
            Value::String(s) if !prefix.is_empty() => {
                out.push((prefix.to_owned(), s.to_lowercase()));
            }
            Value::Array(items) if !prefix.is_empty() => {
                for item in items {
                    if let Value::String(s) = item {
                        out.push((prefix.to_owned(), s.to_lowercase()));
                    }
                }
            }
            Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(child, &path, depth + 1, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (key, child) in map {
        walk(child, key, 1, &mut out);
    }
    out
}

/// Extracts the distinct `(namespace, value)` pairs of any capabilities object, validated or not.
///
/// Nested object keys are joined with `.`; string values are lowercased; the strings inside an
/// array each give a pair (other array items are ignored); numbers, booleans and `null` give none;
/// anything deeper than 4 levels is ignored. Duplicates are dropped, keeping the first; pairs come in the order of the object's keys.
///
/// Agents may write arbitrary JSON straight to FastData, so this also runs on unvalidated
/// objects. A candidate that could not be written as an unambiguous index key is **skipped**:
/// an empty value, a `/` or `:` in the namespace or value (which would make `cap/{ns}/{value}`
/// split differently), a control or invisible character, or a key over 1024 bytes. For a
/// [`Capabilities`] that passed validation, only empty string values are skipped.
pub fn capability_pairs(caps: &Map<String, Value>) -> Vec<CapabilityPair> {
    let mut pairs: Vec<CapabilityPair> = Vec::new();
    for (ns, value) in raw_pairs(caps) {
        if let Ok(pair) = CapabilityPair::new(&ns, &value)
            && !pairs.contains(&pair)
        {
            pairs.push(pair);
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: Value) -> Result<Capabilities, ValidationError> {
        Capabilities::parse(v)
    }

    fn keys(caps: &Capabilities) -> Vec<String> {
        caps.pairs().iter().map(CapabilityPair::index_key).collect()
    }

    #[test]
    fn must_be_an_object() {
        for v in [json!([]), json!("skills"), json!(null), json!(3)] {
            assert_eq!(parse(v), Err(ValidationError::CapabilitiesNotObject));
        }
        assert!(parse(json!({})).is_ok());
    }

    #[test]
    fn size_limit_is_4096_bytes_of_json() {
        // {"<key>":1} is 6 bytes plus the key (a number value makes no index key).
        let fits = json!({ "k".repeat(4096 - 6): 1 });
        assert!(parse(fits).is_ok());
        let over = json!({ "k".repeat(4096 - 5): 1 });
        assert_eq!(
            parse(over),
            Err(ValidationError::CapabilitiesTooLarge {
                max: 4096,
                actual: 4097
            })
        );
    }

    #[test]
    fn depth_limit_is_four() {
        assert!(parse(json!({"a": {"b": {"c": {"d": "x"}}}})).is_ok());
        assert!(parse(json!({"a": {"b": {"c": ["x"]}}})).is_ok());
        assert_eq!(
            parse(json!({"a": {"b": {"c": {"d": ["x"]}}}})),
            Err(ValidationError::CapabilitiesTooDeep { max: 4 })
        );
        assert_eq!(
            parse(json!({"a": {"b": {"c": {"d": {"e": 1}}}}})),
            Err(ValidationError::CapabilitiesTooDeep { max: 4 })
        );
    }

    #[test]
    fn no_colon_or_slash_in_keys_or_values() {
        assert_eq!(
            parse(json!({"ns:x": "a"})),
            Err(ValidationError::CapabilityKeyForbiddenChar { key: "ns:x".into() })
        );
        assert_eq!(
            parse(json!({"a": {"b/c": "v"}})),
            Err(ValidationError::CapabilityKeyForbiddenChar { key: "b/c".into() })
        );
        assert_eq!(
            parse(json!({"skills": ["ok", "a/b"]})),
            Err(ValidationError::CapabilityValueForbiddenChar {
                value: "a/b".into()
            })
        );
        assert_eq!(
            parse(json!({"url": "https:x"})),
            Err(ValidationError::CapabilityValueForbiddenChar {
                value: "https:x".into()
            })
        );
        assert_eq!(
            parse(json!({"": "v"})),
            Err(ValidationError::CapabilityKeyEmpty)
        );
        assert_eq!(
            parse(json!({"a\u{200B}": "v"})),
            Err(ValidationError::CapabilityKeyUnsafeChar { ch: '\u{200B}' })
        );
        assert_eq!(
            parse(json!({"a": "v\u{0}"})),
            Err(ValidationError::CapabilityValueUnsafeChar { ch: '\0' })
        );
    }

    #[test]
    fn index_keys_over_1024_bytes_are_refused() {
        let ns = "n".repeat(1000);
        let fits = "v".repeat(1024 - 4 - 1000 - 1);
        assert!(parse(json!({ ns.clone(): fits })).is_ok());
        let over = format!("{fits}v");
        assert_eq!(
            parse(json!({ ns: over })),
            Err(ValidationError::CapabilityIndexKeyTooLong {
                max: 1024,
                actual: 1025
            })
        );
    }

    #[test]
    fn pairs_follow_the_reference_extraction() {
        let caps = parse(json!({
            "skills": ["Code-Review", "audit", 7, ["nested"], {"x": "y"}, "AUDIT"],
            "languages": {"primary": "Rust", "other": ["TypeScript"]},
            "tier": 3,
            "verified": true,
            "website": "",
        }))
        .unwrap();
        let mut got = keys(&caps);
        got.sort();
        assert_eq!(
            got,
            [
                "cap/languages.other/typescript",
                "cap/languages.primary/rust",
                "cap/skills/audit",
                "cap/skills/code-review",
            ]
        );
    }

    #[test]
    fn lenient_extraction_skips_what_cannot_be_a_key() {
        let Value::Object(map) = json!({
            "skills": ["a/b", "ok", "x:y", ""],
            "bad/ns": "v",
            "a": {"b": {"c": {"d": {"e": "too-deep"}}}},
        }) else {
            unreachable!()
        };
        let pairs: Vec<String> = capability_pairs(&map)
            .iter()
            .map(CapabilityPair::path)
            .collect();
        assert_eq!(pairs, ["skills/ok"]);
    }

    #[test]
    fn pair_constructor_rules() {
        let p = CapabilityPair::new("skills", "Audit").unwrap();
        assert_eq!((p.ns(), p.value()), ("skills", "audit"));
        assert_eq!(p.path(), "skills/audit");
        assert_eq!(
            CapabilityPair::new("skills", ""),
            Err(ValidationError::CapabilityValueEmpty)
        );
        assert_eq!(
            CapabilityPair::new("", "x"),
            Err(ValidationError::CapabilityKeyEmpty)
        );
    }
}
