//! A mini program's code in the sandbox: commit (ext_json checked), the
//! code-privacy detection that answers 61039 for a while after a commit, the
//! audit (quota, 85009 while one is under way, the scripted reviewer),
//! release, gray release and rollback with versions.

use serde_json::{json, Value};

use super::state::{int, s, tri, Reply, Req, State};
use super::wxa::{Audit, Commit, Version, CODE_MANAGEMENT};
use super::wxa_auth::mini_program;
use super::wxa_image::image_reply;

pub(crate) const PATHS: [&str; 19] = [
    "/wxa/commit",
    "/wxa/get_page",
    "/wxa/get_qrcode",
    "/wxa/security/get_code_privacy_info",
    "/wxa/submit_audit",
    "/wxa/get_auditstatus",
    "/wxa/get_latest_auditstatus",
    "/wxa/undocodeaudit",
    "/wxa/speedupaudit",
    "/wxa/queryquota",
    "/wxa/release",
    "/wxa/revertcoderelease",
    "/wxa/grayrelease",
    "/wxa/revertgrayrelease",
    "/wxa/getgrayreleaseplan",
    "/wxa/change_visitstatus",
    "/wxa/getversioninfo",
    "/cgi-bin/wxopen/getweappsupportversion",
    "/cgi-bin/wxopen/setweappsupportversion",
];

/// A history of at most this many released versions (WeChat keeps 5).
const HISTORY: usize = 5;

pub(crate) fn dispatch(st: &mut State, req: &Req) -> Reply {
    let tok = tri!(mini_program(st, req, Some(CODE_MANAGEMENT)));
    let (appid, owner) = (tok.appid, tok.owner.unwrap_or_default());
    let reply = answer(st, req, &appid, &owner);
    // Counted per mini program ("path" accepted, "path errcode" refused): tests
    // check exactly-once steps and that nothing was refused for its order.
    let key = match &reply {
        Reply::Json(v) if v["errcode"].as_i64().unwrap_or(0) != 0 => format!("{} {}", req.path, v["errcode"]),
        _ => req.path.clone(),
    };
    *st.wxa.app(&appid).calls.entry(key).or_default() += 1;
    reply
}

