//! The sandbox enforces WeChat's credential rules.

mod sandbox_common;

use sandbox_common::*;
use serde_json::json;
use wxthirdparty::sandbox::{AuthorizeOptions, SandboxConfig};

const TOKEN_PATH: &str = "/cgi-bin/component/api_component_token";

fn cfg() -> SandboxConfig {
    SandboxConfig::default()
}

#[tokio::test]
async fn component_token_needs_a_pushed_ticket_and_the_right_secret() {
    let sb = start(cfg()).await;
    let body = |secret: &str, ticket: &str| {
        json!({"component_appid": COMPONENT, "component_appsecret": secret, "component_verify_ticket": ticket})
    };
    // Never pushed: 61006.
    let v = post(&sb, TOKEN_PATH, &[], body(COMPONENT_SECRET, "ticket@@@made-up")).await;
    assert_eq!(errcode(&v), 61006, "{v}");
    let ticket = sb.push_ticket(COMPONENT).await.unwrap();
    assert!(ticket.starts_with("ticket@@@"));
    let v = post(&sb, TOKEN_PATH, &[], body("wrong-secret", &ticket)).await;
    assert_eq!(errcode(&v), 40125, "{v}");
    assert!(!v.to_string().contains(COMPONENT_SECRET), "no secret in errors");
    let v = post(&sb, TOKEN_PATH, &[], json!({"component_appid": "wxnobody", "component_appsecret": "x", "component_verify_ticket": ticket})).await;
    assert_eq!(errcode(&v), 40013, "{v}");
    let v = post(&sb, TOKEN_PATH, &[], body(COMPONENT_SECRET, &ticket)).await;
    assert_eq!(v["expires_in"], 7200);
    assert!(v["component_access_token"].as_str().unwrap().len() > 20);
    assert_eq!(sb.counters()[TOKEN_PATH], 4);
    sb.close().await;
}

#[tokio::test]
async fn an_old_ticket_stops_working_after_ticket_max_age() {
    let sb = start(SandboxConfig { ticket_max_age_secs: 100.0, ..cfg() }).await;
    let ticket = sb.push_ticket(COMPONENT).await.unwrap();
    sb.advance_clock(101.0);
    let v = post(
        &sb,
        TOKEN_PATH,
        &[],
        json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}),
    )
    .await;
    assert_eq!(errcode(&v), 61006, "{v}");
}

#[tokio::test]
async fn tokens_expire_with_42001_and_are_logged() {
    let mut c = cfg();
    c.lifetimes.component_access_token = 60.0;
    let sb = start(c).await;
    let token = component_token(&sb).await;
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 0);
    sb.advance_clock(61.0);
    let v = create_preauthcode(&sb, &token).await;
    assert_eq!(errcode(&v), 42001, "{v}");
    let log = sb.invalid_token_calls();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].path, "/cgi-bin/component/api_create_preauthcode");
    assert_eq!(log[0].reason, "expired");
    assert_eq!(log[0].appid.as_deref(), Some(COMPONENT));
}

#[tokio::test]
async fn a_superseded_token_lives_for_the_grace_period_only() {
    let sb = start(SandboxConfig { grace_secs: 300.0, ..cfg() }).await;
    let old = component_token(&sb).await;
    let new = component_token(&sb).await;
    assert_ne!(old, new);
    sb.advance_clock(299.0);
    assert_eq!(errcode(&create_preauthcode(&sb, &old).await), 0, "old token still good within grace");
    sb.advance_clock(2.0);
    let v = create_preauthcode(&sb, &old).await;
    assert_eq!(errcode(&v), 40001, "{v}");
    assert_eq!(errcode(&create_preauthcode(&sb, &new).await), 0);
    assert_eq!(sb.invalid_token_calls()[0].reason, "invalid");

    // Same rule for an account's own access_token.
    let a = own_token(&sb).await;
    let _b = own_token(&sb).await;
    assert_eq!(errcode(&get(&sb, "/cgi-bin/menu/get", &[("access_token", &a)]).await), 46003, "a still acts (no menu yet)");
    sb.advance_clock(301.0);
    assert_eq!(errcode(&get(&sb, "/cgi-bin/menu/get", &[("access_token", &a)]).await), 40001);
}

#[tokio::test]
async fn a_token_is_only_good_for_its_own_appid() {
    let sb = start(cfg()).await;
    let mut other = component(None);
    other.appid = "wxcomponent0002".into();
    sb.register_component(other).unwrap();
    let token = component_token(&sb).await;
    let v = post(&sb, "/cgi-bin/component/api_create_preauthcode", &[("component_access_token", &token)], json!({"component_appid": "wxcomponent0002"})).await;
    assert_eq!(errcode(&v), 40001, "{v}");
    assert_eq!(sb.invalid_token_calls()[0].reason, "wrong_appid");
    // An own access_token is not a component token.
    let own = own_token(&sb).await;
    let v = create_preauthcode(&sb, &own).await;
    assert_eq!(errcode(&v), 40001, "{v}");
    // A made-up token.
    let v = get(&sb, "/cgi-bin/user/get", &[("access_token", "made-up")]).await;
    assert_eq!(errcode(&v), 40001);
    assert_eq!(sb.invalid_token_calls().len(), 3);
}

