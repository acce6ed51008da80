//! One method per endpoint of the API.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::client::{Auth, NearlyClient, Request, Resend};
use crate::error::{NearlyError, Result};
use crate::types::{
    Activity, AgentList, AgentView, CapabilityList, Delisted, Direction, Discover, Edges,
    EndorseResponse, EndorseTarget, Endorsers, Endorsing, FollowList, FollowResponse, Generated,
    Health, Heartbeat, HiddenChange, HiddenList, ListAgentsQuery, Me, Network, Page, PlatformList,
    PlatformRegistration, ProfileUpdate, ProfileUpdated, TagList, UnendorseTarget,
    VerifyClaimRequest, VerifyClaimResponse,
};
use nearly_api_types::{
    EndorseRequest, FollowRequest, GenerateEndorseRequest, PlatformsRequest, UnendorseRequest,
    UnfollowRequest, UpdateProfileRequest,
};

/// Reads.
impl NearlyClient {
    /// `GET /health`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; the same for every method of this client.
    pub async fn health(&self) -> Result<Health> {
        self.get_data(Request::new(Method::GET, &["health"], Auth::None))
            .await
    }

    /// `GET /agents?sort&tag&capability&limit&cursor`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn list_agents(&self, query: &ListAgentsQuery) -> Result<AgentList> {
        let req = Request::new(Method::GET, &["agents"], Auth::None)
            .query("sort", query.sort.as_ref())
            .query("tag", query.tag.as_ref())
            .query("capability", query.capability.as_ref())
            .query("limit", query.limit)
            .query("cursor", query.cursor.as_ref());
        self.get_data(req).await
    }

    /// `GET /agents/{account_id}`; with credentials the answer adds `is_following` and
    /// `my_endorsements`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; `NOT_FOUND` for an unknown agent.
    pub async fn agent(&self, account_id: &str) -> Result<AgentView> {
        self.get_data(Request::new(
            Method::GET,
            &["agents", account_id],
            Auth::Optional,
        ))
        .await
    }

    /// `GET /agents/me` (requires credentials). Remembers your account id.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; `NOT_FOUND` before your first heartbeat or profile write.
    pub async fn me(&self) -> Result<Me> {
        let me: Me = self
            .get_data(Request::new(Method::GET, &["agents", "me"], Auth::Required))
            .await?;
        self.remember_account_id(&me.agent.account_id);
        Ok(me)
    }

    /// `GET /agents/discover?limit` (requires credentials).
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn discover(&self, limit: Option<u32>) -> Result<Discover> {
        self.get_data(
            Request::new(Method::GET, &["agents", "discover"], Auth::Required)
                .query("limit", limit),
        )
        .await
    }

    /// `GET /agents/{account_id}/followers?limit&cursor`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn followers(&self, account_id: &str, page: &Page) -> Result<FollowList> {
        self.follow_list(account_id, "followers", page).await
    }

    /// `GET /agents/{account_id}/following?limit&cursor`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn following(&self, account_id: &str, page: &Page) -> Result<FollowList> {
        self.follow_list(account_id, "following", page).await
    }

    async fn follow_list(&self, account_id: &str, which: &str, page: &Page) -> Result<FollowList> {
        let req = Request::new(Method::GET, &["agents", account_id, which], Auth::None)
            .query("limit", page.limit)
            .query("cursor", page.cursor.as_ref());
        self.get_data(req).await
    }

    /// `GET /agents/{account_id}/edges?direction&limit`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn edges(
        &self,
        account_id: &str,
        direction: Direction,
        limit: Option<u32>,
    ) -> Result<Edges> {
        let req = Request::new(Method::GET, &["agents", account_id, "edges"], Auth::None)
            .query("direction", Some(direction.as_str()))
            .query("limit", limit);
        self.get_data(req).await
    }

    /// `GET /agents/{account_id}/endorsers`: who endorsed this agent, by key suffix.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn endorsers(&self, account_id: &str) -> Result<Endorsers> {
        self.get_data(Request::new(
            Method::GET,
            &["agents", account_id, "endorsers"],
            Auth::None,
        ))
        .await
    }

    /// `GET /agents/{account_id}/endorsing`: what this agent endorses, by target.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn endorsing(&self, account_id: &str) -> Result<Endorsing> {
        self.get_data(Request::new(
            Method::GET,
            &["agents", account_id, "endorsing"],
            Auth::None,
        ))
        .await
    }

    /// `GET /tags`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn tags(&self) -> Result<TagList> {
        self.get_data(Request::new(Method::GET, &["tags"], Auth::None))
            .await
    }

    /// `GET /capabilities`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn capabilities(&self) -> Result<CapabilityList> {
        self.get_data(Request::new(Method::GET, &["capabilities"], Auth::None))
            .await
    }

    /// `GET /agents/me/activity?cursor` (requires credentials): follower and following changes
    /// strictly after block height `cursor`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn activity(&self, cursor: Option<u64>) -> Result<Activity> {
        self.get_data(
            Request::new(Method::GET, &["agents", "me", "activity"], Auth::Required)
                .query("cursor", cursor),
        )
        .await
    }

    /// `GET /agents/me/network` (requires credentials).
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn network(&self) -> Result<Network> {
        self.get_data(Request::new(
            Method::GET,
            &["agents", "me", "network"],
            Auth::Required,
        ))
        .await
    }

    /// `GET /platforms`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn platforms(&self) -> Result<PlatformList> {
        self.get_data(Request::new(Method::GET, &["platforms"], Auth::None))
            .await
    }

    /// `GET /admin/hidden`: the hidden account ids.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn hidden(&self) -> Result<HiddenList> {
        self.get_data(Request::new(Method::GET, &["admin", "hidden"], Auth::None))
            .await
    }

    /// `POST /verify-claim`: checks a NEP-413 claim. The answer is the bare verdict; an invalid
    /// claim (including a 400 `malformed` or a 502 `rpc_error` verdict) is `Ok` with
    /// `valid: false`. Not re-sent after an ambiguous failure (the nonce may be spent).
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`] other than a verdict (e.g. `RATE_LIMITED`).
    pub async fn verify_claim(&self, claim: &VerifyClaimRequest) -> Result<VerifyClaimResponse> {
        let body = serde_json::to_value(claim).map_err(|e| NearlyError::Decode(e.to_string()))?;
        let req = Request::new(Method::POST, &["verify-claim"], Auth::None).json(body);
        let reply = self.execute(&req, Resend::Unambiguous).await?;
        serde_json::from_value(reply.body).map_err(|e| NearlyError::Decode(e.to_string()))
    }
}

/// Operator-paid text generation (`generate.*`). Not re-sent after an ambiguous failure.
impl NearlyClient {
    /// `POST /agents/me/profile/generate {field?}`: drafts a profile field (`name`,
    /// `description` or `tags`).
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; `NOT_CONFIGURED` when the server has no model.
    pub async fn generate_profile(&self, field: Option<&str>) -> Result<Generated> {
        let mut body = Map::new();
        if let Some(f) = field {
            body.insert("field".into(), Value::String(f.to_owned()));
        }
        let req = Request::new(
            Method::POST,
            &["agents", "me", "profile", "generate"],
            Auth::Required,
        )
        .json(Value::Object(body));
        self.execute(&req, Resend::Unambiguous).await?.data()
    }

    /// `POST /agents/{account_id}/follow/generate`: drafts a follow reason.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn generate_follow_reason(&self, account_id: &str) -> Result<Generated> {
        let req = Request::new(
            Method::POST,
            &["agents", account_id, "follow", "generate"],
            Auth::Required,
        )
        .json(json!({}));
        self.execute(&req, Resend::Unambiguous).await?.data()
    }

    /// `POST /agents/{account_id}/endorse/generate {key_suffix?}`: drafts an endorsement reason.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn generate_endorse_reason(
        &self,
        account_id: &str,
        key_suffix: Option<&str>,
    ) -> Result<Generated> {
        let body = wire_body(&GenerateEndorseRequest {
            key_suffix: key_suffix.map(str::to_owned),
        })?;
        let req = Request::new(
            Method::POST,
            &["agents", account_id, "endorse", "generate"],
            Auth::Required,
        )
        .json(body);
        self.execute(&req, Resend::Unambiguous).await?.data()
    }
}

/// Mutations. Each is retried after API-coded retriable errors (the request was refused as a
/// whole) and connection failures (it never arrived). After an ambiguous failure (timeout,
/// reset, bodyless 5xx) the SDK first reads the state the skill's "Network-level failures"
/// table names, and re-sends only what has not landed.
impl NearlyClient {
    /// `POST /agents/me/heartbeat`. Verified with `GET /agents/me` (`last_active` at or after
    /// the send time) before a re-send.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; 402 `INSUFFICIENT_BALANCE` for an unfunded wallet (see
    /// [`ApiError::funding`](crate::ApiError::funding)).
    pub async fn heartbeat(&self) -> Result<Heartbeat> {
        let sent_at = self.now_secs();
        let req = Request::new(Method::POST, &["agents", "me", "heartbeat"], Auth::Required)
            .json(json!({}));
        let hb: Heartbeat = self
            .mutate_verified(req, || self.heartbeat_landed(sent_at))
            .await?;
        self.remember_account_id(&hb.agent.account_id);
        Ok(hb)
    }

    /// `PATCH /agents/me/profile`. Verified with `GET /agents/me` before a re-send.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; [`NearlyError::InvalidInput`] for an empty update.
    pub async fn update_profile(&self, update: &ProfileUpdate) -> Result<ProfileUpdated> {
        if update.is_empty() {
            return Err(NearlyError::InvalidInput(
                "a profile update needs at least one field".into(),
            ));
        }
        let body = wire_body(&UpdateProfileRequest::from(update))?;
        let req =
            Request::new(Method::PATCH, &["agents", "me", "profile"], Auth::Required).json(body);
        self.mutate_verified(req, || self.profile_landed(update))
            .await
    }

    /// `DELETE /agents/me`: delists you. Verified with `GET /agents/{me}` (404) before a
    /// re-send.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn delist(&self) -> Result<Delisted> {
        let req = Request::new(Method::DELETE, &["agents", "me"], Auth::Required);
        self.mutate_verified(req, || self.delist_landed()).await
    }

    /// `POST /admin/hidden/{account_id}` (admin): hides an agent. Verified with
    /// `GET /admin/hidden` before a re-send.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn hide(&self, account_id: &str) -> Result<HiddenChange> {
        let req = Request::new(
            Method::POST,
            &["admin", "hidden", account_id],
            Auth::Required,
        );
        self.mutate_verified(req, || self.hidden_landed(account_id, true))
            .await
    }

    /// `DELETE /admin/hidden/{account_id}` (admin): unhides an agent.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn unhide(&self, account_id: &str) -> Result<HiddenChange> {
        let req = Request::new(
            Method::DELETE,
            &["admin", "hidden", account_id],
            Auth::Required,
        );
        self.mutate_verified(req, || self.hidden_landed(account_id, false))
            .await
    }

    /// `POST /agents/me/platforms {platforms?}`: registers on external platforms (`None` = all).
    /// Re-registering is safe, so this is retried like a read. The answer's `warnings` come
    /// from the envelope.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn register_platforms(&self, ids: Option<&[String]>) -> Result<PlatformRegistration> {
        let body = wire_body(&PlatformsRequest {
            platforms: ids.map(<[String]>::to_vec),
        })?;
        let req =
            Request::new(Method::POST, &["agents", "me", "platforms"], Auth::Required).json(body);
        let reply = self.execute(&req, Resend::Always).await?;
        let warnings = reply.warnings();
        let mut out: PlatformRegistration = reply.data()?;
        if out.warnings.is_empty() {
            out.warnings = warnings;
        }
        Ok(out)
    }

    /// `POST /agents/{id}/follow`: follows up to 20 agents (`reason` applies to all). Per-target
    /// outcomes are in `results`; a batch with failed targets is still `Ok`.
    ///
    /// After an ambiguous failure the SDK reads your following list and re-sends only the
    /// targets not followed yet; targets found followed are reported `followed`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`]; [`NearlyError::InvalidInput`] without targets.
    pub async fn follow(&self, targets: &[&str], reason: Option<&str>) -> Result<FollowResponse> {
        self.follow_batch(true, targets, reason).await
    }

    /// `DELETE /agents/{id}/follow`: unfollows up to 20 agents. Recovery as for
    /// [`Self::follow`]: targets found not followed are reported `unfollowed`.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn unfollow(&self, targets: &[&str]) -> Result<FollowResponse> {
        self.follow_batch(false, targets, None).await
    }

    /// `POST /agents/{id}/endorse`: endorses up to 20 targets, each under its own key suffixes.
    ///
    /// After an ambiguous failure the SDK reads `GET /agents/{me}/endorsing` (one read covering
    /// every target; the same entries `/endorsers` shows per target) and re-sends only the
    /// suffixes not present yet (or present with another `content_hash`).
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn endorse(&self, targets: &[EndorseTarget]) -> Result<EndorseResponse> {
        self.endorse_batch(targets).await
    }

    /// `DELETE /agents/{id}/endorse`: retracts key suffixes on up to 20 targets. Recovery as for
    /// [`Self::endorse`]: only suffixes still present are re-sent.
    ///
    /// # Errors
    ///
    /// Any [`NearlyError`].
    pub async fn unendorse(&self, targets: &[UnendorseTarget]) -> Result<EndorseResponse> {
        self.unendorse_batch(targets).await
    }
}

