//! Everything the emulator knows, behind one lock: the account (the core's), the tokens, the
//! clock, retries waiting for their time, the delivery log and the rate-limit windows. Saved to the
//! state file after every change.

use crate::clock::Clock;
use crate::seed::Seed;
use pipedrive_webhooks::delivery::{Phase, Step};
use pipedrive_webhooks::payload::Emitted;
use pipedrive_webhooks::{Account, Caller, Millis, WebhookId};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// One attempt (or an event not sent), as `GET /_emulator/deliveries` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub webhook_id: WebhookId,
    pub event_id: String,
    pub attempt: u8,
    /// Policy time the attempt started (or the event was lost/dropped).
    pub at: Millis,
    /// `status`, `timeout`, `refused`, `lost` (banned, R12) or `dropped` (deleted, R13).
    pub result: String,
    pub status: Option<u16>,
    pub duration_ms: Millis,
    pub success: bool,
    /// Raised the ban counter (R11).
    pub counted: bool,
    pub ban_until: Option<Millis>,
    /// The attempt was in flight when its webhook was deleted or removed, and ended after: its
    /// result counts for its event and changed nothing (domain reference, "In flight…").
    #[serde(default)]
    pub after_deletion: bool,
    /// The attempt was in flight when a ban started and ended during it: it changed nothing on
    /// the webhook (the ban counter is frozen).
    #[serde(default)]
    pub during_ban: bool,
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
    pub windows: HashMap<String, VecDeque<Instant>>,
    pub state_file: Option<PathBuf>,
}

/// How many delivery records are kept.
pub const LOG_KEPT: usize = 10_000;

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

    pub fn record(&mut self, r: DeliveryRecord) {
        if self.log.len() == LOG_KEPT {
            self.log.pop_front();
        }
        self.log.push_back(r);
    }

    pub fn schedule(&mut self, at: Millis, webhook_id: WebhookId, attempt: u8, event: usize) {
        self.seq += 1;
        if let Some((_, n)) = self.events.get_mut(&event) {
            *n += 1;
        }
        self.due.push(Reverse(Due { at, seq: self.seq, webhook_id, attempt, event }));
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
