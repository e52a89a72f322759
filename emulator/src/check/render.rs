//! The receiver check in a terminal: a progress line while it runs, an aligned table after.

use pipedrive_webhooks::emulator_api::Progress;
use pipedrive_webhooks::projection::Projection;
use pipedrive_webhooks::receiver_check::{CheckReport, Status, Verdict};
use pipedrive_webhooks::{Millis, HOUR};

/// `[ 42/193] payloads_v1`: the progress line (without its line ending).
///
/// ```
/// use pipedrive_webhooks_emulator::check::{progress_line, Progress};
/// assert_eq!(progress_line(&Progress { done: 42, total: 193, current: "payloads_v1".into() }), "[ 42/193] payloads_v1");
/// ```
pub fn progress_line(p: &Progress) -> String {
    let width = p.total.to_string().len();
    format!("[{:>width$}/{}] {}", p.done, p.total, p.current)
}

fn word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
    }
}

fn figure(x: f64) -> String {
    if x == x.trunc() {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn duration(ms: Millis) -> String {
    let h = ms / HOUR;
    let m = ms % HOUR / 60_000;
    let s = ms % 60_000 / 1000;
    format!("{h} h {m:02} min {s:02} s")
}

fn projection(out: &mut String, version: &str, p: &Projection) {
    out.push_str(&format!(
        "Projection for version {version} webhooks at {} event(s)/min, simulated over {} h by the core's delivery machine (R9–R13):\n",
        figure(p.events_per_minute),
        p.simulated_ms / HOUR
    ));
    out.push_str(&format!(
        "  per day: {} events, {} first-try failures (R11), {} bans (R12), {} lost events ({} in bans, {} after 4 failed attempts, {} after deletion)\n",
        figure(p.events_per_day),
        figure(p.first_try_failures_per_day),
        figure(p.bans_per_day),
        figure(p.lost_events_per_day),
        figure(p.lost_during_ban_per_day),
        figure(p.failed_all_attempts_per_day),
        figure(p.dropped_after_deletion_per_day)
    ));
    match p.deletion_after_ms {
        Some(ms) => out.push_str(&format!("  R13 deletes the webhook {} after the first event\n", duration(ms))),
        None => out.push_str("  R13: not deleted (successes keep resetting the 72 h clock)\n"),
    }
}

/// The report as text: one aligned row per check (id, status, detail), the latency, the verdict
/// and the projection of each payload version, where a failed check points (the receiver kit),
/// and the verdict.
pub fn table(r: &CheckReport) -> String {
    let mut out = String::new();
    // Milliseconds under a second: a fast local receiver took "0.0 s" otherwise.
    let took = if r.elapsed_ms < 1000 { format!("{} ms", r.elapsed_ms) } else { format!("{:.1} s", r.elapsed_ms as f64 / 1000.0) };
    out.push_str(&format!("Receiver check of {}: {} requests in {took}\n\n", r.url, r.requests));
    let id_w = r.checks.iter().map(|c| c.id.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!("  {:<id_w$}  {:<6}  {}\n", "check", "status", "detail"));
    out.push_str(&format!("  {:-<id_w$}  {:-<6}  {:-<6}\n", "", "", ""));
    for c in &r.checks {
        out.push_str(&format!("  {:<id_w$}  {:<6}  {}\n", c.id, word(c.status), c.detail));
    }
    let l = &r.latency_ms;
    out.push_str(&format!("\nLatency: p50 {} ms, p95 {} ms, max {} ms; {} without an answer in time\n", l.p50, l.p95, l.max, l.timeouts));
    out.push_str("\nBy payload version (a webhook has one):\n");
    for v in &r.versions {
        let verdict = if v.verdict == Verdict::Pass { "pass" } else { "FAIL" };
        out.push_str(&format!("  {}  {verdict:<4}  {}\n", v.version.as_str(), v.detail));
    }
    for v in &r.versions {
        match &v.projection {
            Some(p) => projection(&mut out, v.version.as_str(), p),
            None => out.push_str(&format!("Projection for version {}: nothing observed to project\n", v.version.as_str())),
        }
    }
    if let Some(kit) = r.kit_link() {
        out.push_str(&format!("\nFix it with the receiver kit ({}):\n", kit.readme));
        match &kit.stack {
            Some(s) => out.push_str(&format!("  closest example: {} (the receiver says {s:?})\n", kit.example)),
            None => out.push_str(&format!("  closest example: {}\n", kit.example)),
        }
        for a in &kit.advice {
            out.push_str(&format!("  - {a}\n"));
        }
    }
    out.push_str(&format!("\nVerdict: {}\n", if r.verdict == Verdict::Pass { "PASS (no check failed)" } else { "FAIL" }));
    out
}
