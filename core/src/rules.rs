//! Pipedrive's rules for app-specific webhooks, R1–R15, in plain words, each with the page of
//! Pipedrive's documentation it comes from (domain reference, section 1). The panel's Rules page
//! lists them and every rule number it shows links to its entry.

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleEntry {
    /// `"R12"`.
    pub id: &'static str,
    /// A few words.
    pub title: &'static str,
    /// The rule in plain words, with the project's decision where Pipedrive's docs are silent.
    pub text: &'static str,
    /// Pipedrive's documentation of it.
    pub doc_url: &'static str,
}

const APPS: &str = "https://pipedrive.readme.io/docs/webhooks-for-apps";
const GUIDE: &str = "https://pipedrive.readme.io/docs/guide-for-webhooks";
const API: &str = "https://developers.pipedrive.com/docs/api/v1/Webhooks";

/// R1–R15, in order.
///
/// ```
/// use pipedrive_webhooks::rules::{rule, RULES};
/// assert_eq!(RULES.len(), 15);
/// assert!(rule("R12").unwrap().text.contains("30 minutes"));
/// assert!(rule("R16").is_none());
/// ```
pub const RULES: [RuleEntry; 15] = [
    RuleEntry { id: "R1", title: "Scopes", text: "An app creates and deletes webhooks only with the webhooks:full (or admin) scope; webhooks:read only lists them. Without it Pipedrive answers 403.", doc_url: APPS },
    RuleEntry { id: "R2", title: "At most 40", text: "An app may have at most 40 webhooks per app user (and a user at most 40 general webhooks). The 41st is refused with 422; deleting one frees its slot.", doc_url: APPS },
    RuleEntry { id: "R3", title: "Types", text: "application webhooks are made by an app (OAuth), general ones by a user; automation ones are read-only. Unknown types are kept as they are.", doc_url: API },
    RuleEntry { id: "R4", title: "Invisible in Pipedrive", text: "App webhooks never appear in Pipedrive's web app: only the API (and this panel) shows them.", doc_url: APPS },
    RuleEntry { id: "R5", title: "Who sees what", text: "An app listing webhooks sees its user's general webhooks plus its own app webhooks for that user, never another app's or another user's.", doc_url: APPS },
    RuleEntry { id: "R6", title: "Who deletes what", text: "Only the app that made an app webhook may delete it, acting for the user it made it for; a user deletes their own general webhooks, an admin anyone's. A caller deletes only what it may list; otherwise 403 (404 for an unknown id).", doc_url: APPS },
    RuleEntry { id: "R7", title: "Uninstall", text: "When a user uninstalls the app, every webhook the app made for that user is removed, and the app's token for them stops working.", doc_url: APPS },
    RuleEntry { id: "R8", title: "Leaving the Marketplace", text: "When the app is removed from the Marketplace, all its webhooks are removed, for every user.", doc_url: APPS },
    RuleEntry { id: "R9", title: "A delivery succeeds", text: "A delivery succeeds only on a 2xx answer within 10 seconds (exactly 10 000 ms still succeeds). A redirect, any other status, a refused connection or a timeout fails.", doc_url: GUIDE },
    RuleEntry { id: "R10", title: "Retries", text: "A failed first attempt is retried 3 s, 30 s and 150 s after each failed attempt ends; when all four fail, the event is lost.", doc_url: GUIDE },
    RuleEntry { id: "R11", title: "The ban counter", text: "Each failed first attempt adds 1 to the webhook's ban counter; failed retries add nothing, and successes do not lower it.", doc_url: GUIDE },
    RuleEntry { id: "R12", title: "Bans", text: "At 10 on the counter the webhook is banned for 30 minutes: nothing is sent and its events are lost. When the ban ends, the counter is 0 again.", doc_url: GUIDE },
    RuleEntry { id: "R13", title: "Deletion after 3 days", text: "A webhook with no successful delivery for 72 hours (from the first failure after its last success) is deleted, without notice.", doc_url: GUIDE },
    RuleEntry { id: "R14", title: "Basic auth", text: "A webhook may carry http_auth_user and http_auth_password, sent as Basic auth with every delivery. They are write-only: Pipedrive answers them as opaque ciphertext (v1u:…), so never show or compare them; changing them means replacing the webhook.", doc_url: API },
    RuleEntry { id: "R15", title: "Subscription URLs", text: "The URL must be absolute http(s) with a host Pipedrive can reach, not Pipedrive's own; redirects are not followed and self-signed certificates are refused.", doc_url: API },
];

/// The entry of rule `id` (`"R7"`).
pub fn rule(id: &str) -> Option<&'static RuleEntry> {
    RULES.iter().find(|r| r.id == id)
}

/// Splits `text` into plain parts and rule numbers (`"R1"`…`"R15"`), so a page can link each
/// number to its entry: `(part, is_rule)`.
///
/// ```
/// use pipedrive_webhooks::rules::split_rule_numbers;
/// assert_eq!(split_rule_numbers("banned (R12), see R9+R10"), vec![("banned (", false), ("R12", true), ("), see ", false), ("R9", true), ("+", false), ("R10", true)]);
/// assert_eq!(split_rule_numbers("R2D2 and R99"), vec![("R2D2 and R99", false)]);
/// ```
pub fn split_rule_numbers(text: &str) -> Vec<(&str, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let boundary_before = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if b[i] == b'R' && boundary_before {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let end = i + 1 + digits;
            let boundary_after = end == b.len() || !b[end].is_ascii_alphanumeric();
            if digits > 0 && boundary_after && rule(&text[i..end]).is_some() {
                if start < i {
                    out.push((&text[start..i], false));
                }
                out.push((&text[i..end], true));
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if start < b.len() {
        out.push((&text[start..], false));
    }
    out
}
