//! The in-memory graph and how writes change it.
//!
//! Layout: every account is interned to a `u32` ([`Idx`]) and owns one [`Node`] in a `Vec`.
//! Follow edges live once as 40-byte records in the follower's `following` map and as 16-byte
//! order keys in both endpoints' newest-first sets; endorsements live once under the endorser,
//! with a `suffix -> endorsers` index on the target. Listed agents sit in sorted sets keyed
//! `(Reverse(seconds), account, idx)`, globally and per tag and capability, so a cursor is
//! positioned in O(log n) and a page costs O(page).
//!
//! Why B-trees and not sorted `Vec`s for edges: measured at 100k agents / 1M follows, a follow
//! costs 106 bytes in these maps, and 114 bytes in sorted `Vec`s with the usual doubling (76 with
//! growth by an eighth); the `Vec`s' growth frees millions of small buffers during a replay, and
//! glibc's `malloc` on the fragmented heap then made every record-building query 30% (doubling)
//! to several times (an eighth) slower. B-tree nodes are allocated once and rarely freed.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use nearly_core::{Key, Profile};
use serde_json::Value;

use crate::types::{ApplyStats, Version, Write};

/// An interned account id.
pub(crate) type Idx = u32;
/// [`Graph::active_secs`] of an account that is not listed.
pub(crate) const NOT_LISTED: u64 = u64::MAX;
/// An interned string (tag, capability path or endorsement suffix).
pub(crate) type Sym = u32;

/// Nanoseconds to API seconds (floor).
pub(crate) fn secs(ns: u64) -> u64 {
    ns / 1_000_000_000
}

/// Interns strings to dense `u32`s.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Interner {
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    /// Interns `s`; `None` only past `u32::MAX` strings.
    fn intern(&mut self, s: &str) -> Option<u32> {
        if let Some(id) = self.ids.get(s) {
            return Some(*id);
        }
        let id = u32::try_from(self.names.len()).ok()?;
        let name: Arc<str> = Arc::from(s);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        Some(id)
    }

    pub(crate) fn name(&self, id: u32) -> &Arc<str> {
        // Ids only come from `intern`, so they are always in range.
        &self.names[id as usize]
    }
}

/// Newest-first order key of an edge: 16 bytes. Ascending `OrderKey` order is newest first,
/// ties by account index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OrderKey {
    pub(crate) height: Reverse<u64>,
    pub(crate) position: Reverse<u32>,
    pub(crate) idx: Idx,
}

impl OrderKey {
    pub(crate) fn new(version: Version, idx: Idx) -> Self {
        Self {
            height: Reverse(version.height),
            position: Reverse(version.position),
            idx,
        }
    }
}

/// A follow edge, stored once in the follower's `following` map: 40 bytes.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    /// The followed account.
    pub(crate) to: Idx,
    pub(crate) position: u32,
    pub(crate) height: u64,
    pub(crate) at: u64,
    pub(crate) reason: Option<Box<str>>,
}

impl Edge {
    pub(crate) fn version(&self) -> Version {
        Version::new(self.height, self.position)
    }
}

/// An endorsement, stored once in the endorser's `endorsing` map (keyed by target and suffix).
#[derive(Debug, Clone)]
pub(crate) struct Endorsement {
    pub(crate) version: Version,
    pub(crate) at: u64,
    pub(crate) reason: Option<Box<str>>,
    pub(crate) content_hash: Option<Box<str>>,
}

/// The keys of an order set newest first, starting strictly after `after`.
pub(crate) fn newest_first<'a>(
    set: &'a BTreeSet<OrderKey>,
    after: Option<&OrderKey>,
) -> std::collections::btree_set::Range<'a, OrderKey> {
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    set.range((lower, Bound::Unbounded))
}

/// The payload of a live follow or endorsement write, before it is placed.
struct EdgeData {
    version: Version,
    at: u64,
    reason: Option<Box<str>>,
    content_hash: Option<Box<str>>,
}

/// The folded profile with its block data.
#[derive(Debug, Clone)]
pub(crate) struct ProfileRec {
    pub(crate) version: Version,
    pub(crate) at: u64,
    pub(crate) profile: Profile,
    /// Interned profile-blob tags (for discover's candidate index).
    pub(crate) tag_syms: Vec<Sym>,
}

/// The first `profile` write seen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Created {
    pub(crate) version: Version,
    pub(crate) at: u64,
    /// From a write-through; any confirmed write replaces it.
    pub(crate) provisional: bool,
}

/// Where a listed agent sits in the sorted sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) last_active: u64,
    pub(crate) created_at: u64,
}

/// A sorted-set key: newest first, then account id ascending.
pub(crate) type ListKey = (Reverse<u64>, Arc<str>, Idx);

/// Listed agents in both orders.
#[derive(Debug, Default)]
pub(crate) struct Sorted {
    pub(crate) active: BTreeSet<ListKey>,
    pub(crate) newest: BTreeSet<ListKey>,
}

impl Sorted {
    fn insert(&mut self, listed: Listed, name: &Arc<str>, idx: Idx) {
        self.active
            .insert((Reverse(listed.last_active), name.clone(), idx));
        self.newest
            .insert((Reverse(listed.created_at), name.clone(), idx));
    }

    fn remove(&mut self, listed: Listed, name: &Arc<str>, idx: Idx) {
        self.active
            .remove(&(Reverse(listed.last_active), name.clone(), idx));
        self.newest
            .remove(&(Reverse(listed.created_at), name.clone(), idx));
    }

    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }
}

/// Everything known about one account.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) profile: Option<Box<ProfileRec>>,
    pub(crate) created: Option<Created>,
    /// `tag/*` keys this account holds.
    pub(crate) tags: Vec<(Sym, Version)>,
    /// `cap/*` keys this account holds.
    pub(crate) caps: Vec<(Sym, Version)>,
    /// Outgoing follows by target.
    pub(crate) following: BTreeMap<Idx, Edge>,
    /// Outgoing follows, newest first.
    pub(crate) following_order: BTreeSet<OrderKey>,
    /// Incoming follows, newest first.
    pub(crate) followers: BTreeSet<OrderKey>,
    /// Endorsements given, by `(target, suffix)`.
    pub(crate) endorsing: BTreeMap<(Idx, Sym), Endorsement>,
    /// Endorsements received: suffix -> endorsers.
    pub(crate) endorsed: BTreeMap<Sym, BTreeSet<Idx>>,
    /// Present while the agent is in the sorted sets.
    pub(crate) listed: Option<Listed>,
}

