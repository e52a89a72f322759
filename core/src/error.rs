//! The API's errors: what the account refuses, what a response decodes to, and the exact HTTP status
//! and JSON body Pipedrive sends for each (domain reference, section 2).

use crate::policy::Millis;
use crate::rate_limit::RateLimitScope;
use crate::validation::ValidationErrors;
use crate::webhook::WebhookId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The `error_info` of Pipedrive's generic error envelope.
pub const PIPEDRIVE_ERROR_INFO: &str = "Please check developers.pipedrive.com for more information about Pipedrive API.";

/// One field's message from a 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

/// An error of Pipedrive's webhooks API, with a stable [`code`](ApiError::code).
///
/// ```
/// use pipedrive_webhooks::ApiError;
/// let e = ApiError::LimitReached { limit: 40, message: "40 of 40 used".into() };
/// assert_eq!((e.status(), e.code()), (422, "LIMIT_REACHED"));
/// assert_eq!(e.body()["success"], false);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiError {
    /// 401: the token is missing, invalid or expired.
    #[error("unauthorized: the API token or access token is missing, invalid or expired")]
    Unauthorized,
    /// 403: not this caller's webhook (R6), or a missing scope (R1).
    #[error("forbidden: {reason}")]
    Forbidden { reason: String, missing_scope: Option<String> },
    /// 404: no such webhook.
    #[error("not found: {}", .id.map(|i| format!("webhook {i} does not exist")).unwrap_or_else(|| "no such webhook".into()))]
    NotFound { id: Option<WebhookId> },
    /// 400: field errors.
    #[error("invalid input: {}", .errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    InvalidField { errors: Vec<FieldMessage> },
    /// 422: the webhook limit is reached (R2).
    #[error("limit reached: {message}")]
    LimitReached { limit: u32, message: String },
    /// 429: too many requests; wait this long before retrying. `scope` says which limit: the
    /// per-token burst window, or the company's daily budget (not retried automatically).
    #[error("{}", rate_limited_text(*.scope, *.retry_after_ms))]
    RateLimited {
        retry_after_ms: Option<Millis>,
        #[serde(default)]
        scope: RateLimitScope,
    },
    /// Another error status with a readable body.
    #[error("server error (HTTP {status}): {message}")]
    ServerError { status: u16, message: String },
    /// A body that is not Pipedrive's JSON (HTML, empty, garbage).
    #[error("unexpected response (HTTP {status}): {detail}")]
    UnexpectedResponse { status: u16, detail: String },
}

/// `rate limited (burst): retry in 2.0 s`, `daily request budget used up: resets in about 66 min`.
fn rate_limited_text(scope: RateLimitScope, retry_after_ms: Option<Millis>) -> String {
    match (scope, retry_after_ms) {
        (RateLimitScope::Burst, Some(ms)) => format!("rate limited (burst limit): retry in {} s", crate::time::seconds_text(ms)),
        (RateLimitScope::Burst, None) => "rate limited (burst limit): retry later, backing off".into(),
        (RateLimitScope::Daily, Some(ms)) => format!("rate limited: the company's daily token budget is used up; it resets in {}", crate::time::wait_text(ms)),
        (RateLimitScope::Daily, None) => "rate limited: the company's daily token budget is used up; it resets at midnight Pipedrive server time".into(),
    }
}

impl ApiError {
    /// The stable code JS callers switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "UNAUTHORIZED",
            ApiError::Forbidden { .. } => "FORBIDDEN",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::InvalidField { .. } => "INVALID_FIELD",
            ApiError::LimitReached { .. } => "LIMIT_REACHED",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::ServerError { .. } => "SERVER_ERROR",
            ApiError::UnexpectedResponse { .. } => "UNEXPECTED_RESPONSE",
        }
    }

    /// The HTTP status Pipedrive answers with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::InvalidField { .. } => 400,
            ApiError::LimitReached { .. } => 422,
            ApiError::RateLimited { .. } => 429,
            ApiError::ServerError { status, .. } | ApiError::UnexpectedResponse { status, .. } => *status,
        }
    }

    /// The JSON body Pipedrive sends with [`status`](ApiError::status) (they are not uniform).
    pub fn body(&self) -> Value {
        match self {
            ApiError::Unauthorized => json!({"success": false, "error": "unauthorized access", "errorCode": 401}),
            ApiError::Forbidden { .. } => json!({"success": false, "message": "Forbidden"}),
            ApiError::NotFound { .. } => json!({"success": false, "status": "error", "errors": {"id": ["not found"]}}),
            ApiError::InvalidField { errors } => {
                let mut map = Map::new();
                for e in errors {
                    let list = map.entry(e.field.clone()).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = list {
                        items.push(Value::String(e.message.clone()));
                    }
                }
                json!({"success": false, "status": "error", "errors": map})
            }
            // Pipedrive's wording only: the project's own explanations (rule numbers) stay in
            // `Display`, never in a body a client sees as Pipedrive's.
            ApiError::LimitReached { .. } => {
                json!({"success": false, "error": "Webhooks limit reached", "error_info": PIPEDRIVE_ERROR_INFO, "data": null})
            }
            ApiError::RateLimited { scope: RateLimitScope::Burst, .. } => {
                json!({"success": false, "error": "Request over limit", "errorCode": 429, "error_info": PIPEDRIVE_ERROR_INFO, "data": null})
            }
            ApiError::RateLimited { scope: RateLimitScope::Daily, .. } => {
                json!({"success": false, "error": "daily request budget exceeded", "errorCode": 429})
            }
            ApiError::ServerError { message, .. } | ApiError::UnexpectedResponse { detail: message, .. } => {
                json!({"success": false, "error": message, "error_info": PIPEDRIVE_ERROR_INFO, "data": null})
            }
        }
    }

    /// The field an error belongs to, when it is about one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::InvalidField { errors } => errors.first().map(|e| e.field.as_str()),
            ApiError::NotFound { .. } => Some("id"),
            _ => None,
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(v: ValidationErrors) -> Self {
        ApiError::InvalidField {
            errors: v.0.into_iter().map(|e| FieldMessage { field: e.field.as_str().to_string(), message: e.message }).collect(),
        }
    }
}
