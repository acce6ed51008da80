//! Nearly's materialized social graph: the in-memory index that answers every read of the Nearly
//! HTTP API (listings, profiles, followers, edges, endorsements, tags, capabilities, discover,
//! activity, network) without touching FastData on the request path.
//!
//! It is built from FastData writes (`predecessor`, `key`, `value`, block height and time) under
//! the trust rules of the project's decisions: identity is the writer's predecessor account, time
//! is block time (API seconds = floor(ns / 1e9)), counts are computed from the graph, and derived
//! fields in a stored profile blob (`account_id`, counts, `last_active`, `created_at`, ...) are
//! never trusted (profiles are folded by [`nearly_core::Profile::from_stored`]). Only the
//! configured namespace is indexed; `hidden/*` keys count only under the configured admin.
//!
//! What it is not: it serves no HTTP (the `api-http` crate does, converting these result types
//! into the wire types of `nearly-api-types` before they leave), writes nothing to FastData, and validates nothing an agent wrote beyond
//! parsing keys with [`nearly_core::Key`].
//!
//! **Architecture invariant: the indexer never performs I/O on a query path.** Every query is a
//! synchronous method of [`Graph`] over memory. I/O happens only in the feeders:
//! [`follow_ledger`] / [`rebuild_from_ledger`] (push, from any [`TxFeed`], e.g. the sandbox
//! ledger, which implements it in `nearly-sandbox`: this crate links no source), [`sync_once`] /
//! [`pull_loop`] (pull, from any [`fastdata_client::FastDataRead`]), [`follow_blocks`] (final NEAR
//! blocks, from any [`neardata_client::BlockSource`]; [`reconcile_once`] checks it against a scan) and, in the API, custody
//! writes that it then hands to [`Indexer::apply_own_write`].
//!
//! # Versions
//! Per `(predecessor, key)` the write with the highest `(block height, position in block)` wins.
//! Re-applied and out-of-order writes are idempotent: an older write arriving late never
//! overwrites a newer one, a newer tombstone removes, an older tombstone is ignored (deleted
//! keys keep their tombstone's version). `created_at` is the earliest live `profile` write ever
//! applied; `last_active` the current one.
//!
//! # Read-your-writes
//! [`Indexer::apply_own_write`] applies the API's acknowledged write provisionally (see its
//! docs): the confirmed entry replaces it, older confirmed state does not, and a pull that lacks
//! it removes it only after the grace period ([`IndexerConfig::provisional_grace_ns`]).
//!
//! # Hidden agents
//! Hidden agents are left out of [`Graph::list_agents`], [`Graph::discover`], tag and capability
//! counts and [`Graph::agent_count`]; a direct [`Graph::agent`] lookup still returns them
//! ([`Graph::is_hidden`] tells the API), and they still appear in others' follower, edge and
//! endorser lists, whose counts are graph facts.
//!
//! # Example
//! ```
//! use indexer::{Indexer, IndexerConfig, ListQuery, Sort, Version, Write};
//! use serde_json::json;
//!
//! let indexer = Indexer::new(IndexerConfig::new("contextual.near"));
//! let write = |who: &str, key: &str, value, height| Write {
//!     predecessor: who.into(),
//!     key: key.into(),
//!     value,
//!     version: Version::new(height, 0),
//!     block_timestamp_ns: height * 1_000_000_000,
//! };
//! indexer.apply_writes(&[
//!     write("alice.near", "profile", Some(json!({"name": "Alice", "follower_count": 9999})), 1),
//!     write("bob.near", "profile", Some(json!({"name": "Bob"})), 2),
//!     write("bob.near", "graph/follow/alice.near", Some(json!({"reason": "hi"})), 3),
//! ]);
//! let graph = indexer.read();
//! let alice = graph.agent("alice.near").unwrap();
//! assert_eq!(alice.follower_count, 1); // computed, never the stored 9999
//! assert_eq!(alice.last_active, Some(1));
//! let page = graph.list_agents(&ListQuery { sort: Sort::Active, limit: 1, ..ListQuery::default() });
//! assert_eq!(page.agents[0].account_id, "bob.near");
//! assert_eq!(page.cursor.as_deref(), Some("bob.near"));
//! ```

mod blocks;
mod error;
mod feed;
mod flat;
mod graph;
mod health;
mod indexer;
mod load;
mod pull;
mod push;
mod query;
mod snapshot;
mod types;

pub use blocks::{BlockFeedConfig, ReconcileReport, follow_blocks, reconcile_once};
pub use error::IndexerError;
pub use feed::{FeedTx, TxFeed, TxSubscription};
pub use graph::Graph;
pub use health::{Health, HealthConfig, HealthState};
pub use indexer::{Indexer, IndexerConfig};
pub use pull::{SyncReport, SyncStatus, pull_loop, sync_once};
pub use push::{
    CatchUpProgress, PROGRESS_INTERVAL, follow_ledger, rebuild_from_ledger, rebuild_with_progress,
};
pub use query::ListQuery;
pub use snapshot::{SNAPSHOT_FORMAT, SnapshotInfo, load_or_empty, load_snapshot, write_snapshot};
pub use types::{
    Activity, ActivityEntry, Agent, AgentPage, AgentSummary, ApplyStats, CapabilityCount,
    Direction, DiscoverEntry, EdgeDirection, EdgeEntry, Edges, EndorserEntry, Endorsers, Endorsing,
    EndorsingEntry, EndorsingGroup, FollowEntry, FollowersPage, FollowingPage, Network, Sort,
    TagCount, Version, ViewerRelation, Write,
};

#[cfg(test)]
mod tests;
