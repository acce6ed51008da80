//! `generate.*` plumbing: the [`LlmClient`] trait and its OpenAI-compatible implementation, the
//! daily [`GenerateBudget`], the [`ProfileLookup`] the handlers read profiles through, and the
//! prompts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use nearly_core::{AccountId, ErrorCode, Profile};
use nep413::Clock;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Why a generation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// No answer within the timeout.
    #[error("LLM request timed out")]
    Timeout,
    /// The endpoint could not be reached.
    #[error("LLM transport error: {0}")]
    Transport(String),
    /// The endpoint answered an error status.
    #[error("LLM answered HTTP {status}: {snippet}")]
    Http {
        /// The status.
        status: u16,
        /// The start of the body.
        snippet: String,
    },
    /// The answer was not a chat completion holding a JSON object with `value`.
    #[error("LLM answer unusable: {0}")]
    BadResponse(String),
}

impl LlmError {
    fn is_retriable(&self) -> bool {
        match self {
            Self::Timeout | Self::Transport(_) | Self::BadResponse(_) => true,
            Self::Http { status, .. } => *status == 429 || *status >= 500,
        }
    }
}

/// A chat model answering in JSON.
#[async_trait]
pub trait LlmClient: Send + Sync {
    /// Asks the model with a system and a user prompt, in JSON-object mode; returns the `value`
    /// field of the object it answered.
    async fn generate_value(&self, system: &str, user: &str) -> Result<Value, LlmError>;
}

/// An OpenAI-compatible `POST {base}/chat/completions` client (NEAR AI Cloud, OpenAI, vLLM,
/// ...): `response_format: json_object`, 15 s timeout per attempt, 2 attempts on transient
/// failures (timeouts, transport errors, 429, 5xx, unusable answers).
#[derive(Clone)]
pub struct OpenAiCompatible {
    base_url: String,
    model: String,
    api_key: String,
    http: reqwest::Client,
    timeout: Duration,
    attempts: u32,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    /// A client for `base_url` (e.g. `https://cloud-api.near.ai/v1`), `model` and `api_key`.
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        api_key: impl Into<String>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: api_key.into(),
            http,
            timeout: Duration::from_secs(15),
            attempts: 2,
        }
    }

    /// Replaces the 15 s per-attempt timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn attempt(&self, system: &str, user: &str) -> Result<Value, LlmError> {
        let url = format!("{}/chat/completions", self.base_url.trim_end_matches('/'));
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "response_format": {"type": "json_object"},
        });
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.api_key)
            .timeout(self.timeout)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    LlmError::Timeout
                } else {
                    LlmError::Transport(e.to_string())
                }
            })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout
            } else {
                LlmError::Transport(e.to_string())
            }
        })?;
        if !status.is_success() {
            return Err(LlmError::Http {
                status: status.as_u16(),
                snippet: text.chars().take(200).collect(),
            });
        }
        let completion: Value = serde_json::from_str(&text)
            .map_err(|e| LlmError::BadResponse(format!("not JSON: {e}")))?;
        let content = completion
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| LlmError::BadResponse("no choices[0].message.content".into()))?;
        let object: Value = serde_json::from_str(content)
            .map_err(|e| LlmError::BadResponse(format!("content is not JSON: {e}")))?;
        object
            .get("value")
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| LlmError::BadResponse("content has no `value`".into()))
    }
}

#[async_trait]
impl LlmClient for OpenAiCompatible {
    async fn generate_value(&self, system: &str, user: &str) -> Result<Value, LlmError> {
        let mut last = LlmError::BadResponse("no attempt made".into());
        for attempt in 1..=self.attempts.max(1) {
            match self.attempt(system, user).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "LLM attempt failed");
                    let retriable = e.is_retriable();
                    last = e;
                    if !retriable {
                        break;
                    }
                }
            }
        }
        Err(last)
    }
}

/// Which daily budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BudgetExhausted {
    /// The caller's own daily quota.
    #[error("daily generate quota for this account is used up")]
    Caller {
        /// Seconds until UTC midnight.
        retry_after: u64,
    },
    /// The deployment-wide daily cap.
    #[error("daily generate budget of this deployment is used up")]
    Global {
        /// Seconds until UTC midnight.
        retry_after: u64,
    },
    /// The shared budget store could not be reached; nothing was spent (retriable).
    #[error("the generate budget store is unavailable; retry shortly")]
    Unavailable,
}

