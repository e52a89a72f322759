//! The core's input types read from a JSON tree, field by field, in exactly the shapes of their
//! serde forms (the tests check both agree).
//!
//! Why not serde's derived `Deserialize`: each derived type instantiates its own copy of the
//! parser's code, and in the JS package that was ~60 KB brotli of its wasm. These readers walk a
//! [`serde_json::Value`] (one parser, shared with the wire decoders), and say where the input went
//! wrong: `webhooks[0].traffic.intervalMs: expected a whole number, got a string`.
//!
//! The JS package uses them; the panel and the emulator keep serde (code they don't call costs
//! them nothing: the linker drops it).

use crate::account::{Account, App, Entry, Removal, RemovalReason, User};
use crate::delivery::{DeliveryState, Response};
use crate::permission::Caller;
use crate::policy::Policy;
use crate::sandbox::{LogEntry, LogResult, PendingRetry, Sandbox};
use crate::simulator::{Endpoint, Scenario, SimWebhook, Traffic, Window};
use crate::validation::NewWebhook;
use crate::webhook::{PayloadVersion, Webhook, WebhookType};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// Where in the input a value was wrong, and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// Outermost step first.
    path: Vec<Step>,
    problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

impl ReadError {
    /// A problem with the value itself (the path is added on the way out).
    #[cold]
    pub fn new(problem: impl Into<String>) -> Self {
        ReadError { path: Vec::new(), problem: problem.into() }
    }

    // Errors are the rare path: kept out of line so each reader stays small in wasm.
    #[cold]
    #[inline(never)]
    fn at(mut self, step: Step) -> Self {
        self.path.insert(0, step);
        self
    }

    #[cold]
    #[inline(never)]
    fn in_key(self, key: &str) -> Self {
        self.at(Step::Key(key.to_string()))
    }

    /// The path to the bad value (`webhooks[0].traffic`), empty for the value itself.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Key(k) if out.is_empty() => out.push_str(k),
                Step::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path() {
            p if p.is_empty() => f.write_str(&self.problem),
            p => write!(f, "{p}: {}", self.problem),
        }
    }
}

/// What a JSON value is, for messages ("a string").
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional or huge number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(what: &str, got: &Value) -> ReadError {
    ReadError::new(format!("expected {what}, got {}", kind_of(got)))
}

/// A type read from a JSON tree.
///
/// ```
/// use pipedrive_webhooks::json_read::ReadJson;
/// use pipedrive_webhooks::Caller;
/// let v = serde_json::json!({ "kind": "app", "appId": 9, "userId": 1 });
/// assert_eq!(Caller::read(&v), Ok(Caller::App { app_id: 9, user_id: 1 }));
/// let bad = serde_json::json!({ "kind": "app", "appId": "9", "userId": 1 });
/// assert_eq!(Caller::read(&bad).unwrap_err().to_string(), "appId: expected a whole number, got a string");
/// ```
pub trait ReadJson: Sized {
    fn read(v: &Value) -> Result<Self, ReadError>;
}

impl ReadJson for bool {
    fn read(v: &Value) -> Result<Self, ReadError> {
        v.as_bool().ok_or_else(|| expected("true or false", v))
    }
}

impl ReadJson for String {
    fn read(v: &Value) -> Result<Self, ReadError> {
        v.as_str().map(str::to_string).ok_or_else(|| expected("a string", v))
    }
}

impl ReadJson for f64 {
    fn read(v: &Value) -> Result<Self, ReadError> {
        v.as_f64().ok_or_else(|| expected("a number", v))
    }
}

impl ReadJson for i64 {
    fn read(v: &Value) -> Result<Self, ReadError> {
        v.as_i64().ok_or_else(|| expected("a whole number", v))
    }
}

/// Unsigned integers: a whole number that fits, with the range in the error otherwise.
macro_rules! read_unsigned {
    ($($t:ty),*) => {$(
        impl ReadJson for $t {
            fn read(v: &Value) -> Result<Self, ReadError> {
                let n = v.as_u64().ok_or_else(|| match v.as_i64() {
                    Some(_) => ReadError::new("expected a whole number from 0, got a negative one"),
                    None => expected("a whole number", v),
                })?;
                <$t>::try_from(n).map_err(|_| ReadError::new(format!("expected a whole number up to {}, got a larger one", <$t>::MAX)))
            }
        }
    )*};
}
read_unsigned!(u8, u16, u32, u64);

