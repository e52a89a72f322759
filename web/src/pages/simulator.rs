//! What-if simulator: pick an endpoint behaviour, a rate and a duration; the core's simulator runs
//! in wasm and the page shows when bans, lost events and the deletion would happen, and why.

use crate::format::{absolute, axis_label, span, tenths};
use crate::rules_summary::RulesSummary;
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::chart::{chart, ticks, Chart};
use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::simulator::{simulate, Endpoint, Scenario, SimWebhook, Summary, Traffic};
use pipedrive_webhooks::{Millis, Rule, HOUR};

pub const BUCKETS: usize = 120;
const PRESETS: [(&str, &str); 5] = [("healthy", "Healthy"), ("flaky", "Flaky: X % answer 5xx"), ("slow", "Slow: Y % answer after 10 s"), ("outage", "Outage from t1 to t2"), ("dead", "Dead: every connection refused")];
const RATES: [(u32, &str); 5] = [(1, "1 per hour"), (12, "12 per hour"), (60, "1 per minute"), (600, "10 per minute"), (3600, "1 per second")];
const DURATIONS: [(u32, &str); 6] = [(1, "1 hour"), (2, "2 hours"), (6, "6 hours"), (24, "1 day"), (72, "3 days"), (168, "7 days")];

/// A scenario as the page and its URL hold it.
#[derive(Debug, Clone, PartialEq)]
struct WhatIf {
    preset: String,
    pct: u32,
    from_h: u32,
    to_h: u32,
    rate: u32,
    /// Events arrive in one burst at the top of each hour (1 s apart) rather than evenly spread.
    burst: bool,
    hours: u32,
}

impl WhatIf {
    fn from_query(get: impl Fn(&str) -> Option<String>) -> WhatIf {
        let num = |k: &str, default: u32, max: u32| get(k).and_then(|v| v.parse::<u32>().ok()).map_or(default, |v| v.min(max));
        let preset = get("preset").filter(|p| PRESETS.iter().any(|(v, _)| v == p)).unwrap_or_else(|| "dead".into());
        WhatIf { preset, pct: num("pct", 20, 100), from_h: num("from", 1, 168), to_h: num("to", 2, 168), rate: num("rate", 60, 3600).max(1), burst: get("burst").as_deref() == Some("1"), hours: num("hours", 2, 720).max(1) }
    }

    fn to_query(&self) -> String {
        let burst = if self.burst { "&burst=1" } else { "" };
        format!("preset={}&pct={}&from={}&to={}&rate={}{burst}&hours={}", self.preset, self.pct, self.from_h, self.to_h, self.rate, self.hours)
    }

    fn endpoint(&self, start: Millis) -> Endpoint {
        let share = f64::from(self.pct) / 100.0;
        match self.preset.as_str() {
            "flaky" => Endpoint::flaky(share),
            "slow" => Endpoint::slow(share),
            "outage" => Endpoint::healthy().with_outage(start + i64::from(self.from_h) * HOUR, start + i64::from(self.to_h) * HOUR),
            "dead" => Endpoint::dead(),
            _ => Endpoint::healthy(),
        }
    }

    fn traffic(&self) -> Traffic {
        if self.burst {
            Traffic::Bursts { size: self.rate, every_ms: HOUR, spacing_ms: 1_000 }
        } else {
            Traffic::Every { interval_ms: HOUR / i64::from(self.rate) }
        }
    }

    fn scenario(&self, start: Millis) -> Scenario {
        Scenario {
            policy: Default::default(),
            start,
            duration_ms: i64::from(self.hours) * HOUR,
            seed: 1,
            webhooks: vec![SimWebhook { endpoint: self.endpoint(start), traffic: self.traffic(), max_events: None }],
            timeline: true,
        }
    }
}

