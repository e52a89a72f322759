//! `pipedrive-webhooks-emulator [--port N] [--seed FILE] [--state FILE] [--time-scale N] [--rate-limit N] [--daily-token-budget N] [--allow-origin ORIGIN]...`
//! serves the emulator; `pipedrive-webhooks-emulator check <URL> [...]` checks a receiver;
//! `pipedrive-webhooks-emulator trigger <ACTION.OBJECT> [--base-url URL]` fires a catalog event at a running one.

use clap::{Args, Parser, Subcommand};
use pipedrive_webhooks::Policy;
use pipedrive_webhooks_emulator::check::{self, Options, Versions};
use pipedrive_webhooks_emulator::{start_with, Access, Config, Seed};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "pipedrive-webhooks-emulator [--port N] [--seed FILE] [--state FILE] [--time-scale N] [--rate-limit N]
                                   [--daily-token-budget N] [--allow-origin ORIGIN]...
       pipedrive-webhooks-emulator check <URL> [--user U (--password-env NAME | --password P)] [--version 1.0|2.0|both]
                                         [--rate EVENTS_PER_MIN] [--json FILE]
       pipedrive-webhooks-emulator trigger <ACTION.OBJECT> [--base-url URL]";

const AFTER_HELP: &str = "Exit codes: 0 served until Ctrl-C (or, for `check`, no check failed); 1 the emulator could not
start (or a check failed); 2 bad arguments.

Connections: a client sends a request's headers within 10 s of connecting or of its previous
answer (idle keep-alive connections close after 10 s) and its body within 10 s of its headers
(else 408); at most 512 connections are served at once.

Examples:
  pipedrive-webhooks-emulator --port 0 --time-scale 60 --allow-origin http://127.0.0.1:5173
  RECEIVER_PASSWORD=s3cret pipedrive-webhooks-emulator check http://127.0.0.1:3000/hook --user pipedrive --password-env RECEIVER_PASSWORD --json report.json";

