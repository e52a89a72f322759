//! The receiver check (issues #13, #22) against receivers on loopback, one per fault: each fault
//! fails its own check and no other, and the real ones are named in its detail (a receiver that
//! serves v2 only, one that demands a signature header, a stale answer to a retry); the good
//! receiver fails none. The projection per payload version. Then the CLI's exit codes and
//! `--password-env`, an endless answer, the checks control API (one at a time, a few a minute)
//! and redelivery.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use pipedrive_webhooks::payload::{decode_delivery, verify_basic_auth};
use pipedrive_webhooks::receiver_check::{CheckReport as Report, Fault as Named, Status, Verdict};
use pipedrive_webhooks::{PayloadVersion, Policy};
use pipedrive_webhooks_emulator::check::{self, Options, Versions};
use pipedrive_webhooks_emulator::{start, Config, Seed};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const USER: &str = "pipedrive";
const PASSWORD: &str = "s3cret";

/// How a test receiver misbehaves.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// 200 to every delivery with the right Basic auth, 401 otherwise.
    None,
    /// Sleeps 11 s on v2 `note` events (three deliveries), past the 10 s timeout.
    SleepsOnNotes,
    /// 500 when `current` or `previous` is an array (v1 user events).
    RejectsUserArrays,
    /// 409 to retries (attempt 2–4): "a duplicate".
    RejectsRetries,
    /// 302 to another path for everything.
    Redirects,
    /// 200 whatever the credentials.
    IgnoresAuth,
    /// 400 to v1 bodies ("invalid payload structure"), as receivers written for v2 only.
    V2Only,
    /// Sleeps 3 s before every answer.
    Slow,
    /// 401 unless an `x-pipedrive-signature` header comes (Pipedrive sends none), as some public
    /// samples.
    DemandsSignature,
}

#[derive(Clone)]
struct Rx {
    fault: Fault,
    hits: Arc<AtomicUsize>,
}