/// A preset that matches what is known of a webhook: its sandbox endpoint, or its live health.
fn preset_for(panel: &Panel, id: u64) -> Option<(String, u32)> {
    if panel.is_sandbox() {
        let e = panel.sandbox.with(|s| s.account.entry(id).map(|_| s.endpoint(id)))?;
        Some(if !e.outages.is_empty() || e.failure_rate >= 1.0 {
            ("dead".into(), 100)
        } else if e.slow_rate > 0.0 {
            ("slow".into(), (e.slow_rate * 100.0).round() as u32)
        } else if e.failure_rate > 0.0 {
            ("flaky".into(), (e.failure_rate * 100.0).round() as u32)
        } else {
            ("healthy".into(), 0)
        })
    } else {
        let row = panel.rows().into_iter().find(|r| r.id == id)?;
        Some(match row.health {
            Health::Banned { .. } => ("dead".into(), 100),
            Health::Failing { .. } => ("flaky".into(), 50),
            _ => ("healthy".into(), 0),
        })
    }
}

#[component]
pub fn SimulatorPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let mut initial = WhatIf::from_query(crate::nav::query);
    let webhook = crate::nav::query("webhook").and_then(|v| v.parse::<u64>().ok());
    // Read once when the page opens (untracked): the form then belongs to the user.
    if let Some((preset, pct)) = webhook.and_then(|id| untrack(|| preset_for(&panel, id))) {
        initial.preset = preset;
        initial.pct = pct;
    }
    let what = RwSignal::new(initial);
    // The scenario lives in the URL so it can be shared and reloaded.
    // Not on the first run: the URL already holds the scenario the page opened with.
    Effect::new(move |first: Option<()>| {
        let q = what.with(WhatIf::to_query);
        if first.is_none() {
            return;
        }
        crate::nav::replace_url(&format!("/simulator?{q}"));
    });
    let start = untrack(|| panel.now());
    let result = Memo::new(move |_| {
        let w = what.get();
        let sc = w.scenario(start);
        let report = simulate(&sc);
        let c = chart(&report.timeline, sc.start, sc.start + sc.duration_ms, BUCKETS);
        (report.summary, c)
    });
    let readout = RwSignal::new("Hover or focus the chart to see which rule acts where.".to_string());
    let set = move |f: fn(&mut WhatIf, String)| move |ev: leptos::ev::Event| { let v = event_target_value(&ev); what.update(|w| f(w, v)); };

    view! {
        <h1>"Simulator"</h1>
        <p class="lead">"What an outage or a slow endpoint does to a webhook under Pipedrive's rules, before it happens to a customer."</p>
        <div class="sim-controls card">
            <label>"Endpoint "
                <select data-testid="sim-preset" prop:value=move || what.with(|w| w.preset.clone()) on:change=set(|w, v| w.preset = v)>
                    {PRESETS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                </select>
            </label>
            {move || matches!(what.with(|w| w.preset.clone()).as_str(), "flaky" | "slow").then(|| view! {
                <label>"% "<input type="number" min="0" max="100" data-testid="sim-pct" prop:value=move || what.with(|w| w.pct.to_string())
                    on:input=set(|w, v| w.pct = v.parse::<u32>().unwrap_or(0).min(100))/></label>
            })}
            {move || (what.with(|w| w.preset.clone()) == "outage").then(|| view! {
                <label>"from hour "<input type="number" min="0" max="168" data-testid="sim-from" prop:value=move || what.with(|w| w.from_h.to_string())
                    on:input=set(|w, v| w.from_h = v.parse::<u32>().unwrap_or(0).min(168))/></label>
                <label>"to hour "<input type="number" min="0" max="168" data-testid="sim-to" prop:value=move || what.with(|w| w.to_h.to_string())
                    on:input=set(|w, v| w.to_h = v.parse::<u32>().unwrap_or(0).min(168))/></label>
            })}
            <label>"Events "
                <select data-testid="sim-rate" prop:value=move || what.with(|w| w.rate.to_string()) on:change=set(|w, v| w.rate = v.parse::<u32>().unwrap_or(60).max(1))>
                    {RATES.iter().map(|(v, l)| view! { <option value=v.to_string()>{*l}</option> }).collect_view()}
                </select>
            </label>
            <label>"arriving "
                <select data-testid="sim-burst" prop:value=move || if what.with(|w| w.burst) { "1" } else { "0" } on:change=set(|w, v| w.burst = v == "1")>
                    <option value="0">"evenly spread"</option>
                    <option value="1">"in one burst each hour"</option>
                </select>
            </label>
            <label>"For "
                <select data-testid="sim-hours" prop:value=move || what.with(|w| w.hours.to_string()) on:change=set(|w, v| w.hours = v.parse::<u32>().unwrap_or(2).max(1))>
                    {DURATIONS.iter().map(|(v, l)| view! { <option value=v.to_string()>{*l}</option> }).collect_view()}
                </select>
            </label>
        </div>
        {move || {
            let (s, c) = result.get();
            view! { <SummaryTable s=s deleted_at=c.deleted_at start=c.start/> <TimelineChart c=c readout=readout/> }
        }}
        <p class="readout" data-testid="chart-readout" aria-live="polite">{move || readout.get()}</p>
        <h2>"The numbers it runs on"</h2>
        <RulesSummary policy=pipedrive_webhooks::Policy::default()/>
    }
}

