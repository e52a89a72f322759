//! The panel's sandbox: a seeded company, a clock that only moves when told, endpoints whose
//! behaviour the developer picks, and a delivery driver that fans events out to matching webhooks
//! and runs every attempt through the delivery machine (R9–R13). Pure and serialisable.

use crate::account::{Account, App, User};
use crate::delivery::{Admission, DeliveryState, Next, Response};
use crate::event::EventAction;
use crate::permission::Caller;
use crate::policy::{Millis, Policy, HOUR, MINUTE};
use crate::rng::SplitMix64;
use crate::simulator::Endpoint;
use crate::webhook::{AppId, PayloadVersion, UserId, Webhook, WebhookId, WebhookType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// "Your app" in the sandbox.
pub const YOUR_APP: AppId = 1;
/// Another app installed in the same company.
pub const OTHER_APP: AppId = 2;

/// What happened to one attempt (or to an event that was never sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum LogResult {
    Status { code: u16 },
    Timeout,
    Refused,
    /// Not sent: banned (R12).
    Lost { banned_until: Millis },
    /// Not sent: deleted (R13).
    Dropped,
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub at: Millis,
    pub webhook_id: WebhookId,
    pub event_id: u64,
    /// `action.object`.
    pub event: String,
    pub attempt: u8,
    pub result: LogResult,
    pub duration_ms: Millis,
    pub success: bool,
    /// Raised the ban counter (R11).
    pub counted: bool,
    pub counter: u32,
    /// Set when this attempt started a ban (R12).
    pub ban_until: Option<Millis>,
    /// Part of a chain sent again on request ([`Sandbox::redeliver`]).
    #[serde(default)]
    pub redelivery: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PendingRetry {
    pub(crate) at: Millis,
    pub(crate) seq: u64,
    pub(crate) webhook_id: WebhookId,
    pub(crate) attempt: u8,
    pub(crate) event_id: u64,
    pub(crate) event: String,
    #[serde(default)]
    pub(crate) redelivery: bool,
}

/// The sandbox: an [`Account`] plus a clock, endpoint behaviours and a delivery log.
///
/// ```
/// use pipedrive_webhooks::sandbox::Sandbox;
/// use pipedrive_webhooks::EventAction;
/// let mut s = Sandbox::seeded(1_767_225_600_000);
/// assert!(s.account.entries().count() >= 30);
/// let sent = s.trigger(EventAction::Change, "deal");
/// assert!(sent > 0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sandbox {
    pub account: Account,
    pub clock: Millis,
    pub(crate) endpoints: BTreeMap<WebhookId, Endpoint>,
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) pending: Vec<PendingRetry>,
    pub(crate) seq: u64,
    pub(crate) next_event: u64,
    pub(crate) rng: u64,
}

impl Sandbox {
    /// How many log lines are kept.
    pub const LOG_KEPT: usize = 1_000;

    /// An empty sandbox at `now`.
    pub fn new(account: Account, now: Millis) -> Self {
        Sandbox { account, clock: now, endpoints: BTreeMap::new(), log: VecDeque::new(), pending: Vec::new(), seq: 0, next_event: 1, rng: 0x5EED }
    }

