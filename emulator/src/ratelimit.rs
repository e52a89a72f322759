//! Pipedrive's burst limit: requests per token over a rolling 2-second window, with its headers.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The rolling window.
pub const WINDOW: Duration = Duration::from_secs(2);

/// What a request learns from the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the oldest request leaves the window.
    pub reset_s: u64,
}

/// Counts a request at `now` in `window` (the token's recent requests) against `limit`.
pub fn check(window: &mut VecDeque<Instant>, limit: u32, now: Instant) -> Verdict {
    while window.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        window.pop_front();
    }
    let allowed = (window.len() as u32) < limit;
    if allowed {
        window.push_back(now);
    }
    let reset = window.front().map_or(Duration::ZERO, |t| WINDOW.saturating_sub(now.duration_since(*t)));
    Verdict { allowed, limit, remaining: limit.saturating_sub(window.len() as u32), reset_s: reset.as_secs_f64().ceil() as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_window_then_refuses_until_it_rolls() {
        let mut w = VecDeque::new();
        let t0 = Instant::now();
        for i in 0..3 {
            let v = check(&mut w, 3, t0);
            assert!(v.allowed);
            assert_eq!(v.remaining, 2 - i);
        }
        let refused = check(&mut w, 3, t0 + Duration::from_millis(500));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_s, 2);
        assert!(check(&mut w, 3, t0 + WINDOW).allowed, "the window rolled");
    }
}
