//! Everything the emulator knows, behind one lock: the account (the core's), the tokens, the
//! clock, retries waiting for their time, the delivery log, the rate-limit windows and the daily
//! budget. Saved to the state file after every change; the file is checked when read, written
//! 0600 through a fresh temporary file, and locked against a second emulator.

use crate::clock::{Clock, MAX_TIME};
use crate::ratelimit::{Daily, Window};
use crate::seed::Seed;
use pipedrive_webhooks::delivery::{Phase, Step};
use pipedrive_webhooks::emulator_api::LoggedDelivery;
use pipedrive_webhooks::payload::Emitted;
use pipedrive_webhooks::{Account, Caller, Millis, Policy, WebhookId};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One entry of the delivery log: the core's [`LoggedDelivery`] (its JSON, as
/// `GET /_emulator/deliveries` lists it) plus the event itself, kept so that the entry can be
/// redelivered after the event's last attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    #[serde(flatten)]
    pub delivery: LoggedDelivery,
    #[serde(skip)]
    pub emitted: Option<Arc<Emitted>>,
}

/// An attempt waiting for its time (R10): a start, ordered as the core orders work at an instant
/// ([`Step`]; the scheduler applies time alone, `Account::tick`, before any start it admits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub at: Millis,
    pub seq: u64,
    pub webhook_id: WebhookId,
    pub attempt: u8,
    pub event: usize,
    /// Part of a redelivery (its retries too).
    pub redelivery: bool,
}

impl Due {
    pub fn step(&self) -> Step {
        Step { at: self.at, phase: Phase::AttemptStart, seq: self.seq }
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.step().cmp(&other.step())
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What the state file holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Saved {
    pub account: Account,
    pub tokens: BTreeMap<String, Caller>,
    /// The policy clock when saved, so time does not go back on a restart.
    pub clock: Millis,
}

/// An event with attempts still due or in flight.
pub struct InFlight {
    pub event: Arc<Emitted>,
    /// Attempts scheduled and not yet over.
    pub attempts: usize,
    /// Its size, as counted against [`EVENTS_BYTES`].
    pub bytes: usize,
}

pub struct World {
    pub account: Account,
    pub tokens: BTreeMap<String, Caller>,
    pub clock: Clock,
    pub seed: Seed,
    pub due: BinaryHeap<Reverse<Due>>,
    /// Events with attempts still due or in flight; dropped after their last attempt. Only events
    /// that reached a webhook are kept.
    pub events: HashMap<usize, InFlight>,
    /// The sizes of `events`, in bytes.
    pub events_bytes: usize,
    pub next_event: usize,
    pub seq: u64,
    pub log: VecDeque<DeliveryRecord>,
    /// The id the next record gets.
    pub next_record: u64,
    /// The request bodies held by `log`, in bytes.
    pub log_bytes: usize,
    /// Burst windows, per token (only known tokens get one).
    pub windows: HashMap<String, Window>,
    /// The company's daily token budget.
    pub daily: Daily,
    pub state_file: Option<PathBuf>,
    /// The state file's lock, held while this emulator uses it.
    lock: Option<File>,
}

/// How many delivery records are kept.
pub const LOG_KEPT: usize = 10_000;

/// How many bytes of request bodies the log keeps (bodies are up to the 64 KB an event may
/// carry): past it the oldest records go, as past [`LOG_KEPT`].
pub const LOG_BODY_BYTES: usize = 32 * 1024 * 1024;

/// How many bytes of events may wait for their attempts at once (an event is up to the 64 KB of a
/// control body): past it new events are refused until some are done.
pub const EVENTS_BYTES: usize = 16 * 1024 * 1024;

/// The longest duration a policy (seed or state file) may set, so that no sum of times overflows.
const MAX_POLICY_MS: Millis = 366 * 86_400_000;

/// Why an event cannot be taken now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("too many events waiting for their attempts ({0} bytes at most): retry when some are delivered")]
pub struct EventsFull(pub usize);

/// A state file that cannot be used; it is never overwritten.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {0}: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("the state file {0} is not an emulator state ({1}); fix or move it: it was left untouched")]
    Corrupt(PathBuf, String),
    /// Readable, but not a state this emulator could have written (a hand edit).
    #[error("the state file {0} is inconsistent: {1}; fix or move it: it was left untouched")]
    Invalid(PathBuf, String),
    /// Another emulator holds the state file's lock.
    #[error("another emulator is using the state file {0} (it holds {1}): stop it, or give this one another --state file")]
    Locked(PathBuf, PathBuf),
    #[error("cannot write the state file {0}: {1}")]
    Unwritable(PathBuf, std::io::Error),
    #[error("the seed is inconsistent: {0}")]
    Seed(String),
}

impl World {
    /// From the state file when it exists, else from the seed. Takes the state file's lock first.
    pub fn open(seed: Seed, state_file: Option<PathBuf>, scale: f64, now_real: Millis) -> Result<World, StateError> {
        // The seed is checked even when the state file is used: a reset goes back to it.
        if let Some(p) = &seed.policy {
            check_policy(p).map_err(StateError::Seed)?;
        }
        let lock = state_file.as_deref().map(lock_state).transpose()?;
        let saved = match &state_file {
            Some(path) if path.exists() => Some(read_state(path)?),
            _ => None,
        };
        let (account, tokens, clock) = match saved {
            Some(s) => (s.account, s.tokens, Clock::new(s.clock.max(now_real), scale)),
            None => (seed.account().map_err(StateError::Seed)?, seed.tokens.clone(), Clock::new(now_real, scale)),
        };
        let world = World {
            account,
            tokens,
            clock,
            seed,
            due: BinaryHeap::new(),
            events: HashMap::new(),
            events_bytes: 0,
            next_event: 0,
            seq: 0,
            log: VecDeque::new(),
            next_record: 1,
            log_bytes: 0,
            windows: HashMap::new(),
            daily: Daily::default(),
            state_file,
            lock,
        };
        world.save()?;
        Ok(world)
    }

