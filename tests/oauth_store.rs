//! OAuth's rows in the store, on each backend, against the sandbox: one
//! upserted row per (appid, openid), a rejected exchange leaves it alone,
//! session keys kept per openid, and a kept key decrypts the client's data.

#[path = "sandbox_common/mod.rs"]
mod sandbox_common;
#[path = "store_support/mod.rs"]
mod store_support;

use sandbox_common::{APP, APP_SECRET};
use store_support::*;
use wxthirdparty::oauth::OAuth;
use wxthirdparty::sandbox::SandboxConfig;

async fn user_tokens(b: Backend) {
    let db = TestDb::create(b).await;
    let sb = sandbox_common::start(SandboxConfig::default()).await;
    let oauth = OAuth::new(APP, APP_SECRET, false, Some(&db.url), Some(&sb.url())).unwrap();
    let openid = "o_oauth_store_user_000000000";
    let rows = format!("SELECT COUNT(*) FROM wxtp_tokens WHERE kind = 'oauth_access_token' AND appid = '{APP}:{openid}'");
    let value = format!("SELECT value FROM wxtp_tokens WHERE kind = 'oauth_access_token' AND appid = '{APP}:{openid}'");

    let first = oauth.access_token(&sb.oauth_code(APP, Some(openid), "snsapi_userinfo", None).code, true).await.unwrap();
    assert_eq!(db.scalar(&rows).await.as_deref(), Some("1"));
    let second = oauth.access_token(&sb.oauth_code(APP, Some(openid), "snsapi_userinfo", None).code, true).await.unwrap();
    assert_ne!(first.access_token, second.access_token);
    assert_eq!(db.scalar(&rows).await.as_deref(), Some("1"), "upserted, not appended");
    assert_eq!(db.scalar(&value).await, Some(second.access_token.clone()));

    // A rejected code: WeChat's error, and the row is as it was.
    let err = oauth.access_token("no-such-code", true).await.unwrap_err();
    assert_eq!(err.code(), Some(40029));
    assert_eq!(db.scalar(&value).await, Some(second.access_token.clone()));

    // Another OAuth on the same database (another process) reads it back whole.
    let other = OAuth::new(APP, APP_SECRET, false, Some(&db.url), Some(&sb.url())).unwrap();
    assert_eq!(other.stored_token(openid).await.unwrap(), Some(second.clone()));
    assert_eq!(other.user(openid, "zh_CN").await.unwrap()["openid"], openid);
    assert!(other.stored_token("o_never").await.unwrap().is_none());
    // Nothing secret in Debug output.
    let shown = format!("{second:?} {other:?}");
    assert!(!shown.contains(&second.access_token) && !shown.contains(&second.refresh_token) && !shown.contains(APP_SECRET));
    other.close().await;
    oauth.close().await;
}

async fn session_keys(b: Backend) {
    let db = TestDb::create(b).await;
    let sb = sandbox_common::start(SandboxConfig::default()).await;
    let mini = OAuth::new(APP, APP_SECRET, true, Some(&db.url), Some(&sb.url())).unwrap();
    let login = sb.js_code(APP, None, None);
    let client = login.client.clone().expect("a js_code comes with the client's data");
    let s = mini.session_key(&login.code, true).await.unwrap();
    assert_eq!(s.session_key, client.session_key);
    let stored = mini.stored_session_key(&s.openid).await.unwrap();
    let user = mini.decrypt(&stored, &client.encrypted_data, &client.iv).unwrap();
    assert_eq!(user["openId"], login.openid.as_str());
    assert_eq!(user["watermark"]["appid"], APP);
    // A second login replaces the key in the same row.
    let again = mini.session_key(&sb.js_code(APP, Some(&login.openid), None).code, true).await.unwrap();
    assert_eq!(mini.stored_session_key(&s.openid).await.unwrap(), again.session_key);
    let rows = format!("SELECT COUNT(*) FROM wxtp_tokens WHERE kind = 'session_key' AND appid = '{APP}:{}'", s.openid);
    assert_eq!(db.scalar(&rows).await.as_deref(), Some("1"));
    assert!(mini.stored_session_key("o_never").await.is_err());
    mini.close().await;
}

per_backend!(user_tokens, session_keys);
