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

/// Runs `c`, inheriting stdio; an error names the command when it fails or cannot start.
pub fn exec(c: &mut Command) -> Result<(), String> {
    let status = c.status().map_err(|e| format!("cannot run {c:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{c:?} failed ({status})"))
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

/// Serves the panel with Trunk on http://127.0.0.1:8080 (Trunk.toml holds address and port).
pub fn serve() -> Result<(), String> {
    println!("serving the panel on http://127.0.0.1:8080 (Ctrl-C stops)");
    exec(cmd("trunk").arg("serve"))
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
    fn trunk_toml_names_the_pinned_wasm_bindgen() {
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).unwrap();
        let pin = pinned_wasm_bindgen().unwrap();
        assert!(trunk.contains(&format!("wasm_bindgen = \"{pin}\"")), "Trunk.toml must name {pin}");
    }
}
