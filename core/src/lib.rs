//! Pipedrive's rules for app-specific webhooks, as a pure engine.
//!
//! Every rule is a function of (state, input, `now`) → (new state, outcome): no I/O, no clock,
//! no unseeded randomness. Rule numbers (R1–R15) refer to the project's domain reference
//! (`shared/pipedrive-webhooks.md`), summarised in the README.
//!
//! ```
//! use pipedrive_webhooks::{validate, NewWebhook, Policy};
//! let input = NewWebhook::new("https://example.com/pipedrive", "change", "deal", "Deal changes").with_version("2.0");
//! assert!(validate(&input, &Policy::default()).is_ok());
//! ```

pub mod account;
pub mod catalog;
pub mod chart;
pub mod delivery;
pub mod desired;
pub mod duplicate;
pub mod emulator_api;
pub mod error;
pub mod event;
pub mod health;
pub mod json_read;
pub mod payload;
pub mod permission;
pub mod policy;
pub mod projection;
pub mod rate_limit;
pub mod receiver_check;
pub mod relay;
pub mod rng;
pub mod rules;
pub mod sandbox;
pub mod simulator;
pub mod sync;
pub mod text;
pub mod time;
pub mod validation;
pub mod webhook;
pub mod wire;

pub use account::{Account, App, Entry, Quota, Removal, RemovalReason, SetupError, User};
pub use delivery::{Admission, AttemptOutcome, DeliveryState, Next, Response, Rule, Standing, TickOutcome};
pub use error::{ApiError, FieldMessage};
pub use event::EventAction;
pub use permission::{may_delete, may_see, Caller, DenyReason};
pub use policy::{Millis, Policy, DAY, HOUR, MINUTE, SECOND};
pub use validation::{validate, Field, FieldError, NewWebhook, Problem, ValidWebhook, ValidationErrors, Warning, WarningCode};
pub use webhook::{AppId, PayloadVersion, UserId, Webhook, WebhookId, WebhookType};

#[cfg(feature = "js")]
pub mod js;
