//! The platform's own mini-program endpoints in the sandbox (component
//! token): the code template library (drafts → templates), fast
//! registration of mini programs (enterprise, beta, personal) whose result
//! is pushed to the push URL and creates the authorizer, the platform's
//! domain lists, and clear_quota/v2 (AppSecret, no token).

use serde_json::{json, Map, Value};

use super::component::authorize;
use super::config::AuthorizeOptions;
use super::push::{self, cdata, Field};
use super::state::{int, s, tri, Reply, Req, Shared, State};
use super::wxa::Registration;
use super::wxa_auth::platform_token;

pub(crate) async fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let path = req.path.as_str();
    let reply = match path {
        "/wxa/gettemplatedraftlist" | "/wxa/addtotemplate" | "/wxa/gettemplatelist" | "/wxa/deletetemplate" => templates(&mut shared.lock(), req),
        "/cgi-bin/component/fastregisterweapp" | "/wxa/component/fastregisterbetaweapp" | "/wxa/component/fastregisterpersonalweapp" => {
            register(&mut shared.lock(), req)
        }
        "/cgi-bin/component/modify_wxa_server_domain" | "/cgi-bin/component/modify_wxa_jump_domain" => domains(&mut shared.lock(), req),
        "/cgi-bin/component/get_domain_confirmfile" => confirm_file(&mut shared.lock(), req),
        "/cgi-bin/component/clear_quota/v2" => clear_quota_v2(&shared.lock(), req),
        super::wxa_settings::QRCODE => super::wxa_settings::qrcode(&mut shared.lock(), req),
        _ => return None,
    };
    Some(reply)
}

fn confirm_file(st: &mut State, req: &Req) -> Reply {
    let c = tri!(platform_token(st, req));
    Reply::ok_with(json!({"file_name": format!("{c}.txt"), "file_content": format!("sandbox-component-confirm-{c}")}))
}

fn templates(st: &mut State, req: &Req) -> Reply {
    let component = tri!(platform_token(st, req));
    let body = if req.body.is_empty() { json!({}) } else { tri!(req.json()) };
    let now = st.now() as i64;
    let p = st.wxa.platform(&component);
    match req.path.as_str() {
        "/wxa/gettemplatedraftlist" => Reply::ok_with(json!({"draft_list": p.drafts})),
        "/wxa/gettemplatelist" => {
            let kind = req.q("template_type").and_then(|t| t.parse::<i64>().ok());
            let list: Vec<&Value> = p.templates.iter().filter(|t| kind.is_none_or(|k| t["template_type"] == k)).collect();
            Reply::ok_with(json!({"template_list": list}))
        }
        "/wxa/addtotemplate" => {
            let id = int(&body, "draft_id");
            let Some(draft) = p.drafts.iter().find(|d| id.is_some() && d["draft_id"].as_i64() == id).cloned() else {
                return Reply::err(85064, "template not found: no such draft");
            };
            let template_type = int(&body, "template_type").unwrap_or(0);
            if !(0..=1).contains(&template_type) {
                return Reply::err(-1, "invalid template_type");
            }
            let template_id = st.wxa.next_id() - 400_000_000;
            let mut t = draft;
            let o = t.as_object_mut().expect("drafts are objects");
            o.insert("template_id".into(), json!(template_id));
            o.insert("template_type".into(), json!(template_type));
            o.insert("create_time".into(), json!(now));
            o.insert("audit_status".into(), json!(0));
            st.wxa.platform(&component).templates.push(t);
            Reply::ok()
        }
        _ => {
            let id = int(&body, "template_id");
            let before = p.templates.len();
            p.templates.retain(|t| id.is_none() || t["template_id"].as_i64() != id);
            if p.templates.len() == before { Reply::err(85064, "template not found") } else { Reply::ok() }
        }
    }
}

/// A draft as if a developer uploaded it from the devtools (control API).
pub(crate) fn add_draft(st: &mut State, component: &str, user_version: &str, user_desc: &str) -> Value {
    let now = st.now() as i64;
    let draft_id = st.wxa.next_id() - 400_000_000;
    let draft = json!({
        "create_time": now, "user_version": user_version, "user_desc": user_desc, "draft_id": draft_id,
        "source_miniprogram_appid": format!("wxdev{component}"), "source_miniprogram": "沙盒开发小程序", "developer": "sandbox",
    });
    st.wxa.platform(component).drafts.push(draft.clone());
    draft
}

