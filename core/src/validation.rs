//! Validation of a webhook to create (R2 name, R14, R15, event values per version).
//!
//! Every problem is reported at once, each with the field it belongs to, so a form can show them
//! beside their fields.

use crate::text::{clip, quoted};
use crate::event::{is_known_object, version_with_object, EventAction, MERGEABLE_OBJECTS};
use crate::policy::Policy;
use crate::webhook::{PayloadVersion, UserId};
use serde::{Deserialize, Serialize};

/// A webhook to create, as a form or a `POST /v1/webhooks` body gives it (strings, unchecked).
///
/// ```
/// use pipedrive_webhooks::{validate, NewWebhook, Policy};
/// let input = NewWebhook::new("https://example.com/hook", "create", "deal", "Deals").with_version("2.0");
/// let valid = validate(&input, &Policy::default()).unwrap();
/// assert!(valid.warnings.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewWebhook {
    pub subscription_url: String,
    pub event_action: String,
    pub event_object: String,
    pub name: String,
    /// `"1.0"` or `"2.0"`; absent means Pipedrive's default (2.0), which earns a warning.
    pub version: Option<String>,
    /// Whose permissions deliveries use; defaults to the caller.
    pub user_id: Option<UserId>,
    pub http_auth_user: Option<String>,
    pub http_auth_password: Option<String>,
}

impl NewWebhook {
    /// The four required fields.
    pub fn new(url: &str, action: &str, object: &str, name: &str) -> Self {
        NewWebhook {
            subscription_url: url.into(),
            event_action: action.into(),
            event_object: object.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets `version` explicitly, as every integration should.
    pub fn with_version(mut self, version: &str) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// The field a problem belongs to, named as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    SubscriptionUrl,
    EventAction,
    EventObject,
    Name,
    Version,
    UserId,
    HttpAuthUser,
    HttpAuthPassword,
    /// Not a form field: the webhook id of a delete.
    Id,
}

impl Field {
    /// The wire name (`subscription_url`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::SubscriptionUrl => "subscription_url",
            Field::EventAction => "event_action",
            Field::EventObject => "event_object",
            Field::Name => "name",
            Field::Version => "version",
            Field::UserId => "user_id",
            Field::HttpAuthUser => "http_auth_user",
            Field::HttpAuthPassword => "http_auth_password",
            Field::Id => "id",
        }
    }

    /// Reads a wire name.
    pub fn parse(s: &str) -> Option<Field> {
        [
            Field::SubscriptionUrl,
            Field::EventAction,
            Field::EventObject,
            Field::Name,
            Field::Version,
            Field::UserId,
            Field::HttpAuthUser,
            Field::HttpAuthPassword,
            Field::Id,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong,
    /// Not an absolute URL, or malformed.
    InvalidUrl,
    /// Not http or https.
    UnsupportedScheme,
    /// Pipedrive refuses its own API hosts (R15).
    PipedriveHost,
    /// Credentials belong in `http_auth_user`/`http_auth_password` (R14), not in the URL.
    CredentialsInUrl,
    UnknownAction,
    /// `merged` exists only for deal, person and organization (v1).
    ActionNotForObject,
    InvalidObject,
    /// A documented object of the other payload version only (`activityType` is v1's, `lead` v2's).
    ObjectNotInVersion,
    InvalidVersion,
    InvalidUserId,
    UnknownUser,
    /// A password needs a user name to go with it (R14).
    PasswordWithoutUser,
    /// Basic auth cannot carry a `:` in the user name.
    ColonInUser,
    ControlCharacters,
    /// Given by a server; the core knows no more than its message.
    Other,
}

/// One field's problem, with a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
    pub message: String,
}

/// Every field problem of one input, in field order.
///
/// ```
/// use pipedrive_webhooks::{validate, NewWebhook, Policy, Field};
/// let errs = validate(&NewWebhook::default(), &Policy::default()).unwrap_err();
/// assert!(errs.for_field(Field::SubscriptionUrl).is_some());
/// assert!(errs.for_field(Field::Name).is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field.as_str(), e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// The first problem of `field`, if any.
    pub fn for_field(&self, field: Field) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}

