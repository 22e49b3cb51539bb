//! The platform's values as typed napi objects: events (their errors built as
//! the package's error classes), secrets, authorizer records. The core
//! returns Rust types; their JS names live here only.

use napi::bindgen_prelude::*;
use napi::{Env, JsValue};
use napi_derive::napi;
use serde_json::Value;

use crate::node::authorizer::StoredAuthorizer;
use crate::node::errors::js_error;
use crate::component::{AuthorizerView, Event, Secrets};
use crate::error::Error as CoreError;

#[napi(string_enum)]
pub enum PlatformEventName {
    #[napi(value = "ready")]
    Ready,
    #[napi(value = "not_ready")]
    NotReady,
    #[napi(value = "outdated")]
    Outdated,
    #[napi(value = "db_error")]
    DbError,
    #[napi(value = "refresh_failed")]
    RefreshFailed,
    #[napi(value = "ticket")]
    Ticket,
    #[napi(value = "authorized")]
    Authorized,
    #[napi(value = "updateauthorized")]
    UpdateAuthorized,
    #[napi(value = "unauthorized")]
    Unauthorized,
    #[napi(value = "reply_failed")]
    ReplyFailed,
    #[napi(value = "fast_register")]
    FastRegister,
    #[napi(value = "weapp_audit")]
    WeappAudit,
    #[napi(value = "wxa_nickname_audit")]
    WxaNicknameAudit,
    #[napi(value = "wxa_category_audit")]
    WxaCategoryAudit,
    #[napi(value = "wxa_privacy_apply")]
    WxaPrivacyApply,
    #[napi(value = "wxa_media_check")]
    WxaMediaCheck,
    #[napi(value = "wxa_event")]
    WxaEvent,
    #[napi(value = "push")]
    Push,
}

fn wxa_name(name: &str) -> PlatformEventName {
    match name {
        "weapp_audit" => PlatformEventName::WeappAudit,
        "wxa_nickname_audit" => PlatformEventName::WxaNicknameAudit,
        "wxa_category_audit" => PlatformEventName::WxaCategoryAudit,
        "wxa_privacy_apply" => PlatformEventName::WxaPrivacyApply,
        "wxa_media_check" => PlatformEventName::WxaMediaCheck,
        _ => PlatformEventName::WxaEvent,
    }
}

/// One platform event, as ThirdpartyServer emits it.
#[napi(object)]
pub struct PlatformEvent<'a> {
    pub name: PlatformEventName,
    /// authorized / updateauthorized / unauthorized: the authorizer.
    pub appid: Option<String>,
    /// db_error, refresh_failed, reply_failed: the error (a StoreError; a
    /// WeChatAPIError when WeChat answered an errcode, else an Error), with
    /// `tokenKind` and `appid` (refresh_failed) or `appid` and `openid`
    /// (reply_failed) set on it.
    #[napi(ts_type = "Error")]
    pub error: Option<Object<'a>>,
    /// fast_register and the mini-program events: the typed payload.
    #[napi(ts_type = "Record<string, unknown>")]
    pub payload: Option<Value>,
}

fn answer_error(code: Option<i64>, message: &str) -> CoreError {
    match code {
        Some(code) => CoreError::wechat(code, message),
        None => CoreError::Other(message.to_owned()),
    }
}

impl<'a> PlatformEvent<'a> {
    pub(crate) fn from_core(env: &'a Env, e: Event) -> Result<Self> {
        let error = |err: CoreError, props: &[(&str, &str)]| -> Result<Option<Object<'a>>> {
            let mut obj = js_error(env, &err)?.coerce_to_object()?;
            for (k, v) in props {
                if !v.is_empty() {
                    obj.set_named_property(k, *v)?;
                }
            }
            Ok(Some(obj))
        };
        let payload = e.payload();
        let (name, appid, error) = match e {
            Event::Ready => (PlatformEventName::Ready, None, None),
            Event::NotReady => (PlatformEventName::NotReady, None, None),
            Event::Outdated => (PlatformEventName::Outdated, None, None),
            Event::Ticket => (PlatformEventName::Ticket, None, None),
            Event::Authorized { appid } => (PlatformEventName::Authorized, Some(appid), None),
            Event::UpdateAuthorized { appid } => (PlatformEventName::UpdateAuthorized, Some(appid), None),
            Event::Unauthorized { appid } => (PlatformEventName::Unauthorized, Some(appid), None),
            Event::DbError { message } => (PlatformEventName::DbError, None, error(CoreError::Store(message), &[])?),
            Event::RefreshFailed { token_kind, appid, code, message } => (
                PlatformEventName::RefreshFailed,
                None,
                error(answer_error(code, &message), &[("tokenKind", &token_kind), ("appid", &appid)])?,
            ),
            Event::ReplyFailed { appid, openid, code, message } => (
                PlatformEventName::ReplyFailed,
                None,
                error(answer_error(code, &message), &[("appid", &appid), ("openid", &openid)])?,
            ),
            Event::FastRegister { push, .. } => (PlatformEventName::FastRegister, push.appid, None),
            Event::Wxa(w) => (wxa_name(w.name()), Some(w.appid().to_owned()), None),
            Event::Push { appid, .. } => (PlatformEventName::Push, appid, None),
        };
        Ok(PlatformEvent { name, appid, error, payload })
    }
}