/// A local, wire-compatible Pipedrive webhooks server (the API, and real deliveries under
/// Pipedrive's rules on a clock you can speed up), and a checker of webhook receivers.
#[derive(Parser, Debug)]
#[command(name = "pipedrive-webhooks-emulator", version, override_usage = USAGE, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    serve: Serve,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Server flags (no subcommand).
#[derive(Args, Debug)]
struct Serve {
    /// Listen on 127.0.0.1:N (0 picks a free port).
    #[arg(long, value_name = "N", default_value_t = 8700)]
    port: u16,
    /// Users, apps, installs and tokens (JSON, the shape of the built-in seed, with an optional
    /// `policy`); a default seed is built in.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Keep the state across restarts (written atomically after each change, mode 0600: it holds
    /// tokens and passwords). One emulator per file: a second one on it refuses to start.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Run Pipedrive's clock N times faster (retry delays, bans, the 72 h deletion; the 10 s
    /// timeout shrinks to 10/N s of real time).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = positive_f64)]
    time_scale: f64,
    /// Requests per token per rolling 2 s window; a token that goes over is refused for 10 s
    /// (Retry-After: 10), as Pipedrive.
    #[arg(long, value_name = "N", default_value_t = 80, value_parser = positive_u32)]
    rate_limit: u32,
    /// The company's daily budget, in tokens: GET /webhooks costs 10, POST 10, DELETE 6 (requests
    /// refused by auth or the burst limit cost nothing). Past it every call is a 429 until
    /// midnight UTC on the emulator's clock (scaled like every policy time). 30000 is a one-seat
    /// Lite company (30000 × plan multiplier × seats).
    #[arg(long, value_name = "N", default_value_t = pipedrive_webhooks_emulator::DEFAULT_DAILY_TOKEN_BUDGET)]
    daily_token_budget: u64,
    /// Let web pages from ORIGIN (scheme://host:port) call the emulator from a browser;
    /// repeatable. http://127.0.0.1:8080 and http://localhost:8080 (the panel under `cargo xtask
    /// serve`) are always allowed; requests from any other page are refused (403), and so is every
    /// request whose Host is not 127.0.0.1, localhost or [::1] with this port. Clients without an
    /// Origin header (curl, servers) are not affected. Bodies over 64 KB get 413.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a webhook receiver against Pipedrive's rules: send it real deliveries and grade the answers.
    #[command(
        long_about = "Check a webhook receiver against Pipedrive's rules (R9-R14): send it real deliveries (POST, JSON \
bodies in both payload versions and the shapes real traffic has, Basic auth when --user is given) and grade \
every answer. Checks: tls, payloads_v2, payloads_v1, retries, basic_auth_missing and basic_auth_wrong (with \
--user), latency, burst, redirect; each pass, warn or fail with its evidence. Then a projection through the \
core's simulator: the first-try failures, bans and lost events a day at --rate, and when R13 would delete the \
webhook. Each payload version gets its own verdict and projection (a webhook has one version): a receiver \
that serves only version 2.0 is named (\"serves v2 only: fine while every webhook pointing here is version 2.0\"), \
and so are a 401 to right credentials (Pipedrive sends Basic auth and nothing else) and a stale answer to a \
retry.\n\nIt sends only to URL, never follows a redirect, and sends at most about 195 requests (fewer with \
one version or without --user), 16 at a time, then the burst at once; each request is given up 11 s after it \
starts (the 10 s timeout plus 1 s, real time: the check does not use an emulator's scaled clock), so even a \
receiver that never answers ends the check within about 90 s (a healthy local receiver: well under a second). Of \
each answer it reads at most 64 KB.",
        after_help = "Exit codes: 0 no check failed (warnings allowed); 1 a check failed (with --version both, in either version: \
--version 2.0 checks a receiver meant for version 2.0 webhooks only); 2 bad arguments.\n\n\
--json FILE writes: {\"verdict\": \"pass\"|\"fail\", \"url\", \"requests\", \"elapsed_ms\", \"checks\": [{\"id\", \"status\": \
\"pass\"|\"warn\"|\"fail\", \"detail\"}], \"latency_ms\": {\"p50\", \"p95\", \"max\", \"timeouts\", \"histogram\": [{\"le_ms\", \
\"count\"}]}, \"versions\": [{\"version\": \"2.0\"|\"1.0\", \"verdict\", \"detail\", \"projection\": {\"events_per_minute\", \"simulated_ms\", \
\"events_per_day\", \"first_try_failures_per_day\", \"bans_per_day\", \"lost_during_ban_per_day\", \"failed_all_attempts_per_day\", \
\"dropped_after_deletion_per_day\", \"lost_events_per_day\", \"totals\": {...}, \"deletion_after_ms\": N|null, \"scenario\": <the core's \
simulator Scenario>} | null}], \"faults\": [\"serves_v2_only\"|\"serves_v1_only\"|\"auth_beyond_basic\"|\"stale_retry\"], \
\"powered_by\": string|null} (times in ms).\n\n\
Example:\n  RECEIVER_PASSWORD=s3cret pipedrive-webhooks-emulator check http://127.0.0.1:3000/hook --user pipedrive \
--password-env RECEIVER_PASSWORD --rate 10 --json report.json"
    )]
    Check(CheckArgs),
    /// Fire one of the catalog's events at a running emulator: its matching webhooks get a real delivery.
    #[command(
        long_about = "Fire one event of the core's catalog at a running emulator (POST /_emulator/trigger): every \
webhook subscribed to it gets the catalog's example body, in its own payload version, through the delivery \
machine like any event (retries, bans and deletion apply). The name may be in either version's words \
(change.deal or updated.deal); merged.deal sends a merge's two events. Prints the webhooks reached.",
        after_help = trigger_help()
    )]
    Trigger(TriggerArgs),
}

#[derive(Args, Debug)]
struct TriggerArgs {
    /// The event, `action.object` (e.g. change.deal, added.person, merged.deal).
    #[arg(value_name = "ACTION.OBJECT")]
    event: String,
    /// The emulator: its root or API base URL (http://127.0.0.1:8700, …/v1).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8700")]
    base_url: String,
}

