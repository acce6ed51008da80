//! The OpenAPI side of the wire types (feature `schema`): the components the server's document
//! is built from, and the few schemas no derive can express.
//!
//! - [`ErrorCodeSchema`] (component `ErrorCode`) lists [`ErrorCode::ALL`], so a code added to
//!   `nearly-core` appears in the document without anyone typing it.
//! - [`AccountIdSchema`] (component `AccountId`) is the NEAR account id rule.
//! - [`requires_one_of`] adds "at least one of these fields" (endorse and unendorse need
//!   `key_suffixes` or `targets`).
//! - [`components`] is every named schema, with those rules applied.

use std::borrow::Cow;

use nearly_core::ErrorCode;
use nearly_core::limits::{ACCOUNT_ID_MAX_LEN, ACCOUNT_ID_MIN_LEN};
use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// The NEAR account id rule as an ECMA-262 pattern (2 to 64 characters, checked apart).
pub const ACCOUNT_ID_PATTERN: &str = r"^(([a-z0-9]+[-_])*[a-z0-9]+\.)*([a-z0-9]+[-_])*[a-z0-9]+$";

/// The `ErrorCode` component: the wire strings of [`ErrorCode::ALL`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorCodeSchema;

impl PartialSchema for ErrorCodeSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(
                "A machine-readable error code; the HTTP status follows from it \
                 (400 validation and self-targeting, 401 auth, 402 balance, 404 not found, \
                 429 rate and budget limits, 500 internal, 502 storage, 503 not configured \
                 and index behind).",
            ))
            .into()
    }
}

impl ToSchema for ErrorCodeSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}

/// The `AccountId` component: a NEAR account id (`alice.near`, a 64-hex implicit account).
#[derive(Debug, Clone, Copy)]
pub struct AccountIdSchema;

impl PartialSchema for AccountIdSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(ACCOUNT_ID_MIN_LEN))
            .max_length(Some(ACCOUNT_ID_MAX_LEN))
            .pattern(Some(ACCOUNT_ID_PATTERN))
            .description(Some("A NEAR account id"))
            .examples([serde_json::json!("alice.near")])
            .into()
    }
}

impl ToSchema for AccountIdSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AccountId")
    }
}

/// `{"const": false}` as a boolean schema (the error envelope's `success`).
#[must_use]
pub fn const_false() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([false]))
        .into()
}

/// `{"const": true}` as a boolean schema (the success envelope's `success`).
#[must_use]
pub fn const_true() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .into()
}

/// `schema`, and at least one of `fields` present: `allOf [schema, anyOf [{required: [f]}...]]`.
#[must_use]
pub fn requires_one_of(schema: RefOr<Schema>, fields: &[&str]) -> RefOr<Schema> {
    let any = fields.iter().fold(AnyOfBuilder::new(), |any, f| {
        any.item(ObjectBuilder::new().required(*f))
    });
    AllOfBuilder::new().item(schema).item(any).into()
}

/// The success envelope around the component `data`: `{success: true, data, warnings?}`.
#[must_use]
pub fn success_envelope(data: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("success", const_true())
        .required("success")
        .property("data", Ref::from_schema_name(data))
        .required("data")
        .property(
            "warnings",
            utoipa::openapi::schema::ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String)),
        )
        .into()
}

fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    let mut deps = Vec::new();
    T::schemas(&mut deps);
    out.push((T::name().into_owned(), T::schema()));
    out.extend(deps);
}

/// Every named schema of the API, dependencies included, with the rules derive cannot express
/// applied. Names are unique (a later duplicate of a dependency is dropped).
#[must_use]
pub fn components() -> Vec<(String, RefOr<Schema>)> {
    use crate::*;
    let mut out = Vec::new();
    add::<ErrorBody>(&mut out);
    add::<ErrorCodeSchema>(&mut out);
    add::<AccountIdSchema>(&mut out);
    add::<FundingMeta>(&mut out);
    // Reads.
    add::<AgentPage>(&mut out);
    add::<AgentView>(&mut out);
    add::<Me>(&mut out);
    add::<ProfileView>(&mut out);
    add::<Heartbeat>(&mut out);
    add::<FollowersPage>(&mut out);
    add::<FollowingPage>(&mut out);
    add::<Edges>(&mut out);
    add::<Network>(&mut out);
    add::<Activity>(&mut out);
    add::<Discover>(&mut out);
    add::<Endorsers>(&mut out);
    add::<Endorsing>(&mut out);
    add::<TagList>(&mut out);
    add::<CapabilityList>(&mut out);
    add::<HiddenList>(&mut out);
    // Writes.
    add::<UpdateProfileRequest>(&mut out);
    add::<Delisted>(&mut out);
    add::<FollowRequest>(&mut out);
    add::<UnfollowRequest>(&mut out);
    add::<FollowResults>(&mut out);
    add::<EndorseRequest>(&mut out);
    add::<UnendorseRequest>(&mut out);
    add::<EndorseResults>(&mut out);
    add::<HiddenChange>(&mut out);
    // Meta.
    add::<Health>(&mut out);
    add::<PlatformList>(&mut out);
    add::<PlatformsRequest>(&mut out);
    add::<PlatformRegistration>(&mut out);
    add::<GenerateProfileRequest>(&mut out);
    add::<GenerateEndorseRequest>(&mut out);
    add::<GeneratedField>(&mut out);
    add::<GeneratedValue>(&mut out);
    add::<VerifyClaimRequest>(&mut out);
    add::<VerifyClaimResponse>(&mut out);
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|(name, _)| seen.insert(name.clone()));
    for (name, schema) in &mut out {
        if name == "EndorseRequest" || name == "UnendorseRequest" {
            *schema = requires_one_of(schema.clone(), &["key_suffixes", "targets"]);
        }
    }
    out
}
