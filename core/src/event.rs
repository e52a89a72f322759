//! Event actions and objects per payload version (the `event_action`/`event_object` of a webhook).

use crate::webhook::PayloadVersion;
use serde::{Deserialize, Serialize};

/// What happened to an object, in either version's words.
///
/// ```
/// use pipedrive_webhooks::{EventAction, PayloadVersion};
/// assert_eq!(EventAction::parse("added", PayloadVersion::V1), Some(EventAction::Added));
/// assert_eq!(EventAction::parse("added", PayloadVersion::V2), None);
/// assert_eq!(EventAction::Added.to_v2(), EventAction::Create);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventAction {
    // v1
    Added,
    Updated,
    Merged,
    Deleted,
    // v2
    Create,
    Change,
    Delete,
    /// `*`: every action.
    #[serde(rename = "*")]
    Any,
}

/// The objects both versions know.
pub const COMMON_OBJECTS: &[&str] =
    &["activity", "deal", "note", "organization", "person", "pipeline", "product", "stage", "user"];
/// Objects only v1 knows.
pub const V1_ONLY_OBJECTS: &[&str] = &["activityType"];
/// Objects only v2 knows (including the 2026 additions).
pub const V2_ONLY_OBJECTS: &[&str] =
    &["lead", "deal_product", "deal_installment", "project", "task", "board", "phase"];
/// Objects `merged` applies to (v1).
pub const MERGEABLE_OBJECTS: &[&str] = &["deal", "person", "organization"];

impl EventAction {
    /// The actions a version accepts, `*` last.
    pub fn all(version: PayloadVersion) -> &'static [EventAction] {
        use EventAction::*;
        match version {
            PayloadVersion::V1 => &[Added, Updated, Merged, Deleted, Any],
            PayloadVersion::V2 => &[Create, Change, Delete, Any],
        }
    }

    /// Reads an action in `version`'s vocabulary; the other version's words are refused.
    pub fn parse(s: &str, version: PayloadVersion) -> Option<Self> {
        Self::all(version).iter().copied().find(|a| a.as_str() == s)
    }

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        use EventAction::*;
        match self {
            Added => "added",
            Updated => "updated",
            Merged => "merged",
            Deleted => "deleted",
            Create => "create",
            Change => "change",
            Delete => "delete",
            Any => "*",
        }
    }

    /// This action in `version`'s words (v2 → v1: create→added, change→updated, delete→deleted),
    /// so switching a form's version keeps the meaning.
    ///
    /// ```
    /// use pipedrive_webhooks::{EventAction, PayloadVersion};
    /// assert_eq!(EventAction::Change.in_version(PayloadVersion::V1), EventAction::Updated);
    /// assert_eq!(EventAction::Merged.in_version(PayloadVersion::V2), EventAction::Change);
    /// assert_eq!(EventAction::Any.in_version(PayloadVersion::V1), EventAction::Any);
    /// ```
    pub fn in_version(self, version: PayloadVersion) -> Self {
        use EventAction::*;
        match (version, self.to_v2()) {
            (PayloadVersion::V2, v2) => v2,
            (PayloadVersion::V1, Create) => Added,
            (PayloadVersion::V1, Change) if self == Merged => Merged,
            (PayloadVersion::V1, Change) => Updated,
            (PayloadVersion::V1, Delete) => Deleted,
            (PayloadVersion::V1, other) => other,
        }
    }

    /// The v2 word for this action (v1 → v2: added→create, updated/merged→change, deleted→delete).
    pub fn to_v2(self) -> Self {
        use EventAction::*;
        match self {
            Added => Create,
            Updated | Merged => Change,
            Deleted => Delete,
            other => other,
        }
    }
}

/// Whether `object` is one Pipedrive documents for `version`. Unknown objects are allowed
/// (the set grows) but deserve a warning.
///
/// ```
/// use pipedrive_webhooks::{event::is_known_object, PayloadVersion};
/// assert!(is_known_object("lead", PayloadVersion::V2));
/// assert!(!is_known_object("lead", PayloadVersion::V1));
/// assert!(is_known_object("*", PayloadVersion::V1));
/// ```
pub fn is_known_object(object: &str, version: PayloadVersion) -> bool {
    let own = match version {
        PayloadVersion::V1 => V1_ONLY_OBJECTS,
        PayloadVersion::V2 => V2_ONLY_OBJECTS,
    };
    object == "*" || COMMON_OBJECTS.contains(&object) || own.contains(&object)
}

/// The other version, when `object` is documented only there (`activityType` is v1's only,
/// `lead` and the 2026 objects v2's only); `None` for objects `version` has, and unknown ones.
///
/// ```
/// use pipedrive_webhooks::{event::version_with_object, PayloadVersion};
/// assert_eq!(version_with_object("activityType", PayloadVersion::V2), Some(PayloadVersion::V1));
/// assert_eq!(version_with_object("lead", PayloadVersion::V1), Some(PayloadVersion::V2));
/// assert_eq!(version_with_object("deal", PayloadVersion::V1), None);
/// assert_eq!(version_with_object("spaceship", PayloadVersion::V2), None);
/// ```
pub fn version_with_object(object: &str, version: PayloadVersion) -> Option<PayloadVersion> {
    match version {
        PayloadVersion::V2 if V1_ONLY_OBJECTS.contains(&object) => Some(PayloadVersion::V1),
        PayloadVersion::V1 if V2_ONLY_OBJECTS.contains(&object) => Some(PayloadVersion::V2),
        _ => None,
    }
}

/// The objects a version documents, `*` last: the options of the panel's object select.
pub fn known_objects(version: PayloadVersion) -> Vec<&'static str> {
    let own = match version {
        PayloadVersion::V1 => V1_ONLY_OBJECTS,
        PayloadVersion::V2 => V2_ONLY_OBJECTS,
    };
    COMMON_OBJECTS.iter().chain(own).copied().chain(["*"]).collect()
}

/// Whether a webhook subscribed to (`action`, `object`) receives an event (`event_action` in v2
/// words, `event_object`). Wildcards match anything.
///
/// ```
/// use pipedrive_webhooks::{event::subscription_matches, EventAction};
/// assert!(subscription_matches(EventAction::Added, "deal", EventAction::Create, "deal"));
/// assert!(subscription_matches(EventAction::Any, "*", EventAction::Delete, "person"));
/// assert!(!subscription_matches(EventAction::Updated, "deal", EventAction::Change, "person"));
/// ```
pub fn subscription_matches(action: EventAction, object: &str, event_action: EventAction, event_object: &str) -> bool {
    let action_ok = action == EventAction::Any || action.to_v2() == event_action.to_v2();
    action_ok && (object == "*" || object == event_object)
}
