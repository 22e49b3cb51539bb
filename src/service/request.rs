//! What a token-service request asks for: method, path, query and body in,
//! a `Call` or the refusal to answer with out. Pure (no axum, no I/O), so
//! the fuzz target `service_request` runs exactly what the service runs.

use std::net::IpAddr;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `/wechat/app/create` (`platform` false) or `/wechat/platform/create`.
    Create { appid: String, secret: String, platform: bool },
    TokenGet { appid: String },
    TicketGet { appid: String },
    /// `access_token` is the token WeChat rejected.
    TokenRefresh { appid: String, rejected: String },
    Healthz,
    Metrics,
}

/// The answer to a request the service will not carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub errcode: i64,
    pub errmsg: String,
}

fn refuse(status: u16, errcode: i64, errmsg: impl Into<String>) -> Refusal {
    Refusal { status, errcode, errmsg: errmsg.into() }
}

pub fn not_found() -> Refusal {
    refuse(404, 404, "no such route")
}

/// Who may make a request: anyone, a client (authToken), an admin (adminToken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Open,
    Client,
    Admin,
}

fn segments(path: &str) -> Vec<&str> {
    path.strip_prefix('/').unwrap_or(path).split('/').collect()
}

/// The access a path needs, decided before its request is read.
pub fn access(path: &str) -> Access {
    match segments(path).as_slice() {
        ["healthz"] => Access::Open,
        ["wechat", "app" | "platform", "create"] => Access::Admin,
        _ => Access::Client,
    }
}

/// The address a request is counted against (rate limit): the peer, or
/// behind a trusted proxy the nearest `X-Forwarded-For` hop that is not one
/// of the trusted proxies (hops left of it could be written by the client).
/// `forwarded`: the header's values in order.
pub fn client_ip(peer: IpAddr, forwarded: &[&str], trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    for hop in forwarded.iter().flat_map(|v| v.split(',')).collect::<Vec<_>>().into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

/// Parses one request. `query` is the raw query string (without `?`).
/// `legacy_create_get`: also take wetoken's `GET /wechat/app/create?appid=&secret=`
/// (a secret in a URL ends up in logs and can be forged by any GET).
pub fn parse(method: &str, path: &str, query: Option<&str>, body: &[u8], legacy_create_get: bool) -> Result<Call, Refusal> {
    let get = matches!(method, "GET" | "HEAD");
    let post = method == "POST";
    match segments(path).as_slice() {
        ["healthz"] if get => Ok(Call::Healthz),
        ["metrics"] if get => Ok(Call::Metrics),
        ["wechat", kind @ ("app" | "platform"), "create"] if get || post => {
            let platform = *kind == "platform";
            if legacy_create_get {
                if let (Some(appid), Some(secret)) = (param(query, "appid"), param(query, "secret")) {
                    return Ok(Call::Create { appid, secret, platform });
                }
            } else if get {
                return Err(refuse(405, 43002, "this route needs POST with appid and secret in the body (the GET form needs legacyCreateGet)"));
            } else if param(query, "secret").is_some() {
                return Err(refuse(400, 40097, "the secret belongs in the POST body, not the query string"));
            }
            let (Some(appid), Some(secret)) = (body_field(body, "appid"), body_field(body, "secret")) else {
                return Err(refuse(400, 40097, "appid and secret are required"));
            };
            Ok(Call::Create { appid, secret, platform })
        }
        [appid, "wechat", what @ ("token" | "ticket"), "get"] => {
            if !get {
                return Err(refuse(405, 43001, "this route needs GET"));
            }
            let appid = path_appid(appid)?;
            Ok(if *what == "token" { Call::TokenGet { appid } } else { Call::TicketGet { appid } })
        }
        [appid, "wechat", "token", "refresh"] => {
            if !post {
                return Err(refuse(405, 43002, "this route needs POST"));
            }
            let appid = path_appid(appid)?;
            match rejected_token(query, body).filter(|t| !t.is_empty()) {
                Some(rejected) => Ok(Call::TokenRefresh { appid, rejected }),
                None => Err(refuse(400, 40097, "access_token (the token WeChat rejected) is required")),
            }
        }
        ["healthz"] | ["metrics"] => Err(refuse(405, 43001, "this route needs GET")),
        ["wechat", "app" | "platform", "create"] => Err(refuse(405, 43002, "this route needs POST")),
        _ => Err(not_found()),
    }
}

/// The appid path segment, percent-decoded.
fn path_appid(segment: &str) -> Result<String, Refusal> {
    let appid = percent_decode(segment).ok_or_else(|| refuse(400, 40097, "appid in the path is not valid UTF-8"))?;
    if appid.trim().is_empty() {
        return Err(refuse(400, 40097, "appid in the path is empty"));
    }
    Ok(appid)
}

/// `%XX` escapes decoded (as axum's `Path` does; `+` stays a plus); None
/// when the result is not UTF-8. Lenient where `http::RequestTarget` is
/// strict, as wetoken's paths were: a stray `%` only makes an appid no app has.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// The first value of `name` in a form-encoded query.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The rejected token: `?access_token=`, or a JSON / form body with `access_token`.
fn rejected_token(query: Option<&str>, body: &[u8]) -> Option<String> {
    param(query, "access_token").or_else(|| body_field(body, "access_token"))
}

/// A string field of a JSON object body, or of a form-encoded one.
fn body_field(body: &[u8], name: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return v.get(name).and_then(Value::as_str).map(str::to_owned);
    }
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

