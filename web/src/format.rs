//! Times for people: relative ("3 min ago", "in 5 h") with the absolute UTC time for a tooltip.

use pipedrive_webhooks::time::format_iso;
use pipedrive_webhooks::{Millis, DAY, HOUR, MINUTE, SECOND};

/// "2026-11-27 14:02 UTC".
pub fn absolute(ms: Millis) -> String {
    let iso = format_iso(ms);
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

/// "14:02" (UTC), for ban ends within the day.
pub fn clock(ms: Millis) -> String {
    format_iso(ms)[11..16].to_string()
}

/// A duration in the largest sensible unit: "45 s", "12 min", "5 h", "3 d".
pub fn span(ms: Millis) -> String {
    let ms = ms.abs();
    if ms < MINUTE {
        format!("{} s", ms / SECOND)
    } else if ms < HOUR {
        format!("{} min", ms / MINUTE)
    } else if ms < 48 * HOUR {
        format!("{} h", ms / HOUR)
    } else {
        format!("{} d", ms / DAY)
    }
}

/// A duration to the second, as the receiver check's CLI prints it: "72 h 00 min 04 s".
pub fn hms(ms: Millis) -> String {
    let ms = ms.max(0);
    format!("{} h {:02} min {:02} s", ms / HOUR, ms % HOUR / MINUTE, ms % MINUTE / SECOND)
}

/// "3 min ago" or "in 5 h" relative to `now`; "now" within the same second (never "in 0 s").
pub fn relative(at: Millis, now: Millis) -> String {
    if (at - now).abs() < SECOND {
        "now".into()
    } else if at <= now {
        format!("{} ago", span(now - at))
    } else {
        format!("in {}", span(at - now))
    }
}

/// A time-axis label: `at` (from the start) in the unit of the axis' `step`, so labels never round
/// two ticks to the same text ("36 h", "48 h"; "7 d", "14 d"; "15 min", "30 min").
pub fn axis_label(at: Millis, step: Millis) -> String {
    match at {
        0 => "0".into(),
        _ if step % DAY == 0 => format!("{} d", at / DAY),
        _ if step % HOUR == 0 => format!("{} h", at / HOUR),
        _ => format!("{} min", at / MINUTE),
    }
}

/// A number with one decimal (`12.5`, `-3.0`), for SVG coordinates and percentages.
///
/// Integer arithmetic, not `{:.1}`: Rust's float printing would add ~5 KB brotli to the panel.
pub fn tenths(x: f64) -> String {
    // The cast saturates (and NaN becomes 0), so no input can panic.
    let t = (x * 10.0).round() as i64;
    let sign = if t < 0 { "-" } else { "" };
    let t = t.unsigned_abs();
    format!("{sign}{}.{}", t / 10, t % 10)
}
