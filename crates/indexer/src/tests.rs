//! Unit tests: one group per query, plus the version rules.

use serde_json::{Value, json};

use crate::{Direction, EdgeDirection, Indexer, IndexerConfig, ListQuery, Sort, Version, Write};

const NS: u64 = 1_000_000_000;

fn w(who: &str, key: &str, value: Option<Value>, height: u64) -> Write {
    Write {
        predecessor: who.into(),
        key: key.into(),
        value,
        version: Version::new(height, 0),
        block_timestamp_ns: height * 10 * NS,
    }
}

fn profile(name: &str, tags: &[&str]) -> Option<Value> {
    Some(json!({"name": name, "description": format!("{name} desc"), "tags": tags}))
}

fn indexer() -> Indexer {
    Indexer::new(IndexerConfig::new("contextual.near").with_admin("admin.near"))
}

/// alice(1) bob(2) carol(3) with follows bob->alice(4), carol->alice(5), alice->bob(6).
fn small() -> Indexer {
    let ix = indexer();
    ix.apply_writes(&[
        w(
            "alice.near",
            "profile",
            profile("Alice", &["rust", "defi"]),
            1,
        ),
        w("bob.near", "profile", profile("Bob", &["rust"]), 2),
        w("carol.near", "profile", profile("Carol", &["art"]), 3),
        w(
            "bob.near",
            "graph/follow/alice.near",
            Some(json!({"reason": "r"})),
            4,
        ),
        w("carol.near", "graph/follow/alice.near", Some(json!({})), 5),
        w("alice.near", "graph/follow/bob.near", Some(json!({})), 6),
    ]);
    ix
}

fn ids<T>(items: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| f(i).to_owned()).collect()
}

#[test]
fn agent_record_counts_and_times_are_derived() {
    let ix = small();
    ix.apply_writes(&[
        w(
            "alice.near",
            "profile",
            Some(json!({"name": "A2", "follower_count": 99, "last_active": 5, "account_id": "x"})),
            7,
        ),
        w(
            "bob.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({})),
            8,
        ),
        w(
            "carol.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({})),
            9,
        ),
        w(
            "carol.near",
            "endorsing/alice.near/trusted",
            Some(json!({})),
            10,
        ),
    ]);
    let g = ix.read();
    let a = g.agent("alice.near").unwrap();
    assert_eq!(a.account_id, "alice.near");
    assert_eq!(a.name.as_deref(), Some("A2"));
    assert_eq!((a.follower_count, a.following_count), (2, 1));
    assert_eq!(a.last_active, Some(70));
    assert_eq!(a.last_active_height, Some(7));
    assert_eq!((a.created_at, a.created_at_height), (Some(10), Some(1)));
    assert_eq!(a.endorsements.get("tags/rust"), Some(&2));
    assert_eq!(a.endorsement_count, 3);
    assert!(g.agent("nobody.near").is_none());
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["endorsement_count"], 3);
    assert!(json.get("extra").is_none());
}

#[test]
fn list_active_newest_and_cursor() {
    let ix = small();
    ix.apply_writes(&[w("alice.near", "profile", profile("Alice", &[]), 7)]);
    let g = ix.read();
    let q = |sort, cursor, limit| ListQuery {
        sort,
        cursor,
        limit,
        ..ListQuery::default()
    };
    let p = g.list_agents(&q(Sort::Active, None, 2));
    assert_eq!(
        ids(&p.agents, |a| &a.account_id),
        ["alice.near", "carol.near"]
    );
    assert_eq!(p.cursor.as_deref(), Some("carol.near"));
    let p2 = g.list_agents(&q(Sort::Active, Some("carol.near"), 2));
    assert_eq!(ids(&p2.agents, |a| &a.account_id), ["bob.near"]);
    assert_eq!(p2.cursor, None);
    assert!(!p2.cursor_reset);
    let n = g.list_agents(&q(Sort::Newest, None, 10));
    assert_eq!(
        ids(&n.agents, |a| &a.account_id),
        ["carol.near", "bob.near", "alice.near"]
    );
    let reset = g.list_agents(&q(Sort::Active, Some("ghost.near"), 10));
    assert!(reset.cursor_reset);
    assert_eq!(reset.agents.len(), 3);
    let json = serde_json::to_value(&p2).unwrap();
    assert!(json.get("cursor").is_none() && json.get("cursor_reset").is_none());
}

