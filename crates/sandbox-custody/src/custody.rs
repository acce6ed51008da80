//! [`LocalCustody`]: the custody emulator itself, and its [`Custody`] implementation.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ed25519_dalek::{Signer as _, SigningKey};
use nearly_sandbox::ledger::TxMeta;
use nearly_sandbox::{Clock, Ledger, LedgerError};
use outlayer_client::wire::{
    BalanceResponse, CallRequest, FASTDATA_KV_METHOD, RegisterResponse, ResourceLimits,
    SignMessageRequest, SignMessageResponse, Trial, VrfProof,
};
use outlayer_client::{
    CallOutcome, Custody, CustodyAuth, CustodyError, TokenError, TokenPolicy, VrfSeedRequest,
};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use crate::store::{Store, WalletRecord, random_bytes};
use crate::wire::{AuthSignRequest, AuthSignResponse};

/// The file the wallets live in, inside the data dir.
pub const STORE_FILE: &str = "custody.redb";

/// 10 NEAR in yoctoNEAR: the default starting balance of a sandbox wallet.
pub const DEFAULT_STARTING_BALANCE_YOCTO: u128 = 10 * 10u128.pow(24);

/// Longest `message` accepted by `sign-message`, in bytes.
pub const MAX_SIGN_MESSAGE_BYTES: usize = 10_000;

/// Longest `recipient` accepted by `sign-message`, in characters.
pub const MAX_RECIPIENT_CHARS: usize = 128;

/// Longest `seed` accepted by `auth-sign` and [`LocalCustody::mint_account_token`], in bytes.
pub const MAX_SEED_BYTES: usize = 256;

/// Longest VRF `request_id`, in bytes.
pub const MAX_VRF_REQUEST_ID_BYTES: usize = 256;

/// Settings of [`LocalCustody`]. `Default` gives the documented sandbox values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The balance every wallet reports unless [`LocalCustody::set_balance`] overrode it,
    /// yoctoNEAR. Default [`DEFAULT_STARTING_BALANCE_YOCTO`]; `0` makes every `call` fail with
    /// [`Error::InsufficientBalance`] (the real service's zero-balance 502 over HTTP).
    pub starting_balance_yocto: u128,
    /// `trial.calls_remaining` in the register response. Default 100 (the sandbox never counts
    /// down).
    pub trial_calls_remaining: u64,
    /// Freshness window of `near:` tokens, seconds. Default 30 (OutLayer's).
    pub token_window_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            starting_balance_yocto: DEFAULT_STARTING_BALANCE_YOCTO,
            trial_calls_remaining: 100,
            token_window_secs: outlayer_client::token::DEFAULT_WINDOW_SECS,
        }
    }
}

/// The local custody emulator: durable wallets in `custody.redb`, writes into a
/// [`nearly_sandbox::Ledger`]. Cheap to clone (one shared handle); `Send + Sync`.
///
/// Every method is async and runs its blocking storage work (redb, the ledger's fsync) on
/// tokio's blocking pool, so they must be called inside a tokio runtime. The [`Custody`]
/// implementation delegates to the inherent methods and maps [`Error`] to the
/// [`CustodyError`] that [`HttpOutLayer`](outlayer_client::HttpOutLayer) reports for the
/// same HTTP answer.
#[derive(Clone)]
pub struct LocalCustody {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    ledger: Ledger,
    clock: Box<dyn Clock>,
    config: Config,
    vrf_key: SigningKey,
    /// Serialises calls, so an idempotency key is checked, used and recorded atomically.
    calls: Mutex<()>,
}

/// Who a credential names, once its `near:` token (if any) has been verified.
enum Principal {
    /// A `wk_` key, by its hash.
    KeyHash([u8; 32]),
    /// The account of a verified `near:` token.
    Account(String),
}

/// A wallet that passed authentication.
struct Wallet {
    account_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for LocalCustody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCustody")
            .field("config", &self.inner.config)
            .field("vrf_public_key_hex", &self.vrf_public_key_hex())
            .finish_non_exhaustive()
    }
}

