//! The panel's state, shared through context: the sandbox, saved connections and the active one,
//! what a live API last answered, and the actions (create, delete) on whichever is active.

use crate::live::{self, Call, LiveError, Outcome};
use crate::rows::{live_rows, sandbox_rows, SharedRow};
use gloo_storage::{LocalStorage, SessionStorage, Storage};
use leptos::prelude::*;
use pipedrive_webhooks::sandbox::Sandbox;
use pipedrive_webhooks::rate_limit::{AfterRateLimit, RateLimitRetry, RateLimitScope, RetryBudget};
use pipedrive_webhooks::time::{seconds_text, wait_text};
use pipedrive_webhooks::emulator_api::{control_url, EmulatorClock};
use pipedrive_webhooks::wire::{webhook_json, ApiConfig, Auth, RateLimit, RemoteWebhook};
use pipedrive_webhooks::json_read::{Fields, ReadError, ReadJson};
use pipedrive_webhooks::{ApiError, Caller, Millis, NewWebhook, Policy, Quota, UserId, WebhookId, WebhookType};
use serde::Serialize;

const SANDBOX_KEY: &str = "pw.sandbox";
const CONNECTIONS_KEY: &str = "pw.connections";
const ACTIVE_KEY: &str = "pw.active";

/// A saved live connection. Its token is stored apart (see [`token_key`]), never in this record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedConnection {
    pub id: u32,
    pub label: String,
    pub base_url: String,
    /// An OAuth access token (the app acting for a user) rather than a user's API token.
    pub oauth: bool,
    /// Keep the token in localStorage rather than for this browser session only.
    pub remember: bool,
}

fn token_key(id: u32) -> String {
    format!("pw.token.{id}")
}

/// Removes connection `id`'s token from both storages (it may sit in either).
fn delete_token(id: u32) {
    SessionStorage::delete(token_key(id));
    LocalStorage::delete(token_key(id));
}

/// Which connection the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Active {
    Sandbox,
    Live(u32),
}

/// What this browser saved under `key`, when it is there and reads as a `T`.
///
/// Read with the core's [`ReadJson`] rather than serde's derives: one JSON parser for every
/// saved type keeps the wasm smaller (a derived reader per type cost ~10 KB brotli).
fn stored<T: ReadJson>(key: &str) -> Option<T> {
    LocalStorage::get::<serde_json::Value>(key).ok().and_then(|v| T::read(&v).ok())
}

impl ReadJson for SavedConnection {
    fn read(v: &serde_json::Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(SavedConnection { id: f.req("id")?, label: f.req("label")?, base_url: f.req("base_url")?, oauth: f.req("oauth")?, remember: f.req("remember")? })
    }
}

/// serde's form of the enum: `"Sandbox"` or `{ "Live": id }`.
impl ReadJson for Active {
    fn read(v: &serde_json::Value) -> Result<Self, ReadError> {
        match v {
            serde_json::Value::String(s) if s == "Sandbox" => Ok(Active::Sandbox),
            _ => Ok(Active::Live(Fields::of(v)?.req("Live")?)),
        }
    }
}

/// What the live API last gave.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveState {
    Idle,
    Loading,
    Loaded(Vec<RemoteWebhook>),
    Failed(LiveError),
}

