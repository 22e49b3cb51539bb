//! An account's own client (wechat-api's `new API(appid, appsecret)`): its
//! access token and JS-SDK tickets in token cells (fleet-wide through a
//! store, in memory without), or tokens the user keeps (`getToken` /
//! `saveToken`), reported back through `UserTokens`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::{ApiClient, CallObserver};
use crate::credential::{AccountTokenFetch, ServiceTokenSource, TicketFetch, TokenSource};
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut, TokenKey, TokenKind};
use crate::store::{Store, StoreConfig};
use crate::token::{CellOptions, Fetch, TokenCell};
use crate::wechat::{Transport, DEFAULT_TIMEOUT};

#[derive(Clone, Debug, Default)]
pub struct OwnConfig {
    pub appid: String,
    pub secret: String,
    pub api_base: Option<String>,
    /// A store URL: tokens shared fleet-wide; None: this process only.
    pub db: Option<String>,
    /// `/cgi-bin/stable_token` instead of `/cgi-bin/token`.
    pub stable: bool,
    pub timeout: Option<Duration>,
    /// The user keeps the access token (wechat-api's getToken / saveToken).
    pub user_tokens: bool,
    /// Tokens come from a token service at this URL (no secret needed here).
    pub token_service: Option<String>,
    pub auth_token: Option<String>,
    /// wechat-api's `fileServerPrefix`; None: WeChat's file server (or the API base when that is not WeChat's).
    pub file_prefix: Option<String>,
}

// Debug of OwnConfig prints the secret; keep it out of logs.
impl OwnConfig {
    pub fn redacted(&self) -> String {
        format!("OwnConfig {{ appid: {:?}, db: {}, stable: {} }}", self.appid, self.db.is_some(), self.stable)
    }
}

/// The client, its store (for `close`) and, with user-managed tokens, the
/// source that reports fresh tokens to save.
pub struct Own {
    pub client: ApiClient,
    pub store: Option<Store>,
    pub user_tokens: Option<Arc<UserTokens>>,
}

pub async fn own_client(cfg: OwnConfig) -> Result<Own> {
    if cfg.appid.trim().is_empty() {
        return Err(Error::invalid("appid", "must be a non-empty string"));
    }
    if cfg.secret.trim().is_empty() && cfg.token_service.is_none() {
        return Err(Error::invalid("appsecret", "must be a non-empty string (or give options.tokenService)"));
    }
    let give_up = CellOptions::default().fetch_limit();
    let transport = Transport::with_timeouts(cfg.api_base.as_deref(), cfg.timeout.unwrap_or(DEFAULT_TIMEOUT), give_up);
    let store = match &cfg.db {
        Some(url) => {
            let store = Store::connect(&StoreConfig::new(url.clone())).await?;
            store.migrate().await?;
            Some(store)
        }
        None => None,
    };
    if let Some(url) = &cfg.token_service {
        return service_client(&cfg, url, transport);
    }
    let fetch = Arc::new(AccountTokenFetch { appid: cfg.appid.clone(), secret: cfg.secret.clone(), transport: transport.clone(), stable: cfg.stable });
    let (token, user_tokens): (Arc<dyn TokenSource>, _) = if cfg.user_tokens {
        let u = Arc::new(UserTokens::new(fetch));
        (u.clone(), Some(u))
    } else {
        (TokenCell::new(TokenKey::account(&cfg.appid, TokenKind::AccessToken), store.clone(), fetch, CellOptions::default()), None)
    };
    let ticket = |kind: TokenKind, name: &'static str| -> Arc<dyn TokenSource> {
        let f = Arc::new(TicketFetch::new(name, transport.clone(), token.clone()));
        TokenCell::new(TokenKey::account(&cfg.appid, kind), store.clone(), f, CellOptions::default())
    };
    let mut client = ApiClient::new(&cfg.appid, transport.clone(), token.clone())
        .with_tickets(ticket(TokenKind::JsapiTicket, "jsapi"), ticket(TokenKind::WxCardTicket, "wx_card"))
        .with_file_prefix(cfg.file_prefix.clone());
    if let Some(s) = &store {
        client = client.with_observer(Arc::new(Followers { store: s.clone(), appid: cfg.appid.clone() }));
    }
    Ok(Own { client, store, user_tokens })
}

