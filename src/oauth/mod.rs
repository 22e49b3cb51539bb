//! User OAuth (wechat-oauth compatible): web-page authorization and
//! mini-program login, with the app's own secret or on behalf of an
//! authorizer through the platform (component OAuth).
//!
//! Per-user tokens live in `wxtp_tokens` (kind `oauth_access_token`, appid
//! `appid:openid`), one row per user, behind a token cell: any process of a
//! fleet can use a token another one saved, and an expired one is refreshed
//! once fleet-wide. Session keys are rows of kind `session_key`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::credential::oauth::{from_cell_token, no_token, session_token, to_cell_token, RefreshFetch};
use crate::credential::{with_token, ComponentCredential, OAuthCredential, OAuthUpstream, Session, UserToken};
use crate::crypto::DataCrypt;
use crate::error::{Error, Result};
use crate::model::{TokenKey, TokenKind};
use crate::store::{Store, StoreConfig};
use crate::token::{CellOptions, TokenCell};
use crate::wechat::Transport;

/// Where the store comes from: the platform's, or one opened on first use.
enum StoreSource {
    Shared(Store),
    Own { cfg: StoreConfig, store: tokio::sync::OnceCell<Store> },
}

/// Cells kept in memory at most; beyond, the map starts over (the store
/// keeps the tokens; a dropped cell only loses its memory copy).
const MAX_CELLS: usize = 10_000;

pub struct OAuth {
    upstream: OAuthUpstream,
    is_mini_program: bool,
    store: StoreSource,
    cells: Mutex<HashMap<String, Arc<TokenCell>>>,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("appid", &self.upstream.appid)
            .field("component_appid", &self.upstream.component_appid())
            .field("is_mini_program", &self.is_mini_program)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// An app's own OAuth. `db`: a store URL; None keeps tokens in an
    /// in-process SQLite memory database.
    pub fn new(appid: &str, secret: &str, is_mini_program: bool, db: Option<&str>, api_base: Option<&str>) -> Result<OAuth> {
        check("appid", appid)?;
        check("appsecret", secret)?;
        let upstream = OAuthUpstream { appid: appid.into(), credential: OAuthCredential::Secret(secret.into()), transport: Transport::new(api_base) };
        let cfg = StoreConfig::new(db.filter(|d| !d.is_empty()).unwrap_or("sqlite::memory:"));
        // The store opens on first use; say now if the URL cannot work.
        cfg.check()?;
        Ok(OAuth::with(upstream, is_mini_program, StoreSource::Own { cfg, store: tokio::sync::OnceCell::new() }))
    }

    /// OAuth on behalf of `appid`, an authorizer of the platform whose
    /// credential, store and transport these are.
    pub fn on_behalf(platform: ComponentCredential, store: Store, transport: Transport, appid: &str, is_mini_program: bool) -> Result<OAuth> {
        check("authorizerAppid", appid)?;
        let upstream = OAuthUpstream { appid: appid.into(), credential: OAuthCredential::Component(platform), transport };
        Ok(OAuth::with(upstream, is_mini_program, StoreSource::Shared(store)))
    }

    fn with(upstream: OAuthUpstream, is_mini_program: bool, store: StoreSource) -> OAuth {
        OAuth { upstream, is_mini_program, store, cells: Mutex::new(HashMap::new()) }
    }

    pub fn appid(&self) -> &str {
        &self.upstream.appid
    }

    pub fn upstream(&self) -> &OAuthUpstream {
        &self.upstream
    }

    pub fn is_mini_program(&self) -> bool {
        self.is_mini_program
    }

    async fn store(&self) -> Result<Store> {
        match &self.store {
            StoreSource::Shared(s) => Ok(s.clone()),
            StoreSource::Own { cfg, store } => store
                .get_or_try_init(|| async {
                    let s = Store::connect(cfg).await?;
                    s.migrate().await?;
                    Ok::<_, Error>(s)
                })
                .await
                .cloned(),
        }
    }

    fn key(&self, kind: TokenKind, openid: &str) -> TokenKey {
        let component = self.upstream.component_appid().unwrap_or_default();
        TokenKey::new(component, kind, format!("{}:{openid}", self.appid()))
    }