/// Everything the pages share. Cheap to copy (signals).
#[derive(Clone, Copy)]
pub struct Panel {
    pub sandbox: RwSignal<Sandbox>,
    /// The app user the sandbox acts for.
    pub acting_user: RwSignal<UserId>,
    pub connections: RwSignal<Vec<SavedConnection>>,
    pub active: RwSignal<Active>,
    pub live: RwSignal<LiveState>,
    pub rate: RwSignal<Option<RateLimit>>,
    /// A transient message, such as a rate-limit wait.
    pub notice: RwSignal<Option<String>>,
    /// The API asked for no calls before then (a 429 not waited out): every action that calls
    /// the API is disabled, account-wide, until this time (epoch ms), and which limit it was.
    pub api_blocked: RwSignal<Option<(Millis, RateLimitScope)>>,
    /// The short confirmation of the last action ("Created webhook #41").
    pub toast: RwSignal<Option<String>>,
    /// A webhook to highlight and scroll to on the list (the one just created).
    pub highlight: RwSignal<Option<WebhookId>>,
    /// The emulator's clock when the live connection is an emulator, and when (this browser's
    /// time) it was read: relative times use the server's clock, not the browser's.
    pub server_clock: RwSignal<Option<(EmulatorClock, Millis)>>,
    /// When the live list was last loaded (this browser's time).
    pub loaded_at: RwSignal<Option<Millis>>,
    /// What each saved connection last answered.
    pub conn_status: RwSignal<std::collections::BTreeMap<u32, ConnStatus>>,
    /// The connection whose `/_emulator/clock` was last asked for: a server that is not an emulator
    /// is asked once per connection, not on every refresh.
    clock_probed: RwSignal<Option<u32>>,
    /// Whether the local companion serves this page (its relay reaches Pipedrive without CORS);
    /// `None` until asked, once, before the first call to Pipedrive.
    pub companion: RwSignal<Option<bool>>,
}

/// What a saved connection last answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    Ok,
    Unauthorized,
    Unreachable,
    /// A 429: the burst limit or the daily budget, nothing against the token.
    RateLimited,
    /// Another error (HTTP status).
    Error(u16),
}

impl ConnStatus {
    /// From a call's error, or its absence.
    pub fn of(error: Option<&LiveError>) -> ConnStatus {
        match error {
            None => ConnStatus::Ok,
            Some(LiveError::Api(ApiError::Unauthorized) | LiveError::MissingToken | LiveError::NotInstalled(_)) => ConnStatus::Unauthorized,
            Some(LiveError::Network(_) | LiveError::NoAnswerFromPipedrive(_)) => ConnStatus::Unreachable,
            Some(LiveError::Api(ApiError::RateLimited { .. })) => ConnStatus::RateLimited,
            Some(LiveError::Api(e)) => ConnStatus::Error(e.status()),
        }
    }

    pub fn text(self) -> String {
        match self {
            ConnStatus::Ok => "ok".into(),
            ConnStatus::Unauthorized => "401: token refused".into(),
            ConnStatus::Unreachable => "unreachable".into(),
            ConnStatus::RateLimited => "rate limited (the token was not refused)".into(),
            ConnStatus::Error(s) => format!("error (HTTP {s})"),
        }
    }
}

impl Panel {
    /// Restores what this browser saved; a fresh sandbox when there is none (or it is unreadable).
    pub fn load() -> Panel {
        let now = js_sys::Date::now() as Millis;
        let sandbox = stored::<Sandbox>(SANDBOX_KEY).unwrap_or_else(|| Sandbox::seeded(now));
        let connections: Vec<SavedConnection> = stored(CONNECTIONS_KEY).unwrap_or_default();
        let active = match stored::<Active>(ACTIVE_KEY) {
            Some(Active::Live(id)) if connections.iter().any(|c| c.id == id) => Active::Live(id),
            _ => Active::Sandbox,
        };
        let panel = Panel {
            sandbox: RwSignal::new(sandbox),
            acting_user: RwSignal::new(1),
            connections: RwSignal::new(connections),
            active: RwSignal::new(active),
            live: RwSignal::new(LiveState::Idle),
            rate: RwSignal::new(None),
            notice: RwSignal::new(None),
            api_blocked: RwSignal::new(None),
            toast: RwSignal::new(None),
            highlight: RwSignal::new(None),
            server_clock: RwSignal::new(None),
            loaded_at: RwSignal::new(None),
            conn_status: RwSignal::new(Default::default()),
            clock_probed: RwSignal::new(None),
            companion: RwSignal::new(None),
        };
        Effect::new(move |_| panel.sandbox.with(|s| LocalStorage::set(SANDBOX_KEY, s).ok()));
        Effect::new(move |_| panel.connections.with(|c| LocalStorage::set(CONNECTIONS_KEY, c).ok()));
        Effect::new(move |_| LocalStorage::set(ACTIVE_KEY, panel.active.get()).ok());
        if active != Active::Sandbox {
            panel.refresh();
        }
        panel
    }

