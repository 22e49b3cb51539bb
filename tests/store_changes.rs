//! The change feed on each backend: every write others must see appends a
//! row in its own transaction; a rejected compare-and-expire appends none;
//! pruning drops old rows only.

#[path = "store_support/mod.rs"]
mod store_support;

use store_support::*;
use wxthirdparty::store::{AuthorizerRecord, Change};
use wxthirdparty::model::{Token, TokenKey, TokenKind};

fn kinds(list: &[Change]) -> Vec<(String, String)> {
    list.iter().map(|c| (c.kind.clone(), c.appid.clone())).collect()
}

async fn feed(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let start = store.last_change_id().await.unwrap();
    let key = TokenKey::new("wxcomp", TokenKind::AuthorizerAccessToken, "wxauth");
    store.save_token(&key, &Token::new("aat-1", 7200).with_refresh_token("rt-1")).await.unwrap();
    assert!(!store.expire_token_if(&key, "not-the-stored-one", true).await.unwrap());
    assert!(store.expire_token_if(&key, "aat-1", true).await.unwrap());
    let rec = AuthorizerRecord {
        component_appid: "wxcomp".into(),
        appid: "wxauth".into(),
        wx_token: "cookie".into(),
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
    assert!(store.set_authorizer_revoked("wxcomp", "wxauth").await.unwrap());
    // Another platform's writes and an account's own token are not this platform's feed.
    store.save_token(&TokenKey::component("wxother", TokenKind::ComponentAccessToken), &Token::new("x", 7200)).await.unwrap();
    store.save_token(&TokenKey::account("wxacc", TokenKind::AccessToken), &Token::new("y", 7200)).await.unwrap();

    let list = store.changes_since("wxcomp", start, 100).await.unwrap();
    let aat = ("authorizer_access_token".to_owned(), "wxauth".to_owned());
    let auth = ("authorizer".to_owned(), "wxauth".to_owned());
    assert_eq!(kinds(&list), vec![aat.clone(), aat, auth.clone(), auth]);
    assert!(list.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");
    let last = list.last().unwrap().id;
    assert!(store.changes_since("wxcomp", last, 100).await.unwrap().is_empty());
    assert_eq!(store.changes_since("wxother", start, 100).await.unwrap().len(), 1);

    assert_eq!(store.prune_changes(60_000).await.unwrap(), 0, "recent changes are kept");
    assert_eq!(store.prune_changes(-60_000).await.unwrap(), 5, "old ones go");
}

per_backend!(feed);
