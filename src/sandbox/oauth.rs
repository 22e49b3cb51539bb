//! /sns/*: web-page OAuth (own and on behalf of an authorizer), mini-program
//! code2session, and the consent page that hands out codes.

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::{json, Value};

use super::state::{expires_in, tri, Reply, Req, Shared, State};
use super::tokens::{Issue, Kind};

type Enc = cbc::Encryptor<aes::Aes128>;
use super::{MiniProgramClient, UserCode};

pub(crate) fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let mut st = shared.lock();
    let st = &mut *st;
    Some(match req.path.as_str() {
        "/sns/oauth2/access_token" => code_to_token(st, req, false),
        "/sns/oauth2/component/access_token" => code_to_token(st, req, true),
        "/sns/oauth2/refresh_token" => refresh(st, req, false),
        "/sns/oauth2/component/refresh_token" => refresh(st, req, true),
        "/sns/userinfo" => userinfo(st, req),
        "/sns/auth" => auth(st, req),
        "/sns/jscode2session" => jscode2session(st, req, false),
        "/sns/component/jscode2session" => jscode2session(st, req, true),
        "/connect/oauth2/authorize" | "/connect/qrconnect" => consent(st, req),
        _ => return None,
    })
}

/// Checks `appid`+`secret` (own) or the component token (on behalf);
/// returns the component appid for the latter.
fn caller(st: &mut State, req: &Req, component: bool) -> Result<Option<String>, Reply> {
    let appid = req.q("appid").unwrap_or_default();
    if component {
        let capp = req.q("component_appid").unwrap_or_default().to_owned();
        let tok = st.auth(req, "component_access_token", &[Kind::ComponentAccessToken], Some(&capp))?;
        let authorized = st.components.get(&tok.appid).and_then(|c| c.authorizations.get(appid)).is_some_and(|a| !a.revoked);
        if !authorized {
            return Err(Reply::err(61003, "component is not authorized by this account"));
        }
        return Ok(Some(tok.appid));
    }
    match st.apps.get(appid) {
        None => Err(Reply::err(40013, "invalid appid")),
        Some(secret) if Some(secret.as_str()) != req.q("secret") => Err(Reply::err(40125, "invalid appsecret")),
        Some(_) => Ok(None),
    }
}

/// Takes a single-use code of `kind` for `appid`: its data, or WeChat's error.
fn take_code(st: &mut State, kind: Kind, code: &str, appid: &str, owner: Option<&str>) -> Result<Value, Reply> {
    let now = st.now();
    let rec = match st.tokens.get_mut(code) {
        Some(r) if r.kind == kind && r.appid == appid && r.owner.as_deref() == owner => r,
        _ => return Err(Reply::err(40029, "invalid code")),
    };
    if rec.used {
        return Err(Reply::err(40163, "code been used"));
    }
    if now >= rec.expires_at {
        return Err(Reply::err(40029, "invalid code"));
    }
    rec.used = true;
    Ok(rec.data.clone())
}

fn code_to_token(st: &mut State, req: &Req, component: bool) -> Reply {
    if req.q("grant_type") != Some("authorization_code") {
        return Reply::err(40002, "invalid grant_type");
    }
    let owner = tri!(caller(st, req, component));
    let appid = req.q("appid").unwrap_or_default().to_owned();
    let data = tri!(take_code(st, Kind::OAuthCode, req.q("code").unwrap_or_default(), &appid, owner.as_deref()));
    let openid = data["openid"].as_str().unwrap_or_default().to_owned();
    let scope = data["scope"].as_str().unwrap_or("snsapi_base").to_owned();
    let refresh_lifetime = st.cfg.lifetimes.oauth_refresh_token;
    let data = json!({"openid": openid, "scope": scope});
    let refresh_token = st.issue(Issue {
        kind: Kind::OAuthRefreshToken,
        appid: &appid,
        owner: owner.as_deref(),
        slot: None,
        lifetime: refresh_lifetime,
        data: data.clone(),
    });
    token_reply(st, &appid, owner.as_deref(), data, refresh_token)
}

