//! A mini program's settings on behalf of it: server and webview domains,
//! testers, categories, the privacy guide, subscribe messages and wxacodes
//! (images). With the authorizer's token.

use serde_json::{json, Map, Value};

use super::checks::snake;
use super::checks::Check::{self, IntIn, OneOf, Required, Str};
use super::{Args, Body, Endpoint};
use crate::error::{Error, Result};

const DOMAIN_ACTIONS: &[&str] = &["add", "delete", "set", "get"];
const DOMAINS: &str = r#"{"action":"$options.action","requestdomain":"$options.requestdomain","wsrequestdomain":"$options.wsrequestdomain","uploaddomain":"$options.uploaddomain","downloaddomain":"$options.downloaddomain","udpdomain":"$options.udpdomain","tcpdomain":"$options.tcpdomain"}"#;
const DOMAIN_CHECKS: &[(&str, Check)] = &[("options.action", Required), ("options.action", OneOf(DOMAIN_ACTIONS))];
const WEBVIEW: &str = r#"{"action":"$options.action","webviewdomain":"$options.webviewdomain"}"#;
const ENV_VERSIONS: &[&str] = &["release", "trial", "develop"];
const WXACODE_CHECKS: &[(&str, Check)] = &[
    ("options.path", Required),
    ("options.path", Str),
    ("options.envVersion", OneOf(ENV_VERSIONS)),
    ("options.width", IntIn(280, 1280)),
];