/// Something allowed but worth telling the developer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub field: Field,
    pub code: WarningCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// An object Pipedrive does not document (yet) for this version.
    UnknownObject,
    /// No version given: Pipedrive picks 2.0, and integrations broke when that default changed.
    VersionDefaulted,
    /// Plain http: Basic-auth credentials and payloads travel in clear.
    PlainHttp,
    /// A loopback or private address: Pipedrive cannot reach it (the sandbox and emulator can).
    NotPublic,
}

/// A checked webhook, ready to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidWebhook {
    pub subscription_url: String,
    pub event_action: EventAction,
    pub event_object: String,
    pub name: String,
    pub version: PayloadVersion,
    pub user_id: Option<UserId>,
    pub http_auth_user: Option<String>,
    pub http_auth_password: Option<String>,
    pub warnings: Vec<Warning>,
}

/// Checks every field of `input` (R2 name, R14, R15, event values per version).
///
/// ```
/// use pipedrive_webhooks::{validate, NewWebhook, Policy, Field, Problem};
/// let bad = NewWebhook::new("ftp://example.com", "added", "deal", "x").with_version("2.0");
/// let errs = validate(&bad, &Policy::default()).unwrap_err();
/// assert_eq!(errs.for_field(Field::SubscriptionUrl).unwrap().problem, Problem::UnsupportedScheme);
/// // `added` is a v1 word: with version 2.0 it is refused.
/// assert_eq!(errs.for_field(Field::EventAction).unwrap().problem, Problem::UnknownAction);
/// ```
// Out of line: the planner, the desired-set reader and the JS export call it (wasm size).
#[inline(never)]
pub fn validate(input: &NewWebhook, policy: &Policy) -> Result<ValidWebhook, ValidationErrors> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut err = |field, problem, message: String| errors.push(FieldError { field, problem, message });

    let url = input.subscription_url.trim();
    match check_url(url, policy.max_url_len as usize) {
        Ok(info) => {
            if info.plain_http {
                warnings.push(Warning {
                    field: Field::SubscriptionUrl,
                    code: WarningCode::PlainHttp,
                    message: "plain http: payloads and Basic-auth credentials travel unencrypted; use https".into(),
                });
            }
            if info.not_public {
                warnings.push(Warning {
                    field: Field::SubscriptionUrl,
                    code: WarningCode::NotPublic,
                    message: "Pipedrive cannot reach a loopback or private address; only the sandbox and the local emulator can".into(),
                });
            }
        }
        Err((problem, message)) => err(Field::SubscriptionUrl, problem, message),
    }

    let version = match input.version.as_deref() {
        None => {
            warnings.push(Warning {
                field: Field::Version,
                code: WarningCode::VersionDefaulted,
                message: "no version given: Pipedrive uses 2.0; send it explicitly so a default change cannot break your receiver".into(),
            });
            Some(PayloadVersion::V2)
        }
        Some(v) => {
            let parsed = PayloadVersion::parse(v);
            if parsed.is_none() {
                err(Field::Version, Problem::InvalidVersion, format!("version must be \"1.0\" or \"2.0\", not {}", quoted(&clip(v))));
            }
            parsed
        }
    };

    let object = input.event_object.trim();
    if object.is_empty() {
        err(Field::EventObject, Problem::Required, "event_object is required".into());
    } else if object.len() > 64 || !(object == "*" || object.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
        err(Field::EventObject, Problem::InvalidObject, format!("{} is not an object name (letters, digits, _ or *)", quoted(&clip(object))));
    } else if let Some(v) = version {
        if let Some(other) = version_with_object(object, v) {
            let defaulted = if input.version.is_none() { " (the default when version is omitted)" } else { "" };
            err(
                Field::EventObject,
                Problem::ObjectNotInVersion,
                format!("{} exists only in version {}, not {}{defaulted}; set version to \"{}\" or pick another object", quoted(object), other.as_str(), v.as_str(), other.as_str()),
            );
        } else if !is_known_object(object, v) {
            warnings.push(Warning {
                field: Field::EventObject,
                code: WarningCode::UnknownObject,
                message: format!("{} is not a documented {} object; Pipedrive may refuse it or never send it", quoted(object), v.as_str()),
            });
        }
    }

    let action_text = input.event_action.trim();
    let mut action = None;
    if action_text.is_empty() {
        err(Field::EventAction, Problem::Required, "event_action is required".into());
    } else if let Some(v) = version {
        match EventAction::parse(action_text, v) {
            Some(a) => {
                if a == EventAction::Merged && object != "*" && !object.is_empty() && !MERGEABLE_OBJECTS.contains(&object) {
                    err(
                        Field::EventAction,
                        Problem::ActionNotForObject,
                        format!("merged exists only for deal, person and organization, not {}", quoted(object)),
                    );
                }
                action = Some(a);
            }
            None => {
                let words: Vec<&str> = EventAction::all(v).iter().map(|a| a.as_str()).collect();
                err(
                    Field::EventAction,
                    Problem::UnknownAction,
                    format!("{} is not a version {} action (use one of {})", quoted(&clip(action_text)), v.as_str(), words.join(", ")),
                );
            }
        }
    }

    let name = input.name.trim();
    if name.is_empty() {
        err(Field::Name, Problem::Required, "name is required".into());
    } else if name.chars().count() > policy.max_name_chars as usize {
        err(Field::Name, Problem::TooLong, format!("name is {} characters; at most {} are allowed", name.chars().count(), policy.max_name_chars));
    } else if name.chars().any(char::is_control) {
        err(Field::Name, Problem::ControlCharacters, "name contains control characters".into());
    }

    if input.user_id == Some(0) {
        err(Field::UserId, Problem::InvalidUserId, "user_id must be a positive user id".into());
    }

    let auth_user = input.http_auth_user.as_deref().filter(|s| !s.is_empty());
    let auth_password = input.http_auth_password.as_deref().filter(|s| !s.is_empty());
    if let Some(u) = auth_user {
        if u.contains(':') {
            err(Field::HttpAuthUser, Problem::ColonInUser, "a Basic-auth user name cannot contain ':'".into());
        } else if u.chars().any(char::is_control) {
            err(Field::HttpAuthUser, Problem::ControlCharacters, "the Basic-auth user name contains control characters".into());
        } else if u.len() > 255 {
            err(Field::HttpAuthUser, Problem::TooLong, "the Basic-auth user name is longer than 255 bytes".into());
        }
    }
    if let Some(p) = auth_password {
        if auth_user.is_none() {
            err(Field::HttpAuthPassword, Problem::PasswordWithoutUser, "a Basic-auth password needs a user name".into());
        } else if p.len() > 255 {
            // The message never repeats the password.
            err(Field::HttpAuthPassword, Problem::TooLong, "the Basic-auth password is longer than 255 bytes".into());
        } else if p.chars().any(char::is_control) {
            err(Field::HttpAuthPassword, Problem::ControlCharacters, "the Basic-auth password contains control characters".into());
        }
    }

    if !errors.is_empty() {
        crate::text::sort_small_by_key(&mut errors, |e| e.field);
        return Err(ValidationErrors(errors));
    }
    Ok(ValidWebhook {
        subscription_url: url.to_string(),
        event_action: action.expect("checked above"),
        event_object: object.to_string(),
        name: name.to_string(),
        version: version.expect("checked above"),
        user_id: input.user_id,
        http_auth_user: auth_user.map(str::to_string),
        http_auth_password: auth_password.map(str::to_string),
        warnings,
    })
}