/// `trigger --help`'s end: exit codes, an example and every event (as `stripe trigger --help`).
fn trigger_help() -> String {
    let mut out = String::from(
        "Exit codes: 0 triggered (even when no webhook subscribes to it); 1 the emulator could not be reached or \
refused; 2 bad arguments or an unknown event.\n\nExamples:\n  pipedrive-webhooks-emulator trigger change.deal --base-url http://127.0.0.1:8700\n  cargo xtask emulate -- trigger merged.person      (from this project's repository)\n\nEvents:",
    );
    for v in [pipedrive_webhooks::PayloadVersion::V2, pipedrive_webhooks::PayloadVersion::V1] {
        let names: Vec<String> = pipedrive_webhooks::catalog::events(Some(v)).into_iter().map(|e| e.event).collect();
        out.push_str(&format!("\n  {}: {}", v.as_str(), names.join(" ")));
    }
    out
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The receiver's URL (absolute http or https, with a host); every request goes there.
    #[arg(value_name = "URL")]
    url: String,
    /// Basic-auth user sent with every delivery (R14); with it, the auth checks run.
    #[arg(long, value_name = "U")]
    user: Option<String>,
    /// Basic-auth password (needs --user; empty when omitted). Visible to every user of this
    /// machine in `ps` and kept in shell history: prefer --password-env.
    #[arg(long, value_name = "P", requires = "user", conflicts_with = "password_env")]
    password: Option<String>,
    /// Read the Basic-auth password from the environment variable NAME (needs --user), so it
    /// stays out of the command line.
    #[arg(long, value_name = "NAME", requires = "user")]
    password_env: Option<String>,
    /// Payload versions to send.
    #[arg(long, value_name = "1.0|2.0|both", default_value = "both", value_parser = versions)]
    version: Versions,
    /// Traffic for the projection, in events per minute (above 0, at most 1000).
    #[arg(long, value_name = "EVENTS_PER_MIN", default_value_t = 1.0, value_parser = positive_f64)]
    rate: f64,
    /// Deliveries sent at once by the burst check (1 to 500).
    #[arg(long, value_name = "N", default_value_t = check::DEFAULT_BURST)]
    burst: usize,
    /// Also write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn positive_f64(s: &str) -> Result<f64, String> {
    s.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| "takes a positive number".into())
}

fn positive_u32(s: &str) -> Result<u32, String> {
    s.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| "takes a positive number".into())
}

fn versions(s: &str) -> Result<Versions, String> {
    Versions::parse(s).ok_or_else(|| "takes 1.0, 2.0 or both".into())
}

/// Bad arguments: the message, exit code 2.
fn bad(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("pipedrive-webhooks-emulator: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stderr as the emulator always printed them (scripts and
            // emulator/tests/durable.rs read them there); clap exits 0 for them and 2 for errors.
            eprint!("{}", e.render());
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match cli.command {
        Some(Command::Check(args)) => check_receiver(args).await,
        Some(Command::Trigger(args)) => trigger(args).await,
        None => serve(cli.serve).await,
    }
}

async fn serve(args: Serve) -> ExitCode {
    let mut config = Config {
        port: args.port,
        state_file: args.state,
        time_scale: args.time_scale,
        rate_limit: args.rate_limit,
        daily_token_budget: args.daily_token_budget,
        ..Config::default()
    };
    if let Some(path) = args.seed {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return bad(format!("cannot read the seed {}: {e}", path.display())),
        };
        config.seed = match serde_json::from_str::<Seed>(&text) {
            Ok(s) => s,
            Err(e) => return bad(format!("the seed {} is not valid: {e}", path.display())),
        };
    }
    let access = match Access::allowing(&args.allow_origin) {
        Ok(a) => a,
        Err(e) => return bad(format!("--allow-origin: {e}")),
    };
    let tokens = config.seed.tokens.clone();
    let scale = config.time_scale;
    let origins = access.allow_origins.join(", ");
    let running = match start_with(config, access).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pipedrive-webhooks-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Under a scaled clock every policy time shrinks, the delivery timeout too: a receiver that
    // passes the check (10 s of real time) can still time out on these deliveries.
    let timeout = pipedrive_webhooks::emulator_api::timeout_text(running.policy().timeout_ms, scale);
    println!("Pipedrive webhooks emulator on {}/v1 (also /api/v1), clock ×{scale}; delivery timeout (R9): {timeout}", running.base_url());
    println!("browser origins allowed: {origins}");
    println!("tokens (x-api-token for users, Authorization: Bearer for apps):");
    for (token, caller) in tokens {
        println!("  {token:<22} {}", serde_json::to_string(&caller).unwrap_or_default());
    }
    let _ = tokio::signal::ctrl_c().await;
    running.stop();
    ExitCode::SUCCESS
}