impl<T: ReadJson> ReadJson for Option<T> {
    fn read(v: &Value) -> Result<Self, ReadError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::read(v).map(Some)
        }
    }
}

fn items(v: &Value) -> Result<&[Value], ReadError> {
    v.as_array().map(Vec::as_slice).ok_or_else(|| expected("an array", v))
}

/// An array's items read into any collection; an error names the item's index.
fn each<T: ReadJson, C: FromIterator<T>>(v: &Value) -> Result<C, ReadError> {
    items(v)?.iter().enumerate().map(|(i, item)| T::read(item).map_err(|e| e.at(Step::Index(i)))).collect()
}

impl<T: ReadJson> ReadJson for Vec<T> {
    fn read(v: &Value) -> Result<Self, ReadError> {
        each(v)
    }
}

impl<T: ReadJson> ReadJson for VecDeque<T> {
    fn read(v: &Value) -> Result<Self, ReadError> {
        each(v)
    }
}

impl<T: ReadJson + Ord> ReadJson for BTreeSet<T> {
    fn read(v: &Value) -> Result<Self, ReadError> {
        // Insert one by one: collecting into a set sorts first, and each sort instantiation costs
        // kilobytes.
        let mut set = BTreeSet::new();
        for item in each::<T, Vec<T>>(v)? {
            set.insert(item);
        }
        Ok(set)
    }
}

impl<A: ReadJson, B: ReadJson> ReadJson for (A, B) {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match items(v)? {
            [a, b] => Ok((A::read(a).map_err(|e| e.at(Step::Index(0)))?, B::read(b).map_err(|e| e.at(Step::Index(1)))?)),
            _ => Err(ReadError::new("expected a pair [a, b]")),
        }
    }
}

impl<const N: usize> ReadJson for [i64; N] {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let list: Vec<i64> = ReadJson::read(v)?;
        list.try_into().map_err(|_| ReadError::new(format!("expected {N} numbers")))
    }
}

/// Maps keyed by id: serde writes the ids as the object's keys (`{"1": …}`).
impl<T: ReadJson> ReadJson for BTreeMap<u64, T> {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let map = v.as_object().ok_or_else(|| expected("an object keyed by id", v))?;
        let mut out = BTreeMap::new();
        for (k, item) in map {
            let key = k.parse().map_err(|_| ReadError::new("expected a whole-number key").in_key(k))?;
            out.insert(key, T::read(item).map_err(|e| e.in_key(k))?);
        }
        Ok(out)
    }
}

/// The fields of a JSON object, read by name.
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The fields of `v`, which must be an object.
    ///
    /// ```
    /// use pipedrive_webhooks::json_read::Fields;
    /// let v = serde_json::json!({ "id": 7 });
    /// assert_eq!(Fields::of(&v).unwrap().req::<u64>("id"), Ok(7));
    /// assert_eq!(Fields::of(&v).unwrap().or::<u32>("limit", 40), Ok(40));
    /// ```
    pub fn of(v: &'a Value) -> Result<Self, ReadError> {
        v.as_object().map(Fields).ok_or_else(|| expected("an object", v))
    }

    /// A field that must be present.
    pub fn req<T: ReadJson>(&self, key: &str) -> Result<T, ReadError> {
        match self.0.get(key) {
            Some(v) => T::read(v).map_err(|e| e.in_key(key)),
            None => Err(ReadError::new("is missing").in_key(key)),
        }
    }

    /// A field that may be absent or null.
    pub fn opt<T: ReadJson>(&self, key: &str) -> Result<Option<T>, ReadError> {
        match self.0.get(key) {
            Some(v) => Option::<T>::read(v).map_err(|e| e.in_key(key)),
            None => Ok(None),
        }
    }

    /// A field that takes `default` when absent or null.
    pub fn or<T: ReadJson>(&self, key: &str, default: T) -> Result<T, ReadError> {
        Ok(self.opt(key)?.unwrap_or(default))
    }

    /// The variant tag of an internally tagged enum (`"kind"`).
    pub fn kind(&self) -> Result<&'a str, ReadError> {
        match self.0.get("kind") {
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(expected("a string", v).in_key("kind")),
            None => Err(ReadError::new("is missing").in_key("kind")),
        }
    }
}

