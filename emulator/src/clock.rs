//! The emulator's policy clock: real time × `scale`, plus whatever `advance` added.

use pipedrive_webhooks::Millis;
use std::time::{Duration, Instant};

/// The latest time the clock shows: 9999-12-31T23:59:59.999Z, the last instant Pipedrive's time
/// formats (four-digit years) can write. Why a cap: past it, dates wrap or overflow.
pub const MAX_TIME: Millis = 253_402_300_799_999;

#[derive(Debug, Clone)]
pub struct Clock {
    started: Instant,
    /// Policy time at `started`.
    origin: Millis,
    scale: f64,
    offset: Millis,
}

impl Clock {
    pub fn new(origin: Millis, scale: f64) -> Self {
        let scale = if scale.is_finite() { scale.max(0.001) } else { 1.0 };
        Clock { started: Instant::now(), origin: origin.clamp(0, MAX_TIME), scale, offset: 0 }
    }

    /// Policy time now, in ms since the Unix epoch (never past [`MAX_TIME`]).
    pub fn now(&self) -> Millis {
        // `as` saturates on a huge product (a big scale running long); the sums saturate too.
        let run = (self.started.elapsed().as_secs_f64() * 1000.0 * self.scale) as Millis;
        self.origin.saturating_add(run).saturating_add(self.offset).min(MAX_TIME)
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Jumps the policy clock forward by `by` ms; an error (and no jump) when `by` is negative or
    /// would take the clock past [`MAX_TIME`].
    pub fn advance(&mut self, by: Millis) -> Result<Millis, String> {
        if by < 0 {
            return Err("ms must be 0 or more: the clock never goes back".into());
        }
        let now = self.now();
        match now.checked_add(by).filter(|t| *t <= MAX_TIME) {
            Some(_) => {
                self.offset = self.offset.saturating_add(by);
                Ok(self.now())
            }
            None => Err(format!("ms {by} would move the clock past 9999-12-31T23:59:59.999Z (the latest time Pipedrive's formats show); at most {} from now", MAX_TIME - now)),
        }
    }

    /// The real time a policy duration takes.
    pub fn real(&self, policy_ms: Millis) -> Duration {
        Duration::try_from_secs_f64((policy_ms.max(0) as f64 / 1000.0) / self.scale).unwrap_or(Duration::MAX)
    }

    /// The policy duration a real one stands for.
    pub fn policy(&self, real: Duration) -> Millis {
        (real.as_secs_f64() * 1000.0 * self.scale).round() as Millis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_refuses_what_overflows_and_negative_jumps() {
        let mut c = Clock::new(0, 1.0);
        assert!(c.advance(i64::MAX).is_err());
        assert!(c.advance(-1).is_err());
        assert!(c.now() < 60_000, "no jump happened");
        assert!(c.advance(1000).is_ok());
        let huge = Clock::new(MAX_TIME, 1e300);
        assert_eq!(huge.now(), MAX_TIME);
        // No panic on extreme durations.
        let _ = (huge.real(i64::MAX), Clock::new(0, 0.001).real(i64::MAX));
    }
}
