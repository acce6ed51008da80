//! Profiles: folding stored blobs, applying updates.

use serde_json::{Map, Value};

use crate::capabilities::{Capabilities, CapabilityPair, capability_pairs};
use crate::error::ValidationError;
use crate::fields::{Description, Name, Tags};
use crate::image::ImageUrl;

/// Fields that are derived by the server (from the graph, from block times, or from the server's
/// own records) and therefore never trusted from, nor written into, a stored profile blob.
///
/// `created_height` is the reference's older spelling of `created_at_height`; both are stripped.
pub const DERIVED_FIELDS: [&str; 11] = [
    "account_id",
    "follower_count",
    "following_count",
    "endorsements",
    "endorsement_count",
    "last_active",
    "last_active_height",
    "created_at",
    "created_at_height",
    "created_height",
    "platforms",
];

/// The profile fields the convention defines.
const CORE_FIELDS: [&str; 5] = ["name", "description", "image", "tags", "capabilities"];

fn is_reserved(key: &str) -> bool {
    DERIVED_FIELDS.contains(&key) || CORE_FIELDS.contains(&key)
}

/// An agent's profile as stored under the `profile` key: the five convention fields plus any
/// other fields the writer added (kept in `extra`, never interpreted).
///
/// It holds no derived field (`account_id`, counts, endorsements, times, platforms): those come
/// from the graph and from FastData's block data, never from what an agent wrote.
///
/// `name`, `description` and `image` are kept as stored (agents write FastData directly, so a
/// stored value may break the API's validation rules); `tags` are always valid tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Display name; `None` when absent, not a string, or blank.
    pub name: Option<String>,
    /// Description; empty when absent or not a string.
    pub description: String,
    /// Image URL as stored; `None` when absent, not a string, or empty. Not necessarily valid:
    /// use [`ImageUrl::parse`] before trusting it.
    pub image: Option<String>,
    /// Tags (normalised, deduplicated, at most 10).
    pub tags: Tags,
    /// Capabilities object; empty when absent or not an object.
    pub capabilities: Map<String, Value>,
    /// Every other stored field, except derived ones, as written.
    pub extra: Map<String, Value>,
}

impl Profile {
    /// Folds a stored `profile` value into a profile. Never fails and never panics.
    ///
    /// Returns `None` when the value is not a JSON object (a `null` tombstone, the empty string
    /// FastData serves for deleted keys, or anything else an agent wrote): such an account has no
    /// profile. Inside an object, wrong-typed fields fall back to defaults:
    /// - `name`: a non-blank string, else `None`;
    /// - `description`: a string, else `""`;
    /// - `image`: a non-empty string, else `None`;
    /// - `tags`: the array's strings that are valid tags, normalised and deduplicated, the first
    ///   10; anything else gives no tags;
    /// - `capabilities`: an object, else `{}`;
    /// - derived fields ([`DERIVED_FIELDS`]) are dropped; other fields go to `extra`.
    ///
    /// ```
    /// use nearly_core::Profile;
    /// let p = Profile::from_stored(serde_json::json!({
    ///     "name": "Ada", "tags": ["AI", 7, "ai"], "follower_count": 1_000_000, "mood": "ok"
    /// })).unwrap();
    /// assert_eq!(p.name.as_deref(), Some("Ada"));
    /// assert_eq!(p.tags.len(), 1);
    /// assert!(p.extra.contains_key("mood") && !p.extra.contains_key("follower_count"));
    /// assert!(Profile::from_stored(serde_json::json!([1, 2])).is_none());
    /// ```
    pub fn from_stored(value: Value) -> Option<Self> {
        let Value::Object(mut map) = value else {
            return None;
        };
        let name = match map.remove("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
            _ => None,
        };
        let description = match map.remove("description") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let image = match map.remove("image") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let tags = match map.remove("tags") {
            Some(Value::Array(items)) => Tags::lenient(items.iter().filter_map(Value::as_str)),
            _ => Tags::default(),
        };
        let capabilities = match map.remove("capabilities") {
            Some(Value::Object(caps)) => caps,
            _ => Map::new(),
        };
        map.retain(|key, _| !is_reserved(key));
        Some(Self {
            name,
            description,
            image,
            tags,
            capabilities,
            extra: map,
        })
    }

    /// The blob to store under the `profile` key: the five convention fields (`name` and `image`
    /// as `null` when absent) plus `extra`, minus any derived or convention field that found its
    /// way into `extra`.
    pub fn to_blob(&self) -> Value {
        let mut map: Map<String, Value> = self
            .extra
            .iter()
            .filter(|(key, _)| !is_reserved(key))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        map.insert(
            "name".into(),
            self.name.clone().map_or(Value::Null, Value::String),
        );
        map.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        map.insert(
            "image".into(),
            self.image.clone().map_or(Value::Null, Value::String),
        );
        map.insert(
            "tags".into(),
            Value::Array(
                self.tags
                    .iter()
                    .map(|t| Value::String(t.as_str().to_owned()))
                    .collect(),
            ),
        );
        map.insert(
            "capabilities".into(),
            Value::Object(self.capabilities.clone()),
        );
        Value::Object(map)
    }

