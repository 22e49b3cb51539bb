//! A mini program's settings in the sandbox: server and webview domains
//! (checked against the platform's own lists), testers, categories, the
//! privacy guide, subscribe messages and wxacodes (PNG images).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::state::{int, s, tri, Reply, Req, State};
use super::wxa_auth::mini_program;
use super::wxa_image::image_reply;

pub(crate) const PATHS: [&str; 22] = [
    "/wxa/modify_domain",
    "/wxa/modify_domain_directly",
    "/wxa/setwebviewdomain",
    "/wxa/setwebviewdomain_directly",
    "/wxa/get_effective_domain",
    "/wxa/get_effective_webviewdomain",
    "/wxa/get_webviewdomain_confirmfile",
    "/wxa/bind_tester",
    "/wxa/unbind_tester",
    "/wxa/memberauth",
    "/cgi-bin/wxopen/getallcategories",
    "/cgi-bin/wxopen/getcategory",
    "/cgi-bin/wxopen/addcategory",
    "/cgi-bin/wxopen/deletecategory",
    "/cgi-bin/wxopen/modifycategory",
    "/wxa/get_category",
    "/cgi-bin/component/setprivacysetting",
    "/cgi-bin/component/getprivacysetting",
    "/cgi-bin/component/uploadprivacyextfile",
    "/cgi-bin/message/subscribe/send",
    "/wxa/getwxacodeunlimit",
    "/wxa/getwxacode",
];

/// createwxaqrcode is served here too (not a /wxa/ path).
pub(crate) const QRCODE: &str = "/cgi-bin/wxaapp/createwxaqrcode";

/// Server domain kinds and the scheme each needs.
const KINDS: [(&str, &str); 6] = [
    ("requestdomain", "https://"),
    ("wsrequestdomain", "wss://"),
    ("uploaddomain", "https://"),
    ("downloaddomain", "https://"),
    ("udpdomain", "udp://"),
    ("tcpdomain", "tcp://"),
];

/// The categories the sandbox offers: (id, name, father).
const CATEGORIES: [(i64, &str, i64); 6] = [(1, "IT科技", 0), (2, "软件服务提供商", 1), (3, "工具", 0), (4, "效率", 3), (5, "餐饮", 0), (6, "餐饮服务场所/餐饮服务管理企业", 5)];

