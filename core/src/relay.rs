//! The local companion's relay rule: which calls from the panel may be sent on to Pipedrive.
//!
//! The companion (`npx pipedrive-webhooks serve`) serves the panel and, on the same origin, relays
//! `<METHOD> /_relay/<host>/<path>` to `https://<host>/<path>`, so the panel's live calls need no
//! CORS preflight and every answer header reaches it. It carries the user's token, so what it
//! relays is kept to the least the panel needs, decided here once:
//!
//! - the host is `pipedrive.com` or one of its subdomains (a company domain, an OAuth `api_domain`,
//!   `api.pipedrive.com`): lowercase DNS labels, no port, no user info, no IP address;
//! - the call is one of `GET`/`POST` `api/v1/webhooks`, `DELETE api/v1/webhooks/<id>`, and
//!   `GET api/v1/users/me` (to test a connection), each also under `v1/` (the
//!   `api.pipedrive.com/v1` form);
//! - there is no query string: tokens go in headers, never in URLs (`?api_token=` is refused).
//!
//! Anything else is a [`RelayRefusal`] with its HTTP status (400, 403, 404 or 405) and a reason, and
//! nothing is sent. Pure: no I/O; hostile input is a refusal, never a panic.

use crate::webhook::WebhookId;

/// A call the companion may relay: `method` to `https://{host}{path}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayTarget {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// A Pipedrive host, lowercase, without a port (`acme.pipedrive.com`).
    pub host: String,
    /// The API path, with its leading slash (`/api/v1/webhooks/5`).
    pub path: String,
    /// What the call does.
    pub call: RelayCall,
}

impl RelayTarget {
    /// The URL to send the call to: `https://{host}{path}`.
    pub fn url(&self) -> String {
        format!("https://{}{}", self.host, self.path)
    }
}

/// The calls the companion relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayCall {
    /// `GET /webhooks`.
    ListWebhooks,
    /// `POST /webhooks`.
    CreateWebhook,
    /// `DELETE /webhooks/{id}`.
    DeleteWebhook(WebhookId),
    /// `GET /users/me`: the one read call that tests a connection.
    CurrentUser,
}

/// Why a call is not relayed. [`RelayRefusal::status`] is the HTTP status to answer with and
/// `Display` the reason, for the `{"success": false, "error": …}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayRefusal {
    /// A query string (`?api_token=…` or any other): 400.
    QueryString,
    /// `/_relay/` with no host: 404.
    NoHost,
    /// `user@host`: 403.
    UserInfo,
    /// `host:port`: 403.
    Port,
    /// An IPv4 or IPv6 address: 403.
    IpAddress,
    /// Not lowercase DNS labels (upper case, percent signs, empty labels…): 403. Holds the host as
    /// shown in messages (control characters replaced, at most 100 characters).
    InvalidHost(String),
    /// A valid host outside `pipedrive.com`: 403.
    NotPipedrive(String),
    /// A path outside the relayed calls: 404.
    PathNotRelayed,
    /// A relayed path with another method: 405, with the methods allowed there (`Allow`).
    MethodNotAllowed {
        /// The method asked for, as shown in messages.
        method: String,
        /// The path, with its leading slash.
        path: String,
        /// The methods relayed on that path, as an `Allow` header value.
        allow: &'static str,
    },
}

impl RelayRefusal {
    /// The HTTP status to answer with: 400, 403, 404 or 405.
    pub fn status(&self) -> u16 {
        match self {
            RelayRefusal::QueryString => 400,
            RelayRefusal::NoHost | RelayRefusal::PathNotRelayed => 404,
            RelayRefusal::MethodNotAllowed { .. } => 405,
            RelayRefusal::UserInfo | RelayRefusal::Port | RelayRefusal::IpAddress | RelayRefusal::InvalidHost(_) | RelayRefusal::NotPipedrive(_) => 403,
        }
    }

    /// The `Allow` header of a 405.
    pub fn allow(&self) -> Option<&'static str> {
        match self {
            RelayRefusal::MethodNotAllowed { allow, .. } => Some(allow),
            _ => None,
        }
    }
}

