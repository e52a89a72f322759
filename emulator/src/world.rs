//! Everything the emulator knows, behind one lock: the account (the core's), the tokens, the
//! clock, retries waiting for their time, the delivery log and the rate-limit windows. Saved to the
//! state file after every change.

use crate::clock::Clock;
use crate::seed::Seed;
use pipedrive_webhooks::delivery::{Phase, Step};
use pipedrive_webhooks::emulator_api::LoggedDelivery;
use pipedrive_webhooks::payload::Emitted;
use pipedrive_webhooks::{Account, Caller, Millis, WebhookId};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

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

pub struct World {
    pub account: Account,
    pub tokens: BTreeMap<String, Caller>,
    pub clock: Clock,
    pub seed: Seed,
    pub due: BinaryHeap<Reverse<Due>>,
    /// Events with attempts still due or in flight, and how many; dropped after their last attempt.
    pub events: HashMap<usize, (Arc<Emitted>, usize)>,
    pub next_event: usize,
    pub seq: u64,
    pub log: VecDeque<DeliveryRecord>,
    /// The id the next record gets.
    pub next_record: u64,
    /// The request bodies held by `log`, in bytes.
    pub log_bytes: usize,
    pub windows: HashMap<String, VecDeque<Instant>>,
    pub state_file: Option<PathBuf>,
}

/// How many delivery records are kept.
pub const LOG_KEPT: usize = 10_000;

/// How many bytes of request bodies the log keeps (bodies are up to the 64 KB an event may
/// carry): past it the oldest records go, as past [`LOG_KEPT`].
pub const LOG_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A state file that cannot be used; it is never overwritten.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {0}: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("the state file {0} is not an emulator state ({1}); fix or move it: it was left untouched")]
    Corrupt(PathBuf, String),
    #[error("cannot write the state file {0}: {1}")]
    Unwritable(PathBuf, std::io::Error),
    #[error("the seed is inconsistent: {0}")]
    Seed(String),
}

impl World {
    /// From the state file when it exists, else from the seed.
    pub fn open(seed: Seed, state_file: Option<PathBuf>, scale: f64, now_real: Millis) -> Result<World, StateError> {
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
            next_event: 0,
            seq: 0,
            log: VecDeque::new(),
            next_record: 1,
            log_bytes: 0,
            windows: HashMap::new(),
            state_file,
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
        self.log.clear();
        self.log_bytes = 0;
        self.windows.clear();
        self.save()
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
    pub fn record(&mut self, mut r: DeliveryRecord) -> u64 {
        r.delivery.id = self.next_record;
        self.next_record += 1;
        self.log_bytes += r.delivery.request_body.as_ref().map_or(0, String::len);
        self.log.push_back(r);
        while self.log.len() > LOG_KEPT || (self.log_bytes > LOG_BODY_BYTES && self.log.len() > 1) {
            let Some(old) = self.log.pop_front() else { break };
            self.log_bytes -= old.delivery.request_body.as_ref().map_or(0, String::len);
        }
        self.next_record - 1
    }

    /// Attempt `attempt` of `event` to `webhook_id` falls due at `at` (R10).
    pub fn schedule(&mut self, at: Millis, webhook_id: WebhookId, attempt: u8, event: usize, redelivery: bool) {
        self.seq += 1;
        if let Some((_, n)) = self.events.get_mut(&event) {
            *n += 1;
        }
        self.due.push(Reverse(Due { at, seq: self.seq, webhook_id, attempt, event, redelivery }));
    }

    /// One scheduled attempt of `event` is over (sent, lost or dropped); forgets the event after
    /// its last one, so a long-running emulator does not keep every event.
    pub fn finish(&mut self, event: usize) {
        if let Some((_, n)) = self.events.get_mut(&event) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.events.remove(&event);
            }
        }
    }
}

/// Write, fsync, rename, fsync the folder: after a crash the file holds either the old state or
/// the new one, and once this returns, the new one.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_folder(path)
}

/// The rename lives in the folder's entries: flush them (Unix; elsewhere a folder cannot be opened).
#[cfg(unix)]
fn sync_folder(path: &Path) -> std::io::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(folder)?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn read_state(path: &Path) -> Result<Saved, StateError> {
    let bytes = std::fs::read(path).map_err(|e| StateError::Unreadable(path.to_path_buf(), e))?;
    serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt(path.to_path_buf(), e.to_string()))
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
