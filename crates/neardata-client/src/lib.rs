#![doc = include_str!("../README.md")]

pub mod block;
pub mod error;
pub mod extract;
mod http;
pub mod reconcile;
mod tailer;

pub use block::Block;
pub use error::NeardataError;
pub use extract::{BlockWrites, ExtractStats, Position, Write, extract};
pub use http::{BlockAnswer, BlockSource, HttpConfig, HttpNeardata, MAX_REDIRECTS};
pub use tailer::{Backoff, ChainLink, Cursor, TailStatus, Tailer, TailerConfig};
