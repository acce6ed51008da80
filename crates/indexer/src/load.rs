//! The canonical state a snapshot holds ([`CanonicalState`], written by [`Graph::export`]) and
//! the bulk loader that rebuilds a graph from its encoded sections ([`Graph::import`]).
//!
//! The state is three postcard sections: the [`Head`] (names, profiles, memberships, hidden
//! accounts, first-profile times, tombstones), the follows sorted by `(from, to)` and the
//! endorsements sorted by `(from, to, suffix)`. Loading decodes the two edge sections on their
//! own threads while the head is decoded and built, each one streamed (records are decoded one at
//! a time with borrowed strings, never collected) straight into the per-account sets: every
//! account's outgoing run is already sorted, so each set is one exact allocation; the reverse
//! sets are sized from the in-degrees counted while streaming, filled, then sorted once.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use nearly_core::Profile;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flat::FlatSet;
use crate::graph::{
    Created, Edge, EndorsedBy, Endorsement, EndorsementText, Graph, Idx, Interner, ListKey, Listed,
    Node, OrderKey, ProfileRec, Sorted, Sym, find,
};
use crate::types::Version;

/// A live profile as a snapshot stores it: the folded fields typed, so loading parses no JSON
/// except a non-empty `capabilities` or `extra` object. `S` as in [`FollowState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProfileState<S = String> {
    pub(crate) pred: Idx,
    pub(crate) height: u64,
    pub(crate) position: u32,
    /// Block time, whole seconds.
    pub(crate) at: u64,
    pub(crate) name: Option<S>,
    pub(crate) description: S,
    pub(crate) image: Option<S>,
    /// The profile's tags as tag symbols, in the profile's order.
    pub(crate) tags: Vec<Sym>,
    /// The capabilities object as JSON text; empty when the object is empty.
    pub(crate) capabilities: S,
    /// The other fields as a JSON object's text; empty when there are none.
    pub(crate) extra: S,
}

/// A live follow edge: ordered by `(from, to)` in a snapshot. `S` is the text type: owned when
/// exported, borrowed from the snapshot's bytes when loaded (the same encoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FollowState<S = Box<str>> {
    pub(crate) from: Idx,
    pub(crate) to: Idx,
    pub(crate) height: u64,
    pub(crate) position: u32,
    pub(crate) at: u64,
    pub(crate) reason: Option<S>,
}

/// A live endorsement: ordered by `(from, to, suffix)` in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndorseState<S = Box<str>> {
    pub(crate) from: Idx,
    pub(crate) to: Idx,
    pub(crate) suffix: Sym,
    pub(crate) height: u64,
    pub(crate) position: u32,
    pub(crate) at: u64,
    pub(crate) reason: Option<S>,
    pub(crate) content_hash: Option<S>,
}

/// Everything but the edges. `S` as in [`FollowState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Head<S = String> {
    pub(crate) height: u64,
    pub(crate) accounts: Vec<S>,
    pub(crate) tag_syms: Vec<S>,
    pub(crate) cap_syms: Vec<S>,
    pub(crate) suffixes: Vec<S>,
    pub(crate) profiles: Vec<ProfileState<S>>,
    /// `(account, tag, height, position)` of `tag/*` keys, each account's in its list order.
    pub(crate) tags: Vec<(Idx, Sym, u64, u32)>,
    /// `(account, capability, height, position)` of `cap/*` keys, likewise.
    pub(crate) caps: Vec<(Idx, Sym, u64, u32)>,
    /// `(hidden account, height, position)` of the admin's `hidden/*` keys, by account.
    pub(crate) hidden: Vec<(Idx, u64, u32)>,
    /// `(account, height, position, at_secs)` of the first profile write.
    pub(crate) created: Vec<(Idx, u64, u32, u64)>,
    /// `(account, key, height, position)` of deleted keys.
    pub(crate) tombstones: Vec<(Idx, S, u64, u32)>,
    /// Tombstones inferred from absence.
    pub(crate) inferred: Vec<(Idx, S)>,
}

