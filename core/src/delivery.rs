//! One webhook's delivery state machine: attempts and retries (R9, R10), the ban counter and bans
//! (R11, R12), deletion after failing for 72 h (R13).
//!
//! Inputs carry their time; every method first applies what time alone does ([`DeliveryState::tick`])
//! and reports it, so a driver never misses a ban end or a deletion. The exact timing decisions are
//! those of the domain reference ("Delivery timing, precisely").

use crate::policy::{Millis, Policy};
use serde::{Deserialize, Serialize};

/// How the endpoint answered one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Response {
    /// An HTTP status, `after_ms` after the attempt started.
    Status { code: u16, after_ms: Millis },
    /// No answer within the timeout.
    NoAnswer,
    /// The connection failed (refused, DNS, TLS) after `after_ms`.
    Refused { after_ms: Millis },
}

impl Response {
    /// When an attempt that started at `start` ends, the status it got in time, and whether it
    /// timed out (R9): an answer after the timeout is no answer; the attempt ends at the timeout.
    ///
    /// ```
    /// use pipedrive_webhooks::{Policy, Response};
    /// let p = Policy::default();
    /// assert_eq!(Response::Status { code: 200, after_ms: 10_000 }.resolve(&p, 0), (10_000, Some(200), false));
    /// assert_eq!(Response::Status { code: 200, after_ms: 10_001 }.resolve(&p, 0), (10_000, None, true));
    /// ```
    #[inline]
    pub fn resolve(self, p: &Policy, start: Millis) -> (Millis, Option<u16>, bool) {
        match self {
            Response::Status { code, after_ms } if after_ms.max(0) <= p.timeout_ms => {
                (start.saturating_add(after_ms.max(0)), Some(code), false)
            }
            Response::Status { .. } | Response::NoAnswer => (start.saturating_add(p.timeout_ms), None, true),
            Response::Refused { after_ms } => (start.saturating_add(after_ms.clamp(0, p.timeout_ms)), None, false),
        }
    }
}

/// The rule behind a transition, for the panel and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    R9,
    R10,
    R11,
    R12,
    R13,
}

impl Rule {
    /// One line, in plain words.
    ///
    /// ```
    /// assert!(pipedrive_webhooks::Rule::R12.explain().contains("30 minutes"));
    /// ```
    pub fn explain(self) -> &'static str {
        match self {
            Rule::R9 => "A delivery succeeds only on a 2xx answer within 10 s; redirects and timeouts fail.",
            Rule::R10 => "A failed first attempt is retried 3 s, 30 s and 150 s later; four failures fail the event.",
            Rule::R11 => "Each failed first attempt raises the ban counter by one; failed retries do not.",
            Rule::R12 => "At 10 on the ban counter the webhook is banned for 30 minutes; events meanwhile are lost, then the counter restarts at 0.",
            Rule::R13 => "A webhook with no successful delivery for 72 hours is deleted.",
        }
    }

    /// `"R12"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::R9 => "R9",
            Rule::R10 => "R10",
            Rule::R11 => "R11",
            Rule::R12 => "R12",
            Rule::R13 => "R13",
        }
    }
}

/// Whether an attempt (first or retry) may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Admission {
    /// Send it.
    Send,
    /// Banned (R12): nothing is sent, the event is lost.
    Lost { banned_until: Millis },
    /// Deleted (R13): nothing is sent, the event is dropped.
    Dropped { deleted_at: Millis },
}

/// What time alone did since the last input: a ban ended (R12) and/or the webhook was deleted (R13),
/// each at its exact instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TickOutcome {
    pub ban_ended_at: Option<Millis>,
    pub deleted_at: Option<Millis>,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Next {
    /// The event is delivered; no more attempts.
    Delivered,
    /// Attempt `attempt` falls due at `at` (R10); admit it then.
    Retry { attempt: u8, at: Millis },
    /// All attempts failed: one failed delivery.
    Failed,
}