impl Node {
    /// The follow edge to `to`.
    pub(crate) fn edge_to(&self, to: Idx) -> Option<&Edge> {
        self.following.get(&to)
    }

    /// Whether this account follows `to`.
    pub(crate) fn follows(&self, to: Idx) -> bool {
        self.following.contains_key(&to)
    }

    /// The endorsement of `to` under `sym`.
    pub(crate) fn endorsement(&self, to: Idx, sym: Sym) -> Option<&Endorsement> {
        self.endorsing.get(&(to, sym))
    }

    /// The suffix symbols this account endorses `to` under.
    pub(crate) fn endorsements_of(&self, to: Idx) -> impl Iterator<Item = Sym> {
        self.endorsing
            .range((to, 0)..=(to, Sym::MAX))
            .map(|((_, sym), _)| *sym)
    }
}

/// A write-through entry awaiting confirmation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Provisional {
    /// The confirmed version of the key when the write-through landed: a confirmed write above
    /// it replaces the provisional one; one at or below it is the stale past.
    pub(crate) after: Option<Version>,
    /// When the write-through landed (injected clock, ns).
    pub(crate) at_ns: u64,
}

/// How a write arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// From the ledger or FastData: a real block.
    Confirmed,
    /// Pulled FastData state: confirmed, and it also overrides write-through entries whose grace
    /// has expired.
    Pulled {
        /// Injected clock, ns.
        now_ns: u64,
        /// The write-through grace, ns.
        grace_ns: u64,
    },
    /// The API's own acknowledged write, not yet seen in a block.
    Provisional {
        /// Injected clock, ns.
        now_ns: u64,
    },
}

/// A parsed key with the account and symbol it names interned.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Profile,
    Tag(Sym),
    Cap(Sym),
    Follow(Idx),
    Endorsing(Idx, Sym),
    Hidden(Idx),
}

enum Outcome {
    Applied,
    Stale,
    Ignored,
}

/// The materialized graph. Read it through [`crate::Indexer::read`]; every query is a method
/// here and none performs I/O.
#[derive(Debug)]
pub struct Graph {
    pub(crate) admin: Option<String>,
    pub(crate) accounts: Interner,
    pub(crate) nodes: Vec<Node>,
    pub(crate) tag_syms: Interner,
    /// Capability paths `ns/value`.
    pub(crate) cap_syms: Interner,
    pub(crate) suffixes: Interner,
    pub(crate) all: Sorted,
    pub(crate) by_tag: HashMap<Sym, Sorted>,
    pub(crate) by_cap: HashMap<Sym, Sorted>,
    /// Profile-blob tag -> accounts whose profile carries it (discover candidates).
    pub(crate) profile_tags: HashMap<Sym, HashSet<Idx>>,
    pub(crate) hidden: HashMap<Idx, Version>,
    /// Per account: `last_active` seconds while listed, [`NOT_LISTED`] otherwise. A dense copy
    /// of `Node::listed` that discover reads for thousands of candidates without touching their
    /// nodes.
    pub(crate) active_secs: Vec<u64>,
    /// Versions of deleted keys, so an older write arriving late cannot resurrect them.
    pub(crate) tombstones: HashMap<Idx, HashMap<Box<str>, Version>>,
    /// Write-through entries awaiting confirmation.
    pub(crate) provisional: HashMap<Idx, HashMap<Box<str>, Provisional>>,
    /// Tombstones a pull inferred from absence (not written by anyone): the row they hid, seen
    /// again at the same version, is restored, because an inferred absence is never newer than
    /// the row itself.
    pub(crate) inferred: HashMap<Idx, HashSet<Box<str>>>,
    /// Highest confirmed block height applied.
    pub(crate) high_water: u64,
}

impl Graph {
    pub(crate) fn new(admin: Option<String>) -> Self {
        Self {
            admin,
            accounts: Interner::default(),
            nodes: Vec::new(),
            tag_syms: Interner::default(),
            cap_syms: Interner::default(),
            suffixes: Interner::default(),
            all: Sorted::default(),
            by_tag: HashMap::new(),
            by_cap: HashMap::new(),
            profile_tags: HashMap::new(),
            hidden: HashMap::new(),
            active_secs: Vec::new(),
            tombstones: HashMap::new(),
            provisional: HashMap::new(),
            inferred: HashMap::new(),
            high_water: 0,
        }
    }

    /// The highest confirmed block height applied so far.
    #[must_use]
    pub fn height(&self) -> u64 {
        self.high_water
    }

    pub(crate) fn idx(&self, account: &str) -> Option<Idx> {
        self.accounts.get(account)
    }

    fn intern_account(&mut self, account: &str) -> Option<Idx> {
        let idx = self.accounts.intern(account)?;
        if self.nodes.len() <= idx as usize {
            self.nodes.push(Node::default());
            self.active_secs.push(NOT_LISTED);
        }
        Some(idx)
    }

    pub(crate) fn node(&self, idx: Idx) -> &Node {
        &self.nodes[idx as usize]
    }

    fn node_mut(&mut self, idx: Idx) -> &mut Node {
        &mut self.nodes[idx as usize]
    }

