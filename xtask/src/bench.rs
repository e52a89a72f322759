//! `cargo xtask bench`: prints figures; it asserts nothing about time.

use crate::env::{cmd, root};
use crate::sizes::{line, Sizes};

pub fn run() -> Result<(), String> {
    panel_sizes()?;
    js_package_sizes()?;
    core_simulator()?;
    js_simulator()?;
    emulator_load()?;
    panel_render()?;
    Ok(())
}

/// The panel's initial transfer: every wasm, js and css file of the release build.
fn panel_sizes() -> Result<(), String> {
    println!("\n== panel release build (dist/)");
    crate::env::exec(cmd("trunk").args(["build", "--release"]))?;
    let mut total = Sizes::default();
    let mut entries: Vec<_> = std::fs::read_dir(root().join("dist"))
        .map_err(|e| format!("dist/: {e}"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("wasm" | "js" | "css")))
        .collect();
    entries.sort();
    for path in entries {
        let s = Sizes::of_file(&path)?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        println!("{}", line(&format!("panel {ext}"), s));
        total.add(s);
    }
    println!("{}", line("panel initial transfer", total));
    Ok(())
}

fn js_package_sizes() -> Result<(), String> {
    println!("\n== JS package (target/npm/pipedrive-webhooks)");
    let pkg = crate::dist_js::build()?;
    for (label, rel) in [("package wasm (web)", "web/pipedrive_webhooks_bg.wasm"), ("package wasm (node)", "node/pipedrive_webhooks_bg.wasm")] {
        println!("{}", line(label, Sizes::of_file(&pkg.join(rel))?));
    }
    Ok(())
}

fn core_simulator() -> Result<(), String> {
    println!("\n== core simulator (native)");
    crate::env::exec(cmd("cargo").args(["bench", "--quiet", "-p", "pipedrive-webhooks", "--bench", "simulate"]))
}

/// The same workload through the JS package (built by `js_package_sizes`), in node.
fn js_simulator() -> Result<(), String> {
    println!("\n== core simulator (JS package, node)");
    crate::env::exec(cmd("node").arg("tests/bench/js-simulate.mjs"))
}

fn emulator_load() -> Result<(), String> {
    println!("\n== emulator (HTTP on loopback)");
    crate::env::exec(cmd("cargo").args(["bench", "--quiet", "--profile", "load", "-p", "pipedrive-webhooks-emulator", "--bench", "load"]))
}

/// The release panel (built by `panel_sizes`) rendering and filtering 1,000 rows, beside plain JS.
fn panel_render() -> Result<(), String> {
    println!("\n== panel rendering (headless Chromium)");
    crate::env::exec(cmd("node").arg("tests/bench/panel-render.mjs"))
}
