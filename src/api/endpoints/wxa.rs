//! A mini program's code on behalf of it (代小程序实现业务, permission set
//! 18): commit from a template, audit, release, gray release, rollback,
//! service status, the base library version. With the authorizer's token.
//! Object arguments are camelCase in JS, snake_case on the wire.

use super::checks::Check::{self, IntIn, JsonText, OneOf, Required, Str};
use super::{Body, Endpoint};

const COMMIT: &[(&str, Check)] = &[
    ("options.templateId", Required),
    ("options.extJson", Required),
    ("options.extJson", JsonText),
    ("options.userVersion", Required),
    ("options.userVersion", Str),
    ("options.userDesc", Required),
    ("options.userDesc", Str),
];

/// submit_audit's fields as WeChat documents them today; nested items
/// (item_list, preview_info, ugc_declare) may be written in either case.
const SUBMIT_AUDIT: &str = r#"{"item_list":"$options.itemList@snake","preview_info":"$options.previewInfo@snake","version_desc":"$options.versionDesc","feedback_info":"$options.feedbackInfo","feedback_stuff":"$options.feedbackStuff","ugc_declare":"$options.ugcDeclare@snake","privacy_api_not_use":"$options.privacyApiNotUse","order_path":"$options.orderPath"}"#;

pub static ENDPOINTS: &[Endpoint] = &[
    // code
    ep!("commit", Post, "/wxa/commit", ["options"], [], Body::Template(r#"{"template_id":"$options.templateId","ext_json":"$options.extJson","user_version":"$options.userVersion","user_desc":"$options.userDesc"}"#), COMMIT),
    ep!("getPage", Get, "/wxa/get_page", [], [], Body::None),
    ep!("getQrcode", Get, "/wxa/get_qrcode", ["path?"], [("path", "$path")], Body::Image(""), &[("path", Str)]),
    ep!("getCodePrivacyInfo", Get, "/wxa/security/get_code_privacy_info", [], [], Body::None),
    // audit
    ep!("submitAudit", Post, "/wxa/submit_audit", ["options?"], [], Body::Template(SUBMIT_AUDIT), &[("options.privacyApiNotUse", Check::Bool)]),
    ep!("getAuditStatus", Post, "/wxa/get_auditstatus", ["auditid"], [], Body::Template(r#"{"auditid":"$auditid"}"#), &[("auditid", IntIn(1, i64::MAX))]),
    ep!("getLatestAuditStatus", Get, "/wxa/get_latest_auditstatus", [], [], Body::None),
    ep!("undoCodeAudit", Get, "/wxa/undocodeaudit", [], [], Body::None),
    ep!("speedupAudit", Post, "/wxa/speedupaudit", ["auditid"], [], Body::Template(r#"{"auditid":"$auditid"}"#), &[("auditid", IntIn(1, i64::MAX))]),
    ep!("queryQuota", Get, "/wxa/queryquota", [], [], Body::None),
    // release; WeChat answers 44002 to these POSTs without a body, so `{}` goes
    ep!("release", Post, "/wxa/release", [], [], Body::Template("{}")),
    ep!("revertCodeRelease", Get, "/wxa/revertcoderelease", ["appVersion?"], [("app_version", "$appVersion")], Body::None),
    ep!("getHistoryVersion", Get, "/wxa/revertcoderelease", [], [("action", "get_history_version")], Body::None),
    ep!("grayRelease", Post, "/wxa/grayrelease", ["grayPercentage", "options?"], [], Body::Template(r#"{"gray_percentage":"$grayPercentage","support_debuger_first":"$options.supportDebugerFirst","support_experiencer_first":"$options.supportExperiencerFirst"}"#), &[("grayPercentage", IntIn(1, 100)), ("options.supportDebugerFirst", Check::Bool), ("options.supportExperiencerFirst", Check::Bool)]),
    ep!("revertGrayRelease", Get, "/wxa/revertgrayrelease", [], [], Body::None),
    ep!("getGrayReleasePlan", Get, "/wxa/getgrayreleaseplan", [], [], Body::None),
    ep!("changeVisitStatus", Post, "/wxa/change_visitstatus", ["action"], [], Body::Template(r#"{"action":"$action"}"#), &[("action", OneOf(&["open", "close"]))]),
    ep!("getVersionInfo", Post, "/wxa/getversioninfo", [], [], Body::Template("{}")),
    ep!("getWeappSupportVersion", Post, "/cgi-bin/wxopen/getweappsupportversion", [], [], Body::Template("{}")),
    ep!("setWeappSupportVersion", Post, "/cgi-bin/wxopen/setweappsupportversion", ["version"], [], Body::Template(r#"{"version":"$version"}"#), &[("version", Str)]),
];