    /// Applies writes in order; returns what happened.
    pub(crate) fn apply_all<'a>(
        &mut self,
        writes: impl IntoIterator<Item = &'a Write>,
        mode: Mode,
    ) -> ApplyStats {
        let mut stats = ApplyStats::default();
        for write in writes {
            match self.apply(write, mode) {
                Outcome::Applied => stats.applied += 1,
                Outcome::Stale => stats.stale += 1,
                Outcome::Ignored => stats.ignored += 1,
            }
        }
        stats
    }

    /// Applies one write with the version rules of the crate docs.
    fn apply(&mut self, w: &Write, mode: Mode) -> Outcome {
        let Ok(key) = Key::parse(&w.key) else {
            return Outcome::Ignored;
        };
        if matches!(key, Key::Hidden(_)) && self.admin.as_deref() != Some(w.predecessor.as_str()) {
            return Outcome::Ignored;
        }
        let Some(pred) = self.intern_account(&w.predecessor) else {
            return Outcome::Ignored;
        };
        let Some(slot) = self.resolve(&key) else {
            return Outcome::Ignored;
        };
        if !matches!(mode, Mode::Provisional { .. }) {
            self.high_water = self.high_water.max(w.version.height);
        }
        // created_at: the first live profile write, whether or not it is still current.
        let profile = match (slot, &w.value) {
            (Slot::Profile, Some(value)) => Profile::from_stored(value.clone()),
            _ => None,
        };
        if profile.is_some() {
            self.note_created(pred, w, mode);
        }
        let current = self.current_version(pred, slot, &w.key);
        let pending = self
            .provisional
            .get(&pred)
            .and_then(|m| m.get(w.key.as_str()))
            .copied();
        match mode {
            Mode::Confirmed | Mode::Pulled { .. } => {
                if let Some(p) = pending {
                    let expired = match mode {
                        Mode::Pulled { now_ns, grace_ns } => {
                            now_ns.saturating_sub(p.at_ns) >= grace_ns
                        }
                        _ => false,
                    };
                    if !expired && p.after.is_some_and(|after| w.version <= after) {
                        return Outcome::Stale;
                    }
                    self.clear_provisional(pred, &w.key);
                } else if current.is_some_and(|c| {
                    w.version < c || (w.version == c && !self.is_inferred(pred, &w.key))
                }) {
                    return Outcome::Stale;
                }
            }
            Mode::Provisional { now_ns } => {
                let after = match pending {
                    Some(p) => p.after,
                    None => current,
                };
                self.provisional.entry(pred).or_default().insert(
                    w.key.as_str().into(),
                    Provisional {
                        after,
                        at_ns: now_ns,
                    },
                );
            }
        }
        self.write_state(
            pred,
            slot,
            &w.key,
            w.value.as_ref(),
            profile,
            w.version,
            secs(w.block_timestamp_ns),
        );
        Outcome::Applied
    }

    /// Interns the account and symbol a parsed key names, once per write (lookups and updates
    /// then use the ids). `None` only past `u32::MAX` interned strings.
    fn resolve(&mut self, key: &Key) -> Option<Slot> {
        Some(match key {
            Key::Profile => Slot::Profile,
            Key::Tag(tag) => Slot::Tag(self.tag_syms.intern(tag.as_str())?),
            Key::Cap(pair) => Slot::Cap(self.cap_syms.intern(&pair.path())?),
            Key::Follow(target) => Slot::Follow(self.intern_account(target.as_str())?),
            Key::Endorsing { target, suffix } => Slot::Endorsing(
                self.intern_account(target.as_str())?,
                self.suffixes.intern(suffix.as_str())?,
            ),
            Key::Hidden(account) => Slot::Hidden(self.intern_account(account.as_str())?),
        })
    }

    /// Sets the state of `(pred, key)` to `value` at `version`, without any version check.
    #[allow(clippy::too_many_arguments)] // one call site per source; a struct would only rename them
    fn write_state(
        &mut self,
        pred: Idx,
        slot: Slot,
        raw: &str,
        value: Option<&Value>,
        profile: Option<Profile>,
        version: Version,
        at: u64,
    ) {
        let live = match slot {
            Slot::Profile => profile.is_some(),
            _ => value.is_some(),
        };
        self.clear_inferred(pred, raw);
        if live {
            if let Some(m) = self.tombstones.get_mut(&pred) {
                m.remove(raw);
            }
        } else {
            self.tombstones
                .entry(pred)
                .or_default()
                .insert(raw.into(), version);
        }
        let data = || EdgeData {
            version,
            at,
            reason: string_field(value, "reason"),
            content_hash: None,
        };
        match slot {
            Slot::Profile => self.set_profile(pred, profile, version, at),
            Slot::Tag(sym) => self.set_tag(pred, sym, live.then_some(version)),
            Slot::Cap(sym) => self.set_cap(pred, sym, live.then_some(version)),
            Slot::Follow(to) => self.set_follow(pred, to, live.then(data)),
            Slot::Endorsing(to, sym) => {
                let e = live.then(|| EdgeData {
                    content_hash: string_field(value, "content_hash"),
                    ..data()
                });
                self.set_endorsement(pred, to, sym, e);
            }
            Slot::Hidden(account) => self.set_hidden(account, live.then_some(version)),
        }
    }

    fn note_created(&mut self, pred: Idx, w: &Write, mode: Mode) {
        let provisional = matches!(mode, Mode::Provisional { .. });
        let candidate = Created {
            version: w.version,
            at: secs(w.block_timestamp_ns),
            provisional,
        };
        let node = self.node_mut(pred);
        let replace = match node.created {
            None => true,
            Some(c) if c.provisional && !provisional => true,
            Some(c) if !c.provisional && provisional => false,
            Some(c) => w.version < c.version,
        };
        if !replace {
            return;
        }
        let listed = node.listed;
        if let Some(listed) = listed {
            self.unlist(pred, listed);
        }
        self.node_mut(pred).created = Some(candidate);
        self.relist(pred);
    }

    /// Clears a provisional marker (the write was confirmed, or its grace expired).
    pub(crate) fn clear_provisional(&mut self, pred: Idx, key: &str) {
        if let Some(m) = self.provisional.get_mut(&pred) {
            m.remove(key);
            if m.is_empty() {
                self.provisional.remove(&pred);
            }
        }
    }

    /// The version the index holds for `(pred, key)`: the live record's or the tombstone's.
    fn current_version(&self, pred: Idx, slot: Slot, raw: &str) -> Option<Version> {
        let node = self.node(pred);
        let live = match slot {
            Slot::Profile => node.profile.as_ref().map(|p| p.version),
            Slot::Tag(sym) => find(&node.tags, sym),
            Slot::Cap(sym) => find(&node.caps, sym),
            Slot::Follow(to) => node.edge_to(to).map(Edge::version),
            Slot::Endorsing(to, sym) => node.endorsement(to, sym).map(|e| e.version),
            Slot::Hidden(account) => self.hidden.get(&account).copied(),
        };
        live.or_else(|| self.tombstones.get(&pred).and_then(|m| m.get(raw)).copied())
    }

    /// Whether the agent belongs in the listings, and where.
    fn listing_of(&self, idx: Idx) -> Option<Listed> {
        let node = self.node(idx);
        let profile = node.profile.as_ref()?;
        if self.hidden.contains_key(&idx) {
            return None;
        }
        Some(Listed {
            last_active: profile.at,
            created_at: node.created.map_or(profile.at, |c| c.at),
        })
    }

    fn unlist(&mut self, idx: Idx, listed: Listed) {
        let name = self.accounts.name(idx).clone();
        let node = &mut self.nodes[idx as usize];
        node.listed = None;
        self.active_secs[idx as usize] = NOT_LISTED;
        self.all.remove(listed, &name, idx);
        for (sym, _) in &node.tags {
            if let Some(sorted) = self.by_tag.get_mut(sym) {
                sorted.remove(listed, &name, idx);
            }
        }
        for (sym, _) in &node.caps {
            if let Some(sorted) = self.by_cap.get_mut(sym) {
                sorted.remove(listed, &name, idx);
            }
        }
    }

    /// Puts the agent back into the sorted sets if it belongs there (after `unlist`).
    fn relist(&mut self, idx: Idx) {
        let Some(listed) = self.listing_of(idx) else {
            return;
        };
        let name = self.accounts.name(idx).clone();
        let node = &mut self.nodes[idx as usize];
        node.listed = Some(listed);
        self.active_secs[idx as usize] = listed.last_active;
        self.all.insert(listed, &name, idx);
        for (sym, _) in &node.tags {
            self.by_tag
                .entry(*sym)
                .or_default()
                .insert(listed, &name, idx);
        }
        for (sym, _) in &node.caps {
            self.by_cap
                .entry(*sym)
                .or_default()
                .insert(listed, &name, idx);
        }
    }

    fn set_profile(&mut self, idx: Idx, profile: Option<Profile>, version: Version, at: u64) {
        if let Some(listed) = self.node(idx).listed {
            self.unlist(idx, listed);
        }
        if let Some(old) = self.node_mut(idx).profile.take() {
            for sym in &old.tag_syms {
                if let Some(set) = self.profile_tags.get_mut(sym) {
                    set.remove(&idx);
                }
            }
        }
        if let Some(profile) = profile {
            let tag_syms: Vec<Sym> = profile
                .tags
                .iter()
                .filter_map(|t| self.tag_syms.intern(t.as_str()))
                .collect();
            for sym in &tag_syms {
                self.profile_tags.entry(*sym).or_default().insert(idx);
            }
            self.node_mut(idx).profile = Some(Box::new(ProfileRec {
                version,
                at,
                profile,
                tag_syms,
            }));
        }
        self.relist(idx);
    }

    fn set_tag(&mut self, idx: Idx, sym: Sym, version: Option<Version>) {
        let name = self.accounts.name(idx).clone();
        let node = &mut self.nodes[idx as usize];
        let listed = node.listed;
        let sorted = self.by_tag.entry(sym).or_default();
        set_membership(&mut node.tags, sym, version, listed, sorted, &name, idx);
    }

    fn set_cap(&mut self, idx: Idx, sym: Sym, version: Option<Version>) {
        let name = self.accounts.name(idx).clone();
        let node = &mut self.nodes[idx as usize];
        let listed = node.listed;
        let sorted = self.by_cap.entry(sym).or_default();
        set_membership(&mut node.caps, sym, version, listed, sorted, &name, idx);
    }

    fn set_follow(&mut self, from: Idx, to: Idx, data: Option<EdgeData>) {
        if let Some(old) = self.node_mut(from).following.remove(&to) {
            let old = old.version();
            self.node_mut(from)
                .following_order
                .remove(&OrderKey::new(old, to));
            self.node_mut(to)
                .followers
                .remove(&OrderKey::new(old, from));
        }
        if let Some(d) = data {
            let node = self.node_mut(from);
            node.following.insert(
                to,
                Edge {
                    to,
                    position: d.version.position,
                    height: d.version.height,
                    at: d.at,
                    reason: d.reason,
                },
            );
            node.following_order.insert(OrderKey::new(d.version, to));
            self.node_mut(to)
                .followers
                .insert(OrderKey::new(d.version, from));
        }
    }

    fn set_endorsement(&mut self, from: Idx, to: Idx, sym: Sym, data: Option<EdgeData>) {
        match data {
            Some(d) => {
                self.node_mut(from).endorsing.insert(
                    (to, sym),
                    Endorsement {
                        version: d.version,
                        at: d.at,
                        reason: d.reason,
                        content_hash: d.content_hash,
                    },
                );
                self.node_mut(to)
                    .endorsed
                    .entry(sym)
                    .or_default()
                    .insert(from);
            }
            None => {
                if self.node_mut(from).endorsing.remove(&(to, sym)).is_some() {
                    let node = self.node_mut(to);
                    if let Some(set) = node.endorsed.get_mut(&sym) {
                        set.remove(&from);
                        if set.is_empty() {
                            node.endorsed.remove(&sym);
                        }
                    }
                }
            }
        }
    }

    fn set_hidden(&mut self, idx: Idx, version: Option<Version>) {
        if let Some(listed) = self.node(idx).listed {
            self.unlist(idx, listed);
        }
        match version {
            Some(v) => {
                self.hidden.insert(idx, v);
            }
            None => {
                self.hidden.remove(&idx);
            }
        }
        self.relist(idx);
    }

    /// Every live `(predecessor, key)` the index holds, for the pull sync's removal pass.
    pub(crate) fn live_keys(&self) -> Vec<(Idx, String)> {
        let mut out = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let Ok(idx) = Idx::try_from(i) else { break };
            if node.profile.is_some() {
                out.push((idx, "profile".to_owned()));
            }
            for (sym, _) in &node.tags {
                out.push((idx, format!("tag/{}", self.tag_syms.name(*sym))));
            }
            for (sym, _) in &node.caps {
                out.push((idx, format!("cap/{}", self.cap_syms.name(*sym))));
            }
            for e in node.following.values() {
                out.push((idx, format!("graph/follow/{}", self.accounts.name(e.to))));
            }
            for (to, sym) in node.endorsing.keys() {
                out.push((
                    idx,
                    format!(
                        "endorsing/{}/{}",
                        self.accounts.name(*to),
                        self.suffixes.name(*sym)
                    ),
                ));
            }
        }
        if let Some(admin) = self.admin.as_deref().and_then(|a| self.idx(a)) {
            for hidden in self.hidden.keys() {
                out.push((admin, format!("hidden/{}", self.accounts.name(*hidden))));
            }
        }
        out
    }

    /// Removes a live key the source no longer has (pull sync), unless a write-through entry
    /// younger than `grace_ns` holds it. Returns whether it was removed.
    pub(crate) fn remove_absent(
        &mut self,
        pred: Idx,
        key: &str,
        now_ns: u64,
        grace_ns: u64,
    ) -> bool {
        if let Some(p) = self
            .provisional
            .get(&pred)
            .and_then(|m| m.get(key))
            .copied()
        {
            if now_ns.saturating_sub(p.at_ns) < grace_ns {
                return false;
            }
            self.clear_provisional(pred, key);
        }
        let Some(slot) = Key::parse(key).ok().and_then(|k| self.resolve(&k)) else {
            return false;
        };
        let Some(version) = self.current_version(pred, slot, key) else {
            return false;
        };
        self.write_state(pred, slot, key, None, None, version, 0);
        self.inferred.entry(pred).or_default().insert(key.into());
        true
    }

    /// Whether the tombstone of `(pred, key)` was inferred from absence by a pull.
    fn is_inferred(&self, pred: Idx, key: &str) -> bool {
        self.inferred.get(&pred).is_some_and(|m| m.contains(key))
    }

    fn clear_inferred(&mut self, pred: Idx, key: &str) {
        if let Some(m) = self.inferred.get_mut(&pred) {
            m.remove(key);
            if m.is_empty() {
                self.inferred.remove(&pred);
            }
        }
    }

    /// Provisional entries whose grace has expired: `(pred, key)`.
    pub(crate) fn expired_provisional(&self, now_ns: u64, grace_ns: u64) -> Vec<(Idx, String)> {
        let mut out = Vec::new();
        for (pred, m) in &self.provisional {
            for (key, p) in m {
                if now_ns.saturating_sub(p.at_ns) >= grace_ns {
                    out.push((*pred, key.to_string()));
                }
            }
        }
        out
    }
}