pub(crate) fn dispatch(st: &mut State, req: &Req) -> Reply {
    let tok = tri!(mini_program(st, req, None));
    let (appid, owner) = (tok.appid, tok.owner.unwrap_or_default());
    let path = req.path.as_str();
    if path == "/cgi-bin/component/uploadprivacyextfile" {
        return match super::content::multipart_file(req) {
            Some((_, _, bytes)) if !bytes.is_empty() => Reply::ok_with(json!({"ext_file_media_id": format!("sandboxprivacyfile{}", st.wxa.next_id())})),
            _ => Reply::err(41005, "media data missing"),
        };
    }
    let body = if req.body.is_empty() { json!({}) } else { tri!(req.json()) };
    match path {
        "/wxa/modify_domain" => server_domains(st, &appid, Some(&owner), &body),
        "/wxa/modify_domain_directly" => server_domains(st, &appid, None, &body),
        "/wxa/setwebviewdomain" => webview(st, &appid, Some(&owner), &body),
        "/wxa/setwebviewdomain_directly" => webview(st, &appid, None, &body),
        "/wxa/get_effective_domain" => {
            let mp = st.wxa.app(&appid);
            let (third, direct) = (lists(&mp.domains), lists(&mp.direct_domains));
            let mut effective = mp.domains.clone();
            for (k, v) in &mp.direct_domains {
                effective.entry(k.clone()).or_default().extend(v.iter().cloned());
            }
            Reply::ok_with(json!({"mp_domain": lists(&BTreeMap::new()), "third_domain": third, "direct_domain": direct, "effective_domain": lists(&effective)}))
        }
        "/wxa/get_effective_webviewdomain" => {
            let mp = st.wxa.app(&appid);
            let effective: Vec<&String> = mp.webview.iter().chain(mp.direct_webview.iter()).collect();
            Reply::ok_with(json!({"mp_webviewdomain": [], "third_webviewdomain": mp.webview, "direct_webviewdomain": mp.direct_webview, "effective_webviewdomain": effective}))
        }
        "/wxa/get_webviewdomain_confirmfile" => Reply::ok_with(json!({"file_name": format!("{}.txt", &appid), "file_content": format!("sandbox-confirm-{appid}")})),
        "/wxa/bind_tester" => {
            let Some(wechatid) = body.get("wechatid").and_then(Value::as_str).filter(|w| !w.is_empty()) else { return Reply::err(85001, "微信号不存在或微信号设置为不可搜索") };
            let mp = st.wxa.app(&appid);
            if mp.testers.iter().any(|(w, _)| w == wechatid) {
                return Reply::err(85004, "微信号已经绑定");
            }
            let userstr = format!("{:x}", sha1_of(&format!("{appid}/{wechatid}")));
            mp.testers.push((wechatid.to_owned(), userstr.clone()));
            Reply::ok_with(json!({"userstr": userstr}))
        }
        "/wxa/unbind_tester" => {
            let mp = st.wxa.app(&appid);
            let (w, u) = (s(&body, "wechatid"), s(&body, "userstr"));
            let before = mp.testers.len();
            mp.testers.retain(|(tw, tu)| Some(tw) != w.as_ref() && Some(tu) != u.as_ref());
            if mp.testers.len() == before { Reply::err(85005, "微信号没有绑定") } else { Reply::ok() }
        }
        "/wxa/memberauth" => match s(&body, "action").as_deref() {
            Some("get_experiencer") => Reply::ok_with(json!({"members": st.wxa.app(&appid).testers.iter().map(|(_, u)| json!({"userstr": u})).collect::<Vec<_>>()})),
            _ => Reply::err(-1, "invalid action"),
        },
        "/cgi-bin/wxopen/getallcategories" => {
            let list: Vec<Value> = CATEGORIES
                .iter()
                .map(|(id, name, father)| json!({"id": id, "name": name, "level": if *father == 0 { 1 } else { 2 }, "father": father, "children": CATEGORIES.iter().filter(|c| c.2 == *id).map(|c| c.0).collect::<Vec<_>>(), "sensitive_type": 0, "qualify": {"exter_list": []}}))
                .collect();
            Reply::ok_with(json!({"categories_list": {"categories": list}}))
        }
        "/cgi-bin/wxopen/getcategory" => {
            let cats = st.wxa.app(&appid).categories.clone();
            Reply::ok_with(json!({"categories": cats, "limit": 5, "quota": 5 - cats.len() as i64, "category_limit": 5}))
        }
        "/cgi-bin/wxopen/addcategory" => {
            let Some(list) = body.get("categories").and_then(Value::as_array).filter(|l| !l.is_empty()) else { return Reply::err(47001, "data format error") };
            let mut add = Vec::new();
            for c in list {
                let Some(cat) = category(int(c, "first"), int(c, "second")) else { return Reply::err(53303, "invalid category") };
                add.push(json!({"first": cat.0, "first_name": cat.1, "second": cat.2, "second_name": cat.3, "audit_status": 3, "audit_reason": "", "certicates": c.get("certicates").cloned().unwrap_or(json!([]))}));
            }
            let mp = st.wxa.app(&appid);
            if add.iter().any(|a| mp.categories.iter().any(|c| c["second"] == a["second"])) {
                return Reply::err(53305, "category already added");
            }
            mp.categories.extend(add);
            Reply::ok()
        }
        "/cgi-bin/wxopen/deletecategory" | "/cgi-bin/wxopen/modifycategory" => {
            let (first, second) = (int(&body, "first"), int(&body, "second"));
            let mp = st.wxa.app(&appid);
            let Some(i) = mp.categories.iter().position(|c| Some(c["first"].as_i64().unwrap_or(-1)) == first && Some(c["second"].as_i64().unwrap_or(-1)) == second) else {
                return Reply::err(53303, "invalid category");
            };
            if path.ends_with("deletecategory") {
                mp.categories.remove(i);
            } else {
                mp.categories[i]["certicates"] = body.get("certicates").cloned().unwrap_or(json!([]));
            }
            Reply::ok()
        }
        "/wxa/get_category" => {
            let list: Vec<Value> = st.wxa.app(&appid).categories.iter().map(|c| json!({"first_class": c["first_name"], "second_class": c["second_name"], "first_id": c["first"], "second_id": c["second"]})).collect();
            Reply::ok_with(json!({"category_list": list}))
        }
        "/cgi-bin/component/setprivacysetting" => {
            let ver = int(&body, "privacy_ver").unwrap_or(2);
            let owner_ok = body.get("owner_setting").is_some_and(|o| o.get("notice_method").is_some_and(|n| !n.is_null()));
            if !owner_ok || !body.get("setting_list").is_some_and(Value::is_array) {
                return Reply::err(47001, "data format error: owner_setting (with notice_method) and setting_list are required");
            }
            let now = st.now() as i64;
            let mut kept = body.clone();
            kept["update_time"] = json!(now);
            st.wxa.app(&appid).privacy.insert(ver, kept);
            Reply::ok()
        }
        "/cgi-bin/component/getprivacysetting" => {
            let ver = int(&body, "privacy_ver").unwrap_or(2);
            let mp = st.wxa.app(&appid);
            let set = mp.privacy.get(&ver).cloned().unwrap_or(json!({}));
            Reply::ok_with(json!({
                "code_exist": i64::from(mp.commit.is_some()),
                "privacy_list": ["UserInfo", "Location"],
                "setting_list": set.get("setting_list").cloned().unwrap_or(json!([])),
                "update_time": set.get("update_time").cloned().unwrap_or(json!(0)),
                "owner_setting": set.get("owner_setting").cloned().unwrap_or(json!({})),
                "sdk_privacy_info_list": set.get("sdk_privacy_info_list").cloned().unwrap_or(json!([])),
                "privacy_desc": {"privacy_desc_list": [{"privacy_key": "UserInfo", "privacy_desc": "用户信息（微信昵称、头像）"}, {"privacy_key": "Location", "privacy_desc": "位置信息"}]},
            }))
        }
        "/cgi-bin/message/subscribe/send" => {
            if ["touser", "template_id"].iter().any(|k| s(&body, k).is_none()) || !body.get("data").is_some_and(Value::is_object) {
                return Reply::err(47003, "argument invalid: touser, template_id and data are required");
            }
            st.record(path, Some(&appid), body);
            Reply::ok()
        }
        "/wxa/getwxacodeunlimit" => {
            let Some(scene) = s(&body, "scene").filter(|sc| sc.chars().count() <= 32) else { return Reply::err(40097, "invalid args: scene of at most 32 characters is required") };
            let page = s(&body, "page");
            let mp = st.wxa.app(&appid);
            // check_path (default true): the page must exist in the released code.
            if body.get("check_path").and_then(Value::as_bool).unwrap_or(true) {
                if let Some(p) = &page {
                    if mp.release.is_none() || !mp.pages().contains(p) {
                        return Reply::err(41030, "invalid page rid: sandbox");
                    }
                }
            }
            image_reply(json!({"appid": appid, "scene": scene, "page": page, "width": body.get("width")}))
        }
        "/wxa/getwxacode" => match s(&body, "path").filter(|p| p.chars().count() <= 1024) {
            Some(p) => image_reply(json!({"appid": appid, "path": p, "width": body.get("width")})),
            None => Reply::err(40097, "invalid args: path is required"),
        },
        _ => Reply::err(-1, "system error"),
    }
}

