//! Authorizers: the official accounts that authorized the platform. Code
//! exchange, storage with a random wx_token, lookup with token refresh,
//! the authorization URL, and API clients acting for them.

use std::sync::Arc;

use rand::RngCore;
use serde_json::{json, Value};

use crate::api::{ApiClient, CallObserver, ErrorGuard};
use crate::credential::component::{query_auth, QueryAuth};
use crate::credential::endpoints::API_AUTHORIZER_TOKEN;
use crate::credential::{component_post, TicketFetch, TokenSource};
use crate::error::{Error, Result};
use crate::model::{BoxFut, Token, TokenKey, TokenKind};
use crate::store::{AuthorizerRecord, Store};
use crate::token::{Fetch, Role, TokenCell};

use super::{Component, Event};

/// The authorizer's profile (not a credential: it stays with the platform).
const API_GET_AUTHORIZER_INFO: &str = "/cgi-bin/component/api_get_authorizer_info";

/// Identifies one answer of `authorizer_now_stamped`: the cached record's sequence
/// number and the token's refresh time (a new token or record, a new stamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorizerStamp {
    pub record_seq: u64,
    pub token_updated_at_ms: i64,
}

/// An authorizer with a usable access token.
#[derive(Clone, Debug)]
pub struct AuthorizerView {
    pub record: AuthorizerRecord,
    pub token: Token,
}

#[derive(Clone, Debug, Default)]
pub struct AuthorizeUrlOptions {
    /// bindcomponent (mobile, inside WeChat) instead of componentloginpage (PC).
    pub mobile: bool,
    /// 1 official accounts, 2 mini programs, 3 both (WeChat's auth_type).
    pub auth_type: Option<i64>,
    pub biz_appid: Option<String>,
}

/// How long an exchanged code's result is kept (WeChat's codes live 1 hour).
const CODE_RESULT_SECS: i64 = 3600;
/// api_query_auth's answer to a code already exchanged.
const CODE_SPENT: i64 = 61009;
/// How long a spent code's result is waited for: the spender's profile
/// retries and store retries (`retry_store`) fit in it.
const CODE_SPENT_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// The one exchange of an auth_code, as a token cell's fetch.
struct CodeExchange {
    component: std::sync::Weak<Component>,
    code: String,
}

impl Fetch for CodeExchange {
    fn fetch<'a>(&'a self, _current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let c = self.component.upgrade().ok_or_else(|| Error::NotReady("the platform is closed".into()))?;
            // Its own task: once api_query_auth has answered, the code is
            // spent, so storing the authorization must finish even when this
            // call is given up on (the cell's fetch limit, a dropped request).
            let code = self.code.clone();
            let exchange = tokio::spawn({
                let c = c.clone();
                async move { c.exchange_auth_code(&code).await }
            });
            match exchange.await.map_err(|e| Error::Other(format!("exchanging an auth_code: {e}")))? {
                Ok(view) => Ok(Token::new(view.record.appid, CODE_RESULT_SECS)),
                // Spent by an exchange still storing its result (here or in
                // another process): wait for that result.
                Err(e) if e.code() == Some(CODE_SPENT) => c.spent_code_result(&self.code).await.ok_or(e),
                Err(e) => Err(e),
            }
        })
    }

    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        Some(Box::pin(async move {
            let c = self.component.upgrade().ok_or_else(|| Error::NotReady("the platform is closed".into()))?;
            c.component_access_token().await.map(drop)
        }))
    }
}

/// Store writes after a spent auth_code: the database may be restarting, and
/// this process holds the only copy of the authorization (about 20 s of retries).
async fn retry_store<T, F, Fut>(mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(Error::Store(_)) if attempt < 12 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis((100u64 << attempt.min(4)).min(2000))).await;
            }
            r => return r,
        }
    }
}