fn find(list: &[(Sym, Version)], sym: Sym) -> Option<Version> {
    list.iter().find(|(s, _)| *s == sym).map(|(_, v)| *v)
}

/// Adds, updates or removes `(sym, version)` in an account's tag or capability list and keeps
/// the per-symbol sorted set in step when the account is listed.
fn set_membership(
    list: &mut Vec<(Sym, Version)>,
    sym: Sym,
    version: Option<Version>,
    listed: Option<Listed>,
    sorted: &mut Sorted,
    name: &Arc<str>,
    idx: Idx,
) {
    let pos = list.iter().position(|(s, _)| *s == sym);
    match (pos, version) {
        (Some(i), Some(v)) => list[i].1 = v,
        (None, Some(v)) => {
            list.push((sym, v));
            if let Some(listed) = listed {
                sorted.insert(listed, name, idx);
            }
        }
        (Some(i), None) => {
            list.swap_remove(i);
            if let Some(listed) = listed {
                sorted.remove(listed, name, idx);
            }
        }
        (None, None) => {}
    }
}

fn string_field(value: Option<&Value>, field: &str) -> Option<Box<str>> {
    value?
        .get(field)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(Box::from)
}

impl Graph {
    /// Whether the account's first profile write is known (confirmed).
    pub(crate) fn created_known(&self, account: &str) -> bool {
        self.idx(account)
            .and_then(|i| self.node(i).created)
            .is_some_and(|c| !c.provisional)
    }
}

