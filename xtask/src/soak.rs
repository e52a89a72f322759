//! `cargo xtask soak [--sequences N]`: the model test of `core::Account` (core/tests/model.rs) at
//! scale, in release mode: 100,000 random sequences by default (`cargo xtask test` runs 1,000).

use crate::env::{cmd, exec};
use std::time::Instant;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut sequences = 100_000u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sequences" => sequences = it.next().and_then(|s| s.parse().ok()).filter(|n| *n > 0).ok_or("--sequences takes a positive number")?,
            other => return Err(format!("unknown option {other:?}: cargo xtask soak [--sequences N (default 100000)]")),
        }
    }
    let started = Instant::now();
    exec(
        cmd("cargo")
            .args(["test", "--release", "-p", "pipedrive-webhooks", "--test", "model", "--", "--nocapture"])
            .env("MODEL_SEQUENCES", sequences.to_string()),
    )?;
    println!("soak: {sequences} sequences agreed with the model in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
