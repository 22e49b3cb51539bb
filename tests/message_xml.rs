//! WeChat XML: every push and message kind parses with WeChat's names,
//! envelopes decrypt, replies build (and parse back), hostile XML is refused.

use serde_json::{json, Map, Value};
use wxthirdparty::crypto::MsgCrypt;
use wxthirdparty::message::{self, ParseOptions, SignatureQuery};
use wxthirdparty::Error;

fn parse(xml: &str) -> Map<String, Value> {
    message::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"))
}

fn parse_err(xml: &str) -> String {
    match message::parse(xml) {
        Err(Error::Parse(m)) => m,
        other => panic!("expected a parse error for {xml:?}, got {other:?}"),
    }
}

// Field layouts below follow WeChat's documentation for each push / message.

#[test]
fn open_platform_pushes() {
    let ticket = parse(
        "<xml><AppId><![CDATA[wx3a9e5a2b0c1d4e5f]]></AppId>\n<CreateTime>1413192605</CreateTime>\n\
         <InfoType><![CDATA[component_verify_ticket]]></InfoType>\n\
         <ComponentVerifyTicket><![CDATA[ticket@@@Lc2Ue2-x_yZ]]></ComponentVerifyTicket>\n</xml>",
    );
    assert_eq!(
        Value::Object(ticket),
        json!({"AppId": "wx3a9e5a2b0c1d4e5f", "CreateTime": "1413192605",
               "InfoType": "component_verify_ticket", "ComponentVerifyTicket": "ticket@@@Lc2Ue2-x_yZ"})
    );

    for info in ["authorized", "updateauthorized"] {
        let m = parse(&format!(
            "<xml><AppId>wxcomponent</AppId><CreateTime>1413192760</CreateTime><InfoType>{info}</InfoType>\
             <AuthorizerAppid>wxauthorizer</AuthorizerAppid><AuthorizationCode>queryauthcode@@@x</AuthorizationCode>\
             <AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@y</PreAuthCode></xml>"
        ));
        assert_eq!(m["InfoType"], info);
        assert_eq!(m["AuthorizerAppid"], "wxauthorizer");
        assert_eq!(m["AuthorizationCode"], "queryauthcode@@@x");
        assert_eq!(m["AuthorizationCodeExpiredTime"], "1413196360");
        assert_eq!(m["PreAuthCode"], "preauthcode@@@y");
    }
    let m = parse("<xml><AppId>wxc</AppId><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid></xml>");
    assert_eq!(m["InfoType"], "unauthorized");
    assert_eq!(m["AuthorizerAppid"], "wxa");

    // Any other InfoType keeps its fields, nested ones included.
    let m = parse(
        "<xml><AppId>wxc</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fasteregister</InfoType>\
         <appid>wxnew</appid><status>0</status><msg>OK</msg><info><name>公司</name><code>123</code></info></xml>",
    );
    assert_eq!(m["info"], json!({"name": "公司", "code": "123"}));
    assert_eq!(m["status"], "0");
}

fn msg(kind: &str, rest: &str) -> Map<String, Value> {
    parse(&format!(
        "<xml><ToUserName><![CDATA[gh_123]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>\
         <CreateTime>1348831860</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{rest}</xml>"
    ))
}

#[test]
fn official_account_messages() {
    let m = msg("text", "<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId>");
    assert_eq!(m["Content"], "this is a test");
    assert_eq!(m["MsgId"], "1234567890123456");
    assert_eq!(m["ToUserName"], "gh_123");
    assert_eq!(m["FromUserName"], "oUser");
    assert_eq!(m["CreateTime"], "1348831860");

    let m = msg("image", "<PicUrl><![CDATA[http://e.com/a.jpg]]></PicUrl><MediaId><![CDATA[media]]></MediaId><MsgId>1</MsgId>");
    assert_eq!((m["MsgType"].as_str(), m["PicUrl"].as_str(), m["MediaId"].as_str()), (Some("image"), Some("http://e.com/a.jpg"), Some("media")));
    let m = msg("voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信]]></Recognition><MsgId>1</MsgId>");
    assert_eq!(m["Format"], "amr");
    assert_eq!(m["Recognition"], "腾讯微信");
    for kind in ["video", "shortvideo"] {
        let m = msg(kind, "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>1</MsgId>");
        assert_eq!(m["MsgType"], kind);
        assert_eq!(m["ThumbMediaId"], "t");
    }
    let m = msg("location", "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1</MsgId>");
    assert_eq!((m["Location_X"].as_str(), m["Location_Y"].as_str(), m["Scale"].as_str()), (Some("23.134521"), Some("113.358803"), Some("20")));
    assert_eq!(m["Label"], "位置信息");
    let m = msg("link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://e.com/?a=1&b=2]]></Url><MsgId>1</MsgId>");
    assert_eq!(m["Url"], "http://e.com/?a=1&b=2");
}