/// A live profile as a snapshot stores it: the folded fields typed, so loading parses no JSON
/// except a non-empty `capabilities` or `extra` object.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProfileState {
    pub(crate) pred: Idx,
    pub(crate) height: u64,
    pub(crate) position: u32,
    /// Block time, whole seconds.
    pub(crate) at: u64,
    pub(crate) name: Option<String>,
    pub(crate) description: String,
    pub(crate) image: Option<String>,
    /// The profile's tags as tag symbols, in the profile's order.
    pub(crate) tags: Vec<Sym>,
    /// The capabilities object as JSON text; empty when the object is empty.
    pub(crate) capabilities: String,
    /// The other fields as a JSON object's text; empty when there are none.
    pub(crate) extra: String,
}

/// A live follow edge: ordered by `(from, to)` in a snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FollowState {
    pub(crate) from: Idx,
    pub(crate) to: Idx,
    pub(crate) height: u64,
    pub(crate) position: u32,
    pub(crate) at: u64,
    pub(crate) reason: Option<Box<str>>,
}

/// A live endorsement: ordered by `(from, to, suffix)` in a snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct EndorseState {
    pub(crate) from: Idx,
    pub(crate) to: Idx,
    pub(crate) suffix: Sym,
    pub(crate) height: u64,
    pub(crate) position: u32,
    pub(crate) at: u64,
    pub(crate) reason: Option<Box<str>>,
    pub(crate) content_hash: Option<Box<str>>,
}

/// The canonical state of a graph: interned names once, typed records by index, every edge list
/// in the order its map iterates. Everything else (sorted listings, reverse edges, order sets,
/// counts, discover candidates) is derived on load in bulk from this sorted data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CanonicalState {
    pub(crate) height: u64,
    pub(crate) accounts: Vec<String>,
    pub(crate) tag_syms: Vec<String>,
    pub(crate) cap_syms: Vec<String>,
    pub(crate) suffixes: Vec<String>,
    pub(crate) profiles: Vec<ProfileState>,
    /// `(account, tag, height, position)` of `tag/*` keys, each account's in its list order.
    pub(crate) tags: Vec<(Idx, Sym, u64, u32)>,
    /// `(account, capability, height, position)` of `cap/*` keys, likewise.
    pub(crate) caps: Vec<(Idx, Sym, u64, u32)>,
    pub(crate) follows: Vec<FollowState>,
    pub(crate) endorsements: Vec<EndorseState>,
    /// `(hidden account, height, position)` of the admin's `hidden/*` keys, by account.
    pub(crate) hidden: Vec<(Idx, u64, u32)>,
    /// `(account, height, position, at_secs)` of the first profile write.
    pub(crate) created: Vec<(Idx, u64, u32, u64)>,
    /// `(account, key, height, position)` of deleted keys.
    pub(crate) tombstones: Vec<(Idx, String, u64, u32)>,
    /// Tombstones inferred from absence.
    pub(crate) inferred: Vec<(Idx, String)>,
}