    /// Back to the seed (tokens, users, apps; no webhooks), keeping the clock.
    pub fn reset(&mut self) -> Result<(), StateError> {
        self.account = self.seed.account().map_err(StateError::Seed)?;
        self.tokens = self.seed.tokens.clone();
        self.due.clear();
        self.events.clear();
        self.events_bytes = 0;
        self.log.clear();
        self.log_bytes = 0;
        self.windows.clear();
        self.daily.clear();
        self.save()
    }

    /// Stops using the state file: no more saves, and its lock is released (a stopped emulator's
    /// last tasks must not overwrite a successor's file).
    pub fn release(&mut self) {
        self.state_file = None;
        self.lock = None;
    }

    /// Writes the state file atomically and durably: a temporary file, flushed to disk, renamed
    /// over it, then the folder flushed so the rename is on disk too. Callers answer a create or
    /// a delete only after this returns, so an answered change survives a crash or a power cut.
    pub fn save(&self) -> Result<(), StateError> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let saved = Saved { account: self.account.clone(), tokens: self.tokens.clone(), clock: self.clock.now() };
        let json = serde_json::to_vec(&saved).expect("the state serialises");
        write_durably(path, &json).map_err(|e| StateError::Unwritable(path.clone(), e))
    }

    /// Appends `r` with the next record id (returned); the oldest records go past [`LOG_KEPT`]
    /// records or [`LOG_BODY_BYTES`] of bodies.
    /// records or [`LOG_BODY_BYTES`] of bodies (a record without a body, lost or dropped, counts
    /// the event it keeps for redelivery).
    pub fn record(&mut self, mut r: DeliveryRecord) -> u64 {
        r.delivery.id = self.next_record;
        self.next_record += 1;
        self.log_bytes += record_bytes(&r);
        self.log.push_back(r);
        while self.log.len() > LOG_KEPT || (self.log_bytes > LOG_BODY_BYTES && self.log.len() > 1) {
            let Some(old) = self.log.pop_front() else { break };
            self.log_bytes = self.log_bytes.saturating_sub(record_bytes(&old));
        }
        self.next_record - 1
    }

    /// Keeps `event` for its attempts; refused past [`EVENTS_BYTES`]. Returns its index.
    pub fn keep_event(&mut self, event: Arc<Emitted>) -> Result<usize, EventsFull> {
        let bytes = event_bytes(&event);
        if self.events_bytes + bytes > EVENTS_BYTES {
            return Err(EventsFull(EVENTS_BYTES));
        }
        let index = self.next_event;
        self.next_event += 1;
        self.events_bytes += bytes;
        self.events.insert(index, InFlight { event, attempts: 0, bytes });
        Ok(index)
    }

