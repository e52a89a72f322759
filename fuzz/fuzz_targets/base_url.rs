//! Base-URL normalisation (what a user types on the Connections page): a URL or an error, never a
//! panic; and a normalised URL normalises to itself (the panel saves and re-reads it).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::wire::normalize_base_url;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(url) = normalize_base_url(text) {
        assert_eq!(normalize_base_url(&url).as_deref(), Ok(url.as_str()), "normalising {text:?} twice changes it");
    }
});
