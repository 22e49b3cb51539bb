//! The sandbox's knobs and the plain data types of its public API.

use serde::{Deserialize, Serialize};

/// Lifetimes in seconds, per kind of credential. Defaults are WeChat's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lifetimes {
    pub component_access_token: f64,
    pub pre_auth_code: f64,
    pub authorizer_access_token: f64,
    /// An account's own access_token (cgi-bin/token, stable_token).
    pub access_token: f64,
    /// JS-SDK / card tickets (cgi-bin/ticket/getticket).
    pub ticket: f64,
    /// OAuth (web page) access tokens.
    pub oauth: f64,
    /// The admin's authorization code (api_query_auth).
    pub auth_code: f64,
    /// OAuth `code` and mini-program `js_code` (WeChat: 5 minutes).
    pub oauth_code: f64,
    /// OAuth refresh_token (WeChat: 30 days).
    pub oauth_refresh_token: f64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            component_access_token: 7200.0,
            pre_auth_code: 1800.0,
            authorizer_access_token: 7200.0,
            access_token: 7200.0,
            ticket: 7200.0,
            oauth: 7200.0,
            auth_code: 3600.0,
            oauth_code: 300.0,
            oauth_refresh_token: 30.0 * 86400.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    pub host: String,
    /// 0 = any free port.
    #[serde(deserialize_with = "port")]
    pub port: u16,
    pub lifetimes: Lifetimes,
    /// How long a token stays valid after a newer one is issued (WeChat: 300 s).
    pub grace_secs: f64,
    /// How recent a pushed component_verify_ticket must be for api_component_token (WeChat: 12 h).
    pub ticket_max_age_secs: f64,
    /// api_authorizer_token hands out a new refresh token and voids the old one.
    pub rotate_refresh_tokens: bool,
    /// Push a component_verify_ticket to every component with a push_url this often (WeChat: 600 s).
    pub push_interval_secs: Option<f64>,
    /// Page size of /cgi-bin/user/get (WeChat: 10000); smaller makes paging testable.
    pub followers_page_size: usize,
    /// Followers of an account that was not given a count (authorize / register_app).
    pub default_followers: usize,
    /// How long a message to a platform waits for an answer before WeChat retries it (WeChat: 5 s).
    pub message_timeout_secs: f64,
    /// How long the code-privacy detection runs after a commit: get_code_privacy_info
    /// and submit_audit answer 61039 until then (WeChat: up to about a minute).
    pub wxa_privacy_check_secs: f64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: "127.0.0.1".into(),
            port: 0,
            lifetimes: Lifetimes::default(),
            grace_secs: 300.0,
            ticket_max_age_secs: 12.0 * 3600.0,
            rotate_refresh_tokens: false,
            push_interval_secs: None,
            followers_page_size: 10000,
            default_followers: 3,
            message_timeout_secs: 5.0,
            wxa_privacy_check_secs: 1.0,
        }
    }
}

/// A third-party platform (component) the sandbox knows.
#[derive(Clone, Serialize, Deserialize)]
pub struct ComponentRegistration {
    pub appid: String,
    pub secret: String,
    pub token: String,
    pub encoding_aes_key: String,
    /// The platform's 授权事件接收URL; pushes go here.
    #[serde(default)]
    pub push_url: Option<String>,
}

impl std::fmt::Debug for ComponentRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secret, token and key stay out of logs.
        f.debug_struct("ComponentRegistration")
            .field("appid", &self.appid)
            .field("push_url", &self.push_url)
            .finish_non_exhaustive()
    }
}

/// How the simulated admin authorizes the platform.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthorizeOptions {
    /// The authorizer's appid; generated when None. An appid that is already
    /// authorized is re-authorized (an `updateauthorized` push).
    pub appid: Option<String>,
    pub nick_name: Option<String>,
    /// Number of followers to generate (None: config.default_followers).
    pub followers: Option<usize>,
    /// funcscope_category ids (None: the usual official-account set).
    pub func_info: Option<Vec<i64>>,
    /// service_type_info.id: 0 subscription, 1 upgraded subscription, 2 service account.
    pub service_type: Option<i64>,
    /// verify_type_info.id: -1 unverified, 0 WeChat verified, …
    pub verify_type: Option<i64>,
    /// A pre_auth_code issued by api_create_preauthcode to authorize with;
    /// must be valid when given, else one is issued.
    pub pre_auth_code: Option<String>,
    /// Send the authorized / updateauthorized event to the push_url.
    pub push: bool,
    /// The authorizer is a mini program (api_get_authorizer_info answers
    /// MiniProgramInfo; the default funcInfo is a mini program's).
    pub mini_program: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Authorized {
    pub authorizer_appid: String,
    pub auth_code: String,
    /// Seconds the auth_code stays valid.
    pub expires_in: i64,
    pub pre_auth_code: String,
    /// "authorized" the first time, "updateauthorized" after.
    pub info_type: String,
}

/// A call that presented a token the sandbox refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvalidTokenCall {
    pub path: String,
    /// "expired", "invalid" or "wrong_appid".
    pub reason: String,
    /// The appid the token belonged to, when it was a token the sandbox issued.
    pub appid: Option<String>,
    /// Unix time, milliseconds (sandbox clock).
    pub at: u64,
}

/// What an injected fault does to a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Answer `{errcode, errmsg}` (e.g. -1 system busy, 45009 daily quota).
    Errcode(i64),
    /// Answer `{errcode, errmsg}` with HTTP 200 and `Content-Type: image/jpeg`,
    /// as an image endpoint's error can arrive (a client must read the body).
    ImageErrcode(i64),
    /// Answer HTTP 500.
    Http500,
    /// Wait this long, then answer normally.
    DelayMs(u64),
    /// Drop the connection without answering (TCP reset).
    Reset,
    /// Do the call, then drop the connection without answering: WeChat did
    /// it, the client cannot know (what a crash between a call and its record looks like).
    LoseAnswer,
}

/// One push the sandbox sent (or tried to).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRecord {
    pub component_appid: String,
    pub info_type: String,
    pub authorizer_appid: Option<String>,
    /// HTTP status the receiver answered, None when unreachable.
    pub status: Option<u16>,
    /// The receiver's answer (WeChat expects "success"), cut to 200 chars.
    pub response: String,
    pub at: u64,
}

/// A call recorded by an endpoint that keeps bodies (messages, long tail).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedCall {
    pub path: String,
    pub appid: Option<String>,
    pub body: serde_json::Value,
    pub at: u64,
}

/// A port as a user writes it: a clear message instead of serde's "expected u16".
fn port<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let v = f64::deserialize(d)?;
    if v.fract() == 0.0 && (0.0..=65535.0).contains(&v) {
        Ok(v as u16)
    } else {
        Err(serde::de::Error::custom(format!("port must be an integer from 0 to 65535 (got {v})")))
    }
}

/// `value` as a `T`. The error names the field and what it expected, never
/// the value given: a malformed secret must not come back in an answer.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let what = without_value(&e.inner().to_string());
        match e.path().to_string() {
            path if path == "." || what.starts_with(&path) => what,
            path => format!("{path}: {what}"),
        }
    })
}

/// serde's "invalid type: string \"abc\", expected u64" as "invalid type: string, expected u64".
fn without_value(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((given, expected)) = message.strip_prefix(prefix).and_then(|rest| rest.split_once(", expected")) {
            let kind = given.split(['`', '"']).next().unwrap_or_default().trim_end();
            return format!("{prefix}{kind}, expected{expected}");
        }
    }
    message.to_owned()
}