/// createwxaqrcode (any mini program token).
pub(crate) fn qrcode(st: &mut State, req: &Req) -> Reply {
    let tok = tri!(mini_program(st, req, None));
    let body = tri!(req.json());
    match s(&body, "path").filter(|p| p.chars().count() <= 128) {
        Some(p) => image_reply(json!({"appid": tok.appid, "path": p, "width": body.get("width"), "kind": "qrcode"})),
        None => Reply::err(40097, "invalid args: path is required"),
    }
}

fn lists(m: &BTreeMap<String, Vec<String>>) -> Value {
    let mut out = serde_json::Map::new();
    for (k, _) in KINDS {
        out.insert(k.into(), json!(m.get(k).cloned().unwrap_or_default()));
    }
    Value::Object(out)
}

/// `https://a.example.com/x` → `a.example.com`.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or(rest)
}

/// modify_domain(_directly): add / delete / set / get; through the platform,
/// each domain must be on its list (modify_wxa_server_domain).
fn server_domains(st: &mut State, appid: &str, platform: Option<&str>, body: &Value) -> Reply {
    let action = s(body, "action").unwrap_or_default();
    let allowed = platform.map(|p| st.wxa.platform(p).server_domains.clone());
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, scheme) in KINDS {
        let Some(list) = body.get(kind).and_then(Value::as_array) else { continue };
        for d in list.iter().filter_map(Value::as_str) {
            if !d.starts_with(scheme) || host(d).is_empty() {
                return Reply::err(85301, &format!("invalid domain {d}: {kind} needs {scheme}"));
            }
            if allowed.as_ref().is_some_and(|a| !a.iter().any(|h| h == host(d))) {
                return Reply::err(85017, &format!("no domain to modify after filtered: {} is not on the platform's server domains", host(d)));
            }
        }
        given.insert(kind.to_owned(), list.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    }
    let mp = st.wxa.app(appid);
    let store = if platform.is_some() { &mut mp.domains } else { &mut mp.direct_domains };
    match action.as_str() {
        "get" => {}
        "set" => *store = given,
        "add" => {
            for (k, v) in given {
                let e = store.entry(k).or_default();
                e.extend(v.into_iter().filter(|d| !e.contains(d)).collect::<Vec<_>>());
            }
        }
        "delete" => {
            for (k, v) in given {
                store.entry(k).or_default().retain(|d| !v.contains(d));
            }
        }
        _ => return Reply::err(-1, "invalid action"),
    }
    Reply::ok_with(lists(store))
}

