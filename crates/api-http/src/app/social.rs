//! The four social writes: follow, unfollow, endorse, unendorse, each a [`Plan`] per target run
//! by the one batch runner.

use std::collections::HashSet;

use indexer::{Graph, Network};
use nearly_core::{AccountId, ErrorCode, Key, KeySuffix, Reason, endorsement_value, follow_value};
use serde_json::Value;

use super::batch::{BatchSpec, Plan};
use super::{
    App, AppError, AppResult, BatchOutcome, MAX_CONTENT_HASH_BYTES, MAX_SUFFIXES, TargetError,
    Targets,
};
use crate::auth::Caller;
use crate::rate_limit::Action;

/// A follow: the targets and an optional reason (the same for every target).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowRequest {
    /// Account ids as the request named them (each validated per target).
    pub targets: Targets<String>,
    /// Why (stored on each edge).
    pub reason: Option<Reason>,
}

/// One target's follow or unfollow result.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowResult {
    /// The edge was written.
    Followed,
    /// The edge already existed: nothing written.
    AlreadyFollowing,
    /// The edge was deleted.
    Unfollowed,
    /// There was no edge: nothing written.
    NotFollowing,
    /// This target failed.
    Failed(TargetError),
}

impl From<TargetError> for FollowResult {
    fn from(e: TargetError) -> Self {
        Self::Failed(e)
    }
}

/// A follow or unfollow batch's results and the caller's counts after it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowOutcome {
    /// Per target, in request order.
    pub batch: BatchOutcome<FollowResult>,
    /// The caller's follower and following counts after the writes.
    pub network: Network,
}

/// A key suffix an endorsement skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The suffix as given.
    pub key_suffix: String,
    /// The rule it broke.
    pub reason: String,
}

/// One endorse or unendorse target. In the batch form a bad field fails only its target, so
/// the fields arrive already checked or as the error that target reports.
#[derive(Debug, Clone, PartialEq)]
pub struct EndorseItem {
    /// The target as the request named it.
    pub account_id: String,
    /// Its fields, or why they are unusable.
    pub fields: Result<EndorseFields, AppError>,
}

/// The fields of one endorsement target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorseFields {
    /// Key suffixes as given (1 to [`super::MAX_SUFFIXES`]); each is checked against the
    /// target, and a bad one is skipped.
    pub key_suffixes: Vec<String>,
    /// Why (endorse only).
    pub reason: Option<Reason>,
    /// A caller-asserted content hash (endorse only; see [`EndorseFields::content_hash`]).
    pub content_hash: Option<String>,
}

impl EndorseFields {
    /// One target's fields as the request gave them, checked in order: `key_suffixes` present
    /// and 1 to [`super::MAX_SUFFIXES`] long, `reason` a valid [`Reason`], `content_hash` (see
    /// [`EndorseFields::content_hash`]).
    ///
    /// # Errors
    ///
    /// [`AppError::Invalid`] naming the first rule broken.
    pub fn parse(
        key_suffixes: Option<Vec<String>>,
        reason: Option<&str>,
        content_hash: Option<&str>,
    ) -> AppResult<Self> {
        let key_suffixes = match key_suffixes {
            None => return Err(AppError::invalid("key_suffixes is required")),
            Some(items) if items.is_empty() => {
                return Err(AppError::invalid("key_suffixes must not be empty"));
            }
            Some(items) if items.len() > MAX_SUFFIXES => {
                return Err(AppError::Invalid(format!(
                    "key_suffixes must hold at most {MAX_SUFFIXES} entries (got {})",
                    items.len()
                )));
            }
            Some(items) => items,
        };
        Ok(Self {
            key_suffixes,
            reason: reason
                .map(|r| Reason::parse(r).map_err(|e| AppError::Invalid(e.to_string())))
                .transpose()?,
            content_hash: content_hash.map(Self::content_hash).transpose()?,
        })
    }

    /// Checks a `content_hash`: at most [`MAX_CONTENT_HASH_BYTES`] bytes, no control characters.
    ///
    /// # Errors
    ///
    /// [`AppError::Invalid`] naming the rule.
    pub fn content_hash(raw: &str) -> AppResult<String> {
        if raw.len() > MAX_CONTENT_HASH_BYTES {
            return Err(AppError::Invalid(format!(
                "content_hash must be at most {MAX_CONTENT_HASH_BYTES} bytes"
            )));
        }
        if raw.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "content_hash must not contain control characters",
            ));
        }
        Ok(raw.to_owned())
    }
}

