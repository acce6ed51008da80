//! Every read the API needs, answered from the graph. No query performs I/O, and none scans the
//! whole graph except [`Graph::discover`] with a VRF (which must shuffle the whole zero-score
//! tier) and the tag and capability count listings (one step per distinct tag or capability).

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::ops::Bound;

use nearly_core::{Tag, Tags, Xorshift32};

use crate::flat::FlatSet;
use crate::graph::{Graph, Idx, ListKey, NOT_LISTED, OrderKey, newest_first};
use crate::types::{
    Activity, ActivityEntry, Agent, AgentPage, AgentSummary, CapabilityCount, Direction,
    DiscoverEntry, EdgeDirection, EdgeEntry, Edges, EndorserEntry, Endorsers, Endorsing,
    EndorsingEntry, EndorsingGroup, FollowEntry, FollowersPage, FollowingPage, Network, Sort,
    TagCount, ViewerRelation,
};

/// Filters and position of [`Graph::list_agents`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ListQuery<'a> {
    /// Sort order.
    pub sort: Sort,
    /// Only agents holding the `tag/{tag}` key.
    pub tag: Option<&'a str>,
    /// Only agents holding the `cap/{ns}/{value}` key, given as `ns/value`.
    pub capability: Option<&'a str>,
    /// The last account of the previous page.
    pub cursor: Option<&'a str>,
    /// Page size (at least 1 is returned when any remain).
    pub limit: usize,
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Graph {
    /// Number of listed agents (with a profile, not hidden): `GET /health`'s `agent_count`.
    #[must_use]
    pub fn agent_count(&self) -> usize {
        self.all.len()
    }

    /// Whether the account is in the admin's hidden set.
    #[must_use]
    pub fn is_hidden(&self, account: &str) -> bool {
        self.idx(account)
            .is_some_and(|idx| self.hidden.contains_key(&idx))
    }

    /// The hidden accounts, sorted (`GET /admin/hidden`).
    #[must_use]
    pub fn hidden(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .hidden
            .keys()
            .map(|idx| self.accounts.name(*idx).to_string())
            .collect();
        out.sort();
        out
    }

    /// Whether the account has a profile.
    #[must_use]
    pub fn has_profile(&self, account: &str) -> bool {
        self.idx(account)
            .is_some_and(|idx| self.node(idx).profile.is_some())
    }

    /// The folded profile blob the account last wrote (the base a `PATCH` applies to), or
    /// `None` when it has none.
    #[must_use]
    pub fn profile(&self, account: &str) -> Option<&nearly_core::Profile> {
        let idx = self.idx(account)?;
        self.node(idx).profile.as_ref().map(|rec| &rec.profile)
    }

    /// Every live key `account` has written (profile, `tag/*`, `cap/*`, follows, endorsements,
    /// and `hidden/*` when it is the admin), sorted: what a delist null-writes.
    #[must_use]
    pub fn keys_of(&self, account: &str) -> Vec<String> {
        let Some(idx) = self.idx(account) else {
            return Vec::new();
        };
        let mut keys: Vec<String> = self
            .live_keys()
            .into_iter()
            .filter(|(owner, _)| *owner == idx)
            .map(|(_, key)| key)
            .collect();
        keys.sort();
        keys
    }

    /// The endorsement `endorser` holds on `target` under `suffix`: `Some(content_hash)` when it
    /// exists (the inner `None` when it carries no hash), `None` when it does not.
    #[must_use]
    pub fn endorsement(
        &self,
        endorser: &str,
        target: &str,
        suffix: &str,
    ) -> Option<Option<String>> {
        let (e, t, s) = (
            self.idx(endorser)?,
            self.idx(target)?,
            self.suffixes.get(suffix)?,
        );
        self.node(e)
            .endorsement(t, s)
            .map(|rec| rec.content_hash().map(str::to_owned))
    }

    /// The agent record, or `None` when the account has no profile. Hidden agents are still
    /// returned (see [`Graph::is_hidden`]): hiding only removes them from listings.
    #[must_use]
    pub fn agent(&self, account: &str) -> Option<Agent> {
        let idx = self.idx(account)?;
        self.node(idx).profile.as_ref()?;
        Some(self.record(idx))
    }

    /// The agent record with defaults when the account has no profile (counts still computed).
    #[must_use]
    pub fn agent_or_default(&self, account: &str) -> Agent {
        match self.idx(account) {
            Some(idx) => self.record(idx),
            None => empty_agent(account),
        }
    }

    /// `is_following` and `my_endorsements` for a viewer looking at `target`.
    #[must_use]
    pub fn viewer_relation(&self, viewer: &str, target: &str) -> ViewerRelation {
        let (Some(v), Some(t)) = (self.idx(viewer), self.idx(target)) else {
            return ViewerRelation {
                is_following: false,
                my_endorsements: Vec::new(),
            };
        };
        let node = self.node(v);
        let mut my_endorsements: Vec<String> = node
            .endorsements_of(t)
            .map(|sym| self.suffixes.name(sym).to_string())
            .collect();
        my_endorsements.sort();
        ViewerRelation {
            is_following: node.follows(t),
            my_endorsements,
        }
    }

    /// Whether `follower` follows `target`.
    #[must_use]
    pub fn is_following(&self, follower: &str, target: &str) -> bool {
        match (self.idx(follower), self.idx(target)) {
            (Some(f), Some(t)) => self.node(f).follows(t),
            _ => false,
        }
    }

    /// `GET /agents`: listed agents, optionally filtered, cursor-paged.
    #[must_use]
    pub fn list_agents(&self, q: &ListQuery<'_>) -> AgentPage {
        let sorted = match (q.tag, q.capability) {
            (Some(tag), _) => self.tag_syms.get(tag).and_then(|s| self.by_tag.get(&s)),
            (None, Some(cap)) => self.cap_syms.get(cap).and_then(|s| self.by_cap.get(&s)),
            (None, None) => Some(&self.all),
        };
        let Some(sorted) = sorted else {
            return AgentPage {
                agents: Vec::new(),
                cursor: None,
                cursor_reset: q.cursor.is_some(),
            };
        };
        let set = match q.sort {
            Sort::Active => &sorted.active,
            Sort::Newest => &sorted.newest,
        };
        let mut cursor_reset = false;
        let start = match q.cursor {
            None => None,
            Some(cursor) => {
                let key = self.list_key(cursor, q.sort).filter(|k| set.contains(k));
                if key.is_none() {
                    cursor_reset = true;
                }
                key
            }
        };
        let lower = start.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
        let mut keys = set.range((lower, Bound::Unbounded));
        let limit = q.limit.max(1);
        let mut agents: Vec<Agent> = Vec::with_capacity(limit.min(set.len()));
        agents.extend(keys.by_ref().take(limit).map(|k| self.record(k.2)));
        let cursor = keys
            .next()
            .and_then(|_| agents.last().map(|a| a.account_id.clone()));
        AgentPage {
            agents,
            cursor,
            cursor_reset,
        }
    }

    fn list_key(&self, account: &str, sort: Sort) -> Option<ListKey> {
        let idx = self.idx(account)?;
        let listed = self.node(idx).listed?;
        let secs = match sort {
            Sort::Active => listed.last_active,
            Sort::Newest => listed.created_at,
        };
        Some((Reverse(secs), self.accounts.name(idx).clone(), idx))
    }

    /// `GET /agents/{id}/followers`: newest follow first, cursor = last account of the page.
    /// Accounts without a profile are kept with default fields.
    #[must_use]
    pub fn followers(&self, account: &str, cursor: Option<&str>, limit: usize) -> FollowersPage {
        let (followers, cursor, cursor_reset) = self.follow_page(account, cursor, limit, true);
        FollowersPage {
            account_id: account.to_owned(),
            followers,
            cursor,
            cursor_reset,
        }
    }

    /// `GET /agents/{id}/following`: newest follow first, cursor = last account of the page.
    #[must_use]
    pub fn following(&self, account: &str, cursor: Option<&str>, limit: usize) -> FollowingPage {
        let (following, cursor, cursor_reset) = self.follow_page(account, cursor, limit, false);
        FollowingPage {
            account_id: account.to_owned(),
            following,
            cursor,
            cursor_reset,
        }
    }

    fn follow_page(
        &self,
        account: &str,
        cursor: Option<&str>,
        limit: usize,
        incoming: bool,
    ) -> (Vec<FollowEntry>, Option<String>, bool) {
        let Some(idx) = self.idx(account) else {
            return (Vec::new(), None, cursor.is_some());
        };
        let node = self.node(idx);
        let set = if incoming {
            &node.followers
        } else {
            &node.following_order
        };
        let mut reset = false;
        let start = match cursor {
            None => None,
            Some(c) => {
                let key = self.idx(c).and_then(|other| {
                    let (from, to) = if incoming { (other, idx) } else { (idx, other) };
                    self.node(from)
                        .edge_to(to)
                        .map(|e| OrderKey::new(e.version(), other))
                });
                reset = key.is_none();
                key
            }
        };
        let limit = limit.max(1);
        let mut keys = newest_first(set, start.as_ref());
        let mut entries: Vec<FollowEntry> = Vec::with_capacity(limit.min(set.len()));
        entries.extend(keys.by_ref().take(limit).map(|k| {
            let (from, to) = if incoming { (k.idx, idx) } else { (idx, k.idx) };
            self.follow_entry(k.idx, from, to)
        }));
        let next = keys
            .next()
            .and_then(|_| entries.last().map(|e| e.agent.account_id.clone()));
        (entries, next, reset)
    }

    fn follow_entry(&self, other: Idx, from: Idx, to: Idx) -> FollowEntry {
        let edge = self.node(from).edge_to(to);
        FollowEntry {
            agent: self.record(other),
            reason: edge.and_then(|e| e.reason.as_deref().map(str::to_owned)),
            at: edge.map_or(0, |e| e.at),
            at_height: edge.map_or(0, |e| e.height),
        }
    }

    /// `GET /agents/{id}/edges`: incoming first (mutual follows once, as `mutual`, under
    /// [`Direction::Both`]), then outgoing; newest first within each; at most `limit`.
    #[must_use]
    pub fn edges(&self, account: &str, direction: Direction, limit: usize) -> Edges {
        let mut edges = Vec::new();
        if let Some(idx) = self.idx(account) {
            let node = self.node(idx);
            if direction != Direction::Outgoing {
                for k in newest_first(&node.followers, None) {
                    if edges.len() >= limit {
                        break;
                    }
                    let mutual = direction == Direction::Both && node.follows(k.idx);
                    edges.push(self.edge_entry(
                        k.idx,
                        k.idx,
                        idx,
                        if mutual {
                            EdgeDirection::Mutual
                        } else {
                            EdgeDirection::Incoming
                        },
                    ));
                }
            }
            if direction != Direction::Incoming {
                for k in newest_first(&node.following_order, None) {
                    if edges.len() >= limit {
                        break;
                    }
                    let mutual = self.node(k.idx).follows(idx);
                    if direction == Direction::Both && mutual {
                        continue;
                    }
                    edges.push(self.edge_entry(k.idx, idx, k.idx, EdgeDirection::Outgoing));
                }
            }
        }
        Edges {
            account_id: account.to_owned(),
            edges,
        }
    }

    fn edge_entry(&self, other: Idx, from: Idx, to: Idx, direction: EdgeDirection) -> EdgeEntry {
        let edge = self.node(from).edge_to(to);
        EdgeEntry {
            agent: self.record(other),
            direction,
            at: edge.map_or(0, |e| e.at),
            at_height: edge.map_or(0, |e| e.height),
        }
    }

    /// `GET /agents/{id}/endorsers`: grouped by suffix, oldest first within a suffix.
    #[must_use]
    pub fn endorsers(&self, account: &str) -> Endorsers {
        let mut endorsers = BTreeMap::new();
        if let Some(idx) = self.idx(account) {
            let node = self.node(idx);
            for &(sym, _) in &node.endorsed_counts {
                let mut entries: Vec<(crate::types::Version, EndorserEntry)> = node
                    .endorsers_under(sym)
                    .filter_map(|from| {
                        let e = self.node(from).endorsement(idx, sym)?;
                        let s = self.summary(from);
                        Some((
                            e.version,
                            EndorserEntry {
                                account_id: s.account_id,
                                name: s.name,
                                description: s.description,
                                image: s.image,
                                reason: e.reason().map(str::to_owned),
                                content_hash: e.content_hash().map(str::to_owned),
                                at: e.at,
                                at_height: e.version.height,
                            },
                        ))
                    })
                    .collect();
                entries.sort_by(|a, b| (a.0, &a.1.account_id).cmp(&(b.0, &b.1.account_id)));
                endorsers.insert(
                    self.suffixes.name(sym).to_string(),
                    entries.into_iter().map(|(_, e)| e).collect(),
                );
            }
        }
        Endorsers {
            account_id: account.to_owned(),
            endorsers,
        }
    }

    /// `GET /agents/{id}/endorsing`: grouped by target, oldest first within a target. Targets
    /// without a profile are kept with default fields.
    #[must_use]
    pub fn endorsing(&self, account: &str) -> Endorsing {
        let mut groups: BTreeMap<String, EndorsingGroup> = BTreeMap::new();
        if let Some(idx) = self.idx(account) {
            let mut by_target: BTreeMap<Idx, Vec<(crate::types::Version, EndorsingEntry)>> =
                BTreeMap::new();
            for e in &self.node(idx).endorsing {
                by_target.entry(e.to).or_default().push((
                    e.version,
                    EndorsingEntry {
                        key_suffix: self.suffixes.name(e.sym).to_string(),
                        reason: e.reason().map(str::to_owned),
                        content_hash: e.content_hash().map(str::to_owned),
                        at: e.at,
                        at_height: e.version.height,
                    },
                ));
            }
            for (to, mut entries) in by_target {
                entries.sort_by(|a, b| (a.0, &a.1.key_suffix).cmp(&(b.0, &b.1.key_suffix)));
                let target = self.summary(to);
                groups.insert(
                    target.account_id.clone(),
                    EndorsingGroup {
                        target,
                        entries: entries.into_iter().map(|(_, e)| e).collect(),
                    },
                );
            }
        }
        Endorsing {
            account_id: account.to_owned(),
            endorsing: groups,
        }
    }

    /// `GET /tags`: count descending, then tag ascending; tags with no listed agent left out.
    #[must_use]
    pub fn tags(&self) -> Vec<TagCount> {
        let mut out: Vec<TagCount> = self
            .by_tag
            .iter()
            .filter(|(_, s)| s.len() > 0)
            .map(|(sym, s)| TagCount {
                tag: self.tag_syms.name(*sym).to_string(),
                count: count(s.len()),
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
        out
    }

    /// `GET /capabilities`: count descending, then `namespace/value` ascending.
    #[must_use]
    pub fn capabilities(&self) -> Vec<CapabilityCount> {
        let mut out: Vec<(String, CapabilityCount)> = self
            .by_cap
            .iter()
            .filter(|(_, s)| s.len() > 0)
            .filter_map(|(sym, s)| {
                let path = self.cap_syms.name(*sym);
                let (ns, value) = path.split_once('/')?;
                Some((
                    path.to_string(),
                    CapabilityCount {
                        namespace: ns.to_owned(),
                        value: value.to_owned(),
                        count: count(s.len()),
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
        out.into_iter().map(|(_, c)| c).collect()
    }

    /// `GET /agents/discover`: listed agents other than the viewer and those it follows,
    /// ranked as [`nearly_core::rank_suggestions`] ranks them (shared profile tags, then
    /// `last_active`, then account), each equal-score tier shuffled with `vrf` when given. At most
    /// `limit`.
    ///
    /// Ranking works on interned ids: shared-tag scores are counted from the per-tag profile
    /// index into one byte per account, tiers are bucketed by score, and only the tiers the page
    /// reaches are ordered (without a VRF, only the top `limit` of the tier the page cuts into).
    /// A VRF shuffles each such tier whole, as the reference does, since every position of a
    /// Fisher-Yates shuffle depends on the whole tier. Records are built for the page only.
    #[must_use]
    pub fn discover(
        &self,
        viewer: &str,
        limit: usize,
        vrf: Option<Xorshift32>,
    ) -> Vec<DiscoverEntry> {
        /// `mark` of the viewer, the accounts it follows and unlisted accounts.
        const EXCLUDED: u8 = u8::MAX;
        let mut out = Vec::new();
        if limit == 0 {
            return out;
        }
        let viewer_idx = self.idx(viewer);
        let viewer_profile = viewer_idx.and_then(|v| self.node(v).profile.as_deref());
        // Per account: 0 = not scored (yet), 1..=10 = shared tags, EXCLUDED.
        let mut mark = vec![0u8; self.nodes.len()];
        if let Some(v) = viewer_idx {
            for e in &self.node(v).following {
                mark[e.to as usize] = EXCLUDED;
            }
            mark[v as usize] = EXCLUDED;
        }
        // tiers[s]: (last_active, idx) of the candidates sharing s tags. Profiles carry at most
        // 10 distinct tags, so scores fit a byte and the tiers a small array.
        let mut tiers: Vec<Vec<(u64, Idx)>> = Vec::new();
        if let Some(p) = viewer_profile {
            let mut scored: Vec<Idx> = Vec::new();
            for sym in &p.tag_syms {
                for &i in self.profile_tags.get(sym).into_iter().flatten() {
                    let m = &mut mark[i as usize];
                    if *m == EXCLUDED {
                        continue;
                    }
                    if *m == 0 {
                        if self.active_secs[i as usize] == NOT_LISTED {
                            *m = EXCLUDED;
                            continue;
                        }
                        scored.push(i);
                    }
                    *m = m.saturating_add(1).min(EXCLUDED - 1);
                }
            }
            for i in scored {
                let score = usize::from(mark[i as usize]);
                if tiers.len() <= score {
                    tiers.resize_with(score + 1, Vec::new);
                }
                tiers[score].push((self.active_secs[i as usize], i));
            }
        }
        let viewer_tags = viewer_profile.map(|p| &p.profile.tags);
        let mut rng = vrf;
        for (score, tier) in tiers.iter_mut().enumerate().skip(1).rev() {
            let need = limit - out.len();
            if need == 0 {
                return out;
            }
            if tier.is_empty() {
                continue;
            }
            let cmp = |a: &(u64, Idx), b: &(u64, Idx)| {
                b.0.cmp(&a.0)
                    .then_with(|| self.accounts.name(a.1).cmp(self.accounts.name(b.1)))
            };
            match rng.as_mut() {
                Some(rng) => {
                    tier.sort_unstable_by(cmp);
                    shuffle_tier(tier, rng);
                }
                None => {
                    if tier.len() > need {
                        tier.select_nth_unstable_by(need - 1, cmp);
                        tier.truncate(need);
                    }
                    tier.sort_unstable_by(cmp);
                }
            }
            out.extend(
                tier.iter()
                    .take(need)
                    .map(|(_, idx)| self.discover_entry(*idx, score, viewer_tags)),
            );
        }
        let need = limit - out.len();
        if need == 0 {
            return out;
        }
        // The zero-score tier: every other listed agent, in the active order (last_active
        // descending, then account ascending: rank_suggestions' deterministic order).
        let zero = self
            .all
            .active
            .iter()
            .map(|k| k.2)
            .filter(|idx| mark[*idx as usize] == 0);
        let zero: Vec<Idx> = match rng {
            None => zero.take(need).collect(),
            Some(mut rng) => {
                let mut tier: Vec<Idx> = zero.collect();
                shuffle_tier(&mut tier, &mut rng);
                tier.truncate(need);
                tier
            }
        };
        out.extend(
            zero.into_iter()
                .map(|idx| self.discover_entry(idx, 0, viewer_tags)),
        );
        out
    }

    /// One discover suggestion: the record, the score and the reference's reason string (the
    /// shared tags in the candidate's tag order).
    fn discover_entry(&self, idx: Idx, score: usize, viewer_tags: Option<&Tags>) -> DiscoverEntry {
        let shared: Vec<&str> = match (viewer_tags, self.node(idx).profile.as_deref()) {
            (Some(viewer), Some(p)) if score > 0 => p
                .profile
                .tags
                .iter()
                .filter(|t| viewer.contains(t))
                .map(Tag::as_str)
                .collect(),
            _ => Vec::new(),
        };
        DiscoverEntry {
            agent: self.record(idx),
            score,
            reason: if shared.is_empty() {
                "New on the network".to_owned()
            } else {
                format!("Shared tags: {}", shared.join(", "))
            },
        }
    }

    /// `GET /agents/me/activity`: follows of and by `account` strictly after block `after`.
    #[must_use]
    pub fn activity(&self, account: &str, after: Option<u64>) -> Activity {
        let mut high = after;
        let mut collect = |set: &FlatSet<OrderKey>| -> Vec<ActivityEntry> {
            let mut out = Vec::new();
            for k in newest_first(set, None) {
                if after.is_some_and(|a| k.height.0 <= a) {
                    break;
                }
                high = Some(high.map_or(k.height.0, |h| h.max(k.height.0)));
                out.push(k.idx);
            }
            out.into_iter()
                .map(|i| ActivityEntry {
                    summary: self.summary(i),
                    at: 0,
                    at_height: 0,
                })
                .collect()
        };
        let Some(idx) = self.idx(account) else {
            return Activity {
                cursor: after,
                new_followers: Vec::new(),
                new_following: Vec::new(),
            };
        };
        let node = self.node(idx);
        let mut new_followers = collect(&node.followers);
        let mut new_following = collect(&node.following_order);
        for e in &mut new_followers {
            if let Some(f) = self.idx(&e.summary.account_id)
                && let Some(edge) = self.node(f).edge_to(idx)
            {
                e.at = edge.at;
                e.at_height = edge.height;
            }
        }
        for e in &mut new_following {
            if let Some(t) = self.idx(&e.summary.account_id)
                && let Some(edge) = node.edge_to(t)
            {
                e.at = edge.at;
                e.at_height = edge.height;
            }
        }
        Activity {
            cursor: high,
            new_followers,
            new_following,
        }
    }

    /// `GET /agents/me/network`.
    #[must_use]
    pub fn network(&self, account: &str) -> Network {
        let Some(idx) = self.idx(account) else {
            return Network {
                follower_count: 0,
                following_count: 0,
                mutual_count: 0,
                last_active: None,
                last_active_height: None,
                created_at: None,
                created_at_height: None,
            };
        };
        let node = self.node(idx);
        // |following ∩ followers|: looked up in this node's own following set (no other node
        // touched) unless the followers far outnumber the followed.
        let mutual = if node.followers.len() <= node.following.len().saturating_mul(4) {
            node.followers
                .iter()
                .filter(|k| node.follows(k.idx))
                .count()
        } else {
            node.following
                .iter()
                .filter(|e| self.node(e.to).follows(idx))
                .count()
        };
        let profile = node.profile.as_ref();
        let created = profile.and(node.created);
        Network {
            follower_count: count(node.followers.len()),
            following_count: count(node.following.len()),
            mutual_count: count(mutual),
            last_active: profile.map(|p| p.at),
            last_active_height: profile.map(|p| p.version.height),
            created_at: created.map(|c| c.at),
            created_at_height: created.map(|c| c.version.height),
        }
    }

    /// The short identity of an account (defaults without a profile).
    #[must_use]
    pub fn agent_summary(&self, account: &str) -> AgentSummary {
        match self.idx(account) {
            Some(idx) => self.summary(idx),
            None => AgentSummary {
                account_id: account.to_owned(),
                name: None,
                description: String::new(),
                image: None,
            },
        }
    }

    pub(crate) fn summary(&self, idx: Idx) -> AgentSummary {
        let p = self.node(idx).profile.as_ref().map(|p| &p.profile);
        AgentSummary {
            account_id: self.accounts.name(idx).to_string(),
            name: p.and_then(|p| p.name.clone()),
            description: p.map(|p| p.description.clone()).unwrap_or_default(),
            image: p.and_then(|p| p.image.clone()),
        }
    }

    pub(crate) fn record(&self, idx: Idx) -> Agent {
        let node = self.node(idx);
        let mut endorsements = BTreeMap::new();
        let mut total = 0;
        for &(sym, n) in &node.endorsed_counts {
            let n = u64::from(n);
            total += n;
            endorsements.insert(self.suffixes.name(sym).to_string(), n);
        }
        let profile = node.profile.as_ref();
        let created = profile.and(node.created);
        let p = profile.map(|p| &p.profile);
        Agent {
            account_id: self.accounts.name(idx).to_string(),
            name: p.and_then(|p| p.name.clone()),
            description: p.map(|p| p.description.clone()).unwrap_or_default(),
            image: p.and_then(|p| p.image.clone()),
            tags: p
                .map(|p| p.tags.iter().map(|t| t.as_str().to_owned()).collect())
                .unwrap_or_default(),
            capabilities: p.map(|p| p.capabilities.clone()).unwrap_or_default(),
            endorsements,
            endorsement_count: total,
            follower_count: count(node.followers.len()),
            following_count: count(node.following.len()),
            created_at: created.map(|c| c.at),
            created_at_height: created.map(|c| c.version.height),
            last_active: profile.map(|p| p.at),
            last_active_height: profile.map(|p| p.version.height),
        }
    }
}

fn empty_agent(account: &str) -> Agent {
    Agent {
        account_id: account.to_owned(),
        name: None,
        description: String::new(),
        image: None,
        tags: Vec::new(),
        capabilities: serde_json::Map::new(),
        endorsements: BTreeMap::new(),
        endorsement_count: 0,
        follower_count: 0,
        following_count: 0,
        created_at: None,
        created_at_height: None,
        last_active: None,
        last_active_height: None,
    }
}

/// The reference's intra-tier Fisher-Yates (as `nearly_core::rank_suggestions` applies it),
/// on interned ids so a tier, which can be the whole network, costs no clone of account ids or
/// tags. Tests pin it equal to `rank_suggestions`.
fn shuffle_tier<T>(items: &mut [T], rng: &mut Xorshift32) {
    let mut j = items.len().saturating_sub(1);
    while j > 0 {
        let n = u32::try_from(j + 1).unwrap_or(u32::MAX);
        let k = rng.pick(n) as usize;
        items.swap(k, j);
        j -= 1;
    }
}