impl LocalCustody {
    /// Opens (or creates) the custody store `data_dir/custody.redb`, creating `data_dir` if
    /// needed, and writes `__fastdata_kv` calls into `ledger`. `clock` gives the time of
    /// `near:` token checks and `auth-sign` timestamps (share the ledger's clock).
    ///
    /// The first open generates the VRF key; later opens load it, the wallets and the used
    /// idempotency keys.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the directory or the file cannot be created or opened (e.g. it is
    /// already open in this or another process) or is not a custody store.
    pub fn open(
        data_dir: impl AsRef<Path>,
        ledger: Ledger,
        clock: impl Clock,
        config: Config,
    ) -> Result<Self, Error> {
        let dir = data_dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::internal("creating the data dir", e))?;
        let (store, vrf_key) = Store::open(&dir.join(STORE_FILE))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                ledger,
                clock: Box::new(clock),
                config,
                vrf_key,
                calls: Mutex::new(()),
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The ledger calls are written into.
    pub fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let inner = Arc::clone(&self.inner);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| f(&inner)))
            .await
            .map_err(|e| Error::internal("a blocking custody task", e))?
    }

    /// Verifies a `near:` token the way OutLayer does (freshness against the clock, strict
    /// signature, key bound to the account: the account is implicit, so no RPC is needed).
    async fn principal(&self, auth: &CustodyAuth) -> Result<Principal, Error> {
        let token = match auth {
            CustodyAuth::WalletKey(key) => return Ok(Principal::KeyHash(key_hash(key))),
            CustodyAuth::AccountToken(token) => token,
        };
        let policy = TokenPolicy {
            window_secs: self.inner.config.token_window_secs,
            require_full_access: true,
        };
        let verified = outlayer_client::verify_account_token(
            token,
            self.inner.now_s(),
            &policy,
            &nep413::ImplicitOnly,
        )
        .await;
        match verified {
            Ok(v) => Ok(Principal::Account(v.account_id)),
            Err(TokenError::Expired { window_secs, .. }) => {
                Err(Error::TimestampExpired { window_secs })
            }
            Err(TokenError::BadSignature) => Err(Error::InvalidSignature(
                "near: token signature does not verify".to_owned(),
            )),
            Err(TokenError::NotBound(why)) => Err(Error::InvalidSignature(why)),
            Err(TokenError::Malformed(why) | TokenError::RpcError(why)) => {
                Err(Error::InvalidApiKey(why))
            }
        }
    }

    /// `POST /register`: a new wallet with a fresh ed25519 key. Its account is the implicit id
    /// `hex(public key)`; the returned `api_key` (`"wk_" + hex(32 random bytes)`) is stored only
    /// as its SHA-256, so this is the only time it is seen.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the wallet cannot be stored.
    pub async fn create_wallet(&self) -> Result<RegisterResponse, Error> {
        self.blocking(|inner| inner.create_wallet()).await
    }

    /// The account behind a credential: a `wk_` key issued here, or a valid `near:` token (of
    /// any implicit account: the holder of its key may act as it, wallet here or not).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidApiKey`], [`Error::TimestampExpired`] or [`Error::InvalidSignature`].
    pub async fn account_of(&self, auth: &CustodyAuth) -> Result<String, Error> {
        let principal = self.principal(auth).await?;
        self.blocking(move |inner| inner.account(principal)).await
    }

    /// `POST /wallet/v1/call`: commits a `__fastdata_kv` call into the ledger with the wallet's
    /// account as predecessor. Accepts any receiver (namespace), like the real indexer.
    ///
    /// With an `idempotency_key` already used by this wallet, nothing is committed and the
    /// answer is [`CallOutcome::DuplicateIdempotencyKey`]. Keys are remembered durably after
    /// the commit, so a crash between the two can apply a retried call twice (at least once,
    /// never lost).
    ///
    /// # Errors
    ///
    /// Authentication errors; [`Error::BadRequest`] for another method, both or neither of
    /// `args`/`args_base64`, args that are not a JSON object, a bad `gas`/`deposit` or an
    /// invalid receiver; [`Error::InsufficientBalance`] when the wallet's balance is zero;
    /// [`Error::OnchainFailed`] when the FastData indexer would drop the call whole (more than
    /// 256 keys).
    pub async fn execute_call(
        &self,
        auth: &CustodyAuth,
        request: &CallRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CallOutcome, Error> {
        let principal = self.principal(auth).await?;
        let request = request.clone();
        let key = idempotency_key.filter(|k| !k.is_empty()).map(str::to_owned);
        self.blocking(move |inner| inner.execute_call(principal, &request, key.as_deref()))
            .await
    }

    /// `POST /wallet/v1/sign-message`: a NEP-413 signature by the wallet's key, over a random
    /// 32-byte nonce when the request has none. `nep413::verify_payload` accepts it.
    ///
    /// # Errors
    ///
    /// Authentication errors; [`Error::BadRequest`] for `format: "raw"` (removed by OutLayer)
    /// or another format, a message over [`MAX_SIGN_MESSAGE_BYTES`], a recipient outside
    /// 1..=[`MAX_RECIPIENT_CHARS`] characters or a nonce that is not base64 of 32 bytes.
    pub async fn sign_nep413(
        &self,
        auth: &CustodyAuth,
        request: &SignMessageRequest,
    ) -> Result<SignMessageResponse, Error> {
        let principal = self.principal(auth).await?;
        let request = request.clone();
        self.blocking(move |inner| {
            let wallet = inner.authenticate(principal)?;
            sign_nep413(&wallet, &request)
        })
        .await
    }

    /// `GET /wallet/v1/balance?chain=near`: the configured starting balance, or the wallet's
    /// override.
    ///
    /// # Errors
    ///
    /// Authentication errors.
    pub async fn wallet_balance(&self, auth: &CustodyAuth) -> Result<BalanceResponse, Error> {
        let principal = self.principal(auth).await?;
        self.blocking(move |inner| {
            let account_id = inner.account(principal)?;
            let balance = inner.balance_of(&account_id)?;
            Ok(BalanceResponse {
                balance: balance.to_string(),
                token: Some("near".to_owned()),
                account_id,
            })
        })
        .await
    }

    /// Sets (`Some`) or clears (`None`) the balance of one wallet, overriding
    /// [`Config::starting_balance_yocto`]. Setting `Some(0)` makes its calls fail with
    /// [`Error::InsufficientBalance`]. Persisted.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] if `account_id` has no wallet here; [`Error::Internal`] on a
    /// storage failure.
    pub async fn set_balance(&self, account_id: &str, yocto: Option<u128>) -> Result<(), Error> {
        let account_id = account_id.to_owned();
        self.blocking(move |inner| {
            if inner.store.wallet(&account_id)?.is_none() {
                return Err(Error::BadRequest(format!(
                    "no sandbox wallet for account {account_id}"
                )));
            }
            inner.store.set_balance_override(&account_id, yocto)
        })
        .await
    }

    /// `POST /wallet/v1/auth-sign`: signs `{prefix}:{seed}:{now}` with the wallet's key, where
    /// the prefix is `auth` for purpose `bearer`, `register` or `api-key`.
    ///
    /// # Errors
    ///
    /// Authentication errors; [`Error::BadRequest`] for another purpose or an empty or
    /// over-long seed.
    pub async fn auth_sign(
        &self,
        auth: &CustodyAuth,
        request: &AuthSignRequest,
    ) -> Result<AuthSignResponse, Error> {
        let principal = self.principal(auth).await?;
        let request = request.clone();
        self.blocking(move |inner| {
            let wallet = inner.authenticate(principal)?;
            let prefix = match request.purpose.as_str() {
                "bearer" => "auth",
                "register" => "register",
                "api-key" => "api-key",
                other => {
                    return Err(Error::BadRequest(format!(
                        "purpose must be \"bearer\", \"register\" or \"api-key\", got {other:?}"
                    )));
                }
            };
            check_seed(&request.seed)?;
            let auth_timestamp = inner.now_s();
            let auth_message = format!("{prefix}:{}:{auth_timestamp}", request.seed);
            let signature = wallet.key.sign(auth_message.as_bytes());
            Ok(AuthSignResponse {
                auth_message,
                auth_timestamp,
                signature: bs58::encode(signature.to_bytes()).into_string(),
                public_key: nep413::PublicKey::from(wallet.key.verifying_key()).to_string(),
            })
        })
        .await
    }

    /// A full `near:` account token for the wallet behind `auth`, minted now with
    /// [`outlayer_client::mint_account_token`]. It authenticates against this custody (and any
    /// verifier of implicit-account tokens) for [`Config::token_window_secs`].
    ///
    /// # Errors
    ///
    /// Authentication errors; [`Error::BadRequest`] for an empty or over-long seed.
    pub async fn mint_account_token(
        &self,
        auth: &CustodyAuth,
        seed: &str,
    ) -> Result<String, Error> {
        let principal = self.principal(auth).await?;
        let seed = seed.to_owned();
        self.blocking(move |inner| {
            let wallet = inner.authenticate(principal)?;
            check_seed(&seed)?;
            Ok(outlayer_client::mint_account_token(
                &wallet.key,
                &wallet.account_id,
                &seed,
                inner.now_s(),
            ))
        })
        .await
    }

    /// hex of the 32-byte VRF public key (`GET /vrf/pubkey`). Stable across reopen.
    pub fn vrf_public_key_hex(&self) -> String {
        hex::encode(self.inner.vrf_key.verifying_key().to_bytes())
    }

    /// A VRF proof in the production format: `alpha = "vrf:{request_id}:suggest"`, the
    /// ed25519 signature of `alpha` by the VRF key, `output_hex = hex(sha256(signature))`.
    /// [`outlayer_client::verify_vrf_proof`] accepts it. Deterministic per `request_id`.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] for an empty `request_id` or one over
    /// [`MAX_VRF_REQUEST_ID_BYTES`].
    pub fn vrf_proof(&self, request_id: &str) -> Result<VrfProof, Error> {
        if request_id.is_empty() || request_id.len() > MAX_VRF_REQUEST_ID_BYTES {
            return Err(Error::BadRequest(format!(
                "request_id must be 1 to {MAX_VRF_REQUEST_ID_BYTES} bytes"
            )));
        }
        let alpha = format!("vrf:{request_id}:suggest");
        let signature = self.inner.vrf_key.sign(alpha.as_bytes()).to_bytes();
        Ok(VrfProof {
            output_hex: hex::encode(Sha256::digest(signature)),
            signature_hex: hex::encode(signature),
            alpha,
            vrf_public_key: self.vrf_public_key_hex(),
        })
    }

    /// [`LocalCustody::vrf_proof`] for an authenticated caller (the `POST /call/{owner}/{project}`
    /// `get_vrf_seed` action).
    ///
    /// # Errors
    ///
    /// Authentication errors, and those of [`LocalCustody::vrf_proof`].
    pub async fn vrf_seed_for(
        &self,
        auth: &CustodyAuth,
        request_id: &str,
    ) -> Result<VrfProof, Error> {
        self.account_of(auth).await?;
        self.vrf_proof(request_id)
    }
}

