//! Third-party platforms registered with the token service (wxtp_platforms):
//! the component secret it needs to refresh component_access_token itself.

use super::db::{Arg, Col};
use super::Store;
use crate::error::Result;
use crate::model::now_ms;

impl Store {
    /// Registers (or re-keys) a platform of the token service.
    pub async fn save_platform(&self, component_appid: &str, secret: &str) -> Result<()> {
        let e = |e: sqlx::Error| self.err("saving a platform", e);
        let now = now_ms();
        let args = [Arg::from(secret), Arg::from(now), Arg::from(component_appid)];
        let n = self.w().exec("UPDATE wxtp_platforms SET secret = ?, updated_at = ? WHERE component_appid = ?", &args).await.map_err(e)?;
        if n == 0 {
            let sql = self.dialect().insert_ignore("wxtp_platforms (component_appid, secret, created_at, updated_at) VALUES (?, ?, ?, ?)");
            let args = [Arg::from(component_appid), Arg::from(secret), Arg::from(now), Arg::from(now)];
            self.w().exec(&sql, &args).await.map_err(e)?;
        }
        Ok(())
    }

    /// The platform's component secret, when registered.
    pub async fn platform_secret(&self, component_appid: &str) -> Result<Option<String>> {
        let rows = self
            .r(true)
            .fetch("SELECT secret FROM wxtp_platforms WHERE component_appid = ?", &[Arg::from(component_appid)], &[Col::S])
            .await
            .map_err(|e| self.err("loading a platform", e))?;
        Ok(rows.first().and_then(|r| r.s(0)))
    }

    /// Every registered platform's component appid.
    pub async fn list_platforms(&self) -> Result<Vec<String>> {
        let rows = self
            .r(false)
            .fetch("SELECT component_appid FROM wxtp_platforms ORDER BY component_appid", &[], &[Col::S])
            .await
            .map_err(|e| self.err("listing platforms", e))?;
        Ok(rows.iter().filter_map(|r| r.s(0)).collect())
    }
}
