//! `Account` for JS: the sandbox company, answering like Pipedrive's API.

use super::convert::{api_error, error, from_js, json_text, millis, read_tree, to_js, whole};
use crate::account::{Account, App, User};
use crate::delivery::Response;
use crate::event::EventAction;
use crate::permission::{may_delete, Caller};
use crate::wire::webhook_json;
use wasm_bindgen::prelude::*;

/// An in-memory Pipedrive company (users, apps, installs, webhooks), serialisable.
///
/// ```js
/// const acct = new Account(1);
/// acct.addUser({ id: 1, name: "Ana", isAdmin: true });
/// acct.addApp({ id: 9, name: "My app", scopes: ["webhooks:full"] });
/// acct.install(9, 1);
/// const me = { kind: "app", appId: 9, userId: 1 };
/// acct.create(me, { subscription_url: "https://example.com/h", event_action: "change", event_object: "deal", name: "Deals", version: "2.0" }, Date.now());
/// ```
#[wasm_bindgen(js_name = Account)]
pub struct JsAccount {
    inner: Account,
}

fn caller(value: JsValue) -> Result<Caller, JsValue> {
    from_js(value, "caller ({ kind: \"app\", appId, userId } or { kind: \"user\", userId })")
}

#[wasm_bindgen(js_class = Account)]
impl JsAccount {
    /// An empty company; `policy` overrides Pipedrive's defaults field by field.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(js_name = "companyId")] company_id: f64, #[wasm_bindgen(unchecked_param_type = "Partial<Policy>")] policy: Option<JsValue>) -> Result<JsAccount, JsValue> {
        Ok(JsAccount { inner: Account::new(whole(company_id, "companyId")?, super::policy_from(policy.unwrap_or(JsValue::UNDEFINED))?) })
    }

    /// Restores an account from `toJSON()`'s output (an object or its JSON text).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(#[wasm_bindgen(unchecked_param_type = "string | object")] state: JsValue) -> Result<JsAccount, JsValue> {
        let inner = match state.as_string() {
            Some(text) => read_tree(&json_text(&text, "account state")?, "account state")?,
            None => from_js(state, "account state")?,
        };
        Ok(JsAccount { inner })
    }

    /// The whole state as a plain object (`JSON.stringify(account)` uses it).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "object")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }

    #[wasm_bindgen(js_name = addUser)]
    pub fn add_user(&mut self, #[wasm_bindgen(unchecked_param_type = "User")] user: JsValue) -> Result<(), JsValue> {
        let user: User = from_js(user, "user")?;
        self.inner.add_user(user).map_err(|e| error("INVALID_INPUT", &e.to_string(), None))
    }

    #[wasm_bindgen(js_name = addApp)]
    pub fn add_app(&mut self, #[wasm_bindgen(unchecked_param_type = "AppInput")] app: JsValue) -> Result<(), JsValue> {
        let app: App = from_js(app, "app")?;
        self.inner.add_app(app).map_err(|e| error("INVALID_INPUT", &e.to_string(), None))
    }

    /// `userId` installs `appId`.
    pub fn install(&mut self, #[wasm_bindgen(js_name = "appId")] app_id: f64, #[wasm_bindgen(js_name = "userId")] user_id: f64) -> Result<(), JsValue> {
        self.inner
            .install(whole(app_id, "appId")?, whole(user_id, "userId")?)
            .map_err(|e| error("INVALID_INPUT", &e.to_string(), None))
    }

    /// `GET /v1/webhooks` as `caller` (R5): Pipedrive's webhook objects.
    #[wasm_bindgen(unchecked_return_type = "PipedriveWebhook[]")]
    pub fn list(&self, #[wasm_bindgen(unchecked_param_type = "Caller")] who: JsValue) -> Result<JsValue, JsValue> {
        let entries = self.inner.list(&caller(who)?).map_err(|e| api_error(&e))?;
        to_js(&entries.iter().map(|e| webhook_json(&e.webhook, &e.delivery)).collect::<Vec<_>>())
    }

    /// `POST /v1/webhooks` as `caller` at `now` (R1, R2, R14, R15).
    #[wasm_bindgen(unchecked_return_type = "PipedriveWebhook")]
    pub fn create(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Caller")] who: JsValue,
        #[wasm_bindgen(unchecked_param_type = "NewWebhook")] input: JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let input = from_js(input, "webhook")?;
        let w = self.inner.create(&caller(who)?, &input, millis(now, "now")?).map_err(|e| api_error(&e))?;
        to_js(&webhook_json(&w, &Default::default()))
    }

    /// `DELETE /v1/webhooks/{id}` as `caller` (R6). Returns the deleted webhook.
    #[wasm_bindgen(unchecked_return_type = "PipedriveWebhook")]
    pub fn delete(&mut self, #[wasm_bindgen(unchecked_param_type = "Caller")] who: JsValue, id: f64, now: f64) -> Result<JsValue, JsValue> {
        let w = self.inner.delete(&caller(who)?, whole(id, "id")?, millis(now, "now")?).map_err(|e| api_error(&e))?;
        to_js(&webhook_json(&w, &Default::default()))
    }

    /// Whether `caller` may delete webhook `id` (R6), and why not.
    #[wasm_bindgen(js_name = mayDelete, unchecked_return_type = "{ allowed: boolean; reason: string | null }")]
    pub fn may_delete(&self, #[wasm_bindgen(unchecked_param_type = "Caller")] who: JsValue, id: f64) -> Result<JsValue, JsValue> {
        let who = caller(who)?;
        let entry = self.inner.entry(whole(id, "id")?).ok_or_else(|| api_error(&crate::ApiError::NotFound { id: Some(id as u64) }))?;
        let verdict = may_delete(&who, self.inner.is_admin(&who), &entry.webhook);
        to_js(&serde_json::json!({"allowed": verdict.is_ok(), "reason": verdict.err().map(|r| r.explain())}))
    }

    /// R7: the user uninstalls the app; returns the ids of the webhooks removed.
    #[wasm_bindgen(unchecked_return_type = "number[]")]
    pub fn uninstall(&mut self, #[wasm_bindgen(js_name = "appId")] app_id: f64, #[wasm_bindgen(js_name = "userId")] user_id: f64, now: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.uninstall(whole(app_id, "appId")?, whole(user_id, "userId")?, millis(now, "now")?))
    }

    /// R8: the app leaves the Marketplace; returns the ids of the webhooks removed.
    #[wasm_bindgen(js_name = removeApp, unchecked_return_type = "number[]")]
    pub fn remove_app(&mut self, #[wasm_bindgen(js_name = "appId")] app_id: f64, now: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.remove_app(whole(app_id, "appId")?, millis(now, "now")?))
    }

    /// The caller's usage of its limit (R2).
    #[wasm_bindgen(unchecked_return_type = "Quota")]
    pub fn quota(&self, #[wasm_bindgen(unchecked_param_type = "Caller")] who: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.inner.quota(&caller(who)?))
    }

    /// Where webhook `id` stands at `now` (healthy, failing, banned, deleted), or `null` if gone.
    #[wasm_bindgen(unchecked_return_type = "Standing | null")]
    pub fn standing(&self, id: f64, now: f64) -> Result<JsValue, JsValue> {
        match self.inner.entry(whole(id, "id")?) {
            Some(e) => to_js(&e.delivery.standing(&self.inner.policy, millis(now, "now")?)),
            None => Ok(JsValue::NULL),
        }
    }

    /// Time passes: bans end (R12), failing webhooks are deleted (R13).
    #[wasm_bindgen(unchecked_return_type = "Array<{ id: number; banEndedAt: number | null; deletedAt: number | null }>")]
    pub fn tick(&mut self, now: f64) -> Result<JsValue, JsValue> {
        let out = self.inner.tick(millis(now, "now")?);
        to_js(&out.iter().map(|(id, t)| serde_json::json!({"id": id, "banEndedAt": t.ban_ended_at, "deletedAt": t.deleted_at})).collect::<Vec<_>>())
    }

    /// The ids of the webhooks an event reaches (action in either version's words).
    #[wasm_bindgen(unchecked_return_type = "number[]")]
    pub fn matching(&self, action: &str, object: &str) -> Result<JsValue, JsValue> {
        let action = EventAction::parse(action, crate::PayloadVersion::V2)
            .or_else(|| EventAction::parse(action, crate::PayloadVersion::V1))
            .ok_or_else(|| error("INVALID_INPUT", &format!("unknown action {}", crate::text::quoted(&action)), Some("action")))?;
        to_js(&self.inner.matching(action, object))
    }

    /// May an attempt to webhook `id` start at `now`? `null` when the webhook is gone.
    #[wasm_bindgen(unchecked_return_type = "Admission | null")]
    pub fn admit(&mut self, id: f64, now: f64) -> Result<JsValue, JsValue> {
        match self.inner.admit(whole(id, "id")?, millis(now, "now")?) {
            Some((admission, _)) => to_js(&admission),
            None => Ok(JsValue::NULL),
        }
    }

    /// Records an attempt's result (R9–R13). `null` when the webhook is gone.
    #[wasm_bindgen(js_name = attemptEnded, unchecked_return_type = "AttemptOutcome | null")]
    pub fn attempt_ended(
        &mut self,
        id: f64,
        attempt: u8,
        start: f64,
        #[wasm_bindgen(unchecked_param_type = "AttemptResponse")] response: JsValue,
    ) -> Result<JsValue, JsValue> {
        let response: Response = from_js(response, "response")?;
        match self.inner.attempt_ended(whole(id, "id")?, attempt, millis(start, "start")?, response) {
            Some(out) => to_js(&out),
            None => Ok(JsValue::NULL),
        }
    }
}
