//! Verify-before-resend: what a mutation does after an ambiguous failure.
//!
//! An ambiguous failure (a timeout, a reset connection, a 5xx without an API error code) may
//! have been applied server-side. Re-sending blindly would double-spend rate-limit slots and, for
//! a heartbeat, lose the delta. So the SDK waits one backoff, reads the state the contract's
//! "Network-level failures" table names, and re-sends only what has not landed, up to the retry
//! policy's `max_retries` rounds. When the verification read itself fails, the original error is
//! returned: the outcome stays unknown.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use nearly_core::ErrorCode;
use serde::de::DeserializeOwned;

use crate::api::{endorse_request, follow_request, unendorse_request};
use crate::client::{NearlyClient, Request, Resend};
use crate::error::{NearlyError, Result};
use crate::types::{
    DelistAction, Delisted, EndorseAction, EndorseResponse, EndorseResult, EndorseTarget,
    FollowAction, FollowResponse, FollowResult, Heartbeat, HiddenAction, HiddenChange, Page,
    ProfileUpdate, ProfileUpdated, UnendorseTarget,
};

/// Pages of `/following` read when verifying a follow batch (100 agents each).
const MAX_FOLLOWING_PAGES: usize = 100;

impl NearlyClient {
    /// Your account id: given at build time, or read from `GET /agents/me`.
    pub(crate) async fn my_account_id(&self) -> Result<String> {
        if let Some(id) = self.known_account_id() {
            return Ok(id);
        }
        Ok(self.me().await?.agent.account_id)
    }

    /// Sends a single-state mutation; after an ambiguous failure, `landed` says whether it was
    /// applied (`Some(answer)`), not applied (`None`: re-send), or cannot tell (`Err`).
    pub(crate) async fn mutate_verified<T, V, F>(&self, req: Request, landed: V) -> Result<T>
    where
        T: DeserializeOwned,
        V: Fn() -> F,
        F: Future<Output = Result<Option<T>>>,
    {
        let mut round = 0u32;
        loop {
            let err = match self.execute(&req, Resend::Unambiguous).await {
                Ok(reply) => return reply.data(),
                Err(e) => e,
            };
            if !err.is_ambiguous() || round >= self.inner.retry.max_retries {
                return Err(err);
            }
            round += 1;
            self.sleep(self.inner.retry.backoff(round)).await;
            match landed().await {
                Ok(Some(answer)) => return Ok(answer),
                Ok(None) => tracing::debug!(round, "mutation not applied; sending it again"),
                Err(_) => return Err(err),
            }
        }
    }

