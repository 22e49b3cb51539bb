//! Authorizers (`wx_users_info`), followers (`wx_followers`,
//! `wx_followers_info`) and the token service's apps (`wxtp_apps`).

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use super::db::{Arg, Col, DbRow};
use super::legacy::{authorizer_row, local_dt};
use super::{AuthorizerRecord, Store};
use crate::error::Result;
use crate::model::now_ms;

const AUTHORIZER_COLS: &str =
    "appid, wx_token, nick_name, head_img, service_type_id, verify_type_info, user_name, alias, func_info, authorized, app_type, mini_program_info, principal_name";
const AUTHORIZER_TYPES: [Col; 13] = [Col::S, Col::S, Col::S, Col::S, Col::I, Col::S, Col::S, Col::S, Col::S, Col::I, Col::S, Col::S, Col::S];

fn record(component_appid: &str, r: &DbRow) -> AuthorizerRecord {
    AuthorizerRecord {
        component_appid: component_appid.to_owned(),
        appid: r.s(0).unwrap_or_default(),
        wx_token: r.s(1).unwrap_or_default(),
        nick_name: r.s(2),
        head_img: r.s(3),
        service_type_id: r.i(4),
        verify_type_info: r.i(5),
        user_name: r.s(6),
        alias: r.s(7),
        func_info: r.s(8),
        // NULL: a row from the original library, which only kept authorized ones.
        authorized: r.i(9).map(|a| a != 0).unwrap_or(true),
        app_type: r.s(10),
        mini_program_info: r.s(11),
        principal_name: r.s(12),
    }
}

/// What an `unauthorized` push did (`Store::revoke_authorizer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    /// No such authorizer.
    Unknown,
    /// Older than the last authorization push handled: nothing changed.
    Stale,
}

async fn pushed_at_of(tx: &mut super::db::Tx, id: i64) -> std::result::Result<Option<i64>, sqlx::Error> {
    let rows = tx.fetch("SELECT authorization_pushed_at FROM wx_users_info WHERE id = ?", &[Arg::from(id)], &[Col::I]).await?;
    Ok(rows.first().and_then(|r| r.i(0)))
}

/// authorization_pushed_at = max(it, `at`).
async fn raise_pushed_at(tx: &mut super::db::Tx, id: i64, at: i64) -> std::result::Result<(), sqlx::Error> {
    tx.exec(
        "UPDATE wx_users_info SET authorization_pushed_at = ? WHERE id = ? AND (authorization_pushed_at IS NULL OR authorization_pushed_at < ?)",
        &[Arg::from(at), Arg::from(id), Arg::from(at)],
    )
    .await
    .map(|_| ())
}

