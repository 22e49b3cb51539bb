//! Mini-program events, typed: the audit verdicts and other `wxa_*` events
//! WeChat sends to the platform's message URL, and the fast-registration
//! results it pushes to the authorization-event URL. Built on `parse`'s
//! output (leaves are strings, groups objects, repeats arrays); never fails
//! on odd input — a field WeChat left out is None, not an error.

use serde::Serialize;
use serde_json::{Map, Value};

/// A leaf as text (trimmed; numbers written out), None when absent or empty.
fn text(m: &Map<String, Value>, name: &str) -> Option<String> {
    match m.get(name)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A leaf as an integer (WeChat's times, statuses and ids).
fn int(m: &Map<String, Value>, name: &str) -> Option<i64> {
    match m.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn group<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Map<String, Value>> {
    match m.get(name)? {
        Value::Object(o) => Some(o),
        // A repeated group: the first one.
        Value::Array(a) => a.first().and_then(Value::as_object),
        _ => None,
    }
}

/// `a|b|c` → media ids, empty pieces dropped (WeChat's ScreenShot).
pub fn split_media_ids(s: &str) -> Vec<String> {
    s.split('|').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// weapp_audit_success / weapp_audit_fail / weapp_audit_delay.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub appid: String,
    pub event: String,
    /// "success", "fail" or "delay".
    pub status: &'static str,
    pub reason: Option<String>,
    /// The reviewer's screenshots: media ids (`ScreenShot` split on `|`).
    pub screenshots: Vec<String>,
    pub succ_time: Option<i64>,
    pub fail_time: Option<i64>,
    pub delay_time: Option<i64>,
    pub create_time: Option<i64>,
}

/// wxa_nickname_audit: a name change reviewed (`ret` 2 rejected, 3 approved).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NicknameAuditEvent {
    pub appid: String,
    pub event: String,
    pub ret: Option<i64>,
    pub approved: bool,
    pub nickname: Option<String>,
    pub reason: Option<String>,
    pub create_time: Option<i64>,
}

/// wxa_category_audit: a category added (`ret` 1 reviewing, 2 rejected, 3 approved).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryAuditEvent {
    pub appid: String,
    pub event: String,
    pub ret: Option<i64>,
    pub approved: bool,
    pub first: Option<i64>,
    pub second: Option<i64>,
    pub reason: Option<String>,
    pub create_time: Option<i64>,
}

/// wxa_privacy_apply: an application for a privacy API reviewed (`result_info`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyApplyEvent {
    pub appid: String,
    pub event: String,
    pub api_name: Option<String>,
    pub audit_id: Option<i64>,
    pub status: Option<i64>,
    pub reason: Option<String>,
    pub apply_time: Option<i64>,
    pub audit_time: Option<i64>,
    pub create_time: Option<i64>,
}

/// wxa_media_check: the asynchronous verdict of mediaCheckAsync.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaCheckEvent {
    pub appid: String,
    pub event: String,
    pub trace_id: Option<String>,
    /// "pass", "review" or "risky" (version 2), else None.
    pub suggest: Option<String>,
    pub label: Option<i64>,
    /// Version 1's answer: 0 safe, 1 risky.
    pub isrisky: Option<i64>,
    pub status_code: Option<i64>,
    pub create_time: Option<i64>,
}

/// Any other mini-program event (`wxa_*`, `weapp_*`, `wx_verify_*`), its fields as WeChat sent them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherWxaEvent {
    pub appid: String,
    pub event: String,
    pub create_time: Option<i64>,
    pub fields: Map<String, Value>,
}

/// A mini-program event of the message URL.
#[derive(Debug, Clone, PartialEq)]
pub enum WxaEvent {
    Audit(AuditEvent),
    NicknameAudit(NicknameAuditEvent),
    CategoryAudit(CategoryAuditEvent),
    PrivacyApply(PrivacyApplyEvent),
    MediaCheck(MediaCheckEvent),
    Other(OtherWxaEvent),
}