/// An unknown variant tag, naming the ones allowed.
pub fn unknown_kind(kind: &str, allowed: &str) -> ReadError {
    let shown: String = kind.chars().take(40).collect();
    ReadError::new(format!("expected one of {allowed}, got \"{shown}\"")).in_key("kind")
}

impl ReadJson for Policy {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        let d = Policy::default();
        Ok(Policy {
            max_app_webhooks_per_user: f.or("maxAppWebhooksPerUser", d.max_app_webhooks_per_user)?,
            max_general_webhooks_per_user: f.or("maxGeneralWebhooksPerUser", d.max_general_webhooks_per_user)?,
            ban_threshold: f.or("banThreshold", d.ban_threshold)?,
            ban_duration_ms: f.or("banDurationMs", d.ban_duration_ms)?,
            timeout_ms: f.or("timeoutMs", d.timeout_ms)?,
            retry_delays_ms: f.or("retryDelaysMs", d.retry_delays_ms)?,
            deletion_after_ms: f.or("deletionAfterMs", d.deletion_after_ms)?,
            max_name_chars: f.or("maxNameChars", d.max_name_chars)?,
            max_url_len: f.or("maxUrlLen", d.max_url_len)?,
        })
    }
}

impl ReadJson for NewWebhook {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(NewWebhook {
            subscription_url: f.or("subscription_url", String::new())?,
            event_action: f.or("event_action", String::new())?,
            event_object: f.or("event_object", String::new())?,
            name: f.or("name", String::new())?,
            version: f.opt("version")?,
            user_id: f.opt("user_id")?,
            http_auth_user: f.opt("http_auth_user")?,
            http_auth_password: f.opt("http_auth_password")?,
        })
    }
}

impl ReadJson for Caller {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        match f.kind()? {
            "user" => Ok(Caller::User { user_id: f.req("userId")? }),
            "app" => Ok(Caller::App { app_id: f.req("appId")?, user_id: f.req("userId")? }),
            other => Err(unknown_kind(other, "\"user\", \"app\"")),
        }
    }
}

impl ReadJson for User {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(User { id: f.req("id")?, name: f.req("name")?, is_admin: f.req("isAdmin")? })
    }
}

impl ReadJson for App {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(App { id: f.req("id")?, name: f.req("name")?, scopes: f.req("scopes")?, listed: f.or("listed", true)? })
    }
}

impl ReadJson for Response {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        match f.kind()? {
            "status" => Ok(Response::Status { code: f.req("code")?, after_ms: f.req("afterMs")? }),
            "no_answer" => Ok(Response::NoAnswer),
            "refused" => Ok(Response::Refused { after_ms: f.req("afterMs")? }),
            other => Err(unknown_kind(other, "\"status\", \"no_answer\", \"refused\"")),
        }
    }
}

impl ReadJson for Window {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Window { from: f.req("from")?, to: f.req("to")? })
    }
}

impl ReadJson for Endpoint {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        let d = Endpoint::healthy();
        Ok(Endpoint {
            latency_ms: f.or("latencyMs", d.latency_ms)?,
            failure_rate: f.or("failureRate", d.failure_rate)?,
            slow_rate: f.or("slowRate", d.slow_rate)?,
            failure_status: f.or("failureStatus", d.failure_status)?,
            outages: f.or("outages", d.outages)?,
        })
    }
}

impl ReadJson for Traffic {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        match f.kind()? {
            "every" => Ok(Traffic::Every { interval_ms: f.req("intervalMs")? }),
            "bursts" => Ok(Traffic::Bursts { size: f.req("size")?, every_ms: f.req("everyMs")?, spacing_ms: f.req("spacingMs")? }),
            "at" => Ok(Traffic::At { offsets_ms: f.req("offsetsMs")? }),
            other => Err(unknown_kind(other, "\"every\", \"bursts\", \"at\"")),
        }
    }
}

impl ReadJson for SimWebhook {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(SimWebhook { endpoint: f.req("endpoint")?, traffic: f.req("traffic")?, max_events: f.opt("maxEvents")? })
    }
}

impl ReadJson for Scenario {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Scenario {
            policy: f.or("policy", Policy::default())?,
            start: f.or("start", 0)?,
            duration_ms: f.req("durationMs")?,
            seed: f.or("seed", 0)?,
            webhooks: f.req("webhooks")?,
            timeline: f.or("timeline", false)?,
        })
    }
}