impl Store {
    /// Inserts or updates the authorizer's profile (tokens are left alone).
    pub async fn upsert_authorizer(&self, rec: &AuthorizerRecord) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving an authorizer", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        let id = authorizer_row(&mut tx, self.dialect(), &rec.component_appid, &rec.appid).await.map_err(e)?;
        tx.exec(
            "UPDATE wx_users_info SET wx_token = ?, nick_name = ?, head_img = ?, service_type_id = ?, verify_type_info = ?, \
             user_name = ?, alias = ?, func_info = ?, authorized = ?, app_type = ?, mini_program_info = ?, principal_name = ? WHERE id = ?",
            &[
                Arg::from(rec.wx_token.as_str()),
                Arg::from(rec.nick_name.clone()),
                Arg::from(rec.head_img.clone()),
                Arg::from(rec.service_type_id),
                // The original column is varchar.
                Arg::from(rec.verify_type_info.map(|v| v.to_string())),
                Arg::from(rec.user_name.clone()),
                Arg::from(rec.alias.clone()),
                Arg::from(rec.func_info.clone()),
                Arg::from(i64::from(rec.authorized)),
                Arg::from(rec.app_type.clone()),
                Arg::from(rec.mini_program_info.clone()),
                Arg::from(rec.principal_name.clone()),
                Arg::from(id),
            ],
        )
        .await
        .map_err(e)?;
        super::changes::record(&mut tx, &rec.component_appid, super::changes::AUTHORIZER, &rec.appid).await.map_err(e)?;
        tx.commit().await.map_err(e)
    }

    async fn authorizer_where(&self, component_appid: &str, cond: &str, arg: &str) -> Result<Option<AuthorizerRecord>> {
        // The platform's own row first, else a legacy row nobody claimed yet.
        let sql = format!(
            "SELECT {AUTHORIZER_COLS}, {cond} FROM wx_users_info WHERE {cond} = ? AND (component_appid = ? OR component_appid IS NULL) \
             ORDER BY (component_appid IS NULL), id DESC"
        );
        let mut cols = AUTHORIZER_TYPES.to_vec();
        cols.push(Col::S);
        let rows = self
            .r(false)
            .fetch(&sql, &[Arg::from(arg), Arg::from(component_appid)], &cols)
            .await
            .map_err(|e| self.err("loading an authorizer", e))?;
        // The original MySQL tables compare case-insensitively; appids and wx_tokens don't.
        Ok(rows.iter().find(|r| r.s(AUTHORIZER_TYPES.len()).as_deref() == Some(arg)).map(|r| record(component_appid, r)))
    }

    pub async fn authorizer_by_appid(&self, component_appid: &str, appid: &str) -> Result<Option<AuthorizerRecord>> {
        self.authorizer_where(component_appid, "appid", appid).await
    }

    pub async fn authorizer_by_wx_token(&self, component_appid: &str, wx_token: &str) -> Result<Option<AuthorizerRecord>> {
        self.authorizer_where(component_appid, "wx_token", wx_token).await
    }

    /// Every authorizer of the platform (revoked ones too, `authorized` false).
    pub async fn list_authorizers(&self, component_appid: &str) -> Result<Vec<AuthorizerRecord>> {
        let sql = format!(
            "SELECT {AUTHORIZER_COLS} FROM wx_users_info WHERE (component_appid = ? OR component_appid IS NULL) AND appid IS NOT NULL \
             ORDER BY (component_appid IS NULL), id DESC"
        );
        let rows = self
            .r(false)
            .fetch(&sql, &[Arg::from(component_appid)], &AUTHORIZER_TYPES)
            .await
            .map_err(|e| self.err("listing authorizers", e))?;
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<AuthorizerRecord> =
            rows.iter().map(|r| record(component_appid, r)).filter(|r| seen.insert(r.appid.clone())).collect();
        out.sort_by(|a, b| a.appid.cmp(&b.appid));
        Ok(out)
    }

    /// Marks the authorizer revoked, forgets its access and refresh tokens
    /// (they are dead) and drops every token row kept for it. True when the
    /// authorizer was known.
    pub async fn set_authorizer_revoked(&self, component_appid: &str, appid: &str) -> Result<bool> {
        Ok(self.revoke_authorizer(component_appid, appid, None).await? == Revocation::Revoked)
    }

    /// As `set_authorizer_revoked`, for an `unauthorized` push of
    /// `pushed_at` (its CreateTime, ms): one older than the last
    /// authorization push handled for the authorizer changes nothing
    /// (`Stale`); otherwise its time is recorded with the revocation.
    pub async fn revoke_authorizer(&self, component_appid: &str, appid: &str, pushed_at: Option<i64>) -> Result<Revocation> {
        let e = |e: sqlx::Error| self.err("revoking an authorizer", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        let known = self.authorizer_by_appid_tx(&mut tx, component_appid, appid).await.map_err(e)?;
        let row = if known { Some(authorizer_row(&mut tx, self.dialect(), component_appid, appid).await.map_err(e)?) } else { None };
        if let (Some(id), Some(at)) = (row, pushed_at) {
            let last = pushed_at_of(&mut tx, id).await.map_err(e)?;
            if last.is_some_and(|last| last > at) {
                tx.commit().await.map_err(e)?;
                return Ok(Revocation::Stale);
            }
        }
        tx.exec(
            "DELETE FROM wxtp_tokens WHERE component_appid = ? AND appid = ?",
            &[Arg::from(component_appid), Arg::from(appid)],
        )
        .await
        .map_err(e)?;
        if let Some(id) = row {
            tx.exec(
                "UPDATE wx_users_info SET authorized = 0, access_token = NULL, refresh_token = NULL WHERE id = ?",
                &[Arg::from(id)],
            )
            .await
            .map_err(e)?;
            if let Some(at) = pushed_at {
                raise_pushed_at(&mut tx, id, at).await.map_err(e)?;
            }
            super::changes::record(&mut tx, component_appid, super::changes::AUTHORIZER, appid).await.map_err(e)?;
        }
        tx.commit().await.map_err(e)?;
        Ok(if known { Revocation::Revoked } else { Revocation::Unknown })
    }

    /// The CreateTime (ms) of the latest authorized / updateauthorized /
    /// unauthorized push handled for the authorizer (None: none recorded).
    pub async fn authorization_pushed_at(&self, component_appid: &str, appid: &str) -> Result<Option<i64>> {
        let rows = self
            .w()
            .fetch(
                "SELECT authorization_pushed_at, component_appid FROM wx_users_info WHERE appid = ? \
                 AND (component_appid = ? OR component_appid IS NULL) ORDER BY (component_appid IS NULL), id DESC",
                &[Arg::from(appid), Arg::from(component_appid)],
                &[Col::I, Col::S],
            )
            .await
            .map_err(|e| self.err("loading an authorizer", e))?;
        Ok(rows.first().and_then(|r| r.i(0)))
    }

    /// Records an authorization push of `pushed_at` (ms) handled, unless a
    /// later one was.
    pub async fn note_authorization_pushed(&self, component_appid: &str, appid: &str, pushed_at: i64) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving an authorizer", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        let id = authorizer_row(&mut tx, self.dialect(), component_appid, appid).await.map_err(e)?;
        raise_pushed_at(&mut tx, id, pushed_at).await.map_err(e)?;
        tx.commit().await.map_err(e)
    }

    async fn authorizer_by_appid_tx(&self, tx: &mut super::db::Tx, component_appid: &str, appid: &str) -> std::result::Result<bool, sqlx::Error> {
        let rows = tx
            .fetch(
                "SELECT COUNT(*) FROM wx_users_info WHERE appid = ? AND (component_appid = ? OR component_appid IS NULL)",
                &[Arg::from(appid), Arg::from(component_appid)],
                &[Col::I],
            )
            .await?;
        Ok(rows.first().and_then(|r| r.i(0)).unwrap_or(0) > 0)
    }

    /// Records a follower of the authorizer behind `wx_token`, from WeChat's
    /// user info JSON (as the original library's default API hooks did).
    pub async fn save_follower(&self, wx_token: &str, info: &Value) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving a follower", e);
        let openid = info.get("openid").and_then(Value::as_str).unwrap_or_default();
        if openid.is_empty() {
            return Err(crate::error::Error::invalid("info", "openid is missing"));
        }
        let s = |k: &str| Arg::from(info.get(k).and_then(|v| v.as_str().map(str::to_owned).or_else(|| (!v.is_null()).then(|| v.to_string()))));
        let i = |k: &str| Arg::from(info.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())));
        let subscribe_time: Option<NaiveDate> = info
            .get("subscribe_time")
            .and_then(Value::as_i64)
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(|d| d.date_naive());
        let now = local_dt(now_ms());
        let mut tx = self.w().begin().await.map_err(e)?;
        let n = tx
            .exec(
                "UPDATE wx_followers SET updated_at = ? WHERE openid = ? AND wx_token = ?",
                &[Arg::T(now), Arg::from(openid), Arg::from(wx_token)],
            )
            .await
            .map_err(e)?;
        if n == 0 {
            tx.exec(
                "INSERT INTO wx_followers (openid, wx_token, updated_at) VALUES (?, ?, ?)",
                &[Arg::from(openid), Arg::from(wx_token), Arg::T(now)],
            )
            .await
            .map_err(e)?;
        }
        let cols = [
            i("subscribe"),
            s("nickname"),
            i("sex"),
            s("language"),
            s("city"),
            s("province"),
            s("country"),
            s("headimgurl"),
            Arg::D(subscribe_time),
            s("unionid"),
            s("remark"),
            i("groupid"),
            Arg::T(now),
        ];
        let mut args = cols.to_vec();
        args.push(Arg::from(openid));
        let n = tx
            .exec(
                "UPDATE wx_followers_info SET subscribe = ?, nickname = ?, sex = ?, language = ?, city = ?, province = ?, country = ?, \
                 headimgurl = ?, subscribe_time = ?, unionid = ?, remark = ?, groupid = ?, updated_at = ? WHERE openid = ?",
                &args,
            )
            .await
            .map_err(e)?;
        if n == 0 {
            let mut args = cols.to_vec();
            args.push(Arg::from(openid));
            args.push(Arg::T(now));
            tx.exec(
                "INSERT INTO wx_followers_info (subscribe, nickname, sex, language, city, province, country, headimgurl, subscribe_time, \
                 unionid, remark, groupid, updated_at, openid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &args,
            )
            .await
            .map_err(e)?;
        }
        tx.commit().await.map_err(e)
    }

    /// A follower's stored nickname (for checks and the token service).
    pub async fn follower_nickname(&self, openid: &str) -> Result<Option<String>> {
        let rows = self
            .r(false)
            .fetch("SELECT nickname FROM wx_followers_info WHERE openid = ? ORDER BY id DESC LIMIT 1", &[Arg::from(openid)], &[Col::S])
            .await
            .map_err(|e| self.err("loading a follower", e))?;
        Ok(rows.first().and_then(|r| r.s(0)))
    }

    /// Registers (or updates) an app of the token service.
    pub async fn save_app(&self, appid: &str, secret: &str) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving an app", e);
        let now = now_ms();
        let n = self
            .w()
            .exec("UPDATE wxtp_apps SET secret = ?, updated_at = ? WHERE appid = ?", &[Arg::from(secret), Arg::from(now), Arg::from(appid)])
            .await
            .map_err(e)?;
        if n == 0 {
            let sql = self.dialect().insert_ignore("wxtp_apps (appid, secret, created_at, updated_at) VALUES (?, ?, ?, ?)");
            self.w()
                .exec(&sql, &[Arg::from(appid), Arg::from(secret), Arg::from(now), Arg::from(now)])
                .await
                .map_err(e)?;
        }
        Ok(())
    }

    /// The app's secret, when registered.
    pub async fn app_secret(&self, appid: &str) -> Result<Option<String>> {
        let rows = self
            .r(true)
            .fetch("SELECT secret FROM wxtp_apps WHERE appid = ?", &[Arg::from(appid)], &[Col::S])
            .await
            .map_err(|e| self.err("loading an app", e))?;
        Ok(rows.first().and_then(|r| r.s(0)))
    }

    /// Every registered app id.
    pub async fn list_apps(&self) -> Result<Vec<String>> {
        let rows = self
            .r(false)
            .fetch("SELECT appid FROM wxtp_apps ORDER BY appid", &[], &[Col::S])
            .await
            .map_err(|e| self.err("listing apps", e))?;
        Ok(rows.iter().filter_map(|r| r.s(0)).collect())
    }
}