impl WxaEvent {
    /// The ThirdpartyServer event it becomes.
    pub fn name(&self) -> &'static str {
        match self {
            WxaEvent::Audit(_) => "weapp_audit",
            WxaEvent::NicknameAudit(_) => "wxa_nickname_audit",
            WxaEvent::CategoryAudit(_) => "wxa_category_audit",
            WxaEvent::PrivacyApply(_) => "wxa_privacy_apply",
            WxaEvent::MediaCheck(_) => "wxa_media_check",
            WxaEvent::Other(_) => "wxa_event",
        }
    }

    pub fn appid(&self) -> &str {
        match self {
            WxaEvent::Audit(e) => &e.appid,
            WxaEvent::NicknameAudit(e) => &e.appid,
            WxaEvent::CategoryAudit(e) => &e.appid,
            WxaEvent::PrivacyApply(e) => &e.appid,
            WxaEvent::MediaCheck(e) => &e.appid,
            WxaEvent::Other(e) => &e.appid,
        }
    }

    /// The payload as the host app gets it (camelCase fields).
    pub fn to_value(&self) -> Value {
        let v = match self {
            WxaEvent::Audit(e) => serde_json::to_value(e),
            WxaEvent::NicknameAudit(e) => serde_json::to_value(e),
            WxaEvent::CategoryAudit(e) => serde_json::to_value(e),
            WxaEvent::PrivacyApply(e) => serde_json::to_value(e),
            WxaEvent::MediaCheck(e) => serde_json::to_value(e),
            WxaEvent::Other(e) => serde_json::to_value(e),
        };
        v.unwrap_or(Value::Null)
    }

    /// The event of `message` (an event addressed to the authorizer `appid`),
    /// None when it is not a mini-program event.
    pub fn parse(appid: &str, m: &Map<String, Value>) -> Option<WxaEvent> {
        if text(m, "MsgType").as_deref() != Some("event") {
            return None;
        }
        let event = text(m, "Event")?;
        let appid = appid.to_owned();
        let create_time = int(m, "CreateTime");
        let approved = |ret: Option<i64>| ret == Some(3);
        Some(match event.as_str() {
            "weapp_audit_success" | "weapp_audit_fail" | "weapp_audit_delay" => {
                let status = match event.as_str() {
                    "weapp_audit_success" => "success",
                    "weapp_audit_fail" => "fail",
                    _ => "delay",
                };
                WxaEvent::Audit(AuditEvent {
                    appid,
                    status,
                    reason: text(m, "Reason"),
                    screenshots: text(m, "ScreenShot").map(|s| split_media_ids(&s)).unwrap_or_default(),
                    succ_time: int(m, "SuccTime"),
                    fail_time: int(m, "FailTime"),
                    delay_time: int(m, "DelayTime"),
                    create_time,
                    event,
                })
            }
            "wxa_nickname_audit" => {
                let ret = int(m, "ret");
                WxaEvent::NicknameAudit(NicknameAuditEvent {
                    appid,
                    ret,
                    approved: approved(ret),
                    nickname: text(m, "nickname"),
                    reason: text(m, "reason"),
                    create_time,
                    event,
                })
            }
            "wxa_category_audit" => {
                let ret = int(m, "ret");
                WxaEvent::CategoryAudit(CategoryAuditEvent {
                    appid,
                    ret,
                    approved: approved(ret),
                    first: int(m, "first"),
                    second: int(m, "second"),
                    reason: text(m, "reason"),
                    create_time,
                    event,
                })
            }
            "wxa_privacy_apply" => {
                let empty = Map::new();
                let r = group(m, "result_info").unwrap_or(&empty);
                WxaEvent::PrivacyApply(PrivacyApplyEvent {
                    appid,
                    api_name: text(r, "api_name"),
                    audit_id: int(r, "audit_id"),
                    status: int(r, "status"),
                    reason: text(r, "reason"),
                    apply_time: int(r, "apply_time"),
                    audit_time: int(r, "audit_time"),
                    create_time,
                    event,
                })
            }
            "wxa_media_check" => {
                let empty = Map::new();
                let r = group(m, "result").unwrap_or(&empty);
                WxaEvent::MediaCheck(MediaCheckEvent {
                    appid,
                    trace_id: text(m, "trace_id"),
                    suggest: text(r, "suggest"),
                    label: int(r, "label"),
                    isrisky: int(m, "isrisky"),
                    status_code: int(m, "status_code"),
                    create_time,
                    event,
                })
            }
            e if e.starts_with("wxa_") || e.starts_with("weapp_") || e.starts_with("wx_verify_") => {
                let mut fields = m.clone();
                for k in ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event"] {
                    fields.remove(k);
                }
                WxaEvent::Other(OtherWxaEvent { appid, create_time, fields, event })
            }
            _ => return None,
        })
    }
}

