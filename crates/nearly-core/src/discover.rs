//! Discover ranking: shared-tag scores, deterministic order, and the VRF tier shuffle.

use std::cmp::Reverse;

use crate::account::AccountId;
use crate::fields::{Tag, Tags};

/// The xorshift32 generator the VRF tier shuffle uses.
///
/// Seeded with the first 4 bytes of the VRF `output_hex` read little-endian (a zero seed becomes
/// 1); each step is `s ^= s << 13; s ^= s >> 17; s ^= s << 5`, and [`Xorshift32::pick`]`(n)`
/// is the next state modulo `n`.
///
/// ```
/// use nearly_core::Xorshift32;
/// let mut rng = Xorshift32::from_output_hex("deadbeef00")?;
/// let picks: Vec<u32> = (0..5).map(|_| rng.pick(1000)).collect();
/// assert_eq!(picks, [492, 836, 529, 320, 865]);
/// # Ok::<(), nearly_core::VrfSeedError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xorshift32 {
    state: u32,
}

/// The VRF output cannot seed the shuffle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VrfSeedError {
    /// Fewer than 8 hex characters (4 bytes).
    #[error("VRF output must have at least 8 hex characters")]
    TooShort,
    /// The first 8 characters are not hex.
    #[error("VRF output must be hex")]
    NotHex,
}

impl Xorshift32 {
    /// A generator with the given seed (0 becomes 1, since xorshift never leaves 0).
    pub fn new(seed: u32) -> Self {
        Self {
            state: if seed == 0 { 1 } else { seed },
        }
    }

    /// A generator seeded by the first 4 bytes of a VRF `output_hex`, little-endian.
    /// Upper- and lowercase hex are accepted; characters after the first 8 are not read.
    ///
    /// # Errors
    /// [`VrfSeedError::TooShort`], [`VrfSeedError::NotHex`].
    pub fn from_output_hex(output_hex: &str) -> Result<Self, VrfSeedError> {
        let head = output_hex.get(..8).ok_or(VrfSeedError::TooShort)?;
        let mut bytes = [0u8; 4];
        for (i, byte) in bytes.iter_mut().enumerate() {
            let pair = head.get(2 * i..2 * i + 2).ok_or(VrfSeedError::NotHex)?;
            if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(VrfSeedError::NotHex);
            }
            *byte = u8::from_str_radix(pair, 16).map_err(|_| VrfSeedError::NotHex)?;
        }
        Ok(Self::new(u32::from_le_bytes(bytes)))
    }

    /// Advances and returns the new state.
    pub fn next_u32(&mut self) -> u32 {
        let mut s = self.state;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        self.state = s;
        s
    }

    /// Advances and returns the new state modulo `n`; returns 0 without advancing when `n` is 0.
    pub fn pick(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.next_u32() % n
    }
}

/// A discover candidate. The caller excludes the viewer and the accounts the viewer already
/// follows before ranking. `payload` rides along (for example the agent record to serve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<T> {
    /// The candidate's account.
    pub account_id: AccountId,
    /// The candidate's tags.
    pub tags: Tags,
    /// Block-derived time of the candidate's latest profile write (Unix seconds), if known.
    pub last_active: Option<u64>,
    /// Caller data carried through ranking.
    pub payload: T,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion<T> {
    /// The candidate.
    pub candidate: Candidate<T>,
    /// The number of tags shared with the viewer.
    pub score: usize,
    /// The shared tags, in the candidate's tag order.
    pub shared_tags: Vec<Tag>,
}

impl<T> Suggestion<T> {
    /// The display-only `reason` string: `"Shared tags: a, b"`, or `"New on the network"` when
    /// no tag is shared.
    pub fn reason(&self) -> String {
        if self.shared_tags.is_empty() {
            return "New on the network".to_owned();
        }
        let tags: Vec<&str> = self.shared_tags.iter().map(Tag::as_str).collect();
        format!("Shared tags: {}", tags.join(", "))
    }
}