#[tokio::test]
async fn auth_codes_are_single_use_and_expire() {
    let mut c = cfg();
    c.lifetimes.auth_code = 100.0;
    let sb = start(c).await;
    let token = component_token(&sb).await;
    let query = |code: &str| json!({"component_appid": COMPONENT, "authorization_code": code});
    let path = "/cgi-bin/component/api_query_auth";
    let a = sb.authorize(COMPONENT, AuthorizeOptions { nick_name: Some("测试号".into()), ..Default::default() }).await.unwrap();
    assert_eq!(a.info_type, "authorized");
    let v = post(&sb, path, &[("component_access_token", &token)], query(&a.auth_code)).await;
    let info = &v["authorization_info"];
    assert_eq!(info["authorizer_appid"], a.authorizer_appid.as_str(), "{v}");
    assert_eq!(info["expires_in"], 7200);
    assert!(info["authorizer_refresh_token"].as_str().unwrap().starts_with("refreshtoken@@@"));
    assert_eq!(info["func_info"][0]["funcscope_category"]["id"], 1);
    // Second use: refused.
    let v = post(&sb, path, &[("component_access_token", &token)], query(&a.auth_code)).await;
    assert_eq!(errcode(&v), 61009, "{v}");
    // Expired.
    let b = sb.authorize(COMPONENT, AuthorizeOptions { appid: Some(a.authorizer_appid.clone()), ..Default::default() }).await.unwrap();
    assert_eq!(b.info_type, "updateauthorized");
    sb.advance_clock(101.0);
    let token = component_token(&sb).await;
    let v = post(&sb, path, &[("component_access_token", &token)], query(&b.auth_code)).await;
    assert_eq!(errcode(&v), 61010, "{v}");
}

async fn authorized(sb: &wxthirdparty::sandbox::Sandbox, token: &str) -> (String, String, String) {
    let a = sb.authorize(COMPONENT, AuthorizeOptions::default()).await.unwrap();
    let v = post(
        sb,
        "/cgi-bin/component/api_query_auth",
        &[("component_access_token", token)],
        json!({"component_appid": COMPONENT, "authorization_code": a.auth_code}),
    )
    .await;
    let info = &v["authorization_info"];
    (
        a.authorizer_appid,
        info["authorizer_access_token"].as_str().unwrap().to_owned(),
        info["authorizer_refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(sb: &wxthirdparty::sandbox::Sandbox, token: &str, appid: &str, refresh_token: &str) -> serde_json::Value {
    post(
        sb,
        "/cgi-bin/component/api_authorizer_token",
        &[("component_access_token", token)],
        json!({"component_appid": COMPONENT, "authorizer_appid": appid, "authorizer_refresh_token": refresh_token}),
    )
    .await
}

#[tokio::test]
async fn refresh_tokens_rotate_when_configured() {
    let sb = start(SandboxConfig { rotate_refresh_tokens: true, ..cfg() }).await;
    let token = component_token(&sb).await;
    let (appid, _, rt) = authorized(&sb, &token).await;
    let v = refresh(&sb, &token, &appid, &rt).await;
    let rt2 = v["authorizer_refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt, rt2, "rotated");
    assert_eq!(v["expires_in"], 7200);
    assert_eq!(errcode(&refresh(&sb, &token, &appid, &rt).await), 61023, "old refresh token is void");
    assert_eq!(errcode(&refresh(&sb, &token, &appid, &rt2).await), 0);
}

#[tokio::test]
async fn refresh_tokens_stay_without_rotation_and_supersede_the_access_token() {
    let sb = start(SandboxConfig { grace_secs: 10.0, ..cfg() }).await;
    let token = component_token(&sb).await;
    let (appid, at1, rt) = authorized(&sb, &token).await;
    let v = refresh(&sb, &token, &appid, &rt).await;
    assert_eq!(v["authorizer_refresh_token"], rt.as_str());
    let at2 = v["authorizer_access_token"].as_str().unwrap().to_owned();
    sb.advance_clock(11.0);
    assert_eq!(errcode(&get(&sb, "/cgi-bin/user/get", &[("access_token", &at1)]).await), 40001);
    let v = get(&sb, "/cgi-bin/user/get", &[("access_token", &at2)]).await;
    assert_eq!(v["total"], 3, "{v}");
}

#[tokio::test]
async fn unauthorized_revokes_tokens_and_refresh() {
    let sb = start(cfg()).await;
    let token = component_token(&sb).await;
    let (appid, at, rt) = authorized(&sb, &token).await;
    sb.push_event(COMPONENT, "unauthorized", &appid).await.unwrap();
    assert_eq!(errcode(&get(&sb, "/cgi-bin/user/get", &[("access_token", &at)]).await), 40001);
    assert_eq!(errcode(&refresh(&sb, &token, &appid, &rt).await), 61003);
    let v = post(&sb, "/cgi-bin/component/api_get_authorizer_list", &[("component_access_token", &token)], json!({"component_appid": COMPONENT, "offset": 0, "count": 100})).await;
    assert_eq!(v["total_count"], 0, "{v}");
}

#[tokio::test]
async fn invalidate_all_tokens_voids_every_token_at_once() {
    let sb = start(cfg()).await;
    let token = component_token(&sb).await;
    let own = own_token(&sb).await;
    sb.invalidate_all_tokens();
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 40001);
    assert_eq!(errcode(&get(&sb, "/cgi-bin/user/get", &[("access_token", &own)]).await), 40001);
    // New ones work.
    let token = component_token(&sb).await;
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 0);
}

#[tokio::test]
async fn reset_forgets_everything_but_the_config() {
    let sb = start(SandboxConfig { grace_secs: 7.0, ..cfg() }).await;
    let token = component_token(&sb).await;
    sb.reset();
    assert!(sb.counters().is_empty());
    assert_eq!(sb.config().grace_secs, 7.0);
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 40001);
    assert!(sb.push_ticket(COMPONENT).await.is_err(), "component is forgotten");
}