impl CanonicalState {
    /// Live records (what a replay would apply to reach this state).
    pub(crate) fn entries(&self) -> usize {
        self.profiles.len()
            + self.tags.len()
            + self.caps.len()
            + self.follows.len()
            + self.endorsements.len()
            + self.hidden.len()
    }
}

impl Interner {
    fn names(&self) -> Vec<String> {
        self.names.iter().map(|n| n.to_string()).collect()
    }

    /// An interner holding `names` at ids `0..`; `None` when a name repeats or ids overflow.
    fn from_names(names: Vec<String>) -> Option<Self> {
        u32::try_from(names.len()).ok()?;
        let mut out = Self {
            names: Vec::with_capacity(names.len()),
            ids: HashMap::with_capacity(names.len()),
        };
        for (id, name) in names.into_iter().enumerate() {
            let name: Arc<str> = Arc::from(name);
            out.names.push(name.clone());
            let id = u32::try_from(id).ok()?;
            if out.ids.insert(name, id).is_some() {
                return None;
            }
        }
        Some(out)
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

fn object_text(map: &serde_json::Map<String, Value>) -> String {
    if map.is_empty() {
        String::new()
    } else {
        Value::Object(map.clone()).to_string()
    }
}

fn object_of(text: &str) -> Option<serde_json::Map<String, Value>> {
    if text.is_empty() {
        Some(serde_json::Map::new())
    } else {
        serde_json::from_str(text).ok()
    }
}

/// Sorted listing keys, gathered per set before the sets are built in bulk.
#[derive(Default)]
struct SortedBuild {
    active: Vec<ListKey>,
    newest: Vec<ListKey>,
}

impl SortedBuild {
    fn push(&mut self, listed: Listed, name: &Arc<str>, idx: Idx) {
        self.active
            .push((Reverse(listed.last_active), name.clone(), idx));
        self.newest
            .push((Reverse(listed.created_at), name.clone(), idx));
    }

    fn build(mut self) -> Sorted {
        self.active.sort_unstable();
        self.newest.sort_unstable();
        Sorted {
            active: self.active.into_iter().collect(),
            newest: self.newest.into_iter().collect(),
        }
    }
}

/// Items grouped by a dense index with a counting sort: one flat array, each group contiguous.
struct Grouped<T> {
    offsets: Vec<usize>,
    items: Vec<T>,
}

impl<T: Copy + Ord> Grouped<T> {
    /// Groups `(group, item)` pairs; every group must be `< n` (checked by the caller).
    fn new(n: usize, pairs: impl Iterator<Item = (Idx, T)> + Clone) -> Self {
        let mut offsets = vec![0usize; n + 1];
        let mut first = None;
        for (group, item) in pairs.clone() {
            offsets[group as usize + 1] += 1;
            first.get_or_insert(item);
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let Some(fill) = first else {
            return Self {
                offsets,
                items: Vec::new(),
            };
        };
        let mut items = vec![fill; offsets[n]];
        let mut next = offsets.clone();
        for (group, item) in pairs {
            let at = &mut next[group as usize];
            items[*at] = item;
            *at += 1;
        }
        Self { offsets, items }
    }

    /// Group `i`, sorted.
    fn sorted(&mut self, i: usize) -> &[T] {
        let group = &mut self.items[self.offsets[i]..self.offsets[i + 1]];
        group.sort_unstable();
        group
    }
}

/// A follower's outgoing edges and their newest-first order.
type Following = (Idx, BTreeMap<Idx, Edge>, BTreeSet<OrderKey>);

/// Builds the follow maps from follows sorted by `(from, to)`: each follower's run is its map in
/// order (one exact allocation, a bulk build); the reverse sets are grouped per target with a
/// counting sort into one flat array, then each is built once. `None` for an index out of range.
fn build_follows(
    n: usize,
    mut follows: Vec<FollowState>,
) -> Option<(Vec<Following>, Vec<BTreeSet<OrderKey>>)> {
    let ok = |i: Idx| (i as usize) < n;
    if !follows.iter().all(|f| ok(f.from) && ok(f.to)) {
        return None;
    }
    let mut grouped = Grouped::new(
        n,
        follows.iter().map(|f| {
            (
                f.to,
                OrderKey::new(Version::new(f.height, f.position), f.from),
            )
        }),
    );
    let mut forward = Vec::new();
    for run in follows.chunk_by_mut(|a, b| a.from == b.from) {
        let order = run
            .iter()
            .map(|f| OrderKey::new(Version::new(f.height, f.position), f.to))
            .collect();
        let following = run
            .iter_mut()
            .map(|f| {
                let edge = Edge {
                    to: f.to,
                    position: f.position,
                    height: f.height,
                    at: f.at,
                    reason: f.reason.take(),
                };
                (f.to, edge)
            })
            .collect();
        forward.push((run[0].from, following, order));
    }
    drop(follows);
    let followers = (0..n)
        .map(|i| grouped.sorted(i).iter().copied().collect())
        .collect();
    Some((forward, followers))
}

/// An endorser's endorsements by `(target, suffix)`.
type Endorsing = (Idx, BTreeMap<(Idx, Sym), Endorsement>);
/// A target's endorsers by suffix.
type Endorsed = BTreeMap<Sym, BTreeSet<Idx>>;

/// Builds the endorsement maps likewise, with the reverse index `suffix -> endorsers` per
/// target. `None` for an index out of range.
fn build_endorsements(
    n: usize,
    n_suffixes: usize,
    mut endorsements: Vec<EndorseState>,
) -> Option<(Vec<Endorsing>, Vec<Endorsed>)> {
    let ok = |i: Idx| (i as usize) < n;
    if !endorsements
        .iter()
        .all(|e| ok(e.from) && ok(e.to) && (e.suffix as usize) < n_suffixes)
    {
        return None;
    }
    let mut grouped = Grouped::new(n, endorsements.iter().map(|e| (e.to, (e.suffix, e.from))));
    let mut given = Vec::new();
    for run in endorsements.chunk_by_mut(|a, b| a.from == b.from) {
        let map = run
            .iter_mut()
            .map(|e| {
                let endorsement = Endorsement {
                    version: Version::new(e.height, e.position),
                    at: e.at,
                    reason: e.reason.take(),
                    content_hash: e.content_hash.take(),
                };
                ((e.to, e.suffix), endorsement)
            })
            .collect();
        given.push((run[0].from, map));
    }
    drop(endorsements);
    let endorsed = (0..n)
        .map(|i| {
            grouped
                .sorted(i)
                .chunk_by(|a, b| a.0 == b.0)
                .map(|run| (run[0].0, run.iter().map(|(_, who)| *who).collect()))
                .collect()
        })
        .collect();
    Some((given, endorsed))
}

/// Whether `v` is strictly increasing by `key` (a snapshot's edge lists must be).
fn strictly_sorted<T, K: Ord>(v: &[T], key: impl Fn(&T) -> K) -> bool {
    v.windows(2).all(|w| key(&w[0]) < key(&w[1]))
}

impl Graph {
    /// Whether write-through entries await confirmation (their prior confirmed state is not
    /// kept, so a snapshot now could not be exact).
    pub(crate) fn has_provisional(&self) -> bool {
        !self.provisional.is_empty()
    }

    /// The canonical state (confirmed data only; call when [`Graph::has_provisional`] is false).
    pub(crate) fn export(&self) -> CanonicalState {
        let mut profiles = Vec::new();
        let (mut tags, mut caps) = (Vec::new(), Vec::new());
        let (mut follows, mut endorsements) = (Vec::new(), Vec::new());
        let mut created = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let Ok(idx) = Idx::try_from(i) else { break };
            if let Some(c) = node.created {
                created.push((idx, c.version.height, c.version.position, c.at));
            }
            if let Some(p) = &node.profile {
                profiles.push(ProfileState {
                    pred: idx,
                    height: p.version.height,
                    position: p.version.position,
                    at: p.at,
                    name: p.profile.name.clone(),
                    description: p.profile.description.clone(),
                    image: p.profile.image.clone(),
                    tags: p.tag_syms.clone(),
                    capabilities: object_text(&p.profile.capabilities),
                    extra: object_text(&p.profile.extra),
                });
            }
            for (sym, v) in &node.tags {
                tags.push((idx, *sym, v.height, v.position));
            }
            for (sym, v) in &node.caps {
                caps.push((idx, *sym, v.height, v.position));
            }
            for e in node.following.values() {
                follows.push(FollowState {
                    from: idx,
                    to: e.to,
                    height: e.height,
                    position: e.position,
                    at: e.at,
                    reason: e.reason.clone(),
                });
            }
            for ((to, sym), e) in &node.endorsing {
                endorsements.push(EndorseState {
                    from: idx,
                    to: *to,
                    suffix: *sym,
                    height: e.version.height,
                    position: e.version.position,
                    at: e.at,
                    reason: e.reason.clone(),
                    content_hash: e.content_hash.clone(),
                });
            }
        }
        let mut hidden: Vec<(Idx, u64, u32)> =
            if self.admin.as_deref().and_then(|a| self.idx(a)).is_some() {
                self.hidden
                    .iter()
                    .map(|(i, v)| (*i, v.height, v.position))
                    .collect()
            } else {
                Vec::new()
            };
        hidden.sort_unstable();
        let mut tombstones: Vec<(Idx, String, u64, u32)> = self
            .tombstones
            .iter()
            .flat_map(|(pred, m)| {
                m.iter()
                    .map(|(k, v)| (*pred, k.to_string(), v.height, v.position))
            })
            .collect();
        tombstones.sort();
        let mut inferred: Vec<(Idx, String)> = self
            .inferred
            .iter()
            .flat_map(|(pred, m)| m.iter().map(|k| (*pred, k.to_string())))
            .collect();
        inferred.sort();
        CanonicalState {
            height: self.high_water,
            accounts: self.accounts.names(),
            tag_syms: self.tag_syms.names(),
            cap_syms: self.cap_syms.names(),
            suffixes: self.suffixes.names(),
            profiles,
            tags,
            caps,
            follows,
            endorsements,
            hidden,
            created,
            tombstones,
            inferred,
        }
    }

    /// Rebuilds a graph from its canonical state in bulk: names keep their ids (so ties break
    /// exactly as before), records are placed directly (no key parsing, no version checks: the
    /// state is already resolved), and every derived ordering is built once from sorted data.
    /// `None` when the state is inconsistent (an id out of range, a repeated name, an edge list
    /// out of order, a bad profile field): the caller rejects the snapshot.
    #[allow(clippy::too_many_lines)] // one pass per record kind, in dependency order
    pub(crate) fn import(admin: Option<String>, state: CanonicalState) -> Option<Self> {
        let mut g = Self::new(admin);
        g.accounts = Interner::from_names(state.accounts)?;
        g.tag_syms = Interner::from_names(state.tag_syms)?;
        g.cap_syms = Interner::from_names(state.cap_syms)?;
        g.suffixes = Interner::from_names(state.suffixes)?;
        let n = g.accounts.len();
        g.nodes = (0..n).map(|_| Node::default()).collect();
        g.active_secs = vec![NOT_LISTED; n];
        let account = |i: Idx| ((i as usize) < n).then_some(i as usize);
        let (n_tags, n_caps, n_suffixes) = (g.tag_syms.len(), g.cap_syms.len(), g.suffixes.len());
        let in_range = |sym: Sym, len: usize| (sym as usize) < len;

        if !strictly_sorted(&state.profiles, |p| p.pred)
            || !strictly_sorted(&state.follows, |f| (f.from, f.to))
            || !strictly_sorted(&state.endorsements, |e| (e.from, e.to, e.suffix))
            || !strictly_sorted(&state.hidden, |h| h.0)
        {
            return None;
        }

        for p in state.profiles {
            let i = account(p.pred)?;
            if !p.tags.iter().all(|s| in_range(*s, n_tags)) {
                return None;
            }
            let tags =
                nearly_core::Tags::parse(p.tags.iter().map(|s| g.tag_syms.name(*s).as_ref()))
                    .ok()?;
            if tags.len() != p.tags.len() {
                return None;
            }
            let profile = Profile {
                name: p.name,
                description: p.description,
                image: p.image,
                tags,
                capabilities: object_of(&p.capabilities)?,
                extra: object_of(&p.extra)?,
            };
            for sym in &p.tags {
                g.profile_tags.entry(*sym).or_default().insert(p.pred);
            }
            g.nodes[i].profile = Some(Box::new(ProfileRec {
                version: Version::new(p.height, p.position),
                at: p.at,
                profile,
                tag_syms: p.tags,
            }));
        }
        for (idx, sym, height, position) in state.tags {
            let i = account(idx)?;
            if !in_range(sym, n_tags) || find(&g.nodes[i].tags, sym).is_some() {
                return None;
            }
            g.nodes[i].tags.push((sym, Version::new(height, position)));
        }
        for (idx, sym, height, position) in state.caps {
            let i = account(idx)?;
            if !in_range(sym, n_caps) || find(&g.nodes[i].caps, sym).is_some() {
                return None;
            }
            g.nodes[i].caps.push((sym, Version::new(height, position)));
        }

        // Follows and endorsements touch disjoint parts of the nodes: built on two threads,
        // then moved into place.
        let (follows, endorsements) = std::thread::scope(|scope| {
            let follows = scope.spawn(|| build_follows(n, state.follows));
            let endorsements = build_endorsements(n, n_suffixes, state.endorsements);
            (follows.join().ok().flatten(), endorsements)
        });
        let (forward, followers) = follows?;
        for (from, following, order) in forward {
            let node = &mut g.nodes[from as usize];
            node.following = following;
            node.following_order = order;
        }
        for (node, set) in g.nodes.iter_mut().zip(followers) {
            node.followers = set;
        }
        let (given, endorsed) = endorsements?;
        for (from, endorsing) in given {
            g.nodes[from as usize].endorsing = endorsing;
        }
        for (node, map) in g.nodes.iter_mut().zip(endorsed) {
            node.endorsed = map;
        }

        for (idx, height, position) in state.hidden {
            account(idx)?;
            g.hidden.insert(idx, Version::new(height, position));
        }
        for (idx, height, position, at) in state.created {
            let i = account(idx)?;
            g.nodes[i].created = Some(Created {
                version: Version::new(height, position),
                at,
                provisional: false,
            });
        }

        // Listings: every listed agent once, then each sorted set built from sorted keys.
        let mut all = SortedBuild::default();
        let mut by_tag: HashMap<Sym, SortedBuild> = HashMap::new();
        let mut by_cap: HashMap<Sym, SortedBuild> = HashMap::new();
        for i in 0..n {
            let idx = Idx::try_from(i).ok()?;
            let listing = g.listing_of(idx);
            let name = g.accounts.name(idx);
            let node = &mut g.nodes[i];
            for (sym, _) in &node.tags {
                let set = by_tag.entry(*sym).or_default();
                if let Some(l) = listing {
                    set.push(l, name, idx);
                }
            }
            for (sym, _) in &node.caps {
                let set = by_cap.entry(*sym).or_default();
                if let Some(l) = listing {
                    set.push(l, name, idx);
                }
            }
            if let Some(l) = listing {
                node.listed = Some(l);
                g.active_secs[i] = l.last_active;
                all.push(l, name, idx);
            }
        }
        g.all = all.build();
        g.by_tag = by_tag.into_iter().map(|(s, b)| (s, b.build())).collect();
        g.by_cap = by_cap.into_iter().map(|(s, b)| (s, b.build())).collect();

        for (idx, key, height, position) in state.tombstones {
            account(idx)?;
            g.tombstones
                .entry(idx)
                .or_default()
                .insert(key.into(), Version::new(height, position));
        }
        for (idx, key) in state.inferred {
            account(idx)?;
            g.inferred.entry(idx).or_default().insert(key.into());
        }
        g.high_water = state.height;
        Some(g)
    }
}

#[cfg(test)]
mod import_tests {
    use serde_json::json;

    use super::{CanonicalState, Graph};
    use crate::{Indexer, IndexerConfig, Version, Write};

    fn state() -> CanonicalState {
        let ix = Indexer::new(IndexerConfig::new("contextual.near"));
        let w = |who: &str, key: &str, value: serde_json::Value, h: u64| Write {
            predecessor: who.into(),
            key: key.into(),
            value: Some(value),
            version: Version::new(h, 0),
            block_timestamp_ns: h * 1_000_000_000,
        };
        ix.apply_writes(&[
            w("a.near", "profile", json!({"name": "A", "tags": ["x"]}), 1),
            w("b.near", "profile", json!({"name": "B"}), 2),
            w("a.near", "graph/follow/b.near", json!({}), 3),
            w("a.near", "graph/follow/c.near", json!({}), 4),
            w("b.near", "endorsing/a.near/skills/x", json!({}), 5),
            w("b.near", "endorsing/c.near/skills/x", json!({}), 6),
        ]);
        ix.read().export()
    }

    /// The bulk loader trusts nothing it did not check: each kind of inconsistency rejects the
    /// whole state (the snapshot is then ignored and the index rebuilt).
    #[test]
    fn an_inconsistent_state_is_rejected_whole() {
        assert!(Graph::import(None, state()).is_some());
        type Break = fn(&mut CanonicalState);
        let broken: [(&str, Break); 7] = [
            ("follows out of order", |s| s.follows.swap(0, 1)),
            ("endorsements out of order", |s| s.endorsements.swap(0, 1)),
            ("follow target out of range", |s| s.follows[0].to = 99),
            ("endorsement suffix out of range", |s| {
                s.endorsements[0].suffix = 99;
            }),
            ("a repeated account name", |s| {
                s.accounts[1] = s.accounts[0].clone();
            }),
            ("a profile tag out of range", |s| {
                s.profiles[0].tags = vec![99]
            }),
            ("a bad capabilities text", |s| {
                s.profiles[0].capabilities = "not json".into();
            }),
        ];
        for (why, breaks) in broken {
            let mut s = state();
            breaks(&mut s);
            assert!(Graph::import(None, s).is_none(), "{why}");
        }
    }
}
