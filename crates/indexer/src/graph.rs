//! The in-memory graph and how writes change it.
//!
//! Layout: every account is interned to a `u32` ([`Idx`]) and owns one [`Node`] in a `Vec`.
//! Follow edges live once as 40-byte records in the follower's `following` set and as 16-byte
//! order keys in both endpoints' newest-first sets; endorsements live once under the endorser,
//! with a `(suffix, endorser)` index and per-suffix counts on the target. Listed agents sit in
//! sorted sets keyed `(Reverse(seconds), account, idx)`, globally and per tag and capability, so
//! a cursor is positioned in O(log n) and a page costs O(page).
//!
//! Every per-account edge collection is a [`FlatSet`]: a sorted `Vec` while it holds at most
//! [`crate::flat::LARGE`] items, a B-tree beyond. A snapshot load builds each one from its
//! sorted run as one exact allocation (no tree nodes, no per-entry insert), which is what makes
//! the load fast; an account with a large degree still updates in `O(log n)`. (Sorted `Vec`s of
//! unbounded size were measured before, in `docs/BENCHMARKS.md`: a replay's growth buffers
//! fragmented glibc's heap; here a set stops growing as a `Vec` at 64 items.)

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use nearly_core::{Key, Profile};
use serde_json::Value;

use crate::flat::{FlatSet, Keyed};
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

impl Keyed for OrderKey {
    type Key = Self;
    fn key(&self) -> Self {
        *self
    }
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

/// A follow edge, stored once in the follower's `following` set (keyed by `to`): 40 bytes.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    /// The followed account.
    pub(crate) to: Idx,
    pub(crate) position: u32,
    pub(crate) height: u64,
    pub(crate) at: u64,
    pub(crate) reason: Option<Box<str>>,
}

impl Keyed for Edge {
    type Key = Idx;
    fn key(&self) -> Idx {
        self.to
    }
}

impl Edge {
    pub(crate) fn version(&self) -> Version {
        Version::new(self.height, self.position)
    }
}

/// An endorsement, stored once in the endorser's `endorsing` set (keyed by target and suffix).
#[derive(Debug, Clone)]
pub(crate) struct Endorsement {
    /// The endorsed account.
    pub(crate) to: Idx,
    /// The key suffix.
    pub(crate) sym: Sym,
    pub(crate) version: Version,
    pub(crate) at: u64,
    /// Reason and content hash, boxed together: most endorsements carry neither, and the
    /// record stays 40 bytes.
    pub(crate) text: Option<Box<EndorsementText>>,
}

/// The optional texts of an endorsement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndorsementText {
    pub(crate) reason: Option<Box<str>>,
    pub(crate) content_hash: Option<Box<str>>,
}

impl EndorsementText {
    /// `None` when both are absent.
    pub(crate) fn boxed(
        reason: Option<Box<str>>,
        content_hash: Option<Box<str>>,
    ) -> Option<Box<Self>> {
        (reason.is_some() || content_hash.is_some()).then(|| {
            Box::new(Self {
                reason,
                content_hash,
            })
        })
    }
}

impl Endorsement {
    pub(crate) fn reason(&self) -> Option<&str> {
        self.text.as_ref()?.reason.as_deref()
    }

    pub(crate) fn content_hash(&self) -> Option<&str> {
        self.text.as_ref()?.content_hash.as_deref()
    }
}

impl Keyed for Endorsement {
    type Key = (Idx, Sym);
    fn key(&self) -> (Idx, Sym) {
        (self.to, self.sym)
    }
}

// The record sizes the docs and the memory benchmarks quote.
const _: () = assert!(std::mem::size_of::<Edge>() == 40);
const _: () = assert!(std::mem::size_of::<Endorsement>() == 40);
const _: () = assert!(std::mem::size_of::<OrderKey>() == 16);

/// An endorser of an account under a suffix, in the target's `endorsed` index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EndorsedBy {
    pub(crate) sym: Sym,
    pub(crate) from: Idx,
}

impl Keyed for EndorsedBy {
    type Key = Self;
    fn key(&self) -> Self {
        *self
    }
}

