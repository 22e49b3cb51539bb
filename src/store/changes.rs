//! The change feed (`wxtp_changes`): one append-only row per write other
//! processes must see (token saved / expired, authorizer stored / revoked),
//! written in the same transaction as the write. Each process polls it with
//! one indexed range query and refreshes just what changed; a per-platform
//! generation counter would be cheaper to write but forces whole-cache
//! flushes, and with thousands of authorizers some token changes every second.

use super::db::{Arg, Col, Tx};
use super::Store;
use crate::error::Result;
use crate::model::now_ms;

/// What changed: a token kind's `as_str()`, or this for an authorizer's record.
pub const AUTHORIZER: &str = "authorizer";

/// One row of the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub kind: String,
    pub appid: String,
}

/// Appends a change inside the writer's transaction.
pub(crate) async fn record(tx: &mut Tx, component_appid: &str, kind: &str, appid: &str) -> std::result::Result<(), sqlx::Error> {
    if component_appid.is_empty() {
        return Ok(()); // an account's own tokens: no platform follows them
    }
    tx.exec(
        "INSERT INTO wxtp_changes (component_appid, kind, appid, at) VALUES (?, ?, ?, ?)",
        &[Arg::from(component_appid), Arg::from(kind), Arg::from(appid), Arg::from(now_ms())],
    )
    .await
    .map(|_| ())
}

impl Store {
    /// Changes of the platform with id > `after`, oldest first (at most `limit`).
    pub async fn changes_since(&self, component_appid: &str, after: i64, limit: i64) -> Result<Vec<Change>> {
        let rows = self
            .r(false)
            .fetch(
                "SELECT id, kind, appid FROM wxtp_changes WHERE id > ? AND component_appid = ? ORDER BY id LIMIT ?",
                &[Arg::from(after), Arg::from(component_appid), Arg::from(limit)],
                &[Col::I, Col::S, Col::S],
            )
            .await
            .map_err(|e| self.err("reading the change feed", e))?;
        Ok(rows
            .iter()
            .map(|r| Change { id: r.i(0).unwrap_or(0), kind: r.s(1).unwrap_or_default(), appid: r.s(2).unwrap_or_default() })
            .collect())
    }

    /// The newest change id (0 when none): where a new follower starts.
    pub async fn last_change_id(&self) -> Result<i64> {
        let rows = self
            .r(false)
            .fetch("SELECT MAX(id) FROM wxtp_changes", &[], &[Col::I])
            .await
            .map_err(|e| self.err("reading the change feed", e))?;
        Ok(rows.first().and_then(|r| r.i(0)).unwrap_or(0))
    }

    /// Drops expired rows of a kind nobody refreshes (exchanged auth codes).
    pub async fn prune_expired(&self, kind: crate::model::TokenKind) -> Result<u64> {
        self.w()
            .exec("DELETE FROM wxtp_tokens WHERE kind = ? AND expires_at < ?", &[Arg::from(kind.as_str()), Arg::from(now_ms())])
            .await
            .map_err(|e| self.err("pruning exchanged codes", e))
    }

    /// Drops changes older than `age_ms` (every follower has read them).
    pub async fn prune_changes(&self, age_ms: i64) -> Result<u64> {
        self.w()
            .exec("DELETE FROM wxtp_changes WHERE at < ?", &[Arg::from(now_ms() - age_ms)])
            .await
            .map_err(|e| self.err("pruning the change feed", e))
    }
}