    /// Attempt `attempt` of `event` to `webhook_id` falls due at `at` (R10).
    pub fn schedule(&mut self, at: Millis, webhook_id: WebhookId, attempt: u8, event: usize, redelivery: bool) {
        self.seq += 1;
        if let Some(e) = self.events.get_mut(&event) {
            e.attempts += 1;
        }
        self.due.push(Reverse(Due { at, seq: self.seq, webhook_id, attempt, event, redelivery }));
    }

    /// One scheduled attempt of `event` is over (sent, lost or dropped); forgets the event after
    /// its last one, so a long-running emulator does not keep every event.
    pub fn finish(&mut self, event: usize) {
        if let Some(e) = self.events.get_mut(&event) {
            e.attempts = e.attempts.saturating_sub(1);
            if e.attempts == 0 {
                let bytes = e.bytes;
                self.events.remove(&event);
                self.events_bytes = self.events_bytes.saturating_sub(bytes);
            }
        }
    }
}

/// About what an event holds in memory: its JSON, plus a little for the rest.
fn event_bytes(e: &Emitted) -> usize {
    let json = |v: &serde_json::Value| serde_json::to_vec(v).map_or(0, |b| b.len());
    256 + e.object.len() + e.entity_id.len() + json(&e.data) + json(&e.previous)
}

fn record_bytes(r: &DeliveryRecord) -> usize {
    match (&r.delivery.request_body, &r.emitted) {
        (Some(body), _) => body.len(),
        (None, Some(e)) => event_bytes(e),
        (None, None) => 0,
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Write, fsync, rename, fsync the folder: after a crash the file holds either the old state or
/// the new one, and once this returns, the new one. The temporary file is new (`O_EXCL`, a
/// random name in the same folder), so a planted file or symlink is never written through; it
/// is 0600 (tempfile's default on Unix), and so is the state file it becomes: it holds tokens
/// and Basic-auth passwords.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().map_or("state".into(), |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(folder_of(path))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(path)
}

/// The lock file beside the state file (`state.json.lock`): locked exclusively while an emulator
/// uses the state, so a second one refuses to start instead of overwriting the first one's
/// changes. It is never deleted (deleting a lock file races with its next user); a symlink
/// there is refused, not followed.
fn lock_state(path: &Path) -> Result<File, StateError> {
    let name = path.file_name().map_or("state".into(), |n| n.to_string_lossy().into_owned());
    let lock_path = folder_of(path).join(format!("{name}.lock"));
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&lock_path).map_err(|e| StateError::Unwritable(lock_path.clone(), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StateError::Locked(path.to_path_buf(), lock_path)),
        Err(std::fs::TryLockError::Error(e)) => Err(StateError::Unwritable(lock_path, e)),
    }
}