fn register(st: &mut State, req: &Req) -> Reply {
    let component = tri!(platform_token(st, req));
    let body = tri!(req.json());
    let now = st.now();
    let text = |k: &str| s(&body, k).unwrap_or_default();
    let (kind, action) = match req.path.as_str() {
        "/cgi-bin/component/fastregisterweapp" => ("enterprise", req.q("action").unwrap_or_default()),
        "/wxa/component/fastregisterbetaweapp" => ("beta", "create"),
        _ => ("personal", req.q("action").unwrap_or_default()),
    };
    let p = st.wxa.platform(&component);
    let script = p.fast_register.clone();
    let due_at = script.auto.then(|| now + script.after_ms as f64 / 1000.0);
    let mut info = Map::new();
    let (id, answer) = match (kind, action) {
        ("enterprise", "create") => {
            for k in ["name", "code", "legal_persona_wechat", "legal_persona_name"] {
                if s(&body, k).is_none() {
                    return Reply::err(89253, "lack of some params");
                }
            }
            if !matches!(int(&body, "code_type"), Some(1..=3)) {
                return Reply::err(89248, "invalid code type");
            }
            let name = text("name");
            if p.registrations.iter().any(|r| r.kind == "enterprise" && r.id == name && r.state == "pending") {
                return Reply::err(89249, "task running");
            }
            for k in ["name", "code", "code_type", "legal_persona_wechat", "legal_persona_name", "component_phone"] {
                info.insert(k.into(), body.get(k).cloned().unwrap_or(json!("")));
            }
            (name, json!({}))
        }
        ("enterprise", "search") => {
            let name = text("name");
            return match p.registrations.iter().rev().find(|r| r.kind == "enterprise" && r.id == name) {
                None => Reply::err(89250, "task not found"),
                Some(r) if r.state == "pending" => Reply::err(89251, "legal person checking"),
                Some(r) => Reply::ok_with(json!({"status": r.state.parse::<i64>().unwrap_or(0), "appid": r.appid})),
            };
        }
        ("beta", _) => {
            let name = text("name");
            if !(4..=30).contains(&name.chars().count()) || s(&body, "openid").is_none() {
                return Reply::err(47001, "data format error: name (4-30 characters) and openid are required");
            }
            let unique_id = format!("sandboxbeta{}", rand::random::<u64>());
            info.insert("unique_id".into(), json!(unique_id));
            info.insert("name".into(), json!(name));
            let url = format!("https://mp.weixin.qq.com/wxawap/fastregistertpbeta?action=show&create_token={unique_id}");
            (unique_id.clone(), json!({"unique_id": unique_id, "authorize_url": url}))
        }
        ("personal", "create") => {
            // WeChat's current flow (`new_version: true`) needs only the WeChat id.
            let new_version = body.get("new_version").and_then(Value::as_bool) == Some(true);
            if (!new_version && s(&body, "idname").is_none()) || s(&body, "wxuser").is_none() {
                return Reply::err(89253, "lack of some params");
            }
            let taskid = format!("sandboxtask{}", rand::random::<u64>());
            for k in ["wxuser", "idname", "component_phone", "new_version"] {
                info.insert(k.into(), body.get(k).cloned().unwrap_or(json!("")));
            }
            let url = format!("https://mp.weixin.qq.com/wxopen/fastregister?taskid={taskid}");
            (taskid.clone(), json!({"taskid": taskid, "authorize_url": url, "status": 0}))
        }
        ("personal", "query") => {
            let taskid = text("taskid");
            return match p.registrations.iter().find(|r| r.kind == "personal" && r.id == taskid) {
                None => Reply::err(89250, "task not found"),
                // Personal task states: 0 created … 12 created the mini program.
                Some(r) if r.state == "pending" => Reply::ok_with(json!({"status": 0, "taskid": taskid})),
                Some(r) if r.state == "0" => Reply::ok_with(json!({"status": 12, "taskid": taskid, "appid": r.appid})),
                Some(_) => Reply::ok_with(json!({"status": 11, "taskid": taskid})),
            };
        }
        _ => return Reply::err(-1, "invalid action"),
    };
    p.registrations.push(Registration { kind: kind.into(), id, info, state: "pending".into(), appid: None, due_at, created_at: now as i64 });
    Reply::ok_with(answer)
}

/// The people behind registration `index` answered: on success the mini
/// program exists, is authorized to the platform, and WeChat pushes the
/// result (with an auth_code) to the push URL.
pub(crate) async fn complete_registration(shared: &Shared, component: &str, index: usize) {
    let (reg, status) = {
        let mut st = shared.lock();
        let p = st.wxa.platform(component);
        let status = p.fast_register.status;
        match p.registrations.get(index).filter(|r| r.state == "pending") {
            Some(r) => (r.clone(), status),
            None => return,
        }
    };
    // A push that does not arrive is in the push log, as WeChat would retry later.
    let _ = finish(shared, component, index, reg, status).await;
}