impl std::fmt::Display for RelayRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayRefusal::QueryString => f.write_str("a query string is not relayed: send the token in the x-api-token or Authorization header, never in the URL"),
            RelayRefusal::NoHost => f.write_str("no host: relay as /_relay/<host>/<path>, e.g. /_relay/acme.pipedrive.com/api/v1/webhooks"),
            RelayRefusal::UserInfo => f.write_str("user info in the host is not relayed: only pipedrive.com and its subdomains"),
            RelayRefusal::Port => f.write_str("a host with a port is not relayed: only pipedrive.com and its subdomains, on https's port"),
            RelayRefusal::IpAddress => f.write_str("an IP address is not relayed: only pipedrive.com and its subdomains"),
            RelayRefusal::InvalidHost(host) => write!(f, "\"{host}\" is not a host name in lowercase DNS labels: only pipedrive.com and its subdomains are relayed"),
            RelayRefusal::NotPipedrive(host) => write!(f, "{host} is not Pipedrive: only pipedrive.com and its subdomains are relayed"),
            RelayRefusal::PathNotRelayed => f.write_str(
                "this path is not relayed: only GET and POST api/v1/webhooks, DELETE api/v1/webhooks/<id> and GET api/v1/users/me (or the same under v1/)",
            ),
            RelayRefusal::MethodNotAllowed { method, path, allow } => write!(f, "{method} {path} is not relayed: only {allow}"),
        }
    }
}

/// Decides whether the companion relays `method` on `relay_path`, what follows `/_relay/` in the
/// request's target (`acme.pipedrive.com/api/v1/webhooks`, query string included if any).
///
/// ```
/// use pipedrive_webhooks::relay::{relay_target, RelayCall, RelayRefusal};
/// let t = relay_target("DELETE", "acme.pipedrive.com/api/v1/webhooks/5").unwrap();
/// assert_eq!(t.url(), "https://acme.pipedrive.com/api/v1/webhooks/5");
/// assert_eq!(t.call, RelayCall::DeleteWebhook(5));
/// assert_eq!(relay_target("GET", "api.pipedrive.com/v1/webhooks").unwrap().call, RelayCall::ListWebhooks);
/// assert_eq!(relay_target("GET", "acme.pipedrive.com/api/v1/webhooks?api_token=x"), Err(RelayRefusal::QueryString));
/// assert_eq!(relay_target("GET", "pipedrive.com.evil.com/api/v1/webhooks").unwrap_err().status(), 403);
/// assert_eq!(relay_target("GET", "acme.pipedrive.com/api/v1/deals").unwrap_err().status(), 404);
/// assert_eq!(relay_target("PUT", "acme.pipedrive.com/api/v1/webhooks").unwrap_err().allow(), Some("GET, POST"));
/// ```
pub fn relay_target(method: &str, relay_path: &str) -> Result<RelayTarget, RelayRefusal> {
    // First, before anything is read or echoed: a query may carry a token.
    if relay_path.contains('?') {
        return Err(RelayRefusal::QueryString);
    }
    let (host, rest) = relay_path.split_once('/').unwrap_or((relay_path, ""));
    check_host(host)?;
    let (call, allow) = call_of(rest).ok_or(RelayRefusal::PathNotRelayed)?;
    let path = format!("/{rest}");
    let method = match (method, allow) {
        ("GET", "GET" | "GET, POST") => "GET",
        ("POST", "GET, POST") => "POST",
        ("DELETE", "DELETE") => "DELETE",
        _ => return Err(RelayRefusal::MethodNotAllowed { method: shown(method), path, allow }),
    };
    let call = match (method, call) {
        ("POST", RelayCall::ListWebhooks) => RelayCall::CreateWebhook,
        (_, call) => call,
    };
    Ok(RelayTarget { method, host: host.to_string(), path, call })
}

