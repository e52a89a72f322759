//! The API wire layer: request building, lenient decoding, errors with their statuses and bodies.

use pipedrive_webhooks::rate_limit::RateLimitScope;
use pipedrive_webhooks::wire::*;
use pipedrive_webhooks::*;
use serde_json::json;

fn cfg(auth: Auth) -> ApiConfig {
    ApiConfig { base_url: "https://acme.pipedrive.com/api/v1/".into(), auth }
}

fn resp<'a>(status: u16, headers: &'a [(String, String)], body: &'a [u8]) -> HttpResponse<'a> {
    HttpResponse { status, headers, body }
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn tokens_travel_in_headers_never_in_urls_or_debug_output() {
    let api = cfg(Auth::ApiToken("SECRET-api".into()));
    let req = api.delete_request(12);
    assert_eq!((req.method.as_str(), req.url.as_str()), ("DELETE", "https://acme.pipedrive.com/api/v1/webhooks/12"));
    assert!(req.headers.contains(&("x-api-token".into(), "SECRET-api".into())));
    let oauth = cfg(Auth::Bearer("SECRET-oauth".into()));
    let req = oauth.list_request();
    assert!(req.headers.contains(&("authorization".into(), "Bearer SECRET-oauth".into())));
    for r in [api.list_request(), oauth.list_request(), api.delete_request(1)] {
        assert!(!r.url.contains("SECRET") && !format!("{r:?}").contains("SECRET"), "{r:?}");
    }
    assert!(!format!("{:?}", Auth::Bearer("SECRET".into())).contains("SECRET"));
}

#[test]
fn create_request_sends_the_version_explicitly_and_masks_the_password_in_debug() {
    let mut input = NewWebhook::new(" https://e.com/h ", "change", "deal", "Deals");
    input.http_auth_user = Some("pd".into());
    input.http_auth_password = Some("hunter2".into());
    let req = cfg(Auth::ApiToken("t".into())).create_request(&input);
    let body: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["version"], "2.0");
    assert_eq!(body["subscription_url"], "https://e.com/h");
    assert_eq!(body["http_auth_password"], "hunter2");
    assert!(req.headers.contains(&("content-type".into(), "application/json".into())));
    assert!(!format!("{req:?}").contains("hunter2"));
}

