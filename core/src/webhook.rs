//! The webhook as the core models it: ids, type (R3), payload version and the stored record.

use crate::policy::Millis;
use serde::{Deserialize, Serialize};

/// A webhook's id. Ids only increase; a deleted id is never reused.
pub type WebhookId = u64;
/// A Pipedrive user's id.
pub type UserId = u64;
/// A Marketplace app's id (its OAuth client).
pub type AppId = u64;

/// Who made a webhook (R3). Unknown values are kept verbatim and shown, never rejected.
///
/// ```
/// use pipedrive_webhooks::WebhookType;
/// assert_eq!(WebhookType::parse("application"), WebhookType::Application);
/// assert_eq!(WebhookType::parse("partner").as_str(), "partner");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum WebhookType {
    /// Created by an app through OAuth; invisible in Pipedrive's web app (R4).
    Application,
    /// Created by a user, in the web app or with an API token.
    General,
    /// Undocumented; treated as general-like and read-only.
    Automation,
    /// Any other value Pipedrive may send one day.
    Other(String),
}

impl WebhookType {
    /// Reads Pipedrive's `type` string.
    pub fn parse(s: &str) -> Self {
        match s {
            "application" => Self::Application,
            "general" => Self::General,
            "automation" => Self::Automation,
            other => Self::Other(other.to_string()),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Application => "application",
            Self::General => "general",
            Self::Automation => "automation",
            Self::Other(s) => s,
        }
    }
}

impl From<String> for WebhookType {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}

impl From<WebhookType> for String {
    fn from(t: WebhookType) -> Self {
        t.as_str().to_string()
    }
}

/// The payload format a webhook delivers: `"1.0"` (legacy) or `"2.0"` (the default since 2025-03-17).
///
/// ```
/// use pipedrive_webhooks::PayloadVersion;
/// assert_eq!(PayloadVersion::parse("1.0"), Some(PayloadVersion::V1));
/// assert_eq!(PayloadVersion::V2.as_str(), "2.0");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PayloadVersion {
    #[serde(rename = "1.0")]
    V1,
    #[serde(rename = "2.0")]
    #[default]
    V2,
}

impl PayloadVersion {
    /// Reads `"1.0"`/`"1"` or `"2.0"`/`"2"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "1.0" | "1" => Some(Self::V1),
            "2.0" | "2" => Some(Self::V2),
            _ => None,
        }
    }

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "1.0",
            Self::V2 => "2.0",
        }
    }
}

/// A webhook as Pipedrive stores it. Delivery standing (bans, deletion) lives in
/// [`crate::DeliveryState`], beside it in the [`crate::Account`].
///
/// ```
/// use pipedrive_webhooks::{Webhook, WebhookType, PayloadVersion};
/// let w = Webhook::example();
/// assert_eq!(w.webhook_type, WebhookType::Application);
/// assert_eq!(w.event(), "create.deal");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub company_id: u64,
    /// The user who created it (for app webhooks: the app user the app acted for).
    pub owner_id: UserId,
    /// Whose permissions deliveries use.
    pub user_id: UserId,
    /// The app that created it; `None` for general and automation webhooks.
    #[serde(default)]
    pub app_id: Option<AppId>,
    #[serde(rename = "type")]
    pub webhook_type: WebhookType,
    pub event_action: String,
    pub event_object: String,
    pub subscription_url: String,
    pub name: String,
    pub version: PayloadVersion,
    #[serde(default)]
    pub http_auth_user: Option<String>,
    #[serde(default)]
    pub http_auth_password: Option<String>,
    pub add_time: Millis,
}

impl Webhook {
    /// `action.object`, as the panel and Pipedrive's v1 `event` field write it.
    pub fn event(&self) -> String {
        format!("{}.{}", self.event_action, self.event_object)
    }

    /// A filled-in application webhook, for examples and tests.
    pub fn example() -> Self {
        Webhook {
            id: 1,
            company_id: 1,
            owner_id: 1,
            user_id: 1,
            app_id: Some(1),
            webhook_type: WebhookType::Application,
            event_action: "create".into(),
            event_object: "deal".into(),
            subscription_url: "https://hooks.example.com/pipedrive".into(),
            name: "Deals to CRM sync".into(),
            version: PayloadVersion::V2,
            http_auth_user: None,
            http_auth_password: None,
            add_time: 1_767_225_600_000,
        }
    }
}
