//! Fast registration results pushed to the authorization-event URL
//! (`notify_third_fasteregister` and its beta / personal kin). On success
//! the pushed auth_code is exchanged at once, so the new mini program is an
//! authorizer before the host app hears of it; the event is emitted once
//! fleet-wide, however many times and at whichever processes WeChat
//! delivers the push (the push is claimed in the message ledger's table).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Component, Event};
use crate::error::Result;
use crate::message::FastRegisterPush;
use crate::store::Claim;

/// How long a claimed push is held before another delivery may take it over
/// (the exchange's own retries fit in it).
const PUSH_LEASE_MS: i64 = 30_000;
/// How long a handled push is remembered (WeChat retries within minutes).
const PUSH_KEEP_MS: i64 = 24 * 3600 * 1000;

impl Component {
    /// Claims a push fleet-wide: false when another delivery handled it,
    /// or is handling it (one that died is taken over by WeChat's next
    /// retry once its lease ends).
    pub(super) async fn claim_push(&self, key: &str) -> Result<bool> {
        Ok(matches!(self.store.claim_message(&self.push_scope(), key, PUSH_LEASE_MS).await?, Claim::First))
    }

    /// The ledger scope of this platform's pushes.
    fn push_scope(&self) -> String {
        format!("push:{}", self.cfg.appid)
    }

    /// Lets WeChat's retry (here or elsewhere) handle a push again at once.
    pub(super) async fn unclaim_push(&self, key: &str) {
        let _ = self.store.release_message(&self.push_scope(), key).await;
    }

    /// Remembers a handled push; its event goes out even if this fails.
    pub(super) async fn finish_push(&self, key: &str) {
        if let Err(e) = self.store.finish_message(&self.push_scope(), key, "", PUSH_KEEP_MS).await {
            self.emit(Event::DbError { message: e.to_string() });
        }
    }

    /// Handles a fast-registration push; Ok(false) when `msg` is not one.
    pub(super) async fn fast_register_from(self: &Arc<Self>, msg: &Map<String, Value>) -> Result<bool> {
        let Some(push) = FastRegisterPush::parse(msg) else { return Ok(false) };
        let key = push.dedup_key();
        if !self.claim_push(&key).await? {
            return Ok(true);
        }
        let stored = match &push.auth_code {
            Some(code) => match self.handle_auth_code(code).await {
                Ok(_) => true,
                Err(e) => {
                    self.unclaim_push(&key).await;
                    return Err(e);
                }
            },
            // A beta's authorization comes as its own `authorized` push: say
            // whether it is stored already.
            None => match (&push.appid, push.status) {
                (Some(appid), 0) => self.find_authorizer(appid).await.is_ok_and(|r| r.authorized),
                _ => false,
            },
        };
        self.finish_push(&key).await;
        self.emit(Event::FastRegister { push, stored });
        Ok(true)
    }
}
