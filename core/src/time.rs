//! Pipedrive's two time formats (`2019-10-25T08:25:27.000Z` and `2019-10-25 08:25:27`, both UTC)
//! to and from [`Millis`]. Civil-date arithmetic after Howard Hinnant's `days_from_civil`.

use crate::policy::Millis;

/// Parses ISO-8601 UTC (`Z` or `+00:00`, optional fraction) or `YYYY-MM-DD HH:MM:SS`.
///
/// ```
/// use pipedrive_webhooks::time::parse_time;
/// assert_eq!(parse_time("1970-01-01T00:00:01.500Z"), Some(1_500));
/// assert_eq!(parse_time("2019-10-25 08:25:27"), parse_time("2019-10-25T08:25:27.000Z"));
/// assert_eq!(parse_time("yesterday"), None);
/// ```
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || !s.is_char_boundary(19) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let ms_digits = &frac[..digits.min(3)];
        millis = ms_digits.parse::<i64>().ok()? * 10_i64.pow(3 - ms_digits.len() as u32);
        rest = &frac[digits..];
    }
    match rest {
        "" | "Z" | "z" | "+00:00" | "+0000" => {}
        _ => return None,
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + millis)
}

/// Formats as ISO-8601 UTC with milliseconds, as Pipedrive's v2 payloads write it.
///
/// ```
/// use pipedrive_webhooks::time::format_iso;
/// assert_eq!(format_iso(1_572_006_327_000), "2019-10-25T12:25:27.000Z");
/// ```
pub fn format_iso(ms: Millis) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Milliseconds as seconds to one decimal, rounded (`1250` → `"1.3"`; negative counts as 0), for
/// messages such as a 429's wait. Integer arithmetic: float formatting costs the wasm builds ~15 KB.
///
/// ```
/// use pipedrive_webhooks::time::seconds_text;
/// assert_eq!((seconds_text(1_250), seconds_text(60_000), seconds_text(-5)), ("1.3".into(), "60.0".into(), "0.0".into()));
/// ```
pub fn seconds_text(ms: Millis) -> String {
    let t = (ms.max(0) + 50) / 100;
    format!("{}.{}", t / 10, t % 10)
}

/// A wait for people: `45 s` under 90 s, `about 66 min` under 90 min, else `about 2 h 5 min`
/// (rounded up: a reset is never announced early). Negative counts as 0.
///
/// ```
/// use pipedrive_webhooks::time::wait_text;
/// assert_eq!(wait_text(3_939_000), "about 66 min");
/// assert_eq!(wait_text(45_200), "46 s");
/// assert_eq!(wait_text(7_500_000), "about 2 h 5 min");
/// ```
pub fn wait_text(ms: Millis) -> String {
    let s = ms.max(0).saturating_add(999) / 1000;
    if s < 90 {
        return format!("{s} s");
    }
    let min = (s + 59) / 60;
    if min < 90 {
        format!("about {min} min")
    } else {
        format!("about {} h {} min", min / 60, min % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_leap_years_and_epochs() {
        for ms in [0, 951_782_400_000, 1_709_164_800_000, 4_102_444_799_999, -86_400_000] {
            assert_eq!(parse_time(&format_iso(ms)), Some(ms), "{ms}");
        }
        assert_eq!(parse_time("2024-02-29 12:00:00"), Some(1_709_208_000_000));
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        for s in ["", "2019-13-01 00:00:00", "2019-10-25X08:25:27", "2019-10-25T08:25:27+02:00", "2019-10-25T08:25:27.", "éééééééééééééééééééé", "2019-10-25T08:25:2é"] {
            assert_eq!(parse_time(s), None, "{s:?}");
        }
    }
}
