//! What a receiver's observed behaviour means over days of real traffic: the failure rate and
//! latency a receiver check measured, turned into a [`Scenario`] and run through the core's
//! simulator (one delivery machine: R9–R13 are never re-implemented here), then read back as
//! figures per day (first-try failures, bans, lost events) and whether and when R13 deletes the
//! webhook.
//!
//! Pure: no I/O, no clock. The emulator's `check` command and the panel both call [`project`].
//!
//! ```
//! use pipedrive_webhooks::projection::{project, Observations};
//! use pipedrive_webhooks::Policy;
//! // 40 deliveries observed, 4 answered 500: a 10% failure rate, at 1 event a minute.
//! let obs = Observations { attempts: 40, failures: 4, timeouts: 0, latency_p50_ms: 30 };
//! let p = project(&obs, 1.0, &Policy::default()).unwrap();
//! assert_eq!(p.events_per_day, 1440.0);
//! assert!(p.first_try_failures_per_day > 100.0 && p.first_try_failures_per_day < 190.0);
//! assert_eq!(p.deletion_after_ms, None, "successes keep stopping the R13 clock");
//! ```

use crate::policy::{Millis, Policy, DAY, MINUTE};
use crate::simulator::{simulate, Endpoint, Scenario, SimWebhook, Summary, Traffic};
use serde::{Deserialize, Serialize};

/// The highest traffic projected, in events per minute: above it the simulated range
/// (4 days by default) would hold millions of events, too slow for the panel's wasm build.
pub const MAX_EVENTS_PER_MINUTE: f64 = 1_000.0;

/// The seed of every projection, so one report always shows the same figures.
pub const SEED: u64 = 13;

/// What a receiver check saw of the deliveries it graded (the auth probes, which are meant to be
/// refused, are not in it).
///
/// `failures` counts every attempt that fails under R9 (a non-2xx status, a 3xx included, an answer
/// after the timeout, no answer, a refused connection); `timeouts` is the part of them that got
/// no answer within the policy's timeout. `latency_p50_ms` is the median time to answer of the
/// attempts that answered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Observations {
    pub attempts: u64,
    pub failures: u64,
    pub timeouts: u64,
    pub latency_p50_ms: Millis,
}

/// Why observations cannot be projected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectionError {
    #[error("no delivery was observed: nothing to project")]
    NoObservations,
    #[error("{failures} failures and {timeouts} timeouts out of {attempts} attempts do not add up")]
    Inconsistent { attempts: u64, failures: u64, timeouts: u64 },
    #[error("the traffic must be a number of events per minute above 0 and at most {max}, not {given}")]
    Rate { given: f64, max: f64 },
}

/// The projection of one receiver at one traffic: average figures per day over the simulated range
/// (each `…_per_day`, flat so that a client can list them), the totals, whether R13 deletes the
/// webhook, and the scenario. Field names are snake_case, as in the receiver check's JSON report
/// that embeds it; `scenario` keeps the simulator's own (camelCase) shape so a client can run it
/// again, with its timeline, to draw the chart.
///
/// `lost_events_per_day` = `lost_during_ban_per_day` + `failed_all_attempts_per_day` +
/// `dropped_after_deletion_per_day`: every event the receiver never got with a 2xx.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The traffic projected: one event every `60 000 / events_per_minute` ms.
    pub events_per_minute: f64,
    /// The simulated range, ms: the R13 window plus a day, so a deletion can show.
    pub simulated_ms: Millis,
    pub events_per_day: f64,
    /// Failed first attempts: each raises the ban counter (R11) unless a ban runs.
    pub first_try_failures_per_day: f64,
    /// Bans started (R12: 10 on the counter, 30 minutes).
    pub bans_per_day: f64,
    /// Events sent nowhere because a ban was running (R12).
    pub lost_during_ban_per_day: f64,
    /// Events whose four attempts all failed (R10).
    pub failed_all_attempts_per_day: f64,
    /// Events dropped because the webhook was already deleted (R13).
    pub dropped_after_deletion_per_day: f64,
    pub lost_events_per_day: f64,
    /// When R13 deletes the webhook, in ms from the first event; `None` when it survives the range.
    pub deletion_after_ms: Option<Millis>,
    /// The totals over the simulated range, as the simulator reports them.
    pub totals: Summary,
    /// The scenario that gave these figures (`timeline: true`, so running it again charts it).
    pub scenario: Scenario,
}

