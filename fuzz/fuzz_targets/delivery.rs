//! Delivery bodies as a receiving app gets them from the network (v1 or v2): any bytes decode to an
//! event or a typed error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::payload::{decode_delivery, verify_basic_auth};

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = decode_delivery(data) {
        // What a receiver does next with the decoded event must not panic either.
        let _ = format!("{event:?}");
    }
    // The Authorization header is hostile too.
    if let Ok(header) = std::str::from_utf8(data) {
        let _ = verify_basic_auth(Some(header), "pipedrive", "s3cret");
    }
});