fn answer(st: &mut State, req: &Req, appid: &str, owner: &str) -> Reply {
    let (appid, owner) = (appid.to_owned(), owner.to_owned());
    let body = if req.path == "/wxa/get_qrcode" || req.body.is_empty() { json!({}) } else { tri!(req.json()) };
    let now = st.now();
    let t = now as i64;
    match req.path.as_str() {
        "/wxa/commit" => commit(st, &appid, &owner, &body),
        "/wxa/get_page" => match st.wxa.app(&appid).commit {
            Some(_) => Reply::ok_with(json!({"page_list": st.wxa.app(&appid).pages()})),
            None => no_code(),
        },
        "/wxa/get_qrcode" => match &st.wxa.app(&appid).commit {
            Some(c) => image_reply(json!({"appid": appid, "trial": c.user_version, "path": req.q("path")})),
            None => no_code(),
        },
        "/wxa/security/get_code_privacy_info" => {
            let mp = st.wxa.app(&appid);
            match mp.commit {
                None => no_code(),
                Some(_) if now < mp.privacy_ready_at => privacy_pending(),
                Some(_) => Reply::ok_with(json!({"without_auth_list": [], "without_conf_list": []})),
            }
        }
        "/wxa/submit_audit" => submit_audit(st, &appid, &owner, body),
        "/wxa/get_auditstatus" => {
            let id = int(&body, "auditid").unwrap_or(0);
            match st.wxa.app(&appid).audits.iter().find(|a| a.auditid == id) {
                // get_auditstatus says `screenshot`; get_latest_auditstatus `ScreenShot` (as WeChat's docs).
                Some(a) => Reply::ok_with(json!({"status": a.status, "reason": a.reason, "screenshot": a.screenshot})),
                None => Reply::err(85012, "invalid audit id"),
            }
        }
        "/wxa/get_latest_auditstatus" => match st.wxa.app(&appid).audits.last() {
            Some(a) => Reply::ok_with(json!({
                "auditid": a.auditid, "status": a.status, "reason": a.reason, "ScreenShot": a.screenshot,
                "user_version": a.user_version, "user_desc": a.user_desc, "submit_audit_time": a.submit_audit_time,
            })),
            None => Reply::err(86001, "no audit of code submitted by the third party"),
        },
        "/wxa/undocodeaudit" => undo(st, &appid, now),
        "/wxa/speedupaudit" => speedup(st, &appid, &owner, &body),
        "/wxa/queryquota" => Reply::ok_with(json!(st.wxa.platform(&owner).quota)),
        "/wxa/release" => release(st, &appid, t),
        "/wxa/revertcoderelease" => match req.q("action") {
            Some("get_history_version") => Reply::ok_with(json!({"version_list": st.wxa.app(&appid).history})),
            Some(other) => Reply::err(-1, &format!("invalid action {other}")),
            None => revert(st, &appid, req.q("app_version")),
        },
        "/wxa/grayrelease" => gray_release(st, &appid, &body, t),
        "/wxa/revertgrayrelease" => {
            let mp = st.wxa.app(&appid);
            match mp.gray.as_mut().filter(|g| g["status"] == 1) {
                Some(g) => {
                    g["status"] = json!(4);
                    Reply::ok()
                }
                None => Reply::err(87013, "no gray release to revert"),
            }
        }
        "/wxa/getgrayreleaseplan" => {
            let plan = st.wxa.app(&appid).gray.clone().unwrap_or_else(|| json!({"status": 0, "create_timestamp": 0, "gray_percentage": 0}));
            Reply::ok_with(json!({"gray_release_plan": plan}))
        }
        "/wxa/change_visitstatus" => match s(&body, "action").as_deref() {
            Some(a @ ("open" | "close")) => {
                st.wxa.app(&appid).visit_closed = a == "close";
                Reply::ok()
            }
            _ => Reply::err(-1, "invalid action"),
        },
        "/wxa/getversioninfo" => {
            let mp = st.wxa.app(&appid);
            let exp = mp.commit.as_ref().map(|c| json!({"exp_time": c.time, "exp_version": c.user_version, "exp_desc": c.user_desc}));
            let rel = mp.release.as_ref().map(|v| json!({"release_time": v.commit_time, "release_version": v.user_version, "release_desc": v.user_desc}));
            Reply::ok_with(json!({"exp_info": exp.unwrap_or(json!({})), "release_info": rel.unwrap_or(json!({}))}))
        }
        "/cgi-bin/wxopen/getweappsupportversion" => {
            let now_version = st.wxa.app(&appid).support_version.clone().unwrap_or_else(|| "2.10.0".into());
            Reply::ok_with(json!({"now_version": now_version, "uv_info": {"items": [{"percentage": 99, "version": "2.10.0"}, {"percentage": 1, "version": "2.9.0"}]}}))
        }
        "/cgi-bin/wxopen/setweappsupportversion" => match s(&body, "version") {
            Some(v) if v.split('.').count() == 3 && v.split('.').all(|p| p.parse::<u32>().is_ok()) => {
                st.wxa.app(&appid).support_version = Some(v);
                Reply::ok()
            }
            _ => Reply::err(85015, "invalid version"),
        },
        _ => Reply::err(-1, "system error"),
    }
}

fn no_code() -> Reply {
    Reply::err(86001, "no code committed by the third party")
}

fn privacy_pending() -> Reply {
    Reply::err(61039, "隐私接口检查任务未完成，请稍等一分钟再重试")
}

