//! Fleet-wide dedup of inbound messages (`wxtp_messages`). WeChat retries a
//! message it got no answer to within 5 s (3 tries); the first process to
//! claim a key runs the handler and stores the reply, so a retry landing on
//! any process answers the same. Rows expire after a few minutes.

use super::db::{Arg, Col};
use super::tokens::insert_ignore;
use super::{now_ms, Store};
use crate::error::Result;

/// What a claim found.
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// This process runs the handler.
    First,
    /// Another delivery of the message is still being handled.
    Pending,
    /// Already answered: the reply XML (plain, before encryption), "" for `success`.
    Replied(String),
}

const SWEEP_EVERY: u64 = 256;

impl Store {
    /// Insert-if-absent of (scope, key); a row past its expiry is taken over.
    pub async fn claim_message(&self, scope: &str, key: &str, ttl_ms: i64) -> Result<Claim> {
        let e = |e: sqlx::Error| self.err("claiming a message", e);
        let w = self.w();
        let now = now_ms();
        if sweep_due() {
            w.exec("DELETE FROM wxtp_messages WHERE expires_at < ?", &[Arg::from(now)]).await.map_err(e)?;
        }
        let args = [Arg::from(scope), Arg::from(key), Arg::from(now + ttl_ms)];
        let sql = insert_ignore(w.dialect(), "wxtp_messages (scope, msg_key, expires_at, state) VALUES (?, ?, ?, 0)");
        if w.exec(&sql, &args).await.map_err(e)? == 1 {
            return Ok(Claim::First);
        }
        // An expired row: take it over (one process wins the update).
        let taken = w
            .exec(
                "UPDATE wxtp_messages SET expires_at = ?, state = 0, reply = NULL WHERE scope = ? AND msg_key = ? AND expires_at < ?",
                &[Arg::from(now + ttl_ms), Arg::from(scope), Arg::from(key), Arg::from(now)],
            )
            .await
            .map_err(e)?;
        if taken == 1 {
            return Ok(Claim::First);
        }
        self.message_state(scope, key).await
    }

    /// The state of a claimed key (Pending when the row vanished meanwhile).
    pub async fn message_state(&self, scope: &str, key: &str) -> Result<Claim> {
        let rows = self
            .w()
            .fetch(
                "SELECT state, reply FROM wxtp_messages WHERE scope = ? AND msg_key = ?",
                &[Arg::from(scope), Arg::from(key)],
                &[Col::I, Col::S],
            )
            .await
            .map_err(|e| self.err("reading a message claim", e))?;
        Ok(match rows.first() {
            Some(r) if r.i(0) == Some(1) => Claim::Replied(r.s(1).unwrap_or_default()),
            _ => Claim::Pending,
        })
    }

    /// Records the answer to a claimed message ("" = `success`).
    pub async fn finish_message(&self, scope: &str, key: &str, reply: &str) -> Result<()> {
        self.w()
            .exec(
                "UPDATE wxtp_messages SET state = 1, reply = ? WHERE scope = ? AND msg_key = ?",
                &[Arg::from(reply), Arg::from(scope), Arg::from(key)],
            )
            .await
            .map_err(|e| self.err("storing a message reply", e))?;
        Ok(())
    }

    /// Gives a claim up (the handler failed): the next delivery runs it again.
    pub async fn release_message(&self, scope: &str, key: &str) -> Result<()> {
        self.w()
            .exec("DELETE FROM wxtp_messages WHERE scope = ? AND msg_key = ? AND state = 0", &[Arg::from(scope), Arg::from(key)])
            .await
            .map_err(|e| self.err("releasing a message claim", e))?;
        Ok(())
    }
}

/// Expired rows are swept now and then, not on every claim.
fn sweep_due() -> bool {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == 0
}