impl Inner {
    fn now_s(&self) -> u64 {
        self.clock.now_ns() / 1_000_000_000
    }

    fn create_wallet(&self) -> Result<RegisterResponse, Error> {
        let api_key = format!(
            "{}{}",
            outlayer_client::auth::WALLET_KEY_PREFIX,
            hex::encode(random_bytes())
        );
        let key = SigningKey::from_bytes(&random_bytes());
        let account_id = hex::encode(key.verifying_key().to_bytes());
        let wallet_id = uuid_v4();
        let record = WalletRecord {
            secret_key_hex: hex::encode(key.to_bytes()),
            wallet_id: wallet_id.clone(),
            created_at_ns: self.clock.now_ns(),
        };
        self.store
            .insert_wallet(&key_hash(&api_key), &account_id, &record)?;
        tracing::info!(account_id, "sandbox custody: registered a wallet");
        Ok(RegisterResponse {
            api_key,
            wallet_id: Some(wallet_id),
            near_account_id: account_id,
            handoff_url: None,
            trial: Some(Trial {
                calls_remaining: self.config.trial_calls_remaining,
                expires_at: None,
                limits: Some(ResourceLimits {
                    max_instructions: Some(100_000_000),
                    max_execution_seconds: Some(30),
                    max_memory_mb: Some(64),
                }),
            }),
        })
    }