fn event(name: &str, rest: &str) -> Map<String, Value> {
    msg("event", &format!("<Event><![CDATA[{name}]]></Event>{rest}"))
}

#[test]
fn official_account_events() {
    let m = event("subscribe", "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>");
    assert_eq!((m["Event"].as_str(), m["EventKey"].as_str(), m["Ticket"].as_str()), (Some("subscribe"), Some("qrscene_123123"), Some("TICKET")));
    assert_eq!(event("unsubscribe", "")["Event"], "unsubscribe");
    assert_eq!(event("SCAN", "<EventKey><![CDATA[123]]></EventKey><Ticket><![CDATA[T]]></Ticket>")["EventKey"], "123");
    let m = event("LOCATION", "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>");
    assert_eq!((m["Latitude"].as_str(), m["Precision"].as_str()), (Some("23.137466"), Some("119.385040")));
    assert_eq!(event("CLICK", "<EventKey><![CDATA[V1001_TODAY]]></EventKey>")["EventKey"], "V1001_TODAY");
    let m = event("VIEW", "<EventKey><![CDATA[http://www.qq.com/]]></EventKey><MenuId>123</MenuId>");
    assert_eq!(m["MenuId"], "123");
    let m = event("TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>");
    assert_eq!((m["MsgID"].as_str(), m["Status"].as_str()), (Some("200163836"), Some("success")));
    let m = event(
        "MASSSENDJOBFINISH",
        "<MsgID>1988</MsgID><Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount>\
         <FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>\
         <CopyrightCheckResult><Count>2</Count><ResultList>\
         <item><ArticleIdx>1</ArticleIdx><UserDeclareState>0</UserDeclareState></item>\
         <item><ArticleIdx>2</ArticleIdx><UserDeclareState>1</UserDeclareState></item>\
         </ResultList><CheckState>2</CheckState></CopyrightCheckResult>",
    );
    assert_eq!(m["SentCount"], "75");
    assert_eq!(
        m["CopyrightCheckResult"],
        json!({"Count": "2", "CheckState": "2", "ResultList": {"item": [
            {"ArticleIdx": "1", "UserDeclareState": "0"}, {"ArticleIdx": "2", "UserDeclareState": "1"}]}})
    );
    // Menu events with nested groups: one child → object, repeated → array.
    let m = event("scancode_push", "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>");
    assert_eq!(m["ScanCodeInfo"], json!({"ScanType": "qrcode", "ScanResult": "1"}));
    let m = event("pic_sysphoto", "<SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c]]></PicMd5Sum></item></PicList></SendPicsInfo>");
    assert_eq!(m["SendPicsInfo"], json!({"Count": "1", "PicList": {"item": {"PicMd5Sum": "1b5f7c"}}}));
    // Unknown events are kept generically.
    let m = event("some_future_event", "<Foo>bar</Foo><Nested><A>1</A></Nested>");
    assert_eq!((m["Event"].as_str(), m["Foo"].as_str()), (Some("some_future_event"), Some("bar")));
    assert_eq!(m["Nested"], json!({"A": "1"}));
}

#[test]
fn text_cdata_entities_and_layout() {
    let m = parse(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<xml>\n  <A>  padded  </A>\n  <B><![CDATA[  kept  ]]></B>\n\
         <C>&lt;&gt;&amp;&quot;&apos;&#20013;&#x6587;</C><D/><E></E><F>x<![CDATA[]]]]><![CDATA[>]]>y</F></xml>",
    );
    assert_eq!(m["A"], "padded");
    assert_eq!(m["B"], "  kept  ");
    assert_eq!(m["C"], "<>&\"'中文");
    assert_eq!(m["D"], "");
    assert_eq!(m["E"], "");
    assert_eq!(m["F"], "x]]>y");
    // A BOM is tolerated; an empty root is an empty object.
    assert!(parse("\u{feff}<xml></xml>").is_empty());
    assert!(parse("<xml/>").is_empty());
}

