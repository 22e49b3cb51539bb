//! Schema creation and migration on real MariaDB, PostgreSQL and SQLite:
//! empty database, a database holding the original wxthirdparty tables with
//! rows (original MySQL DDL: MyISAM, 3-byte utf8), emoji round-trips,
//! 4 processes migrating at once, passwords kept out of errors.

#[path = "store_support/mod.rs"]
mod store_support;

use store_support::*;
use wxthirdparty::store::{AuthorizerRecord, Store, StoreConfig, SCHEMA_VERSION};
use wxthirdparty::model::{Token, TokenKey, TokenKind};
use wxthirdparty::Error;

const TABLES: [&str; 13] = [
    "component_secrets",
    "wx_users_info",
    "wx_followers",
    "wx_followers_info",
    "wxtp_tokens",
    "wxtp_apps",
    "wxtp_schema",
    "wxtp_changes",
    "wxtp_rollouts",
    "wxtp_rollout_apps",
    "wxtp_console_users",
    "wxtp_console_sessions",
    "wxtp_console_audit",
];

/// The original DDL from the wxthirdparty README, verbatim (MySQL), and the
/// same tables as that library's users would have had them elsewhere.
const ORIGINAL_MYSQL: &str = include_str!("../__test__/fixtures/original-mysql.sql");

const ORIGINAL_PORTABLE: &str = r#"
CREATE TABLE component_secrets (id {id}, ticket VARCHAR(255), access_token VARCHAR(255), preauthcode VARCHAR(255), ticket_updated_at BIGINT, access_token_updated_at BIGINT, preauthcode_updated_at BIGINT, access_token_expires_in INT, preauthcode_expires_in INT);
CREATE TABLE wx_users_info (id {id}, appid VARCHAR(255), access_token VARCHAR(255), access_token_updated_at {ts}, access_token_expires_in {ts}, refresh_token VARCHAR(255), nick_name VARCHAR(255), head_img VARCHAR(255), service_type_id INT, verify_type_info VARCHAR(255), user_name VARCHAR(255), alias VARCHAR(255), wx_token VARCHAR(255));
CREATE TABLE wx_followers (id {id}, openid VARCHAR(255), updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, wx_token VARCHAR(255));
CREATE TABLE wx_followers_info (id {id}, subscribe INT, openid VARCHAR(255), nickname VARCHAR(255), sex INT, language VARCHAR(255), city VARCHAR(255), province VARCHAR(255), country VARCHAR(255), headimgurl VARCHAR(255), subscribe_time DATE, unionid VARCHAR(255), remark VARCHAR(255), groupid INT, updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, created_at {ts} NOT NULL);
"#;

/// Rows as the original library left them (no component_appid anywhere).
const ORIGINAL_ROWS: &str = r#"
INSERT INTO component_secrets (ticket, access_token, preauthcode, ticket_updated_at, access_token_updated_at, preauthcode_updated_at, access_token_expires_in, preauthcode_expires_in)
  VALUES ('ticket@@@legacy', 'legacy-cat', 'legacy-pac', 4102444800000, 4102444800000, 4102444800000, 7200, 1800);
INSERT INTO wx_users_info (appid, access_token, access_token_updated_at, access_token_expires_in, refresh_token, nick_name, service_type_id, verify_type_info, wx_token)
  VALUES ('wxlegacyaccount01', 'legacy-aat', '2015-05-01 10:00:00', '2015-05-01 12:00:00', 'refreshtoken@@@legacy', 'Old nick', 2, '0', 'legacy-wx-token');
INSERT INTO wx_followers (openid, wx_token) VALUES ('o-legacy-follower', 'legacy-wx-token');
INSERT INTO wx_followers_info (subscribe, openid, nickname, sex, created_at) VALUES (1, 'o-legacy-follower', 'follower', 1, '2015-05-01 10:00:00');
"#;

async fn create_original_tables(db: &TestDb) {
    let ddl = match db.backend {
        Backend::MySql => ORIGINAL_MYSQL.to_owned(),
        Backend::Postgres => ORIGINAL_PORTABLE.replace("{id}", "SERIAL PRIMARY KEY").replace("{ts}", "TIMESTAMP"),
        Backend::Sqlite => ORIGINAL_PORTABLE.replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT").replace("{ts}", "DATETIME"),
    };
    db.raw(&ddl).await;
    db.raw(ORIGINAL_ROWS).await;
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql).await.unwrap_or_default().parse().unwrap()
}