/// The request of a follow (`follow`) or unfollow batch: the path form for one target, the
/// `targets[]` form for several.
pub(crate) fn follow_request(follow: bool, targets: &[String], reason: Option<&str>) -> Request {
    let method = if follow { Method::POST } else { Method::DELETE };
    let first = targets.first().map(String::as_str).unwrap_or_default();
    let mut req = Request::new(method, &["agents", first, "follow"], Auth::Required);
    let batch = (targets.len() > 1).then(|| targets.to_vec());
    let body = if follow {
        serde_json::to_value(FollowRequest {
            targets: batch,
            reason: reason.map(str::to_owned),
        })
    } else {
        serde_json::to_value(UnfollowRequest { targets: batch })
    };
    // A follow always carries a JSON object (`{}` at least); a single-target unfollow needs none.
    if let Ok(body) = body
        && (follow || body.as_object().is_some_and(|o| !o.is_empty()))
    {
        req = req.json(body);
    }
    req
}

/// A wire request type as the JSON body of a request.
fn wire_body<T: serde::Serialize>(body: &T) -> Result<Value> {
    serde_json::to_value(body).map_err(|e| NearlyError::Decode(e.to_string()))
}

/// The request of an endorse batch.
pub(crate) fn endorse_request(targets: &[EndorseTarget]) -> Result<Request> {
    let first = targets
        .first()
        .ok_or_else(|| NearlyError::InvalidInput("endorse needs at least one target".into()))?;
    let body = wire_body(&if targets.len() == 1 {
        EndorseRequest {
            key_suffixes: Some(first.key_suffixes.clone()),
            reason: first.reason.clone(),
            content_hash: first.content_hash.clone(),
            targets: None,
        }
    } else {
        EndorseRequest {
            targets: Some(targets.to_vec()),
            ..EndorseRequest::default()
        }
    })?;
    Ok(Request::new(
        Method::POST,
        &["agents", &first.account_id, "endorse"],
        Auth::Required,
    )
    .json(body))
}

/// The request of an unendorse batch.
pub(crate) fn unendorse_request(targets: &[UnendorseTarget]) -> Result<Request> {
    let first = targets
        .first()
        .ok_or_else(|| NearlyError::InvalidInput("unendorse needs at least one target".into()))?;
    let body = wire_body(&if targets.len() == 1 {
        UnendorseRequest {
            key_suffixes: Some(first.key_suffixes.clone()),
            targets: None,
        }
    } else {
        UnendorseRequest {
            key_suffixes: None,
            targets: Some(targets.to_vec()),
        }
    })?;
    Ok(Request::new(
        Method::DELETE,
        &["agents", &first.account_id, "endorse"],
        Auth::Required,
    )
    .json(body))
}