#[test]
fn json_text_output_matches_the_map_and_escapes() {
    let xml = "<xml><Q><![CDATA[say \"hi\" \\ \u{1} \t\n 中文 🎉]]></Q><L><item>a</item><item>b</item><item><X>1</X></item></L><Z>z</Z><A>a</A></xml>";
    let json = message::parse_json(xml, &ParseOptions::default()).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), Value::Object(parse(xml)));
    // Keys keep document order in the JSON text.
    assert!(json.find("\"Z\"").unwrap() < json.find("\"A\"").unwrap(), "{json}");
    // Many siblings (the hashed grouping path) group the same way.
    let many: String = (0..100).map(|i| format!("<k{}>{i}</k{}>", i % 7, i % 7)).collect();
    let xml = format!("<xml>{many}</xml>");
    let json = message::parse_json(&xml, &ParseOptions::default()).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), Value::Object(parse(&xml)));
}

/// `n` distinct siblings `<f0>0</f0>…`.
fn fields(n: usize) -> String {
    (0..n).map(|i| format!("<f{i}>{i}</f{i}>")).collect()
}

/// A root holding `n` distinct siblings, then `tail` (more XML).
fn siblings(n: usize, tail: &str) -> String {
    format!("<xml>{}{tail}</xml>", fields(n))
}

#[test]
fn tens_of_thousands_of_distinct_siblings_parse_whole_and_in_order() {
    // The streaming path keeps sibling names hashed past a handful (it was
    // a linear scan per child: quadratic; benches/RESULTS.md, parse rows).
    let opts = ParseOptions::default();
    for n in [17, 40_000] {
        let xml = siblings(n, "");
        let json = message::parse_json(&xml, &opts).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.len(), n);
        assert_eq!(o["f0"], json!("0"));
        assert_eq!(o[&format!("f{}", n - 1)], json!((n - 1).to_string()));
        assert!(json.starts_with("{\"f0\":\"0\",\"f1\":\"1\","), "document order");
        assert_eq!(v, Value::Object(parse(&xml)));
    }
    // A repeat found in the hashed set (after many names) still groups into an array.
    for (n, again) in [(16, "f3"), (17, "f16"), (40_000, "f0"), (40_000, "f39999")] {
        let xml = siblings(n, &format!("<{again}>x</{again}>"));
        let v: Value = serde_json::from_str(&message::parse_json(&xml, &opts).unwrap()).unwrap();
        let i = &again[1..];
        assert_eq!(v[again], json!([i, "x"]), "{n} siblings, {again} repeated");
        assert_eq!(v.as_object().unwrap().len(), n);
        assert_eq!(v, Value::Object(parse(&xml)));
    }
    // Nested: each element keeps its own set.
    let xml = format!("<xml><A>{}</A><B><f0>b</f0></B></xml>", fields(100));
    let v: Value = serde_json::from_str(&message::parse_json(&xml, &opts).unwrap()).unwrap();
    assert_eq!(v["A"].as_object().unwrap().len(), 100);
    assert_eq!(v["B"], json!({"f0": "b"}));
}

#[test]
fn hostile_and_malformed_xml_is_refused_clearly() {
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><A>&xxe;</A></xml>";
    assert_eq!(parse_err(xxe), "DOCTYPE is not allowed (no DTDs or entity declarations)");
    let bomb = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><xml><A>&lol2;</A></xml>";
    assert!(parse_err(bomb).starts_with("DOCTYPE is not allowed"));
    // An undeclared entity is an error, never expanded or passed through.
    assert!(parse_err("<xml><A>&xxe;</A></xml>").contains("malformed XML"));

    assert!(parse_err("<xml><A>1</B></xml>").starts_with("malformed XML at byte"));
    assert_eq!(parse_err("<xml><A>1</A>"), "malformed XML: <xml> is not closed");
    assert_eq!(parse_err("<xml><A>1</A></xml><xml></xml>"), "malformed XML: more than one root element");
    assert_eq!(parse_err("hello"), "malformed XML: text outside the root element");
    assert_eq!(parse_err(""), "no XML element found");
    assert_eq!(parse_err("<xml>just text</xml>"), "the root element <xml> holds text, not fields");
    assert!(parse_err("<xml><A><![CDATA[open</A></xml>").starts_with("malformed XML"));

    let deep = format!("<xml>{}{}</xml>", "<a>".repeat(40), "</a>".repeat(40));
    assert_eq!(parse_err(&deep), "XML nests deeper than 32 levels");
}