    /// A realistic company at `now`: an admin and two users, your app and another app installed for
    /// all three, about 30 webhooks of every type, some failing, one banned, one close to deletion.
    pub fn seeded(now: Millis) -> Self {
        let mut a = Account::new(4_211, Policy::default());
        for (id, name, admin) in [(1, "Ana Admin", true), (2, "Ben Sales", false), (3, "Chloé Support", false)] {
            a.add_user(User { id, name: name.into(), is_admin: admin }).expect("fresh ids");
        }
        a.add_app(App { id: YOUR_APP, name: "Your app".into(), scopes: vec!["webhooks:full".into(), "deals:read".into()], listed: true }).expect("fresh");
        a.add_app(App { id: OTHER_APP, name: "Other CRM Bridge".into(), scopes: vec!["admin".into()], listed: true }).expect("fresh");
        for user in 1..=3 {
            a.install(YOUR_APP, user).expect("installed");
            a.install(OTHER_APP, user).expect("installed");
        }
        let mut id = 100;
        let mut add = |a: &mut Account, owner: UserId, app: Option<AppId>, kind: WebhookType, event: &str, url: &str, version: PayloadVersion, age_h: i64, d: DeliveryState| {
            id += 1;
            let (action, object) = event.split_once('.').expect("action.object");
            let w = Webhook {
                id,
                company_id: 4_211,
                owner_id: owner,
                user_id: owner,
                app_id: app,
                webhook_type: kind,
                event_action: action.into(),
                event_object: object.into(),
                subscription_url: url.into(),
                name: format!("{event} → {}", url.split('/').nth(2).unwrap_or(url)),
                version,
                http_auth_user: Some("pipedrive".into()).filter(|_| id % 3 == 0),
                http_auth_password: Some(format!("s3cret-{id}")).filter(|_| id % 3 == 0),
                add_time: now - age_h * HOUR,
            };
            a.insert_existing(w, d).expect("seed ids are free");
        };
        let ok = |mins_ago: i64| DeliveryState { last_attempt_at: Some(now - mins_ago * MINUTE), last_status: Some(200), last_success_at: Some(now - mins_ago * MINUTE), ..Default::default() };
        let v2 = PayloadVersion::V2;
        let app = WebhookType::Application;
        let yours = Some(YOUR_APP);
        for (i, ev) in ["create.deal", "change.deal", "delete.deal", "create.person", "change.person", "delete.person", "create.organization", "change.organization", "create.activity", "change.activity", "create.lead", "change.note"].iter().enumerate() {
            add(&mut a, 1, yours, app.clone(), ev, "https://hooks.yourapp.example/pipedrive/ana", v2, 400 + i as i64, ok(3 + i as i64));
        }
        for (i, ev) in ["create.deal", "change.deal", "delete.deal", "change.person", "*.product", "change.stage"].iter().enumerate() {
            add(&mut a, 2, yours, app.clone(), ev, "https://hooks.yourapp.example/pipedrive/ben", v2, 300 + i as i64, ok(10 + i as i64));
        }
        // Ben's endpoint has been failing: one webhook banned right now, one 70 h into failing.
        let banned = DeliveryState { ban_counter: 10, banned_until: Some(now + 22 * MINUTE), failing_since: Some(now - 6 * HOUR), last_attempt_at: Some(now - 8 * MINUTE), last_status: Some(503), last_success_at: Some(now - 7 * HOUR), ..Default::default() };
        add(&mut a, 2, yours, app.clone(), "change.organization", "https://legacy.yourapp.example/hook", v2, 900, banned);
        let dying = DeliveryState { ban_counter: 4, failing_since: Some(now - 70 * HOUR), last_attempt_at: Some(now - 40 * MINUTE), last_status: Some(502), last_success_at: Some(now - 71 * HOUR), ..Default::default() };
        add(&mut a, 2, yours, app.clone(), "delete.organization", "https://legacy.yourapp.example/hook", v2, 900, dying);
        let flaky = DeliveryState { ban_counter: 6, failing_since: Some(now - 2 * HOUR), last_attempt_at: Some(now - 2 * MINUTE), last_status: Some(500), last_success_at: Some(now - 3 * HOUR), ..Default::default() };
        add(&mut a, 3, yours, app.clone(), "updated.deal", "https://hooks.yourapp.example/pipedrive/chloe", PayloadVersion::V1, 2_000, flaky);
        add(&mut a, 3, yours, app.clone(), "added.person", "https://hooks.yourapp.example/pipedrive/chloe", PayloadVersion::V1, 2_000, ok(30));
        for (owner, ev) in [(1, "create.deal"), (2, "change.deal"), (3, "*.*"), (1, "delete.person"), (2, "create.activity")] {
            add(&mut a, owner, Some(OTHER_APP), app.clone(), ev, "https://bridge.othercrm.example/in", v2, 1_000, ok(5));
        }
        for (owner, ev, url) in [(1, "create.deal", "https://zapier.example/hooks/catch/1"), (1, "change.person", "https://n8n.example/webhook/ana"), (1, "deleted.deal", "https://old-intranet.example/pd"), (2, "create.deal", "https://sheets-sync.example/ben"), (3, "*.*", "https://audit.example/pipedrive")] {
            let version = if ev.starts_with("deleted") { PayloadVersion::V1 } else { v2 };
            add(&mut a, owner, None, WebhookType::General, ev, url, version, 5_000, ok(60));
        }
        add(&mut a, 1, None, WebhookType::Automation, "create.deal", "https://automation.pipedrive-workflows.example/run", v2, 800, ok(15));
        add(&mut a, 2, None, WebhookType::Other("partner_sync".into()), "change.deal", "https://partner.example/sync", v2, 600, ok(20));
        let mut s = Sandbox::new(a, now);
        let dead = Endpoint { outages: vec![], failure_rate: 1.0, failure_status: 503, ..Endpoint::healthy() };
        s.endpoints.insert(119, dead.clone());
        s.endpoints.insert(120, dead);
        s.endpoints.insert(121, Endpoint::flaky(0.5));
        s
    }