/// The progress goes to stderr (one updating line on a terminal, a line per check otherwise);
/// the report table to stdout.
async fn check_receiver(args: CheckArgs) -> ExitCode {
    let mut options = match Options::new(&args.url, Policy::default()) {
        Ok(o) => o,
        Err(e) => return bad(e),
    };
    let password = match (&args.password_env, args.password) {
        (Some(name), _) => match std::env::var(name) {
            Ok(p) => p,
            Err(_) => return bad(format!("--password-env {name}: the environment variable {name} is not set (or not valid UTF-8)")),
        },
        (None, p) => p.unwrap_or_default(),
    };
    options.auth = args.user.map(|u| (u, password));
    options.versions = args.version;
    options.rate = args.rate;
    options.burst = args.burst;
    if let Err(e) = options.validate() {
        return bad(e);
    }
    // Refuse an unwritable --json FILE before sending anything.
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            return bad(format!("--json {}: {e}", path.display()));
        }
    }
    let tty = std::io::stderr().is_terminal();
    // Not on a terminal (a log, CI): one line when a check sends its first request, and the last.
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    let on_progress = Arc::new(move |p: check::Progress| {
        if tty {
            eprint!("\r\x1b[2K{}", check::progress_line(&p));
        } else if seen.lock().unwrap_or_else(|e| e.into_inner()).insert(p.current.clone()) || p.done == p.total {
            eprintln!("{}", check::progress_line(&p));
        }
    });
    eprintln!("checking {} ({} requests at most)…", options.url, options.request_count());
    let report = match check::run(&options, on_progress).await {
        Ok(r) => r,
        Err(check::CheckError::Options(e)) => return bad(e),
        Err(e) => {
            eprintln!("pipedrive-webhooks-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    if tty {
        eprintln!();
    }
    print!("{}", check::table(&report));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            eprintln!("pipedrive-webhooks-emulator: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("report written to {}", path.display());
    }
    ExitCode::from(report.exit_code())
}

/// `trigger`: one POST to the emulator's control API; the answer, printed.
async fn trigger(args: TriggerArgs) -> ExitCode {
    // Unknown names are refused here, before the network, with the nearest one.
    if let Err(e) = pipedrive_webhooks::catalog::find(&args.event, None) {
        return bad(e);
    }
    let Some(url) = pipedrive_webhooks::emulator_api::control_url(&args.base_url, "trigger").filter(|u| u.starts_with("http://") || u.starts_with("https://")) else {
        return bad(format!("--base-url {:?}: an emulator's URL, such as http://127.0.0.1:8700 (Pipedrive has no trigger)", args.base_url));
    };
    let client = match reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(std::time::Duration::from_secs(30)).build() {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot start an HTTP client: {e}")),
    };
    let answer = client.post(&url).header("content-type", "application/json").body(serde_json::json!({"event": args.event}).to_string()).send().await;
    let response = match answer {
        Ok(r) => r,
        Err(e) => return failed(format!("no answer from {url}: {e} (is the emulator running? cargo xtask emulate)")),
    };
    let status = response.status();
    // At most 64 KB of the answer is read: every byte from the network is hostile.
    let (mut response, mut bytes) = (response, Vec::new());
    while let Ok(Some(chunk)) = response.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 64 * 1024 {
            return failed(format!("{url}: the answer is over 64 KB: not the emulator?"));
        }
    }
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if status.as_u16() == 400 {
        return bad(body["error"].as_str().unwrap_or("the emulator refused the event"));
    }
    if status.as_u16() != 202 {
        let message = body["error"].as_str().map(str::to_string).unwrap_or_else(|| format!("HTTP {status}"));
        return failed(format!("{url}: {}", message.chars().filter(|c| !c.is_control()).collect::<String>()));
    }
    for e in body["events"].as_array().into_iter().flatten() {
        let ids: Vec<String> = e["webhooks"].as_array().into_iter().flatten().map(|id| format!("#{id}")).collect();
        let reached = if ids.is_empty() { "no webhook subscribes to it".to_string() } else { format!("{} webhook(s): {}", ids.len(), ids.join(", ")) };
        println!("{} (event {}): {reached}", e["event"].as_str().unwrap_or("?"), e["eventId"].as_str().unwrap_or("?"));
    }
    ExitCode::SUCCESS
}

/// A failure that is not the arguments': the message, exit code 1.
fn failed(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("pipedrive-webhooks-emulator: {message}");
    ExitCode::FAILURE
}
