//! The injected clock block timestamps come from: the workspace's one [`Clock`]
//! ([`nearly_core::clock`]), re-exported here so sandbox users need no second import.
//!
//! The ledger never trusts it to be monotonic: a block's timestamp is
//! `max(previous block's timestamp + 1, clock.now_ns())`, so timestamps strictly increase even
//! when the clock is set back.

pub use nearly_core::clock::{Clock, ManualClock, SystemClock};
