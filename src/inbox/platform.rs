//! What the inbox needs of the platform whose message URL it serves, and
//! what it tells its host app.

use crate::api::ApiClient;
use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::store::AuthorizerRecord;

/// The platform, as its message URL sees it (`crate::component::Component`).
pub trait Platform: Send + Sync + 'static {
    /// The authorizer `appid` from memory, when the cache holds it and is current.
    fn authorizer_now(&self, appid: &str) -> Option<AuthorizerRecord>;
    /// The authorizer `appid`, from the store when memory does not hold it.
    fn authorizer<'a>(&'a self, appid: &'a str) -> BoxFut<'a, Result<Option<AuthorizerRecord>>>;
    /// Exchanges an auth_code (once fleet-wide); the authorizer's appid.
    fn handle_auth_code<'a>(&'a self, code: &'a str) -> BoxFut<'a, Result<String>>;
    /// The API acting for the authorizer `appid`.
    fn client(&self, appid: &str) -> ApiClient;
    /// The platform's appid (whose counts these are).
    fn component_appid(&self) -> String {
        String::new()
    }
    /// A delivery for the authorizer `appid` claimed first fleet-wide, about
    /// to reach the handler (the platform's own events, e.g. mini-program ones).
    fn delivered(&self, _appid: &str, _message: &serde_json::Map<String, serde_json::Value>) {}
}

/// A reply that could not be recorded for retries, or sent through the API
/// (the release check, a slow handler).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyFailed {
    pub appid: String,
    pub openid: String,
    pub code: Option<i64>,
    pub message: String,
}

impl ReplyFailed {
    pub fn new(appid: &str, openid: &str, e: &Error, message: String) -> Self {
        ReplyFailed { appid: appid.to_owned(), openid: openid.to_owned(), code: e.code(), message }
    }
}

