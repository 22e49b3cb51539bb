//! Pushes are what WeChat sends: an encrypted, signed XML envelope that
//! MsgCrypt decrypts, with the inner fields WeChat uses.

mod sandbox_common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use sandbox_common::*;
use serde_json::json;
use wxthirdparty::crypto::{sign, MsgCrypt};
use wxthirdparty::sandbox::{AuthorizeOptions, SandboxConfig};

#[derive(Clone, Debug)]
struct Received {
    query: HashMap<String, String>,
    body: String,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// A tiny receiver for the component's 授权事件接收URL; answers "success".
async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    async fn handle(State(inbox): State<Inbox>, Query(query): Query<HashMap<String, String>>, body: String) -> &'static str {
        inbox.lock().unwrap().push(Received { query, body });
        "success"
    }
    let app = axum::Router::new().route("/wechat/event", axum::routing::post(handle)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechat/event", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

fn between<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    let v = &xml[start..end];
    Some(v.strip_prefix("<![CDATA[").and_then(|v| v.strip_suffix("]]>")).unwrap_or(v))
}

/// Checks the envelope and both signatures exactly as a platform must, and
/// returns the decrypted inner XML.
fn open(r: &Received) -> String {
    let crypt = MsgCrypt::new(TOKEN, AES_KEY, COMPONENT).unwrap();
    let q = |k: &str| r.query.get(k).unwrap_or_else(|| panic!("query has {k}")).as_str();
    assert_eq!(q("encrypt_type"), "aes");
    assert_eq!(between(&r.body, "AppId"), Some(COMPONENT));
    let encrypt = between(&r.body, "Encrypt").expect("Encrypt element");
    assert!(crypt.verify_signature(q("msg_signature"), q("timestamp"), q("nonce"), encrypt), "msg_signature verifies");
    assert_eq!(q("signature"), sign(&[TOKEN, q("timestamp"), q("nonce")]));
    let (xml, appid) = crypt.decrypt(encrypt).expect("decrypts");
    assert_eq!(appid, COMPONENT);
    xml
}

async fn with_receiver(cfg: SandboxConfig) -> (wxthirdparty::sandbox::Sandbox, Inbox) {
    let (url, inbox) = receiver().await;
    let sb = start(cfg).await;
    sb.register_component(component(Some(url))).unwrap();
    (sb, inbox)
}

#[tokio::test]
async fn ticket_push_decrypts_and_carries_a_valid_msg_signature() {
    let (sb, inbox) = with_receiver(SandboxConfig::default()).await;
    let ticket = sb.push_ticket(COMPONENT).await.unwrap();
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let xml = open(&got[0]);
    assert_eq!(between(&xml, "InfoType"), Some("component_verify_ticket"));
    assert_eq!(between(&xml, "ComponentVerifyTicket"), Some(ticket.as_str()));
    assert_eq!(between(&xml, "AppId"), Some(COMPONENT));
    let t: i64 = between(&xml, "CreateTime").unwrap().parse().unwrap();
    assert!(t > 1_600_000_000);
    let log = sb.pushes();
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[0].response, "success");
}

#[tokio::test]
async fn api_start_push_ticket_pushes_a_ticket_that_buys_a_token() {
    let (sb, inbox) = with_receiver(SandboxConfig::default()).await;
    let v = post(&sb, "/cgi-bin/component/api_start_push_ticket", &[], json!({"component_appid": COMPONENT, "component_secret": "wrong"})).await;
    assert_eq!(errcode(&v), 40125);
    assert!(inbox.lock().unwrap().is_empty());
    let v = post(&sb, "/cgi-bin/component/api_start_push_ticket", &[], json!({"component_appid": COMPONENT, "component_secret": COMPONENT_SECRET})).await;
    assert_eq!(v, json!({"errcode": 0, "errmsg": "ok"}));
    let got = inbox.lock().unwrap().clone();
    let xml = open(&got[0]);
    let ticket = between(&xml, "ComponentVerifyTicket").unwrap();
    let v = post(
        &sb,
        "/cgi-bin/component/api_component_token",
        &[],
        json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}),
    )
    .await;
    assert!(v["component_access_token"].is_string(), "{v}");
}

