//! FastData evidence: the key, the writer, the block height, and the raw FastData read that
//! proves a fact.

use maud::{Markup, html};

use crate::format;

/// Where raw FastData reads are linked: a base URL (`/fastdata` for the sandbox, or the public
/// FastData KV API) and the namespace (`current_account_id`) the graph lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastDataLinks {
    base: String,
    namespace: String,
}

impl FastDataLinks {
    /// Links under `base` (a trailing `/` is dropped) for `namespace`.
    pub fn new(base: impl Into<String>, namespace: impl Into<String>) -> Self {
        let mut base = base.into();
        while base.ends_with('/') {
            base.pop();
        }
        Self {
            base,
            namespace: namespace.into(),
        }
    }

    /// `GET {base}/v0/latest/{namespace}/{writer}/{key}`: the key's current row, with its
    /// `block_height` and `block_timestamp` (wire-formats.md §1).
    #[must_use]
    pub fn latest(&self, writer: &str, key: &str) -> String {
        format!(
            "{}/v0/latest/{}/{}/{}",
            self.base,
            format::path(&self.namespace),
            format::path(writer),
            format::path(key)
        )
    }

    /// `GET {base}/v0/history/{namespace}/{writer}/{key}`: the key's newest 50 writes (the first
    /// profile write proves `created_at`).
    #[must_use]
    pub fn history(&self, writer: &str, key: &str) -> String {
        format!(
            "{}/v0/history/{}/{}/{}",
            self.base,
            format::path(&self.namespace),
            format::path(writer),
            format::path(key)
        )
    }
}

/// One fact's proof.
#[derive(Debug, Clone)]
pub(crate) struct Evidence<'a> {
    pub(crate) key: &'a str,
    pub(crate) writer: &'a str,
    pub(crate) height: Option<u64>,
    pub(crate) history: bool,
}

/// The evidence as a compact definition block: key, writer, block height, raw read link.
pub(crate) fn render(links: &FastDataLinks, e: &Evidence<'_>) -> Markup {
    let href = if e.history {
        links.history(e.writer, e.key)
    } else {
        links.latest(e.writer, e.key)
    };
    html! {
        span.evidence {
            "key " code { bdi { (e.key) } }
            " · writer " code { (e.writer) }
            @if let Some(h) = e.height { " · block " span.height { (h) } }
            " · "
            a.raw href=(href) rel="nofollow" { "raw FastData read" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_wire_paths() {
        let links = FastDataLinks::new("/fastdata/", "contextual.near");
        assert_eq!(
            links.latest("alice.near", "graph/follow/bob.near"),
            "/fastdata/v0/latest/contextual.near/alice.near/graph/follow/bob.near"
        );
        assert_eq!(
            links.history("alice.near", "profile"),
            "/fastdata/v0/history/contextual.near/alice.near/profile"
        );
    }
}
