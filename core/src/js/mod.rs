//! The JS binding: a thin edge over the core (conversion and errors only; no rule lives here).

use wasm_bindgen::prelude::*;

/// Pipedrive's default rule numbers (R2, R9–R13) as a plain object.
///
/// ```js
/// import { defaultPolicy } from "pipedrive-webhooks";
/// defaultPolicy().maxAppWebhooksPerUser; // 40
/// ```
#[wasm_bindgen(js_name = defaultPolicy)]
pub fn default_policy() -> Result<JsValue, JsError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&crate::Policy::default(), &ser).map_err(|e| JsError::new(&e.to_string()))
}
