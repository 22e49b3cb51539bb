//! Fleet-wide dedup of inbound messages (`wxtp_messages`). WeChat retries a
//! message it got no answer to within 5 s (3 tries); the first process to
//! claim a key runs the handler and stores the reply, so a retry landing on
//! any process answers the same. Rows expire after a few minutes and are
//! swept now and then. Claims and replies are written in batches: one
//! statement for many messages keeps a busy message URL off the database's
//! commit rate.

use super::db::{Arg, Col};
use super::tokens::insert_ignore;
use super::{now_ms, Dialect, Store};
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

/// One message to claim: `owner` is unique to this claim (it tells the winner).
#[derive(Clone, Debug)]
pub struct ClaimRequest {
    pub scope: String,
    pub key: String,
    pub owner: String,
}

impl Store {
    /// Claims one message (insert-if-absent of (scope, key)).
    pub async fn claim_message(&self, scope: &str, key: &str, ttl_ms: i64) -> Result<Claim> {
        let owner = crate::crypto::random_nonce();
        let req = ClaimRequest { scope: scope.into(), key: key.into(), owner };
        Ok(self.claim_messages(std::slice::from_ref(&req), ttl_ms).await?.remove(0))
    }

    /// Claims many messages with one insert and one read; results in order.
    pub async fn claim_messages(&self, reqs: &[ClaimRequest], ttl_ms: i64) -> Result<Vec<Claim>> {
        let e = |e: sqlx::Error| self.err("claiming messages", e);
        let w = self.w();
        let expires = now_ms() + ttl_ms;
        let rows = vec!["(?, ?, ?, ?, 0)"; reqs.len()].join(", ");
        let mut args = Vec::with_capacity(reqs.len() * 4);
        for r in reqs {
            args.extend([Arg::from(r.scope.as_str()), Arg::from(r.key.as_str()), Arg::from(r.owner.as_str()), Arg::from(expires)]);
        }
        w.exec(&insert_ignore(w.dialect(), &format!("wxtp_messages (scope, msg_key, owner, expires_at, state) VALUES {rows}")), &args)
            .await
            .map_err(e)?;
        let found = self.message_rows(reqs.iter().map(|r| (r.scope.as_str(), r.key.as_str()))).await?;
        Ok(reqs
            .iter()
            .map(|r| match found.iter().find(|(s, k, ..)| *s == r.scope && *k == r.key) {
                Some((_, _, owner, _, _)) if owner.as_deref() == Some(r.owner.as_str()) => Claim::First,
                Some((_, _, _, 1, reply)) => Claim::Replied(reply.clone().unwrap_or_default()),
                _ => Claim::Pending,
            })
            .collect())
    }

    /// The state of a claimed key (Pending when the row vanished meanwhile).
    pub async fn message_state(&self, scope: &str, key: &str) -> Result<Claim> {
        let rows = self.message_rows([(scope, key)].into_iter()).await?;
        Ok(match rows.first() {
            Some((_, _, _, 1, reply)) => Claim::Replied(reply.clone().unwrap_or_default()),
            _ => Claim::Pending,
        })
    }

    /// (scope, key, owner, state, reply) of the given keys, from the primary.
    async fn message_rows<'a>(&self, keys: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Vec<(String, String, Option<String>, i64, Option<String>)>> {
        let mut args = Vec::new();
        for (s, k) in keys {
            args.extend([Arg::from(s), Arg::from(k)]);
        }
        let tuples = vec!["(?, ?)"; args.len() / 2].join(", ");
        let rows = self
            .w()
            .fetch(
                &format!("SELECT scope, msg_key, owner, state, reply FROM wxtp_messages WHERE (scope, msg_key) IN ({tuples})"),
                &args,
                &[Col::S, Col::S, Col::S, Col::I, Col::S],
            )
            .await
            .map_err(|e| self.err("reading message claims", e))?;
        Ok(rows.iter().map(|r| (r.s(0).unwrap_or_default(), r.s(1).unwrap_or_default(), r.s(2), r.i(3).unwrap_or(0), r.s(4))).collect())
    }

    /// Records the answer to a claimed message ("" = `success`).
    pub async fn finish_message(&self, scope: &str, key: &str, reply: &str, ttl_ms: i64) -> Result<()> {
        self.finish_messages(&[(scope.to_owned(), key.to_owned(), reply.to_owned())], ttl_ms).await
    }

    /// Records many answers with one upsert (a row swept meanwhile comes back).
    pub async fn finish_messages(&self, done: &[(String, String, String)], ttl_ms: i64) -> Result<()> {
        // One row per key: Postgres refuses to update a row twice in one statement.
        let mut unique: Vec<&(String, String, String)> = Vec::with_capacity(done.len());
        for d in done.iter().rev() {
            if !unique.iter().any(|u| u.0 == d.0 && u.1 == d.1) {
                unique.push(d);
            }
        }
        let expires = now_ms() + ttl_ms;
        let rows = vec!["(?, ?, 1, ?, ?)"; unique.len()].join(", ");
        let mut args = Vec::with_capacity(unique.len() * 4);
        for (s, k, r) in unique {
            args.extend([Arg::from(s.as_str()), Arg::from(k.as_str()), Arg::from(r.as_str()), Arg::from(expires)]);
        }
        let conflict = match self.dialect() {
            Dialect::MySql => "ON DUPLICATE KEY UPDATE state = 1, reply = VALUES(reply)",
            _ => "ON CONFLICT (scope, msg_key) DO UPDATE SET state = 1, reply = excluded.reply",
        };
        self.w()
            .exec(&format!("INSERT INTO wxtp_messages (scope, msg_key, state, reply, expires_at) VALUES {rows} {conflict}"), &args)
            .await
            .map_err(|e| self.err("storing message replies", e))?;
        Ok(())
    }

    /// Deletes expired rows.
    pub async fn sweep_messages(&self) -> Result<u64> {
        self.w()
            .exec("DELETE FROM wxtp_messages WHERE expires_at < ?", &[Arg::from(now_ms())])
            .await
            .map_err(|e| self.err("sweeping expired messages", e))
    }
}
