//! ServiceTokenSource: an API client that holds no secret takes its tokens
//! from a token service, and reports a rejected token back through the
//! refresh route (compare-and-expire), against a real service and sandbox.

mod sandbox_common;
mod store_support;

use std::sync::Arc;

use sandbox_common::*;
use store_support::{Backend, TestDb};
use wxthirdparty::api::{ApiClient, TokenSource};
use wxthirdparty::sandbox::SandboxConfig;
use wxthirdparty::service::{ServiceConfig, ServiceTokenSource, TokenService};
use wxthirdparty::wechat::endpoints::Http;
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
    let svc = service(&sb.url(), &db, Some("s3cret-bearer")).await;
    let source = Arc::new(ServiceTokenSource::new(&svc.url(), APP, Some("s3cret-bearer".into())).unwrap());
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
    source.invalidate(&first).await.unwrap();
    assert_eq!(source.token().await.unwrap().0, second);
    assert_eq!(sb.issued().get("/cgi-bin/token"), Some(&2));
    svc.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bearer_and_unknown_appid_are_clear_errors() {
    let sb = start(SandboxConfig::default()).await;
    let db = TestDb::create(Backend::Sqlite).await;
    let svc = service(&sb.url(), &db, Some("right")).await;
    let wrong = ServiceTokenSource::new(&svc.url(), APP, Some("wrong".into())).unwrap();
    let e = wrong.token().await.unwrap_err();
    assert_eq!(e.code(), Some(41001), "{e}");
    assert!(!e.to_string().contains("right"));
    let unknown = ServiceTokenSource::new(&svc.url(), "wxnosuchapp", Some("right".into())).unwrap();
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
