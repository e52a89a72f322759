//! Who exists in the emulated company: users, apps, installs, and the tokens that act as them.

use pipedrive_webhooks::{Account, App, Caller, Policy, User};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A seed file (`--seed FILE`), JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    pub company_id: u64,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    /// `[appId, userId]` pairs.
    pub installs: Vec<(u64, u64)>,
    /// Token → who it acts as: `{"kind": "user", "userId": 1}` (an API token, sent as
    /// `x-api-token` or `?api_token=`) or `{"kind": "app", "appId": 1, "userId": 1}` (an OAuth
    /// access token, sent as `Authorization: Bearer`).
    pub tokens: BTreeMap<String, Caller>,
    #[serde(default)]
    pub policy: Option<Policy>,
}

impl Default for Seed {
    /// An admin and a user, your app and another app installed for both, a token for each.
    fn default() -> Self {
        let user = |id, name: &str, is_admin| User { id, name: name.into(), is_admin };
        let app = |id, name: &str, scopes: &[&str]| App { id, name: name.into(), scopes: scopes.iter().map(|s| s.to_string()).collect(), listed: true };
        let tokens = [
            ("admin-api-token", Caller::User { user_id: 1 }),
            ("user-api-token", Caller::User { user_id: 2 }),
            ("app-token-admin", Caller::App { app_id: 1, user_id: 1 }),
            ("app-token-user", Caller::App { app_id: 1, user_id: 2 }),
            ("other-app-token", Caller::App { app_id: 2, user_id: 1 }),
            ("read-only-app-token", Caller::App { app_id: 3, user_id: 1 }),
        ];
        Seed {
            company_id: 1,
            users: vec![user(1, "Ana Admin", true), user(2, "Ben User", false)],
            apps: vec![app(1, "Your app", &["webhooks:full"]), app(2, "Other app", &["admin"]), app(3, "Read-only app", &["webhooks:read"])],
            installs: vec![(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)],
            tokens: tokens.into_iter().map(|(t, c)| (t.to_string(), c)).collect(),
            policy: None,
        }
    }
}

impl Seed {
    /// The account this seed describes; an error names what is inconsistent.
    pub fn account(&self) -> Result<Account, String> {
        let mut a = Account::new(self.company_id, self.policy.unwrap_or_default());
        for u in &self.users {
            a.add_user(u.clone()).map_err(|e| e.to_string())?;
        }
        for app in &self.apps {
            a.add_app(app.clone()).map_err(|e| e.to_string())?;
        }
        for (app, user) in &self.installs {
            a.install(*app, *user).map_err(|e| format!("install of app {app} for user {user}: {e}"))?;
        }
        Ok(a)
    }
}
