//! Token rows, leases, authorizers and the read/write split, on each backend.

#[path = "store_support/mod.rs"]
mod store_support;

use store_support::*;
use wxthirdparty::store::{AuthorizerRecord, Revocation, Store, StoreConfig};
use wxthirdparty::model::{Token, TokenKey, TokenKind};

async fn tokens(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let key = TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxauth");
    assert!(store.load_token(&key, false).await.unwrap().is_none());

    let t1 = Token::new("aat-1", 7200).with_refresh_token("rt-1");
    store.save_token(&key, &t1).await.unwrap();
    assert_eq!(store.load_token(&key, false).await.unwrap(), Some(t1.clone()));
    // A token without a refresh token keeps the stored one; a new one replaces it.
    let t2 = Token::new("aat-2", 7200);
    store.save_token(&key, &t2).await.unwrap();
    assert_eq!(store.load_token(&key, true).await.unwrap().unwrap().refresh_token.as_deref(), Some("rt-1"));
    store.save_token(&key, &Token::new("aat-3", 7200).with_refresh_token("rt-2")).await.unwrap();
    let now = store.load_token(&key, true).await.unwrap().unwrap();
    assert_eq!((now.value.as_str(), now.refresh_token.as_deref()), ("aat-3", Some("rt-2")));
    assert_eq!(db.scalar("SELECT refresh_token FROM wx_users_info WHERE appid = 'wxauth'").await.as_deref(), Some("rt-2"), "mirrored");

    // Compare-and-expire: only the token that failed.
    assert!(!store.expire_token_if(&key, "aat-1", true).await.unwrap(), "an old value is not expired");
    assert!(store.load_token(&key, true).await.unwrap().unwrap().expires_at_ms > 0);
    assert!(store.expire_token_if(&key, "aat-3", true).await.unwrap());
    assert!(!store.expire_token_if(&key, "aat-3", true).await.unwrap(), "already expired");
    let expired = store.load_token(&key, true).await.unwrap().unwrap();
    assert_eq!((expired.expires_at_ms, expired.refresh_token.as_deref()), (0, Some("rt-2")), "refresh token survives");

    // Keys are independent: other component, kind, appid.
    for other in [
        TokenKey::new("wxcomp2", TokenKind::AuthorizerAccessToken, "wxauth"),
        TokenKey::new("wxcomp", TokenKind::JsapiTicket, "wxauth"),
        TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxAUTH"),
    ] {
        assert!(store.load_token(&other, true).await.unwrap().is_none(), "{other:?}");
    }
    store.delete_token(&key).await.unwrap();
    assert!(store.load_token(&key, true).await.unwrap().unwrap().refresh_token.is_some(), "falls back to wx_users_info");
}

/// A rejected component token takes the pre_auth_code issued under it along,
/// in the same transaction when WeChat voided it (not when it ran out);
/// nothing else, and only when it did expire.
async fn component_rejection_expires_pre_auth_code(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let cat = TokenKey::component("wxcomp", TokenKind::ComponentAccessToken);
    let pre = TokenKey::component("wxcomp", TokenKind::PreAuthCode);
    let other = TokenKey::component("wxcomp2", TokenKind::PreAuthCode);
    store.save_token(&cat, &Token::new("cat-1", 7200)).await.unwrap();
    for k in [&pre, &other] {
        store.save_token(k, &Token::new("pre-1", 1800)).await.unwrap();
    }
    assert!(!store.expire_token_if(&cat, "cat-0", true).await.unwrap());
    assert!(store.load_token(&pre, true).await.unwrap().unwrap().expires_at_ms > 0, "an old value expires nothing");
    // A component token that ran out (42001) voids nothing WeChat issued under it.
    assert!(store.expire_token_if(&cat, "cat-1", false).await.unwrap());
    assert!(store.load_token(&pre, true).await.unwrap().unwrap().expires_at_ms > 0, "a natural expiry keeps the pre_auth_code");
    store.save_token(&cat, &Token::new("cat-1", 7200)).await.unwrap();
    assert!(store.expire_token_if(&cat, "cat-1", true).await.unwrap());
    assert_eq!(store.load_token(&pre, true).await.unwrap().unwrap().expires_at_ms, 0, "the pre_auth_code went with it");
    assert!(store.load_token(&other, true).await.unwrap().unwrap().expires_at_ms > 0, "another component's stays");
    let kinds: Vec<String> = store.changes_since("wxcomp", 0, 100).await.unwrap().into_iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&"pre_auth_code".to_string()), "the feed tells the fleet: {kinds:?}");
}