/// An endorse or unendorse request.
pub type EndorseRequest = Targets<EndorseItem>;

/// One target's endorse or unendorse result.
#[derive(Debug, Clone, PartialEq)]
pub enum EndorseResult {
    /// Endorsed under `endorsed` (written now) and `already_endorsed` (unchanged); `skipped`
    /// suffixes were invalid.
    Endorsed {
        /// Suffixes written now.
        endorsed: Vec<String>,
        /// Suffixes that already carried this endorsement.
        already_endorsed: Vec<String>,
        /// Suffixes refused, with why.
        skipped: Vec<Skipped>,
    },
    /// Retracted the `removed` suffixes (those the caller had endorsed).
    Unendorsed {
        /// Suffixes deleted now.
        removed: Vec<String>,
    },
    /// Every suffix was invalid: nothing to endorse.
    NoValidSuffix {
        /// Why each was refused.
        skipped: Vec<Skipped>,
    },
    /// This target failed.
    Failed(TargetError),
}

impl From<TargetError> for EndorseResult {
    fn from(e: TargetError) -> Self {
        Self::Failed(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Endorse,
    Unendorse,
}

impl App {
    /// `follow`: writes `graph/follow/{target}` for each target the caller does not follow yet
    /// (a default profile first when the caller has none). Per target: `SELF_FOLLOW`,
    /// `NOT_FOUND` (no profile), `already_following`; one `limit` slot per write.
    ///
    /// # Errors
    ///
    /// The whole request fails only when no write could run (the first slot refused, the
    /// limiter down) or every target would fail alike ([`AppError::aborts_batch`]).
    pub async fn follow(
        &self,
        caller: &Caller,
        limit: Action,
        request: FollowRequest,
    ) -> AppResult<FollowOutcome> {
        let me = caller.account_id.as_str().to_owned();
        let reason = request.reason;
        let spec = BatchSpec {
            action: limit,
            creates_profile: true,
        };
        let plan = |graph: &Graph, target: &AccountId, _raw: String| {
            let t = target.as_str();
            if t == me {
                Plan::Done(failed(ErrorCode::SelfFollow, "cannot follow yourself"))
            } else if !graph.has_profile(t) {
                Plan::Done(failed(ErrorCode::NotFound, "agent not found"))
            } else if graph.is_following(&me, t) {
                Plan::Done(FollowResult::AlreadyFollowing)
            } else {
                Plan::Write {
                    writes: vec![(
                        Key::Follow(target.clone()).to_key_string(),
                        follow_value(reason.as_ref()),
                    )],
                    success: FollowResult::Followed,
                }
            }
        };
        let batch = self
            .run_batch(caller, spec, request.targets, String::as_str, plan)
            .await?;
        Ok(FollowOutcome {
            batch,
            network: self.index.read().network(caller.account_id.as_str()),
        })
    }

    /// `unfollow`: deletes `graph/follow/{target}` for each target the caller follows. Per
    /// target: `SELF_UNFOLLOW`, `not_following`; one `limit` slot per delete.
    ///
    /// # Errors
    ///
    /// As [`App::follow`].
    pub async fn unfollow(
        &self,
        caller: &Caller,
        limit: Action,
        targets: Targets<String>,
    ) -> AppResult<FollowOutcome> {
        let me = caller.account_id.as_str().to_owned();
        let spec = BatchSpec {
            action: limit,
            creates_profile: false,
        };
        let plan = |graph: &Graph, target: &AccountId, _raw: String| {
            let t = target.as_str();
            if t == me {
                Plan::Done(failed(ErrorCode::SelfUnfollow, "cannot unfollow yourself"))
            } else if !graph.is_following(&me, t) {
                Plan::Done(FollowResult::NotFollowing)
            } else {
                Plan::Write {
                    writes: vec![(Key::Follow(target.clone()).to_key_string(), Value::Null)],
                    success: FollowResult::Unfollowed,
                }
            }
        };
        let batch = self
            .run_batch(caller, spec, targets, String::as_str, plan)
            .await?;
        Ok(FollowOutcome {
            batch,
            network: self.index.read().network(caller.account_id.as_str()),
        })
    }

    /// `endorse`: writes `endorsing/{target}/{suffix}` for each valid suffix the caller has not
    /// endorsed with this `content_hash` (a default profile first when the caller has none).
    ///
    /// # Errors
    ///
    /// As [`App::follow`].
    pub async fn endorse(
        &self,
        caller: &Caller,
        limit: Action,
        request: EndorseRequest,
    ) -> AppResult<BatchOutcome<EndorseResult>> {
        self.endorse_batch(caller, limit, request, Op::Endorse)
            .await
    }

    /// `unendorse`: deletes the caller's endorsements of each target under the named suffixes.
    ///
    /// # Errors
    ///
    /// As [`App::follow`].
    pub async fn unendorse(
        &self,
        caller: &Caller,
        limit: Action,
        request: EndorseRequest,
    ) -> AppResult<BatchOutcome<EndorseResult>> {
        self.endorse_batch(caller, limit, request, Op::Unendorse)
            .await
    }

    async fn endorse_batch(
        &self,
        caller: &Caller,
        limit: Action,
        request: EndorseRequest,
        op: Op,
    ) -> AppResult<BatchOutcome<EndorseResult>> {
        let me = caller.account_id.as_str().to_owned();
        let spec = BatchSpec {
            action: limit,
            creates_profile: op == Op::Endorse,
        };
        let plan = |graph: &Graph, target: &AccountId, item: EndorseItem| {
            plan_endorse(graph, &me, target, item, op)
        };
        self.run_batch(caller, spec, request, |i| i.account_id.as_str(), plan)
            .await
    }
}

fn failed(code: ErrorCode, message: &str) -> FollowResult {
    FollowResult::Failed(TargetError::new(code, message))
}

fn plan_endorse(
    graph: &Graph,
    me: &str,
    target: &AccountId,
    item: EndorseItem,
    op: Op,
) -> Plan<EndorseResult> {
    let t = target.as_str();
    if t == me {
        let (code, message) = match op {
            Op::Endorse => (ErrorCode::SelfEndorse, "cannot endorse yourself"),
            Op::Unendorse => (ErrorCode::SelfUnendorse, "cannot unendorse yourself"),
        };
        return Plan::Done(EndorseResult::Failed(TargetError::new(code, message)));
    }
    let fields = match item.fields {
        Ok(f) => f,
        Err(e) => return Plan::Done(EndorseResult::Failed(TargetError::from(&e))),
    };
    if op == Op::Endorse && !graph.has_profile(t) {
        return Plan::Done(EndorseResult::Failed(TargetError::new(
            ErrorCode::NotFound,
            "agent not found",
        )));
    }
    let mut done = Vec::new();
    let mut already = Vec::new();
    let mut skipped = Vec::new();
    let mut writes = Vec::new();
    let mut seen = HashSet::new();
    for raw in fields.key_suffixes {
        if !seen.insert(raw.clone()) {
            continue;
        }
        let suffix = match KeySuffix::parse(target, &raw) {
            Ok(s) => s,
            Err(e) => {
                if op == Op::Endorse {
                    skipped.push(Skipped {
                        key_suffix: raw,
                        reason: e.to_string(),
                    });
                }
                continue;
            }
        };
        let existing = graph.endorsement(me, t, suffix.as_str());
        let key = Key::Endorsing {
            target: target.clone(),
            suffix,
        }
        .to_key_string();
        match op {
            Op::Endorse if existing.as_ref() == Some(&fields.content_hash) => already.push(raw),
            Op::Endorse => {
                writes.push((
                    key,
                    endorsement_value(fields.reason.as_ref(), fields.content_hash.as_deref()),
                ));
                done.push(raw);
            }
            Op::Unendorse if existing.is_some() => {
                writes.push((key, Value::Null));
                done.push(raw);
            }
            Op::Unendorse => {}
        }
    }
    if writes.is_empty() && op == Op::Endorse && already.is_empty() {
        return Plan::Done(EndorseResult::NoValidSuffix { skipped });
    }
    let success = match op {
        Op::Endorse => EndorseResult::Endorsed {
            endorsed: done,
            already_endorsed: already,
            skipped,
        },
        Op::Unendorse => EndorseResult::Unendorsed { removed: done },
    };
    if writes.is_empty() {
        Plan::Done(success)
    } else {
        Plan::Write { writes, success }
    }
}
