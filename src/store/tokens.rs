//! Token rows (`wxtp_tokens`) and refresh leases; the original tables are
//! read and mirrored through `legacy`.

use super::db::{is_unique_violation, Arg, Col, Dialect};
use super::{changes, legacy, Store};
use crate::error::Result;
use crate::model::{now_ms, Token, TokenKey, TokenKind};

fn key_args(key: &TokenKey) -> [Arg; 3] {
    [Arg::from(key.component_appid.as_str()), Arg::from(key.kind.as_str()), Arg::from(key.appid.as_str())]
}

impl Store {
    /// The token of `key`; `from_primary` for a read that must see a write
    /// just made. A row holding only a lease counts as no token. When there is
    /// no row, the original tables are consulted (an existing wxthirdparty
    /// database): an authorizer with a refresh token yields its access token
    /// with the expiry the original wrote (used as is while valid, so an
    /// upgrade costs no api_authorizer_token), carrying the refresh token.
    pub async fn load_token(&self, key: &TokenKey, from_primary: bool) -> Result<Option<Token>> {
        let pool = self.r(from_primary);
        let e = |e: sqlx::Error| self.err("loading a token", e);
        let rows = pool
            .fetch(
                "SELECT value, expires_at, updated_at, refresh_token, extra FROM wxtp_tokens \
                 WHERE component_appid = ? AND kind = ? AND appid = ?",
                &key_args(key),
                &[Col::S, Col::I, Col::I, Col::S, Col::S],
            )
            .await
            .map_err(e)?;
        if let Some(r) = rows.first() {
            let value = r.s(0).unwrap_or_default();
            let refresh_token = r.s(3).filter(|s| !s.is_empty());
            if !value.is_empty() || refresh_token.is_some() {
                return Ok(Some(Token {
                    value,
                    expires_at_ms: r.i(1).unwrap_or(0),
                    updated_at_ms: r.i(2).unwrap_or(0),
                    refresh_token,
                    extra: r.s(4).and_then(|s| serde_json::from_str(&s).ok()),
                }));
            }
        }
        if key.component_appid.is_empty() {
            return Ok(None);
        }
        legacy::load_token(pool, key).await.map_err(e)
    }

    /// Writes the token (and its refresh token, when it has one; a None keeps
    /// the stored one) in one transaction with the original tables' mirror,
    /// so a rotated refresh token replaces the old one atomically.
    pub async fn save_token(&self, key: &TokenKey, token: &Token) -> Result<()> {
        self.save_token_by(key, token, None).await
    }

