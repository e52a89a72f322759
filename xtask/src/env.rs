//! Where things are, and how the tools are run: the repo root, PATH with the project's tools first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repo").to_path_buf()
}

/// PATH with `node_modules/.bin` first (our pinned wasm-opt wins over any system one, such as
/// Debian's binaryen 108 whose -Oz output breaks wasm-bindgen's externref table), then cargo's bin.
pub fn tool_path() -> String {
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"))
        .join("bin");
    let node_bin = root().join("node_modules").join(".bin");
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{}", node_bin.display(), cargo_bin.display(), rest)
}

/// A command run from the repo root with the project's PATH.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", tool_path());
    c
}

/// `program arg…`, for messages: never the environment (PATH would fill the screen).
pub fn describe(c: &Command) -> String {
    std::iter::once(c.get_program()).chain(c.get_args()).map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
}

/// Runs `c`, inheriting stdio; an error names the command when it fails or cannot start.
pub fn exec(c: &mut Command) -> Result<(), String> {
    let status = c.status().map_err(|e| format!("cannot run {}: {e}", describe(c)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(c)))
    }
}

/// Runs a long-lived `c` (a server) until it ends; Ctrl-C (SIGINT, or the SIGTERM a terminal may
/// send) is how it is meant to stop, so that exit is quiet and successful.
pub fn exec_until_stopped(c: &mut Command) -> Result<(), String> {
    use std::os::unix::process::ExitStatusExt;
    let status = c.status().map_err(|e| format!("cannot run {}: {e}", describe(c)))?;
    let stopped = matches!(status.signal(), Some(2 | 15)) || matches!(status.code(), Some(130 | 143));
    if status.success() || stopped {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(c)))
    }
}

/// The first line `program --version` prints, or `None` when it is not installed.
pub fn version_of(program: &str, arg: &str) -> Option<String> {
    let out = cmd(program).arg(arg).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.lines().next().unwrap_or("").trim().to_string())
}

/// The full path of `program` as found on the project's PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    tool_path()
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// The wasm-bindgen version pinned (`=x.y.z`) in the workspace Cargo.toml: the one source of truth.
pub fn pinned_wasm_bindgen() -> Result<String, String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    pinned_version(&manifest, "wasm-bindgen").ok_or_else(|| "Cargo.toml pins no wasm-bindgen (=x.y.z)".into())
}

fn pinned_version(manifest: &str, krate: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(krate)?.trim_start().strip_prefix('=')?.trim();
        let v = rest.trim_matches('"').strip_prefix('=')?;
        Some(v.trim_matches('"').to_string())
    })
}

/// Builds the release panel (what users get, and no debug build's 8 MB wasm) and the JS package,
/// then serves the panel with the package's local companion (`pipedrive-webhooks serve`) on
/// http://127.0.0.1:8080 until Ctrl-C: the panel's live calls to Pipedrive go through it, on the
/// panel's own origin. `args` go to the companion (a later `--port` wins).
pub fn serve(args: Vec<String>) -> Result<(), String> {
    println!("building the panel (release; the first build takes a few minutes) and the JS package, then starting the local companion, which serves the panel (Ctrl-C stops)");
    exec(cmd("trunk").args(["build", "--release"]))?;
    // The package takes the panel just built: no second Trunk build.
    let pkg = crate::dist_js::build()?;
    let dist = root().join("dist");
    exec_until_stopped(
        cmd("node")
            .arg(pkg.join("bin/pipedrive-webhooks.mjs"))
            .arg("serve")
            .arg("--dist")
            .arg(&dist)
            .args(["--port", "8080"])
            .args(args),
    )
}

/// Builds the emulator (saying so: the first build takes a minute or more), then runs it with
/// `args` until Ctrl-C.
pub fn emulate(args: Vec<String>) -> Result<(), String> {
    println!("building the emulator (release; the first build takes a minute or two)…");
    exec(cmd("cargo").args(["build", "--release", "-p", "pipedrive-webhooks-emulator"]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let binary = target.join("release/pipedrive-webhooks-emulator");
    exec_until_stopped(cmd(&binary.display().to_string()).args(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exact_pin_and_ignores_ranges() {
        let manifest = "[workspace.dependencies]\nwasm-bindgen = \"=0.2.130\"\nwasm-bindgen-test = \"=0.3.80\"\n";
        assert_eq!(pinned_version(manifest, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(pinned_version("wasm-bindgen = \"0.2\"", "wasm-bindgen"), None);
    }

    #[test]
    fn a_server_stopped_by_ctrl_c_exits_quietly_and_a_failure_names_no_environment() {
        // `sh -c 'kill -INT $$'` stops itself as Ctrl-C would.
        assert_eq!(exec_until_stopped(Command::new("sh").args(["-c", "kill -INT $$"])), Ok(()));
        assert_eq!(exec_until_stopped(Command::new("sh").args(["-c", "kill -TERM $$"])), Ok(()));
        let err = exec_until_stopped(cmd("sh").args(["-c", "exit 3"])).unwrap_err();
        assert_eq!(err, "sh -c exit 3 failed (exit status: 3)");
        assert!(!err.contains("PATH"), "{err}");
    }

    #[test]
    fn trunk_toml_names_the_pinned_wasm_bindgen() {
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).unwrap();
        let pin = pinned_wasm_bindgen().unwrap();
        assert!(trunk.contains(&format!("wasm_bindgen = \"{pin}\"")), "Trunk.toml must name {pin}");
    }
}