/// The companion's relay path for a Pipedrive API URL, or `None` when the URL is not https on a
/// Pipedrive host (`pipedrive.com` or a subdomain, as [`relay_target`] accepts it), has a port,
/// user info, a query or a fragment. The path is kept as it is: whether the call is relayed is
/// [`relay_target`]'s decision.
///
/// ```
/// use pipedrive_webhooks::relay::relay_path;
/// assert_eq!(relay_path("https://acme.pipedrive.com/api/v1/webhooks/5").as_deref(), Some("/_relay/acme.pipedrive.com/api/v1/webhooks/5"));
/// assert_eq!(relay_path("https://api.pipedrive.com/v1").as_deref(), Some("/_relay/api.pipedrive.com/v1"));
/// assert_eq!(relay_path("http://acme.pipedrive.com/api/v1/webhooks"), None); // not https
/// assert_eq!(relay_path("http://127.0.0.1:8700/v1/webhooks"), None); // the emulator: called directly
/// ```
pub fn relay_path(url: &str) -> Option<String> {
    let rest = match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &url[8..],
        _ => return None,
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if path.contains(['?', '#']) || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let host = authority.to_ascii_lowercase();
    check_host(&host).ok()?;
    let path = if path.is_empty() { "/" } else { path };
    Some(format!("/_relay/{host}{path}"))
}

/// `Ok` for `pipedrive.com` and its subdomains in lowercase DNS labels; the refusal otherwise.
fn check_host(host: &str) -> Result<(), RelayRefusal> {
    if host.is_empty() {
        return Err(RelayRefusal::NoHost);
    }
    if host.contains('@') {
        return Err(RelayRefusal::UserInfo);
    }
    if host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(RelayRefusal::IpAddress);
    }
    if host.contains(':') {
        return Err(RelayRefusal::Port);
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(RelayRefusal::InvalidHost(shown(host)));
    }
    if host == "pipedrive.com" || host.ends_with(".pipedrive.com") {
        Ok(())
    } else {
        Err(RelayRefusal::NotPipedrive(shown(host)))
    }
}

/// The call a path (after the host, without its slash) is, with the methods relayed on it; a
/// `POST` on the list path is the create, decided by the caller.
fn call_of(rest: &str) -> Option<(RelayCall, &'static str)> {
    let api = rest.strip_prefix("api/v1/").or_else(|| rest.strip_prefix("v1/"))?;
    match api {
        "webhooks" => Some((RelayCall::ListWebhooks, "GET, POST")),
        "users/me" => Some((RelayCall::CurrentUser, "GET")),
        _ => {
            let id = api.strip_prefix("webhooks/")?;
            Some((RelayCall::DeleteWebhook(digits(id)?), "DELETE"))
        }
    }
}

