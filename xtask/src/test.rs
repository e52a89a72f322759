//! `cargo xtask test`: every suite, then one `N passed, N failed` line.

use crate::env::{cmd, which};
use crate::tally::{parse_line, Tally};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn run() -> Result<(), String> {
    let mut r = Report::default();
    r.suite(
        "native",
        cmd("cargo").args(["test", "--workspace", "--exclude", "pipedrive-webhooks-web", "--exclude", "pipedrive-webhooks-tests"]),
    );
    let chromedriver = which("chromedriver").map(|p| p.display().to_string()).unwrap_or_default();
    r.suite(
        "browser (wasm-bindgen-test, headless Chromium)",
        cmd("cargo")
            .args(["test", "--target", "wasm32-unknown-unknown", "--tests", "-p", "pipedrive-webhooks-tests"])
            .env("CHROMEDRIVER", &chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    );
    // The release panel first, once: the JS package ships it (dist-js copies dist/ as `panel/`).
    let panel_built = r.step("trunk build --release", crate::env::exec(cmd("trunk").args(["build", "--release"])));
    // The JS package must build before node can test it; a failed build counts as one failure.
    if r.step("build the JS package", crate::dist_js::build().map(|_| ())) {
        r.suite("node (JS package)", cmd("node").args(["--test", "--test-reporter=spec", "tests/node/"]));
    }
    if panel_built {
        r.suite("end-to-end (release build in Chromium)", cmd("node").args(["--test", "--test-reporter=spec", "tests/e2e/"]));
    }
    r.finish()
}

#[derive(Default)]
struct Report {
    total: Tally,
    broken: Vec<String>,
}

impl Report {
    fn suite(&mut self, name: &str, command: &mut Command) {
        let t = run_counted(name, command);
        if t.failed > 0 {
            self.broken.push(name.to_string());
        }
        self.total.add(t);
    }

    /// A build step counted as one test: it passes or fails as a whole.
    fn step(&mut self, name: &str, result: Result<(), String>) -> bool {
        println!("\n=== {name}");
        let ok = result.map_err(|e| eprintln!("xtask: {name} failed: {e}")).is_ok();
        self.total.add(Tally { passed: ok as u64, failed: !ok as u64 });
        if !ok {
            self.broken.push(name.to_string());
        }
        ok
    }

    fn finish(self) -> Result<(), String> {
        println!();
        if !self.broken.is_empty() {
            println!("failing suites: {}", self.broken.join(", "));
        }
        println!("{} passed, {} failed", self.total.passed, self.total.failed);
        if self.total.failed > 0 {
            // Nothing may follow the closing line: the failure is in the exit code alone.
            Err(String::new())
        } else {
            Ok(())
        }
    }
}

/// Runs a suite, echoing its output and summing its closing lines. A suite that exits non-zero
/// without reporting a failure (a build error, a crash) counts as one failure.
fn run_counted(name: &str, command: &mut Command) -> Tally {
    println!("\n=== {name}");
    let mut child = match command.stdout(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask: cannot start {command:?}: {e}");
            return Tally { passed: 0, failed: 1 };
        }
    };
    let mut t = Tally::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(found) = parse_line(&line) {
                t.add(found);
            }
        }
    }
    let ok = child.wait().is_ok_and(|s| s.success());
    if !ok && t.failed == 0 {
        eprintln!("xtask: suite {name:?} exited with an error and reported no failing test: counted as 1 failure");
        t.failed = 1;
    }
    if ok && t.passed == 0 {
        eprintln!("xtask: suite {name:?} ran no test: counted as 1 failure");
        t.failed += 1;
    }
    t
}