    pub(crate) async fn heartbeat_landed(&self, sent_at: u64) -> Result<Option<Heartbeat>> {
        match self.me().await {
            Ok(me) if me.agent.last_active.is_some_and(|t| t >= sent_at) => Ok(Some(Heartbeat {
                agent: me.agent,
                delta: None,
                profile_completeness: Some(me.profile_completeness),
                actions: me.actions,
                features: Some(me.features),
                recovered: true,
            })),
            Ok(_) => Ok(None),
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn profile_landed(
        &self,
        update: &ProfileUpdate,
    ) -> Result<Option<ProfileUpdated>> {
        match self.me().await {
            Ok(me) if update.is_reflected_in(&me.agent) => Ok(Some(ProfileUpdated {
                agent: me.agent,
                profile_completeness: Some(me.profile_completeness),
                actions: me.actions,
                recovered: true,
            })),
            Ok(_) => Ok(None),
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn delist_landed(&self) -> Result<Option<Delisted>> {
        let me = self.my_account_id().await?;
        match self.agent(&me).await {
            Ok(_) => Ok(None),
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Ok(Some(Delisted {
                action: Some(DelistAction::Delisted),
                account_id: Some(me),
                removed_keys: None,
                recovered: true,
            })),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn hidden_landed(
        &self,
        account_id: &str,
        hide: bool,
    ) -> Result<Option<HiddenChange>> {
        let list = self.hidden().await?;
        let is_hidden = list.hidden.iter().any(|h| h == account_id);
        Ok((is_hidden == hide).then(|| HiddenChange {
            action: if hide {
                HiddenAction::Hidden
            } else {
                HiddenAction::Unhidden
            },
            account_id: account_id.to_owned(),
            recovered: true,
        }))
    }

    /// Every account `account_id` follows, read page by page from `/following`.
    pub(crate) async fn following_set(&self, account_id: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let mut page = Page {
            limit: Some(100),
            cursor: None,
        };
        for _ in 0..MAX_FOLLOWING_PAGES {
            let list = self.following(account_id, &page).await?;
            out.extend(list.agents.into_iter().map(|a| a.agent.account_id));
            match list.cursor {
                Some(c) if !list.cursor_reset && page.cursor.as_ref() != Some(&c) => {
                    page.cursor = Some(c);
                }
                _ => break,
            }
        }
        Ok(out)
    }

    pub(crate) async fn follow_batch(
        &self,
        follow: bool,
        targets: &[&str],
        reason: Option<&str>,
    ) -> Result<FollowResponse> {
        if targets.is_empty() {
            return Err(NearlyError::InvalidInput(
                "follow and unfollow need at least one target".into(),
            ));
        }
        let order: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
        let mut pending = order.clone();
        let mut recovered: Vec<FollowResult> = Vec::new();
        let mut round = 0u32;
        loop {
            let req = follow_request(follow, &pending, reason);
            let err = match self.execute(&req, Resend::Unambiguous).await {
                Ok(reply) => {
                    let mut resp: FollowResponse = reply.data()?;
                    if !recovered.is_empty() {
                        resp.recovered = true;
                        resp.results.append(&mut recovered);
                        sort_by_request(&mut resp.results, &order, |r| &r.account_id);
                    }
                    return Ok(resp);
                }
                Err(e) => e,
            };
            if !err.is_ambiguous() || round >= self.inner.retry.max_retries {
                return Err(err);
            }
            round += 1;
            self.sleep(self.inner.retry.backoff(round)).await;
            let Ok(me) = self.my_account_id().await else {
                return Err(err);
            };
            let Ok(followed) = self.following_set(&me).await else {
                return Err(err);
            };
            let (done, rest): (Vec<String>, Vec<String>) = pending
                .into_iter()
                .partition(|t| followed.contains(t) == follow);
            let action = if follow {
                FollowAction::Followed
            } else {
                FollowAction::Unfollowed
            };
            recovered.extend(done.iter().map(|t| FollowResult::new(t.as_str(), action)));
            if rest.is_empty() {
                sort_by_request(&mut recovered, &order, |r| &r.account_id);
                return Ok(FollowResponse {
                    results: recovered,
                    your_network: None,
                    recovered: true,
                });
            }
            pending = rest;
        }
    }

    /// What `me` currently endorses: target -> suffix -> content hash.
    async fn endorsing_map(&self) -> Result<BTreeMap<String, BTreeMap<String, Option<String>>>> {
        let me = self.my_account_id().await?;
        let endorsing = self.endorsing(&me).await?;
        Ok(endorsing
            .endorsing
            .into_iter()
            .map(|(target, group)| {
                let entries = group
                    .entries
                    .into_iter()
                    .map(|e| (e.key_suffix, e.content_hash))
                    .collect();
                (target, entries)
            })
            .collect())
    }

    pub(crate) async fn endorse_batch(&self, targets: &[EndorseTarget]) -> Result<EndorseResponse> {
        let order: Vec<String> = targets.iter().map(|t| t.account_id.clone()).collect();
        let mut pending = targets.to_vec();
        let mut recovered: Vec<EndorseResult> = Vec::new();
        let mut round = 0u32;
        loop {
            let req = endorse_request(&pending)?;
            let err = match self.execute(&req, Resend::Unambiguous).await {
                Ok(reply) => {
                    let resp: EndorseResponse = reply.data()?;
                    return Ok(merge_endorse(resp, recovered, &order));
                }
                Err(e) => e,
            };
            if !err.is_ambiguous() || round >= self.inner.retry.max_retries {
                return Err(err);
            }
            round += 1;
            self.sleep(self.inner.retry.backoff(round)).await;
            let Ok(current) = self.endorsing_map().await else {
                return Err(err);
            };
            let mut rest = Vec::new();
            for target in pending {
                let present = current.get(&target.account_id);
                let (done, todo): (Vec<String>, Vec<String>) =
                    target.key_suffixes.iter().cloned().partition(|s| {
                        present.and_then(|m| m.get(s)).is_some_and(|hash| {
                            target.content_hash.is_none() || *hash == target.content_hash
                        })
                    });
                if !done.is_empty() {
                    recovered.push(EndorseResult::endorsed(&*target.account_id, done));
                }
                if !todo.is_empty() {
                    rest.push(EndorseTarget {
                        key_suffixes: todo,
                        ..target
                    });
                }
            }
            if rest.is_empty() {
                return Ok(merge_endorse(EndorseResponse::default(), recovered, &order));
            }
            pending = rest;
        }
    }

    pub(crate) async fn unendorse_batch(
        &self,
        targets: &[UnendorseTarget],
    ) -> Result<EndorseResponse> {
        let order: Vec<String> = targets.iter().map(|t| t.account_id.clone()).collect();
        let mut pending = targets.to_vec();
        let mut recovered: Vec<EndorseResult> = Vec::new();
        let mut round = 0u32;
        loop {
            let req = unendorse_request(&pending)?;
            let err = match self.execute(&req, Resend::Unambiguous).await {
                Ok(reply) => {
                    let resp: EndorseResponse = reply.data()?;
                    return Ok(merge_endorse(resp, recovered, &order));
                }
                Err(e) => e,
            };
            if !err.is_ambiguous() || round >= self.inner.retry.max_retries {
                return Err(err);
            }
            round += 1;
            self.sleep(self.inner.retry.backoff(round)).await;
            let Ok(current) = self.endorsing_map().await else {
                return Err(err);
            };
            let mut rest = Vec::new();
            for target in pending {
                let present = current.get(&target.account_id);
                let (todo, gone): (Vec<String>, Vec<String>) = target
                    .key_suffixes
                    .iter()
                    .cloned()
                    .partition(|s| present.is_some_and(|m| m.contains_key(s)));
                if !gone.is_empty() {
                    recovered.push(EndorseResult::unendorsed(&*target.account_id, gone));
                }
                if !todo.is_empty() {
                    rest.push(UnendorseTarget {
                        key_suffixes: todo,
                        ..target
                    });
                }
            }
            if rest.is_empty() {
                return Ok(merge_endorse(EndorseResponse::default(), recovered, &order));
            }
            pending = rest;
        }
    }
}

/// Folds recovered per-target outcomes into a response (same target: suffix lists joined).
fn merge_endorse(
    mut resp: EndorseResponse,
    recovered: Vec<EndorseResult>,
    order: &[String],
) -> EndorseResponse {
    if recovered.is_empty() {
        return resp;
    }
    resp.recovered = true;
    for rec in recovered {
        match resp
            .results
            .iter_mut()
            .find(|r| r.account_id == rec.account_id && r.action != EndorseAction::Error)
        {
            Some(existing) => {
                for (mine, theirs) in [
                    (&mut existing.endorsed, rec.endorsed),
                    (&mut existing.removed, rec.removed),
                ] {
                    if let Some(more) = theirs {
                        mine.get_or_insert_with(Vec::new).extend(more);
                    }
                }
            }
            None => resp.results.push(rec),
        }
    }
    sort_by_request(&mut resp.results, order, |r| &r.account_id);
    resp
}

/// Sorts results into the order the targets were requested in (stable; unknown ids last).
fn sort_by_request<T>(items: &mut [T], order: &[String], id: impl Fn(&T) -> &String) {
    items.sort_by_key(|item| {
        order
            .iter()
            .position(|o| o == id(item))
            .unwrap_or(usize::MAX)
    });
}
