//! Pipedrive's two limits (domain reference §2 "Rate limits"): per token, requests over a rolling
//! 2-second window, and a refusal past it lasts a 10 s penalty (real time); per company, a daily
//! token budget (each call costs `rate_limit::token_cost`), reset at midnight UTC of the emulator's
//! clock.

use pipedrive_webhooks::Millis;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The rolling window.
pub const WINDOW: Duration = Duration::from_secs(2);

/// How long a token that went over its window is refused: a real burst 429 (2023) carried
/// `Retry-After: 10` and `x-ratelimit-reset: 10`.
pub const PENALTY: Duration = Duration::from_secs(10);

const DAY_MS: Millis = 86_400_000;

/// One token's recent requests, and the end of its penalty.
#[derive(Debug, Default)]
pub struct Window {
    hits: VecDeque<Instant>,
    penalty_until: Option<Instant>,
}

/// What a request learns from the burst limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the oldest request leaves the window, or, when refused, until the
    /// penalty ends (also the `Retry-After`).
    pub reset_s: u64,
}

fn ceil_s(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Counts a request at `now` in `window` against `limit`. Going over starts a `penalty` during
/// which every request is refused (and not counted).
pub fn check(window: &mut Window, limit: u32, penalty: Duration, now: Instant) -> Verdict {
    if let Some(until) = window.penalty_until {
        if now < until {
            return Verdict { allowed: false, limit, remaining: 0, reset_s: ceil_s(until - now).max(1) };
        }
        window.penalty_until = None;
    }
    while window.hits.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        window.hits.pop_front();
    }
    if (window.hits.len() as u32) >= limit {
        window.penalty_until = now.checked_add(penalty);
        return Verdict { allowed: false, limit, remaining: 0, reset_s: ceil_s(penalty).max(1) };
    }
    window.hits.push_back(now);
    let reset = window.hits.front().map_or(Duration::ZERO, |t| WINDOW.saturating_sub(now.duration_since(*t)));
    Verdict { allowed: true, limit, remaining: limit.saturating_sub(window.hits.len() as u32), reset_s: ceil_s(reset) }
}

/// The company's daily token budget: what was spent on `day` (days since the epoch, UTC, on the
/// emulator's clock).
#[derive(Debug, Default, Clone, Copy)]
pub struct Daily {
    day: Millis,
    spent: u64,
}

/// What a request learns from the daily budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyVerdict {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds (on the emulator's clock) until midnight UTC, when the budget resets.
    pub reset_s: u64,
}

impl Daily {
    /// Charges `cost` at `now` (policy ms) against `budget`. A request is served while any token is
    /// left and spends its cost down to 0; at 0 every request is refused until midnight UTC.
    pub fn charge(&mut self, budget: u64, cost: u64, now: Millis) -> DailyVerdict {
        let day = now.div_euclid(DAY_MS);
        if day != self.day {
            *self = Daily { day, spent: 0 };
        }
        let until_midnight = (day + 1) * DAY_MS - now;
        let reset_s = (until_midnight as u64).div_ceil(1000).max(1);
        if self.spent >= budget {
            return DailyVerdict { allowed: false, limit: budget, remaining: 0, reset_s };
        }
        self.spent = self.spent.saturating_add(cost).min(budget);
        DailyVerdict { allowed: true, limit: budget, remaining: budget - self.spent, reset_s }
    }

    /// A fresh budget (the emulator's reset).
    pub fn clear(&mut self) {
        *self = Daily::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_window_then_a_penalty_longer_than_the_window() {
        let mut w = Window::default();
        let t0 = Instant::now();
        for i in 0..3 {
            let v = check(&mut w, 3, PENALTY, t0);
            assert!(v.allowed);
            assert_eq!(v.remaining, 2 - i);
        }
        let refused = check(&mut w, 3, PENALTY, t0 + Duration::from_millis(500));
        assert_eq!((refused.allowed, refused.reset_s, refused.remaining), (false, 10, 0));
        assert!(!check(&mut w, 3, PENALTY, t0 + WINDOW + Duration::from_secs(1)).allowed, "the window rolled, the penalty holds");
        assert_eq!(check(&mut w, 3, PENALTY, t0 + Duration::from_millis(9_600)).reset_s, 1);
        assert!(check(&mut w, 3, PENALTY, t0 + Duration::from_millis(10_500)).allowed, "the penalty is over");
    }

    #[test]
    fn the_daily_budget_spends_down_to_zero_and_resets_at_midnight_utc() {
        let mut d = Daily::default();
        let noon = 20_000 * DAY_MS + DAY_MS / 2;
        assert_eq!(d.charge(25, 10, noon).remaining, 15);
        assert_eq!(d.charge(25, 10, noon).remaining, 5);
        assert_eq!(d.charge(25, 6, noon), DailyVerdict { allowed: true, limit: 25, remaining: 0, reset_s: 43_200 });
        assert!(!d.charge(25, 6, noon + 1).allowed);
        assert_eq!(d.charge(25, 10, noon + DAY_MS / 2 - 1).reset_s, 1);
        assert_eq!(d.charge(25, 10, noon + DAY_MS / 2), DailyVerdict { allowed: true, limit: 25, remaining: 15, reset_s: 86_400 });
    }
}