#[test]
fn list_filters_by_tag_and_capability_keys() {
    let ix = small();
    ix.apply_writes(&[
        w("alice.near", "tag/rust", Some(json!(true)), 7),
        w("bob.near", "tag/rust", Some(json!(true)), 8),
        w("bob.near", "cap/skills/audit", Some(json!(true)), 9),
        w(
            "carol.near",
            "cap/languages.primary/rust",
            Some(json!(true)),
            10,
        ),
        w("nopro.near", "tag/rust", Some(json!(true)), 11),
    ]);
    let g = ix.read();
    let by_tag = g.list_agents(&ListQuery {
        tag: Some("rust"),
        limit: 10,
        ..ListQuery::default()
    });
    assert_eq!(
        ids(&by_tag.agents, |a| &a.account_id),
        ["bob.near", "alice.near"]
    );
    let by_cap = g.list_agents(&ListQuery {
        capability: Some("skills/audit"),
        limit: 10,
        ..ListQuery::default()
    });
    assert_eq!(ids(&by_cap.agents, |a| &a.account_id), ["bob.near"]);
    let nested = g.list_agents(&ListQuery {
        capability: Some("languages.primary/rust"),
        limit: 10,
        ..ListQuery::default()
    });
    assert_eq!(ids(&nested.agents, |a| &a.account_id), ["carol.near"]);
    // The cursor account exists but is not in the filtered set.
    let reset = g.list_agents(&ListQuery {
        tag: Some("rust"),
        cursor: Some("carol.near"),
        limit: 10,
        ..ListQuery::default()
    });
    assert!(reset.cursor_reset);
    let tags = g.tags();
    assert_eq!(tags[0].tag, "rust");
    assert_eq!(
        tags[0].count, 2,
        "the account without a profile is not counted"
    );
    let caps = g.capabilities();
    assert_eq!(caps.len(), 2);
    assert_eq!(caps[0].namespace, "languages.primary");
    assert_eq!(caps[1].value, "audit");
    drop(g);
    ix.apply_writes(&[w("bob.near", "tag/rust", None, 12)]);
    assert_eq!(ix.read().tags()[0].count, 1);
}

#[test]
fn followers_and_following_pages_keep_profileless_accounts() {
    let ix = small();
    ix.apply_writes(&[w(
        "ghost.near",
        "graph/follow/alice.near",
        Some(json!({})),
        7,
    )]);
    let g = ix.read();
    let p = g.followers("alice.near", None, 2);
    assert_eq!(
        ids(&p.followers, |f| &f.agent.account_id),
        ["ghost.near", "carol.near"]
    );
    assert_eq!(p.followers[0].agent.name, None);
    assert_eq!(p.followers[0].agent.description, "");
    assert_eq!(p.cursor.as_deref(), Some("carol.near"));
    let p2 = g.followers("alice.near", Some("carol.near"), 2);
    assert_eq!(ids(&p2.followers, |f| &f.agent.account_id), ["bob.near"]);
    assert_eq!(p2.followers[0].reason.as_deref(), Some("r"));
    assert_eq!((p2.followers[0].at, p2.followers[0].at_height), (40, 4));
    assert!(p2.cursor.is_none());
    let reset = g.followers("alice.near", Some("dave.near"), 2);
    assert!(reset.cursor_reset);
    let f = g.following("alice.near", None, 10);
    assert_eq!(ids(&f.following, |f| &f.agent.account_id), ["bob.near"]);
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["following"][0]["account_id"], "bob.near");
    assert_eq!(json["following"][0]["at_height"], 6);
}

#[test]
fn edges_with_direction_and_mutual() {
    let ix = small();
    let g = ix.read();
    let both = g.edges("alice.near", Direction::Both, 25);
    let got: Vec<(String, EdgeDirection)> = both
        .edges
        .iter()
        .map(|e| (e.agent.account_id.clone(), e.direction))
        .collect();
    assert_eq!(
        got,
        [
            ("carol.near".to_owned(), EdgeDirection::Incoming),
            ("bob.near".to_owned(), EdgeDirection::Mutual),
        ]
    );
    let out = g.edges("alice.near", Direction::Outgoing, 25);
    assert_eq!(out.edges[0].direction, EdgeDirection::Outgoing);
    assert_eq!(out.edges[0].at_height, 6);
    assert_eq!(g.edges("alice.near", Direction::Incoming, 1).edges.len(), 1);
    let json = serde_json::to_value(&both).unwrap();
    assert_eq!(json["edges"][1]["direction"], "mutual");
}

