//! /cgi-bin/component/*: the third-party platform's own endpoints, and the
//! simulated admin (authorize, push events) they depend on.

use rand::Rng;
use serde_json::{json, Value};

use super::account_data::{func_info_json, Account, DEFAULT_FUNC_INFO};
use super::wxa::MINI_PROGRAM_FUNC_INFO;
use super::wxa_auth::mini_program_info;
use super::config::{AuthorizeOptions, Authorized};
use super::push::{self, new_ticket, Field};
use super::state::{expires_in, int, s, tri, Authorization, Reply, Req, Shared, State};
use super::tokens::{Issue, Kind};
use crate::error::{Error, Result};

const NOT_AUTHORIZED: (i64, &str) = (61003, "component is not authorized by this account");
const OPTION_NAMES: [(&str, &str); 3] = [("location_report", "1"), ("voice_recognize", "0"), ("customer_service", "1")];

pub(crate) async fn handle(shared: &Shared, req: &Req, name: &str) -> Reply {
    let body = tri!(req.json());
    if name == "api_start_push_ticket" {
        return start_push_ticket(shared, &body).await;
    }
    let mut st = shared.lock();
    if name == "api_component_token" {
        return component_token(&mut st, &body);
    }
    // Every other component endpoint acts with a component_access_token for body.component_appid.
    let component_appid = s(&body, "component_appid");
    let tok = tri!(st.auth(req, "component_access_token", &[Kind::ComponentAccessToken], component_appid.as_deref()));
    let component_appid = tok.appid;
    match name {
        "api_create_preauthcode" => create_preauthcode(&mut st, &component_appid),
        "api_query_auth" => query_auth(&mut st, &component_appid, &body),
        "api_authorizer_token" => authorizer_token(&mut st, &component_appid, &body),
        "api_get_authorizer_info" => get_authorizer_info(&mut st, &component_appid, &body),
        "api_get_authorizer_option" => authorizer_option(&mut st, &component_appid, &body, false),
        "api_set_authorizer_option" => authorizer_option(&mut st, &component_appid, &body, true),
        "api_get_authorizer_list" => get_authorizer_list(&st, &component_appid, &body),
        _ => Reply::err(48001, "api unauthorized"),
    }
}

async fn start_push_ticket(shared: &Shared, body: &Value) -> Reply {
    let appid = s(body, "component_appid").unwrap_or_default();
    let secret = s(body, "component_secret").unwrap_or_default();
    {
        let st = shared.lock();
        match st.components.get(&appid) {
            None => return Reply::err(40013, "invalid appid"),
            Some(c) if c.reg.secret != secret => return Reply::err(40125, "invalid appsecret"),
            _ => {}
        }
    }
    // WeChat pushes right after answering; pushing first makes tests deterministic.
    // A push that fails is recorded in the push log, as WeChat would just retry later.
    let _ = push_ticket(shared, &appid).await;
    Reply::ok()
}

fn component_token(st: &mut State, body: &Value) -> Reply {
    let appid = s(body, "component_appid").unwrap_or_default();
    let secret = s(body, "component_appsecret").unwrap_or_default();
    let ticket = s(body, "component_verify_ticket").unwrap_or_default();
    let now = st.now();
    let max_age = st.cfg.ticket_max_age_secs;
    match st.components.get(&appid) {
        None => return Reply::err(40013, "invalid appid"),
        Some(c) if c.reg.secret != secret => return Reply::err(40125, "invalid appsecret"),
        Some(c) if !c.tickets.iter().any(|(t, at)| *t == ticket && now - at < max_age) => {
            return Reply::err(61006, "component ticket is invalid")
        }
        _ => {}
    }
    let lifetime = st.cfg.lifetimes.component_access_token;
    let token = st.issue(Issue {
        kind: Kind::ComponentAccessToken,
        appid: &appid,
        owner: None,
        slot: Some(appid.clone()),
        lifetime,
        data: Value::Null,
    });
    Reply::Json(json!({"component_access_token": token, "expires_in": expires_in(lifetime)}))
}

fn create_preauthcode(st: &mut State, component_appid: &str) -> Reply {
    let lifetime = st.cfg.lifetimes.pre_auth_code;
    let code = issue_pre_auth_code(st, component_appid);
    Reply::Json(json!({"pre_auth_code": code, "expires_in": expires_in(lifetime)}))
}

fn issue_pre_auth_code(st: &mut State, component_appid: &str) -> String {
    let lifetime = st.cfg.lifetimes.pre_auth_code;
    // Pre-auth codes are independent of each other: no slot, no superseding.
    st.issue(Issue { kind: Kind::PreAuthCode, appid: component_appid, owner: Some(component_appid), slot: None, lifetime, data: Value::Null })
}

