//! Review and save: the whole policy, checked against the live one, then read back.

use serde::Serialize;

use super::{my_ip, role_of, Connection, GroupRef, Landed, PersonRef, ServiceError};
use crate::docspace::models::TfaRequest;
use crate::docspace::ApiError;
use crate::history::{HistoryStore, Snapshot};
use crate::policy::merge::{three_way, Moved};
use crate::policy::review::{review, Review, ReviewContext};
use crate::policy::{Method, Policy, PolicyDiff, PortalPolicy};

/// The outcome of a verified save.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub before: Policy,
    pub after: PortalPolicy,
    pub diff: PolicyDiff,
    /// Every session was signed out (sms/app saves).
    pub signed_out: bool,
    /// The PUT's answer was lost, but reading back showed the change had landed.
    pub recovered: bool,
}

/// A verified save and its history entry. A history that cannot be written does not undo the
/// save; it is reported instead.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveReport {
    #[serde(flatten)]
    pub saved: Saved,
    pub snapshot: Option<Snapshot>,
    pub history_error: Option<String>,
}

/// A review with the names of every user and group in the live policy and the draft.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedReview {
    #[serde(flatten)]
    pub review: Review,
    pub users: Vec<PersonRef>,
    pub groups: Vec<GroupRef>,
    /// Set when the portal changed since the draft's base was read: their change, mine, and the
    /// merged draft the review is about (and a save should send).
    pub moved: Option<Moved>,
}

impl Connection {
    /// The review of a draft made on `base`: when the portal moved since, the admin's change is
    /// re-applied on top of theirs and the review is about that merged draft, so their change is
    /// never shown as the admin's; `moved` says so, with the three parts.
    pub async fn review_since(
        &self,
        base: &Policy,
        live: &PortalPolicy,
        draft: &Policy,
        my_ip: Option<&str>,
    ) -> Result<NamedReview, ServiceError> {
        let Some(moved) = three_way(base, draft, &live.policy) else {
            return self.review_named(live, draft, my_ip).await;
        };
        // Every name in one wave first: the review then finds the users in the cache.
        let (users, groups) = self
            .names_for(&[&live.policy, base, draft, &moved.merged])
            .await?;
        let review = self.review(live, &moved.merged, my_ip).await?;
        Ok(NamedReview {
            review,
            users,
            groups,
            moved: Some(moved),
        })
    }

    /// [`Connection::review`], with names for every id of `live` and `draft`.
    pub async fn review_named(
        &self,
        live: &PortalPolicy,
        draft: &Policy,
        my_ip: Option<&str>,
    ) -> Result<NamedReview, ServiceError> {
        // Every name in one wave first: the review then finds the draft's users in the cache.
        let (users, groups) = self.names_for(&[&live.policy, draft]).await?;
        let review = self.review(live, draft, my_ip).await?;
        Ok(NamedReview {
            review,
            users,
            groups,
            moved: None,
        })
    }

    /// Looks up the draft's mandatory users to find the owner among them (the owner rule).
    /// `caller_ip`, the address the admin signs in from, lets the review tell whether the change
    /// locks them out.
    pub async fn review(
        &self,
        live: &PortalPolicy,
        draft: &Policy,
        caller_ip: Option<&str>,
    ) -> Result<Review, ServiceError> {
        let caller_ip = my_ip(caller_ip)?;
        let people = self.people(&draft.mandatory_users).await?;
        let owner_id = if self.me.is_owner {
            Some(self.me.id)
        } else {
            people.iter().find(|p| p.is_owner).map(|p| p.id)
        };
        let ctx = ReviewContext {
            caller_id: self.me.id,
            caller_is_owner: self.me.is_owner,
            owner_id,
            caller_has_app: self.me.tfa_app_enabled,
            caller_role: Some(role_of(&self.me)),
            caller_groups: self.me.groups.iter().flatten().map(|g| g.id).collect(),
            caller_group_names: self
                .me
                .groups
                .iter()
                .flatten()
                .map(|g| (g.id, g.name.clone()))
                .collect(),
            caller_ip,
        };
        Ok(review(live, draft, &ctx))
    }

    /// Saves the whole draft: refuses what the review refuses (with the admin's address
    /// `my_ip`, if given), stops if the portal changed since `base` was loaded (unless
    /// `overwrite`), sends the full policy, and reads it back.
    pub async fn save(
        &self,
        base: &Policy,
        draft: &Policy,
        overwrite: bool,
        my_ip: Option<&str>,
    ) -> Result<Saved, ServiceError> {
        self.require_editor()?;
        let my_ip = super::my_ip(my_ip)?;
        let portal = self.portal().to_string();
        let live = self.client.policy().await?;
        if !overwrite && !live.policy.same_as(base) {
            return Err(ServiceError::Conflict {
                portal,
                theirs: Box::new(PolicyDiff::between(base, &live.policy)),
                live: Box::new(live),
            });
        }
        let review = self.review(&live, draft, my_ip.as_deref()).await?;
        let errors: Vec<String> = review.errors().map(|p| p.message.clone()).collect();
        if !errors.is_empty() {
            return Err(ServiceError::Refused { problems: errors });
        }
        let sent = draft.as_stored();
        let request = TfaRequest::new(&sent, self.me.id);
        let mut recovered = false;
        if let Err(cause) = self.client.put_tfa(&request).await {
            if !cause.outcome_unknown() {
                return Err(cause.into());
            }
            // The answer was lost or garbled: only a fresh read tells whether the change landed.
            let landed = match self.client.policy().await {
                Ok(now) if now.policy.same_as(&sent) => Landed::Yes,
                // A timed-out PUT may still be running on the server: the old policy now does not
                // mean it will not land, so only a definite failure counts as "not landed".
                Ok(now) if now.policy.same_as(&live.policy) && !may_still_run(&cause) => Landed::No,
                _ => Landed::Unknown,
            };
            if landed != Landed::Yes {
                return Err(ServiceError::SaveFailed {
                    portal,
                    cause,
                    landed,
                });
            }
            recovered = true;
        }
        let after = self.client.policy().await?;
        if !after.policy.same_as(&sent) {
            return Err(ServiceError::NotVerified {
                portal,
                difference: Box::new(PolicyDiff::between(&sent, &after.policy)),
            });
        }
        Ok(Saved {
            before: live.policy.clone(),
            diff: PolicyDiff::between(&live.policy, &after.policy),
            signed_out: sent.method != Method::None,
            after,
            recovered,
        })
    }

    /// [`Connection::save`], then a history entry for it.
    pub async fn save_recorded(
        &self,
        history: &HistoryStore,
        base: &Policy,
        draft: &Policy,
        overwrite: bool,
        note: Option<String>,
        my_ip: Option<&str>,
    ) -> Result<SaveReport, ServiceError> {
        let saved = self.save(base, draft, overwrite, my_ip).await?;
        let (snapshot, history_error) = match history.record(
            self.portal().as_str(),
            &self.me.display_name,
            &saved.before,
            &saved.after.policy,
            note,
        ) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(SaveReport {
            saved,
            snapshot,
            history_error,
        })
    }
}

/// The request may still be running on the server after we stopped waiting for it.
fn may_still_run(cause: &ApiError) -> bool {
    matches!(
        cause,
        ApiError::Timeout { .. } | ApiError::Server { status: 504, .. }
    )
}
