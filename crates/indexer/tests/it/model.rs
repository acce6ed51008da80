//! Model-based property test: apply random writes and deletes in random order with duplicates,
//! then every query equals a brute-force answer computed from the same writes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use indexer::{
    Direction, EdgeDirection, Graph, Indexer, IndexerConfig, ListQuery, Sort, Version, Write,
};
use nearly_core::{AccountId, Candidate, Profile, Tags, Xorshift32, rank_suggestions};
use proptest::prelude::*;
use serde_json::{Value, json};

pub(crate) const ACCOUNTS: [&str; 5] = ["a.near", "b.near", "c.near", "d.near", "admin.near"];
pub(crate) const ADMIN: &str = "admin.near";
pub(crate) const TAGS: [&str; 3] = ["x", "y", "z"];

fn key_strategy() -> impl Strategy<Value = String> {
    let acct = || prop::sample::select(ACCOUNTS.to_vec());
    prop_oneof![
        3 => Just("profile".to_owned()),
        1 => prop::sample::select(TAGS.to_vec()).prop_map(|t| format!("tag/{t}")),
        1 => prop::sample::select(vec!["p", "q"]).prop_map(|c| format!("cap/skills/{c}")),
        4 => acct().prop_map(|t| format!("graph/follow/{t}")),
        2 => (acct(), prop::sample::select(vec!["s1", "t/s2"]))
            .prop_map(|(t, s)| format!("endorsing/{t}/{s}")),
        1 => acct().prop_map(|t| format!("hidden/{t}")),
    ]
}

fn value_strategy(key: &str) -> BoxedStrategy<Option<Value>> {
    let live: BoxedStrategy<Value> = if key == "profile" {
        prop_oneof![
            4 => (prop::sample::subsequence(TAGS.to_vec(), 0..=3), any::<bool>()).prop_map(
                |(tags, named)| json!({"name": if named { json!("N") } else { Value::Null },
                                       "tags": tags, "follower_count": 42})
            ),
            // Every folded field typed, so a snapshot stores (and loads) each of them.
            1 => (prop::sample::subsequence(TAGS.to_vec(), 0..=2), any::<bool>()).prop_map(
                |(tags, caps)| json!({"name": "F", "description": "d", "image": "https://x/i.png",
                                      "tags": tags, "website": {"url": "https://x"},
                                      "capabilities": if caps { json!({"skills": ["a", "b"]}) } else { json!({}) }})
            ),
            1 => Just(json!("not an object")),
        ]
        .boxed()
    } else if key.starts_with("graph/") || key.starts_with("endorsing/") {
        prop_oneof![
            Just(json!({})),
            Just(json!({"reason": "r", "content_hash": "h"}))
        ]
        .boxed()
    } else {
        Just(json!(true)).boxed()
    };
    prop_oneof![3 => live.prop_map(Some), 1 => Just(None)].boxed()
}

pub(crate) fn writes_strategy() -> impl Strategy<Value = (Vec<Write>, Vec<usize>)> {
    prop::collection::vec(
        (prop::sample::select(ACCOUNTS.to_vec()), key_strategy()).prop_flat_map(|(who, key)| {
            let v = value_strategy(&key);
            (Just(who), Just(key), v)
        }),
        1..60,
    )
    .prop_flat_map(|ops| {
        let writes: Vec<Write> = ops
            .into_iter()
            .enumerate()
            .map(|(i, (who, key, value))| {
                let i = i as u64;
                let height = i / 3 + 1;
                Write {
                    predecessor: who.to_owned(),
                    key,
                    value,
                    version: Version::new(height, (i % 3) as u32),
                    // Half-second blocks: equal seconds happen, exercising tie-breaks.
                    block_timestamp_ns: height * 500_000_000,
                }
            })
            .collect();
        let n = writes.len();
        let order = (0..n).collect::<Vec<_>>();
        let dups = prop::collection::vec(0..n, 0..n);
        (
            Just(writes),
            (Just(order).prop_shuffle(), dups).prop_map(|(mut o, d)| {
                o.extend(d);
                o
            }),
        )
    })
}

/// The plain reference: the winning write per (predecessor, key), and derived facts.
struct Model {
    latest: BTreeMap<(String, String), Write>,
    created: BTreeMap<String, (Version, u64)>,
}