    pub fn is_sandbox(&self) -> bool {
        self.active.get() == Active::Sandbox
    }

    /// The connection shown, when live.
    pub fn live_connection(&self) -> Option<SavedConnection> {
        match self.active.get() {
            Active::Sandbox => None,
            Active::Live(id) => self.connections.with(|cs| cs.iter().find(|c| c.id == id).cloned()),
        }
    }

    /// The time rules are judged at: the sandbox's own clock, an emulator's (scaled) clock, or the
    /// real one for Pipedrive.
    pub fn now(&self) -> Millis {
        if self.is_sandbox() {
            return self.sandbox.with(|s| s.clock);
        }
        let real = js_sys::Date::now() as Millis;
        match self.server_clock.get() {
            Some((clock, read_at)) => clock.now_after(real - read_at),
            None => real,
        }
    }

    /// Shows a short confirmation for a few seconds.
    pub fn notify(&self, text: String) {
        self.toast.set(Some(text.clone()));
        let toast = self.toast;
        gloo_timers::callback::Timeout::new(4_000, move || {
            if toast.get_untracked().as_deref() == Some(text.as_str()) {
                toast.set(None);
            }
        })
        .forget();
    }

    /// The sandbox's caller: your app, acting for the chosen user.
    pub fn sandbox_caller(&self) -> Caller {
        self.sandbox.with(|s| s.caller(self.acting_user.get()))
    }

    pub fn policy(&self) -> Policy {
        self.sandbox.with(|s| s.account.policy)
    }

    /// The rows to show (reactive).
    pub fn rows(&self) -> Vec<SharedRow> {
        if self.is_sandbox() {
            let caller = self.sandbox_caller();
            self.sandbox.with(|s| sandbox_rows(s, &caller))
        } else {
            let as_app = self.live_connection().is_some_and(|c| c.oauth);
            // `with`, not `get`: no copy of a thousand decoded webhooks.
            self.live.with(|live| match live {
                LiveState::Loaded(list) => live_rows(list, as_app),
                _ => Vec::new(),
            })
        }
    }

    /// The caller's usage of the limit (R2): exact in the sandbox; for a live app, its listed app
    /// webhooks against the policy's limit.
    pub fn quota(&self) -> Option<Quota> {
        if self.is_sandbox() {
            let caller = self.sandbox_caller();
            Some(self.sandbox.with(|s| s.account.quota(&caller)))
        } else {
            let conn = self.live_connection()?;
            let policy = Policy::default();
            let (kind, limit) = if conn.oauth {
                (WebhookType::Application, policy.max_app_webhooks_per_user)
            } else {
                (WebhookType::General, policy.max_general_webhooks_per_user)
            };
            // Counted as the list shows them (rows need an id); unknown until a list is loaded, so a
            // loading or failed list never reads as "0 used".
            let used = self.live.with(|live| match live {
                LiveState::Loaded(list) => Some(list.iter().filter(|w| w.id.is_some() && w.webhook_type.as_ref() == Some(&kind)).count()),
                _ => None,
            })? as u32;
            Some(Quota { used, limit })
        }
    }

    fn api(&self) -> Result<ApiConfig, LiveError> {
        // Runs in a spawned task, where nothing tracks reads.
        let conn = untrack(|| self.live_connection()).ok_or(LiveError::MissingToken)?;
        let key = token_key(conn.id);
        let token: String = SessionStorage::get(&key).or_else(|_| LocalStorage::get(&key)).map_err(|_| LiveError::MissingToken)?;
        let auth = if conn.oauth { Auth::Bearer(token) } else { Auth::ApiToken(token) };
        Ok(ApiConfig { base_url: conn.base_url, auth })
    }

    /// Whether the active live connection may call the API now (no 429's wait pending).
    pub fn api_blocked_now(&self) -> Option<(Millis, RateLimitScope)> {
        self.api_blocked.get().filter(|(until, _)| *until > js_sys::Date::now() as Millis && !self.is_sandbox())
    }

