//! `validate` on any input a form or an API body can carry: a `ValidWebhook` or every field error,
//! never a panic.
//!
//! Input: a JSON create body (read as the JS package reads it), or else up to eight fields
//! separated by NUL bytes: url, action, object, name, version, user_id, auth user, auth password.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipedrive_webhooks::duplicate::SubscriptionKey;
use pipedrive_webhooks::json_read::ReadJson;
use pipedrive_webhooks::{validate, NewWebhook, Policy};

fuzz_target!(|data: &[u8]| {
    let input = match serde_json::from_slice::<serde_json::Value>(data).ok().and_then(|v| NewWebhook::read(&v).ok()) {
        Some(input) => input,
        None => {
            let text = String::from_utf8_lossy(data);
            let mut f = text.split('\0');
            let mut next = || f.next().map(str::to_string);
            let mut input = NewWebhook::default();
            input.subscription_url = next().unwrap_or_default();
            input.event_action = next().unwrap_or_default();
            input.event_object = next().unwrap_or_default();
            input.name = next().unwrap_or_default();
            input.version = next();
            input.user_id = next().and_then(|s| s.parse().ok());
            input.http_auth_user = next();
            input.http_auth_password = next();
            input
        }
    };
    match validate(&input, &Policy::default()) {
        Ok(valid) => {
            let _ = format!("{valid:?}");
        }
        Err(errors) => {
            // Error text never repeats the password (R14). Differential, because the password can
            // happen to spell words of the messages ("nt_action"): the same input with another
            // password of the same shape must give the same text, unless the text quotes it.
            if let Some(pw) = input.http_auth_password.as_deref().filter(|p| !p.is_empty()) {
                let other: String = pw.chars().map(|c| match c { 'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1), 'z' => 'a', 'Z' => 'A', '9' => '0', c => c }).collect();
                let again = NewWebhook { http_auth_password: Some(other), ..input.clone() };
                let text = errors.to_string();
                let differs = validate(&again, &Policy::default()).err().map(|e| e.to_string()) != Some(text.clone());
                assert!(!(differs && text.contains(pw)), "an error repeats the password: {text}");
            }
        }
    }
    let _ = SubscriptionKey::of_input(&input);
});