/// The rename lives in the folder's entries: flush them (Unix; elsewhere a folder cannot be opened).
#[cfg(unix)]
fn sync_folder(path: &Path) -> std::io::Result<()> {
    File::open(folder_of(path))?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn read_state(path: &Path) -> Result<Saved, StateError> {
    let bytes = std::fs::read(path).map_err(|e| StateError::Unreadable(path.to_path_buf(), e))?;
    let corrupt = |e: serde_json::Error| StateError::Corrupt(path.to_path_buf(), e.to_string());
    let raw: serde_json::Value = serde_json::from_slice(&bytes).map_err(corrupt)?;
    // `nextId` and the map's keys are the core's own: checked in the JSON, before they are hidden.
    check_ids(&raw).map_err(|e| StateError::Invalid(path.to_path_buf(), e))?;
    let saved: Saved = serde_json::from_value(raw).map_err(corrupt)?;
    check_saved(&saved).map_err(|e| StateError::Invalid(path.to_path_buf(), e))?;
    Ok(saved)
}

/// Every webhook under its own id, and `next_id` above every id ever given (live or removed):
/// a lowered `next_id` would give a new webhook an id in use, overwriting it.
fn check_ids(raw: &serde_json::Value) -> Result<(), String> {
    let account = &raw["account"];
    let Some(webhooks) = account["webhooks"].as_object() else { return Ok(()) }; // the typed read names it
    let mut highest = 0;
    for (key, entry) in webhooks {
        let id = entry["webhook"]["id"].as_u64();
        match (key.parse::<u64>(), id) {
            (Ok(k), Some(id)) if k == id && id >= 1 => highest = highest.max(id),
            (_, Some(id)) => return Err(format!("the webhook under key {key:?} has id {id}: each webhook must sit under its own id (1 or more)")),
            _ => return Err(format!("the webhook under key {key:?} has no numeric id")),
        }
    }
    let removed = account["removed"].as_array().into_iter().flatten().filter_map(|r| r["webhook"]["id"].as_u64());
    let highest_ever = removed.fold(highest, u64::max);
    match account["next_id"].as_u64() {
        Some(next) if next > highest_ever => Ok(()),
        Some(next) => Err(format!("account.next_id is {next} but webhook id {highest_ever} was already given: next_id must be above every webhook id")),
        None => Err("account.next_id is missing or not a positive number".into()),
    }
}

/// Times within what the clock shows, ids unique, webhooks' users and apps known, a usable policy.
fn check_saved(s: &Saved) -> Result<(), String> {
    let time = |what: String, t: Millis| if (0..=MAX_TIME).contains(&t) { Ok(()) } else { Err(format!("{what} is {t}, outside 1970..9999")) };
    time("clock".into(), s.clock)?;
    check_policy(&s.account.policy)?;
    let users: BTreeSet<u64> = s.account.users().map(|u| u.id).collect();
    let apps: BTreeSet<u64> = s.account.apps().map(|a| a.id).collect();
    let mut ids = BTreeSet::new();
    for e in s.account.entries() {
        let w = &e.webhook;
        if !ids.insert(w.id) {
            return Err(format!("webhook id {} appears twice", w.id));
        }
        for (role, user) in [("owner_id", w.owner_id), ("user_id", w.user_id)] {
            if !users.contains(&user) {
                return Err(format!("webhook {} has {role} {user}, not a user of the company", w.id));
            }
        }
        if let Some(app) = w.app_id.filter(|a| !apps.contains(a)) {
            return Err(format!("webhook {} has app_id {app}, not a known app", w.id));
        }
        time(format!("webhook {} add_time", w.id), w.add_time)?;
        let d = &e.delivery;
        for (what, t) in [("banned_until", d.banned_until), ("failing_since", d.failing_since), ("deleted_at", d.deleted_at), ("last_attempt_at", d.last_attempt_at), ("last_success_at", d.last_success_at)] {
            if let Some(t) = t {
                time(format!("webhook {} {what}", w.id), t)?;
            }
        }
    }
    for r in s.account.removed() {
        time(format!("the removal of webhook {}", r.webhook.id), r.at)?;
    }
    Ok(())
}

/// A policy whose durations are 0 to a year, so that no sum of times overflows.
pub fn check_policy(p: &Policy) -> Result<(), String> {
    let durations = [("banDurationMs", p.ban_duration_ms), ("timeoutMs", p.timeout_ms), ("deletionAfterMs", p.deletion_after_ms)];
    let retries = p.retry_delays_ms.iter().map(|d| ("retryDelaysMs", *d));
    for (what, ms) in durations.into_iter().chain(retries) {
        if !(0..=MAX_POLICY_MS).contains(&ms) {
            return Err(format!("policy.{what} is {ms}: durations must be 0 to {MAX_POLICY_MS} ms (366 days)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: usize) -> DeliveryRecord {
        let delivery = LoggedDelivery { webhook_id: 1, event_id: "e".into(), attempt: 1, result: "status".into(), status: Some(200), duration_ms: 1, success: true, request_body: Some("x".repeat(body)), ..Default::default() };
        DeliveryRecord { delivery, emitted: None }
    }

    #[test]
    fn the_log_is_bounded_by_records_and_by_body_bytes_and_ids_keep_increasing() {
        let mut w = World::open(Seed::default(), None, 1.0, 0).unwrap();
        for _ in 0..LOG_KEPT + 5 {
            w.record(record(1));
        }
        assert_eq!(w.log.len(), LOG_KEPT);
        assert_eq!((w.log.front().unwrap().delivery.id, w.log.back().unwrap().delivery.id), (6, LOG_KEPT as u64 + 5));
        let big = LOG_BODY_BYTES / 4 + 1;
        for _ in 0..4 {
            w.record(record(big));
        }
        assert!(w.log_bytes <= LOG_BODY_BYTES, "{}", w.log_bytes);
        assert_eq!(w.log.len(), 3, "the oldest went, down to what fits");
        assert_eq!(w.log_bytes, w.log.iter().map(|r| r.delivery.request_body.as_ref().map_or(0, String::len)).sum::<usize>());
        w.reset().unwrap();
        assert_eq!(w.record(record(1)), LOG_KEPT as u64 + 10, "ids are never reused, even after a reset");
    }
}
