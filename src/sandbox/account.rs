//! An account's own token and tickets, and the official-account endpoints
//! with state: users and followers, tags, menus.

use serde_json::{json, Value};

use super::account_data::Account;
use super::state::{expires_in, int, s, tri, Reply, Req, Shared, State};
use super::tokens::{Issue, Kind};

/// Tokens that let a caller act for an official account.
pub(crate) const OA_KINDS: [Kind; 3] = [Kind::AccessToken, Kind::StableAccessToken, Kind::AuthorizerAccessToken];

/// The appid the request's access_token acts for.
pub(crate) fn acting(st: &mut State, req: &Req) -> Result<String, Reply> {
    st.auth(req, "access_token", &OA_KINDS, None).map(|t| t.appid)
}

pub(crate) fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let path = req.path.as_str();
    let mine = matches!(path, "/cgi-bin/token" | "/cgi-bin/stable_token" | "/cgi-bin/ticket/getticket" | "/cgi-bin/get_current_selfmenu_info")
        || path.starts_with("/cgi-bin/user/")
        || path.starts_with("/cgi-bin/tags/")
        || path.starts_with("/cgi-bin/menu/");
    mine.then(|| dispatch(&mut shared.lock(), req))
}

fn dispatch(st: &mut State, req: &Req) -> Reply {
    let path = req.path.as_str();
    match path {
        "/cgi-bin/token" => return token(st, req),
        "/cgi-bin/stable_token" => return stable_token(st, req),
        "/cgi-bin/ticket/getticket" => return ticket(st, req),
        _ => {}
    }
    let appid = tri!(acting(st, req));
    let page_size = st.cfg.followers_page_size.max(1);
    let acc = st.account(&appid);
    if let Some(op) = path.strip_prefix("/cgi-bin/tags/") {
        tags(acc, req, op)
    } else if path.starts_with("/cgi-bin/user/") {
        users(acc, req, page_size)
    } else {
        menus(acc, req, path.rsplit('/').next().unwrap_or_default())
    }
}

fn credentials(st: &State, appid: &str, secret: Option<&str>) -> Result<(), Reply> {
    match st.apps.get(appid) {
        None => Err(Reply::err(40013, "invalid appid")),
        Some(s) if Some(s.as_str()) != secret => Err(Reply::err(40125, "invalid appsecret")),
        Some(_) => Ok(()),
    }
}

fn token(st: &mut State, req: &Req) -> Reply {
    if req.q("grant_type") != Some("client_credential") {
        return Reply::err(40002, "invalid grant_type");
    }
    let appid = req.q("appid").unwrap_or_default();
    tri!(credentials(st, appid, req.q("secret")));
    let lifetime = st.cfg.lifetimes.access_token;
    // Each call issues a new token; the previous one stays good for the grace period.
    let token = st.issue(Issue { kind: Kind::AccessToken, appid, owner: None, slot: Some(appid.to_owned()), lifetime, data: Value::Null });
    Reply::Json(json!({"access_token": token, "expires_in": expires_in(lifetime)}))
}

fn stable_token(st: &mut State, req: &Req) -> Reply {
    let body = tri!(req.json());
    if s(&body, "grant_type").as_deref() != Some("client_credential") {
        return Reply::err(40002, "invalid grant_type");
    }
    let appid = s(&body, "appid").unwrap_or_default();
    tri!(credentials(st, &appid, s(&body, "secret").as_deref()));
    let force = body.get("force_refresh").and_then(Value::as_bool).unwrap_or(false);
    let now = st.now();
    // Normal mode hands back the live token; force_refresh issues a new one.
    if !force {
        if let Some((token, left)) = st.tokens.current(Kind::StableAccessToken, &appid, now) {
            return Reply::Json(json!({"access_token": token, "expires_in": expires_in(left)}));
        }
    }
    let lifetime = st.cfg.lifetimes.access_token;
    let token = st.issue(Issue { kind: Kind::StableAccessToken, appid: &appid, owner: None, slot: Some(appid.clone()), lifetime, data: Value::Null });
    Reply::Json(json!({"access_token": token, "expires_in": expires_in(lifetime)}))
}

fn ticket(st: &mut State, req: &Req) -> Reply {
    let appid = tri!(acting(st, req));
    let kind = req.q("type").unwrap_or("jsapi");
    if kind != "jsapi" && kind != "wx_card" {
        return Reply::err(40097, "invalid args: type must be jsapi or wx_card");
    }
    let lifetime = st.cfg.lifetimes.ticket;
    let ticket = st.issue(Issue {
        kind: Kind::Ticket,
        appid: &appid,
        owner: None,
        slot: Some(format!("{appid}/{kind}")),
        lifetime,
        data: json!({"type": kind}),
    });
    Reply::ok_with(json!({"ticket": ticket, "expires_in": expires_in(lifetime)}))
}