fn token_reply(st: &mut State, appid: &str, owner: Option<&str>, data: Value, refresh_token: String) -> Reply {
    let lifetime = st.cfg.lifetimes.oauth;
    let openid = data["openid"].as_str().unwrap_or_default().to_owned();
    let scope = data["scope"].as_str().unwrap_or_default().to_owned();
    let token = st.issue(Issue {
        kind: Kind::OAuthAccessToken,
        appid,
        owner,
        // One live token per user and app, as WeChat: a refresh supersedes it.
        slot: Some(format!("{appid}/{openid}")),
        lifetime,
        data,
    });
    let unionid = st.account(appid).user(&openid).map(|u| u.unionid.clone());
    let mut out = json!({
        "access_token": token,
        "expires_in": expires_in(lifetime),
        "refresh_token": refresh_token,
        "openid": openid,
        "scope": scope,
    });
    if let Some(u) = unionid {
        out["unionid"] = json!(u);
    }
    Reply::Json(out)
}

fn refresh(st: &mut State, req: &Req, component: bool) -> Reply {
    if req.q("grant_type") != Some("refresh_token") {
        return Reply::err(40002, "invalid grant_type");
    }
    let owner = if component {
        tri!(caller(st, req, true))
    } else if !st.apps.contains_key(req.q("appid").unwrap_or_default()) {
        return Reply::err(40013, "invalid appid");
    } else {
        None
    };
    let appid = req.q("appid").unwrap_or_default().to_owned();
    let presented = req.q("refresh_token").unwrap_or_default().to_owned();
    let now = st.now();
    let data = match st.tokens.check(&presented, &[Kind::OAuthRefreshToken], Some(&appid), now, 0.0) {
        Ok(rec) if rec.owner == owner => rec.data.clone(),
        Err(rej) if rej.reason == "expired" => return Reply::err(42002, "refresh_token expired"),
        _ => return Reply::err(40030, "invalid refresh_token"),
    };
    token_reply(st, &appid, owner.as_deref(), data, presented)
}

fn oauth_token(st: &mut State, req: &Req) -> Result<(String, String, String), Reply> {
    let tok = st.auth(req, "access_token", &[Kind::OAuthAccessToken], None)?;
    let openid = tok.data["openid"].as_str().unwrap_or_default().to_owned();
    if req.q("openid") != Some(openid.as_str()) {
        return Err(Reply::err(40003, "invalid openid"));
    }
    let scope = tok.data["scope"].as_str().unwrap_or_default().to_owned();
    Ok((tok.appid, openid, scope))
}

fn userinfo(st: &mut State, req: &Req) -> Reply {
    let (appid, openid, scope) = tri!(oauth_token(st, req));
    if scope.split(',').all(|s| s.trim() != "snsapi_userinfo" && s.trim() != "snsapi_login") {
        return Reply::err(48001, "api unauthorized");
    }
    let lang = req.q("lang").unwrap_or("zh_CN").to_owned();
    let acc = st.account(&appid);
    let (nickname, sex, city, province, unionid) = match acc.user(&openid) {
        Some(u) => (u.nickname.clone(), u.sex, u.city, u.province, Some(u.unionid.clone())),
        None => ("微信用户".to_owned(), 0, "", "", None),
    };
    let mut out = json!({
        "openid": openid,
        "nickname": nickname,
        "sex": sex,
        "language": lang,
        "city": city,
        "province": province,
        "country": "中国",
        "headimgurl": format!("https://thirdwx.qlogo.cn/mmopen/sandbox/{openid}/132"),
        "privilege": [],
    });
    if let Some(u) = unionid {
        out["unionid"] = json!(u);
    }
    Reply::Json(out)
}

fn auth(st: &mut State, req: &Req) -> Reply {
    tri!(oauth_token(st, req));
    Reply::ok()
}

