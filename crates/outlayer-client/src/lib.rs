#![doc = include_str!("../README.md")]

pub mod auth;
pub mod custody;
pub mod error;
pub mod http;
pub mod token;
pub mod vrf;
pub mod wire;

pub use auth::CustodyAuth;
pub use custody::{CallOutcome, Custody, VrfSeedRequest};
pub use error::CustodyError;
pub use http::{DEFAULT_BASE_URL, HttpConfig, HttpOutLayer};
pub use token::{
    AccountTokenPayload, TokenError, TokenPolicy, VerifiedAccountToken, decode_account_token,
    mint_account_token, verify_account_token,
};
pub use vrf::{VrfError, parse_vrf_response, verify_vrf_proof};
