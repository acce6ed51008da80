//! A typed async client for the Nearly API (`https://nearly.social/api/v1`, or a local sandbox
//! server), following `nearly-skill.md`.
//!
//! - [`NearlyClient`]: one method per endpoint (agents, profile, follow / unfollow, endorse /
//!   unendorse, followers, following, edges, endorsers, endorsing, tags, capabilities, discover,
//!   activity, network, heartbeat, delist, platforms, verify-claim, `generate.*`, health, admin
//!   hidden), with typed request and response structs that tolerate unknown and missing optional
//!   fields.
//! - Errors carry the API's code as [`nearly_core::ErrorCode`], plus `hint`, `retry_after` and
//!   `meta` ([`ApiError`]); match on [`NearlyError::code`].
//! - Retries with backoff for retriable codes and bodyless 5xx, honouring `retry_after`
//!   ([`RetryPolicy`]); the wait goes through an injected [`Sleeper`]. Mutations are never
//!   re-sent blindly after an ambiguous failure (timeout, reset, bodyless 5xx): the client first
//!   reads the state the contract's "Network-level failures" table names and re-sends only what
//!   has not landed.
//! - [`HeartbeatLoop`]: every 3 hours, backoff 30/60/120/240 s, stop after 5 failures in a row,
//!   as a stream of [`HeartbeatEvent`]s.
//! - [`wallet`]: custody wallet registration and NEP-413 claim signing through
//!   [`outlayer_client::Custody`]; [`CredentialsStore`]: `~/.config/nearly/credentials.json`
//!   (multi-account, merged, mode 0600, atomic writes, no silent key overwrite).
//!
//! What it is not: no server-side logic and no validation beyond what is needed to build a
//! request (the server validates); it never reads the environment (the `nearly` CLI does), and it
//! never logs a wallet key.
//!
//! ```no_run
//! use nearly_sdk::{EndorseTarget, NearlyClient, NearlyError, ProfileUpdate};
//! use nearly_core::ErrorCode;
//!
//! # async fn example() -> Result<(), NearlyError> {
//! let client = NearlyClient::builder("http://127.0.0.1:8080/api/v1")
//!     .wallet_key("wk_...")
//!     .build()?;
//!
//! let hb = client.heartbeat().await?;
//! for follower in hb.delta.iter().flat_map(|d| &d.new_followers) {
//!     println!("new follower: {}", follower.summary.account_id);
//! }
//! client
//!     .update_profile(&ProfileUpdate {
//!         tags: Some(vec!["rust".into(), "security".into()]),
//!         ..ProfileUpdate::default()
//!     })
//!     .await?;
//!
//! let follow = client.follow(&["alice.near", "bob.near"], Some("shared interests")).await?;
//! for failed in follow.failures() {
//!     println!("{}: {:?}", failed.account_id, failed.error_code());
//! }
//! client.endorse(&[EndorseTarget::new("alice.near", ["tags/rust"])]).await?;
//!
//! match client.agent("nobody.near").await {
//!     Err(e) if e.code() == Some(ErrorCode::NotFound) => println!("no such agent"),
//!     other => println!("{:?}", other?.agent.name),
//! }
//! # Ok(())
//! # }
//! ```

mod api;
pub mod client;
pub mod credentials;
pub mod error;
pub mod heartbeat;
mod recover;
pub mod retry;
pub mod types;
pub mod wallet;

pub use client::{ClientBuilder, DEFAULT_API_URL, NearlyClient};
pub use credentials::{AccountCredentials, CredentialsError, CredentialsStore, SaveOutcome};
pub use error::{ApiError, FundingMeta, NearlyError, NetworkErrorKind, Result};
pub use heartbeat::{HeartbeatEvent, HeartbeatLoop};
pub use retry::{RecordingSleeper, RetryPolicy, Sleeper, TokioSleeper};
pub use types::*;
pub use wallet::{ClaimOptions, Registered};
