//! Token rows (`wxtp_tokens`), refresh leases, and the mirror into the
//! original `component_secrets` / `wx_users_info` columns.

use chrono::{Local, NaiveDateTime, TimeZone};

use super::db::{is_unique_violation, Arg, Col, Dialect, Tx};
use super::{changes, Store};
use crate::error::Result;
use crate::model::{now_ms, Token, TokenKey, TokenKind};

/// WeChat's component_verify_ticket is valid for 12 hours after its push.
const TICKET_LIFETIME_MS: i64 = 12 * 3600 * 1000;

fn key_args(key: &TokenKey) -> [Arg; 3] {
    [Arg::from(key.component_appid.as_str()), Arg::from(key.kind.as_str()), Arg::from(key.appid.as_str())]
}

/// The original library wrote `datetime`s in the server's local time.
pub(crate) fn local_dt(ms: i64) -> Option<NaiveDateTime> {
    Local.timestamp_millis_opt(ms).single().map(|d| d.naive_local())
}

/// A DATETIME the original wrote in the server's local time, read back as text.
fn local_ms(text: &str) -> Option<i64> {
    let head = text.get(..19)?;
    let dt = NaiveDateTime::parse_from_str(head, "%Y-%m-%d %H:%M:%S").or_else(|_| NaiveDateTime::parse_from_str(head, "%Y-%m-%dT%H:%M:%S")).ok()?;
    Local.from_local_datetime(&dt).earliest().map(|d| d.timestamp_millis())
}

/// `SELECT … FOR UPDATE` where the backend has it (SQLite's write
/// transaction already excludes every other writer).
pub(crate) fn for_update(d: Dialect) -> &'static str {
    if d == Dialect::Sqlite {
        ""
    } else {
        " FOR UPDATE"
    }
}