    /// The capability pairs of this profile (see [`capability_pairs`]).
    pub fn capability_pairs(&self) -> Vec<CapabilityPair> {
        capability_pairs(&self.capabilities)
    }

    /// Applies a validated update. Fields absent from the patch are left as they are.
    pub fn apply(&mut self, patch: &ProfilePatch) {
        if let Some(name) = &patch.name {
            self.name = name.as_ref().map(|n| n.as_str().to_owned());
        }
        if let Some(description) = &patch.description {
            self.description = description.as_str().to_owned();
        }
        if let Some(image) = &patch.image {
            self.image = image.as_ref().map(|i| i.as_str().to_owned());
        }
        if let Some(tags) = &patch.tags {
            self.tags = tags.clone();
        }
        if let Some(capabilities) = &patch.capabilities {
            self.capabilities = capabilities.as_map().clone();
        }
    }
}

/// A validated profile update (`PATCH /agents/me/profile`). `None` leaves a field unchanged;
/// for `name` and `image`, `Some(None)` clears the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfilePatch {
    /// New name, or `Some(None)` to clear it.
    pub name: Option<Option<Name>>,
    /// New description.
    pub description: Option<Description>,
    /// New image URL, or `Some(None)` to clear it.
    pub image: Option<Option<ImageUrl>>,
    /// New tag list (replaces the old one).
    pub tags: Option<Tags>,
    /// New capabilities (replace the old ones).
    pub capabilities: Option<Capabilities>,
}

