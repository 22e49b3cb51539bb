//! JS-SDK config: the signature over jsapi_ticket, noncestr, timestamp, url.

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::crypto::random_nonce;
use crate::error::{Error, Result};
use crate::model::now_ms;

/// sha1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (keys in that order, raw values).
pub fn js_signature(ticket: &str, nonce: &str, timestamp: &str, url: &str) -> String {
    let raw = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(raw.as_bytes()))
}

/// wechat-api's getJsConfig result: `{debug, appId, timestamp, nonceStr, signature, jsApiList}`.
pub fn js_config(appid: &str, ticket: &str, param: &Value) -> Result<Value> {
    let url = param
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid("param", "needs a url string"))?;
    // The signature covers the URL without its #fragment.
    let url = url.split('#').next().unwrap_or(url);
    let nonce = random_nonce();
    let timestamp = (now_ms() / 1000).to_string();
    let signature = js_signature(ticket, &nonce, &timestamp, url);
    Ok(json!({
        "debug": param.get("debug").and_then(Value::as_bool).unwrap_or(false),
        "appId": appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature,
        "jsApiList": param.get("jsApiList").cloned().unwrap_or_else(|| json!([])),
    }))
}

/// wechat-api's getCardExt result: `{timestamp, signature, code, openid[, balance]}`,
/// signed with the wx_card ticket over the sorted values.
pub fn card_ext(ticket: &str, param: &Value) -> Result<Value> {
    let field = |k: &str| match param.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    let card_id = field("card_id");
    if card_id.is_empty() {
        return Err(Error::invalid("param", "needs a card_id"));
    }
    let timestamp = (now_ms() / 1000).to_string();
    let (code, openid, balance) = (field("code"), field("openid"), field("balance"));
    let mut values = [ticket, card_id.as_str(), timestamp.as_str(), code.as_str(), openid.as_str(), balance.as_str()];
    values.sort_unstable();
    let signature = hex::encode(Sha1::digest(values.concat().as_bytes()));
    let mut ext = json!({ "timestamp": timestamp, "signature": signature, "code": code, "openid": openid });
    if !balance.is_empty() {
        ext["balance"] = param["balance"].clone();
    }
    Ok(ext)
}