/// The push of a fast registration's result (enterprise, beta or personal).
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FastRegisterPush {
    /// "enterprise", "beta" or "personal" (from InfoType and `info`).
    pub kind: &'static str,
    pub info_type: String,
    /// The new mini program (on success).
    pub appid: Option<String>,
    /// 0: created; anything else is WeChat's failure code (`msg` says why).
    pub status: i64,
    pub msg: Option<String>,
    /// Personal registrations' task id, beta registrations' unique_id.
    pub taskid: Option<String>,
    pub unique_id: Option<String>,
    /// The details the registration was made with, as WeChat pushed them.
    pub info: Map<String, Value>,
    pub create_time: Option<i64>,
    /// The code to exchange (never part of the event).
    #[serde(skip)]
    pub auth_code: Option<String>,
}

/// The InfoTypes of fast-registration results.
pub const FAST_REGISTER_INFO_TYPES: [&str; 3] =
    ["notify_third_fasteregister", "notify_third_fastregisterbetaapp", "notify_third_fastregisterpersonalapp"];

impl std::fmt::Debug for FastRegisterPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The auth_code stays out of logs.
        f.debug_struct("FastRegisterPush").field("key", &self.dedup_key()).field("has_auth_code", &self.auth_code.is_some()).finish()
    }
}

impl FastRegisterPush {
    /// None when `m` is not a fast-registration push; a push without a
    /// status is read as a failure (-1) rather than dropped.
    pub fn parse(m: &Map<String, Value>) -> Option<FastRegisterPush> {
        let info_type = text(m, "InfoType")?;
        if !FAST_REGISTER_INFO_TYPES.contains(&info_type.as_str()) {
            return None;
        }
        let info = group(m, "info").cloned().unwrap_or_default();
        let either = |k: &str| text(m, k).or_else(|| text(&info, k));
        let unique_id = either("unique_id");
        let taskid = either("taskid");
        let kind = if info_type.ends_with("betaapp") || unique_id.is_some() {
            "beta"
        } else if info_type.ends_with("personalapp") || taskid.is_some() || info.contains_key("wxuser") || info.contains_key("idname") {
            "personal"
        } else {
            "enterprise"
        };
        Some(FastRegisterPush {
            kind,
            appid: text(m, "appid"),
            status: int(m, "status").unwrap_or(-1),
            msg: text(m, "msg"),
            taskid,
            unique_id,
            create_time: int(m, "CreateTime"),
            auth_code: text(m, "auth_code").filter(|_| int(m, "status") == Some(0)),
            info,
            info_type,
        })
    }