impl Observations {
    /// The simulator's endpoint model for what was observed: `slow_rate` the share of timeouts,
    /// `failure_rate` the share of other failures, answers after the median latency (at most the
    /// timeout, so they succeed in time, R9).
    ///
    /// ```
    /// use pipedrive_webhooks::projection::Observations;
    /// use pipedrive_webhooks::Policy;
    /// let e = Observations { attempts: 100, failures: 30, timeouts: 10, latency_p50_ms: 80 }.endpoint(&Policy::default());
    /// assert_eq!((e.slow_rate, e.failure_rate, e.latency_ms), (0.1, 0.2, 80));
    /// ```
    pub fn endpoint(&self, policy: &Policy) -> Endpoint {
        let n = self.attempts.max(1) as f64;
        Endpoint {
            latency_ms: self.latency_p50_ms.clamp(0, policy.timeout_ms),
            failure_rate: self.failures.saturating_sub(self.timeouts) as f64 / n,
            slow_rate: self.timeouts as f64 / n,
            failure_status: 500,
            outages: Vec::new(),
        }
    }

    fn check(&self) -> Result<(), ProjectionError> {
        if self.attempts == 0 {
            return Err(ProjectionError::NoObservations);
        }
        if self.failures > self.attempts || self.timeouts > self.failures {
            return Err(ProjectionError::Inconsistent { attempts: self.attempts, failures: self.failures, timeouts: self.timeouts });
        }
        Ok(())
    }
}

/// The scenario for `obs` at `events_per_minute`: one webhook, one event every
/// `60 000 / events_per_minute` ms (at least 1 ms apart), over the R13 window plus a day,
/// seeded with [`SEED`], timeline on.
///
/// Errors: no attempts, counts that do not add up, or a rate that is not in
/// `(0, MAX_EVENTS_PER_MINUTE]`.
///
/// ```
/// use pipedrive_webhooks::projection::{scenario, Observations};
/// use pipedrive_webhooks::simulator::Traffic;
/// use pipedrive_webhooks::{Policy, HOUR};
/// let s = scenario(&Observations { attempts: 10, failures: 0, timeouts: 0, latency_p50_ms: 5 }, 2.0, &Policy::default()).unwrap();
/// assert_eq!(s.webhooks[0].traffic, Traffic::Every { interval_ms: 30_000 });
/// assert_eq!(s.duration_ms, 96 * HOUR);
/// assert!(scenario(&Observations::default(), 1.0, &Policy::default()).is_err());
/// ```
pub fn scenario(obs: &Observations, events_per_minute: f64, policy: &Policy) -> Result<Scenario, ProjectionError> {
    obs.check()?;
    if !(events_per_minute.is_finite() && events_per_minute > 0.0 && events_per_minute <= MAX_EVENTS_PER_MINUTE) {
        return Err(ProjectionError::Rate { given: events_per_minute, max: MAX_EVENTS_PER_MINUTE });
    }
    let interval_ms = ((MINUTE as f64 / events_per_minute).round() as Millis).max(1);
    Ok(Scenario {
        policy: *policy,
        start: 0,
        duration_ms: policy.deletion_after_ms.saturating_add(DAY),
        seed: SEED,
        webhooks: vec![SimWebhook { endpoint: obs.endpoint(policy), traffic: Traffic::Every { interval_ms }, max_events: None }],
        timeline: true,
    })
}

