//! Versioned, additive migrations, run under a database-wide lock (MySQL
//! GET_LOCK, Postgres advisory lock, SQLite BEGIN IMMEDIATE) so N processes
//! starting at once all succeed and the steps run once. Each step is also
//! idempotent on its own (MySQL DDL is not transactional: a crash halfway must
//! not wedge the next start). Existing tables and rows are never dropped.

use super::db::{Arg, Col, Conn, Dialect};
use super::Store;
use crate::error::Result;
use crate::model::now_ms;

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = CONSOLE_DATA_VERSION;

/// The original wxthirdparty tables. On MySQL this is the original DDL, but
/// InnoDB + utf8mb4 for new installs (transactions; emoji nicknames).
const ORIGINAL_MYSQL: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS `component_secrets` (`id` int(10) NOT NULL AUTO_INCREMENT, `ticket` varchar(255) DEFAULT NULL, `access_token` varchar(255) DEFAULT NULL, `preauthcode` varchar(255) DEFAULT NULL, `ticket_updated_at` bigint(20) DEFAULT NULL, `access_token_updated_at` bigint(20) DEFAULT NULL, `preauthcode_updated_at` bigint(20) DEFAULT NULL, `access_token_expires_in` int(64) DEFAULT NULL, `preauthcode_expires_in` int(64) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS `wx_users_info` (`id` int(10) NOT NULL AUTO_INCREMENT, `appid` varchar(255) DEFAULT NULL, `access_token` varchar(255) DEFAULT NULL, `access_token_updated_at` datetime DEFAULT NULL, `access_token_expires_in` datetime DEFAULT NULL, `refresh_token` varchar(255) DEFAULT NULL, `nick_name` varchar(255) DEFAULT NULL, `head_img` varchar(255) DEFAULT NULL, `service_type_id` int(11) DEFAULT NULL, `verify_type_info` varchar(255) DEFAULT NULL, `user_name` varchar(255) DEFAULT NULL, `alias` varchar(255) DEFAULT NULL, `wx_token` varchar(255) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS `wx_followers` (`id` int(10) NOT NULL AUTO_INCREMENT, `openid` varchar(255) DEFAULT NULL, `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, `wx_token` varchar(255) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS `wx_followers_info` (`id` int(10) NOT NULL AUTO_INCREMENT, `subscribe` int(11) DEFAULT NULL, `openid` varchar(255) DEFAULT NULL, `nickname` varchar(255) DEFAULT NULL, `sex` int(11) DEFAULT NULL, `language` varchar(255) DEFAULT NULL, `city` varchar(255) DEFAULT NULL, `province` varchar(255) DEFAULT NULL, `country` varchar(255) DEFAULT NULL, `headimgurl` varchar(255) DEFAULT NULL, `subscribe_time` date DEFAULT NULL, `unionid` varchar(255) DEFAULT NULL, `remark` varchar(255) DEFAULT NULL, `groupid` int(11) DEFAULT NULL, `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, `created_at` datetime NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
];

/// The same tables translated for Postgres / SQLite (`{id}` and `{ts}` vary).
const ORIGINAL_PORTABLE: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS component_secrets (id {id}, ticket VARCHAR(255), access_token VARCHAR(255), preauthcode VARCHAR(255), ticket_updated_at BIGINT, access_token_updated_at BIGINT, preauthcode_updated_at BIGINT, access_token_expires_in BIGINT, preauthcode_expires_in BIGINT)",
    "CREATE TABLE IF NOT EXISTS wx_users_info (id {id}, appid VARCHAR(255), access_token VARCHAR(255), access_token_updated_at {ts}, access_token_expires_in {ts}, refresh_token VARCHAR(255), nick_name VARCHAR(255), head_img VARCHAR(255), service_type_id BIGINT, verify_type_info VARCHAR(255), user_name VARCHAR(255), alias VARCHAR(255), wx_token VARCHAR(255))",
    "CREATE TABLE IF NOT EXISTS wx_followers (id {id}, openid VARCHAR(255), updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, wx_token VARCHAR(255))",
    "CREATE TABLE IF NOT EXISTS wx_followers_info (id {id}, subscribe BIGINT, openid VARCHAR(255), nickname VARCHAR(255), sex BIGINT, language VARCHAR(255), city VARCHAR(255), province VARCHAR(255), country VARCHAR(255), headimgurl VARCHAR(255), subscribe_time DATE, unionid VARCHAR(255), remark VARCHAR(255), groupid BIGINT, updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, created_at {ts} NOT NULL)",
];

/// New tables, created (when missing) by every migration. A feature that
/// needs a table adds a line here and bumps SCHEMA_VERSION.
/// `{bin}` is MySQL's binary collation for case-sensitive keys.
const WXTP_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS wxtp_tokens (component_appid VARCHAR(64) {bin} NOT NULL, kind VARCHAR(32) {bin} NOT NULL, appid VARCHAR(191) {bin} NOT NULL, value TEXT NOT NULL, expires_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0, refresh_token TEXT NULL, extra TEXT NULL, lease_owner VARCHAR(128) NULL, lease_until BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (component_appid, kind, appid)){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_apps (appid VARCHAR(64) {bin} NOT NULL PRIMARY KEY, secret VARCHAR(255) NOT NULL, created_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_platforms (component_appid VARCHAR(64) {bin} NOT NULL PRIMARY KEY, secret VARCHAR(255) NOT NULL, created_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_messages (scope VARCHAR(64) {bin} NOT NULL, msg_key VARCHAR(191) {bin} NOT NULL, owner VARCHAR(32) NULL, state INT NOT NULL DEFAULT 0, reply TEXT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (scope, msg_key)){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_schema (version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_changes (id {serial}, component_appid VARCHAR(64) {bin} NOT NULL, kind VARCHAR(32) {bin} NOT NULL, appid VARCHAR(191) {bin} NOT NULL, at BIGINT NOT NULL){engine}",
    // v7: rollouts of a template version to many mini programs (src/rollout).
    "CREATE TABLE IF NOT EXISTS wxtp_rollouts (id VARCHAR(64) {bin} NOT NULL PRIMARY KEY, component_appid VARCHAR(64) {bin} NOT NULL, state VARCHAR(16) NOT NULL, reason TEXT NULL, spec TEXT NOT NULL, lease_owner VARCHAR(128) NULL, lease_until BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_rollout_apps (rollout_id VARCHAR(64) {bin} NOT NULL, appid VARCHAR(64) {bin} NOT NULL, state VARCHAR(16) NOT NULL, intent VARCHAR(16) NULL, ext_json TEXT NULL, audit TEXT NULL, auditid BIGINT NULL, prev_auditid BIGINT NULL, reason TEXT NULL, screenshots TEXT NULL, error TEXT NULL, attempts BIGINT NOT NULL DEFAULT 0, commits BIGINT NOT NULL DEFAULT 0, submits BIGINT NOT NULL DEFAULT 0, releases BIGINT NOT NULL DEFAULT 0, gray_step BIGINT NOT NULL DEFAULT 0, next_at BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (rollout_id, appid)){engine}",
];

/// The operator console's step: its users (salted password hashes), sessions
/// (hashed ids) and audit log. Its own list and version, so renumbering it
/// at a merge is the one line below.
const CONSOLE_VERSION: i64 = 8;
const CONSOLE_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS wxtp_console_users (user_name VARCHAR(64) {bin} NOT NULL PRIMARY KEY, role VARCHAR(16) NOT NULL, salt VARCHAR(64) NOT NULL, pass_hash VARCHAR(128) NOT NULL, updated_at BIGINT NOT NULL DEFAULT 0){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_console_sessions (id_hash VARCHAR(64) {bin} NOT NULL PRIMARY KEY, user_name VARCHAR(64) NOT NULL, role VARCHAR(16) NOT NULL, csrf VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL DEFAULT 0){engine}",
    "CREATE TABLE IF NOT EXISTS wxtp_console_audit (id {serial}, at BIGINT NOT NULL, user_name VARCHAR(64) NOT NULL, role VARCHAR(16) NOT NULL, action VARCHAR(64) NOT NULL, target VARCHAR(191) NOT NULL, outcome VARCHAR(255) NOT NULL){engine}",
];

/// v9: the CreateTime of the latest authorization push handled per
/// authorizer, so revocations are ordered as tickets are (src/component/push.rs).
const PUSH_ORDER_VERSION: i64 = 9;
const PUSH_ORDER_COLUMNS: [(&str, &str, &str); 1] = [("wx_users_info", "authorization_pushed_at", "BIGINT")];

/// The console's data step: who wrote each token and its last refresh
/// error (columns of wxtp_tokens), the authorizer's principal_name, and
/// message counts per minute per authorizer (added to in batches by each
/// process's inbox). Its own step after v9.
const CONSOLE_DATA_VERSION: i64 = 10;
// The steps stay in order.
const _: () = assert!(CONSOLE_VERSION < PUSH_ORDER_VERSION && PUSH_ORDER_VERSION < CONSOLE_DATA_VERSION);
const CONSOLE_DATA_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS wxtp_message_minutes (component_appid VARCHAR(64) {bin} NOT NULL, appid VARCHAR(191) {bin} NOT NULL, minute BIGINT NOT NULL, deliveries BIGINT NOT NULL DEFAULT 0, handler_failures BIGINT NOT NULL DEFAULT 0, reply_failed BIGINT NOT NULL DEFAULT 0, retries BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (component_appid, minute, appid)){engine}",
];
const CONSOLE_DATA_COLUMNS: [(&str, &str, &str); 5] = [
    ("wxtp_tokens", "updated_by", "VARCHAR(128)"),
    ("wxtp_tokens", "last_error", "VARCHAR(255)"),
    ("wxtp_tokens", "last_errcode", "BIGINT"),
    ("wxtp_tokens", "last_error_at", "BIGINT"),
    ("wx_users_info", "principal_name", "VARCHAR(255)"),
];

const ORIGINAL_NAMES: [&str; 4] = ["component_secrets", "wx_users_info", "wx_followers", "wx_followers_info"];

/// Columns the original tables lacked (all nullable: old rows stay valid).
/// Added when missing by v1 and by any version that appends one here.
const ADDED_COLUMNS: [(&str, &str, &str); 6] = [
    ("component_secrets", "component_appid", "VARCHAR(64)"),
    ("wx_users_info", "component_appid", "VARCHAR(64)"),
    ("wx_users_info", "authorized", "INT"),
    ("wx_users_info", "func_info", "TEXT"),
    // v6: what the authorizer is (official account or mini program).
    ("wx_users_info", "app_type", "VARCHAR(32)"),
    ("wx_users_info", "mini_program_info", "TEXT"),
];

/// The schema version that last appended to ADDED_COLUMNS.
const COLUMNS_VERSION: i64 = 6;

/// (table, index name, unique, columns; MySQL needs key prefixes on varchar(255)).
const INDEXES: [(&str, &str, bool, &str, &str); 5] = [
    ("component_secrets", "wxtp_cs_component", true, "component_appid", "component_appid"),
    ("wx_users_info", "wxtp_wui_component_appid", true, "component_appid, appid", "component_appid, appid(100)"),
    ("wx_users_info", "wxtp_wui_wx_token", false, "wx_token", "wx_token(100)"),
    ("wx_followers", "wxtp_wf_openid", false, "openid", "openid(100)"),
    ("wx_followers_info", "wxtp_wfi_openid", false, "openid", "openid(100)"),
];

impl Store {
    /// Creates or upgrades the schema. Cheap when already current.
    pub async fn migrate(&self) -> Result<()> {
        if self.schema_version().await.unwrap_or(0) >= SCHEMA_VERSION {
            return Ok(());
        }
        let e = |e: sqlx::Error| self.err("migration failed", e);
        let mut conn = self.w().acquire().await.map_err(e)?;
        lock(&mut conn).await.map_err(e)?;
        let result = self.migrate_locked(&mut conn).await;
        let unlocked = unlock(&mut conn, result.is_ok()).await.map_err(e);
        result?;
        unlocked
    }

    /// The applied schema version (0 when none).
    pub async fn schema_version(&self) -> Result<i64> {
        let rows = self
            .w()
            .fetch("SELECT MAX(version) FROM wxtp_schema", &[], &[Col::I])
            .await
            .map_err(|e| self.err("reading schema version", e))?;
        Ok(rows.first().and_then(|r| r.i(0)).unwrap_or(0))
    }

    async fn migrate_locked(&self, c: &mut Conn) -> Result<()> {
        let e = |e: sqlx::Error| self.err("migration failed", e);
        let d = c.dialect();
        for t in WXTP_TABLES.iter().chain(CONSOLE_TABLES).chain(CONSOLE_DATA_TABLES).copied() {
            let sql = match d {
                Dialect::MySql => t.replace("{bin}", "COLLATE utf8mb4_bin").replace("{engine}", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
                _ => t.replace("{bin}", "").replace("{engine}", ""),
            };
            let sql = sql.replace("{serial}", serial(d));
            c.raw(&sql).await.map_err(e)?;
        }
        let current = c
            .fetch("SELECT MAX(version) FROM wxtp_schema", &[], &[Col::I])
            .await
            .map_err(e)?
            .first()
            .and_then(|r| r.i(0))
            .unwrap_or(0);
        if current < 1 {
            self.v1(c).await.map_err(e)?;
        } else if current < COLUMNS_VERSION {
            add_columns(c).await.map_err(e)?;
        }
        if current < PUSH_ORDER_VERSION {
            add_columns_of(c, &PUSH_ORDER_COLUMNS).await.map_err(e)?;
        }
        if current < CONSOLE_DATA_VERSION {
            // After v1: wx_users_info exists by now.
            add_columns_of(c, &CONSOLE_DATA_COLUMNS).await.map_err(e)?;
        }
        if current < SCHEMA_VERSION {
            // Later versions add WXTP_TABLES lines (created above) or ADDED_COLUMNS.
            c.exec("INSERT INTO wxtp_schema (version, applied_at) VALUES (?, ?)", &[Arg::from(SCHEMA_VERSION), Arg::from(now_ms())])
                .await
                .map_err(e)?;
        }
        Ok(())
    }

    /// v1: the original tables (when missing), upgraded to utf8mb4/InnoDB on
    /// MySQL, plus the columns and indexes the platform key needs.
    async fn v1(&self, c: &mut Conn) -> std::result::Result<(), sqlx::Error> {
        let d = c.dialect();
        for (i, name) in ORIGINAL_NAMES.iter().enumerate() {
            if d == Dialect::MySql {
                c.raw(ORIGINAL_MYSQL[i]).await?;
                convert_mysql_table(c, name).await?;
            } else {
                let (id, ts) = match d {
                    Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMP"),
                    _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "DATETIME"),
                };
                c.raw(&ORIGINAL_PORTABLE[i].replace("{id}", id).replace("{ts}", ts)).await?;
            }
        }
        add_columns(c).await?;
        for (table, name, unique, cols, mysql_cols) in INDEXES {
            let u = if unique { "UNIQUE " } else { "" };
            if d == Dialect::MySql {
                if !has_mysql_index(c, table, name).await? {
                    c.raw(&format!("CREATE {u}INDEX {name} ON {table} ({mysql_cols})")).await?;
                }
            } else {
                c.raw(&format!("CREATE {u}INDEX IF NOT EXISTS {name} ON {table} ({cols})")).await?;
            }
        }
        Ok(())
    }
}

/// Each of ADDED_COLUMNS, when its table lacks it.
async fn add_columns(c: &mut Conn) -> std::result::Result<(), sqlx::Error> {
    add_columns_of(c, &ADDED_COLUMNS).await
}

async fn add_columns_of(c: &mut Conn, columns: &[(&str, &str, &str)]) -> std::result::Result<(), sqlx::Error> {
    for &(table, column, ty) in columns {
        if !has_column(c, table, column).await? {
            c.raw(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty} NULL")).await?;
        }
    }
    Ok(())
}

/// An auto-incremented BIGINT primary key.
fn serial(d: Dialect) -> &'static str {
    match d {
        Dialect::MySql => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
    }
}

/// An original table still MyISAM or not utf8mb4 (the original DDL is MyISAM
/// utf8, which cannot hold emoji nor take part in transactions) is converted
/// in place; both changes keep every row. If the engine change is refused, the
/// charset alone is converted; if that too fails the table is left as it is.
async fn convert_mysql_table(c: &mut Conn, table: &str) -> std::result::Result<(), sqlx::Error> {
    let rows = c
        .fetch(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             AND (ENGINE <> 'InnoDB' OR TABLE_COLLATION NOT LIKE 'utf8mb4%')",
            &[Arg::from(table)],
            &[Col::I],
        )
        .await?;
    if rows.first().and_then(|r| r.i(0)).unwrap_or(0) == 0 {
        return Ok(());
    }
    let both = format!("ALTER TABLE `{table}` ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    if c.raw(&both).await.is_err() {
        let _ = c.raw(&format!("ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")).await;
    }
    Ok(())
}

async fn has_column(c: &mut Conn, table: &str, column: &str) -> std::result::Result<bool, sqlx::Error> {
    let sql = match c.dialect() {
        Dialect::MySql => "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        Dialect::Postgres => "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?",
        Dialect::Sqlite => "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?",
    };
    let rows = c.fetch(sql, &[Arg::from(table), Arg::from(column)], &[Col::I]).await?;
    Ok(rows.first().and_then(|r| r.i(0)).unwrap_or(0) > 0)
}

async fn has_mysql_index(c: &mut Conn, table: &str, index: &str) -> std::result::Result<bool, sqlx::Error> {
    let rows = c
        .fetch(
            "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?",
            &[Arg::from(table), Arg::from(index)],
            &[Col::I],
        )
        .await?;
    Ok(rows.first().and_then(|r| r.i(0)).unwrap_or(0) > 0)
}

async fn lock(c: &mut Conn) -> std::result::Result<(), sqlx::Error> {
    match c.dialect() {
        Dialect::MySql => {
            // Waits up to 10 min for another process's migration.
            let rows = c.fetch("SELECT GET_LOCK(CONCAT('wxtp_migrate.', DATABASE()), 600)", &[], &[Col::I]).await?;
            if rows.first().and_then(|r| r.i(0)) != Some(1) {
                return Err(sqlx::Error::Protocol("could not take the migration lock".into()));
            }
            Ok(())
        }
        Dialect::Postgres => c.raw("SELECT pg_advisory_lock(hashtext('wxtp_migrate.' || current_schema()))").await,
        Dialect::Sqlite => c.raw("BEGIN IMMEDIATE").await,
    }
}

async fn unlock(c: &mut Conn, ok: bool) -> std::result::Result<(), sqlx::Error> {
    match c.dialect() {
        Dialect::MySql => c.raw("DO RELEASE_LOCK(CONCAT('wxtp_migrate.', DATABASE()))").await,
        Dialect::Postgres => c.raw("SELECT pg_advisory_unlock(hashtext('wxtp_migrate.' || current_schema()))").await,
        Dialect::Sqlite => c.raw(if ok { "COMMIT" } else { "ROLLBACK" }).await,
    }
}
