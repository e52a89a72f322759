//! The emulator's policy clock: real time × `scale`, plus whatever `advance` added.

use pipedrive_webhooks::Millis;
use std::time::{Duration, Instant};

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
        Clock { started: Instant::now(), origin, scale: scale.max(0.001), offset: 0 }
    }

    /// Policy time now, in ms since the Unix epoch.
    pub fn now(&self) -> Millis {
        self.origin + (self.started.elapsed().as_secs_f64() * 1000.0 * self.scale) as Millis + self.offset
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Jumps the policy clock forward.
    pub fn advance(&mut self, by: Millis) {
        self.offset += by.max(0);
    }

    /// The real time a policy duration takes.
    pub fn real(&self, policy_ms: Millis) -> Duration {
        Duration::from_secs_f64((policy_ms.max(0) as f64 / 1000.0) / self.scale)
    }

    /// The policy duration a real one stands for.
    pub fn policy(&self, real: Duration) -> Millis {
        (real.as_secs_f64() * 1000.0 * self.scale).round() as Millis
    }
}