#[test]
fn endorsers_and_endorsing_grouped() {
    let ix = small();
    ix.apply_writes(&[
        w(
            "bob.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({"reason": "good", "content_hash": "sha256:x"})),
            7,
        ),
        w(
            "carol.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({})),
            8,
        ),
        w(
            "bob.near",
            "endorsing/ghost.near/trusted",
            Some(json!({})),
            9,
        ),
    ]);
    let g = ix.read();
    let e = g.endorsers("alice.near");
    let rust = &e.endorsers["tags/rust"];
    assert_eq!(ids(rust, |x| &x.account_id), ["bob.near", "carol.near"]);
    assert_eq!(rust[0].reason.as_deref(), Some("good"));
    assert_eq!(rust[0].content_hash.as_deref(), Some("sha256:x"));
    assert_eq!((rust[0].at, rust[0].at_height), (70, 7));
    let out = g.endorsing("bob.near");
    assert_eq!(out.endorsing.len(), 2);
    assert_eq!(out.endorsing["ghost.near"].target.name, None);
    assert_eq!(
        out.endorsing["alice.near"].entries[0].key_suffix,
        "tags/rust"
    );
    assert!(g.endorsing("nobody.near").endorsing.is_empty());
    let rel = g.viewer_relation("bob.near", "alice.near");
    assert!(rel.is_following);
    assert_eq!(rel.my_endorsements, ["tags/rust"]);
    drop(g);
    ix.apply_writes(&[w("bob.near", "endorsing/alice.near/tags/rust", None, 10)]);
    let g = ix.read();
    assert_eq!(
        ids(&g.endorsers("alice.near").endorsers["tags/rust"], |x| &x
            .account_id),
        ["carol.near"]
    );
    assert!(
        g.viewer_relation("bob.near", "alice.near")
            .my_endorsements
            .is_empty()
    );
}

#[test]
fn hidden_only_by_admin_and_left_out_of_lists() {
    let ix = small();
    ix.apply_writes(&[
        w("bob.near", "hidden/carol.near", Some(json!(true)), 7),
        w("admin.near", "hidden/alice.near", Some(json!(true)), 8),
    ]);
    let g = ix.read();
    assert_eq!(g.hidden(), ["alice.near"]);
    assert!(g.is_hidden("alice.near"));
    assert_eq!(g.agent_count(), 2);
    let all = g.list_agents(&ListQuery {
        limit: 10,
        ..ListQuery::default()
    });
    assert!(!all.agents.iter().any(|a| a.account_id == "alice.near"));
    assert!(g.agent("alice.near").is_some(), "direct lookup still works");
    assert!(
        g.discover("carol.near", 10, None)
            .iter()
            .all(|d| d.agent.account_id != "alice.near")
    );
    drop(g);
    ix.apply_writes(&[w("admin.near", "hidden/alice.near", None, 9)]);
    assert_eq!(ix.read().agent_count(), 3);
}

#[test]
fn discover_scores_excludes_and_orders() {
    let ix = small();
    ix.apply_writes(&[w(
        "dave.near",
        "profile",
        profile("Dave", &["defi", "rust"]),
        7,
    )]);
    let g = ix.read();
    // carol follows alice; carol's tags: art.
    let d = g.discover("bob.near", 10, None);
    // bob follows alice: excluded; self excluded.
    assert_eq!(
        ids(&d, |x| &x.agent.account_id),
        ["dave.near", "carol.near"]
    );
    assert_eq!(d[0].score, 1);
    assert_eq!(d[0].reason, "Shared tags: rust");
    assert_eq!(d[1].reason, "New on the network");
    assert_eq!(g.discover("bob.near", 1, None).len(), 1);
    let anon = g.discover("nobody.near", 10, None);
    assert_eq!(anon.len(), 4);
    assert!(anon.iter().all(|x| x.score == 0));
}

