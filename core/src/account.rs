//! An in-memory Pipedrive company: users, apps and their installs, webhooks and their delivery
//! state. It answers as Pipedrive's API does (R1–R8) and runs deliveries through the delivery
//! machine (R9–R13). The sandbox and the emulator both run on it.

use crate::delivery::{Admission, AttemptOutcome, DeliveryState, Response, TickOutcome};
use crate::error::ApiError;
use crate::event::{subscription_matches, EventAction};
use crate::permission::{may_delete, may_see, Caller, READ_SCOPES, WRITE_SCOPES};
use crate::policy::{Millis, Policy};
use crate::validation::{validate, Field, FieldError, NewWebhook, Problem, ValidationErrors};
use crate::webhook::{AppId, UserId, Webhook, WebhookId, WebhookType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A user of the company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub is_admin: bool,
}

/// A Marketplace app and the OAuth scopes its users granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: AppId,
    pub name: String,
    pub scopes: Vec<String>,
    /// False once removed from the Marketplace (R8).
    #[serde(default = "listed_by_default")]
    pub listed: bool,
}

fn listed_by_default() -> bool {
    true
}

/// A webhook and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub webhook: Webhook,
    pub delivery: DeliveryState,
}

/// Why a webhook went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// `DELETE /v1/webhooks/{id}` (R6).
    Deleted,
    /// Its app was uninstalled by its user (R7).
    AppUninstalled,
    /// Its app left the Marketplace (R8).
    AppRemoved,
    /// No successful delivery for 72 h (R13).
    NoSuccessFor72h,
}

/// A removed webhook, kept for the record (the most recent [`Account::REMOVED_KEPT`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub webhook: Webhook,
    pub reason: RemovalReason,
    pub at: Millis,
}

/// A mistake in setting an account up (not an API error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SetupError {
    #[error("no user {0} in this company")]
    UnknownUser(UserId),
    #[error("no app {0}")]
    UnknownApp(AppId),
    #[error("id {0} is taken")]
    DuplicateId(u64),
}

/// How many webhooks a caller has and may have (R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub used: u32,
    pub limit: u32,
}

/// A Pipedrive company, acting for a [`Caller`]. Serialisable as a whole.
///
/// ```
/// use pipedrive_webhooks::{Account, App, Caller, NewWebhook, Policy, User};
/// let mut acct = Account::new(1, Policy::default());
/// acct.add_user(User { id: 1, name: "Ana".into(), is_admin: true }).unwrap();
/// acct.add_app(App { id: 9, name: "Sync".into(), scopes: vec!["webhooks:full".into()], listed: true }).unwrap();
/// acct.install(9, 1).unwrap();
/// let me = Caller::App { app_id: 9, user_id: 1 };
/// let input = NewWebhook::new("https://example.com/h", "create", "deal", "Deals").with_version("2.0");
/// let w = acct.create(&me, &input, 1_000).unwrap();
/// assert_eq!(acct.list(&me).unwrap().len(), 1);
/// acct.delete(&me, w.id, 2_000).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub company_id: u64,
    pub policy: Policy,
    pub(crate) users: BTreeMap<UserId, User>,
    pub(crate) apps: BTreeMap<AppId, App>,
    pub(crate) installs: BTreeSet<(AppId, UserId)>,
    pub(crate) webhooks: BTreeMap<WebhookId, Entry>,
    pub(crate) next_id: WebhookId,
    pub(crate) removed: VecDeque<Removal>,
}

impl Account {
    /// How many removals [`Account::removed`] keeps.
    pub const REMOVED_KEPT: usize = 500;

    /// An empty company.
    pub fn new(company_id: u64, policy: Policy) -> Self {
        Account {
            company_id,
            policy,
            users: BTreeMap::new(),
            apps: BTreeMap::new(),
            installs: BTreeSet::new(),
            webhooks: BTreeMap::new(),
            next_id: 1,
            removed: VecDeque::new(),
        }
    }

    pub fn add_user(&mut self, user: User) -> Result<(), SetupError> {
        if self.users.contains_key(&user.id) {
            return Err(SetupError::DuplicateId(user.id));
        }
        self.users.insert(user.id, user);
        Ok(())
    }

    pub fn add_app(&mut self, app: App) -> Result<(), SetupError> {
        if self.apps.contains_key(&app.id) {
            return Err(SetupError::DuplicateId(app.id));
        }
        self.apps.insert(app.id, app);
        Ok(())
    }

    /// `user` installs `app`.
    pub fn install(&mut self, app: AppId, user: UserId) -> Result<(), SetupError> {
        if !self.users.contains_key(&user) {
            return Err(SetupError::UnknownUser(user));
        }
        match self.apps.get(&app) {
            Some(a) if a.listed => {
                self.installs.insert((app, user));
                Ok(())
            }
            _ => Err(SetupError::UnknownApp(app)),
        }
    }

