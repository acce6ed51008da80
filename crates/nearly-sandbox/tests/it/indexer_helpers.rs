//! Shared helpers: temporary ledgers.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use nearly_sandbox::Ledger;
use nearly_sandbox::ledger::ManualClock;
use serde_json::Value;

pub(crate) const NS: &str = "contextual.near";
pub(crate) const T0: u64 = 1_700_000_000_000_000_000;

/// A ledger in a unique temporary directory, removed on drop.
pub(crate) struct TempLedger {
    dir: PathBuf,
    pub(crate) ledger: Ledger,
    pub(crate) clock: Arc<ManualClock>,
}

impl TempLedger {
    pub(crate) fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "indexer-it-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let clock = Arc::new(ManualClock::new(T0));
        let ledger = Ledger::open(dir.join("ledger.redb"), clock.clone()).unwrap();
        Self { dir, ledger, clock }
    }

    /// Commits `args` (a JSON object) as `who`, one second after the previous block.
    pub(crate) fn commit(&self, who: &str, args: Value) -> u64 {
        self.clock.advance(1_000_000_000);
        self.ledger
            .commit(NS, who, args.as_object().unwrap())
            .unwrap()
            .block_height
    }
}

impl Drop for TempLedger {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
