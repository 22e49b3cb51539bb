//! Fleet-wide dedup of inbound messages (`wxtp_messages`). WeChat retries a
//! message it got no answer to within 5 s (3 tries); the first process to
//! claim a key runs the handler and stores the reply, so a retry landing on
//! any process answers the same. A claim holds a short lease (its process
//! answers within it or has died: a delivery that finds it expired takes the
//! message over); a reply is kept a few minutes. Expired rows are swept now
//! and then. Claims and replies are written in batches: one statement for
//! many messages keeps a busy message URL off the database's commit rate.

use super::db::{Arg, Col};
use super::{Dialect, Store};
use crate::error::Result;
use crate::model::now_ms;

type MessageRow = (String, String, Option<String>, i64, Option<String>, i64);

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
    /// Claims one message (insert-if-absent of (scope, key)) for `lease_ms`.
    pub async fn claim_message(&self, scope: &str, key: &str, lease_ms: i64) -> Result<Claim> {
        let owner = crate::crypto::random_nonce();
        let req = ClaimRequest { scope: scope.into(), key: key.into(), owner };
        Ok(self.claim_messages(std::slice::from_ref(&req), lease_ms).await?.remove(0))
    }

    /// Claims many messages with one insert and one read; results in order.
    /// A claim found pending past its lease (its process died before
    /// answering) is taken over on the spot.
    pub async fn claim_messages(&self, reqs: &[ClaimRequest], lease_ms: i64) -> Result<Vec<Claim>> {
        self.record_claims(reqs, lease_ms).await?;
        let found = self.message_rows(reqs.iter().map(|r| (r.scope.as_str(), r.key.as_str()))).await?;
        let now = now_ms();
        let mut out = Vec::with_capacity(reqs.len());
        for r in reqs {
            out.push(match found.iter().find(|row| row.0 == r.scope && row.1 == r.key) {
                Some((_, _, owner, ..)) if owner.as_deref() == Some(r.owner.as_str()) => Claim::First,
                Some((_, _, _, 1, reply, _)) => Claim::Replied(reply.clone().unwrap_or_default()),
                Some((_, _, _, _, _, expires)) if *expires < now => {
                    if self.take_over_message(&r.scope, &r.key, &r.owner, lease_ms).await? { Claim::First } else { Claim::Pending }
                }
                _ => Claim::Pending,
            });
        }
        Ok(out)
    }

    /// Writes claims without reading them back (a claim made in memory,
    /// recorded behind for the fleet); a key already present is left as is.
    pub async fn record_claims(&self, reqs: &[ClaimRequest], lease_ms: i64) -> Result<()> {
        let expires = now_ms() + lease_ms;
        let mut sorted: Vec<&ClaimRequest> = reqs.iter().collect();
        sorted.sort_unstable_by(|a, b| (&a.scope, &a.key).cmp(&(&b.scope, &b.key)));
        let statements = shaped_chunks(&sorted)
            .into_iter()
            .map(|chunk| {
                let mut args = Vec::with_capacity(chunk.len() * 4);
                for r in chunk {
                    args.extend([Arg::from(r.scope.as_str()), Arg::from(r.key.as_str()), Arg::from(r.owner.as_str()), Arg::from(expires)]);
                }
                let rows = vec!["(?, ?, ?, ?, 0)"; chunk.len()].join(", ");
                (self.dialect().insert_ignore(&format!("wxtp_messages (scope, msg_key, owner, expires_at, state) VALUES {rows}")), args)
            })
            .collect();
        self.exec_all("claiming messages", statements).await
    }

    /// Runs the statements of one batch: several in one transaction (one
    /// commit, one log flush, instead of one per statement).
    async fn exec_all(&self, what: &str, statements: Vec<(String, Vec<Arg>)>) -> Result<()> {
        let err = |e| self.err(what, e);
        match statements.as_slice() {
            [] => Ok(()),
            [(sql, args)] => self.w().exec(sql, args).await.map(drop).map_err(err),
            _ => {
                let mut tx = self.w().begin().await.map_err(err)?;
                for (sql, args) in &statements {
                    tx.exec(sql, args).await.map_err(err)?;
                }
                tx.commit().await.map_err(err)
            }
        }
    }

    /// Takes over a claim still pending past its lease; true when this owner got it.
    pub async fn take_over_message(&self, scope: &str, key: &str, owner: &str, lease_ms: i64) -> Result<bool> {
        let now = now_ms();
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_messages SET owner = ?, expires_at = ? WHERE scope = ? AND msg_key = ? AND state = 0 AND expires_at < ?",
                &[Arg::from(owner), Arg::from(now + lease_ms), Arg::from(scope), Arg::from(key), Arg::from(now)],
            )
            .await
            .map_err(|e| self.err("taking over an expired message claim", e))?;
        Ok(n == 1)
    }

    /// Drops a claim still pending (its handling failed): the next delivery claims afresh.
    pub async fn release_message(&self, scope: &str, key: &str) -> Result<()> {
        self.w()
            .exec("DELETE FROM wxtp_messages WHERE scope = ? AND msg_key = ? AND state = 0", &[Arg::from(scope), Arg::from(key)])
            .await
            .map(drop)
            .map_err(|e| self.err("releasing a message claim", e))
    }

    /// The state of a claimed key (Pending when the row vanished meanwhile).
    pub async fn message_state(&self, scope: &str, key: &str) -> Result<Claim> {
        let rows = self.message_rows([(scope, key)].into_iter()).await?;
        Ok(match rows.first() {
            Some((_, _, _, 1, reply, _)) => Claim::Replied(reply.clone().unwrap_or_default()),
            _ => Claim::Pending,
        })
    }

    /// (scope, key, owner, state, reply, expires_at) of the given keys, from the primary.
    async fn message_rows<'a>(&self, keys: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Vec<MessageRow>> {
        let keys: Vec<(&str, &str)> = keys.collect();
        let mut out = Vec::with_capacity(keys.len());
        let mut c = self.w().acquire().await.map_err(|e| self.err("reading message claims", e))?;
        for chunk in shaped_chunks(&keys) {
            let mut args = Vec::with_capacity(chunk.len() * 2);
            for (s, k) in chunk {
                args.extend([Arg::from(*s), Arg::from(*k)]);
            }
            let tuples = vec!["(?, ?)"; chunk.len()].join(", ");
            let rows = c
                .fetch(
                    &format!("SELECT scope, msg_key, owner, state, reply, expires_at FROM wxtp_messages WHERE (scope, msg_key) IN ({tuples})"),
                    &args,
                    &[Col::S, Col::S, Col::S, Col::I, Col::S, Col::I],
                )
                .await
                .map_err(|e| self.err("reading message claims", e))?;
            out.extend(rows.iter().map(|r| (r.s(0).unwrap_or_default(), r.s(1).unwrap_or_default(), r.s(2), r.i(3).unwrap_or(0), r.s(4), r.i(5).unwrap_or(0))));
        }
        Ok(out)
    }

    /// Records the answer to a claimed message ("" = `success`).
    pub async fn finish_message(&self, scope: &str, key: &str, reply: &str, ttl_ms: i64) -> Result<()> {
        self.finish_messages(&[(scope.to_owned(), key.to_owned(), reply.to_owned())], ttl_ms).await
    }

    /// Records many answers with one upsert (a row swept meanwhile comes back).
    pub async fn finish_messages(&self, done: &[(String, String, String)], ttl_ms: i64) -> Result<()> {
        // One row per key: Postgres refuses to update a row twice in one
        // statement. In key order: concurrent batches lock rows in one order.
        let mut seen = std::collections::HashSet::with_capacity(done.len());
        let mut unique: Vec<&(String, String, String)> = done.iter().rev().filter(|d| seen.insert((&d.0, &d.1))).collect();
        unique.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let expires = now_ms() + ttl_ms;
        let conflict = match self.dialect() {
            Dialect::MySql => "ON DUPLICATE KEY UPDATE state = 1, reply = VALUES(reply), expires_at = VALUES(expires_at)",
            _ => "ON CONFLICT (scope, msg_key) DO UPDATE SET state = 1, reply = excluded.reply, expires_at = excluded.expires_at",
        };
        let statements = shaped_chunks(&unique)
            .into_iter()
            .map(|chunk| {
                let mut args = Vec::with_capacity(chunk.len() * 4);
                for (s, k, r) in chunk.iter().copied() {
                    args.extend([Arg::from(s.as_str()), Arg::from(k.as_str()), Arg::from(r.as_str()), Arg::from(expires)]);
                }
                let rows = vec!["(?, ?, 1, ?, ?)"; chunk.len()].join(", ");
                (format!("INSERT INTO wxtp_messages (scope, msg_key, state, reply, expires_at) VALUES {rows} {conflict}"), args)
            })
            .collect();
        self.exec_all("storing message replies", statements).await
    }

    /// Deletes expired rows.
    pub async fn sweep_messages(&self) -> Result<u64> {
        self.w()
            .exec("DELETE FROM wxtp_messages WHERE expires_at < ?", &[Arg::from(now_ms())])
            .await
            .map_err(|e| self.err("sweeping expired messages", e))
    }
}

/// Statement sizes: a batch goes out in chunks of these many rows, so a
/// connection prepares a handful of statement shapes once and keeps them in
/// its statement cache (a shape per batch size would be prepared, and its
/// cache entry evicted, over and over: a prepare costs the server more than
/// the rows it writes).
const SHAPES: [usize; 5] = [256, 64, 16, 4, 1];

/// `items` in chunks of the fixed SHAPES sizes, largest first.
pub(crate) fn shaped_chunks<T>(items: &[T]) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = items;
    for size in SHAPES {
        while rest.len() >= size {
            let (chunk, tail) = rest.split_at(size);
            out.push(chunk);
            rest = tail;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shaped_chunks;

    #[test]
    fn chunks_are_fixed_shapes_covering_all_items_in_order() {
        for n in [0usize, 1, 3, 4, 5, 63, 64, 300, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let chunks = shaped_chunks(&items);
            assert!(chunks.iter().all(|c| [256, 64, 16, 4, 1].contains(&c.len())), "n={n}");
            assert_eq!(chunks.concat(), items, "n={n}");
        }
    }
}