pub static ENDPOINTS: &[Endpoint] = &[
    // server and webview domains
    ep!("modifyDomain", Post, "/wxa/modify_domain", ["options"], [], Body::Template(DOMAINS), DOMAIN_CHECKS),
    ep!("modifyDomainDirectly", Post, "/wxa/modify_domain_directly", ["options"], [], Body::Template(DOMAINS), DOMAIN_CHECKS),
    // No action: WeChat sets every business domain the platform registered.
    ep!("setWebviewDomain", Post, "/wxa/setwebviewdomain", ["options?"], [], Body::Template(WEBVIEW), &[("options.action", OneOf(DOMAIN_ACTIONS))]),
    ep!("setWebviewDomainDirectly", Post, "/wxa/setwebviewdomain_directly", ["options"], [], Body::Template(WEBVIEW), DOMAIN_CHECKS),
    ep!("getEffectiveDomain", Post, "/wxa/get_effective_domain", [], [], Body::Template("{}")),
    ep!("getEffectiveWebviewDomain", Post, "/wxa/get_effective_webviewdomain", [], [], Body::Template("{}")),
    ep!("getWebviewDomainConfirmFile", Post, "/wxa/get_webviewdomain_confirmfile", [], [], Body::Template("{}")),
    // testers
    ep!("bindTester", Post, "/wxa/bind_tester", ["wechatid"], [], Body::Template(r#"{"wechatid":"$wechatid"}"#), &[("wechatid", Str)]),
    ep!("unbindTester", Post, "/wxa/unbind_tester", ["options"], [], Body::Build(unbind_tester)),
    ep!("getTesters", Post, "/wxa/memberauth", [], [], Body::Template(r#"{"action":"get_experiencer"}"#)),
    // categories
    ep!("getAllCategories", Get, "/cgi-bin/wxopen/getallcategories", [], [], Body::None),
    ep!("getSettingCategories", Get, "/cgi-bin/wxopen/getcategory", [], [], Body::None),
    ep!("addCategory", Post, "/cgi-bin/wxopen/addcategory", ["categories"], [], Body::Build(add_category)),
    ep!("deleteCategory", Post, "/cgi-bin/wxopen/deletecategory", ["first", "second"], [], Body::Template(r#"{"first":"$first","second":"$second"}"#)),
    ep!("modifyCategory", Post, "/cgi-bin/wxopen/modifycategory", ["options"], [], Body::Template(r#"{"first":"$options.first","second":"$options.second","certicates":"$options.certicates@snake"}"#), &[("options.first", Required), ("options.second", Required), ("options.certicates", Required)]),
    ep!("getCategory", Get, "/wxa/get_category", [], [], Body::None),
    // the privacy guide (用户隐私保护指引)
    ep!("setPrivacySetting", Post, "/cgi-bin/component/setprivacysetting", ["options"], [], Body::Template(r#"{"privacy_ver":"$options.privacyVer","setting_list":"$options.settingList@snake","owner_setting":"$options.ownerSetting@snake","sdk_privacy_info_list":"$options.sdkPrivacyInfoList@snake"}"#), &[("options.privacyVer", IntIn(1, 2)), ("options.settingList", Required), ("options.ownerSetting", Required)]),
    ep!("getPrivacySetting", Post, "/cgi-bin/component/getprivacysetting", ["privacyVer?"], [], Body::Template(r#"{"privacy_ver":"$privacyVer"}"#), &[("privacyVer", IntIn(1, 2))]),
    ep!("uploadPrivacyExtFile", Post, "/cgi-bin/component/uploadprivacyextfile", ["filepath"], [], Body::Upload("file")),
    // subscribe messages of a mini program (sendSubscribeMessage picks this for the mini program's form)
    ep!("sendWxaSubscribeMessage", Post, "/cgi-bin/message/subscribe/send", ["message"], [], Body::Build(wxa_subscribe)),
    // wxacodes: image bytes, WeChat's JSON only on error
    ep!("getWxaCodeUnlimit", Post, "/wxa/getwxacodeunlimit", ["options"], [], Body::Image(r#"{"scene":"$options.scene","page":"$options.page","check_path":"$options.checkPath","env_version":"$options.envVersion","width":"$options.width","auto_color":"$options.autoColor","line_color":"$options.lineColor@snake","is_hyaline":"$options.isHyaline"}"#), &[("options.scene", Required), ("options.scene", Str), ("options.page", Str), ("options.envVersion", OneOf(ENV_VERSIONS)), ("options.width", IntIn(280, 1280))]),
    ep!("getWxaCode", Post, "/wxa/getwxacode", ["options"], [], Body::Image(r#"{"path":"$options.path","env_version":"$options.envVersion","width":"$options.width","auto_color":"$options.autoColor","line_color":"$options.lineColor@snake","is_hyaline":"$options.isHyaline"}"#), WXACODE_CHECKS),
    ep!("createWxaQrcode", Post, "/cgi-bin/wxaapp/createwxaqrcode", ["options"], [], Body::Image(r#"{"path":"$options.path","width":"$options.width"}"#), &[("options.path", Required), ("options.path", Str), ("options.width", IntIn(280, 1280))]),
];

/// `{wechatid}` or `{userstr}`: one of them, a string.
fn unbind_tester(args: &Args) -> Result<Value> {
    let o = args.need("options")?.as_object().ok_or_else(|| Error::invalid("options", "must be an object { wechatid } or { userstr }"))?;
    let pick = |k: &'static str| -> Result<Option<Value>> {
        match o.get(k).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(json!(s))),
            Some(_) => Err(Error::invalid(k, "must be a non-empty string")),
        }
    };
    match (pick("wechatid")?, pick("userstr")?) {
        (Some(w), None) => Ok(json!({ "wechatid": w })),
        (None, Some(u)) => Ok(json!({ "userstr": u })),
        _ => Err(Error::invalid("options", "must give one of wechatid, userstr")),
    }
}

/// `categories`: `[{first, second, certicates}]` (keys in either case).
fn add_category(args: &Args) -> Result<Value> {
    match args.need("categories")? {
        Value::Array(list) if !list.is_empty() && list.iter().all(Value::is_object) => Ok(json!({ "categories": super::checks::snake_keys(&Value::Array(list.clone())) })),
        _ => Err(Error::invalid("categories", "must be a non-empty array of { first, second, certicates }")),
    }
}

/// The mini program's subscribe message: top-level keys to snake_case
/// (`templateId` or `template_id`); `data` goes as given.
pub(super) fn wxa_subscribe(args: &Args) -> Result<Value> {
    let m = args.need("message")?.as_object().ok_or_else(|| Error::invalid("message", "must be an object { touser, templateId, data, page?, miniprogramState?, lang? }"))?;
    let body: Map<String, Value> = m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (snake(k), v.clone())).collect();
    for (k, name) in [("touser", "touser"), ("template_id", "templateId"), ("data", "data")] {
        if !body.contains_key(k) {
            return Err(Error::invalid(name, "is required"));
        }
    }
    if let Some(s) = body.get("miniprogram_state") {
        if !matches!(s.as_str(), Some("developer" | "trial" | "formal")) {
            return Err(Error::invalid("miniprogramState", "must be one of developer, trial, formal"));
        }
    }
    Ok(Value::Object(body))
}

/// Whether a subscribe message is in the mini program's form: camelCase
/// `templateId`, or a field only /subscribe/send has.
pub fn is_wxa_subscribe(message: &Value) -> bool {
    ["templateId", "miniprogramState", "miniprogram_state", "lang"].iter().any(|k| message.get(*k).is_some_and(|v| !v.is_null()))
}
