//! Integration tests of the indexer.
