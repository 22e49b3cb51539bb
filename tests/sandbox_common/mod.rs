//! Shared helpers for the sandbox's integration tests: start a sandbox with
//! one component and one app, and call it the way a WeChat client does.
#![allow(dead_code)]

use serde_json::{json, Value};
use wxthirdparty::sandbox::{ComponentRegistration, Sandbox, SandboxConfig};

pub const COMPONENT: &str = "wxcomponent0001";
pub const COMPONENT_SECRET: &str = "component-secret-0001";
pub const TOKEN: &str = "pamtest";
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const APP: &str = "wxapp000000000001";
pub const APP_SECRET: &str = "app-secret-0001";

pub fn component(push_url: Option<String>) -> ComponentRegistration {
    ComponentRegistration {
        appid: COMPONENT.into(),
        secret: COMPONENT_SECRET.into(),
        token: TOKEN.into(),
        encoding_aes_key: AES_KEY.into(),
        push_url,
    }
}

pub async fn start(cfg: SandboxConfig) -> Sandbox {
    let sb = Sandbox::start(cfg).await.expect("sandbox starts");
    sb.register_component(component(None)).unwrap();
    sb.register_app(APP, APP_SECRET);
    sb
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

/// POST JSON, return the JSON answer whatever its errcode.
pub async fn post(sb: &Sandbox, path: &str, query: &[(&str, &str)], body: Value) -> Value {
    let r = client().post(format!("{}{}", sb.url(), path)).query(query).json(&body).send().await.expect("sent");
    r.json().await.expect("json answer")
}

pub async fn get(sb: &Sandbox, path: &str, query: &[(&str, &str)]) -> Value {
    let r = client().get(format!("{}{}", sb.url(), path)).query(query).send().await.expect("sent");
    r.json().await.expect("json answer")
}

pub fn errcode(v: &Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(0)
}

/// api_component_token with a freshly pushed ticket.
pub async fn component_token(sb: &Sandbox) -> String {
    let ticket = sb.push_ticket(COMPONENT).await.unwrap();
    let v = post(
        sb,
        "/cgi-bin/component/api_component_token",
        &[],
        json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}),
    )
    .await;
    v["component_access_token"].as_str().unwrap_or_else(|| panic!("no token: {v}")).to_owned()
}

pub async fn create_preauthcode(sb: &Sandbox, token: &str) -> Value {
    post(sb, "/cgi-bin/component/api_create_preauthcode", &[("component_access_token", token)], json!({"component_appid": COMPONENT})).await
}

pub async fn own_token(sb: &Sandbox) -> String {
    let v = get(sb, "/cgi-bin/token", &[("grant_type", "client_credential"), ("appid", APP), ("secret", APP_SECRET)]).await;
    v["access_token"].as_str().unwrap_or_else(|| panic!("no token: {v}")).to_owned()
}