#[test]
fn size_cap_default_and_configurable() {
    let field = "x".repeat(1024 * 1024);
    let big = format!("<xml><A>{field}</A></xml>");
    assert_eq!(parse_err(&big), format!("XML is {} bytes, over the limit of 1048576 bytes", big.len()));
    let opts = ParseOptions { max_bytes: 2 * 1024 * 1024 };
    assert_eq!(message::parse_with(&big, &opts).unwrap()["A"].as_str().unwrap().len(), field.len());
    let tiny = ParseOptions { max_bytes: 10 };
    assert!(matches!(message::parse_with("<xml><A>1</A></xml>", &tiny), Err(Error::Parse(_))));
}

fn key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode([42u8; 32])
}

#[test]
fn envelope_round_trip_and_failures() {
    let crypt = MsgCrypt::new("tok", &key(), "wxcomponentappid").unwrap();
    let inner = "<xml><AppId><![CDATA[wxcomponentappid]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>";
    let env = message::encrypt_envelope(&crypt, inner, "1700000000", "nonce1");
    let fields = message::parse(&env).unwrap();
    let q = SignatureQuery {
        timestamp: "1700000000".into(),
        nonce: "nonce1".into(),
        msg_signature: fields["MsgSignature"].as_str().unwrap().into(),
    };
    // WeChat's push body carries AppId + Encrypt; the envelope we build carries more. Both work.
    let push = format!("<xml><AppId><![CDATA[wxcomponentappid]]></AppId><Encrypt><![CDATA[{}]]></Encrypt></xml>", fields["Encrypt"].as_str().unwrap());
    for body in [env.as_str(), push.as_str()] {
        let m = message::decrypt_envelope(&crypt, body, Some(&q)).unwrap();
        assert_eq!(m["ComponentVerifyTicket"], "ticket@@@abc");
        assert_eq!(m, message::decrypt_envelope(&crypt, body, None).unwrap());
    }
    let bad = SignatureQuery { msg_signature: "0".repeat(40), ..q.clone() };
    assert_eq!(message::decrypt_envelope(&crypt, &env, Some(&bad)), Err(Error::Crypto("msg_signature does not match".into())));
    assert_eq!(
        message::decrypt_envelope(&crypt, inner, None),
        Err(Error::Parse("the message has no <Encrypt> element (is it encrypted?)".into()))
    );
    let other = MsgCrypt::new("tok", &key(), "wxsomeoneelse").unwrap();
    assert_eq!(
        message::decrypt_envelope(&other, &env, None),
        Err(Error::Crypto("decrypted message is for another appid".into()))
    );
    // The cap applies to the body (base64 makes the inner XML always smaller).
    let big = format!("<xml><A>{}</A></xml>", "y".repeat(5000));
    let env = message::encrypt_envelope(&crypt, &big, "1", "n");
    let cap = ParseOptions { max_bytes: env.len() - 1 };
    assert!(matches!(message::decrypt_envelope_with(&crypt, &env, None, &cap), Err(Error::Parse(m)) if m.contains("over the limit")));
    let cap = ParseOptions { max_bytes: env.len() };
    assert_eq!(message::decrypt_envelope_with(&crypt, &env, None, &cap).unwrap()["A"].as_str().map(str::len), Some(5000));

    assert_eq!(SignatureQuery::from_parts(None, None, None), Ok(None));
    assert!(matches!(
        SignatureQuery::from_parts(Some("1".into()), None, Some("s".into())),
        Err(Error::InvalidArgument { name: "query", reason }) if reason.contains("nonce")
    ));
}

fn incoming() -> Map<String, Value> {
    msg("text", "<Content><![CDATA[hi]]></Content><MsgId>1</MsgId>")
}

/// Builds a reply and parses it back.
fn reply(r: Value) -> Map<String, Value> {
    let xml = message::build_reply_at(&incoming(), &r, 1700000000).unwrap();
    let m = parse(&xml);
    assert_eq!(m["ToUserName"], "oUser", "addressed to the sender");
    assert_eq!(m["FromUserName"], "gh_123");
    assert_eq!(m["CreateTime"], "1700000000");
    m
}