async fn leases(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let key = TokenKey::component("wxcomp", TokenKind::ComponentAccessToken);
    // Free (no row yet): the first taker wins, others lose.
    assert!(store.try_lease(&key, "A", 300).await.unwrap());
    assert!(!store.try_lease(&key, "B", 300).await.unwrap());
    assert!(store.load_token(&key, true).await.unwrap().is_none(), "a lease alone is no token");
    assert!(store.try_lease(&key, "A", 300).await.unwrap(), "renewed by its holder");
    assert_eq!(store.lease_holder(&key).await.unwrap().map(|h| h.0).as_deref(), Some("A"));
    store.release_lease(&key, "B").await.unwrap();
    assert!(!store.try_lease(&key, "B", 300).await.unwrap(), "only the holder releases");
    store.release_lease(&key, "A").await.unwrap();
    assert!(store.try_lease(&key, "B", 200).await.unwrap(), "released → free");
    // Expiry: a holder that vanished loses it.
    tokio::time::sleep(std::time::Duration::from_millis(260)).await;
    assert!(store.lease_holder(&key).await.unwrap().is_none());
    assert!(store.try_lease(&key, "C", 300).await.unwrap(), "expired → taken over");
    // Saving a token keeps the lease row's lease.
    store.save_token(&key, &Token::new("cat", 7200)).await.unwrap();
    assert!(!store.try_lease(&key, "D", 300).await.unwrap());

    // 16 concurrent contenders for a free lease: exactly one wins.
    let key2 = TokenKey::component("wxcomp", TokenKind::PreAuthCode);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (s, k) = (store.clone(), key2.clone());
        tasks.push(tokio::spawn(async move { s.try_lease(&k, &format!("owner-{i}"), 5_000).await.unwrap() }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.unwrap() as usize;
    }
    assert_eq!(wins, 1);
}

async fn authorizers(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let mk = |appid: &str, tok: &str| AuthorizerRecord {
        component_appid: "wxcomp".into(),
        appid: appid.into(),
        wx_token: tok.into(),
        nick_name: Some(format!("nick {appid}")),
        head_img: None,
        service_type_id: Some(2),
        verify_type_info: Some(-1),
        user_name: Some("gh_x".into()),
        alias: None,
        func_info: None,
        authorized: true,
        app_type: None,
        mini_program_info: None,
        principal_name: None,
    };
    store.upsert_authorizer(&mk("wxa2", "t2")).await.unwrap();
    store.upsert_authorizer(&mk("wxa1", "t1")).await.unwrap();
    let mut changed = mk("wxa1", "t1b");
    changed.nick_name = Some("renamed".into());
    store.upsert_authorizer(&changed).await.unwrap();
    assert_eq!(store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap(), Some(changed.clone()));
    assert_eq!(store.authorizer_by_wx_token("wxcomp", "t1b").await.unwrap(), Some(changed.clone()));
    assert!(store.authorizer_by_wx_token("wxcomp", "t1").await.unwrap().is_none());
    assert!(store.authorizer_by_appid("wxother", "wxa1").await.unwrap().is_none());
    let all = store.list_authorizers("wxcomp").await.unwrap();
    assert_eq!(all.iter().map(|a| a.appid.as_str()).collect::<Vec<_>>(), ["wxa1", "wxa2"]);

    // The authorizer token and its tickets; revoking drops them all.
    let k1 = TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxa1");
    let k2 = TokenKey::new("wxcomp", TokenKind::JsapiTicket, "wxa1");
    store.save_token(&k1, &Token::new("aat", 7200).with_refresh_token("rt")).await.unwrap();
    store.save_token(&k2, &Token::new("ticket", 7200)).await.unwrap();
    assert_eq!(store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap(), Some(changed.clone()), "tokens don't touch the profile");
    assert!(store.set_authorizer_revoked("wxcomp", "wxa1").await.unwrap());
    assert!(!store.set_authorizer_revoked("wxcomp", "wxnobody").await.unwrap());
    assert!(store.load_token(&k1, true).await.unwrap().is_none(), "no refresh token left to use");
    assert!(store.load_token(&k2, true).await.unwrap().is_none());
    assert!(!store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap().unwrap().authorized);
    assert!(store.authorizer_by_appid("wxcomp", "wxa2").await.unwrap().unwrap().authorized);

    // Re-authorizing brings it back.
    store.upsert_authorizer(&changed).await.unwrap();
    assert!(store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap().unwrap().authorized);

    // Apps of the token service.
    store.save_app("wxapp1", "secret-1").await.unwrap();
    store.save_app("wxapp1", "secret-2").await.unwrap();
    assert_eq!(store.app_secret("wxapp1").await.unwrap().as_deref(), Some("secret-2"));
    assert_eq!(store.list_apps().await.unwrap(), ["wxapp1"]);
}

/// Authorization pushes out of order (schema v9): a revocation created
/// before the last authorization handled is stale and changes nothing.
async fn revocations_in_push_order(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let rec = AuthorizerRecord {
        component_appid: "wxcomp".into(),
        appid: "wxa1".into(),
        wx_token: "t1".into(),
        nick_name: None,
        head_img: None,
        service_type_id: None,
        verify_type_info: None,
        user_name: None,
        alias: None,
        func_info: None,
        authorized: true,
        app_type: None,
        mini_program_info: None,
        principal_name: None,
    };
    store.upsert_authorizer(&rec).await.unwrap();
    assert_eq!(store.authorization_pushed_at("wxcomp", "wxa1").await.unwrap(), None);
    store.note_authorization_pushed("wxcomp", "wxa1", 2_000_000).await.unwrap();
    store.note_authorization_pushed("wxcomp", "wxa1", 1_000_000).await.unwrap();
    assert_eq!(store.authorization_pushed_at("wxcomp", "wxa1").await.unwrap(), Some(2_000_000), "never lowered");
    let k = TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxa1");
    store.save_token(&k, &Token::new("aat", 7200).with_refresh_token("rt")).await.unwrap();

    assert_eq!(store.revoke_authorizer("wxcomp", "wxa1", Some(1_999_000)).await.unwrap(), Revocation::Stale);
    assert!(store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap().unwrap().authorized);
    assert!(store.load_token(&k, true).await.unwrap().is_some(), "a stale revocation keeps the tokens");
    // The same second as the authorization revokes (the safer reading of a tie).
    assert_eq!(store.revoke_authorizer("wxcomp", "wxa1", Some(2_000_000)).await.unwrap(), Revocation::Revoked);
    assert!(!store.authorizer_by_appid("wxcomp", "wxa1").await.unwrap().unwrap().authorized);
    assert!(store.load_token(&k, true).await.unwrap().is_none());
    store.revoke_authorizer("wxcomp", "wxa1", Some(3_000_000)).await.unwrap();
    assert_eq!(store.authorization_pushed_at("wxcomp", "wxa1").await.unwrap(), Some(3_000_000));
    assert_eq!(store.revoke_authorizer("wxcomp", "wxnobody", Some(1)).await.unwrap(), Revocation::Unknown);
}

/// A pushed ticket is stored once however many processes handle its push
/// at the same moment (each its own pool), and never over a later one.
async fn pushed_tickets_once(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let key = TokenKey::component("wxcomp", TokenKind::ComponentVerifyTicket);
    let pushed = |value: &str, at: i64| Token { value: value.into(), expires_at_ms: at + 43_200_000, updated_at_ms: at, refresh_token: None, extra: None };
    assert!(store.save_pushed_ticket(&key, &pushed("t1", 1_000), "p0").await.unwrap(), "the first ticket ever (no row)");
    // The row a push's lease makes does not hide a new ticket.
    assert!(store.try_lease(&key, "p0", 5_000).await.unwrap());
    let mut handlers = Vec::new();
    for i in 0..6 {
        let s = db.store().await;
        let (key, t) = (key.clone(), pushed("t2", 2_000));
        handlers.push(tokio::spawn(async move { s.save_pushed_ticket(&key, &t, &format!("p{i}")).await.unwrap() }));
    }
    let mut changed = 0;
    for h in handlers {
        changed += usize::from(h.await.unwrap());
    }
    assert_eq!(changed, 1, "one of six concurrent handlings of one push stores it");
    assert!(!store.save_pushed_ticket(&key, &pushed("t2", 2_000), "p9").await.unwrap(), "a retry of the push");
    assert!(!store.save_pushed_ticket(&key, &pushed("t0", 1_500), "p9").await.unwrap(), "an older push delivered late");
    assert_eq!(store.load_token(&key, true).await.unwrap().unwrap().value, "t2");
    assert!(store.save_pushed_ticket(&key, &pushed("t3", 3_000), "p9").await.unwrap());
    assert_eq!(store.load_token(&key, true).await.unwrap().unwrap().value, "t3");
}

/// `{read, write}`: reads go to the replica, writes / leases / from_primary
/// reads to the primary. Two separate databases make the routing visible.
async fn read_write_split(b: Backend) {
    let primary = TestDb::create(b).await;
    let replica = TestDb::create(b).await;
    replica.store().await;
    let cfg = StoreConfig { write: primary.url.clone(), read: Some(replica.url.clone()), max_connections: 3 };
    let store = Store::connect(&cfg).await.unwrap();
    store.migrate().await.unwrap();
    let key = TokenKey::account("wxacc", TokenKind::AccessToken);
    store.save_token(&key, &Token::new("primary-token", 7200)).await.unwrap();
    assert_eq!(store.load_token(&key, true).await.unwrap().unwrap().value, "primary-token");
    assert!(store.load_token(&key, false).await.unwrap().is_none(), "the replica has not got it");
    // What the replica has is what plain reads see.
    Store::connect(&StoreConfig::new(replica.url.clone()))
        .await
        .unwrap()
        .save_token(&key, &Token::new("replica-token", 7200))
        .await
        .unwrap();
    assert_eq!(store.load_token(&key, false).await.unwrap().unwrap().value, "replica-token");
    assert!(store.try_lease(&key, "A", 1000).await.unwrap());
    assert_eq!(primary.scalar("SELECT lease_owner FROM wxtp_tokens").await.as_deref(), Some("A"));
}

per_backend!(tokens, component_rejection_expires_pre_auth_code, leases, authorizers, revocations_in_push_order, pushed_tickets_once, read_write_split);

#[tokio::test]
async fn sqlite_memory_store() {
    let store = Store::connect(&StoreConfig::new("sqlite::memory:")).await.unwrap();
    store.migrate().await.unwrap();
    let key = TokenKey::account("wxacc", TokenKind::AccessToken);
    store.save_token(&key, &Token::new("in-memory", 60)).await.unwrap();
    let clone = store.clone();
    assert_eq!(clone.load_token(&key, false).await.unwrap().unwrap().value, "in-memory");
}

#[test]
fn token_debug_hides_secrets() {
    let t = Token::new("SECRET-VALUE", 60).with_refresh_token("SECRET-REFRESH");
    let s = format!("{t:?}");
    assert!(!s.contains("SECRET"), "{s}");
    assert!(s.contains("expires_at_ms"));
}

/// Every store future can be spawned (napi runs them on tokio: Send + 'static).
#[tokio::test]
async fn store_futures_are_send() {
    let store = Store::connect(&StoreConfig::new("sqlite::memory:")).await.unwrap();
    let s = store.clone();
    tokio::spawn(async move {
        s.migrate().await.unwrap();
        let k = TokenKey::account("wxacc", TokenKind::AccessToken);
        s.save_token(&k, &Token::new("v", 60)).await.unwrap();
        s.load_token(&k, true).await.unwrap();
        s.expire_token_if(&k, "v", true).await.unwrap();
        s.try_lease(&k, "o", 10).await.unwrap();
        s.release_lease(&k, "o").await.unwrap();
        s.list_authorizers("c").await.unwrap();
        s.authorizer_by_appid("c", "a").await.unwrap();
        s.authorizer_by_wx_token("c", "a").await.unwrap();
        s.set_authorizer_revoked("c", "a").await.unwrap();
        s.save_follower("wxt", &serde_json::json!({"openid": "o"})).await.unwrap();
    })
    .await
    .unwrap();
}