    /// The account a principal acts as: the wallet of a `wk_` key, or the account of a
    /// verified `near:` token, wallet or not (whoever holds an account's key may write as it,
    /// as on OutLayer).
    fn account(&self, principal: Principal) -> Result<String, Error> {
        match principal {
            Principal::KeyHash(hash) => self
                .store
                .account_by_key_hash(&hash)?
                .ok_or_else(|| Error::InvalidApiKey("unknown API key".to_owned())),
            Principal::Account(account_id) => Ok(account_id),
        }
    }

    /// The wallet (with its signing key) a principal acts through: only accounts whose key
    /// this custody holds can have it signed for.
    fn authenticate(&self, principal: Principal) -> Result<Wallet, Error> {
        let account_id = self.account(principal)?;
        let record = self
            .store
            .wallet(&account_id)?
            .ok_or_else(|| Error::InvalidApiKey(format!("no wallet for account {account_id}")))?;
        Ok(Wallet {
            account_id,
            key: record.signing_key()?,
        })
    }

    fn balance_of(&self, account_id: &str) -> Result<u128, Error> {
        Ok(self
            .store
            .balance_override(account_id)?
            .unwrap_or(self.config.starting_balance_yocto))
    }

    fn execute_call(
        &self,
        principal: Principal,
        request: &CallRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CallOutcome, Error> {
        let account_id = self.account(principal)?;
        let _serial = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = idempotency_key
            && let Some(previous) = self.store.idempotent_request(&account_id, key)?
        {
            return Ok(CallOutcome::DuplicateIdempotencyKey {
                message: format!("Request already processed: {previous}"),
            });
        }
        let args = validate_call(request)?;
        if self.balance_of(&account_id)? == 0 {
            return Err(Error::InsufficientBalance { account_id });
        }
        let request_id = uuid_v4();
        let tx_hash = bs58::encode(Sha256::digest(
            format!(
                "sandbox-custody/tx\n{request_id}\n{}\n{}",
                account_id, request.receiver_id
            )
            .as_bytes(),
        ))
        .into_string();
        let meta = TxMeta {
            signer_id: None,
            tx_hash: Some(tx_hash.clone()),
        };
        let receipt = self
            .ledger
            .commit_with(&request.receiver_id, &account_id, &args, &meta)
            .map_err(|e| match e {
                LedgerError::Rejected(why) => Error::OnchainFailed {
                    tx_hash: tx_hash.clone(),
                    message: why.to_string(),
                },
                LedgerError::InvalidAccountId { .. } => Error::BadRequest(e.to_string()),
                other => Error::internal("ledger commit", other),
            })?;
        if let Some(key) = idempotency_key {
            self.store
                .record_idempotent_request(&account_id, key, &request_id)?;
        }
        tracing::debug!(
            account_id = account_id,
            receiver_id = request.receiver_id,
            block_height = receipt.block_height,
            accepted = receipt.accepted.len(),
            skipped = receipt.skipped.len(),
            "sandbox custody: committed a call"
        );
        Ok(CallOutcome::Applied {
            request_id: Some(request_id),
            tx_hash: Some(tx_hash),
            result: None,
            // The ledger block the call committed in: the API waits for its index to reach it.
            block_height: Some(receipt.block_height),
        })
    }
}

/// Checks a call and returns its args object.
fn validate_call(request: &CallRequest) -> Result<Map<String, Value>, Error> {
    if request.method_name != FASTDATA_KV_METHOD {
        return Err(Error::BadRequest(format!(
            "the sandbox custody only executes {FASTDATA_KV_METHOD}, not {:?}",
            request.method_name
        )));
    }
    if request.gas.parse::<u64>().is_err() {
        return Err(Error::BadRequest(
            "gas must be a decimal string of gas units".to_owned(),
        ));
    }
    if request.deposit.parse::<u128>().is_err() {
        return Err(Error::BadRequest(
            "deposit must be a decimal string of yoctoNEAR".to_owned(),
        ));
    }
    let value = match (&request.args, &request.args_base64) {
        (Some(args), None) => args.clone(),
        (None, Some(b64)) => {
            let bytes = STANDARD
                .decode(b64.trim())
                .or_else(|_| STANDARD_NO_PAD.decode(b64.trim()))
                .map_err(|_| Error::BadRequest("args_base64 is not base64".to_owned()))?;
            serde_json::from_slice(&bytes).map_err(|_| {
                Error::BadRequest("args_base64 must decode to a JSON object".to_owned())
            })?
        }
        (Some(_), Some(_)) => {
            return Err(Error::BadRequest(
                "args and args_base64 are mutually exclusive".to_owned(),
            ));
        }
        (None, None) => {
            return Err(Error::BadRequest(
                "one of args or args_base64 is required".to_owned(),
            ));
        }
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::BadRequest(format!(
            "{FASTDATA_KV_METHOD} args must be a JSON object"
        ))),
    }
}

