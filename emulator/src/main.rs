//! `pipedrive-webhooks-emulator [--port N] [--seed FILE] [--state FILE] [--time-scale N] [--rate-limit N] [--allow-origin ORIGIN]...`

use pipedrive_webhooks_emulator::{start_with, Access, Config, Seed};
use std::process::ExitCode;

const USAGE: &str = "usage: pipedrive-webhooks-emulator [--port N] [--seed FILE] [--state FILE] [--time-scale N] [--rate-limit N]
                                   [--allow-origin ORIGIN]...

  --port N         listen on 127.0.0.1:N (default 8700; 0 picks a free port)
  --seed FILE      users, apps, installs and tokens (JSON); a default seed is built in
  --state FILE     keep the state across restarts (written atomically after each change)
  --time-scale N   run Pipedrive's clock N times faster (retry delays, bans, the 72 h deletion;
                   the 10 s timeout shrinks to 10/N s of real time)
  --rate-limit N   requests per token per rolling 2 s window (default 80)
  --allow-origin ORIGIN
                   let web pages from ORIGIN (scheme://host:port) call the emulator from a browser;
                   repeatable. http://127.0.0.1:8080 and http://localhost:8080 (the panel under
                   `cargo xtask serve`) are always allowed; requests from any other page are refused
                   (403), and so is every request whose Host is not 127.0.0.1, localhost or [::1]
                   with this port. Clients without an Origin header (curl, servers) are not affected.
                   Bodies over 64 KB get 413.";

fn parse(args: &[String]) -> Result<(Config, Access), String> {
    let mut c = Config::default();
    let mut origins = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--port" => c.port = value("--port")?.parse().map_err(|_| "--port takes a number from 0 to 65535")?,
            "--time-scale" => {
                c.time_scale = value("--time-scale")?.parse().ok().filter(|s: &f64| s.is_finite() && *s > 0.0).ok_or("--time-scale takes a positive number")?
            }
            "--rate-limit" => c.rate_limit = value("--rate-limit")?.parse().ok().filter(|n| *n > 0).ok_or("--rate-limit takes a positive number")?,
            "--state" => c.state_file = Some(value("--state")?.into()),
            "--allow-origin" => origins.push(value("--allow-origin")?),
            "--seed" => {
                let path = value("--seed")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read the seed {path}: {e}"))?;
                c.seed = serde_json::from_str::<Seed>(&text).map_err(|e| format!("the seed {path} is not valid: {e}"))?;
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    let access = Access::allowing(&origins).map_err(|e| format!("--allow-origin: {e}"))?;
    Ok((c, access))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, access) = match parse(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
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
    println!("Pipedrive webhooks emulator on {}/v1 (also /api/v1), clock ×{scale}", running.base_url());
    println!("browser origins allowed: {origins}");
    println!("tokens (x-api-token for users, Authorization: Bearer for apps):");
    for (token, caller) in tokens {
        println!("  {token:<22} {}", serde_json::to_string(&caller).unwrap_or_default());
    }
    let _ = tokio::signal::ctrl_c().await;
    running.stop();
    ExitCode::SUCCESS
}