#[test]
fn discover_vrf_matches_rank_suggestions() {
    use nearly_core::{AccountId, Candidate, Tags, Xorshift32, rank_suggestions};
    let ix = indexer();
    let mut writes = Vec::new();
    for i in 0..40u64 {
        let tags: &[&str] = match i % 4 {
            0 => &["rust", "defi"],
            1 => &["rust"],
            _ => &["art"],
        };
        writes.push(w(
            &format!("a{i}.near"),
            "profile",
            profile("x", tags),
            1 + i % 7,
        ));
    }
    writes.push(w(
        "me.near",
        "profile",
        profile("me", &["rust", "defi"]),
        50,
    ));
    ix.apply_writes(&writes);
    let g = ix.read();
    let seed = "0badc0de99";
    let ours = g.discover(
        "me.near",
        100,
        Some(Xorshift32::from_output_hex(seed).unwrap()),
    );
    let viewer = Tags::parse(["rust", "defi"]).unwrap();
    let candidates = (0..40u64).map(|i| {
        let a = g.agent(&format!("a{i}.near")).unwrap();
        Candidate {
            account_id: AccountId::parse(&a.account_id).unwrap(),
            tags: Tags::parse(a.tags.iter().map(String::as_str)).unwrap(),
            last_active: a.last_active,
            payload: (),
        }
    });
    let reference = rank_suggestions(
        &viewer,
        candidates,
        Some(Xorshift32::from_output_hex(seed).unwrap()),
    );
    let want: Vec<String> = reference
        .iter()
        .map(|s| s.candidate.account_id.to_string())
        .collect();
    assert_eq!(ids(&ours, |x| &x.agent.account_id), want);
}

#[test]
fn activity_after_height_and_cursor_echo() {
    let ix = small();
    let g = ix.read();
    let all = g.activity("alice.near", None);
    assert_eq!(all.cursor, Some(6));
    assert_eq!(
        ids(&all.new_followers, |x| &x.summary.account_id),
        ["carol.near", "bob.near"]
    );
    assert_eq!(
        ids(&all.new_following, |x| &x.summary.account_id),
        ["bob.near"]
    );
    assert_eq!(all.new_following[0].at_height, 6);
    let after = g.activity("alice.near", Some(4));
    assert_eq!(
        ids(&after.new_followers, |x| &x.summary.account_id),
        ["carol.near"]
    );
    assert_eq!(after.cursor, Some(6));
    let none = g.activity("alice.near", Some(6));
    assert_eq!(none.cursor, Some(6));
    assert!(none.new_followers.is_empty());
    let empty = g.activity("nobody.near", None);
    assert_eq!(empty.cursor, None);
    let json = serde_json::to_value(g.activity("alice.near", Some(100))).unwrap();
    assert_eq!(json["cursor"], 100);
}

#[test]
fn network_counts_and_times() {
    let ix = small();
    let g = ix.read();
    let n = g.network("alice.near");
    assert_eq!(
        (n.follower_count, n.following_count, n.mutual_count),
        (2, 1, 1)
    );
    assert_eq!((n.last_active, n.last_active_height), (Some(10), Some(1)));
    assert_eq!((n.created_at, n.created_at_height), (Some(10), Some(1)));
    assert_eq!(g.network("nobody.near").follower_count, 0);
}

#[test]
fn versions_are_idempotent_and_order_independent() {
    let ix = indexer();
    let newer = w(
        "bob.near",
        "graph/follow/alice.near",
        Some(json!({"reason": "new"})),
        10,
    );
    let older = w(
        "bob.near",
        "graph/follow/alice.near",
        Some(json!({"reason": "old"})),
        5,
    );
    let old_delete = w("bob.near", "graph/follow/alice.near", None, 7);
    let stats = ix.apply_writes(&[newer.clone(), older, old_delete, newer]);
    assert_eq!((stats.applied, stats.stale), (1, 3));
    let g = ix.read();
    assert_eq!(
        g.following("bob.near", None, 10).following[0]
            .reason
            .as_deref(),
        Some("new")
    );
    drop(g);
    // A newer tombstone removes; an older live write arriving late does not resurrect.
    ix.apply_writes(&[w("bob.near", "graph/follow/alice.near", None, 11)]);
    ix.apply_writes(&[w("bob.near", "graph/follow/alice.near", Some(json!({})), 9)]);
    assert!(!ix.read().is_following("bob.near", "alice.near"));
    // Position in block breaks ties within a height.
    let mut a = w("bob.near", "profile", profile("first", &[]), 12);
    let mut b = w("bob.near", "profile", profile("second", &[]), 12);
    a.version.position = 1;
    b.version.position = 0;
    ix.apply_writes(&[a, b]);
    assert_eq!(
        ix.read().agent("bob.near").unwrap().name.as_deref(),
        Some("first")
    );
}