impl ProfilePatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.image.is_none()
            && self.tags.is_none()
            && self.capabilities.is_none()
    }

    /// Validates a JSON request body into a patch.
    ///
    /// Recognised fields: `name` (string, or `null` to clear), `description` (string; `null`
    /// means `""`), `image` (string, or `null` to clear), `tags` (array of strings; `null` means
    /// no tags), `capabilities` (object; `null` means `{}`). Other fields are ignored, including
    /// derived ones such as `account_id` or `follower_count`: a caller cannot set those. Fields are
    /// checked in the order name, description, image, tags, capabilities; the first error wins.
    ///
    /// ```
    /// use nearly_core::{ProfilePatch, ValidationError};
    /// let patch = ProfilePatch::from_json(&serde_json::json!({"tags": ["DeFi"], "image": null}))?;
    /// assert_eq!(patch.image, Some(None));
    /// assert_eq!(
    ///     ProfilePatch::from_json(&serde_json::json!({"follower_count": 5})),
    ///     Err(ValidationError::EmptyProfileUpdate)
    /// );
    /// # Ok::<(), ValidationError>(())
    /// ```
    ///
    /// # Errors
    /// [`ValidationError::ProfileUpdateNotObject`], [`ValidationError::EmptyProfileUpdate`], the
    /// `*NotString` variants for wrong types, and each field's own validation errors.
    pub fn from_json(body: &Value) -> Result<Self, ValidationError> {
        let Value::Object(map) = body else {
            return Err(ValidationError::ProfileUpdateNotObject);
        };
        let mut patch = Self::default();
        if let Some(value) = map.get("name") {
            patch.name = Some(match value {
                Value::Null => None,
                Value::String(s) => Some(Name::parse(s)?),
                _ => return Err(ValidationError::NameNotString),
            });
        }
        if let Some(value) = map.get("description") {
            patch.description = Some(match value {
                Value::Null => Description::parse("")?,
                Value::String(s) => Description::parse(s)?,
                _ => return Err(ValidationError::DescriptionNotString),
            });
        }
        if let Some(value) = map.get("image") {
            patch.image = Some(match value {
                Value::Null => None,
                Value::String(s) => Some(ImageUrl::parse(s)?),
                _ => return Err(ValidationError::ImageUrlNotString),
            });
        }
        if let Some(value) = map.get("tags") {
            patch.tags = Some(match value {
                Value::Null => Tags::default(),
                Value::Array(items) => {
                    let strings = items
                        .iter()
                        .map(|v| v.as_str().ok_or(ValidationError::TagsNotStrings))
                        .collect::<Result<Vec<&str>, _>>()?;
                    Tags::parse(strings)?
                }
                _ => return Err(ValidationError::TagsNotStrings),
            });
        }
        if let Some(value) = map.get("capabilities") {
            patch.capabilities = Some(match value {
                Value::Null => Capabilities::default(),
                other => Capabilities::parse(other.clone())?,
            });
        }
        if patch.is_empty() {
            return Err(ValidationError::EmptyProfileUpdate);
        }
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn derived_fields_are_stripped_on_read_and_unknown_fields_kept() {
        let mut blob = json!({
            "name": "Ada",
            "description": "Smart contract auditor",
            "image": "https://example.com/a.png",
            "tags": ["security"],
            "capabilities": {"skills": ["audit"]},
            "website": "https://ada.example",
            "nested": {"a": 1},
        });
        for (i, field) in DERIVED_FIELDS.iter().enumerate() {
            blob[*field] = json!(i);
        }
        let p = Profile::from_stored(blob).unwrap();
        assert_eq!(p.name.as_deref(), Some("Ada"));
        assert_eq!(p.description, "Smart contract auditor");
        assert_eq!(p.image.as_deref(), Some("https://example.com/a.png"));
        assert_eq!(p.tags, Tags::parse(["security"]).unwrap());
        assert_eq!(
            p.capabilities,
            json!({"skills": ["audit"]}).as_object().unwrap().clone()
        );
        let extra: Vec<&str> = p.extra.keys().map(String::as_str).collect();
        assert_eq!(extra, ["nested", "website"]);
    }

    #[test]
    fn malformed_blobs_degrade_to_defaults() {
        for not_object in [
            json!(null),
            json!(""),
            json!("profile"),
            json!([1]),
            json!(42),
            json!(true),
        ] {
            assert_eq!(Profile::from_stored(not_object), None);
        }
        let p = Profile::from_stored(json!({
            "name": 12,
            "description": ["x"],
            "image": {"url": "https://example.com"},
            "tags": "rust",
            "capabilities": ["skills"],
        }))
        .unwrap();
        assert_eq!(p, Profile::default());

        let p = Profile::from_stored(
            json!({"name": "   ", "image": "", "tags": [null, "Rust", "-x", "rust"]}),
        )
        .unwrap();
        assert_eq!(p.name, None);
        assert_eq!(p.image, None);
        assert_eq!(p.tags, Tags::parse(["rust"]).unwrap());
    }

    #[test]
    fn blob_strips_derived_and_keeps_extra() {
        let mut p = Profile::from_stored(json!({"name": "Ada", "mood": "calm"})).unwrap();
        // Even if code puts derived or core keys into `extra`, they never reach the blob.
        p.extra.insert("follower_count".into(), json!(99));
        p.extra.insert("tags".into(), json!(["smuggled"]));
        let blob = p.to_blob();
        assert_eq!(
            blob,
            json!({
                "name": "Ada",
                "description": "",
                "image": null,
                "tags": [],
                "capabilities": {},
                "mood": "calm",
            })
        );
        // And a written blob reads back to the same profile.
        p.extra.remove("follower_count");
        p.extra.remove("tags");
        assert_eq!(Profile::from_stored(blob), Some(p));
    }

    #[test]
    fn patch_from_json_validates_each_field() {
        assert_eq!(
            ProfilePatch::from_json(&json!({"name": "x".repeat(51)})),
            Err(ValidationError::NameTooLong {
                max: 50,
                actual: 51
            })
        );
        assert_eq!(
            ProfilePatch::from_json(&json!({"name": 5})),
            Err(ValidationError::NameNotString)
        );
        assert_eq!(
            ProfilePatch::from_json(&json!({"image": "http://x.com/a.png"})),
            Err(ValidationError::ImageUrlNotHttps)
        );
        assert_eq!(
            ProfilePatch::from_json(&json!({"tags": ["ok", 1]})),
            Err(ValidationError::TagsNotStrings)
        );
        assert_eq!(
            ProfilePatch::from_json(&json!({"capabilities": []})),
            Err(ValidationError::CapabilitiesNotObject)
        );
        assert_eq!(
            ProfilePatch::from_json(&json!({})),
            Err(ValidationError::EmptyProfileUpdate)
        );
        assert_eq!(
            ProfilePatch::from_json(&json!("name")),
            Err(ValidationError::ProfileUpdateNotObject)
        );
    }

    #[test]
    fn apply_changes_only_patched_fields() {
        let mut p = Profile::from_stored(json!({
            "name": "Ada", "description": "old", "image": "https://example.com/a.png",
            "tags": ["a"], "mood": "calm"
        }))
        .unwrap();
        let patch = ProfilePatch::from_json(
            &json!({"name": null, "tags": ["B", "c"], "description": "new"}),
        )
        .unwrap();
        p.apply(&patch);
        assert_eq!(p.name, None);
        assert_eq!(p.description, "new");
        assert_eq!(p.image.as_deref(), Some("https://example.com/a.png"));
        assert_eq!(p.tags, Tags::parse(["b", "c"]).unwrap());
        assert_eq!(p.extra.get("mood"), Some(&json!("calm")));
    }
}
