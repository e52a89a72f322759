//! `cargo xtask bench`: prints figures; it asserts nothing about time.

use crate::env::{cmd, root};
use crate::sizes::{line, Sizes};

pub fn run() -> Result<(), String> {
    panel_sizes()?;
    js_package_sizes()?;
    core_simulator()?;
    js_simulator()?;
    emulator_load()?;
    receiver_check()?;
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

/// How long the receiver check's default battery (both versions, no credentials, a burst of 100)
/// takes against a healthy receiver on loopback: the release emulator's `check` against a tiny
/// std-only HTTP/1.1 receiver that answers 200 to everything.
fn receiver_check() -> Result<(), String> {
    println!("\n== receiver check (default battery, healthy local receiver)");
    crate::env::exec(cmd("cargo").args(["build", "--quiet", "--release", "-p", "pipedrive-webhooks-emulator"]))?;
    let port = tiny_receiver()?;
    let json = std::env::temp_dir().join(format!("pd-bench-check-{}.json", std::process::id()));
    let started = std::time::Instant::now();
    let out = std::process::Command::new(crate::check::binary())
        .args(["check", &format!("http://127.0.0.1:{port}/hook"), "--json"])
        .arg(&json)
        .output()
        .map_err(|e| format!("cannot run the emulator's check: {e}"))?;
    let wall = started.elapsed();
    let report = std::fs::read_to_string(&json).unwrap_or_default();
    let _ = std::fs::remove_file(&json);
    let figure = |key: &str| report.split(&format!("\"{key}\": ")).nth(1).and_then(|r| r.split([',', '\n']).next()).unwrap_or("?").trim().to_string();
    if out.status.code() != Some(0) {
        return Err(format!("the check failed against a healthy receiver ({}):\n{}", out.status, String::from_utf8_lossy(&out.stdout)));
    }
    println!("{:<40} {} requests, battery {} ms, process {:.0} ms (verdict {})", "check-receiver", figure("requests"), figure("elapsed_ms"), wall.as_secs_f64() * 1000.0, figure("verdict"));
    Ok(())
}

/// A tiny receiver on 127.0.0.1 (a thread per connection, keep-alive): reads each request with
/// its `content-length` body and answers `200 OK`. Returns its port; it lives until the process ends.
fn tiny_receiver() -> Result<u16, String> {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else { return };
                let (mut reader, mut writer) = (BufReader::new(read_half), stream);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0usize;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() || writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(port)
}

#[cfg(test)]
mod tests {
    /// `cargo test -p xtask -- --ignored receiver_check`: the bench's receiver-check figure alone
    /// (builds the release emulator). Asserts nothing about time.
    #[test]
    #[ignore]
    fn receiver_check() {
        super::receiver_check().unwrap();
    }
}
