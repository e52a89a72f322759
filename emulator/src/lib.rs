//! A local, wire-compatible Pipedrive webhooks server: the API answered by the core's `Account`,
//! and real HTTP deliveries under Pipedrive's rules on a clock that can run faster than real time.

mod api;
pub mod check;
mod clock;
mod control;
mod deliveries;
mod ratelimit;
mod seed;
mod world;

pub use api::MAX_BODY;
#[doc(hidden)]
pub use api::parse_new_webhook;
pub use seed::Seed;
pub use deliveries::RedeliverError;
pub use world::{DeliveryRecord, StateError, LOG_BODY_BYTES, LOG_KEPT};

use axum::http::HeaderName;
use deliveries::Shared;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

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

/// The panel's origins (`cargo xtask serve`), allowed to call the emulator from a browser.
pub const DEFAULT_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];

/// Which web pages may call the emulator from a browser (requests with an `Origin` header):
/// [`DEFAULT_ORIGINS`] plus those added (`--allow-origin`). Requests without an `Origin` (curl,
/// your server, tests) are not browser requests and pass. Every request must also name the
/// emulator's own address in `Host` (127.0.0.1, localhost or [::1] with its port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Normalised origins, e.g. `http://127.0.0.1:5173`.
    pub allow_origins: Vec<String>,
}

impl Default for Access {
    fn default() -> Self {
        Access { allow_origins: DEFAULT_ORIGINS.iter().map(|o| o.to_string()).collect() }
    }
}

impl Access {
    /// The defaults plus `origins`; an error names the first one that is not an origin.
    pub fn allowing<S: AsRef<str>>(origins: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let mut access = Access::default();
        for o in origins {
            let o = normalize_origin(o.as_ref())?;
            if !access.allow_origins.contains(&o) {
                access.allow_origins.push(o);
            }
        }
        Ok(access)
    }
}

/// `scheme://host[:port]` in lower case without a trailing slash, as browsers send `Origin`;
/// an error for anything else (a path, a query, `null`, another scheme).
///
/// ```
/// use pipedrive_webhooks_emulator::normalize_origin;
/// assert_eq!(normalize_origin("HTTP://LocalHost:5173/").unwrap(), "http://localhost:5173");
/// assert!(normalize_origin("null").is_err());
/// assert!(normalize_origin("http://127.0.0.1:8080/panel").is_err());
/// ```
pub fn normalize_origin(origin: &str) -> Result<String, String> {
    let o = origin.trim().to_ascii_lowercase();
    let o = o.strip_suffix('/').unwrap_or(&o);
    let rest = o.strip_prefix("http://").or_else(|| o.strip_prefix("https://"));
    let valid = rest.is_some_and(|r| {
        !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
    });
    if valid {
        Ok(o.to_string())
    } else {
        Err(format!("{origin:?} is not an origin: use scheme://host[:port], e.g. http://127.0.0.1:5173"))
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

/// Starts serving on 127.0.0.1, allowing the panel's default origins ([`Access::default`]).
pub async fn start(config: Config) -> Result<Running, StartError> {
    start_with(config, Access::default()).await
}

/// Starts serving on 127.0.0.1; browsers may call from `access`'s origins only.
pub async fn start_with(config: Config, access: Access) -> Result<Running, StartError> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let world = world::World::open(config.seed, config.state_file, config.time_scale, now)?;
    // Redirects are never followed (R9, R15).
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| StartError::Client(e.to_string()))?;
    let shared = Arc::new(Shared { world: Mutex::new(world), wake: tokio::sync::Notify::new(), http, rate_limit: config.rate_limit.max(1), checks: Default::default() });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.map_err(|e| StartError::Listen(config.port, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Listen(config.port, e))?;
    // CORS headers (preflights included) for the allowed origins only; the guard has already
    // refused every other origin with a 403.
    let allowed: Vec<axum::http::HeaderValue> = access.allow_origins.iter().filter_map(|o| o.parse().ok()).collect();
    let cors = CorsLayer::new().allow_origin(AllowOrigin::list(allowed)).allow_methods(Any).allow_headers(Any).expose_headers(
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-daily-requests-left", "retry-after"].map(HeaderName::from_static),
    );
    let gate = Arc::new(api::Gate { port: addr.port(), origins: access.allow_origins });
    let app = api::routes()
        .merge(control::routes())
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(gate, api::guard))
        .with_state(shared.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let scheduler = tokio::spawn(deliveries::scheduler(shared));
    Ok(Running { addr, server, scheduler })
}