fn sign_nep413(
    wallet: &Wallet,
    request: &SignMessageRequest,
) -> Result<SignMessageResponse, Error> {
    match request.format.as_deref() {
        None | Some("nep413") => {}
        Some("raw") => {
            return Err(Error::BadRequest(
                "format \"raw\" was removed; use POST /wallet/v1/auth-sign".to_owned(),
            ));
        }
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "format must be \"nep413\", got {other:?}"
            )));
        }
    }
    if request.message.len() > MAX_SIGN_MESSAGE_BYTES {
        return Err(Error::BadRequest(format!(
            "message must be at most {MAX_SIGN_MESSAGE_BYTES} bytes"
        )));
    }
    let recipient_chars = request.recipient.chars().count();
    if recipient_chars == 0 || recipient_chars > MAX_RECIPIENT_CHARS {
        return Err(Error::BadRequest(format!(
            "recipient must be 1 to {MAX_RECIPIENT_CHARS} characters"
        )));
    }
    let nonce = match &request.nonce {
        None => nep413::Nonce::random(),
        Some(b64) => {
            let bytes: [u8; 32] = STANDARD
                .decode(b64.trim())
                .or_else(|_| STANDARD_NO_PAD.decode(b64.trim()))
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Error::BadRequest("nonce must be standard base64 of 32 bytes".to_owned())
                })?;
            nep413::Nonce::from_bytes(bytes)
        }
    };
    let payload = nep413::Payload::new(
        request.message.clone(),
        nonce,
        request.recipient.clone(),
        None,
    );
    let signature = nep413::Signature::from_bytes(payload.sign(&wallet.key));
    Ok(SignMessageResponse {
        account_id: wallet.account_id.clone(),
        public_key: nep413::PublicKey::from(wallet.key.verifying_key()).to_string(),
        signature: signature.to_prefixed_base58(),
        signature_base64: Some(signature.to_base64()),
        nonce: STANDARD.encode(payload.nonce),
    })
}

