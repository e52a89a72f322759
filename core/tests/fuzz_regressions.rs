//! Inputs the fuzzer (`cargo xtask fuzz`) found to crash or mislead the decoders, kept as native
//! tests: each must decode to a value or a typed error, never panic ("hostile input is an error,
//! not a crash").

use pipedrive_webhooks::payload::decode_delivery;

/// fuzz target `delivery`: a v1 `meta.timestamp` (seconds) so large that it overflowed i64 once
/// multiplied into milliseconds (a panic in debug builds, a wrapped time in release).
#[test]
fn a_v1_timestamp_too_large_for_milliseconds_is_no_time() {
    let crash = br#"{"v":1,"matches_filters":null,"meta":{"v":1,"action":"updated","object":"user","id":3,"compid":3,"host":"acme.pipedrive.com","timestamp":17155000000123456,"d":"55"},"retry":0,"current":[{"id":2,"name":"Ana Silva","email":"ana@example.com","active_flag":true,"timezone_name":"Europe/Lisbon"}],"previous":[{"id":3,"name":"Ana","email":"ana@example.com","active_flag":true,"timezone_namerrore":"Europe/Lisbon"}],"event":"updated.user"}"#;
    let e = decode_delivery(crash).expect("still a delivery");
    assert_eq!(e.entity, "user");
    assert_eq!(e.timestamp_ms, None, "an impossible time is no time");
    // Over i64 entirely, and the largest that still fits.
    let huge = br#"{"v":1,"event":"added.deal","meta":{"v":1,"action":"added","object":"deal","id":1,"timestamp":18446744073709551615}}"#;
    assert_eq!(decode_delivery(huge).unwrap().timestamp_ms, None);
    let fits = br#"{"v":1,"event":"added.deal","meta":{"v":1,"action":"added","object":"deal","id":1,"timestamp":9223372036854775}}"#;
    assert_eq!(decode_delivery(fits).unwrap().timestamp_ms, Some(9_223_372_036_854_775_000));
}

/// The same class in v2: an integer `meta.timestamp` over i64 wrapped to a negative time.
#[test]
fn a_v2_integer_timestamp_over_i64_is_no_time() {
    let body = br#"{"meta":{"action":"change","entity":"user","entity_id":"3","id":"e1","version":"2.0","timestamp":18446744073709551615},"data":{"id":"3"},"previous":null}"#;
    assert_eq!(decode_delivery(body).unwrap().timestamp_ms, None);
    let seconds = br#"{"meta":{"action":"change","entity":"user","entity_id":"3","id":"e1","version":"2.0","timestamp":1700000000},"data":{"id":"3"},"previous":null}"#;
    assert_eq!(decode_delivery(seconds).unwrap().timestamp_ms, Some(1_700_000_000_000));
}