    /// The account-wide notice for a pending 429 wait: which limit, when it resets (the clock time
    /// Pipedrive's `Retry-After` gave).
    pub fn blocked_text(until: Millis, scope: RateLimitScope, now: Millis) -> String {
        let (at, wait) = (crate::format::clock(until), wait_text(until - now));
        match scope {
            RateLimitScope::Daily => format!("The company's daily token budget is used up; it resets at {at} UTC (in {wait}). Actions that call the API are disabled until then."),
            RateLimitScope::Burst => format!("Rate limited by the API; calls resume at {at} UTC (in {wait})."),
        }
    }

    /// Holds every API call until `until` (a 429 not waited out), and lifts the hold then.
    fn block_until(&self, until: Millis, scope: RateLimitScope) {
        self.api_blocked.set(Some((until, scope)));
        let panel = *self;
        let delay = (until - js_sys::Date::now() as Millis).clamp(0, i32::MAX as Millis) as u32;
        gloo_timers::callback::Timeout::new(delay, move || {
            if panel.api_blocked.get_untracked().is_some_and(|(u, _)| u <= js_sys::Date::now() as Millis) {
                panel.api_blocked.set(None);
            }
        })
        .forget();
    }

    /// One live call. 429s are handled as the core decides (`rate_limit::after_rate_limit`): a
    /// burst 429 is waited out exactly as long as the API asked and retried, within a budget; a
    /// daily-budget 429 is never retried. No request goes out before a `Retry-After` has passed:
    /// until then every call fails at once, without a request.
    async fn call(&self, call: Call) -> Result<Outcome, LiveError> {
        let api = self.api()?;
        self.call_on(&api, call).await
    }

    /// [`call`](Self::call) on a given connection (one not saved yet, when connecting).
    async fn call_on(&self, api: &ApiConfig, call: Call) -> Result<Outcome, LiveError> {
        let now = js_sys::Date::now() as Millis;
        if let Some((until, scope)) = self.api_blocked.get_untracked().filter(|(u, _)| *u > now) {
            return Err(LiveError::Api(ApiError::RateLimited { retry_after_ms: Some(until - now), scope }));
        }
        let req = call.request(api);
        let relay = self.companion_serves(&req.url).await;
        // The core's one wait-and-retry machine (the package's syncWebhooks drives the same).
        let mut retry = RateLimitRetry::new(RetryBudget::default());
        loop {
            let answer = live::send(&req, relay).await?;
            let rate = answer.rate_limit();
            if rate.is_known() {
                self.rate.set(Some(rate));
            }
            let now = js_sys::Date::now() as Millis;
            match call.decode(&answer, now) {
                Err(ApiError::RateLimited { retry_after_ms, scope }) => match retry.after_429(scope, retry_after_ms, now) {
                    AfterRateLimit::Retry { wait_ms } => {
                        self.notice.set(Some(format!(
                            "Rate limited by the API (burst limit): retrying in {} s (retry {} of {})",
                            seconds_text(wait_ms),
                            retry.retries(),
                            retry.budget().max_retries
                        )));
                        gloo_timers::future::TimeoutFuture::new(wait_ms.clamp(0, i32::MAX as Millis) as u32).await;
                        self.notice.set(None);
                    }
                    AfterRateLimit::Stop { scope, not_before, .. } => {
                        match not_before {
                            Some(until) => self.block_until(until, scope),
                            // A page calling Pipedrive directly cannot read Retry-After: say what is known.
                            None if scope == RateLimitScope::Daily => self.notice.set(Some(format!(
                                "The company's daily token budget is used up; it resets at midnight Pipedrive server time. {}",
                                if relay { "" } else { "This page cannot read the exact time (Pipedrive shows Retry-After only outside a browser): `npx pipedrive-webhooks serve` can." }
                            ))),
                            None => {}
                        }
                        return Err(LiveError::Api(ApiError::RateLimited { retry_after_ms, scope }));
                    }
                },
                other => return other.map_err(LiveError::Api),
            }
        }
    }

