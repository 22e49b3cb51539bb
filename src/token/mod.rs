//! Token cells: one abstraction for every token kind (component_access_token,
//! pre_auth_code, authorizer_access_token + refresh token, an account's own
//! access_token, jsapi / wx_card tickets, OAuth user tokens).

mod backoff;
mod cell;
mod options;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use cell::TokenCell;
pub use options::{default_owner_id, CellEvent, CellOptions, EventHook, Role};

use crate::error::Result;

/// Which token a row / cell holds. `as_str()` is the stored `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    ComponentVerifyTicket,
    ComponentAccessToken,
    PreAuthCode,
    AuthorizerAccessToken,
    AccessToken,
    JsapiTicket,
    WxCardTicket,
    OAuthAccessToken,
    SessionKey,
}

impl TokenKind {
    pub const ALL: [TokenKind; 9] = [
        TokenKind::ComponentVerifyTicket,
        TokenKind::ComponentAccessToken,
        TokenKind::PreAuthCode,
        TokenKind::AuthorizerAccessToken,
        TokenKind::AccessToken,
        TokenKind::JsapiTicket,
        TokenKind::WxCardTicket,
        TokenKind::OAuthAccessToken,
        TokenKind::SessionKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::ComponentVerifyTicket => "component_verify_ticket",
            TokenKind::ComponentAccessToken => "component_access_token",
            TokenKind::PreAuthCode => "pre_auth_code",
            TokenKind::AuthorizerAccessToken => "authorizer_access_token",
            TokenKind::AccessToken => "access_token",
            TokenKind::JsapiTicket => "jsapi_ticket",
            TokenKind::WxCardTicket => "wx_card_ticket",
            TokenKind::OAuthAccessToken => "oauth_access_token",
            TokenKind::SessionKey => "session_key",
        }
    }

    pub fn parse(s: &str) -> Option<TokenKind> {
        TokenKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies one token row / cell.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenKey {
    /// The platform's appid; "" for an account's own credentials.
    pub component_appid: String,
    pub kind: TokenKind,
    /// The authorizer / account appid; "" for component-level kinds. OAuth
    /// user tokens put `appid:openid` here.
    pub appid: String,
}

impl TokenKey {
    pub fn new(component_appid: impl Into<String>, kind: TokenKind, appid: impl Into<String>) -> Self {
        TokenKey { component_appid: component_appid.into(), kind, appid: appid.into() }
    }
    /// A platform-level token (ticket, component_access_token, pre_auth_code).
    pub fn component(component_appid: impl Into<String>, kind: TokenKind) -> Self {
        TokenKey::new(component_appid, kind, "")
    }
    /// An account's own token (not through a platform).
    pub fn account(appid: impl Into<String>, kind: TokenKind) -> Self {
        TokenKey::new("", kind, appid)
    }
}

/// A token with its lifetime. `Debug` never prints the value or refresh token.
#[derive(Clone, PartialEq)]
pub struct Token {
    pub value: String,
    pub expires_at_ms: i64,
    pub updated_at_ms: i64,
    pub refresh_token: Option<String>,
    pub extra: Option<serde_json::Value>,
}

impl Token {
    /// A token issued now that lives `expires_in_secs` (WeChat's `expires_in`).
    pub fn new(value: impl Into<String>, expires_in_secs: i64) -> Self {
        let now = crate::store::now_ms();
        Token { value: value.into(), expires_at_ms: now + expires_in_secs * 1000, updated_at_ms: now, refresh_token: None, extra: None }
    }
    pub fn with_refresh_token(mut self, rt: impl Into<String>) -> Self {
        self.refresh_token = Some(rt.into());
        self
    }
    pub fn lifetime_ms(&self) -> i64 {
        (self.expires_at_ms - self.updated_at_ms).max(0)
    }
    /// Still accepted by WeChat (per our clock).
    pub fn is_valid_at(&self, now_ms: i64) -> bool {
        !self.value.is_empty() && self.expires_at_ms > now_ms
    }
    /// When a refresh should start: `ratio` of the lifetime before expiry.
    pub fn due_at_ms(&self, ratio: f64) -> i64 {
        self.expires_at_ms - (self.lifetime_ms() as f64 * ratio.clamp(0.0, 1.0)) as i64
    }
    /// Valid and not yet due.
    pub fn is_fresh_at(&self, now_ms: i64, ratio: f64) -> bool {
        self.is_valid_at(now_ms) && now_ms < self.due_at_ms(ratio)
    }
    /// Seconds left (WeChat's `expires_in` as the token service reports it).
    pub fn expires_in_secs(&self, now_ms: i64) -> i64 {
        ((self.expires_at_ms - now_ms) / 1000).max(0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"***")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("updated_at_ms", &self.updated_at_ms)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("extra", &self.extra.as_ref().map(|_| "…"))
            .finish()
    }
}

/// The upstream call (WeChat) for one cell. `current` is the token held now,
/// if any (it carries e.g. the authorizer refresh token).
pub trait Fetch: Send + Sync + 'static {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> Pin<Box<dyn Future<Output = Result<Token>> + Send + 'a>>;
}

/// Adapts an async closure into a `Fetch`.
pub struct FetchFn<F>(pub F);

impl<F, Fut> Fetch for FetchFn<F>
where
    F: Fn(Option<Token>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token>> + Send + 'static,
{
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> Pin<Box<dyn Future<Output = Result<Token>> + Send + 'a>> {
        Box::pin((self.0)(current.cloned()))
    }
}
