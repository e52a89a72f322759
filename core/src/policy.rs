//! Every number of Pipedrive's webhook rules, in one place (R2, R9–R13).

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC), or a duration in milliseconds.
///
/// The core never reads a clock: every operation takes `now` from its caller.
pub type Millis = i64;

/// One second, in [`Millis`].
pub const SECOND: Millis = 1_000;
/// One minute, in [`Millis`].
pub const MINUTE: Millis = 60 * SECOND;
/// One hour, in [`Millis`].
pub const HOUR: Millis = 60 * MINUTE;
/// One day, in [`Millis`].
pub const DAY: Millis = 24 * HOUR;

/// The numbers behind Pipedrive's webhook rules. Every rule reads them from here.
///
/// ```
/// use pipedrive_webhooks::Policy;
/// let p = Policy::default();
/// assert_eq!(p.max_app_webhooks_per_user, 40);
/// assert_eq!(p.retry_delays_ms, [3_000, 30_000, 150_000]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Policy {
    /// R2: `application` webhooks per (app, app user).
    pub max_app_webhooks_per_user: u32,
    /// R2: `general` webhooks per user.
    pub max_general_webhooks_per_user: u32,
    /// R11/R12: failed first attempts that start a ban.
    pub ban_threshold: u32,
    /// R12: how long a ban lasts.
    pub ban_duration_ms: Millis,
    /// R9: an answer later than this fails (an answer at exactly this succeeds).
    pub timeout_ms: Millis,
    /// R10: delays before attempts 2, 3 and 4, counted from the end of the previous attempt.
    pub retry_delays_ms: [Millis; 3],
    /// R13: a webhook failing this long without a success is deleted.
    pub deletion_after_ms: Millis,
    /// R2 (name): the longest webhook name Pipedrive accepts, in characters.
    pub max_name_chars: u32,
    /// R15 (decision): the longest subscription URL we accept, in bytes.
    pub max_url_len: u32,
}

impl Default for Policy {
    fn default() -> Self {
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
}

impl Policy {
    /// Attempts per event: the first one plus one per retry delay (R10).
    ///
    /// ```
    /// assert_eq!(pipedrive_webhooks::Policy::default().max_attempts(), 4);
    /// ```
    pub fn max_attempts(&self) -> u8 {
        1 + self.retry_delays_ms.len() as u8
    }

    /// The delay before attempt `next` (2..=4), or `None` when no attempt follows (R10).
    ///
    /// ```
    /// let p = pipedrive_webhooks::Policy::default();
    /// assert_eq!(p.retry_delay_before(2), Some(3_000));
    /// assert_eq!(p.retry_delay_before(5), None);
    /// ```
    pub fn retry_delay_before(&self, next: u8) -> Option<Millis> {
        let i = (next as usize).checked_sub(2)?;
        self.retry_delays_ms.get(i).copied()
    }

    /// The longest an event can take from its first attempt to its final failure (R9 + R10):
    /// every attempt times out, plus the delays between them.
    ///
    /// ```
    /// assert_eq!(pipedrive_webhooks::Policy::default().worst_case_failure_ms(), 223_000);
    /// ```
    pub fn worst_case_failure_ms(&self) -> Millis {
        self.timeout_ms * self.max_attempts() as Millis + self.retry_delays_ms.iter().sum::<Millis>()
    }
}