/// 32 CSPRNG bytes, hex: the cookie that names an authorizer.
fn new_wx_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Component {
    /// The authorizer an auth_code stands for. The `authorized` push and the
    /// admin's redirect bring the same code, usually to different processes:
    /// the code's own token cell (lease, stored result) makes the exchange
    /// happen once fleet-wide; the other caller gets the stored authorizer.
    pub async fn handle_auth_code(self: &Arc<Self>, code: &str) -> Result<AuthorizerView> {
        if code.trim().is_empty() {
            return Err(Error::invalid("auth_code", "must be a non-empty string"));
        }
        let exchange = Arc::new(CodeExchange { component: Arc::downgrade(self), code: code.to_owned() });
        let cell = TokenCell::new(
            self.key_for(TokenKind::AuthorizationCode, code),
            Some(self.store.clone()),
            exchange,
            super::cell_options(&self.cfg, &self.owner_id, &self.events, Role::Refresher),
        );
        let appid = cell.get().await?.value;
        self.get_authorizer(&appid).await
    }

    /// api_query_auth + api_get_authorizer_info; stores the authorizer and its
    /// tokens, and announces it (`authorized` / `updateauthorized`) once.
    async fn exchange_auth_code(self: &Arc<Self>, code: &str) -> Result<AuthorizerView> {
        let comp = &self.cfg.appid;
        let QueryAuth { appid, token, info } = query_auth(&self.transport, &self.access_token, comp, code).await?;
        // Tells a second caller meeting 61009 that this exchange is storing its result.
        let _ = self.store.save_token(&self.spent_key(code), &Token::new(appid.clone(), CODE_RESULT_SECS)).await;

        // The code is spent from here on: WeChat answers 61009 to a second
        // api_query_auth, so a failure below must not lose the authorization.
        // A profile WeChat will not give (quota, errors past the retries) is
        // left empty rather than dropping the authorizer with it.
        let profile = self.authorizer_profile(&appid).await.unwrap_or(Value::Null);
        let a = profile.get("authorizer_info").cloned().unwrap_or(Value::Null);
        let existing = retry_store(|| self.store.authorizer_by_appid(comp, &appid)).await?;
        let update = existing.as_ref().is_some_and(|r| r.authorized);
        let existing_principal = existing.as_ref().and_then(|r| r.principal_name.clone());
        // A profile WeChat did not give keeps what was known of the app's type.
        let (app_type, mini_program_info) = match profile.get("authorizer_info") {
            Some(_) => app_type_of(&a),
            None => existing.as_ref().map(|r| (r.app_type.clone(), r.mini_program_info.clone())).unwrap_or_default(),
        };
        let s = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
        let id = |k: &str| a.get(k).and_then(|v| v.get("id")).and_then(Value::as_i64);
        let record = AuthorizerRecord {
            component_appid: comp.clone(),
            appid: appid.clone(),
            // Keep the cookie of an account that authorizes again.
            wx_token: existing.map(|r| r.wx_token).filter(|t| !t.is_empty()).unwrap_or_else(new_wx_token),
            nick_name: s("nick_name"),
            head_img: s("head_img"),
            service_type_id: id("service_type_info"),
            verify_type_info: id("verify_type_info"),
            user_name: s("user_name"),
            alias: s("alias"),
            func_info: info.get("func_info").map(Value::to_string),
            authorized: true,
            app_type,
            mini_program_info,
            // A profile WeChat did not give keeps the known principal.
            principal_name: s("principal_name").or_else(|| existing_principal.clone()),
        };
        // The code's result too: a caller whose wait was given up on finds it.
        let code_result = Token::new(appid.clone(), CODE_RESULT_SECS);
        retry_store(|| async {
            self.store.upsert_authorizer(&record).await?;
            self.authorizers.forget(&appid);
            self.authorizer_cell(&appid).set(token.clone()).await?;
            self.store.save_token(&self.key_for(TokenKind::AuthorizationCode, code), &code_result).await
        })
        .await?;
        self.emit(if update { Event::UpdateAuthorized { appid } } else { Event::Authorized { appid } });
        Ok(AuthorizerView { record, token })
    }

    /// Marks `code` spent by an exchange that is now storing its result.
    fn spent_key(&self, code: &str) -> TokenKey {
        self.key_for(TokenKind::AuthorizationCode, &format!("{code}#spent"))
    }

    /// The result an exchange of `code` under way (here or in another
    /// process) stores, polled for a while; None at once for a code nobody
    /// spent (61009 then means an invalid code).
    async fn spent_code_result(&self, code: &str) -> Option<Token> {
        if !matches!(self.store.load_token(&self.spent_key(code), true).await, Ok(Some(_))) {
            return None;
        }
        let key = self.key_for(TokenKind::AuthorizationCode, code);
        let until = tokio::time::Instant::now() + CODE_SPENT_WAIT;
        while tokio::time::Instant::now() < until {
            if let Ok(Some(t)) = self.store.load_token(&key, true).await {
                return Some(Token::new(t.value, CODE_RESULT_SECS));
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        None
    }

    /// api_get_authorizer_info, with transient failures retried briefly.
    async fn authorizer_profile(&self, appid: &str) -> Result<Value> {
        let body = json!({ "component_appid": self.cfg.appid, "authorizer_appid": appid });
        let mut attempt = 0;
        loop {
            match component_post(&self.transport, &self.access_token, API_GET_AUTHORIZER_INFO, &body).await {
                Err(e) if e.is_transient() && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
                }
                r => return r,
            }
        }
    }

    /// By wx_token or appid; its token refreshed when due (one refresher fleet-wide).
    pub async fn get_authorizer(self: &Arc<Self>, appid_or_wx_token: &str) -> Result<AuthorizerView> {
        let record = self.find_authorizer(appid_or_wx_token).await?;
        if !record.authorized {
            return Err(revoked(&record.appid));
        }
        let token = self.authorizer_cell(&record.appid).get().await?;
        Ok(AuthorizerView { record, token })
    }

    /// From memory only: a cached, authorized record whose token is fresh,
    /// with its stamp. While `authorizer_stamp_now` gives the same stamp, the
    /// answer is the same (a caller may keep what it built from it).
    pub fn authorizer_now_stamped(&self, appid_or_wx_token: &str) -> Option<(AuthorizerStamp, AuthorizerView)> {
        let (seq, record) = self.authorizers.get_seq(appid_or_wx_token).filter(|(_, r)| r.authorized)?;
        let token = self.authorizer_cell_now(record.appid.clone())?.fresh_now()?;
        Some((AuthorizerStamp { record_seq: seq, token_updated_at_ms: token.updated_at_ms }, AuthorizerView { record, token }))
    }

    /// The stamp of `authorizer_now_stamped`'s answer, copying neither the
    /// record nor the token (only the appid, to find the token's cell).
    pub fn authorizer_stamp_now(&self, appid_or_wx_token: &str) -> Option<AuthorizerStamp> {
        let (record_seq, appid) = self.authorizers.with(appid_or_wx_token, |seq, r| r.authorized.then(|| (seq, r.appid.clone())))??;
        let token_updated_at_ms = self.authorizer_cell_now(appid)?.fresh_with(|t| t.updated_at_ms)?;
        Some(AuthorizerStamp { record_seq, token_updated_at_ms })
    }

    fn authorizer_cell_now(&self, appid: String) -> Option<Arc<TokenCell>> {
        self.cells.lock().unwrap().get(&(TokenKind::AuthorizerAccessToken, appid)).cloned()
    }

    pub async fn find_authorizer(&self, appid_or_wx_token: &str) -> Result<AuthorizerRecord> {
        let comp = &self.cfg.appid;
        if appid_or_wx_token.is_empty() {
            return Err(Error::NotFound("not exist".into()));
        }
        if let Some(r) = self.authorizers.get(appid_or_wx_token) {
            return Ok(r);
        }
        let epoch = self.authorizers.epoch();
        let found = match self.store.authorizer_by_wx_token(comp, appid_or_wx_token).await? {
            Some(r) => r,
            None => self
                .store
                .authorizer_by_appid(comp, appid_or_wx_token)
                .await?
                .ok_or_else(|| Error::NotFound("not exist".into()))?,
        };
        self.authorizers.put(epoch, &found);
        Ok(found)
    }

    pub async fn authorizer_access_token(self: &Arc<Self>, appid: &str) -> Result<Token> {
        Ok(self.get_authorizer(appid).await?.token)
    }

    /// The original `refresh_token(appid, refresh_token)`: one api_authorizer_token call.
    pub async fn refresh_authorizer_token(&self, appid: &str, refresh_token: &str) -> Result<Value> {
        let body = json!({
            "component_appid": self.cfg.appid,
            "authorizer_appid": appid,
            "authorizer_refresh_token": refresh_token,
        });
        component_post(&self.transport, &self.access_token, API_AUTHORIZER_TOKEN, &body).await
    }

    /// The page an official-account admin opens to authorize the platform.
    pub async fn authorize_url(&self, redirect_uri: &str, opts: &AuthorizeUrlOptions) -> Result<String> {
        if redirect_uri.is_empty() {
            return Err(Error::invalid("redirectUri", "must be a non-empty URL"));
        }
        let code = self.pre_auth_code().await?;
        let base = if opts.mobile {
            "https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&"
        } else {
            "https://mp.weixin.qq.com/cgi-bin/componentloginpage?"
        };
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("component_appid", &self.cfg.appid)
            .append_pair("pre_auth_code", &code)
            .append_pair("redirect_uri", redirect_uri);
        if let Some(t) = opts.auth_type {
            query.append_pair("auth_type", &t.to_string());
        }
        if let Some(b) = &opts.biz_appid {
            query.append_pair("biz_appid", b);
        }
        let mut url = format!("{base}{}", query.finish());
        if opts.mobile {
            url.push_str("#wechat_redirect");
        }
        Ok(url)
    }

    /// The official-account API acting for `appid`.
    pub fn client(self: &Arc<Self>, appid: &str) -> ApiClient {
        let token: Arc<dyn TokenSource> = self.authorizer_cell(appid);
        let ticket = |kind: TokenKind, name: &'static str| -> Arc<dyn TokenSource> {
            self.cell(kind, appid, || Arc::new(TicketFetch::new(name, self.transport.clone(), token.clone())))
        };
        let jsapi = ticket(TokenKind::JsapiTicket, "jsapi");
        let wx_card = ticket(TokenKind::WxCardTicket, "wx_card");
        ApiClient::new(appid, self.transport.clone(), token.clone())
            .with_tickets(jsapi, wx_card)
            .with_guard(Arc::new(RevocationGuard { store: self.store.clone(), component_appid: self.cfg.appid.clone(), appid: appid.to_owned() }))
            .with_observer(Arc::new(FollowerRecorder {
                store: self.store.clone(),
                component_appid: self.cfg.appid.clone(),
                appid: appid.to_owned(),
                events: self.events.clone(),
                wx_token: tokio::sync::OnceCell::new(),
            }))
    }
}

