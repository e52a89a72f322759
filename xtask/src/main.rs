//! `cargo xtask <task>`: the project's one entry point for setting up, serving, testing and measuring.

mod bench;
mod check;
mod dist_js;
mod env;
mod fuzz;
mod setup;
mod sizes;
mod soak;
mod tally;
mod test;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  setup     install what is missing (wasm target, wasm-bindgen-cli, trunk, npm tools, Chromium)
  serve     setup, build the release panel and the JS package, then serve the panel with its local
            companion on http://127.0.0.1:8080 (arguments after `--` go to it, e.g.
            -- --pipedrive-upstream http://127.0.0.1:8700)
  test      setup, then every suite; ends with one 'N passed, N failed' line
  bench     print the benchmarks' figures (sizes, speeds)
  dist-js   build the release panel (trunk) and the npm package, panel included, into
            target/npm/pipedrive-webhooks; --no-panel-build packages the panel already in dist/
  emulate   run the local Pipedrive emulator (arguments after `--` go to it, e.g. -- --time-scale 60)
  check-receiver
            check a webhook receiver against Pipedrive's rules: -- <URL> [--user U --password-env NAME]
            [--version 1.0|2.0|both] [--rate EVENTS_PER_MIN] [--json FILE]; exits 0 pass, 1 fail, 2 bad
            arguments (--password P also works, but ps shows it to every user of the machine)
  fuzz      coverage-guided fuzzing of the decoders (nightly + cargo-fuzz): [--seconds N] [--target NAME]
  soak      the Account model test at scale, release mode: [--sequences N] (default 100000)";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "setup" => setup::run(),
        "serve" => setup::run().and_then(|()| env::serve(std::env::args().skip(2).skip_while(|a| a == "--").collect())),
        "test" => setup::run().and_then(|()| test::run()),
        "bench" => setup::run().and_then(|()| bench::run()),
        "dist-js" => dist_js::task(&std::env::args().skip(2).collect::<Vec<_>>()),
        "fuzz" => fuzz::run(&std::env::args().skip(2).collect::<Vec<_>>()),
        "soak" => soak::run(&std::env::args().skip(2).collect::<Vec<_>>()),
        "emulate" => env::emulate(std::env::args().skip(2).skip_while(|a| a == "--").collect()),
        "check-receiver" => check::run(std::env::args().skip(2).skip_while(|a| a == "--").collect()),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("xtask: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
