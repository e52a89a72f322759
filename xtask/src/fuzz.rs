//! `cargo xtask fuzz [--seconds N] [--target NAME]`: coverage-guided fuzzing (cargo-fuzz,
//! libFuzzer) of everything that reads hostile bytes: delivery bodies, API answers, the JSON
//! readers, validation, the emulator's create body and base URLs.
//!
//! It needs nightly, which it installs through rustup for this command only (the rest of the
//! project stays on stable), and cargo-fuzz when missing. The corpora start from the test
//! fixtures (`core/tests/fixtures/real-world/*.json`) and the JSON literals in `core/tests/`, and
//! the fuzzer gets a dictionary of Pipedrive's keys (`fuzz/pipedrive.dict`). A crash or panic
//! stops with the input saved under `fuzz/artifacts/<target>/`: make it a regression test.

use crate::env::{cmd, exec, root};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

/// The fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: [&str; 6] = ["delivery", "wire_response", "json_read", "validate", "create_body", "base_url"];

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 120u64;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => seconds = it.next().and_then(|s| s.parse().ok()).filter(|s| *s > 0).ok_or("--seconds takes a positive number")?,
            "--target" => only = Some(it.next().cloned().ok_or("--target takes one of the fuzz targets")?),
            other => return Err(format!("unknown option {other:?}: cargo xtask fuzz [--seconds N (per target, default 120)] [--target NAME]")),
        }
    }
    let targets: Vec<&'static str> = match &only {
        Some(t) => match TARGETS.iter().find(|name| **name == t.as_str()) {
            Some(name) => vec![*name],
            None => return Err(format!("no fuzz target {t:?}; the targets: {}", TARGETS.join(", "))),
        },
        None => TARGETS.to_vec(),
    };
    ensure_tools()?;
    let fuzz = root().join("fuzz");
    let seeds = write_seeds(&fuzz)?;
    println!("seeded the corpora with {seeds} inputs from core/tests");

    let mut rows = Vec::new();
    for target in targets {
        rows.push(fuzz_one(&fuzz, target, seconds)?);
    }
    println!("\n{:<14} {:>14} {:>8} {:>10} {:>8}  result", "target", "executions", "seconds", "execs/s", "corpus");
    let mut total = 0;
    for r in &rows {
        total += r.execs;
        println!("{:<14} {:>14} {:>8.0} {:>10.0} {:>8}  {}", r.target, r.execs, r.seconds, r.execs as f64 / r.seconds.max(0.001), r.corpus, r.result);
    }
    println!("{:<14} {:>14}", "total", total);
    let crashed: Vec<&str> = rows.iter().filter(|r| r.result != "no crash").map(|r| r.target).collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("the fuzzer found crashes in {} (inputs under fuzz/artifacts/): add each as a regression test, then fix", crashed.join(", ")))
    }
}