    /// The token cell of one user: memory, the store, then a refresh.
    async fn cell(&self, openid: &str) -> Result<Arc<TokenCell>> {
        if let Some(c) = self.cells.lock().unwrap().get(openid) {
            return Ok(c.clone());
        }
        let store = self.store().await?;
        let mut cells = self.cells.lock().unwrap();
        if cells.len() >= MAX_CELLS {
            cells.clear();
        }
        let cell = cells.entry(openid.to_owned()).or_insert_with(|| {
            let fetch = RefreshFetch { upstream: self.upstream.clone(), openid: openid.to_owned() };
            // Refresh when expired, as wechat-oauth: never ahead of time for a user who may not come back.
            let opts = CellOptions { refresh_ahead_ratio: 0.0, ..CellOptions::default() };
            TokenCell::new(self.key(TokenKind::OAuthAccessToken, openid), Some(store), Arc::new(fetch), opts)
        });
        Ok(cell.clone())
    }

    /// Exchanges `code`; with `save`, the token is kept in the store.
    pub async fn access_token(&self, code: &str, save: bool) -> Result<UserToken> {
        check("code", code)?;
        let t = self.upstream.exchange_code(code).await?;
        self.keep(t, save).await
    }

    /// Refreshes with `refresh_token`; with `save`, the new token is kept.
    pub async fn refresh_access_token(&self, refresh_token: &str, save: bool) -> Result<UserToken> {
        check("refreshToken", refresh_token)?;
        let t = self.upstream.refresh(refresh_token).await?;
        self.keep(t, save).await
    }

    async fn keep(&self, t: UserToken, save: bool) -> Result<UserToken> {
        if save {
            self.save(&t).await?;
        }
        Ok(t)
    }

    /// Upserts a user's token (the row of (appid, openid)).
    pub async fn save(&self, t: &UserToken) -> Result<()> {
        self.cell(&t.openid).await?.set(to_cell_token(t)).await
    }

    /// The stored token of `openid`, as saved (it may be expired).
    pub async fn stored_token(&self, openid: &str) -> Result<Option<UserToken>> {
        check("openid", openid)?;
        let t = self.cell(openid).await?.peek().await?;
        Ok(t.and_then(|t| from_cell_token(&t)))
    }

    /// The user's profile with the stored token, refreshed once when expired
    /// or rejected (40001 / 42001).
    pub async fn user(&self, openid: &str, lang: &str) -> Result<Value> {
        check("openid", openid)?;
        let cell = self.cell(openid).await?;
        // Never authorized: say so without leaving a lease row behind.
        if cell.peek().await?.is_none() {
            return Err(no_token(openid));
        }
        with_token(&*cell, |token| async move { self.userinfo(&token, openid, lang).await }).await
    }

    /// `/sns/userinfo` with a token the caller holds (free-form profile).
    pub async fn userinfo(&self, access_token: &str, openid: &str, lang: &str) -> Result<Value> {
        let q = [("access_token", access_token), ("openid", openid), ("lang", lang)];
        self.upstream.transport.get("/sns/userinfo", &q).await
    }

    /// `/sns/auth` for a token the caller holds.
    pub async fn verify_token(&self, openid: &str, access_token: &str) -> Result<Value> {
        check("openid", openid)?;
        check("accessToken", access_token)?;
        self.upstream.transport.get("/sns/auth", &[("access_token", access_token), ("openid", openid)]).await
    }

    /// Mini-program login; with `save`, the session key is kept per openid.
    pub async fn session_key(&self, code: &str, save: bool) -> Result<Session> {
        check("code", code)?;
        let s = self.upstream.code2session(code).await?;
        if save {
            let store = self.store().await?;
            store.save_token(&self.key(TokenKind::SessionKey, &s.openid), &session_token(&s)).await?;
        }
        Ok(s)
    }

    /// The session key saved for `openid` by `session_key(code, true)`.
    pub async fn stored_session_key(&self, openid: &str) -> Result<String> {
        check("openid", openid)?;
        let store = self.store().await?;
        store
            .load_token(&self.key(TokenKind::SessionKey, openid), true)
            .await?
            .map(|t| t.value)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::NotFound(format!("No session key for {openid}, please log in first (getSessionKey).")))
    }

    /// WXBizDataCrypt with this appid: `watermark.appid` must match.
    pub fn decrypt(&self, session_key: &str, encrypted_data: &str, iv: &str) -> Result<Value> {
        check("encryptedData", encrypted_data)?;
        check("iv", iv)?;
        DataCrypt::new(self.appid(), session_key)?.decrypt_data(encrypted_data, iv)
    }

    /// Closes a store this OAuth opened itself (the platform's stays open).
    pub async fn close(&self) {
        if let StoreSource::Own { store, .. } = &self.store {
            if let Some(s) = store.get() {
                s.close().await;
            }
        }
    }
}

fn check(name: &'static str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::invalid(name, "must be a non-empty string"));
    }
    Ok(())
}
