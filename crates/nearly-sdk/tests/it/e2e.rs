//! End-to-end against the sandbox server (added when `nearly-server` builds).