fn emoji_record(component: &str, appid: &str, wx_token: &str) -> AuthorizerRecord {
    AuthorizerRecord {
        component_appid: component.into(),
        appid: appid.into(),
        wx_token: wx_token.into(),
        nick_name: Some("小店 😀🎉 𝒜".into()),
        head_img: Some("http://wx.qlogo.cn/mmopen/x/0".into()),
        service_type_id: Some(2),
        verify_type_info: Some(0),
        user_name: Some("gh_123456789abc".into()),
        alias: Some("shop".into()),
        func_info: Some(r#"[{"funcscope_category":{"id":1}}]"#.into()),
        authorized: true,
        app_type: Some(wxthirdparty::store::MINI_PROGRAM.into()),
        mini_program_info: Some(r#"{"network":{"RequestDomain":["https://小店.example"]},"visit_status":0}"#.into()),
        principal_name: None,
    }
}

async fn fresh_schema(b: Backend) {
    let db = TestDb::create(b).await;
    let store = Store::connect(&db.config()).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap_or(0), 0);
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    for t in TABLES {
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {t}")).await >= 0, true, "{t} exists");
    }
    // Idempotent: a second run (and a second process's) changes nothing.
    store.migrate().await.unwrap();
    Store::connect(&db.config()).await.unwrap().migrate().await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM wxtp_schema").await, 1);
    if b == Backend::MySql {
        let bad = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND (ENGINE <> 'InnoDB' OR TABLE_COLLATION NOT LIKE 'utf8mb4%')",
                db.name
            ),
        )
        .await;
        assert_eq!(bad, 0, "every table InnoDB utf8mb4");
    }
    store.close().await;
}

async fn original_tables(b: Backend) {
    let db = TestDb::create(b).await;
    create_original_tables(&db).await;
    let store = db.store().await;
    let comp = "wxcomponent00001";

    // Rows untouched by the migration.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM component_secrets").await, 1);
    assert_eq!(db.scalar("SELECT refresh_token FROM wx_users_info WHERE appid = 'wxlegacyaccount01'").await.as_deref(), Some("refreshtoken@@@legacy"));
    assert_eq!(db.scalar("SELECT nickname FROM wx_followers_info WHERE openid = 'o-legacy-follower'").await.as_deref(), Some("follower"));
    if b == Backend::MySql {
        let conv = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND TABLE_NAME = 'wx_users_info' AND ENGINE = 'InnoDB' AND TABLE_COLLATION LIKE 'utf8mb4%'",
                db.name
            ),
        )
        .await;
        assert_eq!(conv, 1, "original MyISAM utf8 table converted in place");
    }

    // The original's secrets are readable by the first platform.
    let ticket = store.load_token(&TokenKey::component(comp, TokenKind::ComponentVerifyTicket), false).await.unwrap().unwrap();
    assert_eq!(ticket.value, "ticket@@@legacy");
    let cat = store.load_token(&TokenKey::component(comp, TokenKind::ComponentAccessToken), false).await.unwrap().unwrap();
    assert_eq!((cat.value.as_str(), cat.lifetime_ms()), ("legacy-cat", 7_200_000));
    // An authorizer known only to the original tables: its token with the
    // expiry the original wrote (long past here), and its refresh token.
    let akey = TokenKey::new(comp, TokenKind::AuthorizerAccessToken, "wxlegacyaccount01");
    let legacy = store.load_token(&akey, false).await.unwrap().unwrap();
    assert_eq!(legacy.refresh_token.as_deref(), Some("refreshtoken@@@legacy"));
    assert!(legacy.expires_at_ms > 0 && !legacy.is_valid_at(wxthirdparty::model::now_ms()), "{legacy:?}");
    let rec = store.authorizer_by_wx_token(comp, "legacy-wx-token").await.unwrap().unwrap();
    assert!(rec.app_type.is_none() && rec.mini_program_info.is_none(), "a legacy row's type is unknown, not guessed");
    assert_eq!((rec.appid.as_str(), rec.nick_name.as_deref(), rec.authorized), ("wxlegacyaccount01", Some("Old nick"), true));

    // Writing claims the legacy rows instead of adding new ones.
    let t = Token::new("new-aat", 7200).with_refresh_token("refreshtoken@@@rotated");
    store.save_token(&akey, &t).await.unwrap();
    store.save_token(&TokenKey::component(comp, TokenKind::ComponentAccessToken), &Token::new("new-cat", 7200)).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM wx_users_info").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM component_secrets").await, 1);
    assert_eq!(db.scalar("SELECT component_appid FROM wx_users_info").await.as_deref(), Some(comp));
    assert_eq!(db.scalar("SELECT refresh_token FROM wx_users_info").await.as_deref(), Some("refreshtoken@@@rotated"));
    assert_eq!(db.scalar("SELECT access_token FROM component_secrets").await.as_deref(), Some("new-cat"));
    assert_eq!(db.scalar("SELECT access_token_expires_in FROM component_secrets").await.as_deref(), Some("7200"));
    assert_eq!(db.scalar("SELECT ticket FROM component_secrets").await.as_deref(), Some("ticket@@@legacy"), "other columns kept");

    // Emoji into the converted table, and a second platform sharing the database.
    store.upsert_authorizer(&emoji_record(comp, "wxlegacyaccount01", "legacy-wx-token")).await.unwrap();
    let back = store.authorizer_by_appid(comp, "wxlegacyaccount01").await.unwrap().unwrap();
    assert_eq!(back, emoji_record(comp, "wxlegacyaccount01", "legacy-wx-token"));
    let other = "wxcomponent00002";
    assert!(store.authorizer_by_appid(other, "wxlegacyaccount01").await.unwrap().is_none(), "claimed by the first platform");
    assert!(store.load_token(&TokenKey::new(other, TokenKind::AuthorizerAccessToken, "wxlegacyaccount01"), false).await.unwrap().is_none());
    store.save_token(&TokenKey::component(other, TokenKind::ComponentAccessToken), &Token::new("other-cat", 7200)).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM component_secrets").await, 2);
    let mine = store.load_token(&TokenKey::component(comp, TokenKind::ComponentAccessToken), false).await.unwrap().unwrap();
    assert_eq!(mine.value, "new-cat");
    store.close().await;
}

