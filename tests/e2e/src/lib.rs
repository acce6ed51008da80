//! End-to-end tests of `nearly-server` over real HTTP live in `tests/`; this library is empty.
