//! `cargo xtask setup`: installs only what is missing or at the wrong version, timing each step.

use crate::env::{cmd, exec, pinned_wasm_bindgen, root, version_of, which};
use std::time::Instant;

/// Trunk 0.21.x is the newest line that builds with this machine's rustc (0.22 needs 1.96).
const TRUNK_VERSION: &str = "0.21.14";

pub fn run() -> Result<(), String> {
    let started = Instant::now();
    let bindgen = pinned_wasm_bindgen()?;
    step("wasm32-unknown-unknown target", wasm_target_present, || {
        exec(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
    })?;
    step(
        &format!("wasm-bindgen-cli {bindgen}"),
        || version_of("wasm-bindgen", "--version").is_some_and(|v| v == format!("wasm-bindgen {bindgen}")),
        // Not --locked: the CLI's lock file names a webpki-roots release the registry lacks.
        || exec(cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", &bindgen, "--force"])),
    )?;
    step(
        &format!("trunk {TRUNK_VERSION}"),
        || version_of("trunk", "--version").is_some_and(|v| v == format!("trunk {TRUNK_VERSION}")),
        || exec(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked", "--force"])),
    )?;
    step("npm packages (wasm-opt 132, playwright-core, typescript, axe-core, the receiver examples' frameworks)", npm_packages_current, || {
        if which("npm").is_none() {
            apt_install(&["nodejs", "npm"])?;
        }
        exec(cmd("npm").args(["ci", "--no-audit", "--no-fund"]))
    })?;
    step(
        "Chromium and ChromeDriver",
        || which("chromium").is_some() && which("chromedriver").is_some(),
        || apt_install(&["chromium", "chromium-driver"]),
    )?;
    println!("setup: ready in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Checks `present`; runs `install` only when it is false, then checks again.
fn step(name: &str, present: impl Fn() -> bool, install: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let t = Instant::now();
    if present() {
        println!("setup: {name}: present ({:.1}s)", t.elapsed().as_secs_f64());
        return Ok(());
    }
    println!("setup: {name}: installing…");
    install()?;
    if !present() {
        return Err(format!("{name}: still missing after installing it"));
    }
    println!("setup: {name}: installed in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

fn wasm_target_present() -> bool {
    cmd("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown"))
}

/// `npm ci` has run against the committed lock file (npm writes node_modules/.package-lock.json)
/// and the pinned wasm-opt answers.
fn npm_packages_current() -> bool {
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules").join(".package-lock.json");
    let fresh = match (std::fs::metadata(&lock).and_then(|m| m.modified()), std::fs::metadata(&installed).and_then(|m| m.modified())) {
        (Ok(l), Ok(i)) => i >= l,
        _ => false,
    };
    fresh
        && version_of("wasm-opt", "--version").is_some_and(|v| v.contains("version 132"))
        && root().join("node_modules/playwright-core/package.json").is_file()
        && root().join("node_modules/typescript/bin/tsc").is_file()
        && root().join("node_modules/axe-core/axe.min.js").is_file()
}

/// Installs Debian packages as root; elsewhere says exactly what to install and fails.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let is_root = cmd("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root || which("apt-get").is_none() {
        return Err(format!(
            "cannot install {} here (needs root and apt-get). Install them with your system's package manager, \
             e.g. `sudo apt-get install -y {}`, then run `cargo xtask setup` again.",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    exec(cmd("apt-get").arg("update"))?;
    exec(cmd("apt-get").args(["install", "-y"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"))
}
