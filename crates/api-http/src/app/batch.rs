//! The one batch runner of the per-target writes (follow, unfollow, endorse, unendorse).
//!
//! The skeleton every batch shares: targets deduplicated in request order, each parsed into an
//! [`AccountId`] (a bad one is a per-target `VALIDATION_ERROR`), each planned against one read
//! of the index (a result needing no write, or writes and the result they earn), then one
//! rate-limit slot per planned write (the first refused is the whole request's
//! [`AppError::RateLimited`]: nothing would be written; later refusals are per target), then
//! one write of everything allowed. An error every target would share (see
//! [`AppError::aborts_batch`]) stops the batch; any other write failure is reported per target.

use std::collections::HashSet;

use indexer::Graph;
use nearly_core::{AccountId, ErrorCode};
use serde_json::Value;

use super::{App, AppError, AppResult, MAX_TARGETS};
use crate::auth::Caller;
use crate::rate_limit::{Action, Decision};

/// A batch's targets: the path's one account, or the body's `targets` list (1 to
/// [`MAX_TARGETS`]; see [`Targets::many`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Targets<T> {
    /// The single-target form (the path's account).
    One(T),
    /// The batch form.
    Many(Vec<T>),
}

impl<T> Targets<T> {
    /// The batch form, with its size checked: at least one and at most [`MAX_TARGETS`].
    ///
    /// # Errors
    ///
    /// [`AppError::Invalid`] naming the bound.
    pub fn many(items: Vec<T>) -> AppResult<Self> {
        if items.is_empty() {
            return Err(AppError::invalid("targets must not be empty"));
        }
        if items.len() > MAX_TARGETS {
            return Err(AppError::Invalid(format!(
                "targets must hold at most {MAX_TARGETS} entries (got {})",
                items.len()
            )));
        }
        Ok(Self::Many(items))
    }

    /// Applies `f` to every target.
    ///
    /// # Errors
    ///
    /// The first error of `f`.
    pub fn try_map<U, E>(self, mut f: impl FnMut(T) -> Result<U, E>) -> Result<Targets<U>, E> {
        Ok(match self {
            Self::One(t) => Targets::One(f(t)?),
            Self::Many(items) => Targets::Many(items.into_iter().map(f).collect::<Result<_, _>>()?),
        })
    }

    fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(t) => vec![t],
            Self::Many(items) => items,
        }
    }
}

/// A per-target failure: its code and the human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// The message.
    pub message: String,
}

impl TargetError {
    /// A failure with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<&AppError> for TargetError {
    fn from(e: &AppError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

/// One target's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Target<R> {
    /// The target as the request named it (validated when the result is not a failure).
    pub account_id: String,
    /// What happened to it.
    pub result: R,
}

/// A batch's results in request order, and the last rate-limit decision it consumed (for the
/// `X-RateLimit-*` answer), `None` when nothing needed a slot.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome<R> {
    /// One result per distinct target.
    pub results: Vec<Target<R>>,
    /// The last decision of the action's limiter.
    pub rate: Option<Decision>,
}

/// What one target needs, decided against the index.
pub(crate) enum Plan<R> {
    /// Nothing to write: this is its result (already done, a refusal).
    Done(R),
    /// These writes, earning `success` once written.
    Write {
        /// `(key, value)` pairs, `null` deleting.
        writes: Vec<(String, Value)>,
        /// The result when they are written.
        success: R,
    },
}

/// A target that passed its checks, waiting for a rate-limit slot and the write.
struct Pending<R> {
    slot: usize,
    writes: Vec<(String, Value)>,
    success: R,
}

/// How a batch is run: its limited action and whether its first write also creates the
/// caller's default profile (follow and endorse do; the retractions do not).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchSpec {
    pub(crate) action: Action,
    pub(crate) creates_profile: bool,
}

impl App {
    /// Runs a batch (see the module docs). `account_of` names an item's target; `plan` decides
    /// each distinct, valid target under one read of the index.
    pub(crate) async fn run_batch<I, R>(
        &self,
        caller: &Caller,
        spec: BatchSpec,
        items: Targets<I>,
        account_of: impl Fn(&I) -> &str,
        mut plan: impl FnMut(&Graph, &AccountId, I) -> Plan<R>,
    ) -> AppResult<BatchOutcome<R>>
    where
        R: From<TargetError>,
    {
        let mut slots: Vec<(String, Option<R>)> = Vec::new();
        let mut pending = Vec::new();
        {
            let graph = self.index.read();
            let mut seen = HashSet::new();
            for item in items.into_vec() {
                let raw = account_of(&item).to_owned();
                if !seen.insert(raw.clone()) {
                    continue;
                }
                let slot = slots.len();
                let target = match AccountId::parse(&raw) {
                    Ok(t) => t,
                    Err(e) => {
                        let failure = TargetError::new(ErrorCode::ValidationError, e.to_string());
                        slots.push((raw, Some(R::from(failure))));
                        continue;
                    }
                };
                match plan(&graph, &target, item) {
                    Plan::Done(result) => slots.push((target.to_string(), Some(result))),
                    Plan::Write { writes, success } => {
                        slots.push((target.to_string(), None));
                        pending.push(Pending {
                            slot,
                            writes,
                            success,
                        });
                    }
                }
            }
        }
        let prefix = if spec.creates_profile && !pending.is_empty() {
            self.default_profile_writes(&caller.account_id)
        } else {
            Vec::new()
        };
        let rate = self
            .write_pending(caller, spec.action, prefix, pending, &mut slots)
            .await?;
        let results = slots
            .into_iter()
            .filter_map(|(account_id, result)| result.map(|result| Target { account_id, result }))
            .collect();
        Ok(BatchOutcome { results, rate })
    }

    /// Consumes one slot per pending target (in order), writes the allowed ones in one go and
    /// fills their results.
    async fn write_pending<R: From<TargetError>>(
        &self,
        caller: &Caller,
        action: Action,
        prefix: Vec<(String, Value)>,
        pending: Vec<Pending<R>>,
        slots: &mut [(String, Option<R>)],
    ) -> AppResult<Option<Decision>> {
        let mut allowed = Vec::new();
        let mut last = None;
        for (i, p) in pending.into_iter().enumerate() {
            let decision = self
                .rate_limiter
                .check(action, caller.account_id.as_str())
                .await
                .map_err(|cause| AppError::LimiterUnavailable { action, cause })?;
            if decision.allowed {
                allowed.push(p);
            } else if i == 0 {
                return Err(AppError::RateLimited { action, decision });
            } else if let Some((_, r)) = slots.get_mut(p.slot) {
                *r = Some(R::from(TargetError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "rate limit for {} reached; retry in {}s",
                        action.name(),
                        decision.retry_after.unwrap_or(1)
                    ),
                )));
            }
            last = Some(decision);
        }
        if allowed.is_empty() {
            return Ok(last);
        }
        let mut writes = prefix;
        for p in &allowed {
            writes.extend(p.writes.iter().cloned());
        }
        match self.commit(caller, &writes).await {
            Ok(()) => {
                for p in allowed {
                    if let Some((_, r)) = slots.get_mut(p.slot) {
                        *r = Some(p.success);
                    }
                }
            }
            Err(e) if e.aborts_batch() => return Err(e),
            Err(e) => {
                for p in allowed {
                    if let Some((_, r)) = slots.get_mut(p.slot) {
                        *r = Some(R::from(TargetError::from(&e)));
                    }
                }
            }
        }
        Ok(last)
    }
}
