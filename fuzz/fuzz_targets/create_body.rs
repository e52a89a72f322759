//! The emulator's create-body parser (`POST /v1/webhooks`, bytes from any local client), then the
//! core's validation of what it parsed: a `NewWebhook` or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::{validate, Policy};
use pipedrive_webhooks_emulator::parse_new_webhook;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = parse_new_webhook(data) {
        let _ = validate(&input, &Policy::default());
    }
});
