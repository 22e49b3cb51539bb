//! Message counts per minute per authorizer (`wxtp_message_minutes`):
//! deliveries, handler failures, `reply_failed`, deduplicated retries. Each
//! process counts in memory and adds its counts here in batches (the inbox's
//! tally), so no message costs a write of its own; the console reads them.

use super::db::{Arg, Col};
use super::{Dialect, Store};
use crate::error::Result;

pub const MINUTE_MS: i64 = 60_000;

/// Counts of one minute (of one authorizer, or summed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    pub deliveries: i64,
    pub handler_failures: i64,
    pub reply_failed: i64,
    pub retries: i64,
}

impl MessageCounts {
    pub fn add(&mut self, o: &MessageCounts) {
        self.deliveries += o.deliveries;
        self.handler_failures += o.handler_failures;
        self.reply_failed += o.reply_failed;
        self.retries += o.retries;
    }

    pub fn is_zero(&self) -> bool {
        *self == MessageCounts::default()
    }
}

/// One row to add: whose (platform, authorizer or account), which minute (its start in ms), what.
#[derive(Clone, Debug)]
pub struct MinuteCounts {
    pub component_appid: String,
    pub appid: String,
    pub minute: i64,
    pub counts: MessageCounts,
}

impl Store {
    /// Adds the counts to their rows (created when missing), in one transaction.
    pub async fn add_message_counts(&self, rows: &[MinuteCounts]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let e = |e: sqlx::Error| self.err("adding message counts", e);
        let cols = "wxtp_message_minutes (component_appid, appid, minute, deliveries, handler_failures, reply_failed, retries) VALUES (?, ?, ?, ?, ?, ?, ?)";
        let sql = match self.dialect() {
            Dialect::MySql => format!(
                "INSERT INTO {cols} ON DUPLICATE KEY UPDATE deliveries = deliveries + VALUES(deliveries), \
                 handler_failures = handler_failures + VALUES(handler_failures), reply_failed = reply_failed + VALUES(reply_failed), \
                 retries = retries + VALUES(retries)"
            ),
            _ => format!(
                "INSERT INTO {cols} ON CONFLICT (component_appid, minute, appid) DO UPDATE SET \
                 deliveries = wxtp_message_minutes.deliveries + excluded.deliveries, \
                 handler_failures = wxtp_message_minutes.handler_failures + excluded.handler_failures, \
                 reply_failed = wxtp_message_minutes.reply_failed + excluded.reply_failed, \
                 retries = wxtp_message_minutes.retries + excluded.retries"
            ),
        };
        // Key order: two processes adding to the same rows lock them alike (no deadlock).
        let mut sorted: Vec<&MinuteCounts> = rows.iter().collect();
        sorted.sort_by(|a, b| (&a.component_appid, a.minute, &a.appid).cmp(&(&b.component_appid, b.minute, &b.appid)));
        let mut tx = self.w().begin().await.map_err(e)?;
        for r in sorted {
            let c = &r.counts;
            tx.exec(
                &sql,
                &[
                    Arg::from(r.component_appid.as_str()),
                    Arg::from(r.appid.as_str()),
                    Arg::from(r.minute),
                    Arg::from(c.deliveries),
                    Arg::from(c.handler_failures),
                    Arg::from(c.reply_failed),
                    Arg::from(c.retries),
                ],
            )
            .await
            .map_err(e)?;
        }
        tx.commit().await.map_err(e)
    }

    /// The platform's counts per minute since `since_ms` (all its authorizers
    /// summed), oldest first: (minute start in ms, counts).
    pub async fn message_minutes(&self, component_appid: &str, since_ms: i64) -> Result<Vec<(i64, MessageCounts)>> {
        let rows = self
            .r(false)
            .fetch(
                &format!("SELECT minute, {} FROM wxtp_message_minutes \
                 WHERE component_appid = ? AND minute >= ? GROUP BY minute ORDER BY minute", sums(self.dialect())),
                &[Arg::from(component_appid), Arg::from(since_ms)],
                &[Col::I, Col::I, Col::I, Col::I, Col::I],
            )
            .await
            .map_err(|e| self.err("reading message counts", e))?;
        Ok(rows.iter().map(|r| (r.i(0).unwrap_or(0), counts(r, 1))).collect())
    }

    /// The authorizers with the most failures (handler failures and
    /// reply_failed), then deliveries, since `since_ms`: (appid, counts).
    pub async fn message_counts_by_authorizer(&self, component_appid: &str, since_ms: i64, limit: i64) -> Result<Vec<(String, MessageCounts)>> {
        let rows = self
            .r(false)
            .fetch(
                &format!("SELECT appid, {} FROM wxtp_message_minutes \
                 WHERE component_appid = ? AND minute >= ? GROUP BY appid \
                 ORDER BY SUM(handler_failures) + SUM(reply_failed) DESC, SUM(deliveries) DESC, appid LIMIT ?", sums(self.dialect())),
                &[Arg::from(component_appid), Arg::from(since_ms), Arg::from(limit)],
                &[Col::S, Col::I, Col::I, Col::I, Col::I],
            )
            .await
            .map_err(|e| self.err("reading message counts", e))?;
        Ok(rows.iter().map(|r| (r.s(0).unwrap_or_default(), counts(r, 1))).collect())
    }
}

/// The four sums as integers (MySQL and PostgreSQL sum to decimals).
fn sums(d: Dialect) -> String {
    let int = if d == Dialect::MySql { "SIGNED" } else { "BIGINT" };
    ["deliveries", "handler_failures", "reply_failed", "retries"].map(|c| format!("CAST(SUM({c}) AS {int})")).join(", ")
}

fn counts(r: &super::db::DbRow, from: usize) -> MessageCounts {
    MessageCounts {
        deliveries: r.i(from).unwrap_or(0),
        handler_failures: r.i(from + 1).unwrap_or(0),
        reply_failed: r.i(from + 2).unwrap_or(0),
        retries: r.i(from + 3).unwrap_or(0),
    }
}
