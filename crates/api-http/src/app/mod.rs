//! The application layer: the use cases of every write, the `generate.*` drafts, and the
//! reads they answer with.
//!
//! Each use case takes the authenticated [`crate::Caller`] and typed inputs (domain newtypes from
//! `nearly-core`: [`nearly_core::AccountId`], [`nearly_core::Reason`],
//! [`nearly_core::ProfilePatch`]), runs every check (validation, self-targets, existence,
//! idempotency, rate-limit slots), writes through the caller's custody wallet and returns a
//! typed outcome or an [`AppError`]. The axum handlers (the private `handlers` module, one file
//! per feature) only extract, call and respond.
//!
//! **Invariant: this layer knows no HTTP.** No axum, no `http` types, no status codes, no JSON
//! envelope: an [`AppError`] carries a domain [`nearly_core::ErrorCode`] and a message, and only
//! [`crate::error`] turns it into a response. (A test scans these files for HTTP imports.)
//!
//! Its dependencies are the state's existing ports ([`outlayer_client::Custody`], the
//! [`indexer::Indexer`], [`RateLimiter`], [`PlatformStore`], [`PlatformClient`],
//! [`ProfileLookup`], [`LlmClient`], [`GenerateBudget`], the [`Clock`]), gathered in [`App`].
//!
//! ```no_run
//! # async fn example(state: api_http::AppState, caller: api_http::Caller) {
//! use api_http::app::{FollowRequest, Targets};
//! use api_http::rate_limit::Action;
//! let target = nearly_core::AccountId::parse("bob.near").unwrap();
//! let outcome = state
//!     .app()
//!     .follow(&caller, Action::Follow, FollowRequest {
//!         targets: Targets::One(target.to_string()),
//!         reason: None,
//!     })
//!     .await;
//! # }
//! ```

mod admin;
mod batch;
mod error;
mod generate;
mod platforms;
mod profile;
mod social;
mod write;

use std::collections::HashMap;
use std::sync::Arc;

use indexer::Indexer;
use nep413::Clock;
use outlayer_client::Custody;

use crate::generate::{GenerateBudget, LlmClient, ProfileLookup};
use crate::platforms::{PlatformClient, PlatformStore};
use crate::rate_limit::RateLimiter;
use crate::state::{AppState, SourceHead};

pub use admin::HiddenChange;
pub use batch::{BatchOutcome, Target, TargetError, Targets};
pub use error::{AppError, FUND_AMOUNT, FUND_TOKEN};
pub use platforms::{PlatformOutcome, RegisterPlatforms, Registered};
pub use profile::{Delisted, HeartbeatDelta, HeartbeatOutcome, MeView};
pub use social::{
    EndorseFields, EndorseItem, EndorseRequest, EndorseResult, FollowOutcome, FollowRequest,
    FollowResult, Skipped,
};

/// Most targets one batch may name.
pub const MAX_TARGETS: usize = 20;
/// Most key suffixes per endorse or unendorse target.
pub const MAX_SUFFIXES: usize = 20;
/// Longest caller-asserted `content_hash`, in bytes.
pub const MAX_CONTENT_HASH_BYTES: usize = 256;

/// The use cases' dependencies: the state's ports, cheap to clone (all `Arc`s).
#[derive(Clone)]
pub struct App {
    custody: Arc<dyn Custody>,
    index: Arc<Indexer>,
    rate_limiter: Arc<dyn RateLimiter>,
    platform_store: Arc<dyn PlatformStore>,
    platform_clients: Arc<HashMap<String, Arc<dyn PlatformClient>>>,
    profiles: Arc<dyn ProfileLookup>,
    llm: Option<Arc<dyn LlmClient>>,
    budget: Arc<dyn GenerateBudget>,
    clock: Arc<dyn Clock>,
    source_head: Option<SourceHead>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field(
                "platforms",
                &self.platform_clients.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl App {
    /// The use cases over `state`'s dependencies.
    pub fn new(state: &AppState) -> Self {
        Self {
            custody: state.custody.clone(),
            index: state.index.clone(),
            rate_limiter: state.rate_limiter.clone(),
            platform_store: state.platform_store.clone(),
            platform_clients: state.platform_clients.clone(),
            profiles: state.profiles.clone(),
            llm: state.llm.clone(),
            budget: state.budget.clone(),
            clock: state.clock.clone(),
            source_head: state.source_head.clone(),
        }
    }

    /// The index the use cases read and apply their own writes to.
    pub fn index(&self) -> &Indexer {
        &self.index
    }

    fn now_ns(&self) -> u64 {
        self.clock.now_ms().saturating_mul(1_000_000)
    }
}

impl AppState {
    /// The application layer over this state's dependencies.
    pub fn app(&self) -> App {
        App::new(self)
    }
}

/// The result of every use case.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    /// The invariant: no file of the application layer imports HTTP.
    #[test]
    fn the_application_layer_knows_no_http() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
        let forbidden = [
            "axum",
            "http::",
            "StatusCode",
            "HeaderValue",
            "HeaderName",
            "IntoResponse",
            "hyper",
            "tower",
            "crate::error",
            "crate::handlers",
            "json!",
        ];
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // The test module itself names the forbidden words.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for word in forbidden {
                let hits: Vec<&str> = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .filter(|l| l.contains(word))
                    .collect();
                assert!(hits.is_empty(), "{} uses {word}: {hits:?}", path.display());
            }
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} files under src/app");
    }
}