#[test]
fn replies_of_every_kind() {
    let m = reply(json!("hello ]]> <b>&amp;</b>"));
    assert_eq!((m["MsgType"].as_str(), m["Content"].as_str()), (Some("text"), Some("hello ]]> <b>&amp;</b>")));
    assert_eq!(reply(json!({"type": "text", "content": "yo"}))["Content"], "yo");
    assert_eq!(reply(json!({"type": "image", "content": {"mediaId": "m1"}}))["Image"], json!({"MediaId": "m1"}));
    assert_eq!(reply(json!({"type": "image", "mediaId": "m2"}))["Image"], json!({"MediaId": "m2"}));
    assert_eq!(reply(json!({"type": "voice", "content": {"mediaId": "v"}}))["Voice"], json!({"MediaId": "v"}));
    assert_eq!(
        reply(json!({"type": "video", "content": {"mediaId": "v", "title": "T", "description": "D"}}))["Video"],
        json!({"MediaId": "v", "Title": "T", "Description": "D"})
    );
    let m = reply(json!({"type": "music", "content": {"title": "t", "description": "d", "musicUrl": "http://m", "hqMusicUrl": "http://hq", "thumbMediaId": "th"}}));
    assert_eq!(m["MsgType"], "music");
    assert_eq!(m["Music"], json!({"Title": "t", "Description": "d", "MusicUrl": "http://m", "HQMusicUrl": "http://hq", "ThumbMediaId": "th"}));
    // wechat's shorthand: an object with musicUrl and no type is music.
    assert_eq!(reply(json!({"title": "t", "musicUrl": "http://m"}))["MsgType"], "music");

    let articles = json!([{"title": "A", "description": "a", "picurl": "http://p/a", "url": "http://u/a"},
                          {"title": "B", "description": "b", "picUrl": "http://p/b", "url": "http://u/b"}]);
    let m = reply(articles.clone());
    assert_eq!((m["MsgType"].as_str(), m["ArticleCount"].as_str()), (Some("news"), Some("2")));
    assert_eq!(m["Articles"]["item"][1], json!({"Title": "B", "Description": "b", "PicUrl": "http://p/b", "Url": "http://u/b"}));
    assert_eq!(reply(json!({"type": "news", "content": articles}))["ArticleCount"], "2");

    let m = reply(json!({"type": "transfer_customer_service"}));
    assert_eq!(m["MsgType"], "transfer_customer_service");
    assert!(!m.contains_key("TransInfo"));
    let m = reply(json!({"type": "customerService", "kfAccount": "kf2001@gh"}));
    assert_eq!(m["TransInfo"], json!({"KfAccount": "kf2001@gh"}));
}

#[test]
fn reply_errors_name_what_is_wrong() {
    let err = |message: &Map<String, Value>, r: Value| match message::build_reply(message, &r) {
        Err(Error::InvalidArgument { name, reason }) => format!("{name}: {reason}"),
        other => panic!("expected an argument error, got {other:?}"),
    };
    let m = incoming();
    assert_eq!(err(&Map::new(), json!("x")), "message: has no FromUserName to reply to");
    assert!(err(&m, json!({"type": "sticker"})).starts_with("reply: unknown type 'sticker'"));
    assert_eq!(err(&m, json!({"type": "image", "content": {}})), "reply: a image reply needs mediaId");
    assert_eq!(err(&m, json!([])), "reply: a news reply needs at least one article");
    assert!(err(&m, json!(42)).starts_with("reply: must be a string"));
    assert!(err(&m, json!({"content": "no type"})).starts_with("reply: an object reply needs a type"));
}

#[test]
fn to_xml_round_trips_through_parse() {
    let fields = json!({"ToUserName": "a]]>b", "CreateTime": 1700000000, "Flag": true, "Empty": null,
                        "Group": {"X": "1", "Items": ["p", "q"]}});
    let xml = message::to_xml(fields.as_object().unwrap());
    let back = parse(&xml);
    assert_eq!(
        Value::Object(back),
        json!({"ToUserName": "a]]>b", "CreateTime": "1700000000", "Flag": "true", "Empty": "",
               "Group": {"X": "1", "Items": ["p", "q"]}})
    );
    // Keys that cannot be element names are made safe instead of breaking the XML.
    let xml = message::to_xml(json!({"a b<c": "v", "1x": "w"}).as_object().unwrap());
    assert_eq!(Value::Object(parse(&xml)), json!({"a_b_c": "v", "_1x": "w"}));
}