    /// What identifies this push across WeChat's retries and processes: the
    /// registration (its task, unique id, appid or legal name) and its result.
    pub fn dedup_key(&self) -> String {
        let who = self
            .taskid
            .clone()
            .or_else(|| self.unique_id.clone())
            .or_else(|| self.appid.clone())
            .or_else(|| text(&self.info, "code"))
            .or_else(|| text(&self.info, "name"))
            .or_else(|| text(&self.info, "wxuser"))
            .unwrap_or_default();
        let key = format!("fastreg:{}:{}:{}:{}", self.kind, who, self.status, self.create_time.unwrap_or(0));
        // wxtp_messages keys are at most 191 characters.
        if key.len() <= 180 {
            key
        } else {
            format!("fastreg:{}", crate::crypto::sign(&[&key]))
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse;

    #[test]
    fn audit_fail_splits_screenshots() {
        let m = parse(
            "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1488856741</CreateTime>\
             <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[weapp_audit_fail]]></Event><Reason><![CDATA[no]]></Reason>\
             <FailTime>1488856741</FailTime><ScreenShot>m1|m2||m3</ScreenShot></xml>",
        )
        .unwrap();
        let WxaEvent::Audit(a) = WxaEvent::parse("wx1", &m).unwrap() else { panic!("not an audit") };
        assert_eq!(a.status, "fail");
        assert_eq!(a.screenshots, vec!["m1", "m2", "m3"]);
        assert_eq!(a.fail_time, Some(1488856741));
        assert_eq!(a.reason.as_deref(), Some("no"));
        let v = WxaEvent::parse("wx1", &m).unwrap().to_value();
        assert_eq!(v["failTime"], 1488856741);
        assert_eq!(v["appid"], "wx1");
    }

    #[test]
    fn other_events_and_messages() {
        let m = parse("<xml><MsgType>event</MsgType><Event>subscribe</Event></xml>").unwrap();
        assert!(WxaEvent::parse("wx1", &m).is_none());
        let m = parse("<xml><MsgType>text</MsgType><Event>weapp_audit_success</Event></xml>").unwrap();
        assert!(WxaEvent::parse("wx1", &m).is_none());
        let m = parse("<xml><MsgType>event</MsgType><Event>wxa_illegal_record</Event><x>1</x></xml>").unwrap();
        let e = WxaEvent::parse("wx1", &m).unwrap();
        assert_eq!(e.name(), "wxa_event");
        assert_eq!(e.to_value()["fields"]["x"], "1");
        let m = parse(
            "<xml><MsgType>event</MsgType><Event>wxa_privacy_apply</Event><result_info><api_name>wx.choosePoi</api_name>\
             <audit_id>4212</audit_id><status>1</status></result_info></xml>",
        )
        .unwrap();
        let WxaEvent::PrivacyApply(p) = WxaEvent::parse("wx1", &m).unwrap() else { panic!() };
        assert_eq!((p.api_name.as_deref(), p.audit_id, p.status), (Some("wx.choosePoi"), Some(4212), Some(1)));
    }

    #[test]
    fn fast_register_kinds_and_keys() {
        let m = parse(
            "<xml><AppId>wxc</AppId><CreateTime>1535442403</CreateTime><InfoType>notify_third_fasteregister</InfoType>\
             <appid>wxnew</appid><status>0</status><auth_code>code1</auth_code><msg>OK</msg>\
             <info><name>公司</name><code>91</code><code_type>1</code_type></info></xml>",
        )
        .unwrap();
        let p = FastRegisterPush::parse(&m).unwrap();
        assert_eq!((p.kind, p.status, p.appid.as_deref(), p.auth_code.as_deref()), ("enterprise", 0, Some("wxnew"), Some("code1")));
        assert!(p.to_value().get("authCode").is_none());
        assert_eq!(p.dedup_key(), "fastreg:enterprise:wxnew:0:1535442403");
        let m = parse(
            "<xml><InfoType>notify_third_fasteregister</InfoType><status>89251</status><auth_code>x</auth_code>\
             <info><wxuser>u</wxuser><idname>n</idname></info><taskid>t1</taskid></xml>",
        )
        .unwrap();
        let p = FastRegisterPush::parse(&m).unwrap();
        assert_eq!((p.kind, p.taskid.as_deref(), p.auth_code.as_deref()), ("personal", Some("t1"), None));
        let m = parse("<xml><InfoType>notify_third_fastregisterbetaapp</InfoType><status>0</status><info><unique_id>u9</unique_id></info></xml>").unwrap();
        assert_eq!(FastRegisterPush::parse(&m).unwrap().kind, "beta");
        let m = parse("<xml><InfoType>authorized</InfoType></xml>").unwrap();
        assert!(FastRegisterPush::parse(&m).is_none());
    }
}
