//! The control API under /__sandbox drives the sandbox the way another
//! process would: only HTTP, no Rust handle.

mod sandbox_common;

use sandbox_common::*;
use serde_json::{json, Value};
use wxthirdparty::sandbox::{Sandbox, SandboxConfig};

async fn ctl(sb: &Sandbox, method: &str, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}/__sandbox{}", sb.url(), path);
    let req = match method {
        "GET" => client().get(url),
        "DELETE" => client().delete(url),
        _ => client().post(url).json(&body),
    };
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_whole_flow_through_the_control_api() {
    // A bare sandbox: everything registered over HTTP.
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (status, v) = ctl(
        &sb,
        "POST",
        "/components",
        json!({"appid": COMPONENT, "secret": COMPONENT_SECRET, "token": TOKEN, "encoding_aes_key": AES_KEY}),
    )
    .await;
    assert_eq!((status, v), (200, json!({"appid": COMPONENT})));
    let (status, _) = ctl(&sb, "POST", "/apps", json!({"appid": APP, "secret": APP_SECRET})).await;
    assert_eq!(status, 200);
    let (_, info) = ctl(&sb, "GET", "", Value::Null).await;
    assert_eq!(info["components"], json!([COMPONENT]));
    assert_eq!(info["port"], sb.port());

    let (_, v) = ctl(&sb, "POST", "/push_ticket", json!({"component_appid": COMPONENT})).await;
    let ticket = v["ticket"].as_str().unwrap().to_owned();
    let v = post(
        &sb,
        "/cgi-bin/component/api_component_token",
        &[],
        json!({"component_appid": COMPONENT, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}),
    )
    .await;
    let token = v["component_access_token"].as_str().unwrap().to_owned();

    let (_, a) = ctl(&sb, "POST", "/authorize", json!({"component_appid": COMPONENT, "nick_name": "控制台", "followers": 5})).await;
    assert_eq!(a["info_type"], "authorized", "{a}");
    let appid = a["authorizer_appid"].as_str().unwrap().to_owned();
    let (_, f) = ctl(&sb, "GET", &format!("/followers?appid={appid}"), Value::Null).await;
    assert_eq!(f["openids"].as_array().unwrap().len(), 5);

    let (_, c) = ctl(&sb, "GET", "/counters", Value::Null).await;
    assert_eq!(c["/cgi-bin/component/api_component_token"], 1);

    // Faults over HTTP.
    let (status, _) = ctl(&sb, "POST", "/faults", json!({"path": "/cgi-bin/component/api_create_preauthcode", "fault": {"errcode": 45009}, "count": 1})).await;
    assert_eq!(status, 200);
    let (_, pending) = ctl(&sb, "GET", "/faults", Value::Null).await;
    assert_eq!(pending["/cgi-bin/component/api_create_preauthcode"], 1);
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 45009);
    let (status, v) = ctl(&sb, "POST", "/faults", json!({"path": "/x", "fault": "boom"})).await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("http500"));
    ctl(&sb, "POST", "/failure_rate", json!({"rate": 1.0, "fault": "http500"})).await;
    let r = client().get(format!("{}/cgi-bin/getcallbackip", sb.url())).send().await.unwrap();
    assert_eq!(r.status(), 500);
    ctl(&sb, "DELETE", "/faults", Value::Null).await;

    // Invalid-token log, invalidate, advance, config.
    ctl(&sb, "POST", "/invalidate_tokens", Value::Null).await;
    assert_eq!(errcode(&create_preauthcode(&sb, &token).await), 40001);
    let (_, log) = ctl(&sb, "GET", "/invalid_token_calls", Value::Null).await;
    assert_eq!(log[0]["reason"], "invalid");
    assert_eq!(log[0]["path"], "/cgi-bin/component/api_create_preauthcode");
    let (_, cfg) = ctl(&sb, "POST", "/config", json!({"grace_secs": 1.5, "lifetimes": {"access_token": 60}})).await;
    assert_eq!(cfg["grace_secs"], 1.5);
    assert_eq!(cfg["lifetimes"]["access_token"], 60.0);
    assert_eq!(cfg["lifetimes"]["component_access_token"], 7200.0, "other lifetimes kept");
    let own = own_token(&sb).await;
    ctl(&sb, "POST", "/advance", json!({"secs": 61})).await;
    assert_eq!(errcode(&get(&sb, "/cgi-bin/getcallbackip", &[("access_token", &own)]).await), 42001);

    // OAuth code for another process's browser-less test.
    let (_, code) = ctl(&sb, "POST", "/oauth_code", json!({"appid": APP})).await;
    let v = get(&sb, "/sns/oauth2/access_token", &[("appid", APP), ("secret", APP_SECRET), ("code", code["code"].as_str().unwrap()), ("grant_type", "authorization_code")]).await;
    assert_eq!(v["openid"], code["openid"]);

    // Reset.
    ctl(&sb, "POST", "/reset", Value::Null).await;
    let (_, info) = ctl(&sb, "GET", "", Value::Null).await;
    assert_eq!(info["components"], json!([]));
    let (status, v) = ctl(&sb, "POST", "/push_ticket", json!({"component_appid": COMPONENT})).await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains(COMPONENT));
    let (_, c) = ctl(&sb, "GET", "/counters", Value::Null).await;
    assert_eq!(c, json!({}), "control calls are not counted");
}

