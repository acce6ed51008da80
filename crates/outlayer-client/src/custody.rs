//! The custody trait: what Nearly needs from an agent's custody wallet.

use async_trait::async_trait;
use serde_json::Value;

use crate::auth::CustodyAuth;
use crate::error::CustodyError;
use crate::wire::{
    BalanceResponse, CallRequest, RegisterResponse, SignMessageRequest, SignMessageResponse,
    VrfProof,
};

/// An agent custody service: registers wallets, writes on their behalf, signs for them.
///
/// [`HttpOutLayer`](crate::HttpOutLayer) is the real OutLayer implementation; a local emulator
/// implements the same trait with the [`wire`](crate::wire) types. Credentials are passed per
/// call because one server acts for many agents.
#[async_trait]
pub trait Custody: Send + Sync {
    /// Creates an anonymous wallet (`POST /register`, no credentials). Returns its `wk_` key and
    /// implicit account; the response holds a secret, do not log it.
    async fn register(&self) -> Result<RegisterResponse, CustodyError>;

    /// The NEAR account behind a `wk_` key or a `near:` token.
    ///
    /// The default asks [`Custody::balance`] (OutLayer has no "who am I" endpoint; the balance
    /// response carries `account_id`).
    async fn resolve_account(&self, auth: &CustodyAuth) -> Result<String, CustodyError> {
        self.balance(auth).await.map(|b| b.account_id)
    }

    /// Sends one function call signed by the wallet (`POST /wallet/v1/call`); for Nearly, a
    /// FastData write built with [`CallRequest::fastdata_kv`].
    ///
    /// With `idempotency_key`, custody applies the call at most once per key (header
    /// `X-Idempotency-Key`), and a repeat answers [`CallOutcome::DuplicateIdempotencyKey`].
    async fn call(
        &self,
        auth: &CustodyAuth,
        request: &CallRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CallOutcome, CustodyError>;

    /// Signs a NEP-413 message with the wallet's key (`POST /wallet/v1/sign-message`).
    async fn sign_message(
        &self,
        auth: &CustodyAuth,
        request: &SignMessageRequest,
    ) -> Result<SignMessageResponse, CustodyError>;

    /// The wallet's native NEAR balance (`GET /wallet/v1/balance?chain=near`). A wallet whose
    /// implicit account does not exist yet has balance `"0"`.
    async fn balance(&self, auth: &CustodyAuth) -> Result<BalanceResponse, CustodyError>;

    /// A VRF proof for `request`; check it with [`verify_vrf_proof`](crate::verify_vrf_proof)
    /// before trusting its output.
    async fn vrf_seed(
        &self,
        auth: &CustodyAuth,
        request: &VrfSeedRequest,
    ) -> Result<VrfProof, CustodyError>;
}

/// A request for a VRF seed.
#[derive(Debug, Clone, PartialEq)]
pub struct VrfSeedRequest {
    /// The caller's request id; the proof's `alpha` is `vrf:{request_id}:suggest`.
    pub request_id: String,
    /// An optional NEP-413 claim passed through to the VRF program (NEARLY sends one).
    pub verifiable_claim: Option<Value>,
}

impl VrfSeedRequest {
    /// A request with an id and no claim.
    pub fn new(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            verifiable_claim: None,
        }
    }
}

/// What a successful `call` answered.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// The transaction succeeded on chain.
    Applied {
        /// The custody request id.
        request_id: Option<String>,
        /// The transaction hash.
        tx_hash: Option<String>,
        /// The decoded `SuccessValue`, if any.
        result: Option<Value>,
        /// The block height the write landed in, when custody knows it. The sandbox custody
        /// commits into its ledger and reports the height; real OutLayer answers only a
        /// transaction hash (`{request_id, status, tx_hash, result}`), so
        /// [`HttpOutLayer`](crate::HttpOutLayer) reports `None`.
        block_height: Option<u64>,
    },
    /// A multisig policy holds the call until `required` approvers sign. Nothing is applied yet.
    PendingApproval {
        /// The custody request id.
        request_id: Option<String>,
        /// The approval to wait for.
        approval_id: Option<String>,
        /// Approvals required.
        required: Option<u32>,
        /// Approvals so far.
        approved: Option<u32>,
    },
    /// Custody already processed a call with this idempotency key: the call was **already
    /// applied** by an earlier request, so callers may treat this as success (they just do not
    /// get the transaction hash again).
    DuplicateIdempotencyKey {
        /// Custody's message (`"Request already processed: <id>"`).
        message: String,
    },
}

impl CallOutcome {
    /// Whether the write is known to be applied ([`CallOutcome::Applied`] or
    /// [`CallOutcome::DuplicateIdempotencyKey`]).
    pub fn is_applied(&self) -> bool {
        matches!(
            self,
            Self::Applied { .. } | Self::DuplicateIdempotencyKey { .. }
        )
    }

    /// The block height of an applied write, when custody reported one (see
    /// [`CallOutcome::Applied::block_height`]); `None` for every other outcome.
    pub fn block_height(&self) -> Option<u64> {
        match self {
            Self::Applied { block_height, .. } => *block_height,
            _ => None,
        }
    }
}