fn query_auth(st: &mut State, component_appid: &str, body: &Value) -> Reply {
    let code = s(body, "authorization_code").unwrap_or_default();
    let now = st.now();
    let rec = match st.tokens.check(&code, &[Kind::AuthCode], None, now, 0.0) {
        Ok(rec) if rec.owner.as_deref() == Some(component_appid) => rec.clone(),
        Err(rej) if rej.reason == "expired" => return Reply::err(61010, "code is expired"),
        _ => return Reply::err(61009, "code is invalid"),
    };
    if let Some(r) = st.tokens.get_mut(&code) {
        r.used = true;
    }
    let authorizer = rec.appid;
    let Some(auth) = st.components.get(component_appid).and_then(|c| c.authorizations.get(&authorizer)) else {
        return Reply::err(NOT_AUTHORIZED.0, NOT_AUTHORIZED.1);
    };
    if auth.revoked {
        return Reply::err(NOT_AUTHORIZED.0, NOT_AUTHORIZED.1);
    }
    let (refresh_token, func_info) = (auth.refresh_token.clone(), func_info_json(&auth.func_info));
    let (token, lifetime) = issue_authorizer_token(st, component_appid, &authorizer);
    Reply::Json(json!({"authorization_info": {
        "authorizer_appid": authorizer,
        "authorizer_access_token": token,
        "expires_in": expires_in(lifetime),
        "authorizer_refresh_token": refresh_token,
        "func_info": func_info,
    }}))
}

fn issue_authorizer_token(st: &mut State, component_appid: &str, authorizer: &str) -> (String, f64) {
    let lifetime = st.cfg.lifetimes.authorizer_access_token;
    let token = st.issue(Issue {
        kind: Kind::AuthorizerAccessToken,
        appid: authorizer,
        owner: Some(component_appid),
        slot: Some(format!("{component_appid}/{authorizer}")),
        lifetime,
        data: Value::Null,
    });
    (token, lifetime)
}

/// The live authorization of `authorizer` to `component`, or WeChat's 61003.
fn live_authorization<'a>(st: &'a mut State, component: &str, authorizer: &str) -> std::result::Result<&'a mut Authorization, Reply> {
    st.components
        .get_mut(component)
        .and_then(|c| c.authorizations.get_mut(authorizer))
        .filter(|a| !a.revoked)
        .ok_or_else(|| Reply::err(NOT_AUTHORIZED.0, NOT_AUTHORIZED.1))
}

fn authorizer_token(st: &mut State, component_appid: &str, body: &Value) -> Reply {
    let authorizer = s(body, "authorizer_appid").unwrap_or_default();
    let presented = s(body, "authorizer_refresh_token").unwrap_or_default();
    let rotate = st.cfg.rotate_refresh_tokens;
    let auth = tri!(live_authorization(st, component_appid, &authorizer));
    if auth.refresh_token != presented {
        return Reply::err(61023, "refresh_token is invalid");
    }
    if rotate {
        auth.refresh_token = new_refresh_token();
    }
    let refresh_token = auth.refresh_token.clone();
    let (token, lifetime) = issue_authorizer_token(st, component_appid, &authorizer);
    Reply::Json(json!({
        "authorizer_access_token": token,
        "expires_in": expires_in(lifetime),
        "authorizer_refresh_token": refresh_token,
    }))
}

fn get_authorizer_info(st: &mut State, component_appid: &str, body: &Value) -> Reply {
    let authorizer = s(body, "authorizer_appid").unwrap_or_default();
    let auth = tri!(live_authorization(st, component_appid, &authorizer));
    let authorization_info = json!({
        "authorizer_appid": authorizer,
        "authorizer_refresh_token": auth.refresh_token,
        "func_info": func_info_json(&auth.func_info),
    });
    let mut info = st.account(&authorizer).authorizer_info();
    if st.account(&authorizer).mini_program {
        info["MiniProgramInfo"] = mini_program_info(st, &authorizer);
    }
    Reply::Json(json!({"authorizer_info": info, "authorization_info": authorization_info}))
}

fn authorizer_option(st: &mut State, component_appid: &str, body: &Value, set: bool) -> Reply {
    let authorizer = s(body, "authorizer_appid").unwrap_or_default();
    let name = s(body, "option_name").unwrap_or_default();
    let Some(&(_, default)) = OPTION_NAMES.iter().find(|(n, _)| *n == name) else {
        return Reply::err(61011, "invalid option_name");
    };
    let auth = tri!(live_authorization(st, component_appid, &authorizer));
    if set {
        let Some(value) = s(body, "option_value") else { return Reply::err(61012, "invalid option_value") };
        auth.options.insert(name, value);
        return Reply::ok();
    }
    let value = auth.options.get(&name).cloned().unwrap_or_else(|| default.to_owned());
    Reply::Json(json!({"authorizer_appid": authorizer, "option_name": name, "option_value": value}))
}