impl From<BudgetExhausted> for ApiError {
    fn from(e: BudgetExhausted) -> Self {
        let retry_after = match e {
            BudgetExhausted::Caller { retry_after } | BudgetExhausted::Global { retry_after } => {
                retry_after
            }
            BudgetExhausted::Unavailable => {
                return ApiError::new(ErrorCode::StorageError, e.to_string()).with_retry_after(1);
            }
        };
        ApiError::new(
            ErrorCode::BudgetExhausted,
            format!("{e}; it resets at UTC midnight"),
        )
        .with_retry_after(retry_after)
    }
}

/// The daily `generate.*` budgets: per caller and deployment-wide, reset at UTC midnight.
#[async_trait]
pub trait GenerateBudget: Send + Sync {
    /// Spends one generation for `caller`, or says which budget is exhausted.
    async fn try_spend(&self, caller: &str) -> Result<(), BudgetExhausted>;

    /// Gives back a generation that failed upstream.
    async fn refund(&self, caller: &str);
}

/// Per-caller daily generations (the skill's default).
pub const DEFAULT_PER_CALLER_DAILY: u32 = 50;
/// Deployment-wide daily generations (the skill's default).
pub const DEFAULT_GLOBAL_DAILY: u32 = 5000;

const DAY_MS: u64 = 86_400_000;

/// An in-memory [`GenerateBudget`] with an injected clock; memory is one counter per caller
/// that generated today (yesterday's are dropped at the first spend of a new day).
pub struct InMemoryBudget {
    clock: Arc<dyn Clock>,
    per_caller: u32,
    global: u32,
    state: Mutex<BudgetState>,
}

#[derive(Default)]
struct BudgetState {
    day: u64,
    total: u32,
    callers: HashMap<String, u32>,
}

impl std::fmt::Debug for InMemoryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryBudget")
            .field("per_caller", &self.per_caller)
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

