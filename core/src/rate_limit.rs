//! What a client does after a 429 (domain reference, "Rate limits"): Pipedrive has a per-token
//! burst limit over a rolling 2 s window and a daily per-company request budget. A burst 429 is
//! waited out and retried, within a budget of retries and total wait; a daily-budget 429 is never
//! retried automatically (its `Retry-After` is often over an hour). In both cases nothing is sent
//! before the `Retry-After` the API gave. The panel and the JS package (`syncWebhooks`, the CLI)
//! drive one [`RateLimitRetry`] per call, so they wait alike; and every call spends tokens of the
//! customer's daily budget ([`token_cost`]), so nothing here ever polls.

use crate::policy::{Millis, SECOND};
use serde::{Deserialize, Serialize};

/// Which of Pipedrive's two limits a 429 hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitScope {
    /// The per-token limit over a rolling 2 s window: wait a little, retry.
    #[default]
    Burst,
    /// The company's daily request budget: no retry until it resets.
    Daily,
}

impl RateLimitScope {
    /// `"burst"` or `"daily"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RateLimitScope::Burst => "burst",
            RateLimitScope::Daily => "daily",
        }
    }
}

/// How patient a client is with burst 429s. A client's choice, not one of Pipedrive's rules (so
/// not in [`Policy`](crate::Policy)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RetryBudget {
    /// Retries of one call after burst 429s.
    pub max_retries: u32,
    /// Total wait over those retries, in ms; a wait that would pass it is not started.
    pub max_total_wait_ms: Millis,
}

impl Default for RetryBudget {
    /// 3 retries and 30 s in all: a burst window is 2 s, so a longer wait means something else.
    fn default() -> Self {
        RetryBudget { max_retries: 3, max_total_wait_ms: 30 * SECOND }
    }
}

/// What to do after a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum AfterRateLimit {
    /// Wait this long (never less than `Retry-After`), then send the call again.
    Retry { wait_ms: Millis },
    /// Give up on this call. Send nothing to the API before `not_before` (epoch ms), when known.
    Stop { scope: RateLimitScope, not_before: Option<Millis>, reason: StopReason },
}

/// Why [`AfterRateLimit::Stop`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The daily budget is used up: retrying before it resets only wastes requests.
    DailyBudget,
    /// The retries or the total wait of the [`RetryBudget`] would be exceeded.
    BudgetSpent,
}

/// Tokens a webhooks call spends from the company's daily budget (Pipedrive's published costs,
/// domain reference "Rate limits"): `GET /webhooks` 10, `POST /webhooks` 10, `DELETE
/// /webhooks/{id}` 6. For an OAuth app they come from the customer's budget. Other methods: 0.
///
/// ```
/// use pipedrive_webhooks::rate_limit::token_cost;
/// assert_eq!((token_cost("GET"), token_cost("POST"), token_cost("DELETE")), (10, 10, 6));
/// ```
pub fn token_cost(method: &str) -> u32 {
    match method {
        "GET" | "POST" => 10,
        "DELETE" => 6,
        _ => 0,
    }
}

/// One call's wait-and-retry after 429s: the one machine every edge drives (the panel, and the
/// package's `syncWebhooks` and CLI). The edge sends the call; on a 429 it asks
/// [`after_429`](Self::after_429), then sleeps `wait_ms` and sends again, or stops. The machine
/// keeps the count of retries and the total wait, so no edge keeps its own.
///
/// ```
/// use pipedrive_webhooks::rate_limit::{AfterRateLimit, RateLimitRetry, RateLimitScope, RetryBudget};
/// let mut call = RateLimitRetry::new(RetryBudget::default());
/// // Pipedrive's burst penalty: Retry-After 10.
/// assert_eq!(call.after_429(RateLimitScope::Burst, Some(10_000), 0), AfterRateLimit::Retry { wait_ms: 10_000 });
/// assert_eq!(call.after_429(RateLimitScope::Burst, Some(10_000), 10_000), AfterRateLimit::Retry { wait_ms: 10_000 });
/// assert_eq!(call.after_429(RateLimitScope::Burst, Some(10_000), 20_000), AfterRateLimit::Retry { wait_ms: 10_000 });
/// // 30 s waited in all: the fourth 429 stops, and nothing is sent before its wait ends.
/// assert!(matches!(call.after_429(RateLimitScope::Burst, Some(10_000), 30_000), AfterRateLimit::Stop { not_before: Some(40_000), .. }));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitRetry {
    budget: RetryBudget,
    retries: u32,
    waited_ms: Millis,
}

