//! napi adapters: argument conversion and error mapping only, no logic.
//! Errors cross as instances of lib/errors.js's classes (see errors.rs).

/// `StoredAuthorizer`: the one JS shape of an authorizer's record.
mod authorizer;
mod client;
/// `NativeConsole`: the operator console.
mod console;
/// `NativeComponent`: ThirdpartyServer's native half.
mod component;
mod crypto;
mod errors;
/// The HTTP edge (request targets, the error → status table) for lib/http.js.
mod http;
/// `NativeInbox` and its native listener: message URLs.
mod inbox;
mod oauth;
/// `NativeRolloutAdmin`: rollouts from a process with only the database (the CLI).
mod rollout_admin;
mod sandbox;
mod service;
/// WeChat's answer (urllib's `res`, errcode JSON) beside a callback's result.
mod wechat_answer;
/// parseMessage / buildReply: WeChat's XML.
mod xml;

/// napi-rs carries a JS integer past u32 as a float, which WeChat would get
/// as `5000000000.0`: integral floats within 2^53 (exact in JS) become
/// integers again, as JSON.stringify writes them.
pub(crate) fn integral(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(integral).collect()),
        Value::Object(o) => Value::Object(integral_map(o)),
        other => other,
    }
}

/// `integral` over an object's fields.
pub(crate) fn integral_map(m: serde_json::Map<String, serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    m.into_iter().map(|(k, v)| (k, integral(v))).collect()
}

/// `integral` over a call's arguments.
pub(crate) fn integral_all(args: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    args.into_iter().map(integral).collect()
}

/// The addon's version (Cargo package version).
#[napi_derive::napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