#[test]
fn keys_outside_the_convention_are_ignored() {
    let ix = indexer();
    let stats = ix.apply_writes(&[
        w("bob.near", "settings/theme", Some(json!("dark")), 1),
        w("bob.near", "tag/Rust", Some(json!(true)), 2),
        w("bob.near", "graph/follow/NOT VALID", Some(json!({})), 3),
    ]);
    assert_eq!(stats.ignored, 3);
    assert_eq!(ix.read().agent_count(), 0);
}

#[test]
fn profile_that_is_not_an_object_removes_the_profile() {
    let ix = small();
    ix.apply_writes(&[w("carol.near", "profile", Some(json!("oops")), 7)]);
    let g = ix.read();
    assert!(g.agent("carol.near").is_none());
    assert_eq!(g.agent_count(), 2);
    // created_at survives delist and re-join.
    drop(g);
    ix.apply_writes(&[w("carol.near", "profile", profile("Carol", &[]), 8)]);
    let carol = ix.read().agent("carol.near").unwrap();
    assert_eq!(
        (carol.created_at_height, carol.last_active_height),
        (Some(3), Some(8))
    );
}

#[test]
fn profile_accessor_returns_the_folded_blob() {
    let ix = small();
    ix.apply_writes(&[w(
        "bob.near",
        "profile",
        Some(
            json!({"name": "Bob 2", "tags": ["Rust", "rust", "x"], "follower_count": 7,
                    "capabilities": {"skills": ["audit"]}, "website": "https://b.example"}),
        ),
        7,
    )]);
    let g = ix.read();
    let bob = g.profile("bob.near").unwrap();
    assert_eq!(bob.name.as_deref(), Some("Bob 2"));
    let tags: Vec<&str> = bob.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(tags, ["rust", "x"], "normalised and deduplicated");
    assert_eq!(bob.capabilities["skills"], json!(["audit"]));
    assert_eq!(bob.extra.get("website"), Some(&json!("https://b.example")));
    assert!(
        bob.extra.get("follower_count").is_none(),
        "derived fields dropped"
    );
    assert!(g.profile("nobody.near").is_none());
    drop(g);
    // An account known only as a follow target, and a deleted profile, have none.
    ix.apply_writes(&[
        w("bob.near", "graph/follow/ghost.near", Some(json!({})), 8),
        w("carol.near", "profile", None, 9),
    ]);
    let g = ix.read();
    assert!(g.profile("ghost.near").is_none());
    assert!(g.profile("carol.near").is_none());
    assert_eq!(
        g.profile("alice.near").unwrap().name.as_deref(),
        Some("Alice")
    );
}

#[test]
fn keys_of_lists_every_live_key_sorted() {
    let ix = small();
    ix.apply_writes(&[
        w("alice.near", "tag/rust", Some(json!(true)), 7),
        w("alice.near", "cap/skills/audit", Some(json!(true)), 8),
        w(
            "alice.near",
            "endorsing/bob.near/tags/rust",
            Some(json!({})),
            9,
        ),
        w("alice.near", "graph/follow/carol.near", Some(json!({})), 10),
        w("alice.near", "graph/follow/carol.near", None, 11),
        w("alice.near", "settings/theme", Some(json!("dark")), 12),
        w("admin.near", "hidden/bob.near", Some(json!(true)), 13),
        w("admin.near", "hidden/carol.near", Some(json!(true)), 14),
        w("admin.near", "hidden/carol.near", None, 15),
    ]);
    let g = ix.read();
    assert_eq!(
        g.keys_of("alice.near"),
        [
            "cap/skills/audit",
            "endorsing/bob.near/tags/rust",
            "graph/follow/bob.near",
            "profile",
            "tag/rust",
        ],
        "deleted and foreign keys are not live keys"
    );
    assert_eq!(
        g.keys_of("carol.near"),
        ["graph/follow/alice.near", "profile"]
    );
    assert_eq!(g.keys_of("admin.near"), ["hidden/bob.near"]);
    assert!(g.keys_of("nobody.near").is_empty());
    drop(g);
    // After a delist (every key null-written) nothing is left.
    let keys = ix.read().keys_of("alice.near");
    let deletes: Vec<Write> = keys.iter().map(|k| w("alice.near", k, None, 20)).collect();
    ix.apply_writes(&deletes);
    let g = ix.read();
    assert!(g.keys_of("alice.near").is_empty());
    assert!(g.agent("alice.near").is_none());
    assert!(!g.is_following("alice.near", "bob.near"));
}