/// The canonical state of a graph: interned names once, typed records by index, every edge list
/// in the order its set iterates. Everything else (sorted listings, reverse edges, order sets,
/// counts, discover candidates) is derived on load in bulk from this sorted data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CanonicalState {
    pub(crate) head: Head,
    pub(crate) follows: Vec<FollowState>,
    pub(crate) endorsements: Vec<EndorseState>,
}

impl CanonicalState {
    /// Live records (what a replay would apply to reach this state).
    pub(crate) fn entries(&self) -> usize {
        self.head.live() + self.follows.len() + self.endorsements.len()
    }
}

impl<S> Head<S> {
    /// Live records outside the edge sections.
    fn live(&self) -> usize {
        self.profiles.len() + self.tags.len() + self.caps.len() + self.hidden.len()
    }
}

/// The encoded sections of a state, as [`Graph::import`] reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sections<'a> {
    /// Interned accounts (the edge sections are checked against it while the head decodes).
    pub(crate) accounts: usize,
    /// Interned endorsement suffixes, likewise.
    pub(crate) suffixes: usize,
    pub(crate) head: &'a [u8],
    pub(crate) follows: &'a [u8],
    pub(crate) endorsements: &'a [u8],
}

/// Encoded sections: `(head, follows, endorsements)`.
pub(crate) type Encoded = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The three sections of `state`, postcard-encoded.
pub(crate) fn encode_sections(state: &CanonicalState) -> Result<Encoded, postcard::Error> {
    Ok((
        postcard::to_stdvec(&state.head)?,
        postcard::to_stdvec(&state.follows)?,
        postcard::to_stdvec(&state.endorsements)?,
    ))
}

/// Receives a section's records one at a time.
trait Sink<T> {
    /// One record; an error rejects the whole section.
    fn push(&mut self, item: T) -> Result<(), String>;
}

/// A serde visitor streaming a sequence into a [`Sink`].
struct Stream<'s, T, K>(&'s mut K, PhantomData<fn() -> T>);

impl<'de, T: Deserialize<'de>, K: Sink<T>> Visitor<'de> for Stream<'_, T, K> {
    type Value = Result<usize, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<T>()? {
            if let Err(e) = self.0.push(item) {
                return Ok(Err(e));
            }
            n += 1;
        }
        Ok(Ok(n))
    }
}

/// Decodes the postcard sequence `bytes` record by record into `sink`; returns the count.
fn stream<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    what: &str,
    sink: &mut impl Sink<T>,
) -> Result<usize, String> {
    let mut de = postcard::Deserializer::from_bytes(bytes);
    let n = serde::Deserializer::deserialize_seq(&mut de, Stream(sink, PhantomData))
        .map_err(|e| format!("decode {what}: {e}"))??;
    let rest = de.finalize().map_err(|e| format!("decode {what}: {e}"))?;
    if rest.is_empty() {
        Ok(n)
    } else {
        Err(format!("{what}: {} trailing bytes", rest.len()))
    }
}

/// An account's outgoing follows and their newest-first order.
type Following = (Idx, FlatSet<Edge>, FlatSet<OrderKey>);

/// Follows streamed in `(from, to)` order: each follower's run becomes its two sets when the
/// next follower starts; in-degrees are counted for the reverse sets.
struct FollowSink {
    n: usize,
    last: Option<(Idx, Idx)>,
    run: Vec<Edge>,
    forward: Vec<Following>,
    in_degree: Vec<u32>,
}

impl FollowSink {
    fn new(n: usize) -> Self {
        Self {
            n,
            last: None,
            run: Vec::new(),
            forward: Vec::new(),
            in_degree: vec![0; n],
        }
    }

    fn flush(&mut self) {
        let Some((from, _)) = self.last else { return };
        if self.run.is_empty() {
            return;
        }
        let edges: Vec<Edge> = self.run.drain(..).collect();
        let mut order: Vec<OrderKey> = edges
            .iter()
            .map(|e| OrderKey::new(e.version(), e.to))
            .collect();
        order.sort_unstable();
        self.forward.push((
            from,
            FlatSet::from_sorted(edges),
            FlatSet::from_sorted(order),
        ));
    }

