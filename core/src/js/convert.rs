//! Conversions between JS values and core types, and errors as JS `Error`s with a stable `code`.

use crate::error::ApiError;
use js_sys::{Array, Error, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// An `Error` with `code` (and `field` when given).
pub fn error(code: &str, message: &str, field: Option<&str>) -> JsValue {
    let e = Error::new(message);
    set(&e, "code", &code.into());
    if let Some(f) = field {
        set(&e, "field", &f.into());
    }
    e.into()
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error or plain object cannot fail.
    let _ = Reflect::set(target, &key.into(), value);
}

/// A JS value into a core type; a shape mismatch is an `INVALID_INPUT` error naming `what`.
///
/// Values cross as JSON text (`JSON.stringify` → serde_json): one serde format for the whole
/// package keeps the wasm small (a second format would duplicate every (de)serialiser).
pub fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    let text = if value.is_undefined() {
        "null".to_string()
    } else {
        js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| error("INVALID_INPUT", &format!("{what}: not JSON-serialisable (a BigInt, a function or a cycle?)"), None))?
    };
    serde_json::from_str(&text).map_err(|e| error("INVALID_INPUT", &format!("{what}: {}", describe(&e)), None))
}

/// serde_json's message without its "at line 1 column N" suffix (the text is ours, not the caller's).
fn describe(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

/// A core value into a plain JS object.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| error("INTERNAL", &format!("could not convert the result: {e}"), None))?;
    js_sys::JSON::parse(&text).map_err(|_| error("INTERNAL", "could not convert the result", None))
}

/// A JS number that must be a whole, non-negative, exactly representable id or count.
pub fn whole(n: f64, what: &str) -> Result<u64, JsValue> {
    if n.is_finite() && n.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&n) {
        Ok(n as u64)
    } else {
        Err(error("INVALID_INPUT", &format!("{what} must be a whole number from 0 to 2^53-1, got {n}"), None))
    }
}

/// A JS number that must be a time in ms (may be negative: before 1970).
pub fn millis(n: f64, what: &str) -> Result<i64, JsValue> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        Ok(n as i64)
    } else {
        Err(error("INVALID_INPUT", &format!("{what} must be a whole number of milliseconds, got {n}"), None))
    }
}

/// An [`ApiError`] as a JS `Error`: `code`, `status`, `field`, and per kind `errors`,
/// `retryAfterMs`, `missingScope`, `limit`.
pub fn api_error(e: &ApiError) -> JsValue {
    let js = error(e.code(), &e.to_string(), e.field());
    set(&js, "status", &JsValue::from(e.status()));
    match e {
        ApiError::InvalidField { errors } => {
            if let Ok(list) = to_js(errors) {
                set(&js, "errors", &list);
            }
        }
        ApiError::RateLimited { retry_after_ms } => {
            set(&js, "retryAfterMs", &retry_after_ms.map(|ms| JsValue::from(ms as f64)).unwrap_or(JsValue::NULL));
        }
        ApiError::Forbidden { missing_scope, .. } => {
            set(&js, "missingScope", &missing_scope.as_deref().map(JsValue::from).unwrap_or(JsValue::NULL));
        }
        ApiError::LimitReached { limit, .. } => set(&js, "limit", &JsValue::from(*limit)),
        _ => {}
    }
    js
}

/// Bytes from a string or a `Uint8Array`/`ArrayBuffer`/Node `Buffer`.
pub fn bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(s.into_bytes());
    }
    if value.is_instance_of::<js_sys::Uint8Array>() || value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(value).to_vec());
    }
    Err(error("INVALID_INPUT", &format!("{what} must be a string or a Uint8Array"), None))
}

/// Headers from a plain object, an array of `[name, value]` pairs, or anything with `entries()`
/// (a fetch `Headers`, a `Map`).
pub fn headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let entries = Reflect::get(value, &"entries".into()).ok().filter(|f| f.is_function());
    let pairs: Array = match entries {
        Some(f) if !Array::is_array(value) => {
            let iter = js_sys::Function::from(f).call0(value).map_err(|_| error("INVALID_INPUT", "headers.entries() failed", None))?;
            Array::from(&iter)
        }
        _ if Array::is_array(value) => Array::from(value),
        _ => js_sys::Object::entries(&js_sys::Object::from(value.clone())),
    };
    let mut out = Vec::with_capacity(pairs.length() as usize);
    for pair in pairs.iter() {
        let pair = Array::from(&pair);
        match (pair.get(0).as_string(), pair.get(1).as_string()) {
            (Some(k), Some(v)) => out.push((k, v)),
            _ => return Err(error("INVALID_INPUT", "headers must map names to string values", None)),
        }
    }
    Ok(out)
}
