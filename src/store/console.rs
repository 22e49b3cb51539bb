//! What the operator console reads (authorizer pages, the platform's token
//! rows, the change feed's hourly counts, the message ledger) and its own
//! tables: users (password hashes), sessions (hashed ids) and the audit log.
//! Every read is one indexed query; nothing here calls WeChat.

use super::db::{Arg, Col, DbRow};
use super::{Dialect, Store};
use crate::error::Result;
use crate::model::now_ms;

/// A page of authorizers: what to match and where the last page ended.
#[derive(Clone, Debug, Default)]
pub struct AuthorizerQuery {
    /// Substring of the name, appid, user_name, alias or principal_name (case-insensitive for ASCII).
    pub search: Option<String>,
    /// "official_account" or "mini_program".
    pub app_type: Option<String>,
    /// Some(true): authorized only; Some(false): revoked only.
    pub authorized: Option<bool>,
    /// A permission set (funcscope_category id) the authorizer granted.
    pub scope: Option<i64>,
    /// Keyset paging: appids after this one.
    pub after: Option<String>,
    pub limit: usize,
}

/// One authorizer row of the console, with its token's health (never its value).
#[derive(Clone, Debug, Default)]
pub struct AuthorizerRow {
    pub appid: String,
    pub nick_name: Option<String>,
    pub user_name: Option<String>,
    pub alias: Option<String>,
    pub principal_name: Option<String>,
    pub app_type: Option<String>,
    pub func_info: Option<String>,
    pub authorized: bool,
    /// 0 when the authorizer has no stored token row.
    pub token_expires_at: i64,
    pub token_updated_at: i64,
    pub lease_owner: Option<String>,
    /// The process that wrote the token last (`host:pid:random`).
    pub token_updated_by: Option<String>,
    /// The last failed refresh: (errcode, message, when); it may predate the token.
    pub last_error: Option<RefreshError>,
}

/// A token's last failed refresh, as the store recorded it (never a token in it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefreshError {
    pub errcode: Option<i64>,
    pub message: String,
    pub at: i64,
}

/// A token row's metadata (kind, appid, expiry, refresh, lease), never its value.
#[derive(Clone, Debug, Default)]
pub struct TokenMeta {
    pub kind: String,
    pub appid: String,
    pub expires_at: i64,
    pub updated_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: i64,
    pub updated_by: Option<String>,
    pub last_error: Option<RefreshError>,
}

/// A process that wrote tokens of a kind (`Store::token_writers`).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenWriter {
    pub by: String,
    pub kind: String,
    /// Rows whose last write was its.
    pub tokens: i64,
    pub latest: i64,
}

/// A console user: the salted password hash only.
#[derive(Clone, Debug)]
pub struct ConsoleUser {
    pub name: String,
    pub role: String,
    pub salt: String,
    pub hash: String,
}

/// A live session (looked up by the hash of its cookie).
#[derive(Clone, Debug)]
pub struct ConsoleSession {
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// One audit row.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub user: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
}

const HOUR_MS: i64 = 3_600_000;

/// `%`, `_` and the escape character itself made literal in a LIKE pattern (ESCAPE '!').
fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

fn meta(r: &DbRow) -> TokenMeta {
    TokenMeta {
        kind: r.s(0).unwrap_or_default(),
        appid: r.s(1).unwrap_or_default(),
        expires_at: r.i(2).unwrap_or(0),
        updated_at: r.i(3).unwrap_or(0),
        lease_owner: r.s(4),
        lease_until: r.i(5).unwrap_or(0),
        updated_by: r.s(6),
        last_error: r.i(9).filter(|at| *at > 0).map(|at| RefreshError { errcode: r.i(8), message: r.s(7).unwrap_or_default(), at }),
    }
}

/// What `meta` reads, in its order.
const META_COLS: &str = "kind, appid, expires_at, updated_at, lease_owner, lease_until, updated_by, last_error, last_errcode, last_error_at";
const META_TYPES: [Col; 10] = [Col::S, Col::S, Col::I, Col::I, Col::S, Col::I, Col::S, Col::S, Col::I, Col::I];