fn check_seed(seed: &str) -> Result<(), Error> {
    if seed.is_empty() || seed.len() > MAX_SEED_BYTES {
        return Err(Error::BadRequest(format!(
            "seed must be 1 to {MAX_SEED_BYTES} bytes"
        )));
    }
    Ok(())
}

/// `sha256` of a `wk_` key: the only form in which keys are stored.
fn key_hash(api_key: &str) -> [u8; 32] {
    Sha256::digest(api_key.as_bytes()).into()
}

/// A random (version 4) UUID in its canonical text form.
pub(crate) fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[async_trait]
impl Custody for LocalCustody {
    async fn register(&self) -> Result<RegisterResponse, CustodyError> {
        Ok(self.create_wallet().await?)
    }

    async fn resolve_account(&self, auth: &CustodyAuth) -> Result<String, CustodyError> {
        Ok(self.account_of(auth).await?)
    }

    async fn call(
        &self,
        auth: &CustodyAuth,
        request: &CallRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CallOutcome, CustodyError> {
        Ok(self.execute_call(auth, request, idempotency_key).await?)
    }

    async fn sign_message(
        &self,
        auth: &CustodyAuth,
        request: &SignMessageRequest,
    ) -> Result<SignMessageResponse, CustodyError> {
        Ok(self.sign_nep413(auth, request).await?)
    }

    async fn balance(&self, auth: &CustodyAuth) -> Result<BalanceResponse, CustodyError> {
        Ok(self.wallet_balance(auth).await?)
    }

    async fn vrf_seed(
        &self,
        auth: &CustodyAuth,
        request: &VrfSeedRequest,
    ) -> Result<VrfProof, CustodyError> {
        Ok(self.vrf_seed_for(auth, &request.request_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nearly_sandbox::ledger::ManualClock;
    use serde_json::json;

    const T0_NS: u64 = 1_700_000_000_000_000_000;

    fn open(dir: &Path, config: Config) -> (LocalCustody, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(T0_NS));
        let ledger = Ledger::open(dir.join("ledger.redb"), Arc::clone(&clock)).unwrap();
        let custody = LocalCustody::open(dir, ledger, Arc::clone(&clock), config).unwrap();
        (custody, clock)
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(uuid_v4(), id);
    }

    #[test]
    fn call_validation() {
        let ok = CallRequest::fastdata_kv("contextual.near", Map::new());
        assert!(validate_call(&ok).is_ok());
        let cases = [
            CallRequest {
                method_name: "set".into(),
                ..ok.clone()
            },
            CallRequest {
                args: Some(json!([1])),
                ..ok.clone()
            },
            CallRequest {
                args_base64: Some("e30=".into()),
                ..ok.clone()
            },
            CallRequest {
                args: None,
                ..ok.clone()
            },
            CallRequest {
                gas: "lots".into(),
                ..ok.clone()
            },
            CallRequest {
                deposit: "-1".into(),
                ..ok.clone()
            },
            CallRequest {
                args: None,
                args_base64: Some("!!".into()),
                ..ok.clone()
            },
        ];
        for case in cases {
            assert!(
                matches!(validate_call(&case), Err(Error::BadRequest(_))),
                "{case:?}"
            );
        }
        let b64 = CallRequest {
            args: None,
            args_base64: Some(STANDARD.encode(br#"{"a":1}"#)),
            ..ok
        };
        assert_eq!(validate_call(&b64).unwrap()["a"], json!(1));
    }

    #[tokio::test]
    async fn tokens_authenticate_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let (custody, clock) = open(dir.path(), Config::default());
        let wallet = custody.create_wallet().await.unwrap();
        let wk = CustodyAuth::WalletKey(wallet.api_key.clone());
        let token = custody.mint_account_token(&wk, "admin").await.unwrap();
        let auth = CustodyAuth::AccountToken(token);
        assert_eq!(
            custody.account_of(&auth).await.unwrap(),
            wallet.near_account_id
        );
        clock.advance(31_000_000_000);
        assert_eq!(
            custody.account_of(&auth).await,
            Err(Error::TimestampExpired { window_secs: 30 })
        );
        // A valid token of an implicit account that has no wallet here.
        let stranger = SigningKey::from_bytes(&[1u8; 32]);
        let account = hex::encode(stranger.verifying_key().to_bytes());
        let foreign = outlayer_client::mint_account_token(
            &stranger,
            &account,
            "s",
            clock.now_ns() / 1_000_000_000,
        );
        assert_eq!(
            custody
                .account_of(&CustodyAuth::AccountToken(foreign))
                .await,
            Ok(account)
        );
    }

    /// Issue 11 item 5: the holder of an account's key writes as that account, wallet here or
    /// not (admin hide/unhide by a key-holding admin works locally as in production).
    #[tokio::test]
    async fn a_verified_token_without_a_local_wallet_writes_as_its_account() {
        let dir = tempfile::tempdir().unwrap();
        let (custody, clock) = open(dir.path(), Config::default());
        let admin = SigningKey::from_bytes(&[9u8; 32]);
        let account = hex::encode(admin.verifying_key().to_bytes());
        let token = outlayer_client::mint_account_token(
            &admin,
            &account,
            "admin",
            clock.now_ns() / 1_000_000_000,
        );
        let auth = CustodyAuth::AccountToken(token);
        let mut args = Map::new();
        args.insert("hidden/someone.near".into(), json!(true));
        let write = CallRequest::fastdata_kv("contextual.near", args);
        let outcome = custody.execute_call(&auth, &write, None).await.unwrap();
        assert!(outcome.is_applied(), "{outcome:?}");
        let row = custody
            .ledger()
            .latest("contextual.near", &account, "hidden/someone.near")
            .unwrap()
            .expect("the write is committed under the token's account");
        assert_eq!(row.json_value().unwrap(), Some(json!(true)));
        assert_eq!(
            custody.wallet_balance(&auth).await.unwrap().account_id,
            account
        );
        // Signing still needs a key this custody holds.
        let sign = SignMessageRequest {
            message: "m".into(),
            recipient: "nearly.social".into(),
            nonce: None,
            format: None,
        };
        assert!(matches!(
            custody.sign_nep413(&auth, &sign).await,
            Err(Error::InvalidApiKey(_))
        ));
        // A forged token is still refused.
        let forged = outlayer_client::mint_account_token(
            &SigningKey::from_bytes(&[8u8; 32]),
            &account,
            "admin",
            clock.now_ns() / 1_000_000_000,
        );
        assert!(
            custody
                .execute_call(&CustodyAuth::AccountToken(forged), &write, None)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn auth_sign_matches_the_token_payload() {
        let dir = tempfile::tempdir().unwrap();
        let (custody, _clock) = open(dir.path(), Config::default());
        let wallet = custody.create_wallet().await.unwrap();
        let wk = CustodyAuth::WalletKey(wallet.api_key);
        let signed = custody
            .auth_sign(
                &wk,
                &AuthSignRequest {
                    purpose: "bearer".into(),
                    seed: "admin".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(signed.auth_timestamp, T0_NS / 1_000_000_000);
        assert_eq!(
            signed.auth_message,
            format!("auth:admin:{}", signed.auth_timestamp)
        );
        let pk = nep413::PublicKey::parse(&signed.public_key).unwrap();
        assert_eq!(pk.implicit_account_id(), wallet.near_account_id);
        let sig: [u8; 64] = bs58::decode(&signed.signature)
            .into_vec()
            .unwrap()
            .try_into()
            .unwrap();
        pk.verifying_key()
            .verify_strict(
                signed.auth_message.as_bytes(),
                &ed25519_dalek::Signature::from_bytes(&sig),
            )
            .unwrap();
        for (purpose, seed) in [("login", "s"), ("bearer", "")] {
            let r = custody
                .auth_sign(
                    &wk,
                    &AuthSignRequest {
                        purpose: purpose.into(),
                        seed: seed.into(),
                    },
                )
                .await;
            assert!(matches!(r, Err(Error::BadRequest(_))), "{purpose}");
        }
    }

    #[tokio::test]
    async fn balance_override_and_zero_balance_calls() {
        let dir = tempfile::tempdir().unwrap();
        let (custody, _clock) = open(dir.path(), Config::default());
        let wallet = custody.create_wallet().await.unwrap();
        let wk = CustodyAuth::WalletKey(wallet.api_key);
        assert_eq!(
            custody.wallet_balance(&wk).await.unwrap().balance,
            "10000000000000000000000000"
        );
        custody
            .set_balance(&wallet.near_account_id, Some(0))
            .await
            .unwrap();
        let mut args = Map::new();
        args.insert("k".into(), json!(1));
        let write = CallRequest::fastdata_kv("contextual.near", args);
        assert_eq!(
            custody.execute_call(&wk, &write, None).await,
            Err(Error::InsufficientBalance {
                account_id: wallet.near_account_id.clone()
            })
        );
        assert_eq!(custody.ledger().head().block_height, 0);
        assert!(matches!(
            custody.set_balance("nobody.near", Some(1)).await,
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn vrf_request_ids_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _guard = rt.enter();
        let (custody, _clock) = open(dir.path(), Config::default());
        assert!(custody.vrf_proof("").is_err());
        assert!(custody.vrf_proof(&"x".repeat(257)).is_err());
        let p = custody.vrf_proof("r").unwrap();
        assert_eq!(p, custody.vrf_proof("r").unwrap());
        assert_eq!(outlayer_client::verify_vrf_proof(&p), Ok(()));
    }
}