#[napi(string_enum)]
pub enum Readiness {
    #[napi(value = "ready")]
    Ready,
    #[napi(value = "not_ready")]
    NotReady,
    #[napi(value = "outdated")]
    Outdated,
}

/// The component secrets, when `state` is `ready`.
#[napi(object)]
pub struct ComponentSecretsState {
    pub state: Readiness,
    pub ticket: Option<String>,
    pub preauthcode: Option<String>,
    #[napi(js_name = "access_token")]
    pub access_token: Option<String>,
}

impl From<Secrets> for ComponentSecretsState {
    fn from(s: Secrets) -> Self {
        match s {
            Secrets::Ready { ticket, preauthcode, access_token } => {
                ComponentSecretsState { state: Readiness::Ready, ticket: Some(ticket), preauthcode: Some(preauthcode), access_token: Some(access_token) }
            }
            Secrets::NotReady => ComponentSecretsState { state: Readiness::NotReady, ticket: None, preauthcode: None, access_token: None },
            Secrets::Outdated => ComponentSecretsState { state: Readiness::Outdated, ticket: None, preauthcode: None, access_token: None },
        }
    }
}

/// The token fields user_info adds to the record (declared for the types;
/// `AuthorizerUserInfo` writes them onto the record's object).
#[napi(object, use_nullable = true)]
pub struct AuthorizerTokenFields {
    #[napi(js_name = "access_token")]
    pub access_token: String,
    #[napi(js_name = "access_token_updated_at")]
    pub access_token_updated_at: f64,
    #[napi(js_name = "access_token_expires_in")]
    pub access_token_expires_in: f64,
    #[napi(js_name = "refresh_token")]
    pub refresh_token: Option<String>,
}

/// The original wxthirdparty user_info: one flat object, the record with its
/// token (times in ms since the epoch; lib/server.js makes Dates). Flat on
/// the native side: cloning a flat object is what keeps lookups at memory speed.
pub struct AuthorizerUserInfo {
    pub record: StoredAuthorizer,
    pub token: AuthorizerTokenFields,
}

impl TypeName for AuthorizerUserInfo {
    fn type_name() -> &'static str {
        "AuthorizerUserInfo"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for AuthorizerUserInfo {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let raw = StoredAuthorizer::to_napi_value(env, val.record)?;
        let mut o = Object::from_napi_value(env, raw)?;
        let t = val.token;
        o.set("access_token", t.access_token)?;
        o.set("access_token_updated_at", t.access_token_updated_at)?;
        o.set("access_token_expires_in", t.access_token_expires_in)?;
        o.set("refresh_token", t.refresh_token.map_or(Either::B(Null), Either::A))?;
        Ok(raw)
    }
}

impl From<AuthorizerView> for AuthorizerUserInfo {
    fn from(v: AuthorizerView) -> Self {
        AuthorizerUserInfo {
            record: v.record.into(),
            token: AuthorizerTokenFields {
                access_token: v.token.value,
                access_token_updated_at: v.token.updated_at_ms as f64,
                access_token_expires_in: v.token.expires_at_ms as f64,
                refresh_token: v.token.refresh_token,
            },
        }
    }
}

/// A lookup answered from memory, with the stamp that keeps it valid.
#[napi(object, object_from_js = false)]
pub struct StampedAuthorizer {
    #[napi(ts_type = "StoredAuthorizer & AuthorizerTokenFields")]
    pub info: AuthorizerUserInfo,
    pub stamp_seq: f64,
    pub stamp_at: f64,
}