/// A page of openids after `next_openid` ("" = from the start).
fn page<'a>(openids: impl Iterator<Item = &'a str> + Clone, next: &str, size: usize) -> Result<(Vec<String>, String), Reply> {
    let skip = if next.is_empty() {
        0
    } else {
        match openids.clone().position(|o| o == next) {
            Some(i) => i + 1,
            None => return Err(Reply::err(40003, "invalid openid")),
        }
    };
    let list: Vec<String> = openids.skip(skip).take(size).map(str::to_owned).collect();
    let next = list.last().cloned().unwrap_or_default();
    Ok((list, next))
}

fn users(acc: &mut Account, req: &Req, page_size: usize) -> Reply {
    let lang = req.q("lang").unwrap_or("zh_CN").to_owned();
    match req.path.as_str() {
        "/cgi-bin/user/info" => match acc.user(req.q("openid").unwrap_or_default()) {
            Some(u) => Reply::Json(u.info(&lang)),
            None => Reply::err(40003, "invalid openid"),
        },
        "/cgi-bin/user/info/batchget" => {
            let body = tri!(req.json());
            let list = body.get("user_list").and_then(Value::as_array).cloned().unwrap_or_default();
            if list.is_empty() || list.len() > 100 {
                return Reply::err(40097, "invalid args: user_list must hold 1..100 users");
            }
            let mut out = Vec::with_capacity(list.len());
            for item in &list {
                let openid = s(item, "openid").unwrap_or_default();
                let lang = s(item, "lang").unwrap_or_else(|| lang.clone());
                match acc.user(&openid) {
                    Some(u) => out.push(u.info(&lang)),
                    None => return Reply::err(40003, "invalid openid"),
                }
            }
            Reply::Json(json!({"user_info_list": out}))
        }
        "/cgi-bin/user/get" => {
            let all = acc.users.iter().map(|u| u.openid.as_str());
            let (list, next) = tri!(page(all, req.q("next_openid").unwrap_or(""), page_size));
            let mut out = json!({"total": acc.users.len(), "count": list.len(), "next_openid": next});
            if !list.is_empty() {
                out["data"] = json!({"openid": list});
            }
            Reply::Json(out)
        }
        "/cgi-bin/user/info/updateremark" => {
            let body = tri!(req.json());
            let remark = s(&body, "remark").unwrap_or_default();
            if remark.chars().count() > 30 {
                return Reply::err(45065, "remark too long");
            }
            match acc.user_mut(&s(&body, "openid").unwrap_or_default()) {
                Some(u) => {
                    u.remark = remark;
                    Reply::ok()
                }
                None => Reply::err(40003, "invalid openid"),
            }
        }
        _ => {
            // /cgi-bin/user/tag/get
            let body = tri!(req.json());
            let tagid = int(&body, "tagid").unwrap_or(-1);
            if !acc.tags.contains_key(&tagid) {
                return Reply::err(45159, "invalid tag id");
            }
            let tagged = acc.users.iter().filter(|u| u.tagid_list.contains(&tagid)).map(|u| u.openid.as_str());
            let (list, next) = tri!(page(tagged, &s(&body, "next_openid").unwrap_or_default(), 10000));
            Reply::Json(json!({"count": list.len(), "data": {"openid": list}, "next_openid": next}))
        }
    }
}

fn tags(acc: &mut Account, req: &Req, op: &str) -> Reply {
    let body = tri!(req.json());
    let tag = body.get("tag").cloned().unwrap_or(Value::Null);
    let id = int(&tag, "id").or_else(|| int(&body, "tagid")).unwrap_or(-1);
    let name = s(&tag, "name").unwrap_or_default();
    let known = acc.tags.contains_key(&id);
    match op {
        "get" => {
            let tags: Vec<Value> = acc
                .tags
                .iter()
                .map(|(id, name)| json!({"id": id, "name": name, "count": acc.users.iter().filter(|u| u.tagid_list.contains(id)).count()}))
                .collect();
            Reply::Json(json!({"tags": tags}))
        }
        "create" | "update" if name.is_empty() || name.chars().count() > 30 => Reply::err(45158, "tag name too long"),
        "create" | "update" if acc.tags.iter().any(|(i, n)| *n == name && *i != id) => Reply::err(45157, "invalid tag name"),
        "create" if acc.tags.len() >= 100 => Reply::err(45056, "too many tag now, no need to add new"),
        "create" => {
            let id = acc.next_tag_id;
            acc.next_tag_id += 1;
            acc.tags.insert(id, name.clone());
            Reply::Json(json!({"tag": {"id": id, "name": name}}))
        }
        "update" | "delete" if (0..=2).contains(&id) => Reply::err(45058, "can't modify sys tag"),
        "update" | "delete" | "members/batchtagging" | "members/batchuntagging" if !known => Reply::err(45159, "invalid tag id"),
        "update" => {
            acc.tags.insert(id, name);
            Reply::ok()
        }
        "delete" => {
            acc.tags.remove(&id);
            acc.users.iter_mut().for_each(|u| u.tagid_list.retain(|t| *t != id));
            Reply::ok()
        }
        "members/batchtagging" | "members/batchuntagging" => {
            let openids: Vec<String> =
                body.get("openid_list").and_then(Value::as_array).map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default();
            if openids.is_empty() || openids.len() > 50 {
                return Reply::err(40032, "invalid openid list size");
            }
            if openids.iter().any(|o| acc.user(o).is_none()) {
                return Reply::err(40003, "invalid openid");
            }
            let tagging = op.ends_with("batchtagging") && !op.ends_with("untagging");
            if tagging && openids.iter().any(|o| acc.user(o).is_some_and(|u| u.tagid_list.len() >= 20 && !u.tagid_list.contains(&id))) {
                return Reply::err(45059, "fans can not have more than 20 tags");
            }
            for o in &openids {
                if let Some(u) = acc.user_mut(o) {
                    u.tagid_list.retain(|t| *t != id);
                    if tagging {
                        u.tagid_list.push(id);
                    }
                }
            }
            Reply::ok()
        }
        "getidlist" => match acc.user(&s(&body, "openid").unwrap_or_default()) {
            Some(u) => Reply::Json(json!({"tagid_list": u.tagid_list})),
            None => Reply::err(40003, "invalid openid"),
        },
        "members/getblacklist" => super::blacklist::page(acc, &s(&body, "begin_openid").unwrap_or_default()),
        "members/batchblacklist" | "members/batchunblacklist" => super::blacklist::change(acc, &body, op.ends_with("batchblacklist") && !op.ends_with("unblacklist")),
        _ => Reply::err(48001, "api unauthorized"),
    }
}

