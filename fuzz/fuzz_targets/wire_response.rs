//! API answers (status, headers, body) as the panel and the JS package receive them: every decoder
//! returns a value or an `ApiError`, never a panic.
//!
//! Input layout: 2 bytes status, 4 bytes `now` in seconds, then `name: value` header lines, a
//! blank line, and the body (`cargo xtask fuzz` writes its seeds in this layout).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::health::Health;
use pipedrive_webhooks::rate_limit::{after_rate_limit, RetryBudget};
use pipedrive_webhooks::ApiError;
use pipedrive_webhooks::wire::{decode_create, decode_delete, decode_error, decode_list, retry_wait_ms, HttpResponse, RateLimit};

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 1000;
    let now = u32::from_be_bytes([data[2], data[3], data[4], data[5]]) as i64 * 1000;
    let rest = &data[6..];
    let split = rest.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (&rest[..0], rest),
    };
    let headers: Vec<(String, String)> = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let r = HttpResponse { status, headers: &headers, body };
    if let Ok(list) = decode_list(&r) {
        for w in &list {
            let _ = Health::of_remote(w).label();
        }
    }
    if let Ok(w) = decode_create(&r) {
        let _ = Health::of_remote(&w);
    }
    let _ = decode_delete(&r);
    let e = decode_error(&r, now);
    let _ = (e.code(), e.status(), e.body(), e.to_string());
    let _ = RateLimit::from_response(&r).share_left();
    let _ = retry_wait_ms(&r, now);
    // A 429's hints drive the one retry decision: hostile hints must not overflow it.
    if let ApiError::RateLimited { retry_after_ms, scope } = e {
        let _ = after_rate_limit(scope, retry_after_ms, 0, 0, now, &RetryBudget::default());
    }
});