/// Nightly through rustup (minimal profile), and cargo-fuzz; only when missing.
fn ensure_tools() -> Result<(), String> {
    let nightly = cmd("rustup").args(["run", "nightly", "rustc", "--version"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !nightly.is_ok_and(|s| s.success()) {
        println!("installing the nightly toolchain (for fuzzing only)");
        exec(cmd("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let fuzz = cmd("cargo").args(["fuzz", "--version"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !fuzz.is_ok_and(|s| s.success()) {
        println!("installing cargo-fuzz");
        exec(cmd("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

struct Row {
    target: &'static str,
    execs: u64,
    seconds: f64,
    corpus: usize,
    result: String,
}

fn fuzz_one(fuzz: &Path, target: &'static str, seconds: u64) -> Result<Row, String> {
    println!("\n=== fuzz {target} for {seconds} s");
    let corpus = fuzz.join("corpus").join(target);
    let started = Instant::now();
    // Sanitizer none: the code under test is safe Rust, so AddressSanitizer finds nothing more
    // there and would cost ~2× the executions; panics and overflows (checks on) are what we hunt.
    let mut child = cmd("cargo")
        .current_dir(fuzz)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args(["+nightly", "fuzz", "run", "--sanitizer", "none", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", fuzz.join("pipedrive.dict").display()))
        .arg("-print_final_stats=1")
        .arg("-max_len=8192")
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    let mut execs = 0u64;
    let mut crash = None;
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            // libFuzzer's progress lines are many: show the periodic ones and everything else.
            if !line.contains("NEW") && !line.contains("REDUCE") {
                eprintln!("{line}");
            }
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                execs = n.trim().parse().unwrap_or(0);
            }
            if line.contains("Test unit written to") {
                crash = Some(line.rsplit(' ').next().unwrap_or("").to_string());
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let corpus_size = std::fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0);
    let result = match (status.success(), crash) {
        (true, _) => "no crash".to_string(),
        (false, Some(path)) => format!("CRASH, input saved to {path}"),
        (false, None) => format!("cargo fuzz failed ({status})"),
    };
    Ok(Row { target, execs, seconds: started.elapsed().as_secs_f64(), corpus: corpus_size, result })
}

/// Writes the seed inputs into each target's corpus folder (`fuzz/corpus/<target>/seed-<hash>`);
/// returns how many.
fn write_seeds(fuzz: &Path) -> Result<usize, String> {
    let fixtures = root().join("core/tests/fixtures/real-world");
    let mut json_texts: Vec<String> = Vec::new();
    let mut deliveries: Vec<String> = Vec::new();
    let mut create_inputs: Vec<String> = Vec::new();
    let mut responses: Vec<Vec<u8>> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures).map_err(|e| format!("{}: {e}", fixtures.display()))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for file in files.iter().filter(|f| f.extension().is_some_and(|x| x == "json")) {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        json_texts.push(text.clone());
        let kind = field(&text, "kind").map(unquote).unwrap_or_default();
        let input = field(&text, "input").map(str::to_string);
        match kind.as_str() {
            "delivery" => deliveries.extend(field(&text, "body").map(|b| if b.starts_with('"') { unquote(b) } else { b.to_string() })),
            "create_input" => create_inputs.extend(input.clone()),
            "list_row" => {
                if let Some(row) = &input {
                    responses.push(response(200, &[], &format!(r#"{{"success":true,"status":"ok","data":[{row}]}}"#)));
                    responses.push(response(201, &[], &format!(r#"{{"success":true,"status":"ok","data":{row}}}"#)));
                }
            }
            "error" => {
                let status = field(&text, "status").and_then(|s| s.parse().ok()).unwrap_or(400);
                let headers = field(&text, "headers").map(string_pairs).unwrap_or_default();
                let body = field(&text, "body").map(|b| if b.starts_with('"') { unquote(b) } else { b.to_string() }).unwrap_or_default();
                responses.push(response(status, &headers, &body));
            }
            _ => {}
        }
        json_texts.extend(input);
    }
    // JSON in the core's tests: raw strings and json!({...}) bodies (seeds need not be valid).
    let mut literals = Vec::new();
    let mut base_urls: Vec<String> =
        ["acme", "acme.pipedrive.com", "https://acme.pipedrive.com/", "http://127.0.0.1:8700", "http://localhost:8700/v1/", "http://[::1]:8700/api/v1", "https://api.pipedrive.com/v1"]
            .map(String::from)
            .to_vec();
    for dir in ["core/tests", "core/src"] {
        let mut sources: Vec<PathBuf> = std::fs::read_dir(root().join(dir)).map_err(|e| e.to_string())?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        sources.sort();
        for src in sources.iter().filter(|p| p.extension().is_some_and(|x| x == "rs")) {
            let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
            if dir == "core/tests" {
                literals.extend(raw_json_strings(&text));
                literals.extend(json_macros(&text));
            }
            for piece in text.split("normalize_base_url(\"").skip(1) {
                base_urls.extend(piece.split('"').next().map(str::to_string));
            }
        }
    }
    for l in &literals {
        responses.push(response(200, &[], l));
        responses.push(response(400, &[("x-ratelimit-reset".into(), "2".into())], l));
    }
    let all_json: Vec<String> = json_texts.iter().chain(&literals).chain(&deliveries).chain(&create_inputs).cloned().collect();
    let mut n = 0;
    let mut put = |target: &str, items: &mut dyn Iterator<Item = Vec<u8>>| -> Result<(), String> {
        let dir = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for bytes in items {
            std::fs::write(dir.join(format!("seed-{:016x}", fnv(&bytes))), &bytes).map_err(|e| e.to_string())?;
            n += 1;
        }
        Ok(())
    };
    put("delivery", &mut deliveries.iter().chain(&literals).map(|s| s.clone().into_bytes()))?;
    put("wire_response", &mut responses.into_iter())?;
    put("json_read", &mut all_json.iter().map(|s| s.clone().into_bytes()))?;
    put("validate", &mut create_inputs.iter().chain(&literals).map(|s| s.clone().into_bytes()))?;
    put("create_body", &mut create_inputs.iter().chain(&literals).map(|s| s.clone().into_bytes()))?;
    put("base_url", &mut base_urls.iter().map(|s| s.clone().into_bytes()))?;
    Ok(n)
}

/// A `wire_response` input: status, `now`, header lines, a blank line, the body.
fn response(status: u16, headers: &[(String, String)], body: &str) -> Vec<u8> {
    let mut out = status.to_be_bytes().to_vec();
    out.extend(1_750_000_000u32.to_be_bytes());
    for (k, v) in headers {
        out.extend(format!("{k}: {v}\n").bytes());
    }
    out.extend(b"\n\n");
    out.extend(body.bytes());
    out
}

/// The text of the value of the first `"key":` in a JSON text (no parser in the xtask: a scan
/// that respects strings and nesting).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\"");
    let at = text.find(&needle)? + needle.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    Some(&rest[..value_len(rest)?])
}

/// The length of the JSON value at the start of `s`.
fn value_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'"' => {
            let mut i = 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let (mut depth, mut i, mut in_str) = (0i32, 0, false);
            while i < b.len() {
                match (in_str, b[i]) {
                    (true, b'\\') => i += 1,
                    (true, b'"') => in_str = false,
                    (false, b'"') => in_str = true,
                    (false, b'{' | b'[') => depth += 1,
                    (false, b'}' | b']') => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(s.find([',', '}', ']', '\n']).unwrap_or(s.len())),
    }
}

/// A JSON string literal's text (the common escapes; others kept as written).
fn unquote(s: &str) -> String {
    let inner = s.trim().trim_start_matches('"').trim_end_matches('"');
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A flat object of strings (`{"k": "v", ...}`) as pairs.
fn string_pairs(obj: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = obj.trim().trim_start_matches('{');
    while let Some(start) = rest.find('"') {
        let Some(klen) = value_len(&rest[start..]) else { break };
        let key = unquote(&rest[start..start + klen]);
        let after = rest[start + klen..].trim_start().trim_start_matches(':').trim_start();
        let Some(vlen) = value_len(after) else { break };
        out.push((key, unquote(&after[..vlen])));
        rest = &after[vlen..];
    }
    out
}

/// `r#"{...}"#` and `br#"{...}"#` literals that hold JSON.
fn raw_json_strings(src: &str) -> Vec<String> {
    src.split("r#\"").skip(1).filter_map(|p| p.split("\"#").next()).filter(|s| s.trim_start().starts_with(['{', '['])).map(str::to_string).collect()
}

/// The bodies of `json!({...})` macros (JSON but for Rust expressions in some values).
fn json_macros(src: &str) -> Vec<String> {
    src.split("json!(").skip(1).filter_map(|p| value_len(p).map(|n| p[..n].to_string())).filter(|s| s.starts_with('{')).collect()
}

/// FNV-1a, for stable seed file names.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}