impl Model {
    fn new(writes: &[Write]) -> Self {
        let mut latest: BTreeMap<(String, String), Write> = BTreeMap::new();
        let mut created: BTreeMap<String, (Version, u64)> = BTreeMap::new();
        for w in writes {
            if w.key.starts_with("hidden/") && w.predecessor != ADMIN {
                continue;
            }
            let k = (w.predecessor.clone(), w.key.clone());
            if latest.get(&k).is_none_or(|old| old.version < w.version) {
                latest.insert(k, w.clone());
            }
            if w.key == "profile"
                && w.value.clone().and_then(Profile::from_stored).is_some()
                && created.get(&w.predecessor).is_none_or(|c| w.version < c.0)
            {
                created.insert(
                    w.predecessor.clone(),
                    (w.version, w.block_timestamp_ns / 1_000_000_000),
                );
            }
        }
        Self { latest, created }
    }

    fn live(&self, who: &str, key: &str) -> Option<&Write> {
        self.latest
            .get(&(who.to_owned(), key.to_owned()))
            .filter(|w| w.value.is_some())
    }

    fn profile(&self, who: &str) -> Option<(Profile, &Write)> {
        let w = self.live(who, "profile")?;
        Some((Profile::from_stored(w.value.clone()?)?, w))
    }

    fn hidden(&self, who: &str) -> bool {
        self.live(ADMIN, &format!("hidden/{who}")).is_some()
    }

    fn listed(&self, who: &str) -> bool {
        self.profile(who).is_some() && !self.hidden(who)
    }

    fn follow(&self, from: &str, to: &str) -> Option<&Write> {
        self.live(from, &format!("graph/follow/{to}"))
    }

    fn secs(w: &Write) -> u64 {
        w.block_timestamp_ns / 1_000_000_000
    }

    fn list(&self, sort: Sort, filter_key: Option<&str>) -> Vec<String> {
        let mut out: Vec<(Reverse<u64>, String)> = ACCOUNTS
            .iter()
            .filter(|a| self.listed(a))
            .filter(|a| filter_key.is_none_or(|k| self.live(a, k).is_some()))
            .map(|a| {
                let secs = match sort {
                    Sort::Active => Self::secs(self.profile(a).map(|p| p.1).unwrap()),
                    Sort::Newest => self.created[*a].1,
                };
                (Reverse(secs), (*a).to_owned())
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, a)| a).collect()
    }

    /// (other, height) newest first.
    fn follows(&self, who: &str, incoming: bool) -> Vec<(String, u64)> {
        let mut out: Vec<(Reverse<Version>, String)> = ACCOUNTS
            .iter()
            .filter_map(|o| {
                let w = if incoming {
                    self.follow(o, who)
                } else {
                    self.follow(who, o)
                }?;
                Some((Reverse(w.version), (*o).to_owned()))
            })
            .collect();
        out.sort();
        out.into_iter().map(|(v, o)| (o, v.0.height)).collect()
    }

    fn endorsements_of(&self, target: &str) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((who, key), w) in &self.latest {
            let _ = who;
            if w.value.is_none() {
                continue;
            }
            if let Some(rest) = key.strip_prefix(&format!("endorsing/{target}/")) {
                *out.entry(rest.to_owned()).or_insert(0) += 1;
            }
        }
        out
    }
}