/// The result of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptOutcome {
    /// What time did before the attempt ended.
    pub tick: TickOutcome,
    pub attempt: u8,
    pub end: Millis,
    pub success: bool,
    /// The status when one came within the timeout.
    pub status: Option<u16>,
    pub timed_out: bool,
    /// Raised the ban counter (R11).
    pub counted: bool,
    /// The ban counter afterwards.
    pub counter: u32,
    /// This failure started a ban lasting until then (R12).
    pub ban_until: Option<Millis>,
    pub next: Next,
    /// The attempt ended after the webhook was deleted (R13) or removed: its result counts for its
    /// event only and changed nothing on the webhook.
    #[serde(default)]
    pub after_deletion: bool,
    /// The attempt was in flight when a ban started and ended during it (R12): a failure did not
    /// raise the frozen ban counter; a success still cleared the deletion clock (R13).
    #[serde(default)]
    pub during_ban: bool,
}

/// What happens at one instant, in the order the domain reference fixes ("Order at equal times"):
/// first what time alone does (a ban ends, R12; a deletion, R13), then attempt ends in the order
/// their attempts started, then attempt starts (new events and retries) in the order they were
/// scheduled. Every driver (the simulator, the account's callers, the emulator) orders its work by
/// [`Step`], so a ban that an attempt ending at `t` starts covers every attempt due at `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A ban end or a deletion ([`DeliveryState::tick`]).
    TimeAlone,
    /// An attempt's result ([`DeliveryState::attempt_ended`]).
    AttemptEnd,
    /// An attempt's start ([`DeliveryState::admit`]): a new event or a retry.
    AttemptStart,
}

/// The sort key of work at an instant: time, then [`Phase`], then the order it was scheduled in.
///
/// ```
/// use pipedrive_webhooks::delivery::{Phase, Step};
/// // A retry due at 3 001 scheduled long ago still waits for an attempt that ends at 3 001.
/// let retry = Step { at: 3_001, phase: Phase::AttemptStart, seq: 1 };
/// let end = Step { at: 3_001, phase: Phase::AttemptEnd, seq: 99 };
/// assert!(end < retry);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Step {
    pub at: Millis,
    pub phase: Phase,
    /// Scheduling order: earlier-scheduled work goes first within a phase.
    pub seq: u64,
}

/// Where a webhook stands, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Standing {
    Healthy,
    /// Failing since `since`; deleted at `deletion_at` unless something succeeds first (R13).
    Failing { since: Millis, deletion_at: Millis },
    Banned { until: Millis },
    Deleted { at: Millis },
}

/// One webhook's delivery state. Serialisable; starts healthy.
///
/// ```
/// use pipedrive_webhooks::{DeliveryState, Policy, Response, Admission, Next};
/// let p = Policy::default();
/// let mut d = DeliveryState::default();
/// assert_eq!(d.admit(&p, 0).0, Admission::Send);
/// let out = d.attempt_ended(&p, 1, 0, Response::Status { code: 500, after_ms: 40 });
/// assert_eq!(out.next, Next::Retry { attempt: 2, at: 3_040 });
/// assert_eq!(d.ban_counter, 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeliveryState {
    pub ban_counter: u32,
    pub banned_until: Option<Millis>,
    /// End of the first failed attempt after the last success (R13).
    pub failing_since: Option<Millis>,
    pub deleted_at: Option<Millis>,
    pub last_attempt_at: Option<Millis>,
    pub last_status: Option<u16>,
    pub last_success_at: Option<Millis>,
}

impl DeliveryState {
    /// When R13 deletes this webhook unless an attempt succeeds first.
    #[inline]
    pub fn deletion_due(&self, p: &Policy) -> Option<Millis> {
        self.failing_since.map(|f| f.saturating_add(p.deletion_after_ms))
    }

    /// Applies what time alone does up to `now`: a ban ends at its instant, with the counter back
    /// to 0 (R12); the webhook is deleted at exactly `failing_since + 72 h` (R13). At equal times the
    /// ban ends first.
    #[inline]
    pub fn tick(&mut self, p: &Policy, now: Millis) -> TickOutcome {
        let mut out = TickOutcome::default();
        if self.deleted_at.is_some() {
            return out;
        }
        let deletion = self.deletion_due(p);
        if let Some(until) = self.banned_until.filter(|&u| u <= now) {
            if deletion.is_none_or(|d| until <= d) {
                out.ban_ended_at = Some(until);
            }
            self.banned_until = None;
            self.ban_counter = 0;
        }
        if let Some(at) = deletion.filter(|&d| d <= now) {
            self.deleted_at = Some(at);
            self.banned_until = None;
            out.deleted_at = Some(at);
        }
        out
    }

