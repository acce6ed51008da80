//! The admin's moderation: hide and unhide an account.

use nearly_core::AccountId;
use serde_json::Value;

use super::{App, AppError, AppResult};
use crate::auth::Caller;

/// A hide or unhide's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenChange {
    /// The account.
    pub account_id: AccountId,
    /// Whether it is hidden now.
    pub hidden: bool,
}

impl App {
    /// `hide` (`hidden = true`) or `unhide`: the configured admin account writes (or deletes)
    /// `hidden/{target}` under its own predecessor.
    ///
    /// The target arrives as the request named it: the admin checks come first, so a caller
    /// that is not the admin is refused before the target is looked at.
    ///
    /// # Errors
    ///
    /// [`AppError::NotConfigured`] without an admin account, [`AppError::NotAdmin`] for anyone
    /// else, [`AppError::Invalid`] for a bad account id, or a write failure.
    pub async fn set_hidden(
        &self,
        caller: &Caller,
        target: &str,
        hidden: bool,
    ) -> AppResult<HiddenChange> {
        let Some(admin) = self.index.config().admin.clone() else {
            return Err(AppError::NotConfigured(
                "No admin account is configured on this server".into(),
            ));
        };
        if caller.account_id.as_str() != admin {
            return Err(AppError::NotAdmin);
        }
        let target = AccountId::parse(target).map_err(|e| AppError::Invalid(e.to_string()))?;
        let value = if hidden {
            Value::Bool(true)
        } else {
            Value::Null
        };
        self.commit(caller, &[(format!("hidden/{target}"), value)])
            .await?;
        Ok(HiddenChange {
            account_id: target,
            hidden,
        })
    }
}
