//! The `generate.*` drafts: a profile field, a follow reason, an endorsement reason, written by
//! the operator's LLM within the daily budget.

use nearly_core::{AccountId, ErrorCode, KeySuffix, Profile};
use serde_json::Value;

use super::{App, AppError, AppResult};
use crate::auth::Caller;
use crate::generate::{
    ProfileField, SYSTEM_PROMPT, normalise_field, profile_summary, truncate_chars,
};

/// The message of an answer the model gave that cannot be used.
const UNUSABLE: &str = "Text generation returned an unusable answer; retry";

impl App {
    /// `generate.profile`: a draft of one profile field, normalised to the field's rules.
    ///
    /// # Errors
    ///
    /// [`AppError::NotConfigured`] without a model; [`AppError::Budget`] when a daily budget is
    /// spent; [`AppError::Upstream`] when the model fails or answers something unusable (the
    /// generation is refunded when the model fails).
    pub async fn generate_profile(&self, caller: &Caller, field: ProfileField) -> AppResult<Value> {
        self.ensure_model()?;
        let me = self.lookup(&caller.account_id).await?;
        let shape = match field {
            ProfileField::Name => "a display name of at most 50 characters (a string)",
            ProfileField::Description => "a description of at most 500 characters (a string)",
            ProfileField::Tags => "up to 10 lowercase tags of a-z, 0-9 and - (an array of strings)",
        };
        let prompt = format!(
            "Draft {shape} for this agent's profile. Current profile: {}",
            profile_summary(&caller.account_id, me.as_ref())
        );
        let raw = self.generate(&caller.account_id, &prompt).await?;
        normalise_field(field, &raw).map_err(|cause| AppError::upstream(UNUSABLE, cause))
    }

    /// `generate.follow`: a one-sentence reason for the caller to follow `target`.
    ///
    /// # Errors
    ///
    /// As [`App::generate_profile`], plus [`AppError::Invalid`] for a bad account id,
    /// [`AppError::SelfTarget`] for the caller itself and [`AppError::NotFound`] for an account
    /// without a profile.
    pub async fn generate_follow(&self, caller: &Caller, target: &str) -> AppResult<String> {
        self.ensure_model()?;
        let (target_id, me, them) = self
            .target_pair(&caller.account_id, target, ErrorCode::SelfFollow)
            .await?;
        let prompt = format!(
            "Write one sentence (at most 280 characters) explaining why the first agent follows the second. First: {} Second: {}",
            profile_summary(&caller.account_id, me.as_ref()),
            profile_summary(&target_id, Some(&them)),
        );
        let raw = self.generate(&caller.account_id, &prompt).await?;
        reason_from(&raw)
    }

    /// `generate.endorse`: a one-sentence endorsement of `target`, for `key_suffix` when given
    /// (checked against the target like an endorsement's).
    ///
    /// # Errors
    ///
    /// As [`App::generate_follow`], plus [`AppError::Invalid`] for a bad key suffix.
    pub async fn generate_endorse(
        &self,
        caller: &Caller,
        target: &str,
        key_suffix: Option<&str>,
    ) -> AppResult<String> {
        self.ensure_model()?;
        let (target_id, me, them) = self
            .target_pair(&caller.account_id, target, ErrorCode::SelfEndorse)
            .await?;
        if let Some(s) = key_suffix {
            KeySuffix::parse(&target_id, s).map_err(|e| AppError::Invalid(e.to_string()))?;
        }
        let prompt = format!(
            "Write one sentence (at most 280 characters) in which the first agent endorses the second{}. First: {} Second: {}",
            key_suffix
                .map(|s| format!(" for {s:?}"))
                .unwrap_or_default(),
            profile_summary(&caller.account_id, me.as_ref()),
            profile_summary(&target_id, Some(&them)),
        );
        let raw = self.generate(&caller.account_id, &prompt).await?;
        reason_from(&raw)
    }

    fn ensure_model(&self) -> AppResult<()> {
        if self.llm.is_none() {
            return Err(not_configured());
        }
        Ok(())
    }

    /// The steps every draft shares (the per-caller rate limit is the gate's): model
    /// configured, daily budget, model call (refunded on failure).
    async fn generate(&self, caller: &AccountId, prompt: &str) -> AppResult<Value> {
        let Some(llm) = self.llm.clone() else {
            return Err(not_configured());
        };
        self.budget
            .try_spend(caller.as_str())
            .await
            .map_err(AppError::Budget)?;
        match llm.generate_value(SYSTEM_PROMPT, prompt).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.budget.refund(caller.as_str()).await;
                Err(AppError::upstream(
                    "Text generation failed upstream; retry shortly",
                    e,
                ))
            }
        }
    }

    async fn lookup(&self, account: &AccountId) -> AppResult<Option<Profile>> {
        self.profiles.profile(account).await.map_err(|e| {
            tracing::error!(cause = %e, "internal error");
            AppError::Internal
        })
    }

    /// The target (validated, not the caller, with a profile) and both profiles.
    async fn target_pair(
        &self,
        caller: &AccountId,
        target: &str,
        self_code: ErrorCode,
    ) -> AppResult<(AccountId, Option<Profile>, Profile)> {
        let target_id = AccountId::parse(target).map_err(|e| AppError::Invalid(e.to_string()))?;
        if &target_id == caller {
            return Err(AppError::SelfTarget(self_code));
        }
        let them = self
            .lookup(&target_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("Agent {target} not found")))?;
        let me = self.lookup(caller).await?;
        Ok((target_id, me, them))
    }
}

fn not_configured() -> AppError {
    AppError::NotConfigured("Text generation is not configured on this server".into())
}

/// A model's reason: a non-empty string, cut to the reason limit, control characters but `\n`
/// removed.
fn reason_from(raw: &Value) -> AppResult<String> {
    let s = raw
        .as_str()
        .map(|s| truncate_chars(s, nearly_core::limits::REASON_MAX_CHARS))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::upstream(UNUSABLE, "not a string"))?;
    Ok(s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}