/// An official account or a mini program (api_get_authorizer_info's
/// authorizer_info has MiniProgramInfo for the latter), and that info.
fn app_type_of(authorizer_info: &Value) -> (Option<String>, Option<String>) {
    match authorizer_info.get("MiniProgramInfo").filter(|m| !m.is_null()) {
        Some(m) => (Some(crate::store::MINI_PROGRAM.to_owned()), Some(m.to_string())),
        None => (Some(crate::store::OFFICIAL_ACCOUNT.to_owned()), None),
    }
}

fn revoked(appid: &str) -> Error {
    Error::Revoked(format!("authorizer {appid} has revoked its authorization of this platform"))
}

/// A call that fails for a revoked authorizer says so, instead of a WeChat errcode.
struct RevocationGuard {
    store: Store,
    component_appid: String,
    appid: String,
}

impl ErrorGuard for RevocationGuard {
    fn check<'a>(&'a self, err: Error) -> BoxFut<'a, Error> {
        Box::pin(async move {
            if matches!(err, Error::InvalidArgument { .. } | Error::Revoked(_)) {
                return err;
            }
            match self.store.authorizer_by_appid(&self.component_appid, &self.appid).await {
                Ok(Some(r)) if !r.authorized => revoked(&self.appid),
                _ => err,
            }
        })
    }
}

