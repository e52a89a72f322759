//! A local, wire-compatible Pipedrive webhooks server: the API answered by the core's `Account`,
//! and real HTTP deliveries under Pipedrive's rules on a clock that can run faster than real time.

mod api;
mod clock;
mod control;
mod deliveries;
mod ratelimit;
mod seed;
mod world;

pub use seed::Seed;
pub use world::{DeliveryRecord, StateError};

use axum::http::HeaderName;
use deliveries::Shared;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tower_http::cors::{Any, CorsLayer};

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// 0 picks a free port.
    pub port: u16,
    pub seed: Seed,
    /// Where the state lives across restarts (written atomically after each change).
    pub state_file: Option<PathBuf>,
    /// The policy clock runs this many times faster than real time.
    pub time_scale: f64,
    /// Requests per token per rolling 2 s window.
    pub rate_limit: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config { port: 8700, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: 80 }
    }
}

/// A running emulator.
pub struct Running {
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    scheduler: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and delivering.
    pub fn stop(self) {
        self.server.abort();
        self.scheduler.abort();
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot listen on 127.0.0.1:{0}: {1}")]
    Listen(u16, std::io::Error),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Starts serving on 127.0.0.1.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let world = world::World::open(config.seed, config.state_file, config.time_scale, now)?;
    // Redirects are never followed (R9, R15).
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| StartError::Client(e.to_string()))?;
    let shared = Arc::new(Shared { world: Mutex::new(world), wake: tokio::sync::Notify::new(), http, rate_limit: config.rate_limit.max(1) });
    let cors = CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any).expose_headers(
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-daily-requests-left", "retry-after"].map(HeaderName::from_static),
    );
    let app = api::routes().merge(control::routes()).layer(cors).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.map_err(|e| StartError::Listen(config.port, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Listen(config.port, e))?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let scheduler = tokio::spawn(deliveries::scheduler(shared));
    Ok(Running { addr, server, scheduler })
}