/// wetoken's `NewDefaultAccessTokenByURL`: the access token and jsapi ticket
/// from a token service, which alone calls WeChat for them; a token WeChat
/// rejects is reported to the service's refresh route.
fn service_client(cfg: &OwnConfig, url: &str, transport: Transport) -> Result<Own> {
    let auth = cfg.auth_token.clone();
    let token: Arc<dyn TokenSource> = Arc::new(ServiceTokenSource::new(url, &cfg.appid, auth.clone())?);
    let jsapi: Arc<dyn TokenSource> = Arc::new(ServiceTokenSource::jsapi_ticket(url, &cfg.appid, auth)?);
    // The service keeps no wx_card ticket: this process keeps one in memory.
    let wx_card = TokenCell::new(
        TokenKey::account(&cfg.appid, TokenKind::WxCardTicket),
        None,
        Arc::new(TicketFetch::new("wx_card", transport.clone(), token.clone())),
        CellOptions::default(),
    );
    let client = ApiClient::new(&cfg.appid, transport, token).with_tickets(jsapi, wx_card).with_file_prefix(cfg.file_prefix.clone());
    Ok(Own { client, store: None, user_tokens: None })
}

/// Tokens the user stores: the JS side hands in what `getToken` gave
/// (`offer`), and takes what was fetched here to `saveToken` (`take_fresh`).
pub struct UserTokens {
    fetch: Arc<AccountTokenFetch>,
    held: Mutex<Option<(String, i64)>>,
    fresh: Mutex<Option<(String, i64)>>,
    // One fetch at a time, as a cell does.
    refreshing: tokio::sync::Mutex<()>,
}

impl UserTokens {
    fn new(fetch: Arc<AccountTokenFetch>) -> Self {
        UserTokens { fetch, held: Mutex::new(None), fresh: Mutex::new(None), refreshing: tokio::sync::Mutex::new(()) }
    }

    /// What the user's getToken returned (expireTime in ms).
    pub fn offer(&self, token: &str, expire_time: i64) {
        if !token.is_empty() && expire_time > now_ms() {
            *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.to_owned(), expire_time));
        }
    }

    /// A token fetched here that the user has not saved yet.
    pub fn take_fresh(&self) -> Option<(String, i64)> {
        self.fresh.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn valid(&self) -> Option<(String, i64)> {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).clone().filter(|(_, exp)| *exp > now_ms())
    }
}

impl TokenSource for UserTokens {
    fn token(&self) -> BoxFut<'_, Result<(String, i64)>> {
        Box::pin(async move {
            if let Some(t) = self.valid() {
                return Ok(t);
            }
            let _one = self.refreshing.lock().await;
            if let Some(t) = self.valid() {
                return Ok(t);
            }
            let t = self.fetch.fetch(None).await?;
            // wechat-api's margin: expire 10 s early.
            let t = (t.value, t.expires_at_ms - 10_000);
            *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(t.clone());
            *self.fresh.lock().unwrap_or_else(|e| e.into_inner()) = Some(t.clone());
            Ok(t)
        })
    }

    fn peek(&self) -> Option<(String, i64)> {
        self.valid()
    }

    fn invalidate<'a>(&'a self, failed: &'a str, _cause: &'a Error) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if held.as_ref().is_some_and(|(v, _)| v == failed) {
                *held = None;
            }
            Ok(())
        })
    }
}

/// The original library's default hooks for an account's own client with a
/// database: followers seen through getUser / batchGetUsers go to
/// wx_followers_info, getFollowers' openids to wx_followers (one row each);
/// the account's appid stands in the wx_token column.
struct Followers {
    store: Store,
    appid: String,
}

impl CallObserver for Followers {
    fn observe<'a>(&'a self, method: &'a str, result: &'a Value) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let saved = match method {
                "getUser" => self.store.save_follower(&self.appid, result).await,
                "batchGetUsers" => {
                    let list = result.get("user_info_list").and_then(Value::as_array).cloned().unwrap_or_default();
                    let mut r = Ok(());
                    for u in list.iter().filter(|u| u.get("openid").is_some()) {
                        r = r.and(self.store.save_follower(&self.appid, u).await);
                    }
                    r
                }
                "getFollowers" => {
                    let ids: Vec<String> = result.pointer("/data/openid").and_then(Value::as_array).map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default();
                    self.store.save_follower_openids(&self.appid, &ids).await
                }
                _ => Ok(()),
            };
            // A hook must not fail the call; the store error is the app's to see elsewhere.
            let _ = saved;
        })
    }
}