impl Store {
    /// Every platform (component appid) with rows in the store.
    pub async fn console_platforms(&self) -> Result<Vec<String>> {
        let rows = self
            .r(false)
            .fetch(
                "SELECT DISTINCT component_appid FROM wxtp_tokens WHERE component_appid <> '' AND kind IN ('component_verify_ticket', 'component_access_token') ORDER BY component_appid",
                &[],
                &[Col::S],
            )
            .await
            .map_err(|e| self.err("listing platforms", e))?;
        Ok(rows.iter().filter_map(|r| r.s(0)).collect())
    }

    /// One page of the platform's authorizers in appid order (keyset paging:
    /// no COUNT, no OFFSET), each with its authorizer token's expiry.
    pub async fn authorizer_page(&self, component_appid: &str, q: &AuthorizerQuery) -> Result<Vec<AuthorizerRow>> {
        let e = |e: sqlx::Error| self.err("listing authorizers", e);
        // Filters after the platform condition; the platform's rows and the
        // original library's unclaimed rows (NULL platform) are read by two
        // index-ordered queries and merged: an OR there would sort the table.
        let mut sql = String::new();
        let mut args: Vec<Arg> = Vec::new();
        if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
            sql.push_str(" AND appid > ?");
            args.push(Arg::from(after));
        }
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = format!("%{}%", like_literal(&s.to_lowercase()));
            sql.push_str(
                " AND (LOWER(nick_name) LIKE ? ESCAPE '!' OR LOWER(appid) LIKE ? ESCAPE '!' OR LOWER(user_name) LIKE ? ESCAPE '!' OR LOWER(alias) LIKE ? ESCAPE '!' \
                 OR LOWER(principal_name) LIKE ? ESCAPE '!')",
            );
            for _ in 0..5 {
                args.push(Arg::from(pat.clone()));
            }
        }
        if let Some(t) = q.app_type.as_deref().filter(|t| !t.is_empty()) {
            sql.push_str(" AND app_type = ?");
            args.push(Arg::from(t));
        }
        match q.authorized {
            // NULL: a row of the original library, which kept authorized ones only.
            Some(true) => sql.push_str(" AND (authorized IS NULL OR authorized <> 0)"),
            Some(false) => sql.push_str(" AND authorized = 0"),
            None => {}
        }
        if let Some(id) = q.scope {
            // func_info is compact JSON (serde_json's to_string).
            sql.push_str(" AND (func_info LIKE ? OR func_info LIKE ?)");
            args.push(Arg::from(format!("%\"funcscope_category\":{{\"id\":{id}}}%")));
            args.push(Arg::from(format!("%\"funcscope_category\":{{\"id\":{id},%")));
        }
        let limit = q.limit.clamp(1, 500) as i64;
        sql.push_str(" ORDER BY appid LIMIT ?");
        args.push(Arg::from(limit));
        let cols = [Col::S, Col::S, Col::S, Col::S, Col::S, Col::S, Col::I, Col::S];
        let select = "SELECT appid, nick_name, user_name, alias, app_type, func_info, authorized, principal_name FROM wx_users_info WHERE appid IS NOT NULL AND ";
        let mut own_args = vec![Arg::from(component_appid)];
        own_args.extend(args.iter().cloned());
        let mut rows = self.r(false).fetch(&format!("{select}component_appid = ?{sql}"), &own_args, &cols).await.map_err(e)?;
        rows.extend(self.r(false).fetch(&format!("{select}component_appid IS NULL{sql}"), &args, &cols).await.map_err(e)?);
        // Stable: of one appid, the platform's own row stays first.
        rows.sort_by(|a, b| a.s(0).cmp(&b.s(0)));
        rows.truncate(limit as usize * 2);
        let mut out: Vec<AuthorizerRow> = Vec::with_capacity(rows.len());
        for r in &rows {
            let appid = r.s(0).unwrap_or_default();
            if out.last().is_some_and(|l| l.appid == appid) {
                continue; // a legacy row and the platform's own row of one appid
            }
            out.push(AuthorizerRow {
                appid,
                nick_name: r.s(1),
                user_name: r.s(2),
                alias: r.s(3),
                app_type: r.s(4),
                func_info: r.s(5),
                authorized: r.i(6).map(|a| a != 0).unwrap_or(true),
                principal_name: r.s(7),
                ..Default::default()
            });
        }
        out.truncate(limit as usize);
        if out.is_empty() {
            return Ok(out);
        }
        // Token health in a second indexed query (a join would compare columns
        // of different collations on MySQL).
        let marks = vec!["?"; out.len()].join(", ");
        let sql = format!(
            "SELECT {META_COLS} FROM wxtp_tokens WHERE component_appid = ? AND kind = 'authorizer_access_token' AND appid IN ({marks})"
        );
        let mut args = vec![Arg::from(component_appid)];
        args.extend(out.iter().map(|a| Arg::from(a.appid.as_str())));
        let tokens = self.r(false).fetch(&sql, &args, &META_TYPES).await.map_err(e)?;
        for t in tokens.iter().map(meta) {
            if let Some(a) = out.iter_mut().find(|a| a.appid == t.appid) {
                a.token_expires_at = t.expires_at;
                a.token_updated_at = t.updated_at;
                a.lease_owner = t.lease_owner.filter(|_| t.lease_until >= now_ms());
                a.token_updated_by = t.updated_by;
                a.last_error = t.last_error;
            }
        }
        Ok(out)
    }

    /// The platform's own token rows (ticket, component token, pre_auth_code): metadata only.
    pub async fn platform_tokens(&self, component_appid: &str) -> Result<Vec<TokenMeta>> {
        let rows = self
            .r(false)
            .fetch(
                &format!(
                    "SELECT {META_COLS} FROM wxtp_tokens WHERE component_appid = ? \
                     AND kind IN ('component_verify_ticket', 'component_access_token', 'pre_auth_code') ORDER BY kind"
                ),
                &[Arg::from(component_appid)],
                &META_TYPES,
            )
            .await
            .map_err(|e| self.err("reading the platform's tokens", e))?;
        Ok(rows.iter().map(meta).collect())
    }

    /// Token rows of the platform with a failed refresh recorded, latest first.
    pub async fn refresh_errors(&self, component_appid: &str, limit: i64) -> Result<Vec<TokenMeta>> {
        let rows = self
            .r(false)
            .fetch(
                &format!("SELECT {META_COLS} FROM wxtp_tokens WHERE component_appid = ? AND last_error_at > 0 ORDER BY last_error_at DESC LIMIT ?"),
                &[Arg::from(component_appid), Arg::from(limit)],
                &META_TYPES,
            )
            .await
            .map_err(|e| self.err("reading refresh errors", e))?;
        Ok(rows.iter().map(meta).collect())
    }

    /// Which process wrote the platform's tokens written since `since_ms`:
    /// per writer and kind, how many rows it wrote last and when, latest first.
    pub async fn token_writers(&self, component_appid: &str, since_ms: i64) -> Result<Vec<TokenWriter>> {
        let rows = self
            .r(false)
            .fetch(
                "SELECT updated_by, kind, COUNT(*), MAX(updated_at) FROM wxtp_tokens WHERE component_appid = ? AND updated_at >= ? \
                 AND updated_by IS NOT NULL GROUP BY updated_by, kind ORDER BY MAX(updated_at) DESC LIMIT 100",
                &[Arg::from(component_appid), Arg::from(since_ms)],
                &[Col::S, Col::S, Col::I, Col::I],
            )
            .await
            .map_err(|e| self.err("reading token writers", e))?;
        Ok(rows
            .iter()
            .map(|r| TokenWriter { by: r.s(0).unwrap_or_default(), kind: r.s(1).unwrap_or_default(), tokens: r.i(2).unwrap_or(0), latest: r.i(3).unwrap_or(0) })
            .collect())
    }

    /// Token rows of the platform whose refresh lease is held now (at most `limit`).
    pub async fn lease_holders(&self, component_appid: &str, limit: i64) -> Result<Vec<TokenMeta>> {
        let rows = self
            .r(false)
            .fetch(
                &format!(
                    "SELECT {META_COLS} FROM wxtp_tokens WHERE component_appid = ? \
                     AND lease_owner IS NOT NULL AND lease_until >= ? ORDER BY lease_until DESC LIMIT ?"
                ),
                &[Arg::from(component_appid), Arg::from(now_ms()), Arg::from(limit)],
                &META_TYPES,
            )
            .await
            .map_err(|e| self.err("reading refresh leases", e))?;
        Ok(rows.iter().map(meta).collect())
    }

    /// Change-feed rows of the last `hours` hours, counted per hour and kind:
    /// (hour start in ms, kind, count), oldest first.
    pub async fn changes_per_hour(&self, component_appid: &str, hours: i64) -> Result<Vec<(i64, String, i64)>> {
        let bucket = match self.dialect() {
            Dialect::MySql => "at DIV 3600000",
            _ => "at / 3600000",
        };
        let since = (now_ms() / HOUR_MS - hours + 1) * HOUR_MS;
        let sql = format!(
            "SELECT {bucket} AS h, kind, COUNT(*) FROM wxtp_changes WHERE component_appid = ? AND at >= ? GROUP BY {bucket}, kind ORDER BY h"
        );
        let rows = self
            .r(false)
            .fetch(&sql, &[Arg::from(component_appid), Arg::from(since)], &[Col::I, Col::S, Col::I])
            .await
            .map_err(|e| self.err("reading the change feed", e))?;
        Ok(rows.iter().map(|r| (r.i(0).unwrap_or(0) * HOUR_MS, r.s(1).unwrap_or_default(), r.i(2).unwrap_or(0))).collect())
    }

    /// The message ledger now: (claims being handled, replied). Rows live
    /// a few minutes, so this is the recent window, not a history.
    pub async fn message_ledger(&self) -> Result<(i64, i64)> {
        let rows = self
            .r(false)
            .fetch("SELECT state, COUNT(*) FROM wxtp_messages WHERE expires_at >= ? GROUP BY state", &[Arg::from(now_ms())], &[Col::I, Col::I])
            .await
            .map_err(|e| self.err("reading the message ledger", e))?;
        let n = |s: i64| rows.iter().filter(|r| r.i(0) == Some(s)).filter_map(|r| r.i(1)).sum::<i64>();
        Ok((n(0), n(1)))
    }

    /// Creates or replaces a console user (the hash and salt only).
    pub async fn save_console_user(&self, u: &ConsoleUser) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving a console user", e);
        let now = now_ms();
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_console_users SET role = ?, salt = ?, pass_hash = ?, updated_at = ? WHERE user_name = ?",
                &[Arg::from(u.role.as_str()), Arg::from(u.salt.as_str()), Arg::from(u.hash.as_str()), Arg::from(now), Arg::from(u.name.as_str())],
            )
            .await
            .map_err(e)?;
        if n == 0 {
            let sql = self.dialect().insert_ignore("wxtp_console_users (user_name, role, salt, pass_hash, updated_at) VALUES (?, ?, ?, ?, ?)");
            self.w()
                .exec(&sql, &[Arg::from(u.name.as_str()), Arg::from(u.role.as_str()), Arg::from(u.salt.as_str()), Arg::from(u.hash.as_str()), Arg::from(now)])
                .await
                .map_err(e)?;
        }
        Ok(())
    }

    pub async fn console_user(&self, name: &str) -> Result<Option<ConsoleUser>> {
        let rows = self
            .r(true)
            .fetch("SELECT user_name, role, salt, pass_hash FROM wxtp_console_users WHERE user_name = ?", &[Arg::from(name)], &[Col::S, Col::S, Col::S, Col::S])
            .await
            .map_err(|e| self.err("loading a console user", e))?;
        Ok(rows.first().map(|r| ConsoleUser { name: r.s(0).unwrap_or_default(), role: r.s(1).unwrap_or_default(), salt: r.s(2).unwrap_or_default(), hash: r.s(3).unwrap_or_default() }))
    }

    /// Stores a session under the hash of its cookie value.
    pub async fn save_console_session(&self, id_hash: &str, s: &ConsoleSession) -> Result<()> {
        self.w()
            .exec(
                "INSERT INTO wxtp_console_sessions (id_hash, user_name, role, csrf, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[Arg::from(id_hash), Arg::from(s.user.as_str()), Arg::from(s.role.as_str()), Arg::from(s.csrf.as_str()), Arg::from(s.expires_at), Arg::from(now_ms())],
            )
            .await
            .map_err(|e| self.err("saving a console session", e))?;
        // Sweep expired sessions now and then (cheap: indexed by nothing, but few rows).
        let _ = self.w().exec("DELETE FROM wxtp_console_sessions WHERE expires_at < ?", &[Arg::from(now_ms())]).await;
        Ok(())
    }

    pub async fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>> {
        let rows = self
            .r(true)
            .fetch(
                "SELECT user_name, role, csrf, expires_at FROM wxtp_console_sessions WHERE id_hash = ? AND expires_at >= ?",
                &[Arg::from(id_hash), Arg::from(now_ms())],
                &[Col::S, Col::S, Col::S, Col::I],
            )
            .await
            .map_err(|e| self.err("loading a console session", e))?;
        Ok(rows.first().map(|r| ConsoleSession { user: r.s(0).unwrap_or_default(), role: r.s(1).unwrap_or_default(), csrf: r.s(2).unwrap_or_default(), expires_at: r.i(3).unwrap_or(0) }))
    }

    pub async fn delete_console_session(&self, id_hash: &str) -> Result<()> {
        self.w()
            .exec("DELETE FROM wxtp_console_sessions WHERE id_hash = ?", &[Arg::from(id_hash)])
            .await
            .map_err(|e| self.err("ending a console session", e))?;
        Ok(())
    }

    /// Ends every session but the one hashed `keep`; how many ended.
    pub async fn end_console_sessions_except(&self, keep: &str) -> Result<u64> {
        self.w()
            .exec("DELETE FROM wxtp_console_sessions WHERE id_hash <> ?", &[Arg::from(keep)])
            .await
            .map_err(|e| self.err("ending console sessions", e))
    }

    /// Appends to the console's audit log.
    pub async fn audit(&self, user: &str, role: &str, action: &str, target: &str, outcome: &str) -> Result<()> {
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        self.w()
            .exec(
                "INSERT INTO wxtp_console_audit (at, user_name, role, action, target, outcome) VALUES (?, ?, ?, ?, ?, ?)",
                &[Arg::from(now_ms()), Arg::from(cut(user, 64)), Arg::from(cut(role, 16)), Arg::from(cut(action, 64)), Arg::from(cut(target, 191)), Arg::from(cut(outcome, 255))],
            )
            .await
            .map_err(|e| self.err("writing the console audit log", e))?;
        Ok(())
    }

    /// The newest audit rows, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = self
            .r(true)
            .fetch(
                "SELECT id, at, user_name, role, action, target, outcome FROM wxtp_console_audit ORDER BY id DESC LIMIT ?",
                &[Arg::from(limit)],
                &[Col::I, Col::I, Col::S, Col::S, Col::S, Col::S, Col::S],
            )
            .await
            .map_err(|e| self.err("reading the console audit log", e))?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: r.i(0).unwrap_or(0),
                at: r.i(1).unwrap_or(0),
                user: r.s(2).unwrap_or_default(),
                role: r.s(3).unwrap_or_default(),
                action: r.s(4).unwrap_or_default(),
                target: r.s(5).unwrap_or_default(),
                outcome: r.s(6).unwrap_or_default(),
            })
            .collect())
    }
}
