use nearly_core::{AccountId, Candidate, Tags, Xorshift32, rank_suggestions};
use proptest::prelude::*;

use crate::strategies::account_id;

fn candidates() -> impl Strategy<Value = Vec<Candidate<usize>>> {
    prop::collection::vec(
        (
            account_id(),
            prop::collection::vec("[a-d]", 0..4),
            prop::option::of(0u64..5),
        ),
        0..24,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (account_id, tags, last_active))| Candidate {
                account_id,
                tags: Tags::parse(&tags).unwrap(),
                last_active,
                payload: i,
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn ranking_is_a_permutation_with_non_increasing_scores(
        cands in candidates(),
        viewer in prop::collection::vec("[a-d]", 0..4),
        seed in prop::option::of("[0-9a-f]{8}"),
    ) {
        let viewer = Tags::parse(&viewer).unwrap();
        let rng = seed.as_deref().map(|s| Xorshift32::from_output_hex(s).unwrap());
        let ranked = rank_suggestions(&viewer, cands.clone(), rng);
        let mut payloads: Vec<usize> = ranked.iter().map(|s| s.candidate.payload).collect();
        payloads.sort_unstable();
        prop_assert_eq!(payloads, (0..cands.len()).collect::<Vec<_>>());
        for pair in ranked.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
        }
        for s in &ranked {
            let shared = s.candidate.tags.iter().filter(|t| viewer.contains(t)).count();
            prop_assert_eq!(s.score, shared);
        }
    }

    /// The VRF reorders inside tiers only: each position keeps the score it has without VRF.
    #[test]
    fn vrf_keeps_tier_boundaries(
        cands in candidates(),
        viewer in prop::collection::vec("[a-d]", 0..4),
        seed in any::<u32>(),
    ) {
        let viewer = Tags::parse(&viewer).unwrap();
        let plain = rank_suggestions(&viewer, cands.clone(), None);
        let shuffled = rank_suggestions(&viewer, cands, Some(Xorshift32::new(seed)));
        let plain_scores: Vec<usize> = plain.iter().map(|s| s.score).collect();
        let shuffled_scores: Vec<usize> = shuffled.iter().map(|s| s.score).collect();
        prop_assert_eq!(plain_scores, shuffled_scores);
    }
}

#[test]
fn deterministic_fallback_breaks_last_active_ties_by_account_id() {
    let viewer = Tags::parse(["rust"]).unwrap();
    let make = |id: &str| Candidate {
        account_id: AccountId::parse(id).unwrap(),
        tags: Tags::parse(["rust"]).unwrap(),
        last_active: Some(7),
        payload: (),
    };
    let ranked = rank_suggestions(
        &viewer,
        vec![make("c.near"), make("a.near"), make("b.near")],
        None,
    );
    let ids: Vec<&str> = ranked
        .iter()
        .map(|s| s.candidate.account_id.as_str())
        .collect();
    assert_eq!(ids, ["a.near", "b.near", "c.near"]);
}