async fn emoji_round_trip(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let rec = emoji_record("wxcomp", "wxauthorizer0001", "wxt-1");
    store.upsert_authorizer(&rec).await.unwrap();
    assert_eq!(store.authorizer_by_wx_token("wxcomp", "wxt-1").await.unwrap().unwrap(), rec);
    let info = serde_json::json!({"subscribe": 1, "openid": "o-emoji", "nickname": "阿猫🐱‍👤", "sex": 2,
        "city": "深圳", "subscribe_time": 1_700_000_000, "groupid": 0, "remark": ""});
    store.save_follower("wxt-1", &info).await.unwrap();
    store.save_follower("wxt-1", &info).await.unwrap();
    assert_eq!(store.follower_nickname("o-emoji").await.unwrap().as_deref(), Some("阿猫🐱‍👤"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM wx_followers_info").await, 1, "upsert, not duplicate");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM wx_followers").await, 1);
    let t = Token { extra: Some(serde_json::json!({"note": "🎫"})), ..Token::new("tok😀", 60) };
    let key = TokenKey::account("wxaccount", TokenKind::JsapiTicket);
    store.save_token(&key, &t).await.unwrap();
    let back = store.load_token(&key, true).await.unwrap().unwrap();
    assert_eq!((back.value.as_str(), back.extra), ("tok😀", t.extra));
}

