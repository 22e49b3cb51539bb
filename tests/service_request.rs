//! The token service's request parsing (src/service/request.rs, also the
//! fuzz target `service_request`): routes, percent-decoding, and refusals
//! that are JSON answers naming the problem, never the framework's text.

use wxthirdparty::service::request::{not_found, parse, Call};

#[test]
fn routes_and_their_refusals() {
    assert_eq!(parse("GET", "/wx1/wechat/token/get", None, b""), Ok(Call::TokenGet { appid: "wx1".into() }));
    assert_eq!(parse("HEAD", "/wx%31/wechat/ticket/get", None, b""), Ok(Call::TicketGet { appid: "wx1".into() }));
    assert_eq!(parse("GET", "/healthz", Some("x=1"), b""), Ok(Call::Healthz));
    assert_eq!(
        parse("POST", "/wechat/platform/create", Some("appid=wxc&secret=a%2Bb+c"), b""),
        Ok(Call::Create { appid: "wxc".into(), secret: "a+b c".into(), platform: true })
    );
    let refresh = |q, body: &[u8]| parse("POST", "/wx1/wechat/token/refresh", q, body);
    let want = Ok(Call::TokenRefresh { appid: "wx1".into(), rejected: "T".into() });
    assert_eq!(refresh(Some("access_token=T"), b""), want);
    assert_eq!(refresh(None, br#"{"access_token":"T"}"#), want);
    assert_eq!(refresh(None, b"a=1&access_token=T"), want);
    assert_eq!(refresh(None, b"{}").unwrap_err().status, 400);
    // Refusals are JSON-able answers, never the framework's text.
    assert_eq!(parse("GET", "/%FF/wechat/token/get", None, b"").unwrap_err().errmsg, "appid in the path is not valid UTF-8");
    assert_eq!(parse("GET", "/%20/wechat/token/get", None, b"").unwrap_err().errmsg, "appid in the path is empty");
    assert_eq!(parse("POST", "/wx1/wechat/token/get", None, b"").unwrap_err().errcode, 43001);
    assert_eq!(parse("GET", "/wx1/wechat/token/refresh", None, b"").unwrap_err().errcode, 43002);
    assert_eq!(parse("GET", "/wechat/app/create", Some("appid=wx1"), b"").unwrap_err().errmsg, "appid and secret are required");
    assert_eq!(parse("GET", "//wechat/token/get/x", None, b"").unwrap_err(), not_found());
    assert_eq!(parse("GET", "", None, b"").unwrap_err(), not_found());
    // A trailing lone % is kept as it is, not read past the end.
    assert_eq!(parse("GET", "/wx%/wechat/token/get", None, b""), Ok(Call::TokenGet { appid: "wx%".into() }));
    assert_eq!(parse("GET", "/wx%4/wechat/token/get", None, b""), Ok(Call::TokenGet { appid: "wx%4".into() }));
}