    /// Whether calls to `url` go through the companion's relay: only Pipedrive's URLs, and only
    /// when this page is served by the companion (asked once, on the first call to Pipedrive).
    async fn companion_serves(&self, url: &str) -> bool {
        if pipedrive_webhooks::relay::relay_path(url).is_none() {
            return false;
        }
        if let Some(known) = self.companion.get_untracked() {
            return known;
        }
        let present = live::companion_present().await;
        self.companion.set(Some(present));
        present
    }

    /// Whether the active connection is Pipedrive itself (every call spends the company's daily
    /// token budget), as opposed to the sandbox or a local server (an emulator, a test server).
    pub fn is_pipedrive(&self) -> bool {
        self.live_connection().is_some_and(|c| pipedrive_webhooks::relay::relay_path(&format!("{}/webhooks", c.base_url)).is_some())
    }

    /// Reloads the live list (no-op in the sandbox, which is always current). Only ever on a
    /// person's action or after one (a create, a delete, a sync), or by the emulator's timer:
    /// never on a timer against Pipedrive, where each list costs the customer 10 tokens.
    pub fn refresh(&self) {
        if untrack(|| self.is_sandbox()) {
            return;
        }
        let panel = *self;
        // While the API asks to wait, a refresh sends nothing and keeps what is shown.
        if untrack(|| panel.api_blocked_now()).is_some() {
            return;
        }
        let shown = panel.live.get_untracked();
        panel.live.set(LiveState::Loading);
        leptos::task::spawn_local(async move {
            let _ = panel.load_list(shown).await;
        });
    }

    /// Lists the webhooks now and returns the list, updating what every page shows (`live`,
    /// `loaded_at`): for what must not be decided on an old list (Sync plans and applies on one).
    /// In the sandbox, its caller's list as the API would answer it, without a request (it is
    /// always current). While the API asks to wait, it fails at once and sends nothing.
    pub async fn list_now(&self) -> Result<Vec<RemoteWebhook>, LiveError> {
        if untrack(|| self.is_sandbox()) {
            return untrack(|| self.sandbox_list());
        }
        if let Some((until, scope)) = untrack(|| self.api_blocked_now()) {
            let wait = until - js_sys::Date::now() as Millis;
            return Err(LiveError::Api(ApiError::RateLimited { retry_after_ms: Some(wait), scope }));
        }
        let shown = self.live.get_untracked();
        self.live.set(LiveState::Loading);
        self.load_list(shown).await
    }

    /// What the sandbox's caller (your app, for the chosen user) lists, decoded as a live list is
    /// (reactive: read it in a memo to follow the sandbox).
    pub fn sandbox_list(&self) -> Result<Vec<RemoteWebhook>, LiveError> {
        let caller = self.sandbox_caller();
        let user = self.acting_user.get();
        self.sandbox.with(|s| {
            if let Some(why) = s.not_installed(user) {
                return Err(LiveError::NotInstalled(why));
            }
            let entries = s.account.list(&caller).map_err(LiveError::Api)?;
            Ok(entries.into_iter().filter_map(|e| RemoteWebhook::from_value(webhook_json(&e.webhook, &e.delivery))).collect())
        })
    }

    /// One live list into `live` (and `loaded_at`, the connection's status), returned too;
    /// `shown` is what `live` held before it was set loading (a 429 keeps it).
    async fn load_list(&self, shown: LiveState) -> Result<Vec<RemoteWebhook>, LiveError> {
        let panel = *self;
        let active = untrack(|| panel.live_connection()).map(|c| c.id);
        // Alongside the list, never before it: the list must not wait for the probe.
        if panel.server_clock.get_untracked().is_some() || panel.clock_probed.get_untracked() != active {
            leptos::task::spawn_local(async move { panel.read_server_clock().await });
        }
        let result = panel.call(Call::List).await.map(|out| match out {
            Outcome::Listed(list) => list,
            _ => Vec::new(),
        });
        if let Some(conn) = untrack(|| panel.live_connection()) {
            let status = ConnStatus::of(result.as_ref().err());
            panel.conn_status.update(|m| {
                m.insert(conn.id, status);
            });
        }
        if result.is_ok() {
            panel.loaded_at.set(Some(js_sys::Date::now() as Millis));
            // A notice about why the list was not loaded is answered by this list.
            panel.notice.set(None);
        }
        let state = match &result {
            Ok(list) => LiveState::Loaded(list.clone()),
            // A 429 keeps the list already shown (the notice says why it is not refreshed).
            Err(LiveError::Api(ApiError::RateLimited { .. })) if matches!(shown, LiveState::Loaded(_)) => shown,
            Err(e) => LiveState::Failed(e.clone()),
        };
        panel.live.set(state);
        result
    }