#[component]
/// `deleted_at` is read from `start`, the first event: "after 72 h 00 min 04 s" (a projection's
/// scenario starts at 0, so a date would mean nothing).
pub fn SummaryTable(s: Summary, deleted_at: Option<Millis>, start: Millis) -> impl IntoView {
    let line = |label: &'static str, testid: &'static str, value: String| view! { <div class="rule"><dt>{label}</dt><dd data-testid=testid>{value}</dd></div> };
    view! {
        <dl class="rules sim-summary card" data-testid="sim-summary">
            {line("Events", "sum-events", s.events.to_string())}
            {line("Delivered on the first try", "sum-first", s.delivered_first_try.to_string())}
            {line("Delivered after a retry (R10)", "sum-retry", s.delivered_after_retry.to_string())}
            {line("Failed after all 4 attempts", "sum-failed", s.failed_all_attempts.to_string())}
            {line("Lost during bans (R12)", "sum-lost", s.lost_during_ban.to_string())}
            {line("Dropped after deletion (R13)", "sum-dropped", s.dropped_after_deletion.to_string())}
            {line("Bans", "sum-bans", s.bans.to_string())}
            {line("Deleted (R13)", "sum-deleted", deleted_at.map(|t| format!("after {}", crate::format::hms(t - start))).unwrap_or_else(|| "no".into()))}
        </dl>
    }
}