impl RateLimitRetry {
    /// A call not yet retried.
    pub fn new(budget: RetryBudget) -> Self {
        RateLimitRetry { budget, retries: 0, waited_ms: 0 }
    }

    /// The decision after a 429 at `now` (epoch ms) that asked for `retry_after_ms` (from
    /// [`wire::retry_wait_ms`](crate::wire::retry_wait_ms); `None` when the answer said nothing
    /// readable). A `Retry` is counted against the budget at once: the edge must wait it out.
    pub fn after_429(&mut self, scope: RateLimitScope, retry_after_ms: Option<Millis>, now: Millis) -> AfterRateLimit {
        let decision = after_rate_limit(scope, retry_after_ms, self.retries, self.waited_ms, now, &self.budget);
        if let AfterRateLimit::Retry { wait_ms } = decision {
            self.retries += 1;
            self.waited_ms = self.waited_ms.saturating_add(wait_ms);
        }
        decision
    }

    /// Retries decided so far (for a progress line: "retry 2 of 3").
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The budget this call runs under.
    pub fn budget(&self) -> RetryBudget {
        self.budget
    }
}

/// The decision after call number `retries_done + 1` got a 429 at `now`, having already waited
/// `waited_ms` in all for this call. `retry_after_ms` is the API's wait (`Retry-After`, else
/// `x-ratelimit-reset`); without one, back off exponentially (1 s, 2 s, 4 s…).
///
/// ```
/// use pipedrive_webhooks::rate_limit::{after_rate_limit, AfterRateLimit, RateLimitScope, RetryBudget, StopReason};
/// let b = RetryBudget::default();
/// // A burst 429 asking for 2 s: wait 2 s, then retry.
/// assert_eq!(after_rate_limit(RateLimitScope::Burst, Some(2_000), 0, 0, 0, &b), AfterRateLimit::Retry { wait_ms: 2_000 });
/// // The daily budget, reset in 3939 s: stop, and call nothing before then.
/// assert_eq!(
///     after_rate_limit(RateLimitScope::Daily, Some(3_939_000), 0, 0, 1_000, &b),
///     AfterRateLimit::Stop { scope: RateLimitScope::Daily, not_before: Some(3_940_000), reason: StopReason::DailyBudget }
/// );
/// ```
pub fn after_rate_limit(
    scope: RateLimitScope,
    retry_after_ms: Option<Millis>,
    retries_done: u32,
    waited_ms: Millis,
    now: Millis,
    budget: &RetryBudget,
) -> AfterRateLimit {
    let hinted = retry_after_ms.map(|ms| ms.max(0));
    let not_before = hinted.map(|ms| now.saturating_add(ms));
    if scope == RateLimitScope::Daily {
        return AfterRateLimit::Stop { scope, not_before, reason: StopReason::DailyBudget };
    }
    let wait = hinted.unwrap_or_else(|| SECOND.saturating_mul(1 << retries_done.min(20)));
    if retries_done >= budget.max_retries || waited_ms.saturating_add(wait) > budget.max_total_wait_ms {
        // Without a hint the next call may go after the backoff the client would have waited.
        let not_before = not_before.or(Some(now.saturating_add(wait)));
        return AfterRateLimit::Stop { scope, not_before, reason: StopReason::BudgetSpent };
    }
    AfterRateLimit::Retry { wait_ms: wait }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: RetryBudget = RetryBudget { max_retries: 3, max_total_wait_ms: 30_000 };

    #[test]
    fn a_burst_429_waits_exactly_the_retry_after_never_less() {
        for ms in [0, 1, 999, 2_000, 29_999] {
            assert_eq!(after_rate_limit(RateLimitScope::Burst, Some(ms), 0, 0, 0, &B), AfterRateLimit::Retry { wait_ms: ms });
        }
    }

    #[test]
    fn without_a_hint_the_wait_doubles() {
        let waits: Vec<_> = (0..3).map(|n| after_rate_limit(RateLimitScope::Burst, None, n, 0, 0, &B)).collect();
        assert_eq!(waits, [1_000, 2_000, 4_000].map(|wait_ms| AfterRateLimit::Retry { wait_ms }));
    }

    #[test]
    fn the_budget_caps_retries_and_total_wait() {
        let stop = |not_before| AfterRateLimit::Stop { scope: RateLimitScope::Burst, not_before, reason: StopReason::BudgetSpent };
        assert_eq!(after_rate_limit(RateLimitScope::Burst, Some(1_000), 3, 3_000, 100, &B), stop(Some(1_100)));
        // A wait that would take the total past 30 s is not started; nothing goes before it ends.
        assert_eq!(after_rate_limit(RateLimitScope::Burst, Some(25_000), 1, 6_000, 100, &B), stop(Some(25_100)));
        assert_eq!(after_rate_limit(RateLimitScope::Burst, Some(24_000), 1, 6_000, 100, &B), AfterRateLimit::Retry { wait_ms: 24_000 });
        assert_eq!(after_rate_limit(RateLimitScope::Burst, None, 40, 0, 0, &B), stop(Some((1 << 20) * 1_000)));
    }

    #[test]
    fn a_daily_429_is_never_retried() {
        for (hint, retries) in [(Some(1), 0), (Some(3_939_000), 0), (None, 0), (Some(5), 2)] {
            let d = after_rate_limit(RateLimitScope::Daily, hint, retries, 0, 10, &B);
            assert!(matches!(d, AfterRateLimit::Stop { reason: StopReason::DailyBudget, .. }), "{d:?}");
        }
        assert_eq!(
            after_rate_limit(RateLimitScope::Daily, None, 0, 0, 10, &B),
            AfterRateLimit::Stop { scope: RateLimitScope::Daily, not_before: None, reason: StopReason::DailyBudget }
        );
    }

    #[test]
    fn the_machine_counts_retries_and_waits_and_stops_on_a_daily_429() {
        let mut m = RateLimitRetry::new(B);
        assert_eq!(m.after_429(RateLimitScope::Burst, None, 0), AfterRateLimit::Retry { wait_ms: 1_000 });
        assert_eq!(m.after_429(RateLimitScope::Burst, None, 1_000), AfterRateLimit::Retry { wait_ms: 2_000 });
        assert_eq!(m.retries(), 2);
        // A daily 429 stops even with retries left, and its wait is the API's.
        let d = m.after_429(RateLimitScope::Daily, Some(3_960_000), 3_000);
        assert_eq!(d, AfterRateLimit::Stop { scope: RateLimitScope::Daily, not_before: Some(3_963_000), reason: StopReason::DailyBudget });
        assert_eq!(m.retries(), 2, "a stop is not a retry");
    }

    #[test]
    fn pipedrive_costs_are_ten_ten_six() {
        assert_eq!([token_cost("GET"), token_cost("POST"), token_cost("DELETE"), token_cost("PUT")], [10, 10, 6, 0]);
    }

    #[test]
    fn hostile_numbers_do_not_panic() {
        for hint in [Some(Millis::MAX), Some(Millis::MIN), Some(-5), None] {
            after_rate_limit(RateLimitScope::Burst, hint, u32::MAX, Millis::MAX, Millis::MAX, &B);
            after_rate_limit(RateLimitScope::Daily, hint, 0, Millis::MIN, Millis::MIN, &B);
        }
    }
}