/// ext_json: JSON text of an object whose extAppid (when given) is the app's.
fn commit(st: &mut State, appid: &str, owner: &str, body: &Value) -> Reply {
    let Some(template_id) = int(body, "template_id") else { return Reply::err(85014, "template not exist") };
    if !st.wxa.platform(owner).templates.iter().any(|t| t["template_id"] == template_id) {
        return Reply::err(85014, "template not exist");
    }
    let Some(text) = body.get("ext_json").and_then(Value::as_str) else { return Reply::err(85048, "ext_json parse failed: not a string") };
    let ext_json = match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Reply::err(85048, "ext_json parse failed"),
    };
    if ext_json.get("extAppid").and_then(Value::as_str).is_some_and(|e| e != appid) {
        return Reply::err(85013, "invalid ext config: extAppid is another mini program's");
    }
    let (Some(user_version), Some(user_desc)) = (s(body, "user_version"), body.get("user_desc").and_then(Value::as_str).map(str::to_owned)) else {
        return Reply::err(47001, "data format error: user_version and user_desc are required");
    };
    if user_version.chars().count() > 64 {
        return Reply::err(85015, "user_version is longer than 64 characters");
    }
    let now = st.now();
    let detect = st.cfg.wxa_privacy_check_secs;
    let mp = st.wxa.app(appid);
    mp.commit = Some(Commit { template_id, ext_json, user_version, user_desc, time: now as i64 });
    mp.privacy_ready_at = now + detect;
    Reply::ok()
}

fn submit_audit(st: &mut State, appid: &str, owner: &str, body: Value) -> Reply {
    let now = st.now();
    if body.get("item_list").is_some_and(|v| !v.is_array()) {
        return Reply::err(47001, "data format error: item_list must be an array");
    }
    let mp = st.wxa.app(appid);
    let Some(commit) = mp.commit.clone() else { return no_code() };
    if now < mp.privacy_ready_at {
        return privacy_pending();
    }
    if mp.audits.iter().any(|a| matches!(a.status, 2 | 4)) {
        return Reply::err(85009, "已经有正在审核的版本");
    }
    let quota = &mut st.wxa.platform(owner).quota;
    if quota.rest <= 0 {
        return Reply::err(85085, "submit audit reach limit pls try later");
    }
    quota.rest -= 1;
    let auditid = st.wxa.next_id();
    let mp = st.wxa.app(appid);
    let pending = mp.reviewer.steps(now);
    mp.audits.push(Audit {
        auditid,
        status: 2,
        reason: None,
        screenshot: None,
        user_version: commit.user_version,
        user_desc: commit.user_desc,
        submit_audit_time: now as i64,
        released: false,
        request: body,
        pending,
    });
    Reply::ok_with(json!({"auditid": auditid}))
}

/// WeChat allows withdrawing an audit under way at most 5 times a day and
/// 10 times a month per mini program (87013 past that); quota is not refunded.
const UNDO_PER_DAY: usize = 5;
const UNDO_PER_MONTH: usize = 10;

fn undo(st: &mut State, appid: &str, now: f64) -> Reply {
    let mp = st.wxa.app(appid);
    if !mp.audits.last().is_some_and(|a| matches!(a.status, 2 | 4)) {
        return Reply::err(85019, "no version is under auditing");
    }
    let within = |secs: f64| mp.undos.iter().filter(|&&t| now - t < secs).count();
    if within(86_400.0) >= UNDO_PER_DAY || within(30.0 * 86_400.0) >= UNDO_PER_MONTH {
        return Reply::err(87013, "撤回次数达到上限（每天5次，每个月10次）");
    }
    mp.undos.push(now);
    let a = mp.latest_audit().expect("checked above");
    a.status = 3;
    a.pending.clear();
    Reply::ok()
}