impl ReadJson for WebhookType {
    fn read(v: &Value) -> Result<Self, ReadError> {
        v.as_str().map(WebhookType::parse).ok_or_else(|| expected("a string", v))
    }
}

impl ReadJson for crate::catalog::ExampleOptions {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        // A misspelt option (`webhookID`, `retry`) is an error, not silently the default.
        const KEYS: &str = "webhookId, companyId, userId, attempt, timestamp";
        if let Some(k) = f.0.keys().find(|k| !KEYS.split(", ").any(|o| o == k.as_str())) {
            return Err(ReadError::new(format!("is not an option (the options: {KEYS})")).in_key(k));
        }
        let d = Self::default();
        let timestamp: crate::Millis = f.or("timestamp", d.timestamp)?;
        if timestamp < 0 {
            return Err(ReadError::new("must be epoch milliseconds, from 0").in_key("timestamp"));
        }
        Ok(Self {
            webhook_id: f.or("webhookId", d.webhook_id)?,
            company_id: f.or("companyId", d.company_id)?,
            user_id: f.or("userId", d.user_id)?,
            attempt: f.or("attempt", d.attempt)?,
            timestamp,
        })
    }
}

impl ReadJson for PayloadVersion {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("1.0") => Ok(PayloadVersion::V1),
            Some("2.0") => Ok(PayloadVersion::V2),
            _ => Err(ReadError::new("expected \"1.0\" or \"2.0\"")),
        }
    }
}

impl ReadJson for Webhook {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Webhook {
            id: f.req("id")?,
            company_id: f.req("company_id")?,
            owner_id: f.req("owner_id")?,
            user_id: f.req("user_id")?,
            app_id: f.opt("app_id")?,
            webhook_type: f.req("type")?,
            event_action: f.req("event_action")?,
            event_object: f.req("event_object")?,
            subscription_url: f.req("subscription_url")?,
            name: f.req("name")?,
            version: f.req("version")?,
            http_auth_user: f.opt("http_auth_user")?,
            http_auth_password: f.opt("http_auth_password")?,
            add_time: f.req("add_time")?,
        })
    }
}

impl ReadJson for DeliveryState {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(DeliveryState {
            ban_counter: f.or("banCounter", 0)?,
            banned_until: f.opt("bannedUntil")?,
            failing_since: f.opt("failingSince")?,
            deleted_at: f.opt("deletedAt")?,
            last_attempt_at: f.opt("lastAttemptAt")?,
            last_status: f.opt("lastStatus")?,
            last_success_at: f.opt("lastSuccessAt")?,
        })
    }
}

impl ReadJson for Entry {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Entry { webhook: f.req("webhook")?, delivery: f.req("delivery")? })
    }
}

impl ReadJson for RemovalReason {
    fn read(v: &Value) -> Result<Self, ReadError> {
        match v.as_str() {
            Some("deleted") => Ok(RemovalReason::Deleted),
            Some("app_uninstalled") => Ok(RemovalReason::AppUninstalled),
            Some("app_removed") => Ok(RemovalReason::AppRemoved),
            Some("no_success_for72h") => Ok(RemovalReason::NoSuccessFor72h),
            _ => Err(ReadError::new("expected \"deleted\", \"app_uninstalled\", \"app_removed\" or \"no_success_for72h\"")),
        }
    }
}

impl ReadJson for Removal {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Removal { webhook: f.req("webhook")?, reason: f.req("reason")?, at: f.req("at")? })
    }
}

/// Also checks what the account relies on and a hand-edited state may break: each webhook is
/// filed under its own id, and `next_id` is above every id (else a create would overwrite one).
impl ReadJson for Account {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        let account = Account {
            company_id: f.req("company_id")?,
            policy: f.req("policy")?,
            users: f.req("users")?,
            apps: f.req("apps")?,
            installs: f.req("installs")?,
            webhooks: f.req("webhooks")?,
            next_id: f.req("next_id")?,
            removed: f.req("removed")?,
        };
        for (key, entry) in &account.webhooks {
            if entry.webhook.id != *key {
                let e = ReadError::new(format!("is {}, but the webhook is filed under {key}", entry.webhook.id));
                return Err(e.in_key("id").in_key("webhook").in_key(&key.to_string()).in_key("webhooks"));
            }
        }
        if account.webhooks.keys().next_back().is_some_and(|&last| account.next_id <= last) {
            return Err(ReadError::new("must be above every webhook id").in_key("next_id"));
        }
        Ok(account)
    }
}