    /// Reads an emulator's clock (`GET /_emulator/clock`, no token) so times are judged on it; a
    /// server without that route (Pipedrive) keeps the browser's clock.
    async fn read_server_clock(&self) {
        // Pipedrive is no emulator: never send it a request it would only answer with a 404.
        let local = untrack(|| self.live_connection()).filter(|_| !untrack(|| self.is_pipedrive()));
        let Some(url) = local.and_then(|c| control_url(&c.base_url, "clock")) else {
            if self.server_clock.with_untracked(Option::is_some) {
                self.server_clock.set(None);
            }
            return;
        };
        self.clock_probed.set(untrack(|| self.live_connection()).map(|c| c.id));
        let clock = live::get_bytes(&url).await.and_then(|b| EmulatorClock::decode(&b));
        // Pipedrive has no clock route: "still none" must not redraw every row that reads the time.
        if clock.is_some() || self.server_clock.with_untracked(Option::is_some) {
            self.server_clock.set(clock.map(|c| (c, js_sys::Date::now() as Millis)));
        }
    }

    /// Whether the active connection is a local emulator (it answered `/_emulator/clock`).
    pub fn is_emulator(&self) -> bool {
        !self.is_sandbox() && self.server_clock.with(Option::is_some)
    }

    /// Creates a webhook on the active connection and reloads the list; returns its id.
    pub async fn create(&self, input: NewWebhook) -> Result<Option<WebhookId>, LiveError> {
        let out = self.create_unlisted(input).await?;
        self.refresh();
        Ok(out)
    }

    /// Deletes webhook `id` on the active connection and reloads the list.
    pub async fn delete(&self, id: WebhookId) -> Result<(), LiveError> {
        self.delete_unlisted(id).await?;
        self.refresh();
        Ok(())
    }

    /// Creates without reloading the list: a batch (Sync) reloads once at its end, not once per
    /// call (each reload is a request against the rate limit).
    pub async fn create_unlisted(&self, input: NewWebhook) -> Result<Option<WebhookId>, LiveError> {
        // Actions run in spawned tasks, where nothing tracks reads: read untracked.
        if untrack(|| self.is_sandbox()) {
            let user = self.acting_user.get_untracked();
            if let Some(why) = self.sandbox.with_untracked(|s| s.not_installed(user)) {
                return Err(LiveError::NotInstalled(why));
            }
            let caller = untrack(|| self.sandbox_caller());
            let mut result = Err(LiveError::MissingToken);
            self.sandbox.update(|s| result = s.account.create(&caller, &input, s.clock).map(|w| Some(w.id)).map_err(LiveError::Api));
            return result;
        }
        let out = self.call(Call::Create(input)).await?;
        Ok(match out {
            Outcome::Created(w) => w.id,
            _ => None,
        })
    }

    /// Deletes without reloading the list (see `create_unlisted`).
    pub async fn delete_unlisted(&self, id: WebhookId) -> Result<(), LiveError> {
        if untrack(|| self.is_sandbox()) {
            let user = self.acting_user.get_untracked();
            if let Some(why) = self.sandbox.with_untracked(|s| s.not_installed(user)) {
                return Err(LiveError::NotInstalled(why));
            }
            let caller = untrack(|| self.sandbox_caller());
            let mut result = Ok(());
            self.sandbox.update(|s| result = s.account.delete(&caller, id, s.clock).map(|_| ()).map_err(LiveError::Api));
            return result;
        }
        self.call(Call::Delete(id)).await.map(|_| ())
    }

