//! Check receiver (emulator connections): starts the emulator's receiver check
//! (`POST /_emulator/checks`), follows its progress, and renders the report card: the verdict of
//! each payload version (a webhook has one), each check with its status and evidence, where a
//! failed check points (the receiver kit's README and its closest example), the latency
//! histogram, and each version's projection as the simulator's timeline (the core's simulator
//! re-runs the projection's scenario in the browser). The report is the core's one
//! `receiver_check::CheckReport`, read without serde's derive.

use crate::components::RuleText;
use crate::pages::simulator::{SummaryTable, TimelineChart, BUCKETS};
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::chart::chart;
use pipedrive_webhooks::emulator_api::{control_url, decode_check_run, timeout_text, CheckRun, RunState};
use pipedrive_webhooks::projection::{Projection, MAX_EVENTS_PER_MINUTE};
use pipedrive_webhooks::receiver_check::{CheckReport, Status, Verdict};
use pipedrive_webhooks::simulator::simulate;
use pipedrive_webhooks::PayloadVersion;

fn badge(pass: bool, warn: bool) -> &'static str {
    match (pass, warn) {
        (true, _) => "badge health-ok",
        (_, true) => "badge health-failing",
        _ => "badge health-banned",
    }
}

/// `v2`, `v1`: a version in test ids.
fn vkey(v: PayloadVersion) -> &'static str {
    match v {
        PayloadVersion::V2 => "v2",
        PayloadVersion::V1 => "v1",
    }
}