/// Ranks discover candidates.
///
/// Score = number of the candidate's tags that the viewer also has. Deterministic order: score
/// descending, then `last_active` descending (unknown last), then account id ascending. With a
/// VRF generator, each run of equal scores (a tier) is then shuffled in place, tiers from the top:
/// for `j` from `end - 1` down to `start + 1`, `k = rng.pick(j - start + 1)`, swap positions
/// `start + k` and `j`. Scores never cross tiers. Without a generator (`vrf: null`) the
/// deterministic order is the answer.
///
/// ```
/// use nearly_core::{AccountId, Candidate, Tags, rank_suggestions};
/// let viewer = Tags::parse(["rust", "defi"])?;
/// let candidate = |id: &str, tags: &[&str], last_active| Candidate {
///     account_id: AccountId::parse(id).unwrap(),
///     tags: Tags::parse(tags).unwrap(),
///     last_active: Some(last_active),
///     payload: (),
/// };
/// let ranked = rank_suggestions(&viewer, vec![
///     candidate("old.near", &["rust"], 100),
///     candidate("new.near", &["art"], 300),
///     candidate("both.near", &["defi", "rust"], 50),
/// ], None);
/// let order: Vec<&str> = ranked.iter().map(|s| s.candidate.account_id.as_str()).collect();
/// assert_eq!(order, ["both.near", "old.near", "new.near"]);
/// assert_eq!(ranked[0].reason(), "Shared tags: defi, rust");
/// assert_eq!(ranked[2].reason(), "New on the network");
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
pub fn rank_suggestions<T>(
    viewer_tags: &Tags,
    candidates: impl IntoIterator<Item = Candidate<T>>,
    vrf: Option<Xorshift32>,
) -> Vec<Suggestion<T>> {
    let mut ranked: Vec<Suggestion<T>> = candidates
        .into_iter()
        .map(|candidate| {
            let shared_tags: Vec<Tag> = candidate
                .tags
                .iter()
                .filter(|tag| viewer_tags.contains(tag))
                .cloned()
                .collect();
            Suggestion {
                score: shared_tags.len(),
                shared_tags,
                candidate,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        Reverse(a.score)
            .cmp(&Reverse(b.score))
            .then_with(|| Reverse(a.candidate.last_active).cmp(&Reverse(b.candidate.last_active)))
            .then_with(|| a.candidate.account_id.cmp(&b.candidate.account_id))
    });
    if let Some(mut rng) = vrf {
        let mut start = 0;
        while start < ranked.len() {
            let score = ranked[start].score;
            let end = ranked[start..]
                .iter()
                .position(|s| s.score != score)
                .map_or(ranked.len(), |offset| start + offset);
            shuffle_tier(&mut ranked, start, end, &mut rng);
            start = end;
        }
    }
    ranked
}

/// Shuffles `items[start..end]` as the reference does.
fn shuffle_tier<T>(items: &mut [T], start: usize, end: usize, rng: &mut Xorshift32) {
    let mut j = end.saturating_sub(1);
    while j > start {
        // Tier sizes are bounded by memory; a tier of more than u32::MAX items is not a concern,
        // but saturate rather than truncate all the same.
        let n = u32::try_from(j - start + 1).unwrap_or(u32::MAX);
        let k = rng.pick(n) as usize;
        items.swap(start + k, j);
        j -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, tags: &[&str], last_active: Option<u64>) -> Candidate<()> {
        Candidate {
            account_id: AccountId::parse(id).unwrap(),
            tags: Tags::parse(tags).unwrap(),
            last_active,
            payload: (),
        }
    }

    fn ids<T>(ranked: &[Suggestion<T>]) -> Vec<&str> {
        ranked
            .iter()
            .map(|s| s.candidate.account_id.as_str())
            .collect()
    }

    #[test]
    fn xorshift_reference_vector() {
        let mut rng = Xorshift32::from_output_hex("deadbeef").unwrap();
        let picks: Vec<u32> = (0..5).map(|_| rng.pick(1000)).collect();
        assert_eq!(picks, [492, 836, 529, 320, 865]);
        // Case does not matter; only the first four bytes are read.
        let mut upper = Xorshift32::from_output_hex("DEADBEEF0123456789").unwrap();
        assert_eq!(upper.pick(1000), 492);
    }

    #[test]
    fn seed_parsing() {
        assert_eq!(
            Xorshift32::from_output_hex("00000000"),
            Ok(Xorshift32::new(1))
        );
        assert_eq!(
            Xorshift32::from_output_hex("efbeadde"),
            Ok(Xorshift32::new(0xdead_beef))
        );
        assert_eq!(
            Xorshift32::from_output_hex("dead"),
            Err(VrfSeedError::TooShort)
        );
        assert_eq!(
            Xorshift32::from_output_hex("deadbeeg"),
            Err(VrfSeedError::NotHex)
        );
        assert_eq!(
            Xorshift32::from_output_hex("+1+1+1+1"),
            Err(VrfSeedError::NotHex)
        );
        assert!(Xorshift32::from_output_hex("déadbeef").is_err());
        let mut rng = Xorshift32::new(7);
        assert_eq!(rng.pick(0), 0);
        assert_eq!(rng, Xorshift32::new(7));
    }

    #[test]
    fn deterministic_order_without_vrf() {
        let viewer = Tags::parse(["rust", "defi", "ai"]).unwrap();
        let ranked = rank_suggestions(
            &viewer,
            vec![
                candidate("none-old.near", &["art"], Some(10)),
                candidate("one-unknown.near", &["rust"], None),
                candidate("one-new.near", &["ai", "art"], Some(500)),
                candidate("two.near", &["defi", "rust"], Some(1)),
                candidate("one-old-b.near", &["defi"], Some(100)),
                candidate("one-old-a.near", &["rust"], Some(100)),
            ],
            None,
        );
        assert_eq!(
            ids(&ranked),
            [
                "two.near",
                "one-new.near",
                "one-old-a.near",
                "one-old-b.near",
                "one-unknown.near",
                "none-old.near",
            ]
        );
        let scores: Vec<usize> = ranked.iter().map(|s| s.score).collect();
        assert_eq!(scores, [2, 1, 1, 1, 1, 0]);
    }

    #[test]
    fn vrf_shuffles_within_tiers_only() {
        let viewer = Tags::parse(["rust"]).unwrap();
        // One tier of five (score 1) above a tier of one (score 0).
        let candidates = vec![
            candidate("a.near", &["rust"], Some(50)),
            candidate("b.near", &["rust"], Some(40)),
            candidate("c.near", &["rust"], Some(30)),
            candidate("d.near", &["rust"], Some(20)),
            candidate("e.near", &["rust"], Some(10)),
            candidate("z.near", &[], Some(99)),
        ];
        let rng = Xorshift32::from_output_hex("deadbeef").unwrap();
        let ranked = rank_suggestions(&viewer, candidates.clone(), Some(rng));
        // Computed independently (a Python transcription of the reference algorithm).
        assert_eq!(
            ids(&ranked),
            ["e.near", "d.near", "b.near", "a.near", "c.near", "z.near"]
        );
        // Same seed, same order; different seed, a different permutation of the same tier.
        let again = rank_suggestions(&viewer, candidates.clone(), Some(rng_from("deadbeef")));
        assert_eq!(ids(&again), ids(&ranked));
        let other = rank_suggestions(&viewer, candidates, Some(rng_from("01020304")));
        assert_eq!(other.last().map(|s| s.score), Some(0));
        let mut top: Vec<&str> = ids(&other)[..5].to_vec();
        top.sort_unstable();
        assert_eq!(top, ["a.near", "b.near", "c.near", "d.near", "e.near"]);
    }

    fn rng_from(hex: &str) -> Xorshift32 {
        Xorshift32::from_output_hex(hex).unwrap()
    }

    #[test]
    fn empty_and_single_candidate_lists() {
        let viewer = Tags::default();
        assert!(rank_suggestions::<()>(&viewer, vec![], Some(rng_from("deadbeef"))).is_empty());
        let one = rank_suggestions(
            &viewer,
            vec![candidate("a.near", &["x"], None)],
            Some(rng_from("deadbeef")),
        );
        assert_eq!(ids(&one), ["a.near"]);
        assert_eq!(one[0].reason(), "New on the network");
    }
}
