#![doc = include_str!("../README.md")]

mod custody;
mod error;
mod router;
mod store;
pub mod wire;

pub use custody::{
    Config, DEFAULT_STARTING_BALANCE_YOCTO, LocalCustody, MAX_RECIPIENT_CHARS, MAX_SEED_BYTES,
    MAX_SIGN_MESSAGE_BYTES, MAX_VRF_REQUEST_ID_BYTES, STORE_FILE,
};
pub use error::Error;
pub use router::{MAX_BODY_BYTES, router};