impl ReadJson for LogResult {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        match f.kind()? {
            "status" => Ok(LogResult::Status { code: f.req("code")? }),
            "timeout" => Ok(LogResult::Timeout),
            "refused" => Ok(LogResult::Refused),
            "lost" => Ok(LogResult::Lost { banned_until: f.req("bannedUntil")? }),
            "dropped" => Ok(LogResult::Dropped),
            other => Err(unknown_kind(other, "\"status\", \"timeout\", \"refused\", \"lost\", \"dropped\"")),
        }
    }
}

impl ReadJson for LogEntry {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(LogEntry {
            at: f.req("at")?,
            webhook_id: f.req("webhookId")?,
            event_id: f.req("eventId")?,
            event: f.req("event")?,
            attempt: f.req("attempt")?,
            result: f.req("result")?,
            duration_ms: f.req("durationMs")?,
            success: f.req("success")?,
            counted: f.req("counted")?,
            counter: f.req("counter")?,
            ban_until: f.opt("banUntil")?,
            redelivery: f.opt("redelivery")?.unwrap_or(false),
        })
    }
}

impl ReadJson for PendingRetry {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(PendingRetry {
            at: f.req("at")?,
            seq: f.req("seq")?,
            webhook_id: f.req("webhookId")?,
            attempt: f.req("attempt")?,
            event_id: f.req("eventId")?,
            event: f.req("event")?,
            redelivery: f.opt("redelivery")?.unwrap_or(false),
        })
    }
}

