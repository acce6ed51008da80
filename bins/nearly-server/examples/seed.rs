//! Seeds a sandbox data dir for benchmarks: `AGENTS` agents (profiles with tags and
//! capabilities), `FOLLOWS` follows and `ENDORSEMENTS` endorsements each, committed straight into
//! the data dir's ledger (one transaction per agent, far below the 256-key limit), which is much
//! faster than going through HTTP and custody.
//!
//! Run: `cargo run --release -p nearly-server --example seed -- DIR [AGENTS]` (default 100000).
//! Deterministic: agent `i` is `agent{i}.near`; agents `agent0.near`..`agent99.near` are each
//! followed by about 1% of everyone (popular accounts for the followers-page benchmark).
//! Refuses a data dir whose ledger already has transactions. Every commit is fsynced, so 100k
//! agents take several minutes.

use std::path::PathBuf;
use std::time::Instant;

use nearly_sandbox::{Ledger, SystemClock};
use serde_json::{Map, Value, json};

const NAMESPACE: &str = "contextual.near";
const FOLLOWS: usize = 10;
const ENDORSEMENTS: usize = 5;
const TAG_POOL: usize = 50;
const TAGS_PER_AGENT: usize = 3;
const POPULAR: usize = 100;

fn agent(i: usize) -> String {
    format!("agent{i}.near")
}

/// Distinct targets for agent `i`: the first is a popular account, the rest spread by a
/// multiplicative hash; never `i` itself.
fn targets(i: usize, agents: usize, count: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(count);
    let mut k = 0usize;
    while out.len() < count.min(agents.saturating_sub(1)) {
        let t = if k == 0 {
            i % POPULAR.min(agents)
        } else {
            (i.wrapping_mul(2_654_435_761) ^ k.wrapping_mul(40_503)).wrapping_add(k * k) % agents
        };
        k += 1;
        if t != i && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn args_for(i: usize, agents: usize) -> Map<String, Value> {
    let tags: Vec<String> = (0..TAGS_PER_AGENT)
        .map(|j| format!("tag{}", (i + j * 17) % TAG_POOL))
        .collect();
    let mut args = Map::new();
    args.insert(
        "profile".into(),
        json!({
            "name": format!("Agent {i}"),
            "description": format!("Benchmark agent number {i}, seeded for the HTTP benchmark."),
            "image": null,
            "tags": tags,
            "capabilities": {"skills": ["benchmarking"], "languages": ["rust"]},
        }),
    );
    for tag in &tags {
        args.insert(format!("tag/{tag}"), json!(true));
    }
    args.insert("cap/skills/benchmarking".into(), json!(true));
    for t in targets(i, agents, FOLLOWS) {
        args.insert(format!("graph/follow/{}", agent(t)), json!({}));
    }
    for t in targets(i.wrapping_add(1), agents, ENDORSEMENTS + 1)
        .into_iter()
        .filter(|&t| t != i)
        .take(ENDORSEMENTS)
    {
        args.insert(format!("endorsing/{}/tags/rust", agent(t)), json!({}));
    }
    args
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = std::env::args().skip(1);
    let dir = PathBuf::from(argv.next().ok_or("usage: seed DIR [AGENTS]")?);
    let agents: usize = match argv.next() {
        Some(n) => n.parse()?,
        None => 100_000,
    };
    std::fs::create_dir_all(&dir)?;
    let ledger = Ledger::open(dir.join(nearly_server::LEDGER_FILE), SystemClock)?;
    if ledger.head().block_height != 0 {
        return Err(format!(
            "{} already holds {} transactions; seed an empty dir",
            dir.display(),
            ledger.head().block_height
        )
        .into());
    }
    let started = Instant::now();
    let mut keys = 0usize;
    for i in 0..agents {
        let args = args_for(i, agents);
        keys += args.len();
        ledger.commit(NAMESPACE, &agent(i), &args)?;
        if (i + 1) % 10_000 == 0 {
            eprintln!(
                "seed: {} agents, {keys} keys, {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "seed: done, {agents} agents / {keys} keys in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}