pub(crate) fn insert_ignore(d: Dialect, rest: &str) -> String {
    match d {
        Dialect::MySql => format!("INSERT IGNORE INTO {rest}"),
        _ => format!("INSERT INTO {rest} ON CONFLICT DO NOTHING"),
    }
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
        match key.kind {
            TokenKind::AuthorizerAccessToken => {
                // DATETIMEs as text: each backend's driver decodes them differently.
                let text = if pool.dialect() == Dialect::MySql { "CHAR" } else { "TEXT" };
                let sql = format!(
                    "SELECT access_token, refresh_token, appid, CAST(access_token_expires_in AS {text}), \
                     CAST(access_token_updated_at AS {text}) FROM wx_users_info WHERE appid = ? \
                     AND (component_appid = ? OR component_appid IS NULL) AND refresh_token IS NOT NULL \
                     AND (authorized IS NULL OR authorized <> 0) ORDER BY (component_appid IS NULL), id DESC"
                );
                let rows = pool
                    .fetch(
                        &sql,
                        &[Arg::from(key.appid.as_str()), Arg::from(key.component_appid.as_str())],
                        &[Col::S, Col::S, Col::S, Col::S, Col::S],
                    )
                    .await
                    .map_err(e)?;
                // The original MySQL tables compare case-insensitively; appids don't.
                Ok(rows.iter().find(|r| r.s(2).as_deref() == Some(key.appid.as_str())).and_then(|r| {
                    let rt = r.s(1).filter(|s| !s.is_empty())?;
                    // The original's access token stays usable until the expiry it wrote.
                    let expires_at_ms = r.s(3).as_deref().and_then(local_ms).unwrap_or(0);
                    let updated_at_ms = r.s(4).as_deref().and_then(local_ms).unwrap_or(expires_at_ms - 7_200_000).min(expires_at_ms);
                    Some(Token { value: r.s(0).unwrap_or_default(), expires_at_ms, updated_at_ms, refresh_token: Some(rt), extra: None })
                }))
            }
            TokenKind::ComponentVerifyTicket | TokenKind::ComponentAccessToken | TokenKind::PreAuthCode => {
                let (v, at, life) = match key.kind {
                    TokenKind::ComponentVerifyTicket => ("ticket", "ticket_updated_at", "NULL"),
                    TokenKind::ComponentAccessToken => ("access_token", "access_token_updated_at", "access_token_expires_in"),
                    _ => ("preauthcode", "preauthcode_updated_at", "preauthcode_expires_in"),
                };
                let sql = format!(
                    "SELECT {v}, {at}, {life} FROM component_secrets WHERE component_appid = ? OR component_appid IS NULL \
                     ORDER BY (component_appid IS NULL), id DESC LIMIT 1"
                );
                let rows = pool
                    .fetch(&sql, &[Arg::from(key.component_appid.as_str())], &[Col::S, Col::I, Col::I])
                    .await
                    .map_err(e)?;
                Ok(rows.first().and_then(|r| {
                    let value = r.s(0).filter(|s| !s.is_empty())?;
                    let updated = r.i(1)?;
                    let lifetime = match key.kind {
                        TokenKind::ComponentVerifyTicket => TICKET_LIFETIME_MS,
                        _ => r.i(2)? * 1000,
                    };
                    Some(Token { value, expires_at_ms: updated + lifetime, updated_at_ms: updated, refresh_token: None, extra: None })
                }))
            }
            _ => Ok(None),
        }
    }

    /// Writes the token (and its refresh token, when it has one; a None keeps
    /// the stored one) in one transaction with the original tables' mirror,
    /// so a rotated refresh token replaces the old one atomically.
    pub async fn save_token(&self, key: &TokenKey, token: &Token) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving a token", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        let d = self.dialect();
        let cols = "wxtp_tokens (component_appid, kind, appid, value, expires_at, updated_at, refresh_token, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        let sql = match d {
            Dialect::MySql => format!(
                "INSERT INTO {cols} ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at), \
                 updated_at = VALUES(updated_at), refresh_token = COALESCE(VALUES(refresh_token), refresh_token), extra = VALUES(extra)"
            ),
            _ => format!(
                "INSERT INTO {cols} ON CONFLICT (component_appid, kind, appid) DO UPDATE SET value = excluded.value, \
                 expires_at = excluded.expires_at, updated_at = excluded.updated_at, \
                 refresh_token = COALESCE(excluded.refresh_token, wxtp_tokens.refresh_token), extra = excluded.extra"
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
        ];
        tx.exec(&sql, &args).await.map_err(e)?;
        if !key.component_appid.is_empty() {
            mirror(&mut tx, d, key, token).await.map_err(e)?;
        }
        changes::record(&mut tx, &key.component_appid, key.kind.as_str(), &key.appid).await.map_err(e)?;
        tx.commit().await.map_err(e)
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
        let sql = insert_ignore(
            self.dialect(),
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

    /// Removes a token row (and nothing in the original tables).
    pub async fn delete_token(&self, key: &TokenKey) -> Result<()> {
        self.w()
            .exec("DELETE FROM wxtp_tokens WHERE component_appid = ? AND kind = ? AND appid = ?", &key_args(key))
            .await
            .map_err(|e| self.err("deleting a token", e))?;
        Ok(())
    }
}