impl ReadJson for Sandbox {
    fn read(v: &Value) -> Result<Self, ReadError> {
        let f = Fields::of(v)?;
        Ok(Sandbox {
            account: f.req("account")?,
            clock: f.req("clock")?,
            endpoints: f.req("endpoints")?,
            log: f.req("log")?,
            pending: f.req("pending")?,
            seq: f.req("seq")?,
            next_event: f.req("nextEvent")?,
            rng: f.req("rng")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Sandbox;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::json;

    /// The reader and serde agree on `value`'s serde form.
    fn agrees<T: ReadJson + Serialize + DeserializeOwned + PartialEq + fmt::Debug>(value: &T) {
        let tree = serde_json::to_value(value).unwrap();
        assert_eq!(&T::read(&tree).unwrap(), value, "read back from {tree}");
        assert_eq!(&serde_json::from_value::<T>(tree).unwrap(), value);
    }

    /// Both accept `input` and read the same value from it (defaults included).
    fn same_as_serde<T: ReadJson + DeserializeOwned + PartialEq + fmt::Debug>(input: Value) -> T {
        let ours = T::read(&input).unwrap();
        assert_eq!(ours, serde_json::from_value::<T>(input).unwrap());
        ours
    }

    fn error<T: ReadJson + fmt::Debug>(input: Value) -> String {
        T::read(&input).unwrap_err().to_string()
    }

    #[test]
    fn a_used_sandbox_account_reads_back_whole() {
        // Deletions, a ban, a removal record and a custom policy all appear in the state.
        let mut sandbox = Sandbox::seeded(1_767_225_600_000);
        sandbox.advance(3 * crate::DAY + crate::HOUR);
        let account = &sandbox.account;
        assert!(account.removed().next().is_some(), "the seed has failing webhooks that R13 deletes");
        agrees(account);
        // And the sandbox around it: log lines of every kind, retries pending, custom endpoints.
        let (id, action, object) = sandbox
            .account
            .entries()
            .filter(|e| e.delivery.banned_until.is_none() && e.webhook.event_object != "*")
            .find_map(|e| Some((e.webhook.id, crate::EventAction::parse(&e.webhook.event_action, e.webhook.version)?, e.webhook.event_object.clone())))
            .unwrap();
        sandbox.set_endpoint(id, Endpoint::failing(503));
        assert!(sandbox.trigger(action, &object) > 0);
        sandbox.advance(crate::SECOND);
        assert!(sandbox.pending().next().is_some() && sandbox.log().next().is_some());
        agrees(&sandbox);
        let mut custom = Account::new(7, Policy { ban_threshold: 3, retry_delays_ms: [1, 2, 3], ..Policy::default() });
        custom.add_app(App { id: 9, name: "Unlisted".into(), scopes: vec![], listed: false }).unwrap();
        agrees(&custom);
    }

    #[test]
    fn inputs_read_as_serde_reads_them() {
        agrees(&Policy::default());
        same_as_serde::<Policy>(json!({ "banThreshold": 3 }));
        same_as_serde::<NewWebhook>(json!({ "subscription_url": "https://x.io", "name": "n", "version": "1.0", "user_id": 4 }));
        same_as_serde::<NewWebhook>(json!({}));
        agrees(&Caller::User { user_id: 3 });
        agrees(&Caller::App { app_id: 9, user_id: 3 });
        agrees(&User { id: 1, name: "Ana".into(), is_admin: true });
        same_as_serde::<App>(json!({ "id": 9, "name": "A", "scopes": ["webhooks:full"] }));
        for r in [Response::Status { code: 500, after_ms: 40 }, Response::NoAnswer, Response::Refused { after_ms: 2 }] {
            agrees(&r);
        }
        let scenario: Scenario = same_as_serde(json!({
            "durationMs": 3_600_000, "seed": 5, "timeline": true, "policy": { "timeoutMs": 5000 },
            "webhooks": [
                { "endpoint": { "failureRate": 0.5, "outages": [{ "from": 0, "to": 10 }] }, "traffic": { "kind": "every", "intervalMs": 60000 } },
                { "endpoint": {}, "traffic": { "kind": "bursts", "size": 3, "everyMs": 1000, "spacingMs": 10 }, "maxEvents": 7 },
                { "endpoint": { "latencyMs": 9 }, "traffic": { "kind": "at", "offsetsMs": [1, 2, 3] } }
            ]
        }));
        agrees(&scenario);
    }

    #[test]
    fn errors_name_the_path_and_the_problem() {
        assert_eq!(error::<Scenario>(json!({ "webhooks": [] })), "durationMs: is missing");
        assert_eq!(
            error::<Scenario>(json!({ "durationMs": 1, "webhooks": [{ "endpoint": {}, "traffic": { "kind": "every", "intervalMs": "1" } }] })),
            "webhooks[0].traffic.intervalMs: expected a whole number, got a string"
        );
        assert_eq!(
            error::<Scenario>(json!({ "durationMs": 1, "webhooks": [{ "endpoint": {}, "traffic": { "kind": "daily" } }] })),
            "webhooks[0].traffic.kind: expected one of \"every\", \"bursts\", \"at\", got \"daily\""
        );
        assert_eq!(error::<Caller>(json!([])), "expected an object, got an array");
        assert_eq!(error::<Caller>(json!({ "userId": 1 })), "kind: is missing");
        assert_eq!(error::<User>(json!({ "id": -1, "name": "a", "isAdmin": true })), "id: expected a whole number from 0, got a negative one");
        assert_eq!(error::<Response>(json!({ "kind": "status", "code": 70000, "afterMs": 1 })), "code: expected a whole number up to 65535, got a larger one");
        assert_eq!(error::<Policy>(json!({ "retryDelaysMs": [1, 2] })), "retryDelaysMs: expected 3 numbers");
        assert_eq!(error::<Scenario>(json!({ "durationMs": 1.5, "webhooks": [] })), "durationMs: expected a whole number, got a fractional or huge number");
        let mut state = serde_json::to_value(Account::new(1, Policy::default())).unwrap();
        state["users"] = json!({ "x": { "id": 1, "name": "a", "isAdmin": false } });
        assert_eq!(error::<Account>(state.clone()), "users.x: expected a whole-number key");
        // A hand-edited state that would make a create overwrite a webhook is refused.
        let mut one = Account::new(1, Policy::default());
        one.add_user(User { id: 1, name: "a".into(), is_admin: true }).unwrap();
        one.insert_existing(crate::Webhook { owner_id: 1, user_id: 1, app_id: None, ..crate::Webhook::example() }, DeliveryState::default()).unwrap();
        let good = serde_json::to_value(&one).unwrap();
        assert_eq!(Account::read(&good).unwrap(), one);
        let mut moved = good.clone();
        moved["webhooks"] = json!({ "2": good["webhooks"]["1"].clone() });
        assert_eq!(error::<Account>(moved), "webhooks.2.webhook.id: is 1, but the webhook is filed under 2");
        let mut behind = good;
        behind["next_id"] = json!(1);
        assert_eq!(error::<Account>(behind), "next_id: must be above every webhook id");
    }
}