/// The keys of an order set newest first, starting strictly after `after`.
pub(crate) fn newest_first<'a>(
    set: &'a FlatSet<OrderKey>,
    after: Option<&OrderKey>,
) -> crate::flat::Iter<'a, OrderKey> {
    let lower = after.map_or(Bound::Unbounded, |k| Bound::Excluded(*k));
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
    pub(crate) following: FlatSet<Edge>,
    /// Outgoing follows, newest first.
    pub(crate) following_order: FlatSet<OrderKey>,
    /// Incoming follows, newest first.
    pub(crate) followers: FlatSet<OrderKey>,
    /// Endorsements given, by `(target, suffix)`.
    pub(crate) endorsing: FlatSet<Endorsement>,
    /// Endorsements received, by `(suffix, endorser)`.
    pub(crate) endorsed: FlatSet<EndorsedBy>,
    /// Endorsements received per suffix, by suffix (only suffixes with at least one).
    pub(crate) endorsed_counts: Vec<(Sym, u32)>,
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
        self.following.contains(&to)
    }

    /// The endorsement of `to` under `sym`.
    pub(crate) fn endorsement(&self, to: Idx, sym: Sym) -> Option<&Endorsement> {
        self.endorsing.get(&(to, sym))
    }

    /// The suffix symbols this account endorses `to` under.
    pub(crate) fn endorsements_of(&self, to: Idx) -> impl Iterator<Item = Sym> {
        self.endorsing
            .range((to, 0)..=(to, Sym::MAX))
            .map(|e| e.sym)
    }

    /// The accounts endorsing this one under `sym`, by account index.
    pub(crate) fn endorsers_under(&self, sym: Sym) -> impl Iterator<Item = Idx> {
        let (lo, hi) = (
            EndorsedBy { sym, from: 0 },
            EndorsedBy {
                sym,
                from: Idx::MAX,
            },
        );
        self.endorsed.range(lo..=hi).map(|e| e.from)
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
    pub(crate) fn listing_of(&self, idx: Idx) -> Option<Listed> {
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
            node.following.insert(Edge {
                to,
                position: d.version.position,
                height: d.version.height,
                at: d.at,
                reason: d.reason,
            });
            node.following_order.insert(OrderKey::new(d.version, to));
            self.node_mut(to)
                .followers
                .insert(OrderKey::new(d.version, from));
        }
    }

    fn set_endorsement(&mut self, from: Idx, to: Idx, sym: Sym, data: Option<EdgeData>) {
        match data {
            Some(d) => {
                let replaced = self.node_mut(from).endorsing.insert(Endorsement {
                    to,
                    sym,
                    version: d.version,
                    at: d.at,
                    text: EndorsementText::boxed(d.reason, d.content_hash),
                });
                if replaced.is_none() {
                    let node = self.node_mut(to);
                    node.endorsed.insert(EndorsedBy { sym, from });
                    match node.endorsed_counts.binary_search_by_key(&sym, |c| c.0) {
                        Ok(i) => node.endorsed_counts[i].1 += 1,
                        Err(i) => node.endorsed_counts.insert(i, (sym, 1)),
                    }
                }
            }
            None => {
                if self.node_mut(from).endorsing.remove(&(to, sym)).is_some() {
                    let node = self.node_mut(to);
                    node.endorsed.remove(&EndorsedBy { sym, from });
                    if let Ok(i) = node.endorsed_counts.binary_search_by_key(&sym, |c| c.0) {
                        node.endorsed_counts[i].1 -= 1;
                        if node.endorsed_counts[i].1 == 0 {
                            node.endorsed_counts.remove(i);
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
            for e in &node.following {
                out.push((idx, format!("graph/follow/{}", self.accounts.name(e.to))));
            }
            for e in &node.endorsing {
                out.push((
                    idx,
                    format!(
                        "endorsing/{}/{}",
                        self.accounts.name(e.to),
                        self.suffixes.name(e.sym)
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

pub(crate) fn find(list: &[(Sym, Version)], sym: Sym) -> Option<Version> {
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
    /// Whether write-through entries await confirmation (their prior confirmed state is not
    /// kept, so a snapshot now could not be exact).
    pub(crate) fn has_provisional(&self) -> bool {
        !self.provisional.is_empty()
    }

    /// Whether the account's first profile write is known (confirmed).
    pub(crate) fn created_known(&self, account: &str) -> bool {
        self.idx(account)
            .and_then(|i| self.node(i).created)
            .is_some_and(|c| !c.provisional)
    }
}

impl Interner {
    /// Every name, by id.
    pub(crate) fn names(&self) -> Vec<String> {
        self.names.iter().map(|n| n.to_string()).collect()
    }

    /// An interner holding `names` at ids `0..`; `None` when a name repeats or ids overflow.
    pub(crate) fn from_names<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> Option<Self> {
        u32::try_from(names.len()).ok()?;
        let mut out = Self {
            names: Vec::with_capacity(names.len()),
            ids: HashMap::with_capacity(names.len()),
        };
        for (id, name) in names.enumerate() {
            let name: Arc<str> = Arc::from(name);
            out.names.push(name.clone());
            let id = u32::try_from(id).ok()?;
            if out.ids.insert(name, id).is_some() {
                return None;
            }
        }
        Some(out)
    }
}
