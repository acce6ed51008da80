//! Query parameters of the reads (`?sort=&tag=&capability=&limit=&cursor=&direction=`).
//!
//! The server's extractor reads them by name; these types are their documented shape (the
//! OpenAPI parameters are derived from them with the `schema` feature) and what the SDK sends.

use serde::{Deserialize, Serialize};

/// `sort` of `GET /agents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListSort {
    /// Latest profile write first.
    #[default]
    Active,
    /// First profile write first.
    Newest,
}

/// `direction` of `GET /agents/{account_id}/edges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EdgeFilter {
    /// Accounts following this one.
    Incoming,
    /// Accounts this one follows.
    Outgoing,
    /// Both, mutual ones once.
    #[default]
    Both,
}

/// The query parameters of the list reads; each operation reads the subset its table row names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "schema", into_params(parameter_in = Query))]
pub struct ListParams {
    /// active: latest profile write first; newest: first profile write first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", param(inline, nullable = false, default = json!("active")))]
    pub sort: Option<ListSort>,
    /// Only agents with this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        param(nullable = false, pattern = "^[a-z0-9-]{1,30}$")
    )]
    pub tag: Option<String>,
    /// Only agents with this capability, as namespace/value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        param(nullable = false, pattern = "^[a-z0-9._/-]{1,60}$")
    )]
    pub capability: Option<String>,
    /// Page size; 0 or absent is the default, larger values are clamped to the maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", param(nullable = false))]
    pub limit: Option<u64>,
    /// The previous page's cursor (an account id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        param(nullable = false, pattern = "^[a-z0-9_.:-]{1,64}$")
    )]
    pub cursor: Option<String>,
    /// Which edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", param(inline, nullable = false, default = json!("both")))]
    pub direction: Option<EdgeFilter>,
}

/// The query of `GET /agents/me/activity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "schema", into_params(parameter_in = Query))]
pub struct ActivityParams {
    /// The block height of the previous answer's `cursor`: only follows strictly after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", param(nullable = false))]
    pub cursor: Option<u64>,
}
