//! ServiceTokenSource: an API client that holds no secret takes its tokens
//! from a token service, and reports a rejected token back through the
//! refresh route (compare-and-expire), against a real service and sandbox.

mod sandbox_common;
mod store_support;

use std::sync::Arc;

use sandbox_common::*;
use store_support::{Backend, TestDb};
use wxthirdparty::api::ApiClient;
use wxthirdparty::credential::{ServiceTokenSource, TokenSource};
use wxthirdparty::sandbox::SandboxConfig;
use wxthirdparty::service::{ServiceConfig, TokenService};
use wxthirdparty::api::endpoints::Http;
use wxthirdparty::wechat::Transport;

async fn service(sb_url: &str, db: &TestDb, auth: Option<&str>) -> TokenService {
    let cfg = ServiceConfig { db: db.url.clone(), api_base: Some(sb_url.into()), auth_token: auth.map(Into::into), ..Default::default() };
    let svc = TokenService::start(cfg).await.expect("service starts");
    svc.apps().create(APP, APP_SECRET).await.expect("app registered");
    svc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_refreshes_through_the_service_after_40001() {
    let sb = start(SandboxConfig::default()).await;
    let db = TestDb::create(Backend::Sqlite).await;
    let svc = service(&sb.url(), &db, Some("s3cret-bearer-0123456789")).await;
    let source = Arc::new(ServiceTokenSource::new(&svc.url(), APP, Some("s3cret-bearer-0123456789".into())).unwrap());
    let (first, _) = source.token().await.unwrap();
    let api = ApiClient::new(APP, Transport::new(Some(&sb.url())), source.clone());
    api.request(Http::Get, "/cgi-bin/user/get", &[], None).await.expect("call with the service's token");
    assert_eq!(sb.issued().get("/cgi-bin/token"), Some(&1));

    // WeChat drops every token: the client meets 40001, tells the service,
    // and retries with the token the service fetched.
    sb.invalidate_all_tokens();
    api.request(Http::Get, "/cgi-bin/user/get", &[], None).await.expect("retried with a new token");
    let (second, _) = source.token().await.unwrap();
    assert_ne!(first, second);
    assert_eq!(sb.issued().get("/cgi-bin/token"), Some(&2));

    // A stale report (someone else already refreshed) changes nothing.
    source.invalidate(&first, &wxthirdparty::Error::wechat(40001, "invalid credential")).await.unwrap();
    assert_eq!(source.token().await.unwrap().0, second);
    assert_eq!(sb.issued().get("/cgi-bin/token"), Some(&2));
    svc.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bearer_and_unknown_appid_are_clear_errors() {
    let sb = start(SandboxConfig::default()).await;
    let db = TestDb::create(Backend::Sqlite).await;
    let svc = service(&sb.url(), &db, Some("right-bearer-0123456789")).await;
    let wrong = ServiceTokenSource::new(&svc.url(), APP, Some("wrong-bearer-0123456789".into())).unwrap();
    let e = wrong.token().await.unwrap_err();
    assert_eq!(e.code(), Some(41001), "{e}");
    assert!(!e.to_string().contains("right"));
    let unknown = ServiceTokenSource::new(&svc.url(), "wxnosuchapp", Some("right-bearer-0123456789".into())).unwrap();
    assert_eq!(unknown.token().await.unwrap_err().code(), Some(40013));
    assert!(ServiceTokenSource::new("ftp://x", APP, None).is_err());
    assert!(ServiceTokenSource::new(&svc.url(), "bad/appid", None).is_err());
    assert_eq!(sb.issued().get("/cgi-bin/token"), None, "nothing reached WeChat");
    svc.close().await;
}

#[tokio::test]
async fn a_public_address_needs_an_auth_token() {
    let db = TestDb::create(Backend::Sqlite).await;
    let cfg = ServiceConfig { db: db.url.clone(), host: Some("0.0.0.0".into()), ..Default::default() };
    let e = TokenService::start(cfg).await.err().expect("refused");
    assert!(e.to_string().contains("authToken"), "{e}");
}

/// What ThirdpartyServer leaves in the database: a pushed ticket, and an
/// authorizer (record + token with its refresh token) after api_query_auth.
async fn platform_state(sb: &wxthirdparty::sandbox::Sandbox, store: &wxthirdparty::store::Store) -> String {
    use wxthirdparty::store::AuthorizerRecord;
    use wxthirdparty::model::{Token, TokenKey, TokenKind};
    let ticket = sb.push_ticket(COMPONENT).await.unwrap();
    store.save_token(&TokenKey::component(COMPONENT, TokenKind::ComponentVerifyTicket), &Token::new(ticket.clone(), 43200)).await.unwrap();
    let ct = post(sb, "/cgi-bin/component/api_component_token", &[], serde_json::json!({
        "component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket })).await;
    let ct = ct["component_access_token"].as_str().unwrap().to_owned();
    let auth = sb.authorize(COMPONENT, Default::default()).await.unwrap();
    let v = post(sb, "/cgi-bin/component/api_query_auth", &[("component_access_token", &ct)], serde_json::json!({
        "component_appid": COMPONENT, "authorization_code": auth.auth_code })).await;
    let info = &v["authorization_info"];
    let appid = auth.authorizer_appid.clone();
    store
        .upsert_authorizer(&AuthorizerRecord {
            component_appid: COMPONENT.into(),
            appid: appid.clone(),
            wx_token: "wxtoken-1".into(),
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
        })
        .await
        .unwrap();
    let token = Token::new(info["authorizer_access_token"].as_str().unwrap(), 7200).with_refresh_token(info["authorizer_refresh_token"].as_str().unwrap());
    store.save_token(&TokenKey::new(COMPONENT, TokenKind::AuthorizerAccessToken, &appid), &token).await.unwrap();
    appid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_platform_serves_its_component_and_authorizer_tokens() {
    let sb = start(SandboxConfig::default()).await;
    let db = TestDb::create(Backend::Sqlite).await;
    let store = db.store().await;
    let authorizer = platform_state(&sb, &store).await;
    let svc = service(&sb.url(), &db, None).await;
    let issued = |p: &str| sb.issued().get(p).copied().unwrap_or(0);
    let before = issued("/cgi-bin/component/api_component_token");

    // Unknown until the platform is registered (its secret refreshes the component token).
    let component = ServiceTokenSource::new(&svc.url(), COMPONENT, None).unwrap();
    assert_eq!(component.token().await.unwrap_err().code(), Some(40013));
    svc.apps().create_platform(COMPONENT, COMPONENT_SECRET).await.unwrap();
    let (ct, _) = component.token().await.expect("component token");
    assert_eq!(issued("/cgi-bin/component/api_component_token"), before + 1, "the service fetched one with the pushed ticket");
    let v = post(&sb, "/cgi-bin/component/api_create_preauthcode", &[("component_access_token", &ct)], serde_json::json!({ "component_appid": COMPONENT })).await;
    assert!(v["pre_auth_code"].is_string(), "WeChat accepts the served component token: {v}");

    // The authorizer's token: the one the platform stored, then a refreshed one after 40001.
    let source = Arc::new(ServiceTokenSource::new(&svc.url(), &authorizer, None).unwrap());
    let api = ApiClient::new(&authorizer, Transport::new(Some(&sb.url())), source.clone());
    api.request(Http::Get, "/cgi-bin/user/get", &[], None).await.expect("authorizer call");
    assert_eq!(issued("/cgi-bin/component/api_authorizer_token"), 0, "the stored token was used");
    sb.invalidate_all_tokens();
    api.request(Http::Get, "/cgi-bin/user/get", &[], None).await.expect("after 40001 the service refreshed");
    assert_eq!(issued("/cgi-bin/component/api_authorizer_token"), 1);
    let ticket = ServiceTokenSource::jsapi_ticket(&svc.url(), &authorizer, None).unwrap();
    assert!(!ticket.token().await.expect("authorizer jsapi ticket").0.is_empty());
    assert!(ServiceTokenSource::jsapi_ticket(&svc.url(), COMPONENT, None).unwrap().token().await.is_err(), "a platform has no jsapi ticket");
    svc.close().await;
}