/// Completes registration `id` (taskid, unique_id or name) with `status` now.
pub(crate) async fn complete_by_id(shared: &Shared, component: &str, id: &str, status: i64) -> crate::Result<Value> {
    let found = {
        let mut st = shared.lock();
        let p = st.wxa.platform(component);
        p.registrations.iter().position(|r| r.id == id && r.state == "pending").map(|i| (i, p.registrations[i].clone()))
    };
    let Some((index, reg)) = found else {
        return Err(crate::Error::invalid("id", format!("no pending fast registration {id} for {component}")));
    };
    finish(shared, component, index, reg, status).await
}

async fn finish(shared: &Shared, component: &str, index: usize, reg: Registration, status: i64) -> crate::Result<Value> {
    let name = |k: &str| reg.info.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let created = if status == 0 {
        let nick = match reg.kind.as_str() {
            "beta" => format!("{}的体验小程序", name("name")),
            "personal" => format!("{}的小程序", name("idname")),
            _ => name("name"),
        };
        // A beta mini program's authorization arrives as an `authorized` push too.
        let opts = AuthorizeOptions { nick_name: Some(nick), mini_program: true, push: reg.kind == "beta", ..Default::default() };
        Some(authorize(shared, component, opts).await?)
    } else {
        None
    };
    let info: String = reg.info.iter().map(|(k, v)| format!("<{k}>{}</{k}>", v.as_str().map(cdata).unwrap_or_else(|| v.to_string()))).collect();
    let mut fields = Vec::new();
    if let Some(a) = &created {
        fields.push(Field::Text("appid", a.authorizer_appid.clone()));
    }
    fields.push(Field::Num("status", status));
    if let (Some(a), false) = (&created, reg.kind == "beta") {
        fields.push(Field::Text("auth_code", a.auth_code.clone()));
    }
    fields.push(Field::Text("msg", if status == 0 { "OK".into() } else { "open verity failed".into() }));
    fields.push(Field::Xml("info", info));
    let info_type = if reg.kind == "beta" { "notify_third_fastregisterbetaapp" } else { "notify_third_fasteregister" };
    let appid = created.as_ref().map(|a| a.authorizer_appid.clone());
    {
        let mut st = shared.lock();
        if let Some(r) = st.wxa.platform(component).registrations.get_mut(index) {
            r.state = status.to_string();
            r.appid = appid.clone();
        }
    }
    push::send(shared, component, info_type, appid.as_deref(), &fields).await?;
    Ok(json!({"appid": appid, "status": status, "authCode": created.map(|a| a.auth_code)}))
}

/// The platform's server / business domains: host names, `;`-separated on the wire.
fn domains(st: &mut State, req: &Req) -> Reply {
    let component = tri!(platform_token(st, req));
    let body = tri!(req.json());
    let jump = req.path.ends_with("modify_wxa_jump_domain");
    let field = if jump { "wxa_jump_h5_domain" } else { "wxa_server_domain" };
    let given: Vec<String> = s(&body, field).map(|v| v.split(';').map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    let (valid, invalid): (Vec<String>, Vec<String>) = given.into_iter().partition(|d| !d.contains("://") && !d.contains('/') && d.contains('.'));
    let p = st.wxa.platform(&component);
    let list = if jump { &mut p.jump_domains } else { &mut p.server_domains };
    match s(&body, "action").as_deref() {
        Some("get") => {}
        Some("set") => *list = valid,
        Some("add") => list.extend(valid.into_iter().filter(|d| !list.contains(d)).collect::<Vec<_>>()),
        Some("delete") => list.retain(|d| !valid.contains(d)),
        _ => return Reply::err(-1, "invalid action"),
    }
    let joined = list.join(";");
    let prefix = if jump { "wxa_jump_h5_domain" } else { "wxa_server_domain" };
    Reply::ok_with(json!({
        format!("published_{prefix}"): joined,
        format!("testing_{prefix}"): joined,
        format!("invalid_{prefix}"): invalid.join(";"),
    }))
}

fn clear_quota_v2(st: &State, req: &Req) -> Reply {
    let body = tri!(req.json());
    let (Some(appid), Some(secret)) = (s(&body, "component_appid"), s(&body, "appsecret")) else {
        return Reply::err(41002, "appid missing");
    };
    match st.components.get(&appid) {
        None => Reply::err(40013, "invalid appid"),
        Some(c) if c.reg.secret != secret => Reply::err(40125, "invalid appsecret"),
        Some(c) => match s(&body, "appid") {
            Some(a) if !c.authorizations.contains_key(&a) => Reply::err(61003, "component is not authorized by this account"),
            _ => Reply::ok(),
        },
    }
}
