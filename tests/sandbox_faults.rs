//! Injected faults look to a client exactly like WeChat (or the network) failing.

mod sandbox_common;

use std::time::{Duration, Instant};

use sandbox_common::*;
use serde_json::json;
use wxthirdparty::sandbox::{Fault, SandboxConfig};
use wxthirdparty::wechat::Transport;
use wxthirdparty::Error;

const TOKEN_URL: &str = "/cgi-bin/token";

fn q() -> [(&'static str, &'static str); 3] {
    [("grant_type", "client_credential"), ("appid", APP), ("secret", APP_SECRET)]
}

#[tokio::test]
async fn errcode_faults_hit_the_next_n_calls_only() {
    let sb = start(SandboxConfig::default()).await;
    let t = Transport::new(Some(&sb.url()));
    sb.inject_fault(TOKEN_URL, Fault::Errcode(45009), 2);
    for _ in 0..2 {
        let e = t.get(TOKEN_URL, &q()).await.unwrap_err();
        assert_eq!(e.code(), Some(45009));
        assert_eq!(e.to_string(), "reach max api daily quota limit");
    }
    assert!(t.get(TOKEN_URL, &q()).await.unwrap()["access_token"].is_string());
    sb.inject_fault(TOKEN_URL, Fault::Errcode(-1), 1);
    let e = t.get(TOKEN_URL, &q()).await.unwrap_err();
    assert!(e.is_transient());
    assert_eq!(sb.counters()[TOKEN_URL], 4, "faulted calls are counted too");
    assert_eq!(sb.issued()[TOKEN_URL], 1, "only the successful call issued a token");
}

#[tokio::test]
async fn http_500_reset_and_delay() {
    let sb = start(SandboxConfig::default()).await;
    let t = Transport::with_timeout(Some(&sb.url()), Duration::from_secs(3));
    sb.inject_fault(TOKEN_URL, Fault::Http500, 1);
    match t.get(TOKEN_URL, &q()).await {
        Err(Error::Transport(m)) => assert!(m.contains("500"), "{m}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    sb.inject_fault(TOKEN_URL, Fault::Reset, 1);
    let raw = client().get(format!("{}{}", sb.url(), TOKEN_URL)).query(&q()).send().await;
    assert!(raw.is_err(), "connection reset before any answer: {raw:?}");
    assert!(matches!(t.get(TOKEN_URL, &q()).await, Ok(_)), "the next call is served");

    sb.inject_fault(TOKEN_URL, Fault::DelayMs(400), 1);
    let start = Instant::now();
    assert!(t.get(TOKEN_URL, &q()).await.is_ok(), "a delayed call still succeeds");
    assert!(start.elapsed() >= Duration::from_millis(400));
    let start = Instant::now();
    t.get(TOKEN_URL, &q()).await.unwrap();
    assert!(start.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_wildcard_fault_hits_any_path() {
    let sb = start(SandboxConfig::default()).await;
    sb.inject_fault("*", Fault::Errcode(-1), 1);
    let v = post(&sb, "/cgi-bin/component/api_component_token", &[], json!({})).await;
    assert_eq!(v, json!({"errcode": -1, "errmsg": "system error"}));
}

#[tokio::test]
async fn failure_rate_fails_about_that_share_of_calls() {
    let sb = start(SandboxConfig::default()).await;
    sb.set_failure_rate(Some(TOKEN_URL), 0.2, Fault::Errcode(-1));
    let mut failed = 0;
    for _ in 0..300 {
        if errcode(&get(&sb, TOKEN_URL, &q()).await) == -1 {
            failed += 1;
        }
    }
    assert!((30..=95).contains(&failed), "{failed}/300 failed at 20%");
    // Other paths are untouched; rate 0 removes the rule.
    assert_eq!(errcode(&get(&sb, "/cgi-bin/getcallbackip", &[("access_token", &own_token_retry(&sb).await)]).await), 0);
    sb.set_failure_rate(Some(TOKEN_URL), 0.0, Fault::Errcode(-1));
    for _ in 0..30 {
        assert_eq!(errcode(&get(&sb, TOKEN_URL, &q()).await), 0);
    }
    sb.set_failure_rate(None, 1.0, Fault::Errcode(45009));
    assert_eq!(errcode(&get(&sb, "/cgi-bin/getcallbackip", &[]).await), 45009);
    sb.clear_faults();
    assert_eq!(errcode(&get(&sb, TOKEN_URL, &q()).await), 0);
}

async fn own_token_retry(sb: &wxthirdparty::sandbox::Sandbox) -> String {
    loop {
        let v = get(sb, TOKEN_URL, &q()).await;
        if let Some(t) = v["access_token"].as_str() {
            return t.to_owned();
        }
    }
}

#[tokio::test]
async fn counters_count_every_endpoint_by_path() {
    let sb = start(SandboxConfig::default()).await;
    let token = component_token(&sb).await;
    for _ in 0..3 {
        create_preauthcode(&sb, &token).await;
    }
    get(&sb, "/no/such/path", &[]).await;
    let c = sb.counters();
    assert_eq!(c["/cgi-bin/component/api_component_token"], 1);
    assert_eq!(c["/cgi-bin/component/api_create_preauthcode"], 3);
    assert_eq!(c["/no/such/path"], 1);
    assert!(!c.keys().any(|k| k.starts_with("/__sandbox")));
}

#[tokio::test]
async fn close_stops_listening() {
    let sb = start(SandboxConfig::default()).await;
    let url = sb.url();
    sb.close().await;
    sb.close().await;
    assert!(client().get(format!("{url}/cgi-bin/token")).send().await.is_err());
}