/// The original library's default hooks: followers seen through getUser /
/// batchGetUsers are stored in wx_followers / wx_followers_info.
struct FollowerRecorder {
    store: Store,
    component_appid: String,
    appid: String,
    events: Arc<super::events::Events>,
    wx_token: tokio::sync::OnceCell<String>,
}

impl CallObserver for FollowerRecorder {
    fn observe<'a>(&'a self, method: &'a str, result: &'a Value) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let users: Vec<&Value> = match method {
                "getUser" => vec![result],
                "batchGetUsers" => result.get("user_info_list").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default(),
                _ => return,
            };
            let wx_token = self
                .wx_token
                .get_or_try_init(|| async {
                    match self.store.authorizer_by_appid(&self.component_appid, &self.appid).await {
                        Ok(Some(r)) => Ok(r.wx_token),
                        Ok(None) => Err(Error::NotFound("not exist".into())),
                        Err(e) => Err(e),
                    }
                })
                .await;
            let wx_token = match wx_token {
                Ok(t) => t,
                Err(_) => return,
            };
            for u in users.into_iter().filter(|u| u.get("openid").is_some()) {
                if let Err(e) = self.store.save_follower(wx_token, u).await {
                    self.events.emit(super::Event::DbError { message: e.to_string() });
                }
            }
        })
    }
}
