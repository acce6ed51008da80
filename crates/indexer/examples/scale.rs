//! Builds the 100k agents / 1M follows / 1M endorsements graph from in-memory entries and
//! reports ingest throughput (one core) and memory per follow edge, measured with a counting
//! global allocator. Run: `cargo run --release -p indexer --example scale`.

#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::alloc::System;

use indexer::{Indexer, IndexerConfig};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[path = "../benches/support/mod.rs"]
#[allow(dead_code, missing_docs, clippy::cast_possible_truncation)]
mod support;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes still allocated that the region allocated. stats_alloc already counts a realloc's
/// growth (shrink) in `bytes_allocated` (`bytes_deallocated`); `bytes_reallocated` repeats it,
/// so adding it would count every `Vec` growth twice.
fn net(region: &Region<'_, System>) -> isize {
    let s = region.change();
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

fn main() {
    let ix = Indexer::new(IndexerConfig::new("contextual.near"));
    let total = std::time::Instant::now();
    let region = Region::new(GLOBAL);
    let (n_profiles, t_profiles) = support::ingest(&ix, support::Phase::Profiles);
    let profiles_bytes = net(&region);
    let region = Region::new(GLOBAL);
    let (n_follows, t_follows) = support::ingest(&ix, support::Phase::Follows);
    let follow_bytes = net(&region);
    let region = Region::new(GLOBAL);
    let (n_endorse, t_endorse) = support::ingest(&ix, support::Phase::Endorsements);
    let endorse_bytes = net(&region);
    let wall = total.elapsed().as_secs_f64();
    let entries = n_profiles + n_follows + n_endorse;
    let apply = t_profiles + t_follows + t_endorse;
    let g = ix.read();
    println!("agents listed: {}", g.agent_count());
    println!(
        "entries: {entries} (profiles+tags+caps {n_profiles}, follows {n_follows}, endorsements {n_endorse})"
    );
    println!(
        "replay (apply only): {apply:.2} s = {:.0} entries/s on one core",
        entries as f64 / apply
    );
    println!(
        "  profiles {:.0}/s, follows {:.0}/s, endorsements {:.0}/s",
        n_profiles as f64 / t_profiles,
        n_follows as f64 / t_follows,
        n_endorse as f64 / t_endorse
    );
    println!("wall incl. generating entries: {wall:.2} s");
    println!(
        "memory: agents phase {:.1} MiB ({:.0} B/agent)",
        profiles_bytes as f64 / 1048576.0,
        profiles_bytes as f64 / n_profiles as f64 * 5.0
    );
    println!(
        "memory per follow edge: {:.1} B ({:.1} MiB for {n_follows})",
        follow_bytes as f64 / n_follows as f64,
        follow_bytes as f64 / 1048576.0
    );
    println!(
        "memory per endorsement: {:.1} B",
        endorse_bytes as f64 / n_endorse as f64
    );
}