/// The report card's verdicts, kit link, checks and latency as escaped HTML text (size: a view
/// per cell cost more than this card is worth; values come from the network).
fn card_html(report: &CheckReport) -> String {
    use crate::row_html::rule_html;
    use html_escape::encode_text_to_string as text;
    use std::fmt::Write;
    let mut h = String::with_capacity(4096);
    let _ = write!(
        h,
        r#"<h2 id="report-title">Verdict: <span class="{}" data-testid="verdict">{}</span></h2>"#,
        badge(report.verdict == Verdict::Pass, false),
        report.verdict.as_str()
    );
    // A webhook has one payload version: what this receiver means for each.
    h.push_str(r#"<ul class="versions" data-testid="versions" aria-label="Verdict by payload version">"#);
    for v in &report.versions {
        let k = vkey(v.version);
        let _ = write!(
            h,
            r#"<li data-testid="version-{k}"><span class="{}" data-testid="version-verdict-{k}">{}</span> <strong>version {} webhooks</strong> <span class="wrap">"#,
            badge(v.verdict == Verdict::Pass, false),
            v.verdict.as_str(),
            v.version.as_str()
        );
        rule_html(&v.detail, &mut h);
        h.push_str("</span></li>");
    }
    h.push_str("</ul>");
    // A failed check points at the receiver kit, with the example closest to this receiver.
    if let Some(kit) = report.kit_link() {
        let _ = write!(
            h,
            r#"<div class="kit" data-testid="kit-link"><p>Fix it with the <a href="{}" target="_blank" rel="noopener">receiver kit</a> (the pipedrive-webhooks package): the example closest to this receiver is <code data-testid="kit-example">{}</code>"#,
            kit.readme, kit.example
        );
        if let Some(stack) = &kit.stack {
            h.push_str(" (it says “");
            text(stack, &mut h);
            h.push_str("”)");
        }
        h.push_str(".</p><ul>");
        for a in &kit.advice {
            h.push_str("<li>");
            text(a, &mut h);
            h.push_str("</li>");
        }
        h.push_str("</ul></div>");
    }
    h.push_str(r#"<table class="log" data-testid="check-table"><thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Evidence</th></tr></thead><tbody>"#);
    for c in &report.checks {
        let id = html_escape::encode_double_quoted_attribute(&c.id);
        let _ = write!(h, r#"<tr data-testid="check-{id}"><td><code>"#);
        text(&c.id, &mut h);
        let _ = write!(
            h,
            r#"</code></td><td><span class="{}" data-testid="check-status-{id}">{}</span></td><td class="wrap">"#,
            badge(c.status == Status::Pass, c.status == Status::Warn),
            c.status.as_str()
        );
        rule_html(&c.detail, &mut h);
        h.push_str("</td></tr>");
    }
    let l = &report.latency_ms;
    let _ = write!(
        h,
        r#"</tbody></table><h3>Latency</h3><p data-testid="latency">p50 {} ms · p95 {} ms · max {} ms (over 10 s fails, <a class="rule-link" href="/rules#r9">R9</a>; over 5 s warns)</p><ol class="histogram" data-testid="histogram" aria-label="Answers by latency">"#,
        l.p50, l.p95, l.max
    );
    let max_count = l.histogram.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    for b in &l.histogram {
        let _ = write!(
            h,
            r#"<li><span class="hist-label">≤ {} ms</span><span class="hist-bar" style="width: {}%"></span><span class="hist-count">{}</span></li>"#,
            b.le_ms,
            b.count * 100 / max_count,
            b.count
        );
    }
    h.push_str("</ol>");
    h
}

/// Whole numbers without decimals, others to a tenth (no float formatting: size).
fn figure(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        (x as i64).to_string()
    } else {
        crate::format::tenths(x)
    }
}

/// A projection's figures for people, in the CLI's words and order (the traffic, then what it
/// costs a day, then the deletion), as escaped HTML text; test ids `projection-v1-bans_per_day`.
fn projection_html(k: &str, p: &Projection) -> String {
    use crate::format::hms;
    use crate::row_html::rule_html;
    use std::fmt::Write;
    let lines: [(&str, &str, String); 10] = [
        ("events_per_minute", "Traffic", format!("{} event(s) a minute", figure(p.events_per_minute))),
        ("simulated_ms", "Simulated", format!("over {}", hms(p.simulated_ms))),
        ("events_per_day", "Events a day", figure(p.events_per_day)),
        ("first_try_failures_per_day", "First-try failures (R11) a day", figure(p.first_try_failures_per_day)),
        ("bans_per_day", "Bans (R12) a day", figure(p.bans_per_day)),
        ("lost_events_per_day", "Lost events a day", figure(p.lost_events_per_day)),
        ("lost_during_ban_per_day", "Lost during bans (R12) a day", figure(p.lost_during_ban_per_day)),
        ("failed_all_attempts_per_day", "Failed after all 4 attempts (R10) a day", figure(p.failed_all_attempts_per_day)),
        ("dropped_after_deletion_per_day", "Dropped after deletion (R13) a day", figure(p.dropped_after_deletion_per_day)),
        (
            "deletion_after_ms",
            "Deletion (R13)",
            match p.deletion_after_ms {
                Some(ms) => format!("after {} from the first event", hms(ms)),
                None => "not deleted: successes keep resetting the 72 h clock".into(),
            },
        ),
    ];
    let mut h = String::with_capacity(1024);
    let _ = write!(h, r#"<dl class="rules" data-testid="projection-{k}">"#);
    for (key, label, value) in lines {
        let _ = write!(h, r#"<div class="rule" data-testid="projection-{k}-{key}"><dt>"#);
        rule_html(label, &mut h);
        h.push_str("</dt><dd>");
        html_escape::encode_text_to_string(&value, &mut h);
        h.push_str("</dd></div>");
    }
    h.push_str("</dl>");
    h
}

/// The report card of a receiver check. Public so a recorded report can be shown (and tested).
#[component]
pub fn ReportCard(report: CheckReport) -> impl IntoView {
    // Each version's projection starts at 0; drawn from now, its bans and deletion read as real
    // dates ("if this traffic started now"). Only differences matter to the rules, so the figures
    // are unchanged.
    let now = js_sys::Date::now() as pipedrive_webhooks::Millis;
    let versions = report
        .versions
        .iter()
        .filter_map(|v| {
            let p = v.projection.as_ref()?;
            let mut sc = p.scenario.clone();
            let shift = now - sc.start;
            sc.start += shift;
            for w in &mut sc.webhooks {
                for o in &mut w.endpoint.outages {
                    (o.from, o.to) = (o.from.saturating_add(shift), o.to.saturating_add(shift));
                }
            }
            let r = simulate(&sc);
            let c = chart(&r.timeline, sc.start, sc.start + sc.duration_ms, BUCKETS);
            let k = vkey(v.version);
            let readout = RwSignal::new("Hover or focus the chart to see which rule acts where.".to_string());
            let title = format!("Projection for version {} webhooks", v.version.as_str());
            Some(view! {
                <section class="projection" data-testid=format!("version-projection-{k}")>
                    <h3>{title}</h3>
                    <div inner_html=projection_html(k, p)></div>
                    <p>"Its failure rate and latency at the stated traffic, from now on, through the core's simulator:"</p>
                    <SummaryTable s=r.summary deleted_at=c.deleted_at start=sc.start/>
                    <TimelineChart c=c readout=readout/>
                    <p class="readout" aria-live="polite">{move || readout.get()}</p>
                </section>
            })
        })
        .collect_view();
    view! {
        <section class="card report-card" data-testid="report-card" aria-labelledby="report-title">
            <div inner_html=card_html(&report)></div>
            {versions}
        </section>
    }
}

#[component]
pub fn CheckPage() -> impl IntoView {
    let panel = expect_context::<Panel>();
    let url = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let version = RwSignal::new("both".to_string());
    let rate = RwSignal::new("1".to_string());
    let run = RwSignal::new(None::<CheckRun>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The field the error is about, if it is about one.
    let bad_field = RwSignal::new(None::<&'static str>);
    let invalid = move |id: &'static str| (bad_field.get() == Some(id)).then_some("true");
    let described = move |id: &'static str| (bad_field.get() == Some(id)).then_some("check-error");

    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        bad_field.set(None);
        // A field's error points at the field: marked invalid, described by the message, focused.
        let field_error = move |id: &'static str, message: String| {
            bad_field.set(Some(id));
            error.set(Some(message));
            if let Some(el) = document().get_element_by_id(id) {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
            }
        };
        let Some(base) = panel.live_connection().map(|c| c.base_url) else { return error.set(Some("connect to the emulator first".into())) };
        let (Some(post_url), target) = (control_url(&base, "checks"), url.get()) else { return error.set(Some("this connection is not an emulator".into())) };
        if target.trim().is_empty() {
            return field_error("check-url", "enter your receiver's URL".into());
        }
        // As the CLI's --rate: events a minute, more than 0 (0.5 is one event every 2 minutes).
        let traffic = match rate.get().trim() {
            "" => None,
            // A JSON number (0.5, 10, 1e2): serde_json's reader, for size (see `projection_line`).
            r => match serde_json::from_str::<f64>(r) {
                Ok(x) if x > 0.0 && x <= MAX_EVENTS_PER_MINUTE => Some(x),
                _ => return field_error("check-rate", format!("traffic must be a number of events a minute above 0 and at most {}, for example 1 or 0.5", MAX_EVENTS_PER_MINUTE as i64)),
            },
        };
        let mut body = serde_json::json!({"url": target.trim(), "version": version.get()});
        if let Some(r) = traffic {
            body["rate"] = r.into();
        }
        if !user.get().is_empty() {
            body["user"] = user.get().into();
            body["password"] = password.get().into();
        }
        busy.set(true);
        run.set(None);
        leptos::task::spawn_local(async move {
            let started = crate::live::post_json(&post_url, body.to_string()).await;
            let id = match started {
                Some((200..=299, b)) => decode_check_run(&b).map(|r| r.id),
                Some((status, b)) => Err(format!("the emulator refused the check (HTTP {status}): {}", crate::live::error_text(&b))),
                None => Err("the emulator did not answer".into()),
            };
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                    return;
                }
            };
            let Some(poll) = control_url(&base, &format!("checks/{id}")) else { return };
            // Follow the run until it is done (the battery is bounded: at most about a minute).
            for _ in 0..600 {
                gloo_timers::future::TimeoutFuture::new(400).await;
                match crate::live::get_bytes(&poll).await.map(|b| decode_check_run(&b)) {
                    Some(Ok(r)) => {
                        let finished = r.state != RunState::Running;
                        run.set(Some(r));
                        if finished {
                            break;
                        }
                    }
                    Some(Err(e)) => {
                        error.set(Some(e));
                        break;
                    }
                    None => {}
                }
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"Check receiver"</h1>
        <p class="lead"><RuleText text="Sends real deliveries to your receiver and grades the answers against Pipedrive's rules: every payload shape, retries (R10), Basic auth (R14), latency and bursts (R9), redirects and TLS (R15), then projects bans (R12) and deletion (R13) at your traffic."/></p>
        {move || (!panel.is_emulator()).then(|| view! {
            <p class="notice" role="status" data-testid="check-not-emulator">"The receiver check runs in the local emulator: start one (cargo xtask emulate), connect to it on the Connections page, then come back here."</p>
        })}
        // The check times out in real time, as Pipedrive; the emulator's own deliveries run on its
        // (maybe scaled) clock, where the same 10 s can be a fraction of a second.
        {move || panel.server_clock.get().filter(|_| panel.is_emulator()).map(|(clock, _)| {
            let timeout = pipedrive_webhooks::Policy::default().timeout_ms;
            let text = if clock.time_scale == 1.0 {
                "Timeout (R9): 10 s of real time, for this check and for the emulator's deliveries alike.".to_string()
            } else {
                format!(
                    "Timeout (R9): this check waits 10 s of real time, as Pipedrive does. This emulator's deliveries time out after {}: a receiver that passes here can still time out on them.",
                    timeout_text(timeout, clock.time_scale)
                )
            };
            view! { <p class="timeout-note" data-testid="check-timeout"><RuleText text=text/></p> }
        })}
        <form class="form" on:submit=start data-testid="check-form">
            <div class="field"><label for="check-url">"Receiver URL"</label>
                <input id="check-url" data-testid="check-url" type="url" aria-invalid=move || invalid("check-url") aria-describedby=move || described("check-url") placeholder="http://127.0.0.1:3000/pipedrive" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/></div>
            <div class="field-row">
                <div class="field"><label for="check-user">"Basic-auth user (optional)"</label>
                    <input id="check-user" data-testid="check-user" prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/></div>
                <div class="field"><label for="check-password">"Basic-auth password"</label>
                    <input id="check-password" data-testid="check-password" type="password" autocomplete="off" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></div>
            </div>
            <div class="field-row">
                <div class="field"><label for="check-version">"Payload versions"</label>
                    <select id="check-version" data-testid="check-version" prop:value=move || version.get() on:change=move |ev| version.set(event_target_value(&ev))>
                        <option value="both">"1.0 and 2.0"</option><option value="2.0">"2.0"</option><option value="1.0">"1.0"</option>
                    </select></div>
                <div class="field"><label for="check-rate">"Traffic for the projection (events a minute)"</label>
                    <input id="check-rate" data-testid="check-rate" inputmode="decimal" aria-invalid=move || invalid("check-rate") aria-describedby=move || described("check-rate") prop:value=move || rate.get() on:input=move |ev| rate.set(event_target_value(&ev))/></div>
            </div>
            {move || error.get().map(|e| view! { <p class="error-banner" role="alert" id="check-error" data-testid="check-error">{e}</p> })}
            <button type="submit" class="btn primary" data-testid="check-start" disabled=move || busy.get() || !panel.is_emulator()>{move || if busy.get() { "Checking…" } else { "Check" }}</button>
        </form>
        // A run belongs to the emulator it ran on: not shown on another connection.
        {move || run.get().filter(|_| panel.is_emulator()).map(|r| {
            let report = r.report.clone();
            view! {
                {(r.state == RunState::Running).then(|| view! {
                    <p data-testid="check-progress">
                        <progress max=r.progress.total.max(1).to_string() value=r.progress.done.to_string() aria-label="Checks done"></progress>
                        {format!(" {} of {} · {}", r.progress.done, r.progress.total, r.progress.current)}
                    </p>
                })}
                {r.error.clone().map(|e| view! { <p class="error-banner" role="alert">{e}</p> })}
                {report.map(|report| view! { <ReportCard report=report/> })}
            }
        })}
    }
}
