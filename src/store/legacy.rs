//! The original wxthirdparty tables (`component_secrets`, `wx_users_info`):
//! the token a row holds when `wxtp_tokens` has none (an existing
//! database), the mirror of every token written, which row a platform or
//! authorizer owns (its own, a legacy one it claims, or a new one), and the
//! original's DATETIMEs in the server's local time.

use chrono::{Local, NaiveDateTime, TimeZone};

use super::db::{Arg, Col, Dialect, Pool, Tx};
use crate::model::{Token, TokenKey, TokenKind};

/// WeChat's component_verify_ticket is valid for 12 hours after its push.
const TICKET_LIFETIME_MS: i64 = 12 * 3600 * 1000;

/// The original library wrote `datetime`s in the server's local time.
pub(super) fn local_dt(ms: i64) -> Option<NaiveDateTime> {
    Local.timestamp_millis_opt(ms).single().map(|d| d.naive_local())
}

/// A DATETIME the original wrote in the server's local time, read back as text.
fn local_ms(text: &str) -> Option<i64> {
    let head = text.get(..19)?;
    let dt = NaiveDateTime::parse_from_str(head, "%Y-%m-%d %H:%M:%S").or_else(|_| NaiveDateTime::parse_from_str(head, "%Y-%m-%dT%H:%M:%S")).ok()?;
    Local.from_local_datetime(&dt).earliest().map(|d| d.timestamp_millis())
}

/// The token of a platform-level key or an authorizer in the original
/// tables: an authorizer with a refresh token yields its access token with
/// the expiry the original wrote, carrying the refresh token.
pub(super) async fn load_token(pool: &Pool, key: &TokenKey) -> std::result::Result<Option<Token>, sqlx::Error> {
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
                .await?;
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
                .await?;
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

/// Writes the original library's columns for the kinds it knew.
pub(super) async fn mirror(tx: &mut Tx, d: Dialect, key: &TokenKey, t: &Token) -> std::result::Result<(), sqlx::Error> {
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
    let fu = d.for_update();
    let own = format!("SELECT id FROM component_secrets WHERE component_appid = ?{fu}");
    let legacy = format!("SELECT id FROM component_secrets WHERE component_appid IS NULL ORDER BY id DESC LIMIT 1{fu}");
    claim_row(tx, d, &own, &legacy, "component_secrets", vec![Arg::from(component)], "(component_appid) VALUES (?)").await
}

/// The id of the authorizer's `wx_users_info` row (own, claimed or new).
pub(super) async fn authorizer_row(tx: &mut Tx, d: Dialect, component: &str, appid: &str) -> std::result::Result<i64, sqlx::Error> {
    let fu = d.for_update();
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
    tx.exec(&d.insert_ignore(&format!("{table} {insert_tail}")), &key).await?;
    tx.fetch(own_sql, &key, &[Col::I])
        .await?
        .first()
        .and_then(|r| r.i(0))
        .ok_or_else(|| sqlx::Error::RowNotFound)
}