    /// The outgoing sets by follower, and every account's followers (newest first).
    fn finish(mut self) -> (Vec<Following>, Vec<FlatSet<OrderKey>>) {
        self.flush();
        let mut followers: Vec<Vec<OrderKey>> = self
            .in_degree
            .iter()
            .map(|d| Vec::with_capacity(*d as usize))
            .collect();
        for (from, edges, _) in &self.forward {
            for e in edges {
                followers[e.to as usize].push(OrderKey::new(e.version(), *from));
            }
        }
        let followers = followers
            .into_iter()
            .map(|mut v| {
                v.sort_unstable();
                FlatSet::from_sorted(v)
            })
            .collect();
        (self.forward, followers)
    }
}

impl<'a> Sink<FollowState<&'a str>> for FollowSink {
    fn push(&mut self, f: FollowState<&'a str>) -> Result<(), String> {
        if f.from as usize >= self.n || f.to as usize >= self.n {
            return Err("a follow's account index out of range".into());
        }
        let key = (f.from, f.to);
        if self.last.is_some_and(|last| last >= key) {
            return Err("follows out of order".into());
        }
        if self.last.is_some_and(|(from, _)| from != f.from) {
            self.flush();
        }
        self.last = Some(key);
        self.in_degree[f.to as usize] += 1;
        self.run.push(Edge {
            to: f.to,
            position: f.position,
            height: f.height,
            at: f.at,
            reason: f.reason.map(Box::from),
        });
        Ok(())
    }
}

/// Endorsements streamed in `(from, to, suffix)` order, likewise.
struct EndorseSink {
    n: usize,
    n_suffixes: usize,
    last: Option<(Idx, Idx, Sym)>,
    run: Vec<Endorsement>,
    forward: Vec<(Idx, FlatSet<Endorsement>)>,
    in_degree: Vec<u32>,
}

/// A target's endorsers by `(suffix, endorser)` and its counts per suffix.
type Endorsed = (FlatSet<EndorsedBy>, Vec<(Sym, u32)>);

impl EndorseSink {
    fn new(n: usize, n_suffixes: usize) -> Self {
        Self {
            n,
            n_suffixes,
            last: None,
            run: Vec::new(),
            forward: Vec::new(),
            in_degree: vec![0; n],
        }
    }

    fn flush(&mut self) {
        let Some((from, _, _)) = self.last else {
            return;
        };
        if !self.run.is_empty() {
            let run: Vec<Endorsement> = self.run.drain(..).collect();
            self.forward.push((from, FlatSet::from_sorted(run)));
        }
    }

    fn finish(mut self) -> (Vec<(Idx, FlatSet<Endorsement>)>, Vec<Endorsed>) {
        self.flush();
        let mut endorsed: Vec<Vec<EndorsedBy>> = self
            .in_degree
            .iter()
            .map(|d| Vec::with_capacity(*d as usize))
            .collect();
        for (from, given) in &self.forward {
            for e in given {
                endorsed[e.to as usize].push(EndorsedBy {
                    sym: e.sym,
                    from: *from,
                });
            }
        }
        let endorsed = endorsed
            .into_iter()
            .map(|mut v| {
                v.sort_unstable();
                let counts = v
                    .chunk_by(|a, b| a.sym == b.sym)
                    .map(|run| (run[0].sym, u32::try_from(run.len()).unwrap_or(u32::MAX)))
                    .collect();
                (FlatSet::from_sorted(v), counts)
            })
            .collect();
        (self.forward, endorsed)
    }
}