    /// Saves a connection and its token (session-only unless `remember`), and switches to it.
    /// Connects: lists the webhooks with this token first, and saves the connection (and switches
    /// to it, showing that list) only when the API answered; a failed connect is not saved.
    /// A 429 says nothing against the token: the connection is saved and switched to, and the
    /// error returned (`Err` with the connection saved); the list loads on a refresh after the wait.
    pub async fn connect(&self, label: String, base_url: String, oauth: bool, token: String, remember: bool) -> Result<(), LiveError> {
        let auth = if oauth { Auth::Bearer(token.clone()) } else { Auth::ApiToken(token.clone()) };
        let api = ApiConfig { base_url: base_url.clone(), auth };
        let listed = match self.call_on(&api, Call::List).await {
            Ok(Outcome::Listed(list)) => Ok(list),
            Ok(_) => Ok(Vec::new()),
            Err(e @ LiveError::Api(ApiError::RateLimited { .. })) => Err(e),
            Err(other) => return Err(other),
        };
        let id = self.add_connection(label, base_url, oauth, token, remember);
        // `switch` would drop the hold a 429 just set: set the connection by hand.
        self.active.set(Active::Live(id));
        self.read_server_clock().await;
        match listed {
            Ok(list) => {
                self.conn_status.update(|m| {
                    m.insert(id, ConnStatus::Ok);
                });
                self.loaded_at.set(Some(js_sys::Date::now() as Millis));
                self.live.set(LiveState::Loaded(list));
                Ok(())
            }
            Err(e) => {
                self.conn_status.update(|m| {
                    m.insert(id, ConnStatus::of(Some(&e)));
                });
                self.loaded_at.set(None);
                self.live.set(LiveState::Failed(e.clone()));
                Err(e)
            }
        }
    }

    /// Saves a connection and its token (session-only unless `remember`); returns its id. A saved
    /// connection with the same name and base URL (imported, or its token forgotten) takes the new
    /// token instead of getting a twin.
    pub fn add_connection(&self, label: String, base_url: String, oauth: bool, token: String, remember: bool) -> u32 {
        let existing = self.connections.with_untracked(|cs| cs.iter().find(|c| c.label == label && c.base_url == base_url).map(|c| c.id));
        let id = existing.unwrap_or_else(|| self.connections.with_untracked(|cs| cs.iter().map(|c| c.id).max().unwrap_or(0) + 1));
        // The old token may sit in the other storage: one token per connection.
        delete_token(id);
        let key = token_key(id);
        if remember {
            let _ = LocalStorage::set(&key, &token);
        } else {
            let _ = SessionStorage::set(&key, &token);
        }
        self.connections.update(|cs| match cs.iter_mut().find(|c| c.id == id) {
            Some(c) => (c.oauth, c.remember) = (oauth, remember),
            None => cs.push(SavedConnection { id, label, base_url, oauth, remember }),
        });
        id
    }

    /// Removes a saved connection's token from both storages. The rate-limit figures were that
    /// token's: they go with it.
    pub fn forget_token(&self, id: u32) {
        delete_token(id);
        if self.active.get_untracked() == Active::Live(id) {
            self.rate.set(None);
        }
    }

    pub fn has_token(&self, id: u32) -> bool {
        let key = token_key(id);
        SessionStorage::get::<String>(&key).is_ok() || LocalStorage::get::<String>(&key).is_ok()
    }

    pub fn remove_connection(&self, id: u32) {
        self.forget_token(id);
        self.connections.update(|cs| cs.retain(|c| c.id != id));
        if self.active.get_untracked() == Active::Live(id) {
            self.switch(Active::Sandbox);
        }
    }

    pub fn switch(&self, to: Active) {
        self.active.set(to);
        self.rate.set(None);
        // A 429's hold belongs to the account it came from.
        self.api_blocked.set(None);
        self.server_clock.set(None);
        // Probe the clock again: switching back to an emulator must find it an emulator again.
        self.clock_probed.set(None);
        self.loaded_at.set(None);
        self.live.set(LiveState::Idle);
        self.refresh();
    }

    /// A fresh seeded sandbox at the real time.
    pub fn reset_sandbox(&self) {
        self.sandbox.set(Sandbox::seeded(js_sys::Date::now() as Millis));
    }
}