async fn handle(State(rx): State<Rx>, headers: HeaderMap, body: Bytes) -> Response {
    rx.hits.fetch_add(1, Ordering::SeqCst);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if rx.fault != Fault::IgnoresAuth && !verify_basic_auth(auth, USER, PASSWORD) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if rx.fault == Fault::DemandsSignature && headers.get("x-pipedrive-signature").is_none() {
        return (StatusCode::UNAUTHORIZED, "missing signature").into_response();
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    let Ok(event) = decode_delivery(&body) else { return StatusCode::BAD_REQUEST.into_response() };
    match rx.fault {
        Fault::SleepsOnNotes if event.entity == "note" && event.version == PayloadVersion::V2 => {
            tokio::time::sleep(Duration::from_secs(11)).await;
            StatusCode::OK.into_response()
        }
        Fault::RejectsUserArrays => {
            let raw: Value = serde_json::from_slice(&body).unwrap();
            if raw["current"].is_array() || raw["previous"].is_array() {
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            } else {
                StatusCode::OK.into_response()
            }
        }
        Fault::RejectsRetries if event.attempt > 1 => (StatusCode::CONFLICT, "already seen").into_response(),
        Fault::V2Only if event.version == PayloadVersion::V1 => (StatusCode::BAD_REQUEST, "invalid payload structure").into_response(),
        Fault::Redirects => (StatusCode::FOUND, [("location", "/hook/")]).into_response(),
        Fault::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// A receiver on 127.0.0.1 at `/hook`; its URL and its request counter.
async fn receiver(fault: Fault) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route("/hook", post(handle)).with_state(Rx { fault, hits: hits.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

async fn check(fault: Fault) -> (Report, usize) {
    check_versions(fault, Versions::Both).await
}

async fn check_versions(fault: Fault, versions: Versions) -> (Report, usize) {
    let (url, hits) = receiver(fault).await;
    let mut o = Options::new(&url, Policy::default()).unwrap();
    o.auth = Some((USER.into(), PASSWORD.into()));
    o.versions = versions;
    let report = check::run(&o, Arc::new(|_| {})).await.unwrap();
    (report, hits.load(Ordering::SeqCst))
}

fn failed(r: &Report) -> Vec<&str> {
    r.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect()
}

fn status(r: &Report, id: &str) -> Status {
    r.check(id).unwrap_or_else(|| panic!("no check {id} in {:#?}", r.checks)).status
}

#[tokio::test]
async fn a_good_receiver_passes_every_check_and_is_projected_healthy() {
    let (r, hits) = check(Fault::None).await;
    assert_eq!(failed(&r), Vec::<&str>::new(), "{:#?}", r.checks);
    assert_eq!(r.exit_code(), 0);
    let ids: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["tls", "payloads_v2", "payloads_v1", "retries", "basic_auth_missing", "basic_auth_wrong", "latency", "burst", "redirect"]);
    assert_eq!(status(&r, "tls"), Status::Warn, "plain http is a warning");
    assert!(r.check("tls").unwrap().detail.contains("plain http"));
    for id in ["payloads_v2", "payloads_v1", "retries", "basic_auth_missing", "basic_auth_wrong", "burst", "redirect"] {
        assert_eq!(status(&r, id), Status::Pass, "{id}: {:#?}", r.checks);
    }
    // The request count is bounded and known up front; only the URL given got them.
    assert_eq!(hits as u64, r.requests);
    let mut o = Options::new("http://127.0.0.1:1/hook", Policy::default()).unwrap();
    o.auth = Some((USER.into(), PASSWORD.into()));
    assert_eq!(r.requests as usize, o.request_count());
    assert_eq!(r.latency_ms.histogram.iter().map(|b| b.count).sum::<u64>(), r.requests);
    assert_eq!(r.versions.iter().map(|v| (v.version, v.verdict)).collect::<Vec<_>>(), [(PayloadVersion::V2, Verdict::Pass), (PayloadVersion::V1, Verdict::Pass)]);
    for v in &r.versions {
        let p = v.projection.as_ref().expect("a projection per version");
        assert_eq!((p.first_try_failures_per_day, p.lost_events_per_day, p.deletion_after_ms), (0.0, 0.0, None));
        assert_eq!(p.events_per_day, 1440.0, "1 event a minute by default");
    }
    assert!(r.faults.is_empty() && r.kit_link().is_none());
}

#[tokio::test]
async fn r09_a_receiver_past_the_10_s_timeout_fails_latency() {
    let (r, _) = check(Fault::SleepsOnNotes).await;
    assert_eq!(failed(&r), ["latency"], "{:#?}", r.checks);
    let latency = r.check("latency").unwrap();
    assert!(latency.detail.contains("3 past the 10.0 s timeout") && latency.detail.contains("note v2"), "{}", latency.detail);
    assert_eq!(status(&r, "payloads_v2"), Status::Warn, "the timeouts are graded under latency");
    assert_eq!(r.latency_ms.timeouts, 3);
    assert!(r.latency_ms.max > Policy::default().timeout_ms);
    // The timeouts were v2's: v2's projection has them, v1's has none.
    let v2 = r.version(PayloadVersion::V2).unwrap();
    let p = v2.projection.as_ref().unwrap();
    assert!(p.first_try_failures_per_day > 0.0 && p.scenario.webhooks[0].endpoint.slow_rate > 0.0);
    assert_eq!(v2.verdict, Verdict::Fail);
    let v1 = r.version(PayloadVersion::V1).unwrap();
    assert_eq!((v1.verdict, v1.projection.as_ref().unwrap().scenario.webhooks[0].endpoint.slow_rate), (Verdict::Pass, 0.0));
}

#[tokio::test]
async fn a_receiver_that_500s_on_user_arrays_fails_payloads_v1() {
    let (r, _) = check(Fault::RejectsUserArrays).await;
    assert_eq!(failed(&r), ["payloads_v1"], "{:#?}", r.checks);
    let d = &r.check("payloads_v1").unwrap().detail;
    assert!(d.starts_with("3 of 33 deliveries failed") && d.contains("500 on updated.user v1 (current/previous arrays)"), "{d}");
    assert_eq!(status(&r, "payloads_v2"), Status::Pass);
    let p = r.version(PayloadVersion::V1).unwrap().projection.as_ref().unwrap();
    assert!(p.first_try_failures_per_day > 0.0, "the failures are projected: {p:?}");
    assert!(!d.contains("serves v2 only"), "3 of 33 is not wholesale: {d}");
    assert!(r.faults.is_empty());
}

#[tokio::test]
async fn r10_a_receiver_that_409s_duplicates_fails_retries_named_a_stale_answer() {
    let (r, _) = check(Fault::RejectsRetries).await;
    assert_eq!(failed(&r), ["retries"], "{:#?}", r.checks);
    let d = &r.check("retries").unwrap().detail;
    assert!(d.starts_with("6 of 6 retried attempts") && d.contains("409 on change.deal v2 meta.attempt 2") && d.contains("retry 1"), "{d}");
    assert!(d.contains("stale answer on a retry: 200 to attempt 1, then 409 ×3 to attempts 2–4 of the same event (v2)"), "{d}");
    assert!(d.contains("(v1)") && d.contains("a retry of an event already processed must still get a 2xx"), "{d}");
    assert_eq!(r.faults, [Named::StaleRetry]);
    assert!(r.kit_link().unwrap().advice.iter().any(|a| a.contains("already handled")));
}

#[tokio::test]
async fn a_v2_only_receiver_passes_with_version_2_and_is_named_serves_v2_only_with_both() {
    let (only_v2, hits) = check_versions(Fault::V2Only, Versions::V2).await;
    assert_eq!((only_v2.verdict, only_v2.exit_code()), (Verdict::Pass, 0), "{:#?}", only_v2.checks);
    assert_eq!(hits as u64, only_v2.requests);
    assert_eq!(only_v2.versions.len(), 1);

    let (r, _) = check(Fault::V2Only).await;
    assert_eq!((r.verdict, r.exit_code()), (Verdict::Fail, 1), "both versions asked: --version both fails if either fails");
    assert_eq!(failed(&r), ["payloads_v1", "retries"], "{:#?}", r.checks);
    let d = &r.check("payloads_v1").unwrap().detail;
    assert!(d.starts_with("33 of 33 deliveries failed: 400 on "), "{d}");
    assert!(d.ends_with("; serves v2 only: fine while every webhook pointing here is version 2.0"), "{d}");
    let (v2, v1) = (r.version(PayloadVersion::V2).unwrap(), r.version(PayloadVersion::V1).unwrap());
    assert_eq!((v2.verdict, v1.verdict), (Verdict::Pass, Verdict::Fail));
    assert!(v1.detail.starts_with("serves v2 only: fine while every webhook pointing here is version 2.0;") && v1.detail.contains("400 ×37"), "{}", v1.detail);
    assert_eq!(r.faults, [Named::ServesV2Only]);
    // The detail of retries is not "stale": v1's first attempt failed as well.
    assert!(!r.check("retries").unwrap().detail.contains("stale"));
}

#[tokio::test]
async fn r12_r13_the_projection_is_per_version_never_mixed() {
    let (r, _) = check(Fault::V2Only).await;
    let v2 = r.version(PayloadVersion::V2).unwrap().projection.clone().unwrap();
    let v1 = r.version(PayloadVersion::V1).unwrap().projection.clone().unwrap();
    assert_eq!((v2.first_try_failures_per_day, v2.bans_per_day, v2.lost_events_per_day, v2.deletion_after_ms), (0.0, 0.0, 0.0, None), "v2 webhooks lose nothing");
    assert_eq!(v1.scenario.webhooks[0].endpoint.failure_rate, 1.0, "v1's own deliveries, not a mix");
    assert!(v1.bans_per_day >= 20.0, "{v1:?}");
    assert_eq!(v1.deletion_after_ms.map(|ms| ms / 3_600_000), Some(72), "R13 deletes a v1 webhook");
    let json = serde_json::to_value(&r).unwrap();
    assert!(json.get("projection").is_none(), "no mixed figure: {}", json["versions"]);
    assert_eq!(json["versions"][1]["version"], "1.0");
}

#[tokio::test]
async fn r14_a_receiver_demanding_a_signature_header_gets_its_401_named() {
    let (r, _) = check(Fault::DemandsSignature).await;
    assert!(failed(&r).starts_with(&["payloads_v2", "payloads_v1", "retries"]), "{:#?}", r.checks);
    let d = &r.check("payloads_v2").unwrap().detail;
    let (n, m) = d.split_once(" deliveries failed: 401 on").and_then(|(head, _)| head.split_once(" of ")).unwrap_or_else(|| panic!("{d}"));
    assert_eq!(n, m, "every delivery: {d}");
    assert!(
        d.contains("401 although its Basic credentials are right: Pipedrive sends Basic auth and nothing else: a receiver demanding a signature header (x-pipedrive-signature…) answers 401 to every real delivery"),
        "{d}"
    );
    assert_eq!(r.faults, [Named::AuthBeyondBasic]);
    // The auth probes are refused too: not its fault there.
    assert_eq!(status(&r, "basic_auth_missing"), Status::Pass);
    assert!(r.versions.iter().all(|v| v.verdict == Verdict::Fail));
}

#[tokio::test]
async fn r09_r15_a_redirecting_receiver_fails_redirect() {
    let (r, _) = check(Fault::Redirects).await;
    assert_eq!(failed(&r), ["redirect"], "{:#?}", r.checks);
    assert!(r.check("redirect").unwrap().detail.contains("302 → /hook/"), "{:#?}", r.checks);
    assert_eq!(status(&r, "payloads_v2"), Status::Warn);
    assert_eq!(r.exit_code(), 1);
    // Every attempt failed: the projection bans it again and again and R13 deletes it.
    for v in &r.versions {
        let p = v.projection.as_ref().unwrap();
        assert!(p.bans_per_day > 0.0 && p.deletion_after_ms.is_some(), "{p:?}");
    }
}

#[tokio::test]
async fn r14_a_receiver_that_ignores_basic_auth_gets_warnings() {
    let (r, _) = check(Fault::IgnoresAuth).await;
    assert_eq!(failed(&r), Vec::<&str>::new(), "{:#?}", r.checks);
    for id in ["basic_auth_missing", "basic_auth_wrong"] {
        assert_eq!(status(&r, id), Status::Warn);
        assert!(r.check(id).unwrap().detail.contains("anyone who knows the URL"), "{:#?}", r.checks);
    }
}

#[tokio::test]
async fn without_credentials_there_are_no_auth_checks_and_one_version_sends_one_battery() {
    let (url, hits) = receiver(Fault::IgnoresAuth).await;
    let mut o = Options::new(&url, Policy::default()).unwrap();
    o.versions = Versions::V1;
    let r = check::run(&o, Arc::new(|_| {})).await.unwrap();
    let ids: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["tls", "payloads_v1", "retries", "latency", "burst", "redirect"]);
    assert_eq!(hits.load(Ordering::SeqCst), o.request_count());
}

#[tokio::test]
async fn a_closed_port_fails_after_one_request() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    drop(l);
    let r = check::run(&Options::new(&url, Policy::default()).unwrap(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(r.requests, 1, "nothing else is sent");
    assert!(failed(&r).contains(&"payloads_v2") && r.check("payloads_v2").unwrap().detail.contains("not reachable"), "{:#?}", r.checks);
    // Nothing answered: latency and redirects are not judged, never graded "pass".
    for id in ["latency", "redirect"] {
        assert_eq!(status(&r, id), Status::Warn, "{:#?}", r.check(id));
        assert!(r.check(id).unwrap().detail.starts_with("not judged: none of the 1 requests got an answer"), "{:#?}", r.check(id));
    }
}

// ---------------------------------------------------------------------------------------------
// TLS: a self-signed certificate (generated once with `openssl req -x509 -newkey rsa:2048 -nodes
// -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1`).

const SELF_SIGNED_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIDJzCCAg+gAwIBAgIUAQwtOtZ8wVfBjis4ePN4LT65hT0wDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyOTE1MDIzNFoYDzIxMjYx
MTA1MTUwMjM0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCzrCK/lUj2X7URo8YxdqOh1GJQ2zbNhcspx2ABYvhU
FY25498yM4ZaJWwhr3ntud8AAw53j4IQDAM1nZzCixk5IzjthXZXQ+W9xw+GhT9W
A2jUhCoFbGhhlnNP+lXBXJKv0vVJcOolXJhWMWLOerySSBjLhFPJ3q6AfQHI+taf
Dh2GJdrryXeDPXCsa2dUTIIlMsvwoTwLWRSU9pLLhJzIII3mKBF1vpvpOm/ESZlQ
MyfMjuXUwwQnGlIny4Bzj61DTGs4RHPNsEy1XrB/a7Df5o2q8FrZ0/Ti/H5rhuV4
I5klvPcEFYoxlGVOyePTS48gzIK/Jdj2+RVSul95i105AgMBAAGjbzBtMB0GA1Ud
DgQWBBSYZl9LJhBUhbLpmBnTkAJXFLobOzAfBgNVHSMEGDAWgBSYZl9LJhBUhbLp
mBnTkAJXFLobOzAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGCCWxvY2FsaG9z
dIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEADqNxqqcIdJq2NHFNp+EZpo7+hIzM
G6x2ilrst8eO8tkKroqWvQfH7/1JFQRx8MYXaL97qhilipv1Vw88YxxE4vdmrkU3
46LY3isJWZG0CFmnnI67VH3ZRc7haerXdLwGjy05GBlusOdRUnd8pbiVoz4M9W4b
feR0SIOMSmkNXJ8dPoPsDS0k8BE8h271xN7cznxTWZd41VRhHWh3uHLNd80bEUGu
Iyc6YnMKIWZ7K1HaOKj+oQ2WscmFCnx0VH5L22wVpkX3IX10m57sP6LtOYKgaE3+
0MuKzaQUHptad0rkc4eIgHB5PwgCQOPP9gFp8Uo1VCMtc/tjlx9Wy3ulzA==
-----END CERTIFICATE-----";
const SELF_SIGNED_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCzrCK/lUj2X7UR
o8YxdqOh1GJQ2zbNhcspx2ABYvhUFY25498yM4ZaJWwhr3ntud8AAw53j4IQDAM1
nZzCixk5IzjthXZXQ+W9xw+GhT9WA2jUhCoFbGhhlnNP+lXBXJKv0vVJcOolXJhW
MWLOerySSBjLhFPJ3q6AfQHI+tafDh2GJdrryXeDPXCsa2dUTIIlMsvwoTwLWRSU
9pLLhJzIII3mKBF1vpvpOm/ESZlQMyfMjuXUwwQnGlIny4Bzj61DTGs4RHPNsEy1
XrB/a7Df5o2q8FrZ0/Ti/H5rhuV4I5klvPcEFYoxlGVOyePTS48gzIK/Jdj2+RVS
ul95i105AgMBAAECggEAA/SXZelyb6WlTPFWLN97bSstPZVXpvZroj5hg+na3ejM
Ag/AhglnPQHsWAu5d8fD31z4+VbaAZtSGBm+EWZZbXiz0He1mD3/MgNc3OoNYa18
3vxk+4qxwupzVW7ao8iP1UEVyRfIuLdmIrQUS465uSVdZ0PPSjAV0AxUBy04SejA
fXwboX8LnVdDfGBK810zPIvBqWuqrqXhm+WxuMqBgImOfv5TB58tTYgneVf59tmg
NABnp/fElLx19e1ic38Bxxn3aQMLk9VysZYuv6KJ/JfAMXM4q1CF+qrBBSrZhSV7
izzstXVHT2uKulydT7soQx05ZWX7RPLYwzu+mB8BtQKBgQDr5P/zcEWAWkQdBFGT
6Rxr6XhSBzw3Qvs5LWbXPH1AZoPL/1YZ3B387zSxMq4fUTOsLcHyPQnmdroO+o/R
oZ1Cp2Z6580ePEe2VVJ9PLvBysmAQufg8Ps7lxEo9LXV7P0i0TsrVrTomDOBX2t1
BA5SLiohVF+/i6My6JEa/CupVwKBgQDC/GvVLaOq1WxlFutHnvjle824fsvQgGzL
fo33fDg4zsOhLPVzPib+ExkGUnV9ehzFIAD2IQCuzQjIBtiHIplLk/WAb2q16s/S
Btvl5D2TKs6k5pHUXZ/GKAu414rF2XAxPS4JKOT/8yDAMGMz5hWr0QhLsuxOkFHu
+osLna3D7wKBgEI9bM4MMcgIEOZhBxNUu0FmLv5Bv9v4uBjnMeCwwK8r2kiXa7MZ
R2Z2OUKk65YptCveMX73Oud3YWnBXE9OZZ2I6lMK8mNSJAUEUoSOYF7btdeJchmN
Mc8a7Zulk8X9pVt4i3fxAh3qV1Q12jPirq7O/c+cJMLh0DMEcXK1awFDAoGBAIoX
Vw89KWJ9kCzv1GV+0utDiOiW9CWQLnzX/hc+JFsnJClru9GIPPlH8Tsm/wqEhwec
qNGngeJKV2PCZWsfN83s1bvGLJ7104T9UpM319v4Py1OFg1+2P7vsY2RKTkBy5Ez
sPzPt48FUzaJjlhdJQ/wFJ3385+YWk6TphHt8/iFAoGAamJHLTTA2NcDRsCP1jHX
EGb9AruzATA0R+gU3SrRKdF/rbO+ufnYnRBnmdY5EKV+Is8odS6P4hKePdPqQS3e
84y8MV3++T57CqyDb19vQHbZtviKNkFJ8VPEzFFZmaOzo6t1PZmwH/s2Qa2kYmic
oFogHh+pwYCA87AqykSV1Ao=
-----END PRIVATE KEY-----";

/// An https receiver on 127.0.0.1 with the self-signed certificate; its port. Pipedrive (and the
/// check, with standard verification) refuse the handshake, so nothing is ever answered.
async fn self_signed_receiver() -> u16 {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{crypto::ring::default_provider, ServerConfig};
    let certs = vec![CertificateDer::from_pem_slice(SELF_SIGNED_CERT.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(SELF_SIGNED_KEY.as_bytes()).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(default_provider())).with_safe_default_protocol_versions().unwrap().with_no_client_auth().with_single_cert(certs, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    use tokio::io::AsyncWriteExt;
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn r15_a_self_signed_certificate_fails_tls_and_a_port_without_tls_fails_the_handshake() {
    let port = self_signed_receiver().await;
    let r = check::run(&Options::new(&format!("https://localhost:{port}/hook"), Policy::default()).unwrap(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(status(&r, "tls"), Status::Fail, "{:#?}", r.checks);
    let d = &r.check("tls").unwrap().detail;
    assert!(d.contains("refuse this certificate") && d.to_ascii_lowercase().contains("certificate"), "{d}");
    assert_eq!(r.requests, 1, "nothing else is sent");
    // https to a plain-http receiver: no TLS there at all.
    let (url, _) = receiver(Fault::None).await;
    let url = url.replace("http://", "https://");
    let r = check::run(&Options::new(&url, Policy::default()).unwrap(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(status(&r, "tls"), Status::Fail);
    assert!(r.check("tls").unwrap().detail.contains("handshake failed"), "{:#?}", r.checks);
}

// ---------------------------------------------------------------------------------------------
// The CLI.

fn run_cli(args: Vec<String>) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator")).args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_exits_0_on_a_good_receiver_1_on_a_failing_one_2_on_bad_arguments() {
    let (good, _) = receiver(Fault::None).await;
    let dir = std::env::temp_dir().join(format!("pd-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json_path = dir.join("report.json");
    let args: Vec<String> = ["check", &good, "--user", USER, "--password", PASSWORD, "--json", json_path.to_str().unwrap(), "--rate", "10"].map(String::from).to_vec();
    let out = tokio::task::spawn_blocking(move || run_cli(args)).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("payloads_v2") && stdout.contains("Verdict: PASS"), "{stdout}");
    let took = stdout.lines().next().and_then(|l| l.split(" requests in ").nth(1)).unwrap_or_default();
    assert!(took.ends_with(" ms") || (took.ends_with(" s") && !took.starts_with("0.")), "never \"0.0 s\": {took}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(report["verdict"], "pass");
    assert!(report["checks"].as_array().unwrap().iter().all(|c| c["id"].is_string() && c["status"].is_string() && c["detail"].is_string()));
    for k in ["p50", "p95", "max"] {
        assert!(report["latency_ms"][k].is_u64(), "{k}");
    }
    assert!(report["latency_ms"]["histogram"][0]["le_ms"].is_u64() && report["latency_ms"]["histogram"][0]["count"].is_u64());
    assert_eq!(report["versions"].as_array().unwrap().len(), 2);
    for v in report["versions"].as_array().unwrap() {
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["projection"]["deletion_after_ms"], Value::Null);
        assert_eq!(v["projection"]["events_per_day"], 14_400.0, "--rate 10");
        let scenario: pipedrive_webhooks::simulator::Scenario = serde_json::from_value(v["projection"]["scenario"].clone()).expect("the core's Scenario shape");
        assert_eq!(scenario.webhooks.len(), 1);
    }
    // The one report type: what the CLI wrote reads back with serde and with the panel's reader.
    let typed: Report = serde_json::from_value(report.clone()).unwrap();
    assert_eq!(pipedrive_webhooks::emulator_api::decode_check_report(&report).unwrap(), typed);
    assert!(stdout.contains("By payload version") && stdout.contains("Projection for version 1.0 webhooks"), "{stdout}");

    let (bad, _) = receiver(Fault::RejectsRetries).await;
    let args: Vec<String> = ["check", &bad, "--user", USER, "--password", PASSWORD, "--version", "2.0"].map(String::from).to_vec();
    let out = tokio::task::spawn_blocking(move || run_cli(args)).await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verdict: FAIL"));

    for args in [
        vec!["check"],
        vec!["check", "ftp://example.com/hook"],
        vec!["check", "https://acme.pipedrive.com/hook"],
        vec!["check", &good, "--version", "3.0"],
        vec!["check", &good, "--rate", "0"],
        vec!["check", &good, "--rate", "5000"],
        vec!["check", &good, "--password", "x"],
        vec!["check", &good, "--burst", "0"],
        vec!["check", &good, "--json", "/nonexistent-dir/x/report.json"],
        vec!["--port", "0", "check", &good],
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let shown = args.join(" ");
        let out = tokio::task::spawn_blocking(move || run_cli(args)).await.unwrap();
        assert_eq!(out.status.code(), Some(2), "{shown}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let help = run_cli(vec!["check".into(), "--help".into()]);
    let text = String::from_utf8_lossy(&help.stderr);
    assert_eq!(help.status.code(), Some(0));
    assert!(text.contains("Exit codes") && text.contains("--json FILE") && text.contains("EVENTS_PER_MIN") && text.contains("Example"), "{text}");
    assert!(text.contains("--password-env <NAME>") && text.contains("in `ps`"), "the help says why not --password: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--password-env NAME` reads the password from the environment, so it never sits in argv (where
/// `ps` shows it); unset, or given with `--password`, it is a usage error (2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_password_env_keeps_the_password_out_of_argv() {
    let (url, _) = receiver(Fault::None).await;
    let run_env = |args: Vec<&str>, env: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pipedrive-webhooks-emulator"));
        c.args(args).env_remove("PD_CHECK_SECRET");
        if let Some(v) = env {
            c.env("PD_CHECK_SECRET", v);
        }
        c.output().unwrap()
    };
    let u = url.clone();
    let out = tokio::task::spawn_blocking(move || run_env(vec!["check", &u, "--user", USER, "--password-env", "PD_CHECK_SECRET", "--version", "2.0", "--burst", "5"], Some(PASSWORD))).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "the right password, from the environment: {stdout}");
    assert!(stdout.contains("basic_auth_wrong") && !stdout.contains(PASSWORD), "{stdout}");
    let u = url.clone();
    let wrong = tokio::task::spawn_blocking(move || run_env(vec!["check", &u, "--user", USER, "--password-env", "PD_CHECK_SECRET", "--version", "2.0", "--burst", "5"], Some("nope"))).await.unwrap();
    assert_eq!(wrong.status.code(), Some(1), "a wrong password from the environment is sent as given");
    for (args, env) in [
        (vec!["check", url.as_str(), "--user", USER, "--password-env", "PD_CHECK_SECRET"], None),
        (vec!["check", url.as_str(), "--user", USER, "--password-env", "PD_CHECK_SECRET", "--password", "x"], Some(PASSWORD)),
        (vec!["check", url.as_str(), "--password-env", "PD_CHECK_SECRET"], Some(PASSWORD)),
    ] {
        let shown = args.join(" ");
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let env = env.map(String::from);
        let out = tokio::task::spawn_blocking(move || run_env(args.iter().map(String::as_str).collect(), env.as_deref())).await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{shown}: {err}");
        assert!(!err.contains(PASSWORD), "{err}");
    }
    let unset = run_env(vec!["check", &url, "--user", USER, "--password-env", "PD_CHECK_SECRET"], None);
    assert!(String::from_utf8_lossy(&unset.stderr).contains("PD_CHECK_SECRET is not set"), "{}", String::from_utf8_lossy(&unset.stderr));
}

// ---------------------------------------------------------------------------------------------
// An endless answer: a 300 MB body (as in the probe) on every request.

/// A receiver on 127.0.0.1 that reads each request, then answers 200 with `content-length`
/// 300 MB and writes zeros until the client goes away. Returns its URL and the most bytes one
/// connection managed to write.
async fn endless_receiver() -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let most = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let m = most.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let m = m.clone();
            tokio::spawn(async move {
                // One request per connection: headers, then content-length bytes of body.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let body_start = loop {
                    let Ok(n) = tcp.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..body_start]).to_ascii_lowercase();
                let len: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                while buf.len() - body_start < len {
                    let Ok(n) = tcp.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                const SIZE: usize = 300 * 1024 * 1024;
                if tcp.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {SIZE}\r\n\r\n").as_bytes()).await.is_err() {
                    return;
                }
                let zeros = vec![0u8; 64 * 1024];
                let mut written = 0;
                while written < SIZE {
                    match tcp.write(&zeros).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => written += n,
                    }
                }
                m.fetch_max(written, Ordering::SeqCst);
            });
        }
    });
    (url, most)
}

#[tokio::test]
async fn an_endless_answer_is_read_no_further_than_64_kb() {
    let (url, most) = endless_receiver().await;
    let mut o = Options::new(&url, Policy::default()).unwrap();
    o.versions = Versions::V2;
    o.burst = 5;
    let started = std::time::Instant::now();
    let r = check::run(&o, Arc::new(|_| {})).await.unwrap();
    let took = started.elapsed();
    assert_eq!(status(&r, "payloads_v2"), Status::Pass, "graded on the status: {:#?}", r.checks);
    assert_eq!(failed(&r), Vec::<&str>::new(), "{:#?}", r.checks);
    // Reading 300 MB per answer would take each request to its 11 s give-up, the battery minutes.
    assert!(took < Duration::from_secs(8), "{took:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let most = most.load(Ordering::SeqCst);
    assert!(most < 300 * 1024 * 1024 / 10, "a connection got {most} bytes out before the check hung up");
    assert_eq!(check::ANSWER_READ_LIMIT, 64 * 1024);
}

// ---------------------------------------------------------------------------------------------
// The control API.

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn checks_control_api_runs_a_check_in_the_background() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: 1000, ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    let (url, _) = receiver(Fault::RejectsUserArrays).await;
    let r = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": url, "user": USER, "password": PASSWORD, "version": "1.0", "rate": 2})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let mut last = Value::Null;
    for _ in 0..600 {
        last = c.get(format!("{base}/_emulator/checks/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(last["id"], id);
        assert!(last["progress"]["total"].as_u64().unwrap() > 0);
        if last["state"] != "running" {
            break;
        }
        assert_eq!(last["report"], Value::Null);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["error"], Value::Null);
    assert_eq!(last["progress"]["done"], last["progress"]["total"]);
    let report = &last["report"];
    assert_eq!(report["verdict"], "fail");
    let failed: Vec<&str> = report["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(failed, ["payloads_v1"]);
    assert!(report["latency_ms"]["histogram"].as_array().unwrap().len() > 3);
    assert_eq!(report["versions"][0]["version"], "1.0");
    assert_eq!(report["versions"][0]["projection"]["events_per_minute"], 2.0);
    assert!(report["versions"][0]["projection"]["scenario"]["durationMs"].is_u64());
    // The core reads the run the panel reads, report included.
    let run = pipedrive_webhooks::emulator_api::decode_check_run(last.to_string().as_bytes()).unwrap();
    assert_eq!((run.id, run.state, run.report.unwrap().verdict), (id, pipedrive_webhooks::emulator_api::RunState::Done, Verdict::Fail));

    // Bad requests: 400 (a bad URL, version or rate), 415 (not JSON), 404 (unknown id).
    for body in [json!({"url": "ftp://x"}), json!({"url": url, "version": "3"}), json!({"url": url, "rate": 0}), json!({"password": "x", "url": url}), json!({"nope": 1})] {
        let r = c.post(format!("{base}/_emulator/checks")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["success"], false);
    }
    let form = c.post(format!("{base}/_emulator/checks")).header("content-type", "text/plain").body(format!("{{\"url\":\"{url}\"}}")).send().await.unwrap();
    assert_eq!(form.status(), 415);
    assert_eq!(c.get(format!("{base}/_emulator/checks/999")).send().await.unwrap().status(), 404);
    // The guard applies: a foreign page may not start a check.
    let foreign = c.post(format!("{base}/_emulator/checks")).header("origin", "http://evil.example").json(&json!({"url": url})).send().await.unwrap();
    assert_eq!(foreign.status(), 403);
    emu.stop();
}

/// Polls a check until it is no longer running (up to 30 s); its last status.
async fn wait_done(c: &reqwest::Client, base: &str, id: u64) -> Value {
    for _ in 0..600 {
        let v: Value = c.get(format!("{base}/_emulator/checks/{id}")).send().await.unwrap().json().await.unwrap();
        if v["state"] != "running" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("check {id} still running");
}

/// Not a port scanner: one check at a time (a second start while one runs: 409), and at most
/// MAX_STARTS_PER_MINUTE starts a minute (then 429 with Retry-After); loopback receivers, the
/// check's job, are reached.
#[tokio::test]
async fn checks_control_api_runs_one_check_at_a_time() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: 1000, ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    let (slow, _) = receiver(Fault::Slow).await;
    let (other, other_hits) = receiver(Fault::IgnoresAuth).await;
    let first = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": slow, "version": "2.0"})).send().await.unwrap();
    assert_eq!(first.status(), 202);
    let id = first.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let second = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": other, "version": "2.0"})).send().await.unwrap();
    assert_eq!(second.status(), 409);
    let e = second.json::<Value>().await.unwrap();
    assert_eq!(e["success"], false);
    assert_eq!(e["error"].as_str().unwrap(), format!("check {id} is still running: one check runs at a time; wait for it to finish (GET /_emulator/checks/{id})"));
    assert_eq!(c.get(format!("{base}/_emulator/checks/{id}")).send().await.unwrap().json::<Value>().await.unwrap()["state"], "running");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(other_hits.load(Ordering::SeqCst), 0, "the refused check sent nothing");
    emu.stop();
}

#[tokio::test]
async fn checks_control_api_limits_starts_per_minute_with_retry_after() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 1.0, rate_limit: 1000, ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    let (url, hits) = receiver(Fault::IgnoresAuth).await;
    for _ in 0..check::MAX_STARTS_PER_MINUTE {
        let r = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": url, "version": "2.0"})).send().await.unwrap();
        assert_eq!(r.status(), 202, "a loopback receiver is the check's job");
        let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
        assert_eq!(wait_done(&c, &base, id).await["report"]["verdict"], "pass");
    }
    let before = hits.load(Ordering::SeqCst);
    let r = c.post(format!("{base}/_emulator/checks")).json(&json!({"url": url, "version": "2.0"})).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let e = r.json::<Value>().await.unwrap();
    assert_eq!(e["error"].as_str().unwrap(), format!("{} checks were started within the last minute: wait {wait} s", check::MAX_STARTS_PER_MINUTE));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(hits.load(Ordering::SeqCst), before, "nothing sent");
    emu.stop();
}

// ---------------------------------------------------------------------------------------------
// Redelivery.

#[tokio::test]
async fn redeliver_sends_the_event_again_as_a_fresh_marked_attempt_chain() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 100.0, rate_limit: 1000, ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    let (url, hits) = receiver(Fault::None).await;
    let body = json!({"subscription_url": url, "event_action": "change", "event_object": "deal", "name": "t", "version": "2.0", "http_auth_user": USER, "http_auth_password": PASSWORD});
    let created: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    let webhook = created["data"]["id"].as_u64().unwrap();
    let sent: Value = c
        .post(format!("{base}/_emulator/events"))
        .json(&json!({"object": "deal", "action": "change", "id": 42, "data": {"id": 42}, "previous": {"title": "Old"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event_id = sent["eventId"].as_str().unwrap().to_string();
    let log = wait_for_log(&c, &base, |l| l.len() == 1).await;
    let first = &log[0];
    assert_eq!((first["success"].as_bool(), first["redelivery"].as_bool()), (Some(true), Some(false)));
    assert_eq!((first["event"].as_str(), first["eventId"].as_str()), (Some("change.deal"), Some(event_id.as_str())), "the event in v2 words, beside its id");
    // The core reads the log the panel shows, the new field included.
    let decoded = pipedrive_webhooks::emulator_api::decode_deliveries(json!({"deliveries": log}).to_string().as_bytes()).unwrap();
    assert_eq!((decoded[0].event.as_str(), decoded[0].id), ("change.deal", first["id"].as_u64().unwrap()));
    let first_id = first["id"].as_u64().unwrap();
    assert!(first_id >= 1);
    let sent_body: Value = serde_json::from_str(first["requestBody"].as_str().unwrap()).unwrap();
    assert_eq!(sent_body["meta"]["id"], event_id.as_str());
    let headers = first["requestHeaders"].as_array().unwrap();
    assert!(headers.contains(&json!(["content-type", "application/json"])), "{headers:?}");
    assert!(headers.contains(&json!(["authorization", "Basic ••••"])), "masked: {headers:?}");
    assert!(!first.to_string().contains(PASSWORD) && !first.to_string().contains("cGlwZWRyaXZl"), "no credentials in the log");

    let r = c.post(format!("{base}/_emulator/deliveries/{first_id}/redeliver")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer, json!({"redeliveryOf": first_id, "eventId": event_id, "webhookId": webhook}));
    let log = wait_for_log(&c, &base, |l| l.len() == 2).await;
    let again = &log[1];
    assert!(again["id"].as_u64().unwrap() > first_id, "ids increase");
    assert_eq!((again["eventId"].as_str(), again["attempt"].as_u64(), again["redelivery"].as_bool()), (Some(event_id.as_str()), Some(1), Some(true)));
    assert_eq!((again["webhookId"].as_u64(), again["success"].as_bool()), (Some(webhook), Some(true)));
    assert_eq!(hits.load(Ordering::SeqCst), 2, "the receiver got it twice");
    assert_eq!(decode_delivery(again["requestBody"].as_str().unwrap().as_bytes()).unwrap().event_id, event_id);

    // Unknown id: 404; a non-JSON body: 415; the webhook gone: 409.
    let unknown = c.post(format!("{base}/_emulator/deliveries/99999/redeliver")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["success"], false);
    let form = c.post(format!("{base}/_emulator/deliveries/{first_id}/redeliver")).header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(form.status(), 415);
    let deleted = c.delete(format!("{base}/v1/webhooks/{webhook}")).bearer_auth("app-token-admin").send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    let gone = c.post(format!("{base}/_emulator/deliveries/{first_id}/redeliver")).send().await.unwrap();
    assert_eq!(gone.status(), 409);
    let e: Value = gone.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("gone"), "{e}");
    emu.stop();
}

#[tokio::test]
async fn a_failing_redelivery_gets_its_own_retries_all_marked() {
    let emu = start(Config { port: 0, seed: Seed::default(), state_file: None, time_scale: 100.0, rate_limit: 1000, ..Config::default() }).await.unwrap();
    let (c, base) = (client(), emu.base_url());
    let (url, _) = receiver(Fault::RejectsRetries).await;
    // No credentials on the webhook: this receiver answers 401 to every delivery, first attempts included.
    let body = json!({"subscription_url": url, "event_action": "*", "event_object": "deal", "name": "t", "version": "1.0"});
    let created: Value = c.post(format!("{base}/v1/webhooks")).bearer_auth("app-token-admin").json(&body).send().await.unwrap().json().await.unwrap();
    assert!(created["data"]["id"].is_u64(), "{created}");
    c.post(format!("{base}/_emulator/events")).json(&json!({"object": "deal", "action": "added", "id": 7, "data": {"id": 7}})).send().await.unwrap();
    let log = wait_for_log(&c, &base, |l| l.len() == 4).await;
    assert!(log.iter().all(|d| d["status"] == 401 && d["redelivery"] == false));
    let last = log[3]["id"].as_u64().unwrap();
    assert_eq!(c.post(format!("{base}/_emulator/deliveries/{last}/redeliver")).send().await.unwrap().status(), 202);
    let log = wait_for_log(&c, &base, |l| l.len() == 8).await;
    let chain: Vec<(u64, bool)> = log[4..].iter().map(|d| (d["attempt"].as_u64().unwrap(), d["redelivery"].as_bool().unwrap())).collect();
    assert_eq!(chain, [(1, true), (2, true), (3, true), (4, true)], "a new chain from attempt 1, every attempt marked");
    assert_eq!(log[4]["counted"], true, "its first attempt is a first attempt (R11)");
    emu.stop();
}

/// Polls the delivery log until `cond` holds (up to 10 s).
async fn wait_for_log(c: &reqwest::Client, base: &str, cond: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..500 {
        let v: Value = c.get(format!("{base}/_emulator/deliveries")).send().await.unwrap().json().await.unwrap();
        let list = v["deliveries"].as_array().cloned().unwrap_or_default();
        if cond(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for the delivery log");
}