#[tokio::test]
async fn control_errors_name_the_missing_field() {
    let sb = start(SandboxConfig::default()).await;
    let (status, v) = ctl(&sb, "POST", "/push_event", json!({"component_appid": COMPONENT})).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "info_type is required");
    let (status, v) = ctl(&sb, "POST", "/components", json!({"appid": "wxc", "secret": "s", "token": "t", "encoding_aes_key": "short"})).await;
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("encodingAESKey"), "{v}");
    assert!(!v.to_string().contains("short"), "the key is not echoed");
    // A body of the wrong type: the answer names the field, never the value (it may be a secret).
    let (status, v) = ctl(&sb, "POST", "/components", json!({"appid": "wxc", "secret": 98765432123u64, "token": "t", "encoding_aes_key": AES_KEY})).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "bad request body: secret: invalid type: integer, expected a string");
    let (status, v) = ctl(&sb, "POST", "/config", json!({"lifetimes": {"ticket": "sekrit-soon"}})).await;
    assert_eq!(status, 400);
    let e = v["error"].as_str().unwrap();
    assert!(e.contains("lifetimes.ticket") && e.contains("invalid type: string"), "{e}");
    assert!(!e.contains("sekrit"), "the value is echoed: {e}");
}

#[tokio::test]
async fn in_process_control_answers_as_http_does() {
    let sb = start(SandboxConfig::default()).await;
    let control = sb.control();
    let calls = [
        ("POST", "/push_event", json!({"component_appid": COMPONENT})),
        ("POST", "/push_ticket", json!({"component_appid": "wxnobody"})),
        ("POST", "/faults", json!({"path": "/x", "fault": "boom"})),
        ("POST", "/config", json!({"grace_secs": "soon"})),
        ("GET", "/followers?appid=wxfollowed", Value::Null),
        ("GET", "/config", Value::Null),
        ("GET", "/counters", Value::Null),
    ];
    for (method, path, body) in calls {
        let local = control.call(method, path, if body.is_null() { None } else { Some(body.clone()) }).await;
        assert_eq!((local.status, local.body), ctl(&sb, method, path, body).await, "{method} {path}");
    }
    // Routes and methods that do not exist answer as axum does; a path must be one.
    assert_eq!(control.call("GET", "/nope", None).await.status, 404);
    assert_eq!(control.call("PUT", "/counters", None).await.status, 405);
    assert_eq!(control.call("GET", "counters", None).await.status, 400);
    // A push that cannot reach the platform: 502 (a bad argument is 400).
    control
        .call("POST", "/components", Some(json!({"appid": COMPONENT, "secret": COMPONENT_SECRET, "token": TOKEN, "encoding_aes_key": AES_KEY, "push_url": "http://127.0.0.1:1/"})))
        .await;
    let a = control.call("POST", "/push_ticket", Some(json!({"component_appid": COMPONENT}))).await;
    assert_eq!(a.status, 502, "{:?}", a.body);
    assert!(a.body["error"].as_str().unwrap().contains("push_url failed"), "{:?}", a.body);
}