/// A webhook id: ASCII digits only, no sign, no overflow.
fn digits(s: &str) -> Option<WebhookId> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0 as WebhookId, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(WebhookId::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Caller text for messages: control characters replaced, at most 100 characters.
fn shown(s: &str) -> String {
    s.chars().take(100).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(method: &str, path: &str) -> RelayTarget {
        relay_target(method, path).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn refused(method: &str, path: &str) -> RelayRefusal {
        relay_target(method, path).expect_err(path)
    }

    #[test]
    fn relays_the_webhooks_calls_and_users_me_under_both_api_prefixes() {
        for prefix in ["api/v1", "v1"] {
            for host in ["acme.pipedrive.com", "api.pipedrive.com", "pipedrive.com", "acme-sandbox.eu.pipedrive.com"] {
                let list = ok("GET", &format!("{host}/{prefix}/webhooks"));
                assert_eq!((list.method, list.call), ("GET", RelayCall::ListWebhooks));
                assert_eq!(list.url(), format!("https://{host}/{prefix}/webhooks"));
                assert_eq!(list.host, host);
                assert_eq!(list.path, format!("/{prefix}/webhooks"));
                assert_eq!(ok("POST", &format!("{host}/{prefix}/webhooks")).call, RelayCall::CreateWebhook);
                assert_eq!(ok("DELETE", &format!("{host}/{prefix}/webhooks/42")).call, RelayCall::DeleteWebhook(42));
                assert_eq!(ok("GET", &format!("{host}/{prefix}/users/me")).call, RelayCall::CurrentUser);
            }
        }
        assert_eq!(ok("DELETE", "acme.pipedrive.com/api/v1/webhooks/18446744073709551615").call, RelayCall::DeleteWebhook(u64::MAX));
    }

    #[test]
    fn a_query_string_is_refused_first_and_never_echoed() {
        for path in [
            "acme.pipedrive.com/api/v1/webhooks?api_token=SECRET",
            "evil.com/x?api_token=SECRET",
            "?api_token=SECRET",
            "acme.pipedrive.com/api/v1/webhooks?",
        ] {
            let e = refused("GET", path);
            assert_eq!((e.clone(), e.status()), (RelayRefusal::QueryString, 400));
            assert!(!e.to_string().contains("SECRET"));
        }
    }

    #[test]
    fn only_pipedrive_hosts_in_lowercase_dns_labels() {
        let cases: &[(&str, RelayRefusal)] = &[
            ("", RelayRefusal::NoHost),
            ("evil.com", RelayRefusal::NotPipedrive("evil.com".into())),
            ("pipedrive.com.evil.com", RelayRefusal::NotPipedrive("pipedrive.com.evil.com".into())),
            ("evilpipedrive.com", RelayRefusal::NotPipedrive("evilpipedrive.com".into())),
            ("pipedrive.co", RelayRefusal::NotPipedrive("pipedrive.co".into())),
            ("127.0.0.1", RelayRefusal::IpAddress),
            ("[::1]", RelayRefusal::IpAddress),
            ("2130706433", RelayRefusal::IpAddress),
            ("acme.pipedrive.com:443", RelayRefusal::Port),
            ("acme.pipedrive.com:", RelayRefusal::Port),
            ("user@acme.pipedrive.com", RelayRefusal::UserInfo),
            ("evil.com@acme.pipedrive.com", RelayRefusal::UserInfo),
            ("ACME.pipedrive.com", RelayRefusal::InvalidHost("ACME.pipedrive.com".into())),
            ("acme.pipedrive.com.", RelayRefusal::InvalidHost("acme.pipedrive.com.".into())),
            (".pipedrive.com", RelayRefusal::InvalidHost(".pipedrive.com".into())),
            ("a..pipedrive.com", RelayRefusal::InvalidHost("a..pipedrive.com".into())),
            ("-a.pipedrive.com", RelayRefusal::InvalidHost("-a.pipedrive.com".into())),
            ("acme%2epipedrive.com", RelayRefusal::InvalidHost("acme%2epipedrive.com".into())),
            ("évil.pipedrive.com", RelayRefusal::InvalidHost("évil.pipedrive.com".into())),
        ];
        for (host, expected) in cases {
            let e = refused("GET", &format!("{host}/api/v1/webhooks"));
            assert_eq!(&e, expected, "{host}");
            assert!(matches!(e.status(), 403 | 404), "{host}");
        }
        let long = format!("{}.pipedrive.com", "a".repeat(64));
        assert!(matches!(refused("GET", &format!("{long}/api/v1/webhooks")), RelayRefusal::InvalidHost(_)));
        assert_eq!(refused("GET", "evil.com/api/v1/webhooks").to_string(), "evil.com is not Pipedrive: only pipedrive.com and its subdomains are relayed");
    }

    #[test]
    fn only_the_listed_paths_and_methods() {
        for path in [
            "acme.pipedrive.com",
            "acme.pipedrive.com/",
            "acme.pipedrive.com/api/v1/webhooks/",
            "acme.pipedrive.com/api/v1/webhooks/5/",
            "acme.pipedrive.com/api/v1/webhooks/-5",
            "acme.pipedrive.com/api/v1/webhooks/5a",
            "acme.pipedrive.com/api/v1/webhooks/99999999999999999999",
            "acme.pipedrive.com/api/v1/webhooks/%35",
            "acme.pipedrive.com/api/v1/webhooks/../deals",
            "acme.pipedrive.com/api/v1/deals",
            "acme.pipedrive.com/api/v2/webhooks",
            "acme.pipedrive.com/api/v1/users",
            "acme.pipedrive.com/api/v1/users/5",
            "acme.pipedrive.com//api/v1/webhooks",
            "acme.pipedrive.com/API/v1/webhooks",
            "acme.pipedrive.com/api/v1/webhooks#x",
            "acme.pipedrive.com/oauth/token",
        ] {
            let e = refused("GET", path);
            assert_eq!((e.clone(), e.status()), (RelayRefusal::PathNotRelayed, 404), "{path}");
        }
        let e = refused("PUT", "acme.pipedrive.com/api/v1/webhooks");
        assert_eq!((e.status(), e.allow()), (405, Some("GET, POST")));
        assert_eq!(e.to_string(), "PUT /api/v1/webhooks is not relayed: only GET, POST");
        assert_eq!(refused("GET", "acme.pipedrive.com/api/v1/webhooks/5").allow(), Some("DELETE"));
        assert_eq!(refused("POST", "acme.pipedrive.com/v1/users/me").allow(), Some("GET"));
        for method in ["get", "HEAD", "OPTIONS", "PATCH", "", "GET\n"] {
            assert_eq!(refused(method, "acme.pipedrive.com/api/v1/webhooks").status(), 405, "{method:?}");
        }
        assert!(!refused("GET\n", "acme.pipedrive.com/api/v1/webhooks").to_string().contains('\n'));
    }

    #[test]
    fn relay_path_maps_pipedrive_https_urls_and_round_trips() {
        for url in [
            "https://acme.pipedrive.com/api/v1/webhooks",
            "https://acme.pipedrive.com/api/v1/webhooks/5",
            "https://api.pipedrive.com/v1/webhooks",
            "https://api.pipedrive.com/v1/users/me",
        ] {
            let p = relay_path(url).unwrap();
            let method = if url.ends_with("/5") { "DELETE" } else { "GET" };
            assert_eq!(ok(method, p.strip_prefix("/_relay/").unwrap()).url(), url);
        }
        assert_eq!(relay_path("HTTPS://ACME.Pipedrive.com/api/v1").as_deref(), Some("/_relay/acme.pipedrive.com/api/v1"));
        assert_eq!(relay_path("https://acme.pipedrive.com").as_deref(), Some("/_relay/acme.pipedrive.com/"));
        for url in [
            "http://acme.pipedrive.com/api/v1/webhooks",
            "https://evil.com/api/v1/webhooks",
            "https://pipedrive.com.evil.com/api/v1",
            "https://acme.pipedrive.com:8443/api/v1",
            "https://user:pw@acme.pipedrive.com/api/v1",
            "https://acme.pipedrive.com/api/v1/webhooks?api_token=x",
            "https://acme.pipedrive.com?x",
            "https://acme.pipedrive.com/api/v1#x",
            "https://acme.pipedrive.com/api v1",
            "https://127.0.0.1/api/v1",
            "https://",
            "",
            "acme",
            "ftp://acme.pipedrive.com/",
            "httpsé://acme.pipedrive.com/",
        ] {
            assert_eq!(relay_path(url), None, "{url}");
        }
    }

    #[test]
    fn hostile_input_is_a_refusal_never_a_panic() {
        let alphabet: Vec<char> = "aZ09.-/:@?#%[]_ \n\t\u{0}é€😀pipedrive.comapi/v1/webhooks/users/me".chars().collect();
        let mut rng = crate::rng::SplitMix64::new(7);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 60) as usize;
            let s: String = (0..len).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect();
            for method in ["GET", "POST", "DELETE", "BREW"] {
                if let Ok(t) = relay_target(method, &s) {
                    // Whatever passes is a Pipedrive host and a listed call, as `url()` shows.
                    assert!(t.host == "pipedrive.com" || t.host.ends_with(".pipedrive.com"), "{s:?}");
                    assert!(!t.url().contains(['?', '#', '@', ' ', '\n']), "{s:?}");
                } else {
                    let e = relay_target(method, &s).unwrap_err();
                    assert!(matches!(e.status(), 400 | 403 | 404 | 405));
                    assert!(!e.to_string().chars().any(char::is_control), "{s:?}");
                }
            }
            let _ = relay_path(&s);
            let _ = relay_path(&format!("https://{s}"));
        }
        let huge = "a.".repeat(100_000) + "pipedrive.com/api/v1/webhooks";
        assert!(matches!(relay_target("GET", &huge), Err(RelayRefusal::InvalidHost(h)) if h.chars().count() == 100));
    }
}