    /// `save_token`, naming the process that wrote it (a token cell's owner
    /// id, `host:pid:random`) in the same write: the console's "refreshed by".
    pub async fn save_token_by(&self, key: &TokenKey, token: &Token, by: Option<&str>) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving a token", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        let d = self.dialect();
        let cols = "wxtp_tokens (component_appid, kind, appid, value, expires_at, updated_at, refresh_token, extra, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        let sql = match d {
            Dialect::MySql => format!(
                "INSERT INTO {cols} ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at), \
                 updated_at = VALUES(updated_at), refresh_token = COALESCE(VALUES(refresh_token), refresh_token), extra = VALUES(extra), \
                 updated_by = VALUES(updated_by)"
            ),
            _ => format!(
                "INSERT INTO {cols} ON CONFLICT (component_appid, kind, appid) DO UPDATE SET value = excluded.value, \
                 expires_at = excluded.expires_at, updated_at = excluded.updated_at, \
                 refresh_token = COALESCE(excluded.refresh_token, wxtp_tokens.refresh_token), extra = excluded.extra, \
                 updated_by = excluded.updated_by"
            ),
        };
        let [a, b, c] = key_args(key);
        let args = [
            a,
            b,
            c,
            Arg::from(token.value.as_str()),
            Arg::from(token.expires_at_ms),
            Arg::from(token.updated_at_ms),
            Arg::from(token.refresh_token.clone()),
            Arg::from(token.extra.as_ref().map(|v| v.to_string())),
            Arg::from(by.map(|b| b.chars().take(128).collect::<String>())),
        ];
        tx.exec(&sql, &args).await.map_err(e)?;
        if !key.component_appid.is_empty() {
            legacy::mirror(&mut tx, d, key, token).await.map_err(e)?;
        }
        changes::record(&mut tx, &key.component_appid, key.kind.as_str(), &key.appid).await.map_err(e)?;
        tx.commit().await.map_err(e)
    }

    /// Stores a pushed component_verify_ticket unless it, or one pushed
    /// later, is stored already; true when this call changed it. The row
    /// lock of one UPDATE decides, so two processes handling one push (WeChat
    /// retries a slow answer) store and announce it once, even when a write
    /// slowed by the database outlives the push's lease.
    pub async fn save_pushed_ticket(&self, key: &TokenKey, token: &Token, by: &str) -> Result<bool> {
        let e = |e: sqlx::Error| self.err("saving a ticket", e);
        let [a, b, c] = key_args(key);
        let value = Arg::from(token.value.as_str());
        let mut tx = self.w().begin().await.map_err(e)?;
        let n = tx
            .exec(
                "UPDATE wxtp_tokens SET value = ?, expires_at = ?, updated_at = ?, updated_by = ? \
                 WHERE component_appid = ? AND kind = ? AND appid = ? AND (value IS NULL OR value <> ?) AND (updated_at IS NULL OR updated_at <= ?)",
                &[value.clone(), Arg::from(token.expires_at_ms), Arg::from(token.updated_at_ms), Arg::from(by), a, b, c, value, Arg::from(token.updated_at_ms)],
            )
            .await
            .map_err(e)?;
        if n == 0 {
            let [a, b, c] = key_args(key);
            let row = tx.fetch("SELECT 1 FROM wxtp_tokens WHERE component_appid = ? AND kind = ? AND appid = ?", &[a, b, c], &[Col::I]).await.map_err(e)?;
            drop(tx);
            if !row.is_empty() {
                return Ok(false); // this ticket, or a later one, is stored
            }
            // The first ticket ever (no row yet, not even a lease's).
            return self.save_token_by(key, token, Some(by)).await.map(|()| true);
        }
        if !key.component_appid.is_empty() {
            legacy::mirror(&mut tx, self.dialect(), key, token).await.map_err(e)?;
        }
        changes::record(&mut tx, &key.component_appid, key.kind.as_str(), &key.appid).await.map_err(e)?;
        tx.commit().await.map_err(e)?;
        Ok(true)
    }

    /// Compare-and-expire: marks the token expired only if its value is still
    /// `value` (the one that failed). True when it did. `voided`: WeChat voided
    /// it (not a natural expiry), so a component token's pre_auth_code goes too.
    pub async fn expire_token_if(&self, key: &TokenKey, value: &str, voided: bool) -> Result<bool> {
        let e = |e: sqlx::Error| self.err("expiring a token", e);
        let [a, b, c] = key_args(key);
        let mut tx = self.w().begin().await.map_err(e)?;
        let n = tx
            .exec(
                "UPDATE wxtp_tokens SET expires_at = 0 WHERE component_appid = ? AND kind = ? AND appid = ? AND value = ? AND expires_at <> 0",
                &[a, b, c, Arg::from(value)],
            )
            .await
            .map_err(e)?;
        if n > 0 {
            changes::record(&mut tx, &key.component_appid, key.kind.as_str(), &key.appid).await.map_err(e)?;
            if voided && key.kind == TokenKind::ComponentAccessToken {
                // WeChat no longer honours what it issued under a rejected
                // component token: the pre_auth_code in authorize URLs goes too.
                let pre = TokenKey { kind: TokenKind::PreAuthCode, ..key.clone() };
                let [a, b, c] = key_args(&pre);
                let m = tx.exec("UPDATE wxtp_tokens SET expires_at = 0 WHERE component_appid = ? AND kind = ? AND appid = ? AND expires_at <> 0", &[a, b, c]).await.map_err(e)?;
                if m > 0 {
                    changes::record(&mut tx, &pre.component_appid, pre.kind.as_str(), &pre.appid).await.map_err(e)?;
                }
            }
        }
        tx.commit().await.map_err(e)?;
        Ok(n > 0)
    }

    /// Compare-and-set of the refresh lease on the primary: true when `owner`
    /// now holds it for `ttl_ms` (free, expired, or already its own: renewed).
    pub async fn try_lease(&self, key: &TokenKey, owner: &str, ttl_ms: i64) -> Result<bool> {
        let e = |e: sqlx::Error| self.err("taking a refresh lease", e);
        let now = now_ms();
        let until = now + ttl_ms.max(1);
        let [a, b, c] = key_args(key);
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_tokens SET lease_owner = ?, lease_until = ? WHERE component_appid = ? AND kind = ? AND appid = ? \
                 AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                &[Arg::from(owner), Arg::from(until), a.clone(), b.clone(), c.clone(), Arg::from(owner), Arg::from(now)],
            )
            .await
            .map_err(e)?;
        if n > 0 {
            return Ok(true);
        }
        // No row yet: the first to insert one holds the lease.
        let sql = self.dialect().insert_ignore(
            "wxtp_tokens (component_appid, kind, appid, value, expires_at, updated_at, lease_owner, lease_until) VALUES (?, ?, ?, '', 0, 0, ?, ?)",
        );
        match self.w().exec(&sql, &[a, b, c, Arg::from(owner), Arg::from(until)]).await {
            Ok(n) => Ok(n > 0),
            Err(err) if is_unique_violation(&err) => Ok(false),
            Err(err) => Err(e(err)),
        }
    }

    /// Gives the lease up, if `owner` still holds it.
    pub async fn release_lease(&self, key: &TokenKey, owner: &str) -> Result<()> {
        let [a, b, c] = key_args(key);
        self.w()
            .exec(
                "UPDATE wxtp_tokens SET lease_owner = NULL, lease_until = 0 WHERE component_appid = ? AND kind = ? AND appid = ? AND lease_owner = ?",
                &[a, b, c, Arg::from(owner)],
            )
            .await
            .map_err(|e| self.err("releasing a refresh lease", e))?;
        Ok(())
    }

    /// Who holds the lease and until when (ms), if anyone does now.
    pub async fn lease_holder(&self, key: &TokenKey) -> Result<Option<(String, i64)>> {
        let [a, b, c] = key_args(key);
        let rows = self
            .w()
            .fetch(
                "SELECT lease_owner, lease_until FROM wxtp_tokens WHERE component_appid = ? AND kind = ? AND appid = ? AND lease_owner IS NOT NULL AND lease_until >= ?",
                &[a, b, c, Arg::from(now_ms())],
                &[Col::S, Col::I],
            )
            .await
            .map_err(|e| self.err("reading a refresh lease", e))?;
        Ok(rows.first().and_then(|r| Some((r.s(0)?, r.i(1)?))))
    }

    /// Records a failed refresh of `key`: WeChat's errcode (None when the
    /// failure was not WeChat's answer), the message (cut to 255 characters;
    /// callers pass no token in it) and when. A failed refresh is rare: this
    /// is one write, never on the path of a successful get.
    pub async fn record_refresh_error(&self, key: &TokenKey, errcode: Option<i64>, message: &str) -> Result<()> {
        let e = |e: sqlx::Error| self.err("recording a refresh error", e);
        let message: String = message.chars().take(255).collect();
        let now = now_ms();
        let [a, b, c] = key_args(key);
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_tokens SET last_error = ?, last_errcode = ?, last_error_at = ? WHERE component_appid = ? AND kind = ? AND appid = ?",
                &[Arg::from(message.as_str()), Arg::from(errcode), Arg::from(now), a.clone(), b.clone(), c.clone()],
            )
            .await
            .map_err(e)?;
        if n > 0 {
            return Ok(());
        }
        // No row yet (the first fetch failed before any lease): a row without
        // a value, as a lease's is, which counts as no token.
        let sql = self.dialect().insert_ignore(
            "wxtp_tokens (component_appid, kind, appid, value, expires_at, updated_at, last_error, last_errcode, last_error_at) VALUES (?, ?, ?, '', 0, 0, ?, ?, ?)",
        );
        match self.w().exec(&sql, &[a, b, c, Arg::from(message.as_str()), Arg::from(errcode), Arg::from(now)]).await {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Ok(()),
            Err(err) => Err(e(err)),
        }
    }

    /// Removes a token row (and nothing in the original tables).
    pub async fn delete_token(&self, key: &TokenKey) -> Result<()> {
        self.w()
            .exec("DELETE FROM wxtp_tokens WHERE component_appid = ? AND kind = ? AND appid = ?", &key_args(key))
            .await
            .map_err(|e| self.err("deleting a token", e))?;
        Ok(())
    }
}