/// Shortens user input before quoting it in a message.
struct UrlInfo {
    plain_http: bool,
    not_public: bool,
}

/// The shape checks of R15. Hand-written rather than the `url` crate: we need only the shape, and
/// `url`'s IDNA tables would cost the panel more than its whole size budget allows for them.
fn check_url(url: &str, max_len: usize) -> Result<UrlInfo, (Problem, String)> {
    if url.is_empty() {
        return Err((Problem::Required, "subscription_url is required".into()));
    }
    if url.len() > max_len {
        return Err((Problem::TooLong, format!("the URL is {} bytes; at most {max_len} are allowed", url.len())));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err((
            Problem::InvalidUrl,
            "the URL contains spaces, control or non-ASCII characters (percent-encode them; use punycode for the host)".into(),
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err((Problem::InvalidUrl, "the URL must be absolute, like https://example.com/pipedrive".into()));
    };
    let plain_http = match scheme.to_ascii_lowercase().as_str() {
        "https" => false,
        "http" => true,
        _ => return Err((Problem::UnsupportedScheme, format!("the URL must use https (or http), not {}", quoted(&clip(scheme))))),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err((
            Problem::CredentialsInUrl,
            "put credentials in http_auth_user and http_auth_password, not in the URL".into(),
        ));
    }
    let (host, port) = split_host_port(authority).ok_or((Problem::InvalidUrl, "the URL's host or port is malformed".to_string()))?;
    if host.is_empty() {
        return Err((Problem::InvalidUrl, "the URL has no host".into()));
    }
    if let Some(p) = port {
        if !(1..=65535).contains(&p) {
            return Err((Problem::InvalidUrl, "the port must be between 1 and 65535".into()));
        }
    }
    let host = host.to_ascii_lowercase();
    let is_ipv6 = host.starts_with('[');
    if !is_ipv6 && !valid_hostname(&host) {
        return Err((Problem::InvalidUrl, format!("{} is not a valid host name", quoted(&clip(&host)))));
    }
    if host == "pipedrive.com" || host.ends_with(".pipedrive.com") {
        return Err((Problem::PipedriveHost, "Pipedrive refuses its own hosts as subscription URLs".into()));
    }
    Ok(UrlInfo { plain_http, not_public: is_not_public(&host) })
}

/// `host[:port]` or `[v6][:port]`; `None` when malformed.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<u32>)> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6.find(']')?;
        let inner = &v6[..close];
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        let after = &v6[close + 1..];
        (&authority[..close + 2], if after.is_empty() { None } else { Some(after.strip_prefix(':')?) })
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

pub(crate) fn valid_hostname(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn is_not_public(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let octets: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
    match octets[..] {
        [a, b, _, _] if host.split('.').count() == 4 => {
            a == 127 || a == 10 || a == 0 || (a == 192 && b == 168) || (a == 172 && (16..=31).contains(&b)) || (a == 169 && b == 254)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_problem(url: &str) -> Option<Problem> {
        let input = NewWebhook::new(url, "create", "deal", "n").with_version("2.0");
        validate(&input, &Policy::default()).err().and_then(|e| e.for_field(Field::SubscriptionUrl).map(|f| f.problem))
    }

    #[test]
    fn r15_accepts_absolute_http_and_https_urls() {
        for ok in [
            "https://example.com",
            "https://hooks.example.com:8443/pipedrive?x=1#f",
            "http://127.0.0.1:9000/hook",
            "https://[2001:db8::1]:443/h",
            "HTTPS://Example.COM/Path",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn r15_refuses_malformed_relative_foreign_and_pipedrive_urls() {
        let cases = [
            ("", Problem::Required),
            ("example.com/hook", Problem::InvalidUrl),
            ("/hook", Problem::InvalidUrl),
            ("ftp://example.com", Problem::UnsupportedScheme),
            ("javascript://alert(1)", Problem::UnsupportedScheme),
            ("https://", Problem::InvalidUrl),
            ("https://exa mple.com", Problem::InvalidUrl),
            ("https://example.com:0/", Problem::InvalidUrl),
            ("https://example.com:99999/", Problem::InvalidUrl),
            ("https://example.com:/", Problem::InvalidUrl),
            ("https://-bad-.com/", Problem::InvalidUrl),
            ("https://user:pw@example.com/", Problem::CredentialsInUrl),
            ("https://api.pipedrive.com/v1/webhooks", Problem::PipedriveHost),
            ("https://acme.PIPEDRIVE.com/api/v1", Problem::PipedriveHost),
            ("https://exämple.com/", Problem::InvalidUrl),
        ];
        for (url, problem) in cases {
            assert_eq!(url_problem(url), Some(problem), "{url:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(3000));
        assert_eq!(url_problem(&long), Some(Problem::TooLong));
    }

    #[test]
    fn warnings_for_plain_http_private_hosts_and_unknown_objects() {
        let input = NewWebhook::new("http://localhost:3000/h", "create", "invoice", "n").with_version("2.0");
        let v = validate(&input, &Policy::default()).unwrap();
        let codes: Vec<WarningCode> = v.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, vec![WarningCode::PlainHttp, WarningCode::NotPublic, WarningCode::UnknownObject]);
    }

    #[test]
    fn missing_version_defaults_to_2_with_a_warning() {
        let v = validate(&NewWebhook::new("https://e.com", "change", "deal", "n"), &Policy::default()).unwrap();
        assert_eq!(v.version, PayloadVersion::V2);
        assert_eq!(v.warnings[0].code, WarningCode::VersionDefaulted);
    }

    #[test]
    fn actions_follow_the_version_and_merged_only_for_three_objects() {
        let p = Policy::default();
        let v1 = |a: &str, o: &str| validate(&NewWebhook::new("https://e.com", a, o, "n").with_version("1.0"), &p);
        assert!(v1("merged", "deal").is_ok());
        assert!(v1("merged", "person").is_ok());
        assert_eq!(v1("merged", "activity").unwrap_err().0[0].problem, Problem::ActionNotForObject);
        assert_eq!(v1("create", "deal").unwrap_err().0[0].problem, Problem::UnknownAction);
        assert!(v1("*", "activityType").unwrap().warnings.is_empty());
        let v2 = |a: &str, o: &str| validate(&NewWebhook::new("https://e.com", a, o, "n").with_version("2.0"), &p);
        assert!(v2("delete", "lead").unwrap().warnings.is_empty());
        assert_eq!(v2("merged", "deal").unwrap_err().0[0].problem, Problem::UnknownAction);
        assert_eq!(v2("create", "deal; drop").unwrap_err().0[0].problem, Problem::InvalidObject);
    }

    #[test]
    fn name_is_required_and_at_most_255_characters() {
        let p = Policy::default();
        let named = |n: &str| validate(&NewWebhook::new("https://e.com", "create", "deal", n).with_version("2"), &p);
        assert_eq!(named("  ").unwrap_err().0[0].problem, Problem::Required);
        assert!(named(&"é".repeat(255)).is_ok());
        assert_eq!(named(&"é".repeat(256)).unwrap_err().0[0].problem, Problem::TooLong);
    }

    #[test]
    fn r14_basic_auth_fields() {
        let p = Policy::default();
        let mut input = NewWebhook::new("https://e.com", "create", "deal", "n").with_version("2.0");
        input.http_auth_password = Some("s3cret".into());
        let errs = validate(&input, &p).unwrap_err();
        assert_eq!(errs.0[0].problem, Problem::PasswordWithoutUser);
        assert!(!errs.to_string().contains("s3cret"), "never echo the password");
        input.http_auth_user = Some("a:b".into());
        assert_eq!(validate(&input, &p).unwrap_err().0[0].problem, Problem::ColonInUser);
        input.http_auth_user = Some("pipedrive".into());
        let ok = validate(&input, &p).unwrap();
        assert_eq!(ok.http_auth_password.as_deref(), Some("s3cret"));
    }

    #[test]
    fn all_problems_are_reported_at_once_in_field_order() {
        let errs = validate(&NewWebhook::default().with_version("3.0"), &Policy::default()).unwrap_err();
        let fields: Vec<Field> = errs.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::SubscriptionUrl, Field::EventAction, Field::EventObject, Field::Name, Field::Version]);
    }
}