fn walk_list(g: &Graph, sort: Sort, tag: Option<&str>, cap: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = g.list_agents(&ListQuery {
            sort,
            tag,
            capability: cap,
            cursor: cursor.as_deref(),
            limit: 2,
        });
        assert!(!page.cursor_reset);
        out.extend(page.agents.into_iter().map(|a| a.account_id));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn walk_follows(g: &Graph, who: &str, incoming: bool) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (items, next) = if incoming {
            let p = g.followers(who, cursor.as_deref(), 2);
            assert!(!p.cursor_reset);
            (p.followers, p.cursor)
        } else {
            let p = g.following(who, cursor.as_deref(), 2);
            assert!(!p.cursor_reset);
            (p.following, p.cursor)
        };
        out.extend(items.into_iter().map(|e| (e.agent.account_id, e.at_height)));
        match next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn check(writes: &[Write], order: &[usize]) {
    let ix = Indexer::new(IndexerConfig::new("contextual.near").with_admin(ADMIN));
    // Apply in chunks of varying size to mix batching.
    let shuffled: Vec<Write> = order.iter().map(|i| writes[*i].clone()).collect();
    for chunk in shuffled.chunks(3) {
        ix.apply_writes(chunk);
    }
    let m = Model::new(writes);
    let g = ix.read();
    for sort in [Sort::Active, Sort::Newest] {
        assert_eq!(walk_list(&g, sort, None, None), m.list(sort, None));
        for t in TAGS {
            let key = format!("tag/{t}");
            assert_eq!(walk_list(&g, sort, Some(t), None), m.list(sort, Some(&key)));
        }
        assert_eq!(
            walk_list(&g, sort, None, Some("skills/p")),
            m.list(sort, Some("cap/skills/p"))
        );
    }
    assert_eq!(g.agent_count(), m.list(Sort::Active, None).len());
    let mut want_hidden: Vec<String> = ACCOUNTS
        .iter()
        .filter(|a| m.hidden(a))
        .map(|a| (*a).to_owned())
        .collect();
    want_hidden.sort();
    assert_eq!(g.hidden(), want_hidden);

    // Tag and capability counts.
    let mut want_tags: Vec<(String, u64)> = TAGS
        .iter()
        .map(|t| {
            let n = ACCOUNTS
                .iter()
                .filter(|a| m.listed(a) && m.live(a, &format!("tag/{t}")).is_some())
                .count() as u64;
            ((*t).to_owned(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    want_tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let got_tags: Vec<(String, u64)> = g.tags().into_iter().map(|t| (t.tag, t.count)).collect();
    assert_eq!(got_tags, want_tags);
    let cap_total: u64 = g.capabilities().iter().map(|c| c.count).sum();
    let want_caps = ACCOUNTS
        .iter()
        .flat_map(|a| ["p", "q"].map(|c| (a, c)))
        .filter(|(a, c)| m.listed(a) && m.live(a, &format!("cap/skills/{c}")).is_some())
        .count() as u64;
    assert_eq!(cap_total, want_caps);

    for who in ACCOUNTS {
        // Agent record.
        let got = g.agent(who);
        match m.profile(who) {
            None => assert!(got.is_none()),
            Some((p, w)) => {
                let a = got.unwrap();
                assert_eq!(a.name, p.name);
                assert_eq!(
                    a.tags,
                    p.tags
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect::<Vec<_>>()
                );
                assert_eq!(a.last_active, Some(Model::secs(w)));
                assert_eq!(a.last_active_height, Some(w.version.height));
                assert_eq!(a.created_at_height, Some(m.created[who].0.height));
                assert_eq!(a.created_at, Some(m.created[who].1));
                let followers = m.follows(who, true);
                let following = m.follows(who, false);
                assert_eq!(a.follower_count, followers.len() as u64);
                assert_eq!(a.following_count, following.len() as u64);
                let e = m.endorsements_of(who);
                assert_eq!(a.endorsement_count, e.values().sum::<u64>());
                assert_eq!(a.endorsements, e);
            }
        }
        // Followers and following, fully paged.
        assert_eq!(walk_follows(&g, who, true), m.follows(who, true));
        assert_eq!(walk_follows(&g, who, false), m.follows(who, false));

        // Edges.
        let incoming = m.follows(who, true);
        let outgoing = m.follows(who, false);
        let mut want_edges: Vec<(String, EdgeDirection)> = incoming
            .iter()
            .map(|(o, _)| {
                let mutual = outgoing.iter().any(|(x, _)| x == o);
                (
                    o.clone(),
                    if mutual {
                        EdgeDirection::Mutual
                    } else {
                        EdgeDirection::Incoming
                    },
                )
            })
            .collect();
        want_edges.extend(
            outgoing
                .iter()
                .filter(|(o, _)| !incoming.iter().any(|(x, _)| x == o))
                .map(|(o, _)| (o.clone(), EdgeDirection::Outgoing)),
        );
        let got_edges: Vec<(String, EdgeDirection)> = g
            .edges(who, Direction::Both, 100)
            .edges
            .into_iter()
            .map(|e| (e.agent.account_id, e.direction))
            .collect();
        assert_eq!(got_edges, want_edges);

        // Endorsers: suffix -> endorsers (oldest first).
        let mut want_endorsers: BTreeMap<String, Vec<(Version, String)>> = BTreeMap::new();
        let mut want_endorsing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for ((from, key), w) in &m.latest {
            if w.value.is_none() {
                continue;
            }
            if let Some(rest) = key.strip_prefix(&format!("endorsing/{who}/")) {
                want_endorsers
                    .entry(rest.to_owned())
                    .or_default()
                    .push((w.version, from.clone()));
            }
            if from == who
                && let Some(rest) = key.strip_prefix("endorsing/")
            {
                let (target, suffix) = rest.split_once('/').unwrap();
                want_endorsing
                    .entry(target.to_owned())
                    .or_default()
                    .insert(suffix.to_owned());
            }
        }
        let got_endorsers: BTreeMap<String, Vec<String>> = g
            .endorsers(who)
            .endorsers
            .into_iter()
            .map(|(s, es)| (s, es.into_iter().map(|e| e.account_id).collect()))
            .collect();
        let want_endorsers: BTreeMap<String, Vec<String>> = want_endorsers
            .into_iter()
            .map(|(s, mut es)| {
                es.sort();
                (s, es.into_iter().map(|(_, a)| a).collect())
            })
            .collect();
        assert_eq!(got_endorsers, want_endorsers);
        let got_endorsing: BTreeMap<String, BTreeSet<String>> = g
            .endorsing(who)
            .endorsing
            .into_iter()
            .map(|(t, grp)| (t, grp.entries.into_iter().map(|e| e.key_suffix).collect()))
            .collect();
        assert_eq!(got_endorsing, want_endorsing);

        // Activity after each height.
        for after in [None, Some(0), Some(3), Some(10)] {
            let act = g.activity(who, after);
            let f: Vec<String> = incoming
                .iter()
                .filter(|(_, h)| after.is_none_or(|a| *h > a))
                .map(|(o, _)| o.clone())
                .collect();
            let o: Vec<String> = outgoing
                .iter()
                .filter(|(_, h)| after.is_none_or(|a| *h > a))
                .map(|(o, _)| o.clone())
                .collect();
            let heights = incoming
                .iter()
                .chain(outgoing.iter())
                .filter(|(_, h)| after.is_none_or(|a| *h > a))
                .map(|(_, h)| *h)
                .max();
            assert_eq!(
                act.new_followers
                    .iter()
                    .map(|e| e.summary.account_id.clone())
                    .collect::<Vec<_>>(),
                f
            );
            assert_eq!(
                act.new_following
                    .iter()
                    .map(|e| e.summary.account_id.clone())
                    .collect::<Vec<_>>(),
                o
            );
            assert_eq!(act.cursor, heights.or(after));
        }

        // Network.
        let net = g.network(who);
        let mutual = outgoing
            .iter()
            .filter(|(o, _)| incoming.iter().any(|(x, _)| x == o))
            .count();
        assert_eq!(net.mutual_count, mutual as u64);
        assert_eq!(net.follower_count, incoming.len() as u64);

        // Discover, with and without VRF, against rank_suggestions over every candidate.
        let viewer_tags = m.profile(who).map(|(p, _)| p.tags).unwrap_or_default();
        for seed in [None, Some("deadbeef"), Some("01020304")] {
            let candidates: Vec<Candidate<()>> = ACCOUNTS
                .iter()
                .filter(|c| **c != who && m.listed(c) && m.follow(who, c).is_none())
                .map(|c| {
                    let (p, w) = m.profile(c).unwrap();
                    Candidate {
                        account_id: AccountId::parse(c).unwrap(),
                        tags: Tags::parse(p.tags.iter().map(|t| t.as_str())).unwrap(),
                        last_active: Some(Model::secs(w)),
                        payload: (),
                    }
                })
                .collect();
            let rng = seed.map(|s| Xorshift32::from_output_hex(s).unwrap());
            let want: Vec<(String, usize)> =
                rank_suggestions(&viewer_tags, candidates, rng.clone())
                    .into_iter()
                    .map(|s| (s.candidate.account_id.to_string(), s.score))
                    .collect();
            let got: Vec<(String, usize)> = g
                .discover(who, 100, rng)
                .into_iter()
                .map(|d| (d.agent.account_id, d.score))
                .collect();
            assert_eq!(got, want, "discover for {who} seed {seed:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn every_query_matches_the_reference_model((writes, order) in writes_strategy()) {
        check(&writes, &order);
    }
}
