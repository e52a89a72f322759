//! `cargo xtask check-receiver -- <URL> [--user U --password-env NAME] [--version 1.0|2.0|both]
//! [--rate EVENTS_PER_MIN] [--json FILE]`: builds the emulator (release) and runs its `check`
//! subcommand with the arguments as given and this environment (so `--password-env NAME` reads
//! NAME here), passing its exit code through (0 no check failed, 1 a check failed, 2 bad
//! arguments).

use crate::env::{cmd, describe, exec, root};

/// Runs the check; exits the process with the check's own code, so scripts can tell a failing
/// receiver (1) from bad arguments (2).
pub fn run(args: Vec<String>) -> Result<(), String> {
    println!("building the emulator (release; the first build takes a minute or two)…");
    exec(cmd("cargo").args(["build", "--quiet", "--release", "-p", "pipedrive-webhooks-emulator"]))?;
    let mut c = cmd(&binary().display().to_string());
    c.arg("check").args(args);
    let status = c.status().map_err(|e| format!("cannot run {}: {e}", describe(&c)))?;
    std::process::exit(status.code().unwrap_or(1));
}

/// The release emulator binary (in `CARGO_TARGET_DIR` when set).
pub fn binary() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| root().join("target"));
    let target = if target.is_absolute() { target } else { root().join(target) };
    target.join("release/pipedrive-webhooks-emulator")
}