/// Bars of first-try failures and lost events per bucket, the ban counter as a line, ban windows
/// shaded, the deletion as a marker; every part says which rule it shows on hover or focus.
#[component]
pub fn TimelineChart(c: Chart, readout: RwSignal<String>) -> impl IntoView {
    let (w, h, pad) = (960.0_f64, 200.0_f64, 24.0_f64);
    let spanms = (c.end - c.start).max(1) as f64;
    let x = move |t: Millis| pad + (t - c.start) as f64 / spanms * (w - 2.0 * pad);
    let bw = (w - 2.0 * pad) / c.buckets.len().max(1) as f64;
    let max = c.buckets.iter().map(|b| b.first_try_failures + b.lost + b.retries_failed + b.retries_succeeded).max().unwrap_or(0).max(1) as f64;
    let y_counter = move |n: u32| h - pad - f64::from(n.min(10)) / 10.0 * (h - 2.0 * pad);
    let counter_path: String = c.buckets.iter().enumerate().map(|(i, b)| format!("{}{},{}", if i == 0 { "M" } else { " L" }, tenths(pad + (i as f64 + 0.5) * bw), tenths(y_counter(b.counter)))).collect();
    let bans = c.bans.clone();
    view! {
        <svg class="chart" viewBox=format!("0 0 {} {}", w as u32, h as u32) role="img" aria-label="Timeline of the simulated webhook" data-testid="sim-chart">
            <line x1=tenths(pad) y1=tenths(h - pad) x2=tenths(w - pad) y2=tenths(h - pad) class="axis"/>
            // Time since the start along the axis (exact times are in the readout).
            {let marks = ticks(c.end - c.start, 8);
             let step = marks.get(1).copied().unwrap_or(HOUR);
             marks.into_iter().map(move |t| {
                let tx = x(c.start + t);
                view! {
                    <line class="tick" x1=tenths(tx) x2=tenths(tx) y1=tenths(h - pad) y2=tenths(h - pad + 4.0)/>
                    <text class="tick-label" x=tenths(tx) y=tenths(h - 6.0) text-anchor=if t == 0 { "start" } else { "middle" } data-testid="axis-tick">
                        {axis_label(t, step)}
                    </text>
                }
            }).collect_view()}
            {bans.into_iter().enumerate().map(|(i, (from, until))| {
                let text = format!("{}: banned from {} to {} ({}): nothing is sent and events are lost; the counter restarts at 0 at the end.", Rule::R12.as_str(), absolute(from), absolute(until), span(until - from));
                let t2 = text.clone();
                view! {
                    <rect class="ban" x=tenths(x(from)) y=tenths(pad) width=tenths((x(until.min(c.end)) - x(from)).max(1.0)) height=tenths(h - 2.0 * pad) tabindex="0"
                        data-testid=format!("ban-{i}") data-from=from.to_string() data-until=until.to_string()
                        on:mouseenter=move |_| readout.set(text.clone()) on:focus=move |_| readout.set(t2.clone())>
                        <title>{format!("R12: banned until {}", absolute(until))}</title>
                    </rect>
                }
            }).collect_view()}
            {c.buckets.iter().map(|b| {
                let x0 = x(b.from);
                let unit = (h - 2.0 * pad) / max;
                let first_h = f64::from(b.first_try_failures) * unit;
                let retry_fail_h = f64::from(b.retries_failed) * unit;
                let retry_ok_h = f64::from(b.retries_succeeded) * unit;
                let lost_h = f64::from(b.lost) * unit;
                let base = h - pad;
                let text = format!("{} from {}: {} failed first attempts (R11, counter {}), {} retries succeeded and {} failed (R10), {} events lost (R12).",
                    span(bw as i64), absolute(b.from), b.first_try_failures, b.counter, b.retries_succeeded, b.retries_failed, b.lost);
                let t2 = text.clone();
                view! {
                    <g class="bucket" tabindex="-1" on:mouseenter=move |_| readout.set(text.clone()) on:focus=move |_| readout.set(t2.clone())>
                        <rect class="hit" x=tenths(x0) y=tenths(pad) width=tenths(bw) height=tenths(h - 2.0 * pad)/>
                        <rect class="fail" x=tenths(x0) y=tenths(base - first_h) width=tenths((bw - 1.0).max(0.5)) height=tenths(first_h)/>
                        <rect class="retry-fail" x=tenths(x0) y=tenths(base - first_h - retry_fail_h) width=tenths((bw - 1.0).max(0.5)) height=tenths(retry_fail_h)/>
                        <rect class="retry-ok" x=tenths(x0) y=tenths(base - first_h - retry_fail_h - retry_ok_h) width=tenths((bw - 1.0).max(0.5)) height=tenths(retry_ok_h)/>
                        <rect class="lost" x=tenths(x0) y=tenths(base - first_h - retry_fail_h - retry_ok_h - lost_h) width=tenths((bw - 1.0).max(0.5)) height=tenths(lost_h)/>
                    </g>
                }
            }).collect_view()}
            <path class="counter" d=counter_path/>
            {c.deleted_at.map(|at| {
                let text = format!("R13: deleted at {} after 72 hours without a successful delivery; later events are dropped.", absolute(at));
                let t2 = text.clone();
                view! {
                    <line class="deleted" x1=tenths(x(at)) x2=tenths(x(at)) y1=tenths(pad) y2=tenths(h - pad) tabindex="0" data-testid="deletion"
                        on:mouseenter=move |_| readout.set(text.clone()) on:focus=move |_| readout.set(t2.clone())/>
                }
            })}
        </svg>
        <p class="legend muted">
            <span class="key fail"></span>" failed first attempts  "<span class="key retry-fail"></span>" failed retries  "
            <span class="key retry-ok"></span>" successful retries  "<span class="key lost"></span>" lost events  "
            <span class="key counter"></span>" ban counter (0–10)  "<span class="key ban"></span>" ban  "<span class="key deleted"></span>" deletion"
        </p>
    }
}