/// A database migrated by the previous version (5) gains the authorizer
/// type columns; its rows stay and read back with the type unknown.
async fn version_5_gains_app_type(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let mut rec = emoji_record("wxcomp", "wxauthorizer0005", "wxt-5");
    store.upsert_authorizer(&rec).await.unwrap();
    db.raw("ALTER TABLE wx_users_info DROP COLUMN mini_program_info").await;
    db.raw("ALTER TABLE wx_users_info DROP COLUMN app_type").await;
    db.raw("DELETE FROM wxtp_schema").await;
    db.raw("INSERT INTO wxtp_schema (version, applied_at) VALUES (5, 0)").await;
    store.close().await;
    let store = db.store().await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    let back = store.authorizer_by_appid("wxcomp", "wxauthorizer0005").await.unwrap().unwrap();
    assert_eq!((back.app_type.as_deref(), back.func_scopes()), (None, vec![1]));
    store.upsert_authorizer(&rec).await.unwrap();
    assert_eq!(store.authorizer_by_appid("wxcomp", "wxauthorizer0005").await.unwrap().unwrap(), rec);
    rec.func_info = Some(r#"[{"funcscope_category":{"id":18}},{"funcscope_category":{"id":17}},{"funcscope_category":{"id":18}}]"#.into());
    assert_eq!((rec.is_mini_program(), rec.func_scopes()), (true, vec![17, 18]));
    store.close().await;
}

/// A database of version 6 gains the rollout tables (v7); a rollout's rows
/// round-trip, app writes are conditional on the state and intent read, the
/// driver's lease is held by one owner, and an audit verdict moves only an
/// app under audit.
async fn version_6_gains_rollouts(b: Backend) {
    use wxthirdparty::store::{RolloutApp, RolloutRow};
    let db = TestDb::create(b).await;
    let store = db.store().await;
    db.raw("DROP TABLE wxtp_rollout_apps").await;
    db.raw("DROP TABLE wxtp_rollouts").await;
    db.raw("DELETE FROM wxtp_schema").await;
    db.raw("INSERT INTO wxtp_schema (version, applied_at) VALUES (6, 0)").await;
    store.close().await;
    let store = db.store().await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);

    let row = RolloutRow { id: "r1".into(), component_appid: "wxcomp".into(), state: "running".into(), spec: r#"{"templateId":1}"#.into(), ..Default::default() };
    let app = |appid: &str| RolloutApp { appid: appid.into(), state: "pending".into(), ext_json: Some(format!(r#"{{"extAppid":"{appid}","n":"小店😀"}}"#)), ..Default::default() };
    let apps: Vec<_> = (0..150).map(|i| app(&format!("wxapp{i:04}"))).collect();
    store.create_rollout(&row, &apps).await.unwrap();
    let back = store.rollout_apps("r1").await.unwrap();
    assert_eq!(back.len(), 150);
    assert_eq!(back[0].ext_json.as_deref(), Some(r#"{"extAppid":"wxapp0000","n":"小店😀"}"#));
    assert_eq!(store.rollout("r1").await.unwrap().unwrap().spec, row.spec);

    // Intent written before the call; a second writer with a stale read loses.
    let mut a = back[0].clone();
    a.intent = Some("commit".into());
    a.commits = 1;
    assert!(store.save_rollout_app(&a, "pending", None).await.unwrap());
    assert!(!store.save_rollout_app(&a, "pending", None).await.unwrap(), "a stale writer does not move it");
    let mut done = a.clone();
    done.state = "auditing".into();
    done.intent = None;
    done.auditid = Some(7);
    assert!(store.save_rollout_app(&done, "pending", Some("commit")).await.unwrap());

    // An audit verdict moves the app under audit once; others are untouched.
    assert_eq!(store.rollout_audit_verdict("wxcomp", "wxapp0000", false, Some("类目不符"), Some(r#"["m1"]"#)).await.unwrap(), 1);
    assert_eq!(store.rollout_audit_verdict("wxcomp", "wxapp0000", true, None, None).await.unwrap(), 0);
    assert_eq!(store.rollout_audit_verdict("wxcomp", "wxapp0001", true, None, None).await.unwrap(), 0);
    assert_eq!(store.rollout_audit_verdict("wxother", "wxapp0000", true, None, None).await.unwrap(), 0);
    let got = store.rollout_apps("r1").await.unwrap().remove(0);
    assert_eq!((got.state.as_str(), got.reason.as_deref(), got.auditid), ("rejected", Some("类目不符"), Some(7)));

    // One driver at a time.
    assert!(store.try_rollout_lease("r1", "p1", 60_000).await.unwrap());
    assert!(!store.try_rollout_lease("r1", "p2", 60_000).await.unwrap());
    assert!(store.orphan_rollouts("wxcomp").await.unwrap().is_empty());
    store.release_rollout_lease("r1", "p1").await.unwrap();
    assert_eq!(store.orphan_rollouts("wxcomp").await.unwrap(), vec!["r1".to_owned()]);
    assert!(store.try_rollout_lease("r1", "p2", 60_000).await.unwrap());
    assert!(store.set_rollout_state("r1", &["running"], "paused", Some("quota")).await.unwrap());
    assert!(!store.set_rollout_state("r1", &["running"], "done", None).await.unwrap());
    assert_eq!(store.rollouts("wxcomp").await.unwrap()[0].reason.as_deref(), Some("quota"));
    store.close().await;
}

/// A store at v8 (the console's tables, before its data step): the upgrade
/// adds the token rows' writer and last-error columns, the principal name
/// and the per-minute message table, keeping every row.
async fn version_8_gains_console_data(b: Backend) {
    use wxthirdparty::model::{Token, TokenKey, TokenKind};
    use wxthirdparty::store::message_minutes::{MessageCounts, MinuteCounts};
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let key = TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxauth");
    store.save_token(&key, &Token::new("kept-token", 7200)).await.unwrap();
    for (table, column) in [("wxtp_tokens", "updated_by"), ("wxtp_tokens", "last_error"), ("wxtp_tokens", "last_errcode"), ("wxtp_tokens", "last_error_at"), ("wx_users_info", "principal_name")] {
        db.raw(&format!("ALTER TABLE {table} DROP COLUMN {column}")).await;
    }
    db.raw("DROP TABLE wxtp_message_minutes").await;
    db.raw("DELETE FROM wxtp_schema").await;
    db.raw("INSERT INTO wxtp_schema (version, applied_at) VALUES (8, 0)").await;
    store.close().await;
    let store = db.store().await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(store.load_token(&key, true).await.unwrap().unwrap().value, "kept-token");
    store.save_token_by(&key, &Token::new("next-token", 7200), Some("host:1:beef")).await.unwrap();
    store.record_refresh_error(&key, Some(40001), "invalid credential").await.unwrap();
    let mut rec = emoji_record("wxcomp", "wxauth", "wxtoken-1");
    rec.principal_name = Some("小店 Ltd".into());
    store.upsert_authorizer(&rec).await.unwrap();
    assert_eq!(store.authorizer_by_appid("wxcomp", "wxauth").await.unwrap().unwrap().principal_name.as_deref(), Some("小店 Ltd"));
    let c = MessageCounts { deliveries: 1, ..Default::default() };
    store.add_message_counts(&[MinuteCounts { component_appid: "wxcomp".into(), appid: "wxauth".into(), minute: 60_000, counts: c }]).await.unwrap();
    assert_eq!(store.message_minutes("wxcomp", 0).await.unwrap(), vec![(60_000, c)]);
    let errors = store.refresh_errors("wxcomp", 5).await.unwrap();
    assert_eq!((errors.len(), errors[0].updated_by.as_deref()), (1, Some("host:1:beef")), "{}", b.name());
    store.close().await;
}

per_backend!(fresh_schema, original_tables, emoji_round_trip, version_5_gains_app_type, version_6_gains_rollouts, version_8_gains_console_data);

/// Child: connect and migrate, as a process starting up would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_migrate() {
    if child_role().as_deref() != Some("migrate") {
        return;
    }
    let url = std::env::var("WXTP_CHILD_URL").unwrap();
    let store = Store::connect(&StoreConfig::new(url)).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
}

async fn four_processes_migrate(b: Backend) {
    let db = TestDb::create(b).await;
    if b != Backend::Sqlite {
        create_original_tables(&db).await; // the slow path: conversions and ALTERs
    }
    let children: Vec<_> =
        (0..4).map(|_| spawn_child("child_migrate", "migrate", &[("WXTP_CHILD_URL", db.url.clone())])).collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "every process migrates successfully");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM wxtp_schema").await, 1, "steps ran once");
    if b != Backend::Sqlite {
        assert_eq!(count(&db, "SELECT COUNT(*) FROM wx_users_info").await, 1);
    }
}

per_backend!(four_processes_migrate);

#[tokio::test]
async fn password_never_in_errors() {
    let secret = "S3cr3t-Pw_4711";
    let mut u = url::Url::parse(&mysql_admin()).unwrap();
    u.set_username("wxtp_nobody").unwrap();
    u.set_password(Some(secret)).unwrap();
    let mut p = url::Url::parse(&postgres_admin()).unwrap();
    p.set_password(Some(secret)).unwrap();
    p.set_port(Some(1)).unwrap();
    for url in [u.to_string(), p.to_string(), format!("mysql://root:{secret}@127.0.0.1:1/x"), format!("postgres://u:{secret}@[::1/x")] {
        let err = Store::connect(&StoreConfig::new(url)).await.expect_err("cannot connect");
        assert!(matches!(err, Error::Store(_) | Error::InvalidArgument { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains(secret), "{err:?}");
    }
}