fn jscode2session(st: &mut State, req: &Req, component: bool) -> Reply {
    if req.q("grant_type") != Some("authorization_code") {
        return Reply::err(40002, "invalid grant_type");
    }
    let owner = tri!(caller(st, req, component));
    let appid = req.q("appid").unwrap_or_default().to_owned();
    let data = tri!(take_code(st, Kind::JsCode, req.q("js_code").unwrap_or_default(), &appid, owner.as_deref()));
    let openid = data["openid"].as_str().unwrap_or_default().to_owned();
    let session_key = data["session_key"].as_str().unwrap_or_default().to_owned();
    let mut out = json!({"openid": openid, "session_key": session_key});
    if let Some(u) = st.account(&appid).user(&openid) {
        out["unionid"] = json!(u.unionid);
    }
    Reply::Json(out)
}

/// The consent page: the user agrees at once; redirect with code and state.
fn consent(st: &mut State, req: &Req) -> Reply {
    let appid = req.q("appid").unwrap_or_default().to_owned();
    let Some(redirect) = req.q("redirect_uri").filter(|r| r.starts_with("http")) else {
        return Reply::err(10003, "redirect_uri missing or invalid");
    };
    let scope = req.q("scope").unwrap_or("snsapi_base").to_owned();
    let component = req.q("component_appid").map(str::to_owned);
    let code = issue_code(st, Kind::OAuthCode, &appid, None, &scope, component.as_deref()).code;
    let mut url = match url::Url::parse(redirect) {
        Ok(u) => u,
        Err(_) => return Reply::err(10003, "redirect_uri is not a URL"),
    };
    url.query_pairs_mut().append_pair("code", &code).append_pair("state", req.q("state").unwrap_or(""));
    if let Some(c) = component {
        url.query_pairs_mut().append_pair("appid", &appid).append_pair("component_appid", &c);
    }
    Reply::Redirect(url.to_string())
}

/// Issues an OAuth code or js_code for `appid`; the user is `openid` or the
/// account's first follower (a made-up openid when it has none).
pub(crate) fn issue_code(st: &mut State, kind: Kind, appid: &str, openid: Option<&str>, scope: &str, component: Option<&str>) -> UserCode {
    let openid = match openid {
        Some(o) => o.to_owned(),
        None => st.account(appid).users.first().map(|u| u.openid.clone()).unwrap_or_else(|| format!("o{:027}", 0)),
    };
    // A real session_key (16 bytes), usable with WXBizDataCrypt.
    let key: [u8; 16] = rand::random();
    let session_key = B64.encode(key);
    let lifetime = st.cfg.lifetimes.oauth_code;
    let data = json!({"openid": openid, "scope": scope, "session_key": session_key});
    let code = st.issue(Issue { kind, appid, owner: component, slot: None, lifetime, data });
    let client = (kind == Kind::JsCode).then(|| {
        let profile = profile(st, appid, &openid);
        let iv: [u8; 16] = rand::random();
        let sealed = Enc::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(profile.to_string().as_bytes());
        MiniProgramClient { session_key, encrypted_data: B64.encode(sealed), iv: B64.encode(iv) }
    });
    UserCode { code, openid, client }
}

/// `wx.getUserProfile`'s userInfo with the watermark WeChat adds.
fn profile(st: &mut State, appid: &str, openid: &str) -> Value {
    let now = st.now() as i64;
    let (nick, gender, city, province, unionid) = match st.account(appid).user(openid) {
        Some(u) => (u.nickname.clone(), u.sex, u.city, u.province, Some(u.unionid.clone())),
        None => ("微信用户".to_owned(), 0, "", "", None),
    };
    let mut v = json!({
        "openId": openid, "nickName": nick, "gender": gender, "language": "zh_CN",
        "city": city, "province": province, "country": "中国",
        "avatarUrl": format!("https://thirdwx.qlogo.cn/mmopen/sandbox/{openid}/132"),
        "watermark": {"appid": appid, "timestamp": now},
    });
    if let Some(u) = unionid {
        v["unionId"] = json!(u);
    }
    v
}