#[tokio::test]
async fn component_info_option_and_list_endpoints() {
    let sb = start(cfg()).await;
    let token = component_token(&sb).await;
    let q = [("component_access_token", token.as_str())];
    let (appid, _, rt) = authorized(&sb, &token).await;
    let v = post(&sb, "/cgi-bin/component/api_get_authorizer_info", &q, json!({"component_appid": COMPONENT, "authorizer_appid": appid})).await;
    let info = &v["authorizer_info"];
    assert!(info["nick_name"].is_string(), "{v}");
    assert_eq!(info["service_type_info"]["id"], 2);
    assert_eq!(info["verify_type_info"]["id"], 0);
    assert!(info["user_name"].as_str().unwrap().starts_with("gh_"));
    assert_eq!(v["authorization_info"]["authorizer_refresh_token"], rt.as_str());

    let opt = |name: &str| json!({"component_appid": COMPONENT, "authorizer_appid": appid, "option_name": name});
    let v = post(&sb, "/cgi-bin/component/api_get_authorizer_option", &q, opt("voice_recognize")).await;
    assert_eq!(v["option_value"], "0", "{v}");
    let mut set = opt("voice_recognize");
    set["option_value"] = json!("1");
    assert_eq!(errcode(&post(&sb, "/cgi-bin/component/api_set_authorizer_option", &q, set).await), 0);
    let v = post(&sb, "/cgi-bin/component/api_get_authorizer_option", &q, opt("voice_recognize")).await;
    assert_eq!(v["option_value"], "1");

    let (appid2, _, _) = authorized(&sb, &token).await;
    let v = post(&sb, "/cgi-bin/component/api_get_authorizer_list", &q, json!({"component_appid": COMPONENT, "offset": 1, "count": 10})).await;
    assert_eq!(v["total_count"], 2, "{v}");
    assert_eq!(v["list"].as_array().unwrap().len(), 1);
    let listed = v["list"][0]["authorizer_appid"].as_str().unwrap();
    assert!(listed == appid || listed == appid2);
}

#[tokio::test]
async fn own_tokens_stable_tokens_and_tickets() {
    let sb = start(cfg()).await;
    let v = get(&sb, "/cgi-bin/token", &[("grant_type", "client_credential"), ("appid", APP), ("secret", "nope")]).await;
    assert_eq!(errcode(&v), 40125);
    let stable = |force: bool| json!({"grant_type": "client_credential", "appid": APP, "secret": APP_SECRET, "force_refresh": force});
    let a = post(&sb, "/cgi-bin/stable_token", &[], stable(false)).await;
    let b = post(&sb, "/cgi-bin/stable_token", &[], stable(false)).await;
    assert_eq!(a["access_token"], b["access_token"], "normal mode returns the live token");
    let c = post(&sb, "/cgi-bin/stable_token", &[], stable(true)).await;
    assert_ne!(a["access_token"], c["access_token"]);
    let token = own_token(&sb).await;
    let t = get(&sb, "/cgi-bin/ticket/getticket", &[("access_token", &token), ("type", "jsapi")]).await;
    assert_eq!(errcode(&t), 0);
    assert_eq!(t["errmsg"], "ok");
    assert_eq!(t["expires_in"], 7200);
    let card = get(&sb, "/cgi-bin/ticket/getticket", &[("access_token", &token), ("type", "wx_card")]).await;
    assert_ne!(t["ticket"], card["ticket"]);
}