    /// Whether `app` is listed in the Marketplace (false after R8).
    pub fn is_listed(&self, app: AppId) -> bool {
        self.apps.get(&app).is_some_and(|a| a.listed)
    }

    /// Lists `app` in the Marketplace again (after R8), as a developer republishing it would.
    pub fn relist_app(&mut self, app: AppId) -> Result<(), SetupError> {
        self.apps.get_mut(&app).map(|a| a.listed = true).ok_or(SetupError::UnknownApp(app))
    }

    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    pub fn apps(&self) -> impl Iterator<Item = &App> {
        self.apps.values()
    }

    pub fn is_installed(&self, app: AppId, user: UserId) -> bool {
        self.installs.contains(&(app, user))
    }

    /// Every webhook, whoever may see it, in id order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.webhooks.values()
    }

    pub fn entry(&self, id: WebhookId) -> Option<&Entry> {
        self.webhooks.get(&id)
    }

    /// The most recent removals, oldest first.
    pub fn removed(&self) -> impl Iterator<Item = &Removal> {
        self.removed.iter()
    }

    /// Whether the caller's user is an admin.
    pub fn is_admin(&self, caller: &Caller) -> bool {
        self.users.get(&caller.user_id()).is_some_and(|u| u.is_admin)
    }

    /// 401 unless the caller's user exists and, for an app, the app is listed and installed for
    /// that user (an uninstalled app's tokens stop working).
    pub fn authenticate(&self, caller: &Caller) -> Result<(), ApiError> {
        let user_ok = self.users.contains_key(&caller.user_id());
        let app_ok = match caller {
            Caller::User { .. } => true,
            Caller::App { app_id, user_id } => {
                self.apps.get(app_id).is_some_and(|a| a.listed) && self.is_installed(*app_id, *user_id)
            }
        };
        if user_ok && app_ok {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }

    /// R1: an app needs one of `allowed` among its scopes; a user's API token has them all.
    fn require_scope(&self, caller: &Caller, allowed: &[&str], needed: &str) -> Result<(), ApiError> {
        let Caller::App { app_id, .. } = caller else { return Ok(()) };
        let granted = self.apps.get(app_id).map(|a| a.scopes.as_slice()).unwrap_or_default();
        if granted.iter().any(|s| allowed.contains(&s.as_str())) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                reason: format!("the app lacks the {needed} scope (or admin); ask the user to reinstall with it (R1)"),
                missing_scope: Some(needed.to_string()),
            })
        }
    }

    /// `GET /v1/webhooks` (R5): what the caller sees, in id order.
    pub fn list(&self, caller: &Caller) -> Result<Vec<&Entry>, ApiError> {
        self.authenticate(caller)?;
        self.require_scope(caller, READ_SCOPES, "webhooks:read")?;
        let admin = self.is_admin(caller);
        Ok(self.webhooks.values().filter(|e| may_see(caller, admin, &e.webhook)).collect())
    }

    /// The caller's usage of the limit that a create would count against (R2).
    pub fn quota(&self, caller: &Caller) -> Quota {
        let (used, limit) = match *caller {
            Caller::App { app_id, user_id } => (
                self.webhooks
                    .values()
                    .filter(|e| e.webhook.webhook_type == WebhookType::Application && e.webhook.app_id == Some(app_id) && e.webhook.owner_id == user_id)
                    .count(),
                self.policy.max_app_webhooks_per_user,
            ),
            Caller::User { user_id } => (
                self.webhooks
                    .values()
                    .filter(|e| e.webhook.webhook_type == WebhookType::General && e.webhook.owner_id == user_id)
                    .count(),
                self.policy.max_general_webhooks_per_user,
            ),
        };
        Quota { used: used as u32, limit }
    }

    /// `POST /v1/webhooks` (R1, R2, R14, R15). Checks in Pipedrive's order: 401, 403, 400, 422.
    pub fn create(&mut self, caller: &Caller, input: &NewWebhook, now: Millis) -> Result<Webhook, ApiError> {
        self.authenticate(caller)?;
        self.require_scope(caller, WRITE_SCOPES, "webhooks:full")?;
        let valid = validate(input, &self.policy)?;
        if let Some(uid) = valid.user_id {
            if !self.users.contains_key(&uid) {
                return Err(ValidationErrors(vec![FieldError {
                    field: Field::UserId,
                    problem: Problem::UnknownUser,
                    message: format!("no user {uid} in this company"),
                }])
                .into());
            }
        }
        let quota = self.quota(caller);
        if quota.used >= quota.limit {
            let whose = match caller {
                Caller::App { .. } => "this app for this user",
                Caller::User { .. } => "this user's general webhooks",
            };
            return Err(ApiError::LimitReached {
                limit: quota.limit,
                message: format!("{} of {} webhooks used for {whose}; delete one first (R2)", quota.used, quota.limit),
            });
        }
        let (webhook_type, app_id) = match *caller {
            Caller::App { app_id, .. } => (WebhookType::Application, Some(app_id)),
            Caller::User { .. } => (WebhookType::General, None),
        };
        let id = self.next_id;
        self.next_id += 1;
        let webhook = Webhook {
            id,
            company_id: self.company_id,
            owner_id: caller.user_id(),
            user_id: valid.user_id.unwrap_or(caller.user_id()),
            app_id,
            webhook_type,
            event_action: valid.event_action.as_str().to_string(),
            event_object: valid.event_object,
            subscription_url: valid.subscription_url,
            name: valid.name,
            version: valid.version,
            http_auth_user: valid.http_auth_user,
            http_auth_password: valid.http_auth_password,
            add_time: now,
        };
        self.webhooks.insert(id, Entry { webhook: webhook.clone(), delivery: DeliveryState::default() });
        Ok(webhook)
    }

    /// Adds a webhook as it is (for seeding a sandbox or an emulator with existing webhooks,
    /// including automation ones no API call creates). Its id must be free; later ids follow it.
    pub fn insert_existing(&mut self, webhook: Webhook, delivery: DeliveryState) -> Result<(), SetupError> {
        if self.webhooks.contains_key(&webhook.id) {
            return Err(SetupError::DuplicateId(webhook.id));
        }
        if !self.users.contains_key(&webhook.owner_id) {
            return Err(SetupError::UnknownUser(webhook.owner_id));
        }
        if let Some(app) = webhook.app_id {
            if !self.apps.contains_key(&app) {
                return Err(SetupError::UnknownApp(app));
            }
        }
        self.next_id = self.next_id.max(webhook.id + 1);
        self.webhooks.insert(webhook.id, Entry { webhook, delivery });
        Ok(())
    }

    /// `DELETE /v1/webhooks/{id}` (R6): 404 for an unknown id, 403 for someone else's webhook.
    pub fn delete(&mut self, caller: &Caller, id: WebhookId, now: Millis) -> Result<Webhook, ApiError> {
        self.authenticate(caller)?;
        self.require_scope(caller, WRITE_SCOPES, "webhooks:full")?;
        let entry = self.webhooks.get(&id).ok_or(ApiError::NotFound { id: Some(id) })?;
        may_delete(caller, self.is_admin(caller), &entry.webhook)
            .map_err(|r| ApiError::Forbidden { reason: r.explain().to_string(), missing_scope: None })?;
        Ok(self.remove(id, RemovalReason::Deleted, now).expect("present"))
    }

    /// R7: `user` uninstalls `app`; the app's webhooks for that user go. Returns their ids.
    pub fn uninstall(&mut self, app: AppId, user: UserId, now: Millis) -> Vec<WebhookId> {
        self.installs.remove(&(app, user));
        let ids: Vec<WebhookId> = self
            .webhooks
            .values()
            .filter(|e| e.webhook.app_id == Some(app) && e.webhook.owner_id == user)
            .map(|e| e.webhook.id)
            .collect();
        for &id in &ids {
            self.remove(id, RemovalReason::AppUninstalled, now);
        }
        ids
    }

    /// R8: `app` leaves the Marketplace; all its installs and webhooks go. Returns the webhooks' ids.
    pub fn remove_app(&mut self, app: AppId, now: Millis) -> Vec<WebhookId> {
        if let Some(a) = self.apps.get_mut(&app) {
            a.listed = false;
        }
        self.installs.retain(|(a, _)| *a != app);
        let ids: Vec<WebhookId> = self.webhooks.values().filter(|e| e.webhook.app_id == Some(app)).map(|e| e.webhook.id).collect();
        for &id in &ids {
            self.remove(id, RemovalReason::AppRemoved, now);
        }
        ids
    }

    fn remove(&mut self, id: WebhookId, reason: RemovalReason, at: Millis) -> Option<Webhook> {
        let entry = self.webhooks.remove(&id)?;
        if self.removed.len() == Self::REMOVED_KEPT {
            self.removed.pop_front();
        }
        self.removed.push_back(Removal { webhook: entry.webhook.clone(), reason, at });
        Some(entry.webhook)
    }

    /// The webhooks an event reaches (`action` in either version's words), in id order.
    pub fn matching(&self, action: EventAction, object: &str) -> Vec<WebhookId> {
        self.webhooks
            .values()
            .filter(|e| {
                let w = &e.webhook;
                // An object of the other version only (a lead for a v1 webhook, an activity type
                // for a v2 one) never reaches a wildcard webhook: its version has no such events.
                EventAction::parse(&w.event_action, w.version).is_some_and(|a| subscription_matches(a, &w.event_object, action, object))
                    && crate::event::version_with_object(object, w.version).is_none()
            })
            .map(|e| e.webhook.id)
            .collect()
    }

    /// Time passes: bans end (R12) and failing webhooks are deleted (R13) at their instants.
    /// Returns what happened, per webhook.
    pub fn tick(&mut self, now: Millis) -> Vec<(WebhookId, TickOutcome)> {
        let policy = self.policy;
        let mut out = Vec::new();
        for (id, e) in self.webhooks.iter_mut() {
            let t = e.delivery.tick(&policy, now);
            if t != TickOutcome::default() {
                out.push((*id, t));
            }
        }
        for (id, t) in &out {
            if let Some(at) = t.deleted_at {
                self.remove(*id, RemovalReason::NoSuccessFor72h, at);
            }
        }
        out
    }

    /// The next instant at which time alone changes something (a ban ends, R12; a deletion falls
    /// due, R13), so a driver running on a clock can wake then instead of at the next event.
    ///
    /// ```
    /// use pipedrive_webhooks::{Account, Caller, NewWebhook, Policy, Response, User, HOUR};
    /// let mut acct = Account::new(1, Policy::default());
    /// acct.add_user(User { id: 1, name: "Ana".into(), is_admin: true }).unwrap();
    /// let w = acct.create(&Caller::User { user_id: 1 }, &NewWebhook::new("https://example.com/h", "*", "*", "All").with_version("2.0"), 0).unwrap();
    /// assert_eq!(acct.next_timed_change(), None);
    /// acct.attempt_ended(w.id, 1, 0, Response::Refused { after_ms: 1 });
    /// assert_eq!(acct.next_timed_change(), Some(1 + 72 * HOUR));
    /// ```
    pub fn next_timed_change(&self) -> Option<Millis> {
        let p = &self.policy;
        self.webhooks
            .values()
            .filter(|e| e.delivery.deleted_at.is_none())
            .flat_map(|e| [e.delivery.banned_until, e.delivery.deletion_due(p)])
            .flatten()
            .min()
    }

    /// May an attempt to webhook `id` start at `now`? `None` when the webhook is gone.
    pub fn admit(&mut self, id: WebhookId, now: Millis) -> Option<(Admission, TickOutcome)> {
        let policy = self.policy;
        let result = self.webhooks.get_mut(&id)?.delivery.admit(&policy, now);
        if let Some(at) = result.1.deleted_at {
            self.remove(id, RemovalReason::NoSuccessFor72h, at);
        }
        Some(result)
    }

    /// Records an attempt's result. An attempt that was in flight when its webhook was deleted
    /// (R13) or removed (R6–R8) still gets its outcome, with `after_deletion` set: it counts for its
    /// event and changes nothing (domain reference, "In flight at a ban or a deletion"). `None`
    /// only for an id this account never had (or whose removal is no longer on record).
    ///
    /// ```
    /// use pipedrive_webhooks::{Account, App, Caller, NewWebhook, Policy, Response, User};
    /// let mut acct = Account::new(1, Policy::default());
    /// acct.add_user(User { id: 1, name: "Ana".into(), is_admin: true }).unwrap();
    /// let me = Caller::User { user_id: 1 };
    /// let w = acct.create(&me, &NewWebhook::new("https://example.com/h", "*", "deal", "All").with_version("2.0"), 0).unwrap();
    /// acct.delete(&me, w.id, 50).unwrap();
    /// // The attempt started at 0 and answered after the delete: reported, marked as such.
    /// let out = acct.attempt_ended(w.id, 1, 0, Response::Status { code: 200, after_ms: 100 }).unwrap();
    /// assert!(out.success && out.after_deletion);
    /// ```
    pub fn attempt_ended(&mut self, id: WebhookId, attempt: u8, start: Millis, response: Response) -> Option<AttemptOutcome> {
        let policy = self.policy;
        let Some(entry) = self.webhooks.get_mut(&id) else {
            let removed_at = self.removed.iter().rev().find(|r| r.webhook.id == id)?.at;
            let mut gone = DeliveryState { deleted_at: Some(removed_at), ..DeliveryState::default() };
            let mut out = gone.attempt_ended(&policy, attempt, start, response);
            out.after_deletion = true;
            return Some(out);
        };
        let out = entry.delivery.attempt_ended(&policy, attempt, start, response);
        if let Some(at) = out.tick.deleted_at {
            self.remove(id, RemovalReason::NoSuccessFor72h, at);
        }
        Some(out)
    }
}