fn get_authorizer_list(st: &State, component_appid: &str, body: &Value) -> Reply {
    let offset = int(body, "offset").unwrap_or(0).max(0) as usize;
    let count = int(body, "count").unwrap_or(0);
    if !(1..=500).contains(&count) {
        return Reply::err(40097, "invalid args: count must be 1..500");
    }
    let Some(c) = st.components.get(component_appid) else { return Reply::err(40013, "invalid appid") };
    let live: Vec<_> = c.authorizations.iter().filter(|(_, a)| !a.revoked).collect();
    let list: Vec<Value> = live
        .iter()
        .skip(offset)
        .take(count as usize)
        .map(|(appid, a)| json!({"authorizer_appid": appid, "refresh_token": a.refresh_token, "auth_time": a.auth_time as i64}))
        .collect();
    Reply::Json(json!({"total_count": live.len(), "list": list}))
}

fn new_refresh_token() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    format!("refreshtoken@@@{}", Alphanumeric.sample_string(&mut rand::thread_rng(), 43))
}

fn unknown_component(appid: &str) -> Error {
    Error::invalid("component_appid", format!("no component {appid} is registered"))
}

// ---- the simulated WeChat side: tickets, authorization, events ----

/// Stores a new component_verify_ticket and pushes it; returns the ticket.
pub(crate) async fn push_ticket(shared: &Shared, component_appid: &str) -> Result<String> {
    let ticket = new_ticket();
    {
        let mut st = shared.lock();
        let now = st.now();
        let max_age = st.cfg.ticket_max_age_secs;
        let c = st.components.get_mut(component_appid).ok_or_else(|| unknown_component(component_appid))?;
        c.tickets.retain(|(_, at)| now - at < max_age);
        c.tickets.push((ticket.clone(), now));
    }
    push::send(shared, component_appid, "component_verify_ticket", None, &[Field::Text("ComponentVerifyTicket", ticket.clone())]).await?;
    Ok(ticket)
}

pub(crate) async fn authorize(shared: &Shared, component_appid: &str, opts: AuthorizeOptions) -> Result<Authorized> {
    let (out, expired_time) = {
        let mut st = shared.lock();
        if !st.components.contains_key(component_appid) {
            return Err(unknown_component(component_appid));
        }
        let pre_auth_code = match &opts.pre_auth_code {
            Some(code) => {
                let now = st.now();
                st.tokens
                    .check(code, &[Kind::PreAuthCode], Some(component_appid), now, 0.0)
                    .map_err(|r| Error::invalid("pre_auth_code", format!("is {} for this component", r.reason)))?;
                code.clone()
            }
            None => issue_pre_auth_code(&mut st, component_appid),
        };
        let appid = opts.appid.clone().unwrap_or_else(|| format!("wx{:016x}", rand::thread_rng().gen::<u64>()));
        let default_followers = st.cfg.default_followers;
        let acc = st
            .accounts
            .entry(appid.clone())
            .or_insert_with(|| Account::generate(&appid, opts.nick_name.clone(), opts.followers.unwrap_or(default_followers)));
        if let Some(n) = &opts.nick_name {
            acc.nick_name = n.clone();
        }
        if let Some(n) = opts.followers {
            if n != acc.users.len() {
                acc.set_followers(n);
            }
        }
        if let Some(t) = opts.service_type {
            acc.service_type = t;
        }
        if let Some(t) = opts.verify_type {
            acc.verify_type = t;
        }
        if opts.mini_program {
            acc.mini_program = true;
            // A mini program's service_type_info is 0.
            acc.service_type = opts.service_type.unwrap_or(0);
        }
        let mini = acc.mini_program;
        let now = st.now();
        let defaults: &[i64] = if mini { &MINI_PROGRAM_FUNC_INFO } else { &DEFAULT_FUNC_INFO };
        let func_info = opts.func_info.clone().unwrap_or_else(|| defaults.to_vec());
        let c = st.components.get_mut(component_appid).expect("checked above");
        let info_type = match c.authorizations.get_mut(&appid) {
            Some(a) if !a.revoked => {
                a.func_info = func_info;
                "updateauthorized"
            }
            _ => {
                let auth = Authorization { refresh_token: new_refresh_token(), func_info, auth_time: now, revoked: false, options: Default::default() };
                c.authorizations.insert(appid.clone(), auth);
                "authorized"
            }
        };
        let (auth_code, lifetime) = issue_auth_code(&mut st, component_appid, &appid, &pre_auth_code);
        let out = Authorized {
            authorizer_appid: appid,
            auth_code,
            expires_in: expires_in(lifetime),
            pre_auth_code,
            info_type: info_type.to_owned(),
        };
        (out, (now + lifetime) as i64)
    };
    if opts.push {
        push::send(shared, component_appid, &out.info_type, Some(&out.authorizer_appid), &authorized_fields(&out, expired_time)).await?;
    }
    Ok(out)
}

