//! Conversions between JS values and core types, and errors as JS `Error`s with a stable `code`.

use crate::error::ApiError;
use js_sys::{Array, Error, Reflect};
use crate::json_read::ReadJson;
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

/// A JS value into a core type; a shape mismatch is an `INVALID_INPUT` error naming `what`, with
/// the path to the bad value in `field` (`webhooks[0].traffic.intervalMs`).
///
/// Values cross as JSON text (`JSON.stringify` → one `serde_json::Value` parser) and are read by
/// [`ReadJson`], not serde's derives: one parser for the whole package keeps the wasm small.
pub fn from_js<T: ReadJson>(value: JsValue, what: &str) -> Result<T, JsValue> {
    read_tree(&json_tree(value, what)?, what)
}

/// A core type read from a JSON tree, as [`from_js`] does.
pub fn read_tree<T: ReadJson>(tree: &serde_json::Value, what: &str) -> Result<T, JsValue> {
    T::read(tree).map_err(|e| {
        let path = e.path();
        error("INVALID_INPUT", &format!("{what}: {e}"), (!path.is_empty()).then_some(path.as_str()))
    })
}

/// A JS value as a JSON tree (`undefined` is `null`).
pub fn json_tree(value: JsValue, what: &str) -> Result<serde_json::Value, JsValue> {
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    let text = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| error("INVALID_INPUT", &format!("{what}: not JSON-serialisable (a BigInt, a function or a cycle?)"), None))?;
    json_text(&text, what)
}

/// JSON text as a tree; bad text is an `INVALID_INPUT` error naming `what`.
pub fn json_text(text: &str, what: &str) -> Result<serde_json::Value, JsValue> {
    // As bytes: one serde_json reader (SliceRead) in the package, not two (~1 KB of its budget).
    serde_json::from_slice(text.as_bytes()).map_err(|e| error("INVALID_INPUT", &format!("{what}: {}", describe(&e)), None))
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
        Err(error("INVALID_INPUT", &format!("{what} must be a whole number from 0 to 2^53-1, got {}", js_number(n)), None))
    }
}

/// A number as JS writes it (`1.5`, `NaN`): Rust's float formatting would add ~15 KB to the wasm.
fn js_number(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// A JS number that must be a time in ms (may be negative: before 1970).
pub fn millis(n: f64, what: &str) -> Result<i64, JsValue> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        Ok(n as i64)
    } else {
        Err(error("INVALID_INPUT", &format!("{what} must be a whole number of milliseconds, got {}", js_number(n)), None))
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
        ApiError::RateLimited { retry_after_ms, scope } => {
            set(&js, "retryAfterMs", &retry_after_ms.map(|ms| JsValue::from(ms as f64)).unwrap_or(JsValue::NULL));
            set(&js, "scope", &scope.as_str().into());
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
