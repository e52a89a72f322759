//! Checks started from the control API (`POST /_emulator/checks`): run in the background, kept
//! for `GET /_emulator/checks/{id}`, one at a time and at most [`MAX_STARTS_PER_MINUTE`] starts a
//! minute.
//!
//! Why the limits: a check is ~193 requests to any URL, loopback and private addresses included
//! (its job is to reach a receiver on this machine or its network), and its report shows each
//! status and connection error. Unlimited, one page allowed to call the emulator could use it as a
//! port scanner; one at a time and a few a minute, it stays a tool for one developer.

use super::{run, OnProgress, Options};
use pipedrive_webhooks::emulator_api::{CheckRun, Progress, RunState};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many finished checks the emulator keeps (the oldest go first).
pub const KEPT: usize = 20;
/// How many checks may start within a minute (real time).
pub const MAX_STARTS_PER_MINUTE: usize = 6;
const MINUTE: Duration = Duration::from_secs(60);

/// The checks started from the control API: the running one and the last [`KEPT`] finished, and
/// when the last ones started.
#[derive(Debug, Default)]
pub struct Runs {
    next: u64,
    checks: VecDeque<CheckRun>,
    starts: VecDeque<Instant>,
}

/// Why a check was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Another check is running (409).
    #[error("check {0} is still running: one check runs at a time; wait for it to finish (GET /_emulator/checks/{0})")]
    Running(u64),
    /// Too many started within the last minute (429, with `Retry-After`).
    #[error("{MAX_STARTS_PER_MINUTE} checks were started within the last minute: wait {retry_after_s} s")]
    TooMany { retry_after_s: u64 },
}

fn lock(runs: &Mutex<Runs>) -> std::sync::MutexGuard<'_, Runs> {
    runs.lock().unwrap_or_else(|p| p.into_inner())
}

impl Runs {
    pub fn status(&self, id: u64) -> Option<CheckRun> {
        self.checks.iter().find(|c| c.id == id).cloned()
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut CheckRun> {
        self.checks.iter_mut().find(|c| c.id == id)
    }

    /// Whether a check may start at `now`: none running, and fewer than
    /// [`MAX_STARTS_PER_MINUTE`] started in the minute before.
    fn admit(&mut self, now: Instant) -> Result<(), Refused> {
        if let Some(c) = self.checks.iter().find(|c| c.state == RunState::Running) {
            return Err(Refused::Running(c.id));
        }
        while self.starts.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
            self.starts.pop_front();
        }
        if self.starts.len() >= MAX_STARTS_PER_MINUTE {
            let oldest = self.starts.front().copied().unwrap_or(now);
            let wait = MINUTE.saturating_sub(now.duration_since(oldest));
            return Err(Refused::TooMany { retry_after_s: wait.as_millis().div_ceil(1000).max(1) as u64 });
        }
        Ok(())
    }

    /// Starts a check in the background; its id, or why not.
    pub fn start(runs: &Arc<Mutex<Runs>>, options: Options) -> Result<u64, Refused> {
        let id = {
            let mut r = lock(runs);
            let now = Instant::now();
            r.admit(now)?;
            r.starts.push_back(now);
            r.next += 1;
            let id = r.next;
            let total = options.request_count() as u64;
            r.checks.push_back(CheckRun { id, state: RunState::Running, progress: Progress { done: 0, total, current: "tls".into() }, report: None, error: None });
            while r.checks.len() > KEPT + 1 {
                let Some(i) = r.checks.iter().position(|c| c.state != RunState::Running) else { break };
                r.checks.remove(i);
            }
            id
        };
        let s = runs.clone();
        let on_progress: OnProgress = Arc::new(move |p: Progress| {
            if let Some(c) = lock(&s).get_mut(id) {
                c.progress = p;
            }
        });
        let s = runs.clone();
        tokio::spawn(async move {
            let result = run(&options, on_progress).await;
            let mut r = lock(&s);
            if let Some(c) = r.get_mut(id) {
                match result {
                    Ok(report) => {
                        c.state = RunState::Done;
                        c.report = Some(report);
                    }
                    Err(e) => {
                        c.state = RunState::Failed;
                        c.error = Some(e.to_string());
                    }
                }
            }
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_at_a_time_and_a_few_a_minute() {
        let mut r = Runs::default();
        let t0 = Instant::now();
        r.checks.push_back(CheckRun { id: 1, state: RunState::Running, ..Default::default() });
        assert_eq!(r.admit(t0), Err(Refused::Running(1)));
        r.checks[0].state = RunState::Done;
        for i in 0..MAX_STARTS_PER_MINUTE {
            assert_eq!(r.admit(t0 + Duration::from_secs(i as u64)), Ok(()));
            r.starts.push_back(t0 + Duration::from_secs(i as u64));
        }
        let later = t0 + Duration::from_millis(10_500);
        assert_eq!(r.admit(later), Err(Refused::TooMany { retry_after_s: 50 }), "the oldest start leaves the window 49.5 s later");
        assert_eq!(r.admit(t0 + MINUTE), Ok(()), "a minute after the oldest");
    }
}
