//! The registered accounts (wxtp_apps) and their cells: access_token and
//! jsapi ticket, keyed exactly as the API class keys them, so the service
//! and any other process on the database share one refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::metrics::{Metered, Metrics};
use crate::api::{AccountTokenFetch, TicketFetch, TokenSource, CGI_TOKEN};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::token::{CellOptions, Token, TokenCell, TokenKey, TokenKind};
use crate::wechat::Transport;

pub struct AppCells {
    pub token: Arc<TokenCell>,
    pub ticket: Arc<TokenCell>,
}

pub struct Apps {
    store: Store,
    transport: Transport,
    metrics: Metrics,
    opts: CellOptions,
    cells: Mutex<HashMap<String, Arc<AppCells>>>,
}

/// WeChat appids: `wx` + 16 hex digits; tests and sandboxes use other
/// printable ids, so only the shape that keeps logs and URLs safe is enforced.
pub fn check_appid(appid: &str) -> Result<()> {
    let ok = !appid.is_empty() && appid.len() <= 64 && appid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(Error::invalid("appid", "must be 1-64 letters, digits, '_' or '-'")) }
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

    /// The cells of a registered account; None for an unknown appid.
    pub async fn get(&self, appid: &str) -> Result<Option<Arc<AppCells>>> {
        if let Some(c) = self.map().get(appid) {
            return Ok(Some(c.clone()));
        }
        check_appid(appid)?;
        let Some(secret) = self.store.app_secret(appid).await? else { return Ok(None) };
        let fetch = AccountTokenFetch { appid: appid.to_owned(), secret, transport: self.transport.clone(), stable: false };
        let token = TokenCell::new(
            TokenKey::account(appid, TokenKind::AccessToken),
            Some(self.store.clone()),
            Arc::new(Metered::new(fetch, CGI_TOKEN, self.metrics.clone())),
            self.opts.clone(),
        );
        let source: Arc<dyn TokenSource> = token.clone();
        let ticket = TokenCell::new(
            TokenKey::account(appid, TokenKind::JsapiTicket),
            Some(self.store.clone()),
            Arc::new(Metered::new(TicketFetch::new("jsapi", self.transport.clone(), source), "/cgi-bin/ticket/getticket", self.metrics.clone())),
            self.opts.clone(),
        );
        let cells = Arc::new(AppCells { token, ticket });
        Ok(Some(self.map().entry(appid.to_owned()).or_insert(cells).clone()))
    }

    /// One sweep of proactive refreshes: every registered account's token,
    /// and the tickets someone has asked for.
    pub async fn refresh_due(&self) {
        let apps = match self.store.list_apps().await {
            Ok(a) => a,
            Err(e) => return super::log("store_error", &format!("\"error\":{}", json_str(&e.to_string()))),
        };
        for appid in apps {
            let Ok(Some(c)) = self.get(&appid).await else { continue };
            if let Err(e) = c.token.refresh_if_due().await {
                super::log("refresh_failed", &format!("\"appid\":{},\"kind\":\"access_token\",\"error\":{}", json_str(&appid), json_str(&e.to_string())));
            }
            if matches!(c.ticket.peek().await, Ok(Some(_))) {
                let _ = c.ticket.refresh_if_due().await;
            }
        }
    }

    /// Compare-and-expire `failed`, then a usable (new) token.
    pub async fn refresh(&self, cells: &AppCells, failed: &str) -> Result<Token> {
        cells.token.invalidate(failed).await?;
        cells.token.get().await
    }
}

pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}