/// WeChat's menu rules: 1..3 buttons, each with a name and up to 5 sub_buttons.
fn check_buttons(body: &Value) -> Result<Vec<Value>, Reply> {
    let buttons = body.get("button").and_then(Value::as_array).cloned().unwrap_or_default();
    if buttons.is_empty() || buttons.len() > 3 {
        return Err(Reply::err(40016, "invalid button size"));
    }
    let mut out = Vec::new();
    for mut b in buttons {
        let subs = b.get("sub_button").and_then(Value::as_array).cloned().unwrap_or_default();
        if subs.len() > 5 {
            return Err(Reply::err(40023, "invalid sub button size"));
        }
        if s(&b, "name").is_none() || subs.iter().any(|sb| s(sb, "name").is_none()) {
            return Err(Reply::err(40018, "invalid button name size"));
        }
        if subs.is_empty() && s(&b, "type").is_none() {
            return Err(Reply::err(40017, "invalid button type"));
        }
        // menu/get shows sub_button on every top-level button, as WeChat does.
        b["sub_button"] = Value::Array(subs);
        out.push(b);
    }
    Ok(out)
}

fn menus(acc: &mut Account, req: &Req, op: &str) -> Reply {
    match op {
        "create" | "addconditional" => {
            let body = tri!(req.json());
            let buttons = tri!(check_buttons(&body));
            let menuid = acc.next_id() + 400_000_000;
            if op == "create" {
                acc.menu = Some(json!({"button": buttons, "menuid": menuid}));
                return Reply::ok();
            }
            if acc.menu.is_none() {
                return Reply::err(65303, "there is no selfmenu, please create selfmenu first");
            }
            let Some(matchrule) = body.get("matchrule").filter(|m| m.is_object()) else {
                return Reply::err(65304, "match rule empty");
            };
            acc.conditional_menus.push(json!({"button": buttons, "matchrule": matchrule, "menuid": menuid}));
            Reply::Json(json!({"menuid": menuid.to_string()}))
        }
        "get" => match &acc.menu {
            None => Reply::err(46003, "menu no exist"),
            Some(menu) => {
                let mut out = json!({"menu": menu});
                if !acc.conditional_menus.is_empty() {
                    out["conditionalmenu"] = Value::Array(acc.conditional_menus.clone());
                }
                Reply::Json(out)
            }
        },
        "delete" => {
            acc.menu = None;
            acc.conditional_menus.clear();
            Reply::ok()
        }
        "delconditional" => {
            let body = tri!(req.json());
            let id = s(&body, "menuid").unwrap_or_default();
            let before = acc.conditional_menus.len();
            acc.conditional_menus.retain(|m| m["menuid"].to_string() != id);
            if acc.conditional_menus.len() == before {
                return Reply::err(65301, "no this conditional menu");
            }
            Reply::ok()
        }
        "trymatch" => match &acc.menu {
            None => Reply::err(46002, "no menu"),
            Some(menu) => Reply::Json(json!({"button": menu["button"]})),
        },
        "get_current_selfmenu_info" => match &acc.menu {
            None => Reply::Json(json!({"is_menu_open": 0})),
            Some(menu) => Reply::Json(json!({"is_menu_open": 1, "selfmenu_info": {"button": menu["button"]}})),
        },
        _ => Reply::err(48001, "api unauthorized"),
    }
}
