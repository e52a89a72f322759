//! The emulator's shared state: what the API, the control routes and the delivery tasks hold
//! (behind `Arc`), apart from any one of them.

use crate::world::World;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// State shared by the API, the control routes and the delivery tasks.
pub struct Shared {
    pub world: Mutex<World>,
    /// Wakes the scheduler when something new is due or the clock jumped.
    pub wake: Notify,
    pub http: reqwest::Client,
    /// Requests per token per 2 s.
    pub rate_limit: u32,
    /// How long a token is refused after going over its window (real time).
    pub burst_penalty: Duration,
    /// The company's tokens per day (UTC, on the emulator's clock).
    pub daily_budget: u64,
    /// The port the emulator listens on: deliveries never go back to it.
    pub port: u16,
    /// Receiver checks started from the control API (`/_emulator/checks`), apart from the world's
    /// lock: a check's progress changes with every request it sends.
    pub checks: Arc<Mutex<crate::check::Runs>>,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, World> {
        // A panic while holding the lock would be a bug; the state stays usable for inspection.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }
}