fn speedup(st: &mut State, appid: &str, owner: &str, body: &Value) -> Reply {
    let id = int(body, "auditid").unwrap_or(0);
    let auditing = st.wxa.app(appid).audits.iter().any(|a| a.auditid == id && matches!(a.status, 2 | 4));
    if !auditing {
        return Reply::err(85012, "invalid audit id");
    }
    let quota = &mut st.wxa.platform(owner).quota;
    if quota.speedup_rest <= 0 {
        return Reply::err(85085, "speedup audit reach limit");
    }
    quota.speedup_rest -= 1;
    Reply::ok()
}

/// The newest approved audit goes online; 85052 once it is.
fn release(st: &mut State, appid: &str, now: i64) -> Reply {
    let mp = st.wxa.app(appid);
    let Some(audit) = mp.audits.last_mut() else { return Reply::err(85019, "no version is under auditing") };
    if audit.status != 0 {
        return Reply::err(85020, "status not allowed");
    }
    if audit.released {
        // A gray release is completed by release; a full one cannot be repeated.
        if let Some(g) = mp.gray.as_mut().filter(|g| g["status"] == 1) {
            g["status"] = json!(3);
            g["gray_percentage"] = json!(100);
            return Reply::ok();
        }
        return Reply::err(85052, "app is already released");
    }
    audit.released = true;
    let version = Version { app_version: 0, user_version: audit.user_version.clone(), user_desc: audit.user_desc.clone(), commit_time: now };
    put_online(mp, version);
    mp.gray = None;
    Reply::ok()
}

fn put_online(mp: &mut super::wxa::MiniProgram, mut version: Version) {
    version.app_version = mp.history.iter().chain(mp.release.iter()).map(|v| v.app_version).max().unwrap_or(0) + 1;
    if let Some(prev) = mp.release.replace(version) {
        mp.history.push(prev);
        if mp.history.len() > HISTORY {
            mp.history.remove(0);
        }
    }
}

/// Back to the previous online version, or to `app_version` from the history.
fn revert(st: &mut State, appid: &str, app_version: Option<&str>) -> Reply {
    let mp = st.wxa.app(appid);
    let pick = match app_version {
        Some(v) => match v.parse::<i64>().ok().and_then(|n| mp.history.iter().position(|h| h.app_version == n)) {
            Some(i) => i,
            None => return Reply::err(87012, "this version cannot be rolled back to"),
        },
        None if mp.history.is_empty() => return Reply::err(87012, "no previous online version to roll back to"),
        None => mp.history.len() - 1,
    };
    let back = mp.history.remove(pick);
    if let Some(current) = mp.release.replace(back) {
        mp.history.push(current);
    }
    Reply::ok()
}

/// A phased release of the approved, not yet released version.
fn gray_release(st: &mut State, appid: &str, body: &Value, now: i64) -> Reply {
    let Some(pct) = int(body, "gray_percentage").filter(|p| (1..=100).contains(p)) else {
        return Reply::err(-1, "gray_percentage must be 1-100");
    };
    let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mp = st.wxa.app(appid);
    let Some(audit) = mp.audits.last_mut() else { return Reply::err(85019, "no version is under auditing") };
    if audit.status != 0 {
        return Reply::err(85020, "status not allowed");
    }
    if let Some(g) = mp.gray.as_mut().filter(|g| g["status"] == 1) {
        if pct < g["gray_percentage"].as_i64().unwrap_or(0) {
            return Reply::err(87011, "gray percentage cannot go down");
        }
        g["gray_percentage"] = json!(pct);
        return Reply::ok();
    }
    if audit.released {
        return Reply::err(85052, "app is already released");
    }
    audit.released = true;
    let version = Version { app_version: 0, user_version: audit.user_version.clone(), user_desc: audit.user_desc.clone(), commit_time: now };
    put_online(mp, version);
    mp.gray = Some(json!({
        "status": 1,
        "create_timestamp": now,
        "gray_percentage": pct,
        "support_debuger_first": flag("support_debuger_first"),
        "support_experiencer_first": flag("support_experiencer_first"),
    }));
    Reply::ok()
}