impl<'a> Sink<EndorseState<&'a str>> for EndorseSink {
    fn push(&mut self, e: EndorseState<&'a str>) -> Result<(), String> {
        if e.from as usize >= self.n || e.to as usize >= self.n {
            return Err("an endorsement's account index out of range".into());
        }
        if e.suffix as usize >= self.n_suffixes {
            return Err("an endorsement's suffix index out of range".into());
        }
        let key = (e.from, e.to, e.suffix);
        if self.last.is_some_and(|last| last >= key) {
            return Err("endorsements out of order".into());
        }
        if self.last.is_some_and(|(from, _, _)| from != e.from) {
            self.flush();
        }
        self.last = Some(key);
        self.in_degree[e.to as usize] += 1;
        let text = |s: Option<&str>| s.map(Box::from);
        self.run.push(Endorsement {
            to: e.to,
            sym: e.suffix,
            version: Version::new(e.height, e.position),
            at: e.at,
            text: EndorsementText::boxed(text(e.reason), text(e.content_hash)),
        });
        Ok(())
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

/// A loader thread's result (a panic, which the loader never causes on purpose, rejects too).
fn joined<T>(r: std::thread::Result<Result<T, String>>) -> Result<T, String> {
    r.unwrap_or_else(|_| Err("a loader thread panicked".into()))
}

/// Whether `v` is strictly increasing by `key`.
fn strictly_sorted<T, K: Ord>(v: &[T], key: impl Fn(&T) -> K) -> bool {
    v.windows(2).all(|w| key(&w[0]) < key(&w[1]))
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

impl Graph {
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
            for e in &node.following {
                follows.push(FollowState {
                    from: idx,
                    to: e.to,
                    height: e.height,
                    position: e.position,
                    at: e.at,
                    reason: e.reason.clone(),
                });
            }
            for e in &node.endorsing {
                endorsements.push(EndorseState {
                    from: idx,
                    to: e.to,
                    suffix: e.sym,
                    height: e.version.height,
                    position: e.version.position,
                    at: e.at,
                    reason: e.reason().map(Box::from),
                    content_hash: e.content_hash().map(Box::from),
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
            head: Head {
                height: self.high_water,
                accounts: self.accounts.names(),
                tag_syms: self.tag_syms.names(),
                cap_syms: self.cap_syms.names(),
                suffixes: self.suffixes.names(),
                profiles,
                tags,
                caps,
                hidden,
                created,
                tombstones,
                inferred,
            },
            follows,
            endorsements,
        }
    }

    /// Rebuilds a graph from its encoded sections in bulk: names keep their ids (so ties break
    /// exactly as before), records are placed directly (no key parsing, no version checks: the
    /// state is already resolved), the edge sections are decoded and built on their own threads,
    /// and every derived ordering is built once from sorted data. Returns the graph and its live
    /// record count; an error when the state is inconsistent (an id out of range, a repeated
    /// name, an edge list out of order, a bad profile field): the caller rejects the snapshot.
    pub(crate) fn import(
        admin: Option<String>,
        sections: Sections<'_>,
    ) -> Result<(Self, usize), String> {
        let (n, n_suffixes) = (sections.accounts, sections.suffixes);
        let (head, follows, endorsements) = std::thread::scope(|scope| {
            let follows = scope.spawn(move || {
                let mut sink = FollowSink::new(n);
                let count = stream(sections.follows, "follows", &mut sink)?;
                Ok::<_, String>((count, sink.finish()))
            });
            let endorsements = scope.spawn(move || {
                let mut sink = EndorseSink::new(n, n_suffixes);
                let count = stream(sections.endorsements, "endorsements", &mut sink)?;
                Ok::<_, String>((count, sink.finish()))
            });
            let head = Self::import_head(admin, n, n_suffixes, sections.head);
            (head, joined(follows.join()), joined(endorsements.join()))
        });
        let (mut g, head_live) = head?;
        let (n_follows, (forward, followers)) = follows?;
        let (n_endorsements, (given, endorsed)) = endorsements?;
        for (from, following, order) in forward {
            let node = &mut g.nodes[from as usize];
            node.following = following;
            node.following_order = order;
        }
        for (node, set) in g.nodes.iter_mut().zip(followers) {
            node.followers = set;
        }
        for (from, endorsing) in given {
            g.nodes[from as usize].endorsing = endorsing;
        }
        for (node, (set, counts)) in g.nodes.iter_mut().zip(endorsed) {
            node.endorsed = set;
            node.endorsed_counts = counts;
        }
        Ok((g, head_live + n_follows + n_endorsements))
    }

    /// The graph without its edges, from the head section; and the head's live record count.
    /// The listings are built on their own thread from the raw records while the profiles are.
    fn import_head(
        admin: Option<String>,
        n: usize,
        n_suffixes: usize,
        bytes: &[u8],
    ) -> Result<(Self, usize), String> {
        let (state, rest): (Head<&str>, _) =
            postcard::take_from_bytes(bytes).map_err(|e| format!("decode head: {e}"))?;
        if !rest.is_empty() {
            return Err(format!("head: {} trailing bytes", rest.len()));
        }
        if state.accounts.len() != n || state.suffixes.len() != n_suffixes {
            return bad("name counts differ from the header's");
        }
        let live = state.live();
        let Head {
            height,
            accounts,
            tag_syms,
            cap_syms,
            suffixes,
            profiles,
            tags,
            caps,
            hidden,
            created,
            tombstones,
            inferred,
        } = state;
        let interner = |names: &[&str], what: &str| {
            Interner::from_names(names.iter().copied())
                .ok_or_else(|| format!("inconsistent state: a repeated {what} name"))
        };
        if !strictly_sorted(&profiles, |p| p.pred) || !strictly_sorted(&hidden, |h| h.0) {
            return bad("profiles or hidden accounts out of order");
        }
        let records = Records {
            n,
            n_tags: tag_syms.len(),
            n_caps: cap_syms.len(),
            profile_at: profiles.iter().map(|p| (p.pred, p.at)).collect(),
            tags: &tags,
            caps: &caps,
            hidden: &hidden,
            created: &created,
        };
        let mut g = Self::new(admin);
        // The account names and the listings on one thread, the rest of the head on this one.
        let (listings, placed) = std::thread::scope(|scope| {
            let listings = scope.spawn(|| {
                let names = interner(&accounts, "account")?;
                let listings = records.listings(&names)?;
                Ok((names, listings))
            });
            let placed = (|| {
                g.tag_syms = interner(&tag_syms, "tag")?;
                g.cap_syms = interner(&cap_syms, "capability")?;
                g.suffixes = interner(&suffixes, "suffix")?;
                g.place_head(&records, profiles)
            })();
            (joined(listings.join()), placed)
        });
        placed?;
        let (names, listings) = listings?;
        for (i, listed) in listings.listed.into_iter().enumerate() {
            if let Some(l) = listed {
                g.nodes[i].listed = Some(l);
                g.active_secs[i] = l.last_active;
            }
        }
        g.accounts = names;
        g.all = listings.all;
        g.by_tag = listings.by_tag;
        g.by_cap = listings.by_cap;
        for (idx, key, height, position) in tombstones {
            if idx as usize >= n {
                return bad("a tombstone's account out of range");
            }
            g.tombstones
                .entry(idx)
                .or_default()
                .insert(key.into(), Version::new(height, position));
        }
        for (idx, key) in inferred {
            if idx as usize >= n {
                return bad("an inferred tombstone's account out of range");
            }
            g.inferred.entry(idx).or_default().insert(key.into());
        }
        g.high_water = height;
        Ok((g, live))
    }

    /// Places the nodes, profiles, memberships, hidden accounts and first-profile times.
    fn place_head(
        &mut self,
        r: &Records<'_>,
        profiles: Vec<ProfileState<&str>>,
    ) -> Result<(), String> {
        let n = r.n;
        self.nodes = (0..n).map(|_| Node::default()).collect();
        self.active_secs = vec![crate::graph::NOT_LISTED; n];
        let account = |i: Idx| ((i as usize) < n).then_some(i as usize);
        let in_range = |sym: Sym, len: usize| (sym as usize) < len;
        for p in profiles {
            let Some(i) = account(p.pred) else {
                return bad("a profile's account out of range");
            };
            if !p.tags.iter().all(|s| in_range(*s, r.n_tags)) {
                return bad("a profile tag out of range");
            }
            let Ok(tags) =
                nearly_core::Tags::parse(p.tags.iter().map(|s| self.tag_syms.name(*s).as_ref()))
            else {
                return bad("a profile's tags");
            };
            if tags.len() != p.tags.len() {
                return bad("a profile's tags");
            }
            let (Some(capabilities), Some(extra)) = (object_of(p.capabilities), object_of(p.extra))
            else {
                return bad("a profile's capabilities or extra fields");
            };
            let profile = Profile {
                name: p.name.map(str::to_owned),
                description: p.description.to_owned(),
                image: p.image.map(str::to_owned),
                tags,
                capabilities,
                extra,
            };
            for sym in &p.tags {
                self.profile_tags.entry(*sym).or_default().insert(p.pred);
            }
            self.nodes[i].profile = Some(Box::new(ProfileRec {
                version: Version::new(p.height, p.position),
                at: p.at,
                profile,
                tag_syms: p.tags,
            }));
        }
        for &(idx, sym, height, position) in r.tags {
            let Some(i) = account(idx) else {
                return bad("a tag's account out of range");
            };
            if !in_range(sym, r.n_tags) || find(&self.nodes[i].tags, sym).is_some() {
                return bad("a tag out of range or repeated");
            }
            self.nodes[i]
                .tags
                .push((sym, Version::new(height, position)));
        }
        for &(idx, sym, height, position) in r.caps {
            let Some(i) = account(idx) else {
                return bad("a capability's account out of range");
            };
            if !in_range(sym, r.n_caps) || find(&self.nodes[i].caps, sym).is_some() {
                return bad("a capability out of range or repeated");
            }
            self.nodes[i]
                .caps
                .push((sym, Version::new(height, position)));
        }
        for &(idx, height, position) in r.hidden {
            if account(idx).is_none() {
                return bad("a hidden account out of range");
            }
            self.hidden.insert(idx, Version::new(height, position));
        }
        for &(idx, height, position, at) in r.created {
            let Some(i) = account(idx) else {
                return bad("a first-profile time's account out of range");
            };
            self.nodes[i].created = Some(Created {
                version: Version::new(height, position),
                at,
                provisional: false,
            });
        }
        Ok(())
    }
}

fn bad<T>(what: &str) -> Result<T, String> {
    Err(format!("inconsistent state: {what}"))
}

/// The head's records the listings derive from (the profiles reduced to their block second).
struct Records<'a> {
    n: usize,
    n_tags: usize,
    n_caps: usize,
    profile_at: Vec<(Idx, u64)>,
    tags: &'a [(Idx, Sym, u64, u32)],
    caps: &'a [(Idx, Sym, u64, u32)],
    hidden: &'a [(Idx, u64, u32)],
    created: &'a [(Idx, u64, u32, u64)],
}

/// Where each account is listed, and the sorted sets.
struct Listings {
    listed: Vec<Option<Listed>>,
    all: Sorted,
    by_tag: HashMap<Sym, Sorted>,
    by_cap: HashMap<Sym, Sorted>,
}

impl Records<'_> {
    /// [`Graph::listing_of`] for every account at once (a profile, not hidden; created at the
    /// first profile write, else the profile's time), and every sorted set built from sorted
    /// keys. A tag or capability any account holds gets a set, empty when no holder is listed.
    /// Out-of-range records are rejected here too, as [`Graph::place_head`] rejects them.
    fn listings(&self, names: &Interner) -> Result<Listings, String> {
        let n = self.n;
        let mut at: Vec<Option<u64>> = vec![None; n];
        for &(idx, secs) in &self.profile_at {
            *at.get_mut(idx as usize)
                .ok_or("inconsistent state: a profile's account out of range")? = Some(secs);
        }
        let mut first: Vec<Option<u64>> = vec![None; n];
        for &(idx, _, _, secs) in self.created {
            *first
                .get_mut(idx as usize)
                .ok_or("inconsistent state: a first-profile time out of range")? = Some(secs);
        }
        for &(idx, _, _) in self.hidden {
            *at.get_mut(idx as usize)
                .ok_or("inconsistent state: a hidden account out of range")? = None;
        }
        let listed: Vec<Option<Listed>> = at
            .iter()
            .zip(&first)
            .map(|(at, first)| {
                at.map(|secs| Listed {
                    last_active: secs,
                    created_at: first.unwrap_or(secs),
                })
            })
            .collect();
        let mut all = SortedBuild::default();
        for (i, l) in listed.iter().enumerate() {
            if let (Some(l), Ok(idx)) = (l, Idx::try_from(i)) {
                all.push(*l, names.name(idx), idx);
            }
        }
        let sets = |members: &[(Idx, Sym, u64, u32)], n_syms: usize| {
            let mut builds: Vec<Option<SortedBuild>> = (0..n_syms).map(|_| None).collect();
            for &(idx, sym, _, _) in members {
                let (Some(build), Some(l)) =
                    (builds.get_mut(sym as usize), listed.get(idx as usize))
                else {
                    return bad("a membership out of range");
                };
                let build = build.get_or_insert_default();
                if let Some(l) = l {
                    build.push(*l, names.name(idx), idx);
                }
            }
            Ok((0..)
                .zip(builds)
                .filter_map(|(sym, b)| Some((sym, b?.build())))
                .collect::<HashMap<Sym, Sorted>>())
        };
        Ok(Listings {
            by_tag: sets(self.tags, self.n_tags)?,
            by_cap: sets(self.caps, self.n_caps)?,
            all: all.build(),
            listed,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CanonicalState;
    use crate::snapshot::{decode, encode_state};
    use crate::{Indexer, IndexerConfig, Version, Write};

    fn config() -> IndexerConfig {
        IndexerConfig::new("contextual.near")
    }

    fn state() -> CanonicalState {
        let ix = Indexer::new(config());
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
            w("b.near", "tag/x", json!(true), 2),
            w("a.near", "graph/follow/b.near", json!({"reason": "r"}), 3),
            w("a.near", "graph/follow/c.near", json!({}), 4),
            w("b.near", "endorsing/a.near/skills/x", json!({}), 5),
            w("b.near", "endorsing/c.near/skills/x", json!({}), 6),
        ]);
        ix.read().export()
    }

    fn load(state: &CanonicalState) -> Result<CanonicalState, String> {
        let bytes = encode_state("contextual.near", None, state).map_err(|e| e.to_string())?;
        decode(&bytes, &config())
            .map(|(g, _)| g.export())
            .map_err(|e| e.to_string())
    }

    /// The sections round-trip to the same canonical state (reasons included).
    #[test]
    fn a_state_loads_back_equal() {
        let s = state();
        assert_eq!(s.follows[0].reason.as_deref(), Some("r"));
        assert_eq!(load(&s), Ok(s));
    }

    /// The bulk loader trusts nothing it did not check: each kind of inconsistency rejects the
    /// whole state (the snapshot is then ignored and the index rebuilt), with a reason.
    #[test]
    fn an_inconsistent_state_is_rejected_whole() {
        type Break = fn(&mut CanonicalState);
        let broken: [(&str, &str, Break); 9] = [
            ("follows out of order", "follows out of order", |s| {
                s.follows.swap(0, 1);
            }),
            (
                "endorsements out of order",
                "endorsements out of order",
                |s| {
                    s.endorsements.swap(0, 1);
                },
            ),
            ("follow target out of range", "out of range", |s| {
                s.follows[0].to = 99;
            }),
            (
                "endorsement suffix out of range",
                "suffix index out of range",
                |s| {
                    s.endorsements[0].suffix = 99;
                },
            ),
            ("a repeated account name", "repeated account", |s| {
                s.head.accounts[1] = s.head.accounts[0].clone();
            }),
            ("a profile tag out of range", "profile tag", |s| {
                s.head.profiles[0].tags = vec![99];
            }),
            ("a bad capabilities text", "capabilities", |s| {
                s.head.profiles[0].capabilities = "not json".into();
            }),
            ("a repeated follow", "follows out of order", |s| {
                let f = s.follows[0].clone();
                s.follows.insert(0, f);
            }),
            ("a repeated tag key", "repeated", |s| {
                let t = s.head.tags[0];
                s.head.tags.push(t);
            }),
        ];
        for (why, says, breaks) in broken {
            let mut s = state();
            breaks(&mut s);
            let err = load(&s).expect_err(why);
            assert!(err.contains(says), "{why}: {err}");
        }
    }
}