    /// Whether an attempt may start at `now` (an event's first attempt or a retry that fell due).
    #[inline]
    pub fn admit(&mut self, p: &Policy, now: Millis) -> (Admission, TickOutcome) {
        let tick = self.tick(p, now);
        let admission = if let Some(deleted_at) = self.deleted_at {
            Admission::Dropped { deleted_at }
        } else if let Some(banned_until) = self.banned_until {
            Admission::Lost { banned_until }
        } else {
            Admission::Send
        };
        (admission, tick)
    }

    /// Records attempt `attempt` (1-based) that started at `start` and got `response` (R9–R13).
    ///
    /// Decisions (domain reference, "In flight at a ban or a deletion"): an attempt in flight when a
    /// ban starts ends normally and its result counts for its event (`during_ban`). The ban counter
    /// is frozen until the ban ends, so a failed first attempt does not raise it; but a success is a
    /// successful delivery and clears `failing_since` (R13: Pipedrive deletes only webhooks with no
    /// successful delivery for 3 days). The result of an attempt ending after the webhook's deletion
    /// changes nothing (`after_deletion`). The last attempt's time and status are recorded, as
    /// Pipedrive's `last_delivery_time` would be.
    #[inline]
    pub fn attempt_ended(&mut self, p: &Policy, attempt: u8, start: Millis, response: Response) -> AttemptOutcome {
        let (end, status, timed_out) = response.resolve(p, start);
        let success = matches!(status, Some(200..=299));
        let tick = self.tick(p, end);
        let mut out = AttemptOutcome {
            tick,
            attempt,
            end,
            success,
            status,
            timed_out,
            counted: false,
            counter: self.ban_counter,
            ban_until: None,
            next: Next::Failed,
            after_deletion: self.deleted_at.is_some(),
            // Nothing starts during a ban, so an attempt that ends in one was in flight at its start.
            during_ban: self.deleted_at.is_none() && self.banned_until.is_some(),
        };
        let deleted = out.after_deletion;
        if !deleted {
            self.last_attempt_at = Some(end);
            self.last_status = status;
        }
        if success {
            if !deleted {
                self.last_success_at = Some(end);
                self.failing_since = None;
            }
            out.next = Next::Delivered;
            return out;
        }
        if !deleted {
            self.failing_since.get_or_insert(end);
            if attempt == 1 && !out.during_ban {
                self.ban_counter += 1;
                out.counted = true;
                if self.ban_counter >= p.ban_threshold {
                    let until = end.saturating_add(p.ban_duration_ms);
                    self.banned_until = Some(until);
                    out.ban_until = Some(until);
                }
            }
            out.counter = self.ban_counter;
        }
        if let Some(delay) = p.retry_delay_before(attempt.saturating_add(1)) {
            out.next = Next::Retry { attempt: attempt + 1, at: end.saturating_add(delay) };
        }
        out
    }