/// Runs [`scenario`] through the simulator (without its timeline: only the figures are needed)
/// and reads the figures back. Errors as [`scenario`].
///
/// ```
/// use pipedrive_webhooks::projection::{project, Observations};
/// use pipedrive_webhooks::{Policy, HOUR};
/// // Every delivery fails: banned again and again, then deleted 72 h after the first failure.
/// let dead = Observations { attempts: 20, failures: 20, timeouts: 0, latency_p50_ms: 3 };
/// let p = project(&dead, 1.0, &Policy::default()).unwrap();
/// assert!(p.bans_per_day >= 20.0);
/// assert_eq!(p.deletion_after_ms, Some(72 * HOUR + 3));
/// ```
pub fn project(obs: &Observations, events_per_minute: f64, policy: &Policy) -> Result<Projection, ProjectionError> {
    let scenario = scenario(obs, events_per_minute, policy)?;
    let report = simulate(&Scenario { timeline: false, ..scenario.clone() });
    let s = report.summary;
    let days = scenario.duration_ms as f64 / DAY as f64;
    let per = |n: u64| n as f64 / days;
    Ok(Projection {
        events_per_minute,
        simulated_ms: scenario.duration_ms,
        events_per_day: per(s.events),
        first_try_failures_per_day: per(s.first_try_failures),
        bans_per_day: per(s.bans),
        lost_during_ban_per_day: per(s.lost_during_ban),
        failed_all_attempts_per_day: per(s.failed_all_attempts),
        dropped_after_deletion_per_day: per(s.dropped_after_deletion),
        lost_events_per_day: per(s.lost_during_ban + s.failed_all_attempts + s.dropped_after_deletion),
        totals: s,
        deletion_after_ms: report.webhooks.first().and_then(|w| w.deleted_at).map(|at| at - scenario.start),
        scenario,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::HOUR;

    fn obs(attempts: u64, failures: u64, timeouts: u64) -> Observations {
        Observations { attempts, failures, timeouts, latency_p50_ms: 40 }
    }

    #[test]
    fn a_healthy_receiver_loses_nothing_and_is_never_deleted() {
        let p = project(&obs(180, 0, 0), 1.0, &Policy::default()).unwrap();
        assert_eq!(p.events_per_day, 1440.0);
        assert_eq!((p.first_try_failures_per_day, p.bans_per_day, p.lost_events_per_day), (0.0, 0.0, 0.0));
        assert_eq!(p.totals.delivered_first_try, p.totals.events);
        assert_eq!(p.deletion_after_ms, None);
    }

    #[test]
    fn r11_r12_ten_failed_first_attempts_ban_and_ban_time_events_are_lost() {
        // Every first attempt fails: a ban after each 10 failures (R12), events meanwhile lost.
        let p = project(&obs(10, 10, 0), 1.0, &Policy::default()).unwrap();
        assert!(p.totals.bans >= 10, "{:?}", p.totals);
        assert!(p.totals.lost_during_ban > 0);
        assert_eq!(p.lost_events_per_day, p.lost_during_ban_per_day + p.failed_all_attempts_per_day + p.dropped_after_deletion_per_day);
    }

    #[test]
    fn r13_a_receiver_that_always_fails_is_deleted_72_hours_after_its_first_failure() {
        let policy = Policy::default();
        let p = project(&obs(10, 10, 0), 1.0, &policy).unwrap();
        // The first attempt starts at 0 and fails after the observed latency (R9): the R13 clock starts then.
        assert_eq!(p.deletion_after_ms, Some(policy.deletion_after_ms + 40));
        assert!(p.totals.dropped_after_deletion > 0, "events after the deletion are dropped");
        // Timeouts fail at the timeout instead: the clock starts 10 s after the first event.
        let slow = project(&obs(10, 10, 10), 1.0, &policy).unwrap();
        assert_eq!(slow.deletion_after_ms, Some(policy.deletion_after_ms + policy.timeout_ms));
    }

    #[test]
    fn the_numbers_come_from_the_policy() {
        let policy = Policy { deletion_after_ms: 24 * HOUR, ..Policy::default() };
        let p = project(&obs(10, 10, 0), 1.0, &policy).unwrap();
        assert_eq!(p.simulated_ms, 48 * HOUR);
        assert_eq!(p.deletion_after_ms, Some(24 * HOUR + 40));
        assert_eq!(p.scenario.policy, policy);
    }

    #[test]
    fn more_traffic_means_more_first_try_failures_per_day() {
        let policy = Policy::default();
        let slow = project(&obs(100, 2, 0), 1.0, &policy).unwrap();
        let busy = project(&obs(100, 2, 0), 10.0, &policy).unwrap();
        assert_eq!(busy.events_per_day, 14_400.0);
        assert!(busy.first_try_failures_per_day > 4.0 * slow.first_try_failures_per_day, "{} vs {}", busy.first_try_failures_per_day, slow.first_try_failures_per_day);
    }

    #[test]
    fn the_embedded_scenario_replays_to_the_same_figures() {
        let p = project(&obs(50, 5, 2), 3.0, &Policy::default()).unwrap();
        assert!(p.scenario.timeline);
        let again = simulate(&p.scenario);
        assert_eq!(again.summary, p.totals);
        assert!(!again.timeline.is_empty());
        // The JSON shape a client gets is the simulator's own.
        let json = serde_json::to_value(&p).unwrap();
        let back: Scenario = serde_json::from_value(json["scenario"].clone()).unwrap();
        assert_eq!(back, p.scenario);
        assert!(json["first_try_failures_per_day"].is_number());
        assert!(json.get("deletion_after_ms").is_some());
    }

    #[test]
    fn endpoint_shares_split_timeouts_from_other_failures() {
        let e = obs(200, 50, 20).endpoint(&Policy::default());
        assert_eq!((e.slow_rate, e.failure_rate), (0.1, 0.15));
        let capped = Observations { latency_p50_ms: 60_000, ..obs(1, 0, 0) }.endpoint(&Policy::default());
        assert_eq!(capped.latency_ms, 10_000);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let p = Policy::default();
        assert_eq!(project(&Observations::default(), 1.0, &p).unwrap_err(), ProjectionError::NoObservations);
        assert!(matches!(project(&obs(5, 6, 0), 1.0, &p), Err(ProjectionError::Inconsistent { .. })));
        assert!(matches!(project(&obs(5, 2, 3), 1.0, &p), Err(ProjectionError::Inconsistent { .. })));
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_EVENTS_PER_MINUTE + 1.0] {
            assert!(matches!(project(&obs(5, 0, 0), rate, &p), Err(ProjectionError::Rate { .. })), "{rate}");
        }
        assert!(project(&obs(5, 0, 0), MAX_EVENTS_PER_MINUTE, &p).is_ok());
    }
}
