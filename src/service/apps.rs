//! The registered accounts (wxtp_apps) and their cells: access_token and
//! jsapi ticket, keyed exactly as the API class keys them, so the service
//! and any other process on the database share one refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::metrics::{Metered, Metrics};
use crate::credential::endpoints::{API_AUTHORIZER_TOKEN, API_COMPONENT_TOKEN, CGI_GETTICKET, CGI_TOKEN};
use crate::credential::{check_appid, AccountTokenFetch, AuthorizerTokenFetch, ComponentTokenFetch, PushedTicket, TicketFetch, TokenSource};
use crate::error::{Error, Result};
use crate::model::{Token, TokenKey, TokenKind};
use crate::store::Store;
use crate::token::{CellOptions, Fetch, Role, TokenCell};
use crate::wechat::Transport;

pub struct AppCells {
    pub token: Arc<TokenCell>,
    /// None for a platform (no jsapi ticket).
    pub ticket: Option<Arc<TokenCell>>,
}

pub struct Apps {
    store: Store,
    transport: Transport,
    metrics: Metrics,
    opts: CellOptions,
    cells: Mutex<HashMap<String, Arc<AppCells>>>,
}

pub fn check_secret(secret: &str) -> Result<()> {
    let ok = !secret.is_empty() && secret.len() <= 128 && !secret.chars().any(char::is_control);
    if ok { Ok(()) } else { Err(Error::invalid("secret", "must be 1-128 printable characters")) }
}

impl Apps {
    pub fn new(store: Store, transport: Transport, metrics: Metrics) -> Apps {
        Apps { store, transport, metrics, opts: CellOptions::default(), cells: Mutex::default() }
    }

