//! Shared constants.

pub(crate) const NS: &str = "contextual.near";
pub(crate) const T0: u64 = 1_700_000_000_000_000_000;