fn issue_auth_code(st: &mut State, component_appid: &str, authorizer: &str, pre_auth_code: &str) -> (String, f64) {
    let lifetime = st.cfg.lifetimes.auth_code;
    let code = st.issue(Issue {
        kind: Kind::AuthCode,
        appid: authorizer,
        owner: Some(component_appid),
        slot: None,
        lifetime,
        data: json!({"pre_auth_code": pre_auth_code}),
    });
    (code, lifetime)
}

/// mp.weixin.qq.com/cgi-bin/componentloginpage: the admin scans and agrees at
/// once; WeChat pushes `authorized` and redirects with auth_code and expires_in.
pub(crate) async fn login_page(shared: &Shared, req: &Req) -> Reply {
    let component = req.q("component_appid").unwrap_or_default().to_owned();
    let Some(redirect) = req.q("redirect_uri").and_then(|r| url::Url::parse(r).ok()) else {
        return Reply::err(10003, "redirect_uri missing or invalid");
    };
    let opts = AuthorizeOptions {
        appid: req.q("biz_appid").filter(|a| !a.is_empty()).map(str::to_owned),
        pre_auth_code: Some(req.q("pre_auth_code").unwrap_or_default().to_owned()),
        ..Default::default()
    };
    let out = match authorize(shared, &component, opts).await {
        Ok(out) => out,
        Err(e) => return Reply::err(61004, &e.to_string()),
    };
    let expired_time = shared.lock().now() as i64 + out.expires_in;
    // The page works even when nobody listens on the push_url (recorded in the push log).
    let _ = push::send(shared, &component, &out.info_type, Some(&out.authorizer_appid), &authorized_fields(&out, expired_time)).await;
    let mut to = redirect;
    to.query_pairs_mut().append_pair("auth_code", &out.auth_code).append_pair("expires_in", &out.expires_in.to_string());
    Reply::Redirect(to.to_string())
}

fn authorized_fields(a: &Authorized, expired_time: i64) -> Vec<Field> {
    vec![
        Field::Text("AuthorizerAppid", a.authorizer_appid.clone()),
        Field::Text("AuthorizationCode", a.auth_code.clone()),
        Field::Num("AuthorizationCodeExpiredTime", expired_time),
        Field::Text("PreAuthCode", a.pre_auth_code.clone()),
    ]
}

/// Sends an authorization event and applies its effect: `unauthorized`
/// revokes the authorization and voids its tokens; `authorized` /
/// `updateauthorized` issue a fresh auth code for an existing authorizer.
pub(crate) async fn push_event(shared: &Shared, component_appid: &str, info_type: &str, authorizer: &str) -> Result<()> {
    match info_type {
        "component_verify_ticket" => push_ticket(shared, component_appid).await.map(|_| ()),
        "unauthorized" => {
            {
                let mut st = shared.lock();
                let c = st.components.get_mut(component_appid).ok_or_else(|| unknown_component(component_appid))?;
                let a = c.authorizations.get_mut(authorizer).ok_or_else(|| {
                    Error::invalid("authorizer_appid", format!("{authorizer} never authorized {component_appid}"))
                })?;
                a.revoked = true;
                st.tokens.revoke_where(|r| {
                    r.appid == authorizer && r.owner.as_deref() == Some(component_appid) && r.kind == Kind::AuthorizerAccessToken
                });
            }
            push::send(shared, component_appid, "unauthorized", Some(authorizer), &[Field::Text("AuthorizerAppid", authorizer.to_owned())]).await
        }
        "authorized" | "updateauthorized" => {
            let (out, expired_time) = {
                let mut st = shared.lock();
                let now = st.now();
                let c = st.components.get_mut(component_appid).ok_or_else(|| unknown_component(component_appid))?;
                let a = c.authorizations.get_mut(authorizer).ok_or_else(|| {
                    Error::invalid("authorizer_appid", format!("{authorizer} never authorized {component_appid}; use authorize()"))
                })?;
                a.revoked = false;
                let pre_auth_code = issue_pre_auth_code(&mut st, component_appid);
                let (auth_code, lifetime) = issue_auth_code(&mut st, component_appid, authorizer, &pre_auth_code);
                let out = Authorized {
                    authorizer_appid: authorizer.to_owned(),
                    auth_code,
                    expires_in: expires_in(lifetime),
                    pre_auth_code,
                    info_type: info_type.to_owned(),
                };
                (out, (now + lifetime) as i64)
            };
            push::send(shared, component_appid, info_type, Some(authorizer), &authorized_fields(&out, expired_time)).await
        }
        other => Err(Error::invalid(
            "info_type",
            format!("{other:?} is not one of component_verify_ticket, authorized, updateauthorized, unauthorized"),
        )),
    }
}
