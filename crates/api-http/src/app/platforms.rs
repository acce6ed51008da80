//! Registering the caller on external platforms.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::{App, AppError, AppResult};
use crate::auth::Caller;
use crate::platforms::{PLATFORMS, Registration};

/// The longest a whole platform registration may take (each client has its own, shorter,
/// timeout; this bounds custody signing too).
const REGISTRATION_DEADLINE: Duration = Duration::from_secs(10);

/// Which platforms to register on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterPlatforms {
    /// Every platform of the catalog.
    All,
    /// These ids, in order (repeats ignored); an empty list registers nowhere and only
    /// answers the caller's current platforms (a credential check).
    Only(Vec<String>),
}

/// One platform's result.
#[derive(Debug, Clone, PartialEq)]
pub enum PlatformOutcome {
    /// Registered: the platform's credentials.
    Registered(Map<String, Value>),
    /// Not registered, and why.
    Failed(String),
}

/// A registration's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// Per requested platform, in request order.
    pub platforms: Vec<(String, PlatformOutcome)>,
    /// The caller's server-verified platforms after the registration.
    pub registered: Vec<String>,
    /// Non-fatal problems (a platform that failed, a store that could not save).
    pub warnings: Vec<String>,
}

type Outcome = Result<Map<String, Value>, String>;

impl App {
    /// `register_platforms`: registers the caller on the requested platforms, concurrently,
    /// and persists the ids the platforms confirmed.
    ///
    /// # Errors
    ///
    /// [`AppError::PlatformStore`] when an empty request cannot read the store;
    /// [`AppError::ReadOnly`] without a custody credential.
    pub async fn register_platforms(
        &self,
        caller: &Caller,
        which: RegisterPlatforms,
    ) -> AppResult<Registered> {
        let requested: Vec<String> = match which {
            RegisterPlatforms::All => PLATFORMS.iter().map(|p| p.id.to_owned()).collect(),
            RegisterPlatforms::Only(ids) => {
                let mut seen = BTreeSet::new();
                ids.into_iter()
                    .filter(|id| seen.insert(id.clone()))
                    .collect()
            }
        };
        if requested.is_empty() {
            let registered = self.platform_store.platforms(&caller.account_id).await?;
            return Ok(Registered {
                platforms: Vec::new(),
                registered,
                warnings: Vec::new(),
            });
        }
        let Some(custody_auth) = caller.custody_auth.clone() else {
            return Err(AppError::ReadOnly(
                "Platform registration needs a wallet key".into(),
            ));
        };
        let profile = match self.profiles.profile(&caller.account_id).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "profile lookup failed; registering without tags");
                None
            }
        };
        let registration = Registration {
            account_id: caller.account_id.clone(),
            kind: caller.kind,
            custody_auth,
            custody: self.custody.clone(),
            tags: profile
                .as_ref()
                .map(|p| p.tags.iter().map(|t| t.as_str().to_owned()).collect())
                .unwrap_or_default(),
            capabilities: profile.map(|p| p.capabilities).unwrap_or_default(),
            now_ms: self.clock.now_ms(),
        };
        let outcomes = self.run_registrations(&requested, &registration).await;

        let mut platforms = Vec::new();
        let mut warnings = Vec::new();
        let mut succeeded = Vec::new();
        for id in &requested {
            let outcome = match outcomes.iter().find(|(o, _)| o == id) {
                None => PlatformOutcome::Failed("registration failed".into()),
                Some((_, Ok(credentials))) => {
                    succeeded.push(id.clone());
                    PlatformOutcome::Registered(credentials.clone())
                }
                Some((_, Err(error))) => PlatformOutcome::Failed(error.clone()),
            };
            if let PlatformOutcome::Failed(error) = &outcome {
                warnings.push(format!("{id}: {error}"));
            }
            platforms.push((id.clone(), outcome));
        }
        let saved = if succeeded.is_empty() {
            self.platform_store.platforms(&caller.account_id).await
        } else {
            self.platform_store
                .add(&caller.account_id, &succeeded)
                .await
        };
        let registered = match saved {
            Ok(list) => list,
            Err(e) => {
                tracing::error!(error = %e, "platform store failed");
                warnings.push(
                    "registered platforms could not be saved on this server; retry later".into(),
                );
                succeeded
            }
        };
        Ok(Registered {
            platforms,
            registered,
            warnings,
        })
    }

    /// Runs every known, configured platform's registration on its own task, bounded by
    /// [`REGISTRATION_DEADLINE`].
    async fn run_registrations(
        &self,
        requested: &[String],
        registration: &Registration,
    ) -> Vec<(String, Outcome)> {
        let mut outcomes: Vec<(String, Outcome)> = Vec::new();
        let mut tasks = JoinSet::new();
        for id in requested {
            if !PLATFORMS.iter().any(|p| p.id == id) {
                outcomes.push((id.clone(), Err("unknown platform".into())));
                continue;
            }
            let Some(client) = self.platform_clients.get(id).cloned() else {
                outcomes.push((id.clone(), Err("not configured on this server".into())));
                continue;
            };
            let registration = registration.clone();
            let id = id.clone();
            tasks.spawn(async move {
                let result = match tokio::time::timeout(
                    REGISTRATION_DEADLINE,
                    client.register(&registration),
                )
                .await
                {
                    Ok(r) => r,
                    Err(_) => Err(format!("{id} did not answer in time")),
                };
                (id, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) => tracing::error!(error = %e, "platform registration task failed"),
            }
        }
        outcomes
    }
}
