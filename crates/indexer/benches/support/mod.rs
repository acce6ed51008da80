//! The deterministic scale generator shared by the benchmark and the scale example:
//! `AGENTS` agents with profiles (3 of 50 tags, 1 capability, matching `tag/*` and `cap/*` keys),
//! `FOLLOWS_PER` follows and `ENDORSE_PER` endorsements per agent, one transaction per agent per
//! kind, targets drawn by xorshift32.

use indexer::{Indexer, IndexerConfig, Version, Write};
use serde_json::json;

pub(crate) const AGENTS: u32 = 100_000;
pub(crate) const FOLLOWS_PER: u32 = 10;
pub(crate) const ENDORSE_PER: u32 = 10;
const SUFFIXES: [&str; 8] = [
    "tags/rust",
    "tags/defi",
    "tags/ai",
    "skills/audit",
    "skills/review",
    "trusted",
    "tags/art",
    "skills/data",
];

pub(crate) fn account(i: u32) -> String {
    format!("agent{i:06}.near")
}

struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        self.0 = s;
        s
    }
}

/// Which phase of the generated history.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Profiles,
    Follows,
    Endorsements,
}

/// The writes of one phase for agents `from..to`, heights continuing a global counter.
pub(crate) fn writes(phase: Phase, from: u32, to: u32) -> Vec<Write> {
    let mut out = Vec::new();
    let base: u64 = match phase {
        Phase::Profiles => 0,
        Phase::Follows => u64::from(AGENTS),
        Phase::Endorsements => 2 * u64::from(AGENTS),
    };
    for i in from..to {
        let height = base + u64::from(i) + 1;
        let ts = 1_700_000_000_000_000_000 + height * 1_000_000_000;
        let who = account(i);
        let mut rng = Rng(i.wrapping_mul(2_654_435_761) | 1);
        let mut push = |pos: u32, key: String, value| {
            out.push(Write {
                predecessor: who.clone(),
                key,
                value: Some(value),
                version: Version::new(height, pos),
                block_timestamp_ns: ts,
            });
        };
        match phase {
            Phase::Profiles => {
                let tags: Vec<String> = (0..3)
                    .map(|k| format!("t{}", (i * 7 + k * 13) % 50))
                    .collect();
                push(
                    0,
                    "profile".into(),
                    json!({
                        "name": format!("Agent {i}"),
                        "description": "A benchmark agent",
                        "tags": tags,
                        "capabilities": {"skills": [format!("s{}", i % 20)]},
                    }),
                );
                for (k, t) in tags.iter().enumerate() {
                    push(1 + k as u32, format!("tag/{t}"), json!(true));
                }
                push(4, format!("cap/skills/s{}", i % 20), json!(true));
            }
            Phase::Follows => {
                for k in 0..FOLLOWS_PER {
                    let t = rng.next() % AGENTS;
                    let value = if k % 5 == 0 {
                        json!({"reason": "shared interest"})
                    } else {
                        json!({})
                    };
                    push(k, format!("graph/follow/{}", account(t)), value);
                }
            }
            Phase::Endorsements => {
                for k in 0..ENDORSE_PER {
                    let t = rng.next() % AGENTS;
                    let s = SUFFIXES[(rng.next() % 8) as usize];
                    push(k, format!("endorsing/{}/{s}", account(t)), json!({}));
                }
            }
        }
    }
    out
}

/// Applies one phase, one agent's transaction at a time; returns (entries, seconds in apply).
pub(crate) fn ingest(ix: &Indexer, phase: Phase) -> (usize, f64) {
    let mut entries = 0;
    let mut secs = 0.0;
    let chunk = 5_000;
    let mut from = 0;
    while from < AGENTS {
        let to = (from + chunk).min(AGENTS);
        let batch = writes(phase, from, to);
        let start = std::time::Instant::now();
        for tx in batch.chunk_by(|a, b| a.version.height == b.version.height) {
            ix.apply_writes(tx);
        }
        secs += start.elapsed().as_secs_f64();
        entries += batch.len();
        from = to;
    }
    (entries, secs)
}

/// The full graph.
pub(crate) fn build() -> Indexer {
    let ix = Indexer::new(IndexerConfig::new("contextual.near"));
    for phase in [Phase::Profiles, Phase::Follows, Phase::Endorsements] {
        ingest(&ix, phase);
    }
    ix
}