/// setwebviewdomain(_directly): through the platform, domains from its jump list.
fn webview(st: &mut State, appid: &str, platform: Option<&str>, body: &Value) -> Reply {
    let action = s(body, "action").unwrap_or_default();
    let allowed = platform.map(|p| st.wxa.platform(p).jump_domains.clone());
    let given: Vec<String> = body.get("webviewdomain").and_then(Value::as_array).map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default();
    for d in &given {
        if !d.starts_with("https://") {
            return Reply::err(85301, &format!("invalid domain {d}: webview domains need https://"));
        }
        if allowed.as_ref().is_some_and(|a| !a.iter().any(|h| h == host(d))) {
            return Reply::err(89231, &format!("{} is not on the platform's business domains", host(d)));
        }
    }
    let mp = st.wxa.app(appid);
    let store = if platform.is_some() { &mut mp.webview } else { &mut mp.direct_webview };
    match action.as_str() {
        "get" => return Reply::ok_with(json!({"webviewdomain": store})),
        "set" => *store = given,
        "add" => store.extend(given.into_iter().filter(|d| !store.contains(d)).collect::<Vec<_>>()),
        "delete" => store.retain(|d| !given.contains(d)),
        // Through the platform without an action: all of its business domains.
        "" if platform.is_some() => *store = allowed.unwrap_or_default().iter().map(|h| format!("https://{h}")).collect(),
        _ => return Reply::err(-1, "invalid action"),
    }
    Reply::ok()
}

/// (first id, first name, second id, second name) when second belongs to first.
fn category(first: Option<i64>, second: Option<i64>) -> Option<(i64, &'static str, i64, &'static str)> {
    let f = CATEGORIES.iter().find(|c| Some(c.0) == first && c.2 == 0)?;
    let sc = CATEGORIES.iter().find(|c| Some(c.0) == second && c.2 == f.0)?;
    Some((f.0, f.1, sc.0, sc.1))
}

fn sha1_of(s: &str) -> u64 {
    use sha1::{Digest, Sha1};
    let d = Sha1::digest(s.as_bytes());
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}