    /// Where the webhook stands at `now`, as if time had been applied (the state is not changed).
    pub fn standing(&self, p: &Policy, now: Millis) -> Standing {
        let mut s = self.clone();
        s.tick(p, now);
        match (s.deleted_at, s.banned_until, s.failing_since) {
            (Some(at), _, _) => Standing::Deleted { at },
            (None, Some(until), _) => Standing::Banned { until },
            (None, None, Some(since)) => Standing::Failing { since, deletion_at: since.saturating_add(p.deletion_after_ms) },
            (None, None, None) => Standing::Healthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{HOUR, MINUTE, SECOND};

    const P: Policy = policy();
    const fn policy() -> Policy {
        Policy {
            max_app_webhooks_per_user: 40,
            max_general_webhooks_per_user: 40,
            ban_threshold: 10,
            ban_duration_ms: 30 * MINUTE,
            timeout_ms: 10 * SECOND,
            retry_delays_ms: [3 * SECOND, 30 * SECOND, 150 * SECOND],
            deletion_after_ms: 72 * HOUR,
            max_name_chars: 255,
            max_url_len: 2048,
        }
    }

    fn fail_first(d: &mut DeliveryState, at: Millis) -> AttemptOutcome {
        assert_eq!(d.admit(&P, at).0, Admission::Send);
        d.attempt_ended(&P, 1, at, Response::Status { code: 500, after_ms: 0 })
    }

    #[test]
    fn policy_const_matches_default() {
        assert_eq!(P, Policy::default());
    }

    #[test]
    fn r09_a_2xx_at_exactly_10000_ms_succeeds_and_10001_fails() {
        let mut d = DeliveryState::default();
        let ok = d.attempt_ended(&P, 1, 0, Response::Status { code: 204, after_ms: 10_000 });
        assert!(ok.success);
        assert_eq!((ok.end, ok.next), (10_000, Next::Delivered));
        let late = d.attempt_ended(&P, 1, 0, Response::Status { code: 200, after_ms: 10_001 });
        assert!(!late.success && late.timed_out);
        assert_eq!(late.end, 10_000, "a timeout ends at start + 10 s");
    }

    #[test]
    fn r09_redirects_and_errors_fail() {
        for code in [301, 302, 304, 400, 404, 500, 503, 100, 199] {
            let mut d = DeliveryState::default();
            let out = d.attempt_ended(&P, 1, 0, Response::Status { code, after_ms: 5 });
            assert!(!out.success, "{code}");
        }
        for code in [200, 201, 202, 204, 299] {
            let mut d = DeliveryState::default();
            assert!(d.attempt_ended(&P, 1, 0, Response::Status { code, after_ms: 5 }).success, "{code}");
        }
        let mut d = DeliveryState::default();
        let refused = d.attempt_ended(&P, 1, 100, Response::Refused { after_ms: 2 });
        assert_eq!((refused.success, refused.end, refused.timed_out), (false, 102, false));
    }

    #[test]
    fn r10_retries_3s_30s_150s_after_each_failed_attempt_end() {
        let mut d = DeliveryState::default();
        let a1 = d.attempt_ended(&P, 1, 0, Response::NoAnswer);
        assert_eq!(a1.next, Next::Retry { attempt: 2, at: 13_000 });
        let a2 = d.attempt_ended(&P, 2, 13_000, Response::Status { code: 502, after_ms: 100 });
        assert_eq!(a2.next, Next::Retry { attempt: 3, at: 43_100 });
        let a3 = d.attempt_ended(&P, 3, 43_100, Response::Refused { after_ms: 0 });
        assert_eq!(a3.next, Next::Retry { attempt: 4, at: 193_100 });
        let a4 = d.attempt_ended(&P, 4, 193_100, Response::NoAnswer);
        assert_eq!(a4.next, Next::Failed);
        assert_eq!(P.worst_case_failure_ms(), 4 * 10_000 + 183_000);
    }

    #[test]
    fn r11_only_failed_first_attempts_count_and_successes_do_not_reset() {
        let mut d = DeliveryState::default();
        fail_first(&mut d, 0);
        for attempt in 2..=4 {
            let out = d.attempt_ended(&P, attempt, 1_000 * attempt as i64, Response::NoAnswer);
            assert!(!out.counted, "a failed retry does not count");
        }
        assert_eq!(d.ban_counter, 1);
        let ok = d.attempt_ended(&P, 1, 500_000, Response::Status { code: 200, after_ms: 1 });
        assert!(ok.success);
        assert_eq!(d.ban_counter, 1, "decision: a success does not lower the counter");
    }

    #[test]
    fn r12_nine_failures_no_ban_the_tenth_bans_for_30_minutes() {
        let mut d = DeliveryState::default();
        for i in 0..9 {
            let out = fail_first(&mut d, i * MINUTE);
            assert_eq!(out.ban_until, None);
        }
        assert_eq!(d.ban_counter, 9);
        let tenth = fail_first(&mut d, 9 * MINUTE);
        assert_eq!(tenth.ban_until, Some(9 * MINUTE + 30 * MINUTE));
        assert_eq!(d.ban_counter, 10);
        // The tenth event's retry falls due during the ban: it is lost.
        let Next::Retry { at, .. } = tenth.next else { panic!("retry expected") };
        assert_eq!(d.admit(&P, at).0, Admission::Lost { banned_until: 39 * MINUTE });
    }

    #[test]
    fn r12_event_during_ban_is_lost_and_at_ban_end_counter_is_zero() {
        let mut d = DeliveryState::default();
        for i in 0..10 {
            fail_first(&mut d, i * SECOND);
        }
        let until = 9 * SECOND + 30 * MINUTE;
        assert_eq!(d.admit(&P, until - 1).0, Admission::Lost { banned_until: until });
        let (admission, tick) = d.admit(&P, until);
        assert_eq!(admission, Admission::Send);
        assert_eq!(tick.ban_ended_at, Some(until));
        assert_eq!(d.ban_counter, 0);
        assert_eq!(d.banned_until, None);
    }

    #[test]
    fn r12_first_attempt_failing_during_a_ban_does_not_count() {
        let mut d = DeliveryState::default();
        for i in 0..10 {
            fail_first(&mut d, i * SECOND);
        }
        // Started before the ban, ended during it.
        let out = d.attempt_ended(&P, 1, 9 * SECOND, Response::NoAnswer);
        assert!(!out.counted);
        assert_eq!(d.ban_counter, 10);
    }

    #[test]
    fn r13_deleted_exactly_72h_after_the_first_failure_not_one_ms_before() {
        let mut d = DeliveryState::default();
        let first = fail_first(&mut d, 0).end;
        let due = first + 72 * HOUR;
        assert_eq!(d.deletion_due(&P), Some(due));
        assert_eq!(d.admit(&P, due - 1).0, Admission::Send);
        let (admission, tick) = d.admit(&P, due);
        assert_eq!(admission, Admission::Dropped { deleted_at: due });
        assert_eq!(tick.deleted_at, Some(due));
        // Noticed later, still deleted at its instant.
        let mut late = DeliveryState::default();
        fail_first(&mut late, 0);
        assert_eq!(late.tick(&P, due + 5 * HOUR).deleted_at, Some(due));
    }

    #[test]
    fn r13_any_success_clears_the_deletion_clock() {
        let mut d = DeliveryState::default();
        fail_first(&mut d, 0);
        let retry_ok = d.attempt_ended(&P, 2, 3_000, Response::Status { code: 200, after_ms: 10 });
        assert!(retry_ok.success);
        assert_eq!(d.failing_since, None);
        let again = fail_first(&mut d, 10 * HOUR).end;
        assert_eq!(d.deletion_due(&P), Some(again + 72 * HOUR));
    }

    #[test]
    fn standing_reports_each_state_without_changing_it() {
        let mut d = DeliveryState::default();
        assert_eq!(d.standing(&P, 0), Standing::Healthy);
        fail_first(&mut d, 0);
        assert_eq!(d.standing(&P, 1), Standing::Failing { since: 0, deletion_at: 72 * HOUR });
        assert_eq!(d.standing(&P, 72 * HOUR), Standing::Deleted { at: 72 * HOUR });
        assert_eq!(d.deleted_at, None, "standing() is a query");
        for i in 1..10 {
            fail_first(&mut d, i);
        }
        assert_eq!(d.standing(&P, 10), Standing::Banned { until: 9 + 30 * MINUTE });
    }

    #[test]
    fn hostile_durations_do_not_panic() {
        let mut d = DeliveryState::default();
        d.attempt_ended(&P, 1, Millis::MAX, Response::Status { code: 200, after_ms: -5 });
        d.attempt_ended(&P, 255, Millis::MIN, Response::Refused { after_ms: Millis::MAX });
        d.attempt_ended(&P, 0, 0, Response::NoAnswer);
        d.tick(&P, Millis::MAX);
    }
}
