//! One delivery request as Pipedrive sends it: its headers, the POST, and the headers as the log
//! shows them. A leaf: the emulator's deliveries (`deliveries.rs`) and the receiver check
//! (`check/`) both build their requests here, and neither imports the other.

use pipedrive_webhooks::payload::basic_auth_header;
use std::time::Duration;

/// The headers a delivery carries besides `host` and `content-length` (the HTTP client's own),
/// as a real delivery (a 2026 capture, domain reference §3): Pipedrive's user agent, JSON, its
/// `accept` and `accept-encoding`, and Basic auth only when the webhook has credentials (R14). No
/// signature or id header: Pipedrive sends none. reqwest adds nothing else once `accept` is set
/// (it adds `accept: */*` only when none is given, and no `accept-encoding` without its
/// compression features).
pub fn delivery_headers(auth: Option<(&str, &str)>) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("user-agent", "Pipedrive Webhooks".to_string()),
        ("content-type", "application/json".to_string()),
        ("accept", "application/json, text/plain, */*".to_string()),
        ("accept-encoding", "gzip, compress, deflate, br".to_string()),
    ];
    if let Some((user, password)) = auth {
        h.push(("authorization", basic_auth_header(user, password)));
    }
    h
}

/// A delivery POST of `body` with `headers` (from [`delivery_headers`]); the client must not
/// follow redirects (R9, R15).
pub fn delivery_request(http: &reqwest::Client, url: &str, headers: &[(&'static str, String)], body: String, timeout: Duration) -> reqwest::RequestBuilder {
    let mut req = http.post(url).body(body).timeout(timeout.max(Duration::from_millis(1)));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req
}

/// `headers` as the log shows them: `authorization` masked (R14: never shown in clear).
pub fn masked(headers: &[(&'static str, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let shown = if n.eq_ignore_ascii_case("authorization") { format!("{} ••••", v.split(' ').next().unwrap_or("")) } else { v.clone() };
            (n.to_string(), shown)
        })
        .collect()
}

/// Reads at most `limit` bytes of an answer's body, then drops the rest with the connection:
/// grading needs the status and headers only, and an answer of any size must not fill memory.
/// Returns the bytes read (at most `limit` plus one chunk).
pub async fn drain_capped(mut resp: reqwest::Response, limit: usize) -> usize {
    let mut read = 0;
    while read < limit {
        match resp.chunk().await {
            Ok(Some(c)) => read += c.len(),
            _ => break,
        }
    }
    read
}