/// Writes the original library's columns for the kinds it knew.
async fn mirror(tx: &mut Tx, d: Dialect, key: &TokenKey, t: &Token) -> std::result::Result<(), sqlx::Error> {
    let secs = t.lifetime_ms() / 1000;
    let (sql, args): (&str, Vec<Arg>) = match key.kind {
        TokenKind::ComponentVerifyTicket => (
            "UPDATE component_secrets SET ticket = ?, ticket_updated_at = ? WHERE id = ?",
            vec![Arg::from(t.value.as_str()), Arg::from(t.updated_at_ms)],
        ),
        TokenKind::ComponentAccessToken => (
            "UPDATE component_secrets SET access_token = ?, access_token_updated_at = ?, access_token_expires_in = ? WHERE id = ?",
            vec![Arg::from(t.value.as_str()), Arg::from(t.updated_at_ms), Arg::from(secs)],
        ),
        TokenKind::PreAuthCode => (
            "UPDATE component_secrets SET preauthcode = ?, preauthcode_updated_at = ?, preauthcode_expires_in = ? WHERE id = ?",
            vec![Arg::from(t.value.as_str()), Arg::from(t.updated_at_ms), Arg::from(secs)],
        ),
        TokenKind::AuthorizerAccessToken => (
            "UPDATE wx_users_info SET access_token = ?, access_token_updated_at = ?, access_token_expires_in = ?, \
             refresh_token = COALESCE(?, refresh_token) WHERE id = ?",
            vec![
                Arg::from(t.value.as_str()),
                Arg::T(local_dt(t.updated_at_ms)),
                Arg::T(local_dt(t.expires_at_ms)),
                Arg::from(t.refresh_token.clone()),
            ],
        ),
        _ => return Ok(()),
    };
    let id = if key.kind == TokenKind::AuthorizerAccessToken {
        authorizer_row(tx, d, &key.component_appid, &key.appid).await?
    } else {
        component_row(tx, d, &key.component_appid).await?
    };
    let mut args = args;
    args.push(Arg::from(id));
    tx.exec(sql, &args).await?;
    Ok(())
}

/// The id of the platform's `component_secrets` row: its own, else a legacy
/// row (NULL component_appid) it claims, else a new one.
async fn component_row(tx: &mut Tx, d: Dialect, component: &str) -> std::result::Result<i64, sqlx::Error> {
    let fu = for_update(d);
    let own = format!("SELECT id FROM component_secrets WHERE component_appid = ?{fu}");
    let legacy = format!("SELECT id FROM component_secrets WHERE component_appid IS NULL ORDER BY id DESC LIMIT 1{fu}");
    claim_row(tx, d, &own, &legacy, "component_secrets", vec![Arg::from(component)], "(component_appid) VALUES (?)").await
}

/// The id of the authorizer's `wx_users_info` row (own, claimed or new).
pub(crate) async fn authorizer_row(tx: &mut Tx, d: Dialect, component: &str, appid: &str) -> std::result::Result<i64, sqlx::Error> {
    let fu = for_update(d);
    let own = format!("SELECT id FROM wx_users_info WHERE component_appid = ? AND appid = ?{fu}");
    let legacy = format!("SELECT id FROM wx_users_info WHERE component_appid IS NULL AND appid = ? ORDER BY id DESC LIMIT 1{fu}");
    claim_row(
        tx,
        d,
        &own,
        &legacy,
        "wx_users_info",
        vec![Arg::from(component), Arg::from(appid)],
        "(component_appid, appid, authorized) VALUES (?, ?, 1)",
    )
    .await
}

async fn claim_row(
    tx: &mut Tx,
    d: Dialect,
    own_sql: &str,
    legacy_sql: &str,
    table: &str,
    key: Vec<Arg>, // component_appid first, then the rest of the natural key
    insert_tail: &str,
) -> std::result::Result<i64, sqlx::Error> {
    if let Some(id) = tx.fetch(own_sql, &key, &[Col::I]).await?.first().and_then(|r| r.i(0)) {
        return Ok(id);
    }
    let legacy = tx.fetch(legacy_sql, &key[1..], &[Col::I]).await?;
    if let Some(id) = legacy.first().and_then(|r| r.i(0)) {
        let claimed = tx
            .exec(&format!("UPDATE {table} SET component_appid = ? WHERE id = ? AND component_appid IS NULL"), &[key[0].clone(), Arg::from(id)])
            .await?;
        if claimed > 0 {
            return Ok(id);
        }
    }
    tx.exec(&insert_ignore(d, &format!("{table} {insert_tail}")), &key).await?;
    tx.fetch(own_sql, &key, &[Col::I])
        .await?
        .first()
        .and_then(|r| r.i(0))
        .ok_or_else(|| sqlx::Error::RowNotFound)
}