#[tokio::test]
async fn authorized_push_carries_a_usable_code_and_unauthorized_follows() {
    let (sb, inbox) = with_receiver(SandboxConfig::default()).await;
    let token = component_token(&sb).await;
    let pre = create_preauthcode(&sb, &token).await["pre_auth_code"].as_str().unwrap().to_owned();
    let a = sb
        .authorize(COMPONENT, AuthorizeOptions { pre_auth_code: Some(pre.clone()), push: true, followers: Some(12), ..Default::default() })
        .await
        .unwrap();
    let got = inbox.lock().unwrap().clone();
    let xml = open(got.last().unwrap());
    assert_eq!(between(&xml, "InfoType"), Some("authorized"));
    assert_eq!(between(&xml, "AuthorizerAppid"), Some(a.authorizer_appid.as_str()));
    assert_eq!(between(&xml, "PreAuthCode"), Some(pre.as_str()));
    let code = between(&xml, "AuthorizationCode").unwrap();
    assert_eq!(code, a.auth_code);
    let expires: i64 = between(&xml, "AuthorizationCodeExpiredTime").unwrap().parse().unwrap();
    let created: i64 = between(&xml, "CreateTime").unwrap().parse().unwrap();
    assert_eq!(expires - created, 3600);
    let v = post(
        &sb,
        "/cgi-bin/component/api_query_auth",
        &[("component_access_token", &token)],
        json!({"component_appid": COMPONENT, "authorization_code": code}),
    )
    .await;
    let at = v["authorization_info"]["authorizer_access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&sb, "/cgi-bin/user/get", &[("access_token", &at)]).await["total"], 12);

    sb.push_event(COMPONENT, "updateauthorized", &a.authorizer_appid).await.unwrap();
    sb.push_event(COMPONENT, "unauthorized", &a.authorizer_appid).await.unwrap();
    let got = inbox.lock().unwrap().clone();
    let update = open(&got[got.len() - 2]);
    assert_eq!(between(&update, "InfoType"), Some("updateauthorized"));
    assert!(between(&update, "AuthorizationCode").is_some());
    let un = open(got.last().unwrap());
    assert_eq!(between(&un, "InfoType"), Some("unauthorized"));
    assert_eq!(between(&un, "AuthorizerAppid"), Some(a.authorizer_appid.as_str()));
    assert!(between(&un, "AuthorizationCode").is_none());
    assert!(sb.push_event(COMPONENT, "bogus", &a.authorizer_appid).await.is_err());
}

#[tokio::test]
async fn an_invalid_pre_auth_code_is_refused() {
    let sb = start(SandboxConfig::default()).await;
    let err = sb
        .authorize(COMPONENT, AuthorizeOptions { pre_auth_code: Some("preauthcode@@@nope".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pre_auth_code"), "{err}");
}

#[tokio::test]
async fn tickets_are_pushed_every_interval() {
    let (sb, inbox) = with_receiver(SandboxConfig { push_interval_secs: Some(0.3), ..Default::default() }).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let n = inbox.lock().unwrap().len();
    assert!((2..=5).contains(&n), "{n} pushes in 1.1 s at 0.3 s");
    for r in inbox.lock().unwrap().iter() {
        assert_eq!(between(&open(r), "InfoType"), Some("component_verify_ticket"));
    }
    sb.close().await;
}

#[tokio::test]
async fn an_unreachable_push_url_is_an_error_and_is_logged() {
    let sb = start(SandboxConfig::default()).await;
    sb.register_component(component(Some("http://127.0.0.1:9/nothing".into()))).unwrap();
    let err = sb.push_ticket(COMPONENT).await.unwrap_err();
    assert!(err.to_string().contains("push"), "{err}");
    assert_eq!(sb.pushes()[0].status, None);
}
