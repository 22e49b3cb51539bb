//! Follower openids from a page of `/cgi-bin/user/get` (the original
//! library's getFollowers hook): one `wx_followers` row per openid, upserted.

use super::db::Arg;
use super::legacy::local_dt;
use super::Store;
use crate::error::Result;
use crate::model::now_ms;

impl Store {
    pub async fn save_follower_openids(&self, wx_token: &str, openids: &[String]) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving followers", e);
        let now = local_dt(now_ms());
        let mut tx = self.w().begin().await.map_err(e)?;
        for openid in openids.iter().filter(|o| !o.is_empty()) {
            let n = tx
                .exec("UPDATE wx_followers SET updated_at = ? WHERE openid = ? AND wx_token = ?", &[Arg::T(now), Arg::from(openid.as_str()), Arg::from(wx_token)])
                .await
                .map_err(e)?;
            if n == 0 {
                tx.exec("INSERT INTO wx_followers (openid, wx_token, updated_at) VALUES (?, ?, ?)", &[Arg::from(openid.as_str()), Arg::from(wx_token), Arg::T(now)])
                    .await
                    .map_err(e)?;
            }
        }
        tx.commit().await.map_err(e)
    }
}