    /// The caller the sandbox acts as: your app, for `user`.
    /// Why your app cannot call the API for `user`: it was uninstalled for them (R7) or removed
    /// from the Marketplace (R8). `None` when it is installed.
    pub fn not_installed(&self, user: UserId) -> Option<&'static str> {
        if !self.account.is_listed(YOUR_APP) {
            Some("Your app was removed from the Marketplace (R8): its tokens stopped working and all its webhooks were deleted.")
        } else if !self.account.is_installed(YOUR_APP, user) {
            Some("Your app is not installed for this user (uninstalled, R7): its token for them stopped working and its webhooks for them were deleted.")
        } else {
            None
        }
    }

    /// Lists your app again (after R8) and installs it for `user` (after R7).
    pub fn reinstall(&mut self, user: UserId) -> Result<(), crate::account::SetupError> {
        self.account.relist_app(YOUR_APP)?;
        self.account.install(YOUR_APP, user)
    }

    pub fn caller(&self, user: UserId) -> Caller {
        Caller::App { app_id: YOUR_APP, user_id: user }
    }

    /// The endpoint behaviour of webhook `id` (healthy unless set).
    pub fn endpoint(&self, id: WebhookId) -> Endpoint {
        self.endpoints.get(&id).cloned().unwrap_or_default()
    }

    pub fn set_endpoint(&mut self, id: WebhookId, endpoint: Endpoint) {
        self.endpoints.insert(id, endpoint);
    }

    /// The delivery log, newest first.
    pub fn log(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().rev()
    }

    /// Retries waiting for the clock, as (due time, webhook id, attempt).
    pub fn pending(&self) -> impl Iterator<Item = (Millis, WebhookId, u8)> + '_ {
        self.pending.iter().map(|p| (p.at, p.webhook_id, p.attempt))
    }

    /// An event happens now: every matching webhook gets its first attempt. Returns how many
    /// webhooks it reached.
    pub fn trigger(&mut self, action: EventAction, object: &str) -> usize {
        let ids = self.account.matching(action, object);
        let event_id = self.next_event;
        self.next_event += 1;
        for &id in &ids {
            // Each webhook's log names the event in its version's words (`updated.deal` for v1), as
            // the emulator's log does.
            let version = self.account.entry(id).map_or(PayloadVersion::V2, |e| e.webhook.version);
            let word = if action == EventAction::Merged && version == PayloadVersion::V1 { action } else { action.to_v2().in_version(version) };
            let event = format!("{}.{object}", word.as_str());
            self.attempt(id, 1, self.clock, event_id, &event, false);
        }
        ids.len()
    }

    /// Sends event `event_id` to webhook `webhook_id` again now, as a fresh attempt chain marked as
    /// a redelivery (Pipedrive cannot redeliver; the emulator and the sandbox can, as GitHub, Stripe
    /// and Svix do). Errors when the log has no such delivery or the webhook is gone.
    ///
    /// ```
    /// use pipedrive_webhooks::sandbox::Sandbox;
    /// use pipedrive_webhooks::EventAction;
    /// let mut s = Sandbox::seeded(1_700_000_000_000);
    /// s.trigger(EventAction::Create, "deal");
    /// let first = s.log().next().unwrap().clone();
    /// s.redeliver(first.webhook_id, first.event_id).unwrap();
    /// let again = s.log().next().unwrap();
    /// assert!(again.redelivery && again.event_id == first.event_id && again.attempt == 1);
    /// ```
    pub fn redeliver(&mut self, webhook_id: WebhookId, event_id: u64) -> Result<(), String> {
        let event = self
            .log
            .iter()
            .find(|l| l.webhook_id == webhook_id && l.event_id == event_id)
            .map(|l| l.event.clone())
            .ok_or_else(|| format!("no delivery of event {event_id} to webhook #{webhook_id} in the log"))?;
        if self.account.entry(webhook_id).is_none() {
            return Err(format!("webhook #{webhook_id} is gone: nothing to redeliver to"));
        }
        self.attempt(webhook_id, 1, self.clock, event_id, &event, true);
        Ok(())
    }

    /// Moves the clock forward by `by` ms: due retries run in order, bans end, failing webhooks
    /// are deleted (R10–R13).
    pub fn advance(&mut self, by: Millis) {
        let target = self.clock.saturating_add(by.max(0));
        loop {
            let next = self.pending.iter().enumerate().filter(|(_, p)| p.at <= target).min_by_key(|(_, p)| (p.at, p.seq)).map(|(i, _)| i);
            let Some(i) = next else { break };
            let p = self.pending.swap_remove(i);
            self.clock = self.clock.max(p.at);
            self.attempt(p.webhook_id, p.attempt, p.at, p.event_id, &p.event, p.redelivery);
        }
        self.clock = target;
        self.account.tick(target);
        let live: Vec<WebhookId> = self.account.entries().map(|e| e.webhook.id).collect();
        self.endpoints.retain(|id, _| live.contains(id));
    }

    fn attempt(&mut self, id: WebhookId, attempt: u8, at: Millis, event_id: u64, event: &str, redelivery: bool) {
        let base = LogEntry { at, webhook_id: id, event_id, event: event.to_string(), attempt, result: LogResult::Dropped, duration_ms: 0, success: false, counted: false, counter: 0, ban_until: None, redelivery };
        let entry = match self.account.admit(id, at) {
            None | Some((Admission::Dropped { .. }, _)) => base,
            Some((Admission::Lost { banned_until }, _)) => LogEntry { result: LogResult::Lost { banned_until }, ..base },
            Some((Admission::Send, _)) => {
                let mut rng = SplitMix64::new(self.rng);
                let response = self.endpoint(id).respond(at, self.account.policy.timeout_ms, &mut rng);
                self.rng = rng.next_u64();
                let Some(out) = self.account.attempt_ended(id, attempt, at, response) else { return };
                if let Next::Retry { attempt, at } = out.next {
                    self.seq += 1;
                    self.pending.push(PendingRetry { at, seq: self.seq, webhook_id: id, attempt, event_id, event: event.to_string(), redelivery });
                }
                let result = match (response, out.status) {
                    (_, Some(code)) => LogResult::Status { code },
                    (Response::Refused { .. }, None) => LogResult::Refused,
                    _ => LogResult::Timeout,
                };
                LogEntry { result, duration_ms: out.end - at, success: out.success, counted: out.counted, counter: out.counter, ban_until: out.ban_until, ..base }
            }
        };
        if self.log.len() == Self::LOG_KEPT {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::Standing;

    #[test]
    fn the_seed_has_every_kind_of_webhook() {
        let s = Sandbox::seeded(1_000_000_000_000);
        let n = s.account.entries().count();
        assert!((28..=40).contains(&n), "{n}");
        for t in ["application", "general", "automation", "partner_sync"] {
            assert!(s.account.entries().any(|e| e.webhook.webhook_type.as_str() == t), "{t}");
        }
        let standings: Vec<Standing> = s.account.entries().map(|e| e.delivery.standing(&s.account.policy, s.clock)).collect();
        assert!(standings.iter().any(|st| matches!(st, Standing::Banned { .. })));
        assert!(standings.iter().filter(|st| matches!(st, Standing::Failing { .. })).count() >= 2);
    }

    #[test]
    fn r12_ten_failing_events_ban_and_retries_during_the_ban_are_lost() {
        let mut s = Sandbox::seeded(1_000_000_000_000);
        let me = s.caller(1);
        let w = s.account.create(&me, &crate::NewWebhook::new("https://e.com/x", "change", "product", "p").with_version("2.0"), s.clock).unwrap();
        s.set_endpoint(w.id, Endpoint::failing(500));
        for _ in 0..10 {
            s.trigger(EventAction::Change, "product");
            s.advance(MINUTE);
        }
        let banned = s.account.entry(w.id).unwrap().delivery.standing(&s.account.policy, s.clock);
        assert!(matches!(banned, Standing::Banned { .. }), "{banned:?}");
        assert!(s.log().any(|l| l.webhook_id == w.id && l.ban_until.is_some()));
        s.advance(HOUR);
        assert!(s.log().any(|l| l.webhook_id == w.id && matches!(l.result, LogResult::Lost { .. })));
        assert_eq!(s.account.entry(w.id).unwrap().delivery.ban_counter, 0, "ban over, counter reset");
    }

    #[test]
    fn each_log_line_names_the_event_in_its_webhooks_version_and_one_version_objects_stay_there() {
        let mut s = Sandbox::seeded(1_000_000_000_000);
        let me = s.caller(1);
        let new = |action: &str, object: &str, v: &str| crate::NewWebhook::new("https://e.com/x", action, object, "n").with_version(v);
        let v1 = s.account.create(&me, &new("*", "*", "1.0"), s.clock).unwrap().id;
        let v2 = s.account.create(&me, &new("*", "*", "2.0"), s.clock).unwrap().id;
        s.trigger(EventAction::Change, "deal");
        let name = |s: &Sandbox, id| s.log().find(|l| l.webhook_id == id).map(|l| l.event.clone());
        assert_eq!((name(&s, v1).as_deref(), name(&s, v2).as_deref()), (Some("updated.deal"), Some("change.deal")));
        s.trigger(EventAction::Merged, "deal");
        assert_eq!((name(&s, v1).as_deref(), name(&s, v2).as_deref()), (Some("merged.deal"), Some("change.deal")));
        // A lead is a v2 object: a v1 wildcard webhook never gets it; an activity type the reverse.
        let before = s.log().count();
        s.trigger(EventAction::Create, "lead");
        assert!(s.log().take(s.log().count() - before).all(|l| l.webhook_id != v1));
        assert!(s.account.matching(EventAction::Create, "lead").contains(&v2));
        assert!(!s.account.matching(EventAction::Added, "activityType").contains(&v2));
        assert!(s.account.matching(EventAction::Added, "activityType").contains(&v1));
    }

    #[test]
    fn r13_the_dying_webhook_is_deleted_when_the_clock_passes_72h() {
        let mut s = Sandbox::seeded(1_000_000_000_000);
        assert!(s.account.entry(120).is_some());
        s.advance(2 * HOUR + 1);
        assert!(s.account.entry(120).is_none());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Sandbox>(&json).unwrap(), s);
    }
}
