//! The consent-page URLs, byte for byte as wechat-oauth builds them (Node's
//! `querystring.stringify`, then `#wechat_redirect`).

/// Consent pages live on open.weixin.qq.com, not on the API host.
pub const AUTHORIZE: &str = "https://open.weixin.qq.com/connect/oauth2/authorize";
pub const QRCONNECT: &str = "https://open.weixin.qq.com/connect/qrconnect";

/// Node's `querystring.escape`: everything but `A-Za-z0-9-_.!~*'()` is
/// percent-encoded as UTF-8 (the same set as `encodeURIComponent`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `base?k=v&…#wechat_redirect` in the given order.
pub fn build(base: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect();
    format!("{base}?{}#wechat_redirect", query.join("&"))
}

/// The in-app consent page (`snsapi_base` by default); on behalf of an
/// authorizer it carries `component_appid`.
pub fn authorize(appid: &str, component_appid: Option<&str>, redirect: &str, state: &str, scope: &str) -> String {
    let scope = if scope.is_empty() { "snsapi_base" } else { scope };
    let mut pairs = vec![("appid", appid), ("redirect_uri", redirect), ("response_type", "code"), ("scope", scope), ("state", state)];
    if let Some(c) = component_appid {
        pairs.push(("component_appid", c));
    }
    build(AUTHORIZE, &pairs)
}

/// The QR-code login page for websites (`snsapi_login` by default).
pub fn website(appid: &str, redirect: &str, state: &str, scope: &str) -> String {
    let scope = if scope.is_empty() { "snsapi_login" } else { scope };
    build(QRCONNECT, &[("appid", appid), ("redirect_uri", redirect), ("response_type", "code"), ("scope", scope), ("state", state)])
}