#[test]
fn decodes_a_list_with_both_time_formats_int_flags_and_unknown_fields() {
    let body = json!({"success": true, "status": "ok", "data": [
        {"id": 1, "type": "application", "is_active": 1, "add_time": "2019-10-25T08:25:27.000Z", "last_http_status": 200, "future": {"x": 1}},
        {"id": "2", "type": "automation", "is_active": 0, "add_time": "2019-10-25 08:25:27", "last_delivery_time": null},
        {"id": 3, "type": "marketing", "is_active": true, "version": "1.0"},
        "junk",
        {}
    ]})
    .to_string();
    let list = decode_list(&resp(200, &[], body.as_bytes())).unwrap();
    assert_eq!(list.len(), 4, "a non-object entry is skipped, an empty one kept");
    assert_eq!(list[0].add_time, list[1].add_time);
    assert_eq!((list[0].is_active, list[1].is_active, list[2].is_active), (Some(true), Some(false), Some(true)));
    assert_eq!(list[1].id, Some(2));
    assert_eq!(list[2].webhook_type.as_ref().map(WebhookType::as_str), Some("marketing"));
    assert_eq!(list[0].raw["future"]["x"], 1);
    assert_eq!(decode_list(&resp(200, &[], br#"{"success":true,"data":null}"#)).unwrap(), vec![]);
}

#[test]
fn every_documented_error_body_decodes_to_its_kind() {
    let cases: Vec<(u16, &[u8], &str)> = vec![
        (400, br#"{"success":false,"status":"error","errors":{"subscription_url":["invalid or non-reachable URL"]}}"#, "INVALID_FIELD"),
        (401, br#"{"success":false,"error":"unauthorized access","errorCode":401}"#, "UNAUTHORIZED"),
        (403, br#"{"success":false,"message":"Forbidden"}"#, "FORBIDDEN"),
        (403, b"<html><body>Access denied</body></html>", "FORBIDDEN"),
        (404, br#"{"success":false,"status":"error","errors":{"id":["not found"]}}"#, "NOT_FOUND"),
        (422, br#"{"success":false,"error":"limit"}"#, "LIMIT_REACHED"),
        (422, b"", "LIMIT_REACHED"),
        (429, b"", "RATE_LIMITED"),
        (500, br#"{"success":false,"error":"Oops","error_info":"Please contact support","data":null}"#, "SERVER_ERROR"),
        (502, b"<!DOCTYPE html><html>Bad gateway</html>", "UNEXPECTED_RESPONSE"),
        (503, b"", "UNEXPECTED_RESPONSE"),
    ];
    for (status, body, code) in cases {
        let e = decode_error(&resp(status, &[], body), 0);
        assert_eq!((e.code(), e.status()), (code, status), "{status} {:?}", String::from_utf8_lossy(body));
        assert!(!e.to_string().is_empty());
    }
    // 2xx answers that are not Pipedrive's JSON are errors too.
    assert_eq!(decode_list(&resp(200, &[], b"<html>login</html>")).unwrap_err().code(), "UNEXPECTED_RESPONSE");
    assert_eq!(decode_create(&resp(201, &[], b"")).unwrap_err().code(), "UNEXPECTED_RESPONSE");
    assert_eq!(decode_delete(&resp(200, &[], br#"{"success":false,"error":"nope"}"#)).unwrap_err().code(), "SERVER_ERROR");
}

#[test]
fn account_errors_round_trip_through_their_wire_form() {
    let errors = vec![
        ApiError::Unauthorized,
        ApiError::NotFound { id: None },
        // The body speaks Pipedrive's words only, so that is what comes back, explained.
        ApiError::LimitReached { limit: 40, message: "Pipedrive refused another webhook for this app user (HTTP 422): the limit is reached".into() },
        ApiError::RateLimited { retry_after_ms: None, scope: RateLimitScope::Daily },
        ApiError::InvalidField { errors: vec![FieldMessage { field: "name".into(), message: "name is required".into() }] },
    ];
    for e in errors {
        let body = e.body().to_string();
        let back = decode_error(&resp(e.status(), &[], body.as_bytes()), 0);
        assert_eq!(back, e);
    }
}

#[test]
fn rate_limit_headers_and_the_wait_after_a_429() {
    let hs = h(&[("X-RateLimit-Limit", "40"), ("x-ratelimit-remaining", "7"), ("x-ratelimit-reset", "2"), ("x-daily-requests-left", "9000")]);
    let r = resp(200, &hs, b"{}");
    let rl = RateLimit::from_response(&r);
    assert_eq!(rl, RateLimit { limit: Some(40), remaining: Some(7), reset_s: Some(2), daily_left: Some(9000), ..RateLimit::default() });
    // The daily token budget (seen, undocumented): read when given, unknown (None) when absent.
    let daily = h(&[("x-daily-ratelimit-token-remaining", "29980"), ("x-daily-ratelimit-token-limit", "30000")]);
    let budget = RateLimit::from_response(&resp(200, &daily, b""));
    assert_eq!((budget.daily_tokens_left, budget.daily_token_limit), (Some(29_980), Some(30_000)));
    assert_eq!(RateLimit::from_response(&resp(200, &h(&[("x-daily-ratelimit-token-remaining", "lots")]), b"")).daily_tokens_left, None);
    assert!(!RateLimit::default().is_known());
    assert_eq!(rl.share_left(), Some(7.0 / 40.0));
    let limited = resp(429, &hs, b"");
    assert_eq!(decode_error(&limited, 0), ApiError::RateLimited { retry_after_ms: Some(2_000), scope: RateLimitScope::Burst });
    let date = h(&[("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT")]);
    let now = time::parse_time("2015-10-21T07:28:00Z").unwrap();
    assert_eq!(retry_wait_ms(&resp(429, &date, b""), now), Some(5_000));
    assert_eq!(retry_wait_ms(&resp(429, &h(&[("retry-after", "soon")]), b""), 0), None);
}

#[test]
fn header_seconds_may_be_fractional_and_never_wrap() {
    let wait = |v: &str| retry_wait_ms(&resp(429, &h(&[("retry-after", v)]), b""), 0);
    assert_eq!(wait("1.5"), Some(1_500));
    assert_eq!(wait(" 3 "), Some(3_000), "header values are trimmed");
    assert_eq!(wait("3."), Some(3_000));
    assert_eq!(wait(".25"), Some(250));
    assert_eq!(wait("0.0001"), Some(1), "a wait below 1 ms still waits");
    assert_eq!(wait("99999999999999999999999"), Some(86_400_000), "capped at a day, not wrapped");
    for bad in ["", ".", "-1", "1e3", "1.2.3", "NaN", "inf", "+2"] {
        assert_eq!(wait(bad), None, "{bad:?}");
    }
    let reset = |v: &str| RateLimit::from_response(&resp(200, &h(&[("x-ratelimit-reset", v)]), b"")).reset_s;
    assert_eq!(reset("2.1"), Some(3), "rounded up: waiting less would hit the limit again");
    assert_eq!(reset("2"), Some(2));
    assert_eq!(reset("-2"), None);
    assert_eq!(ApiError::RateLimited { retry_after_ms: Some(1_250), scope: RateLimitScope::Burst }.to_string(), "rate limited (burst limit): retry in 1.3 s");
    assert_eq!(ApiError::RateLimited { retry_after_ms: Some(0), scope: RateLimitScope::Burst }.to_string(), "rate limited (burst limit): retry in 0.0 s");
}

#[test]
fn webhook_json_is_what_decoding_reads() {
    let w = Webhook::example();
    let d = DeliveryState { last_attempt_at: Some(w.add_time + 5_000), last_status: Some(204), ..DeliveryState::default() };
    let v = webhook_json(&w, &d);
    let back = RemoteWebhook::from_json(&v).unwrap();
    assert_eq!(back.id, Some(w.id));
    assert_eq!(back.add_time, Some(w.add_time));
    assert_eq!(back.last_delivery_time, Some(w.add_time + 5_000));
    assert_eq!(back.last_http_status, Some(LastHttpStatus::Code(204)));
    assert_eq!(back.webhook_type, Some(WebhookType::Application));
    assert_eq!(ok_envelope(Some(v.clone()))["data"], v);
}

#[test]
fn base_urls_from_what_people_type() {
    assert_eq!(normalize_base_url("acme.pipedrive.com").unwrap(), "https://acme.pipedrive.com/api/v1");
    assert_eq!(normalize_base_url("https://api.pipedrive.com/v1").unwrap(), "https://api.pipedrive.com/v1");
    for bad in ["", "  ", "ftp://x.com", "https://", "http://acme.pipedrive.com", "https://u:p@x.com", "https://x .com"] {
        assert!(normalize_base_url(bad).is_err(), "{bad:?}");
    }
}