#[test]
fn endorsement_accessor_distinguishes_absent_from_hashless() {
    let ix = small();
    ix.apply_writes(&[
        w(
            "bob.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({"content_hash": "sha256:abc", "reason": "good"})),
            7,
        ),
        w(
            "bob.near",
            "endorsing/alice.near/trusted",
            Some(json!({"reason": "no hash"})),
            8,
        ),
        w(
            "carol.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({"content_hash": ""})),
            9,
        ),
    ]);
    let g = ix.read();
    assert_eq!(
        g.endorsement("bob.near", "alice.near", "tags/rust"),
        Some(Some("sha256:abc".to_owned()))
    );
    assert_eq!(
        g.endorsement("bob.near", "alice.near", "trusted"),
        Some(None)
    );
    assert_eq!(
        g.endorsement("carol.near", "alice.near", "tags/rust"),
        Some(None),
        "an empty hash is no hash"
    );
    // The other direction, another suffix, unknown accounts and an unknown suffix: none.
    assert_eq!(g.endorsement("alice.near", "bob.near", "tags/rust"), None);
    assert_eq!(g.endorsement("carol.near", "alice.near", "trusted"), None);
    assert_eq!(
        g.endorsement("nobody.near", "alice.near", "tags/rust"),
        None
    );
    assert_eq!(g.endorsement("bob.near", "nobody.near", "tags/rust"), None);
    assert_eq!(g.endorsement("bob.near", "alice.near", "never/used"), None);
    drop(g);
    ix.apply_writes(&[
        w("bob.near", "endorsing/alice.near/tags/rust", None, 10),
        // An older write arriving late does not bring it back.
        w(
            "bob.near",
            "endorsing/alice.near/tags/rust",
            Some(json!({"content_hash": "old"})),
            6,
        ),
    ]);
    let g = ix.read();
    assert_eq!(g.endorsement("bob.near", "alice.near", "tags/rust"), None);
    assert_eq!(
        g.endorsement("bob.near", "alice.near", "trusted"),
        Some(None)
    );
}

/// Discover pages (every limit, with and without a VRF) equal the first `limit` suggestions of
/// `rank_suggestions` over every candidate: the page cut inside a tier, the top-k selection and
/// the whole-tier shuffles must not change the order.
#[test]
fn discover_pages_equal_the_reference_ranking_cut_to_the_limit() {
    use nearly_core::{AccountId, Candidate, Tags, Xorshift32, rank_suggestions};
    const TAGS: [&str; 5] = ["a", "b", "c", "d", "e"];
    let ix = indexer();
    let mut seed = 0x2545_f491_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut writes = Vec::new();
    let n = 120u64;
    for i in 0..n {
        let tags: Vec<&str> = TAGS.iter().copied().filter(|_| next() % 3 == 0).collect();
        // Few distinct heights and seconds: many last_active ties, broken by account.
        let height = 1 + u64::from(next() % 6);
        let mut write = w(
            &format!("a{i:03}.near"),
            "profile",
            profile("x", &tags),
            height,
        );
        write.version.position = u32::try_from(i).unwrap();
        writes.push(write);
    }
    for i in 0..n {
        if next() % 4 == 0 {
            let t = next() % 120;
            writes.push(w(
                &format!("a{i:03}.near"),
                &format!("graph/follow/a{t:03}.near"),
                Some(json!({})),
                10,
            ));
        }
    }
    writes.push(w("admin.near", "hidden/a007.near", Some(json!(true)), 11));
    ix.apply_writes(&writes);
    let g = ix.read();
    for viewer in [
        "a000.near",
        "a001.near",
        "a002.near",
        "a050.near",
        "nobody.near",
    ] {
        let viewer_tags = g
            .agent(viewer)
            .map(|a| Tags::parse(a.tags.iter().map(String::as_str)).unwrap())
            .unwrap_or_default();
        let candidates: Vec<Candidate<()>> = (0..n)
            .map(|i| format!("a{i:03}.near"))
            .filter(|c| c != viewer && !g.is_following(viewer, c) && !g.is_hidden(c))
            .map(|c| {
                let a = g.agent(&c).unwrap();
                Candidate {
                    account_id: AccountId::parse(&c).unwrap(),
                    tags: Tags::parse(a.tags.iter().map(String::as_str)).unwrap(),
                    last_active: a.last_active,
                    payload: (),
                }
            })
            .collect();
        for vrf in [None, Some(1u32), Some(0xdead_beef), Some(42)] {
            let reference =
                rank_suggestions(&viewer_tags, candidates.clone(), vrf.map(Xorshift32::new));
            for limit in [1, 2, 3, 5, 10, 25, 60, 200] {
                let want: Vec<(String, usize, String)> = reference
                    .iter()
                    .take(limit)
                    .map(|s| (s.candidate.account_id.to_string(), s.score, s.reason()))
                    .collect();
                let got: Vec<(String, usize, String)> = g
                    .discover(viewer, limit, vrf.map(Xorshift32::new))
                    .into_iter()
                    .map(|d| (d.agent.account_id, d.score, d.reason))
                    .collect();
                assert_eq!(got, want, "viewer {viewer}, vrf {vrf:?}, limit {limit}");
            }
        }
    }
    assert!(g.discover("a000.near", 0, None).is_empty());
}

