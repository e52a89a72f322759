//! A local, wire-compatible Pipedrive webhooks server: the API answered by the core's `Account`,
//! and real HTTP deliveries under Pipedrive's rules on a clock that can run faster than real time.

mod api;
pub mod check;
mod clock;
mod control;
mod deliveries;
mod delivery_request;
mod ratelimit;
mod seed;
mod server;
mod state;
mod world;

pub use api::MAX_BODY;
pub use clock::MAX_TIME;
pub use ratelimit::{PENALTY, WINDOW};
pub use server::MAX_CONNECTIONS;
#[doc(hidden)]
pub use api::parse_new_webhook;
pub use seed::Seed;
pub use deliveries::RedeliverError;
pub use world::{DeliveryRecord, StateError, EVENTS_BYTES, LOG_BODY_BYTES, LOG_KEPT};

use axum::http::{header, HeaderValue};
use axum::response::Response;
use state::Shared;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
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
    /// How long a token that went over its window is refused, in real time ([`PENALTY`], 10 s,
    /// as Pipedrive; shorter only for tests).
    pub burst_penalty: Duration,
    /// The company's daily token budget (GET and POST /webhooks cost 10, DELETE 6), reset at
    /// midnight UTC on the emulator's clock. 30 000: a one-seat Lite company.
    pub daily_token_budget: u64,
    /// A client must send a request's headers within this of connecting or of its previous answer
    /// (so idle keep-alive connections close after it), and a body within this of its headers.
    pub io_timeout: Duration,
}

/// A one-seat Lite company's daily tokens (30 000 × plan multiplier 1 × 1 seat).
pub const DEFAULT_DAILY_TOKEN_BUDGET: u64 = 30_000;

/// [`Config::io_timeout`]'s default.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 8700,
            seed: Seed::default(),
            state_file: None,
            time_scale: 1.0,
            rate_limit: 80,
            burst_penalty: PENALTY,
            daily_token_budget: DEFAULT_DAILY_TOKEN_BUDGET,
            io_timeout: DEFAULT_IO_TIMEOUT,
        }
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
    server: server::Server,
    scheduler: tokio::task::JoinHandle<()>,
    shared: Arc<Shared>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The policy deliveries run under (the seed's, or the state file's).
    pub fn policy(&self) -> pipedrive_webhooks::Policy {
        self.shared.lock().account.policy
    }

    /// Stops serving (open connections too) and delivering, and lets go of the state file (its
    /// lock is released now, so another emulator may take it at once).
    pub fn stop(self) {
        self.shared.lock().release();
        self.server.stop();
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
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.map_err(|e| StartError::Listen(config.port, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Listen(config.port, e))?;
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        wake: tokio::sync::Notify::new(),
        http,
        rate_limit: config.rate_limit.max(1),
        burst_penalty: config.burst_penalty,
        daily_budget: config.daily_token_budget,
        port: addr.port(),
        checks: Default::default(),
    });
    // CORS headers (preflights included) for the allowed origins only; the guard has already
    // refused every other origin with a 403.
    let allowed: Vec<HeaderValue> = access.allow_origins.iter().filter_map(|o| o.parse().ok()).collect();
    let cors = CorsLayer::new().allow_origin(AllowOrigin::list(allowed)).allow_methods(Any).allow_headers(Any);
    let gate = Arc::new(api::Gate { port: addr.port(), origins: access.allow_origins, body_timeout: config.io_timeout });
    let app = api::routes()
        .merge(control::routes())
        .layer(cors)
        .layer(axum::middleware::map_response(expose_headers))
        .layer(axum::middleware::from_fn_with_state(gate, api::guard))
        .with_state(shared.clone());
    let server = server::Server::start(listener, app, config.io_timeout);
    let scheduler = tokio::spawn(deliveries::scheduler(shared.clone()));
    Ok(Running { addr, server, scheduler, shared })
}

/// What Pipedrive's CORS answers let page scripts read (domain reference §2 "Rate limits"): the
/// three burst headers only, so a page here sees no more than it would from Pipedrive
/// (`Retry-After` and the daily headers stay hidden).
pub const EXPOSED_HEADERS: &str = "X-RateLimit-Remaining, X-RateLimit-Limit, X-RateLimit-Reset";

/// Adds [`EXPOSED_HEADERS`] to a CORS answer (one with `access-control-allow-origin`), not to a
/// preflight's (`access-control-allow-methods`). Why not tower-http's `expose_headers`: it
/// writes the names in lower case; these are Pipedrive's words.
async fn expose_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    if h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) && !h.contains_key(header::ACCESS_CONTROL_ALLOW_METHODS) {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    }
    resp
}
