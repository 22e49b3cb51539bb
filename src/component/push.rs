//! Pushes to the authorization-event URL: component_verify_ticket,
//! authorized / updateauthorized / unauthorized. Verified and decrypted
//! before anything is stored, so a rejected push changes nothing; handled
//! idempotently, because WeChat retries a push when the answer is slow.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::message::{check_timestamp, decrypt_envelope, now_secs, SignatureQuery};
use crate::model::{now_ms, Token};
use crate::store::Revocation;

use super::{Component, Event};

/// How long the ticket's check-and-write may hold its lease, and how long a
/// push waits for another process's (then 503: WeChat pushes again).
const TICKET_LEASE_MS: i64 = 5_000;
const TICKET_LEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    m.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The push's CreateTime (WeChat's clock, seconds) in ms.
fn created_ms(m: &Map<String, Value>) -> Option<i64> {
    field(m, "CreateTime").and_then(|s| s.parse::<i64>().ok()).map(|s| s.saturating_mul(1000))
}

impl Component {
    /// Verifies (when `query` carries msg_signature), decrypts and handles a
    /// push; returns the decrypted message with WeChat's field names.
    pub async fn handle_push(self: &Arc<Self>, body: &str, query: Option<&SignatureQuery>) -> Result<Map<String, Value>> {
        let msg = decrypt_envelope(&self.crypt, body, query)?;
        // A copied push keeps its signature forever: refuse stale ones (after
        // the signature check, so the timestamp is WeChat's).
        if let Some(q) = query {
            check_timestamp(&q.timestamp, self.cfg.timestamp_window_secs, now_secs())?;
        }
        if let Some(appid) = field(&msg, "AppId") {
            if appid != self.cfg.appid {
                return Err(Error::Crypto("push is addressed to another component appid".into()));
            }
        }
        match field(&msg, "InfoType").unwrap_or("") {
            "component_verify_ticket" => self.save_ticket_from(&msg).await?,
            "authorized" | "updateauthorized" => self.authorized_from(&msg).await?,
            "unauthorized" => {
                let appid = field(&msg, "AuthorizerAppid")
                    .ok_or_else(|| Error::Parse("unauthorized push has no AuthorizerAppid".into()))?;
                // Ordered as tickets are: a revocation older than the latest
                // authorization handled (pushes arrive out of order) is stale.
                let pushed_at = created_ms(&msg);
                if self.store.revoke_authorizer(&self.cfg.appid, appid, pushed_at).await? == Revocation::Revoked {
                    self.forget_authorizer(appid);
                    self.emit(Event::Unauthorized { appid: appid.to_owned() });
                }
            }
            _ => {
                if !self.fast_register_from(&msg).await? {
                    self.other_push_from(&msg).await?;
                }
            }
        }
        Ok(msg)
    }

    async fn save_ticket_from(&self, msg: &Map<String, Value>) -> Result<()> {
        let ticket = field(msg, "ComponentVerifyTicket")
            .ok_or_else(|| Error::Parse("component_verify_ticket push has no ComponentVerifyTicket".into()))?;
        let now = now_ms();
        // The ticket's age counts from its push (CreateTime), never from the future.
        let pushed_at = created_ms(msg).unwrap_or(now).min(now);
        // WeChat retries a push answered slowly, maybe to another process
        // while the first still writes: check and write under the ticket's
        // lease, so one push is stored and announced once.
        let _one_here = self.ticket_write.lock().await;
        let key = self.ticket.key().clone();
        let deadline = std::time::Instant::now() + TICKET_LEASE_WAIT;
        while !self.store.try_lease(&key, &self.owner_id, TICKET_LEASE_MS).await? {
            if std::time::Instant::now() >= deadline {
                return Err(Error::NotReady("another process is storing a component_verify_ticket".into()));
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let saved = self.save_ticket_leased(ticket, pushed_at).await;
        let _ = self.store.release_lease(&key, &self.owner_id).await;
        if saved? {
            self.emit(Event::Ticket);
            self.wake.notify_waiters();
        }
        Ok(())
    }

    /// True when `ticket` was new and is now stored (the store decides:
    /// `save_pushed_ticket`); this process's ticket cell takes it without
    /// writing it again.
    async fn save_ticket_leased(&self, ticket: &str, pushed_at: i64) -> Result<bool> {
        let token = Token {
            value: ticket.to_owned(),
            expires_at_ms: pushed_at + self.cfg.ticket_max_age_ms,
            updated_at_ms: pushed_at,
            refresh_token: None,
            extra: None,
        };
        if !self.store.save_pushed_ticket(self.ticket.key(), &token, &self.owner_id).await? {
            return Ok(false); // a retried or out-of-order push
        }
        self.ticket.adopt(token);
        Ok(true)
    }

    /// The exchange announces the authorizer (once, wherever it runs); a
    /// retried push or one after the admin's redirect finds it stored.
    async fn authorized_from(self: &Arc<Self>, msg: &Map<String, Value>) -> Result<()> {
        let code = field(msg, "AuthorizationCode")
            .ok_or_else(|| Error::Parse("authorization push has no AuthorizationCode".into()))?;
        let pushed_at = created_ms(msg);
        if let (Some(appid), Some(at)) = (field(msg, "AuthorizerAppid"), pushed_at) {
            if self.store.authorization_pushed_at(&self.cfg.appid, appid).await?.is_some_and(|last| last > at) {
                return Ok(()); // a revocation WeChat pushed later was handled already
            }
        }
        let appid = self.handle_auth_code(code).await?.record.appid;
        if let Some(at) = pushed_at {
            self.store.note_authorization_pushed(&self.cfg.appid, &appid, at).await?;
        }
        Ok(())
    }

    /// Any other push (quick verification of a beta, 小程序认证, ICP filing,
    /// InfoTypes WeChat adds later): one `push` event fleet-wide, with the
    /// decrypted fields, so the host app can act on what we do not type.
    async fn other_push_from(&self, msg: &Map<String, Value>) -> Result<()> {
        let info_type = field(msg, "InfoType").unwrap_or("").to_owned();
        let whole = serde_json::to_string(msg).unwrap_or_default();
        let key = format!("other:{}", crate::crypto::sign(&[&info_type, &whole]));
        if self.claim_push(&key).await? {
            self.finish_push(&key).await;
            self.emit(Event::Push { info_type, appid: field(msg, "AuthorizerAppid").map(str::to_owned), message: msg.clone() });
        }
        Ok(())
    }
}
