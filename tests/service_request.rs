//! The token service's request parsing (src/service/request.rs, also the
//! fuzz target `service_request`): routes, percent-decoding, and refusals
//! that are JSON answers naming the problem, never the framework's text.

use wxthirdparty::service::request::{not_found, parse, Call};

#[test]
fn routes_and_their_refusals() {
    assert_eq!(parse("GET", "/wx1/wechat/token/get", None, b"", false), Ok(Call::TokenGet { appid: "wx1".into() }));
    assert_eq!(parse("HEAD", "/wx%31/wechat/ticket/get", None, b"", false), Ok(Call::TicketGet { appid: "wx1".into() }));
    assert_eq!(parse("GET", "/healthz", Some("x=1"), b"", false), Ok(Call::Healthz));
    assert_eq!(
        parse("POST", "/wechat/platform/create", None, b"appid=wxc&secret=a%2Bb+c", false),
        Ok(Call::Create { appid: "wxc".into(), secret: "a+b c".into(), platform: true })
    );
    assert_eq!(
        parse("POST", "/wechat/app/create", None, br#"{"appid":"wx1","secret":"s"}"#, false),
        Ok(Call::Create { appid: "wx1".into(), secret: "s".into(), platform: false })
    );
    let refresh = |q, body: &[u8]| parse("POST", "/wx1/wechat/token/refresh", q, body, false);
    let want = Ok(Call::TokenRefresh { appid: "wx1".into(), rejected: "T".into() });
    assert_eq!(refresh(Some("access_token=T"), b""), want);
    assert_eq!(refresh(None, br#"{"access_token":"T"}"#), want);
    assert_eq!(refresh(None, b"a=1&access_token=T"), want);
    assert_eq!(refresh(None, b"{}").unwrap_err().status, 400);
    // Refusals are JSON-able answers, never the framework's text.
    assert_eq!(parse("GET", "/%FF/wechat/token/get", None, b"", false).unwrap_err().errmsg, "appid in the path is not valid UTF-8");
    assert_eq!(parse("GET", "/%20/wechat/token/get", None, b"", false).unwrap_err().errmsg, "appid in the path is empty");
    assert_eq!(parse("POST", "/wx1/wechat/token/get", None, b"", false).unwrap_err().errcode, 43001);
    assert_eq!(parse("GET", "/wx1/wechat/token/refresh", None, b"", false).unwrap_err().errcode, 43002);
    assert_eq!(parse("POST", "/wechat/app/create", None, br#"{"appid":"wx1"}"#, false).unwrap_err().errmsg, "appid and secret are required");
    assert_eq!(parse("GET", "//wechat/token/get/x", None, b"", false).unwrap_err(), not_found());
    assert_eq!(parse("GET", "", None, b"", false).unwrap_err(), not_found());
    // A trailing lone % is kept as it is, not read past the end.
    assert_eq!(parse("GET", "/wx%/wechat/token/get", None, b"", false), Ok(Call::TokenGet { appid: "wx%".into() }));
    assert_eq!(parse("GET", "/wx%4/wechat/token/get", None, b"", false), Ok(Call::TokenGet { appid: "wx%4".into() }));
}

#[test]
fn re_keying_takes_the_secret_from_a_post_body_unless_the_legacy_get_is_on() {
    let q = Some("appid=wx1&secret=ATTACKER");
    let get = parse("GET", "/wechat/app/create", q, b"", false).unwrap_err();
    assert_eq!((get.status, get.errcode), (405, 43002));
    assert!(get.errmsg.contains("legacyCreateGet"), "{}", get.errmsg);
    let post = parse("POST", "/wechat/app/create", q, b"", false).unwrap_err();
    assert_eq!(post.status, 400);
    assert!(post.errmsg.contains("not the query string"), "{}", post.errmsg);
    assert_eq!(parse("PUT", "/wechat/app/create", None, b"", false).unwrap_err().status, 405);
    let want = Ok(Call::Create { appid: "wx1".into(), secret: "ATTACKER".into(), platform: false });
    assert_eq!(parse("GET", "/wechat/app/create", q, b"", true), want);
    assert_eq!(parse("POST", "/wechat/app/create", None, b"appid=wx1&secret=ATTACKER", true), want);
}

#[test]
fn access_is_decided_by_path() {
    use wxthirdparty::service::request::{access, Access};
    assert_eq!(access("/healthz"), Access::Open);
    assert_eq!(access("/wechat/app/create"), Access::Admin);
    assert_eq!(access("/wechat/platform/create"), Access::Admin);
    assert_eq!(access("/wx1/wechat/token/get"), Access::Client);
    assert_eq!(access("/metrics"), Access::Client);
    // Anything that is not exactly an open route needs a token.
    assert_eq!(access("/healthz/"), Access::Client);
    assert_eq!(access("//wechat/app/create"), Access::Client);
}

#[test]
fn the_rate_limit_believes_x_forwarded_for_from_trusted_proxies_only() {
    use std::net::IpAddr;
    use wxthirdparty::service::request::client_ip;
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let proxy = ip("10.0.0.1");
    let trusted = [proxy, ip("10.0.0.2")];
    // Not from a trusted proxy: the header is the client's word, ignored.
    assert_eq!(client_ip(ip("203.0.113.9"), &["198.51.100.1"], &trusted), ip("203.0.113.9"));
    assert_eq!(client_ip(proxy, &["198.51.100.1"], &[]), proxy);
    // From a trusted proxy: the nearest hop that is not ours.
    assert_eq!(client_ip(proxy, &["198.51.100.1"], &trusted), ip("198.51.100.1"));
    assert_eq!(client_ip(proxy, &["1.1.1.1, 198.51.100.1, 10.0.0.2"], &trusted), ip("198.51.100.1"), "a forged left hop is skipped");
    assert_eq!(client_ip(proxy, &["1.1.1.1", "198.51.100.1"], &trusted), ip("198.51.100.1"), "several header lines");
    assert_eq!(client_ip(proxy, &["2001:db8::7"], &trusted), ip("2001:db8::7"));
    // Missing, garbled or only our own proxies: the peer.
    assert_eq!(client_ip(proxy, &[], &trusted), proxy);
    assert_eq!(client_ip(proxy, &["not-an-ip"], &trusted), proxy);
    assert_eq!(client_ip(proxy, &["10.0.0.2"], &trusted), proxy);
}