/// An account whose degree passes the flat sets' promotion size (the model tests' accounts stay
/// small): pages walk newest first across the B-tree form, removals and counts stay exact, and a
/// snapshot loads it back answering the same.
#[test]
fn a_large_degree_account_pages_counts_and_snapshots_exactly() {
    let ix = indexer();
    let n = u64::try_from(crate::flat::LARGE).unwrap() * 3;
    let fan = |i: u64| format!("fan{i:03}.near");
    let mut writes = vec![w("hub.near", "profile", profile("Hub", &[]), 1)];
    for i in 0..n {
        let h = 10 + i;
        writes.push(w(&fan(i), "graph/follow/hub.near", Some(json!({})), h));
        writes.push(w(
            "hub.near",
            &format!("graph/follow/{}", fan(i)),
            Some(json!({})),
            h,
        ));
        writes.push(w(
            &fan(i),
            "endorsing/hub.near/tags/rust",
            Some(json!({})),
            h,
        ));
    }
    // Every third fan unfollows and withdraws its endorsement; hub unfollows them too.
    for i in (0..n).step_by(3) {
        let h = 1000 + i;
        writes.push(w(&fan(i), "graph/follow/hub.near", None, h));
        writes.push(w("hub.near", &format!("graph/follow/{}", fan(i)), None, h));
        writes.push(w(&fan(i), "endorsing/hub.near/tags/rust", None, h));
    }
    ix.apply_writes(&writes);
    let kept: Vec<String> = (0..n).rev().filter(|i| i % 3 != 0).map(fan).collect();

    let walk = |g: &crate::Graph| {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = g.followers("hub.near", cursor.as_deref(), 25);
            out.extend(ids(&page.followers, |f| &f.agent.account_id));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break out,
            }
        }
    };
    let g = ix.read();
    assert_eq!(walk(&g), kept);
    let hub = g.agent("hub.near").unwrap();
    assert_eq!(hub.follower_count, kept.len() as u64);
    assert_eq!(hub.following_count, kept.len() as u64);
    assert_eq!(hub.endorsements["tags/rust"], kept.len() as u64);
    assert_eq!(
        g.endorsers("hub.near").endorsers["tags/rust"].len(),
        kept.len()
    );
    assert_eq!(g.network("hub.near").mutual_count, kept.len() as u64);
    assert!(!g.is_following("hub.near", &fan(0)));
    assert!(g.is_following("hub.near", &fan(1)));
    let following = g.following("hub.near", None, 1000);
    assert_eq!(ids(&following.following, |f| &f.agent.account_id), kept);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.snapshot");
    crate::write_snapshot(&ix, &path).unwrap().unwrap();
    let (loaded, _) = crate::load_snapshot(ix.config().clone(), &path).unwrap();
    let l = loaded.read();
    assert_eq!(walk(&l), kept);
    assert_eq!(json!(l.agent("hub.near")), json!(g.agent("hub.near")));
    assert_eq!(
        json!(l.endorsers("hub.near")),
        json!(g.endorsers("hub.near"))
    );
    assert_eq!(
        json!(l.edges("hub.near", Direction::Both, 1000)),
        json!(g.edges("hub.near", Direction::Both, 1000))
    );
}