    /// This instance's id in the lease rows.
    pub fn owner_id(&self) -> String {
        self.opts.owner_id.clone()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AppCells>>> {
        self.cells.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers (or re-keys) an account; its cells are rebuilt with the new secret.
    pub async fn create(&self, appid: &str, secret: &str) -> Result<()> {
        check_appid(appid)?;
        check_secret(secret)?;
        self.store.save_app(appid, secret).await?;
        self.map().remove(appid);
        Ok(())
    }

    fn cell(&self, key: TokenKey, fetch: impl Fetch, endpoint: &'static str) -> Arc<TokenCell> {
        TokenCell::new(key, Some(self.store.clone()), Arc::new(Metered::new(fetch, endpoint, self.metrics.clone())), self.opts.clone())
    }

    fn ticket_cell(&self, key: TokenKey, token: &Arc<TokenCell>) -> Arc<TokenCell> {
        let source: Arc<dyn TokenSource> = token.clone();
        self.cell(key, TicketFetch::new("jsapi", self.transport.clone(), source), CGI_GETTICKET)
    }

    fn remember(&self, appid: &str, cells: AppCells) -> Arc<AppCells> {
        self.map().entry(appid.to_owned()).or_insert(Arc::new(cells)).clone()
    }

    /// The cells behind an appid: a registered account, a registered
    /// platform (its component_access_token), or an authorizer of one (the
    /// platform's own cell keys). None for an unknown appid.
    pub async fn get(&self, appid: &str) -> Result<Option<Arc<AppCells>>> {
        if let Some(c) = self.map().get(appid) {
            return Ok(Some(c.clone()));
        }
        check_appid(appid)?;
        if let Some(secret) = self.store.app_secret(appid).await? {
            let fetch = AccountTokenFetch { appid: appid.to_owned(), secret, transport: self.transport.clone(), stable: false };
            let token = self.cell(TokenKey::account(appid, TokenKind::AccessToken), fetch, CGI_TOKEN);
            let ticket = Some(self.ticket_cell(TokenKey::account(appid, TokenKind::JsapiTicket), &token));
            return Ok(Some(self.remember(appid, AppCells { token, ticket })));
        }
        if self.store.platform_secret(appid).await?.is_some() {
            let token = self.component(appid).await?.expect("registered");
            return Ok(Some(self.remember(appid, AppCells { token, ticket: None })));
        }
        for component_appid in self.store.list_platforms().await? {
            if !self.store.authorizer_by_appid(&component_appid, appid).await?.is_some_and(|r| r.authorized) {
                continue;
            }
            let Some(component) = self.component(&component_appid).await? else { continue };
            let fetch = AuthorizerTokenFetch {
                component_appid: component_appid.clone(),
                authorizer_appid: appid.to_owned(),
                transport: self.transport.clone(),
                store: self.store.clone(),
                access_token: component,
            };
            let token = self.cell(TokenKey::new(&component_appid, TokenKind::AuthorizerAccessToken, appid), fetch, API_AUTHORIZER_TOKEN);
            let ticket = Some(self.ticket_cell(TokenKey::new(&component_appid, TokenKind::JsapiTicket, appid), &token));
            return Ok(Some(self.remember(appid, AppCells { token, ticket })));
        }
        Ok(None)
    }

    /// A registered platform's component_access_token cell.
    async fn component(&self, component_appid: &str) -> Result<Option<Arc<TokenCell>>> {
        if let Some(c) = self.map().get(component_appid) {
            return Ok(Some(c.token.clone()));
        }
        let Some(secret) = self.store.platform_secret(component_appid).await? else { return Ok(None) };
        // The ticket arrives through the platform's own pushes into the store: read, never fetched.
        let ticket = TokenCell::new(
            TokenKey::component(component_appid, TokenKind::ComponentVerifyTicket),
            Some(self.store.clone()),
            Arc::new(PushedTicket),
            CellOptions { role: Role::Reader { failover: false }, ..self.opts.clone() },
        );
        let fetch = ComponentTokenFetch { appid: component_appid.to_owned(), secret, ticket, transport: self.transport.clone() };
        let token = self.cell(TokenKey::component(component_appid, TokenKind::ComponentAccessToken), fetch, API_COMPONENT_TOKEN);
        Ok(Some(self.remember(component_appid, AppCells { token, ticket: None }).token.clone()))
    }

    /// Registers (or re-keys) a third-party platform: its component token and
    /// every authorizer's token are then served (the ticket comes from the
    /// platform's own pushes into the same database).
    pub async fn create_platform(&self, component_appid: &str, secret: &str) -> Result<()> {
        check_appid(component_appid)?;
        check_secret(secret)?;
        self.store.save_platform(component_appid, secret).await?;
        self.map().clear();
        Ok(())
    }

    /// One sweep of proactive refreshes: every registered account's token,
    /// and the tickets someone has asked for.
    pub async fn refresh_due(&self) {
        let mut ids = match self.store.list_apps().await {
            Ok(a) => a,
            Err(e) => return super::log("store_error", &format!("\"error\":{}", json_str(&e.to_string()))),
        };
        for component_appid in self.store.list_platforms().await.unwrap_or_default() {
            ids.push(component_appid.clone());
            let authorizers = self.store.list_authorizers(&component_appid).await.unwrap_or_default();
            ids.extend(authorizers.into_iter().filter(|r| r.authorized && r.component_appid == component_appid).map(|r| r.appid));
        }
        for appid in ids {
            let Ok(Some(c)) = self.get(&appid).await else { continue };
            if let Err(e) = c.token.refresh_if_due().await {
                super::log("refresh_failed", &format!("\"appid\":{},\"error\":{}", json_str(&appid), json_str(&e.to_string())));
            }
            if let Some(ticket) = &c.ticket {
                if matches!(ticket.peek().await, Ok(Some(_))) {
                    let _ = ticket.refresh_if_due().await;
                }
            }
        }
    }

    /// Compare-and-expire `failed`, then a usable (new) token.
    pub async fn refresh(&self, cells: &AppCells, failed: &str) -> Result<Token> {
        cells.token.invalidate(failed, None).await?;
        cells.token.get().await
    }
}

pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}