impl InMemoryBudget {
    /// A budget of `per_caller` and `global` generations per UTC day.
    pub fn new(clock: Arc<dyn Clock>, per_caller: u32, global: u32) -> Self {
        Self {
            clock,
            per_caller,
            global,
            state: Mutex::new(BudgetState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn roll(&self, state: &mut BudgetState, now: u64) {
        let day = now / DAY_MS;
        if state.day != day {
            state.day = day;
            state.total = 0;
            state.callers.clear();
        }
    }
}

/// Seconds from `now_ms` to the next UTC midnight (at least 1).
pub fn seconds_to_utc_midnight(now_ms: u64) -> u64 {
    (DAY_MS - now_ms % DAY_MS).div_ceil(1000).max(1)
}

#[async_trait]
impl GenerateBudget for InMemoryBudget {
    async fn try_spend(&self, caller: &str) -> Result<(), BudgetExhausted> {
        let now = self.clock.now_ms();
        let retry_after = seconds_to_utc_midnight(now);
        let mut state = self.lock();
        self.roll(&mut state, now);
        let used = state.callers.get(caller).copied().unwrap_or(0);
        if used >= self.per_caller {
            return Err(BudgetExhausted::Caller { retry_after });
        }
        if state.total >= self.global {
            return Err(BudgetExhausted::Global { retry_after });
        }
        state.total += 1;
        state.callers.insert(caller.to_owned(), used + 1);
        Ok(())
    }

    async fn refund(&self, caller: &str) {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        self.roll(&mut state, now);
        if let Some(used) = state.callers.get_mut(caller)
            && *used > 0
        {
            *used -= 1;
            state.total = state.total.saturating_sub(1);
        }
    }
}

/// Why a profile lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile lookup failed: {0}")]
pub struct LookupError(pub String);

/// Reads an agent's current profile (the graph index implements it).
#[async_trait]
pub trait ProfileLookup: Send + Sync {
    /// The agent's profile, `None` if it has none.
    async fn profile(&self, account: &AccountId) -> Result<Option<Profile>, LookupError>;
}

/// The profile fields `POST /agents/me/profile/generate` can draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    /// `name`, at most 50 characters.
    Name,
    /// `description`, at most 500 characters.
    Description,
    /// `tags`, at most 10 valid tags.
    Tags,
}

impl ProfileField {
    /// Parses the request's `field` (default `description`).
    pub fn parse(raw: Option<&Value>) -> Result<Self, ApiError> {
        match raw {
            None | Some(Value::Null) => Ok(Self::Description),
            Some(Value::String(s)) if s == "description" => Ok(Self::Description),
            Some(Value::String(s)) if s == "name" => Ok(Self::Name),
            Some(Value::String(s)) if s == "tags" => Ok(Self::Tags),
            Some(_) => Err(ApiError::validation(
                "field must be one of: name, description, tags",
            )),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Description => "description",
            Self::Tags => "tags",
        }
    }
}

/// A compact, prompt-safe summary of a profile.
pub fn profile_summary(account: &AccountId, profile: Option<&Profile>) -> String {
    let p = profile.cloned().unwrap_or_default();
    json!({
        "account_id": account.as_str(),
        "name": p.name,
        "description": p.description,
        "tags": p.tags,
        "capabilities": p.capabilities,
    })
    .to_string()
}

/// The system prompt shared by every generation.
pub const SYSTEM_PROMPT: &str = "You write short, factual text for AI agent profiles on the Nearly social graph. Answer with a JSON object {\"value\": ...} and nothing else. Never invent credentials, links or contact details.";

/// Truncates to `max` characters (Unicode scalar values), trimmed.
pub fn truncate_chars(s: &str, max: usize) -> String {
    s.trim()
        .chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Normalises a model's answer for `field` into a value that passes the field's validation.
pub fn normalise_field(field: ProfileField, value: &Value) -> Result<Value, String> {
    use nearly_core::limits::{DESCRIPTION_MAX_CHARS, MAX_TAGS, NAME_MAX_CHARS};
    match field {
        ProfileField::Name | ProfileField::Description => {
            let max = if field == ProfileField::Name {
                NAME_MAX_CHARS
            } else {
                DESCRIPTION_MAX_CHARS
            };
            let s = value.as_str().ok_or("expected a string")?;
            let cleaned: String = s
                .chars()
                .filter(|c| !c.is_control() || (*c == '\n' && field == ProfileField::Description))
                .collect();
            let t = truncate_chars(&cleaned, max);
            if t.is_empty() {
                Err("empty".into())
            } else {
                Ok(Value::String(t))
            }
        }
        ProfileField::Tags => {
            let items = value.as_array().ok_or("expected an array")?;
            let mut tags: Vec<String> = Vec::new();
            for item in items {
                if let Some(s) = item.as_str()
                    && let Ok(tag) = nearly_core::Tag::parse(s)
                    && !tags.iter().any(|t| t == tag.as_str())
                    && tags.len() < MAX_TAGS
                {
                    tags.push(tag.as_str().to_owned());
                }
            }
            if tags.is_empty() {
                Err("no valid tags".into())
            } else {
                Ok(json!(tags))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nep413::ManualClock;

    #[tokio::test]
    async fn budgets_and_midnight() {
        let day = 20_000 * DAY_MS;
        let clock = Arc::new(ManualClock::new(day + DAY_MS - 90_500));
        let b = InMemoryBudget::new(clock.clone(), 2, 3);
        b.try_spend("a").await.unwrap();
        b.try_spend("a").await.unwrap();
        assert_eq!(
            b.try_spend("a").await,
            Err(BudgetExhausted::Caller { retry_after: 91 })
        );
        b.refund("a").await;
        b.try_spend("a").await.unwrap();
        b.try_spend("b").await.unwrap();
        assert!(matches!(
            b.try_spend("c").await,
            Err(BudgetExhausted::Global { .. })
        ));
        clock.advance(90_500);
        b.try_spend("a").await.unwrap();
        b.try_spend("c").await.unwrap();
    }

    #[test]
    fn midnight_math() {
        assert_eq!(seconds_to_utc_midnight(0), 86_400);
        assert_eq!(seconds_to_utc_midnight(DAY_MS - 1), 1);
        assert_eq!(seconds_to_utc_midnight(DAY_MS - 1500), 2);
    }

    #[test]
    fn field_normalisation() {
        assert_eq!(
            normalise_field(ProfileField::Name, &json!("  Ada\u{7}  ")).unwrap(),
            json!("Ada")
        );
        let long = "x".repeat(600);
        assert_eq!(
            normalise_field(ProfileField::Description, &json!(long))
                .unwrap()
                .as_str()
                .unwrap()
                .chars()
                .count(),
            500
        );
        assert_eq!(
            normalise_field(
                ProfileField::Tags,
                &json!(["Rust", "rust", "bad tag", 3, "ai"])
            )
            .unwrap(),
            json!(["rust", "ai"])
        );
        assert!(normalise_field(ProfileField::Tags, &json!("rust")).is_err());
        assert!(ProfileField::parse(Some(&json!("image"))).is_err());
    }
}
