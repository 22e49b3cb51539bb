//! Official-account endpoints keep realistic state: followers with paging,
//! tags, menus, messages, media; OAuth codes and tokens follow WeChat's rules.

mod sandbox_common;

use sandbox_common::*;
use serde_json::json;
use wxthirdparty::sandbox::{generic_paths, SandboxConfig};

#[tokio::test]
async fn followers_page_with_next_openid() {
    let sb = start(SandboxConfig { followers_page_size: 4, ..Default::default() }).await;
    sb.set_followers(APP, 10);
    let token = own_token(&sb).await;
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let v = get(&sb, "/cgi-bin/user/get", &[("access_token", &token), ("next_openid", &next)]).await;
        assert_eq!(v["total"], 10, "{v}");
        if v["count"] == 0 {
            assert_eq!(v["next_openid"], "");
            break;
        }
        let page: Vec<String> = v["data"]["openid"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_owned()).collect();
        assert_eq!(v["count"], page.len());
        assert_eq!(v["next_openid"], page.last().unwrap().as_str());
        next = page.last().unwrap().clone();
        seen.extend(page);
    }
    assert_eq!(seen, sb.followers(APP));

    let info = get(&sb, "/cgi-bin/user/info", &[("access_token", &token), ("openid", &seen[3]), ("lang", "zh_CN")]).await;
    assert_eq!(info["subscribe"], 1);
    assert_eq!(info["openid"], seen[3].as_str());
    assert!(info["nickname"].is_string() && info["headimgurl"].is_string() && info["subscribe_time"].is_i64());
    let v = get(&sb, "/cgi-bin/user/info", &[("access_token", &token), ("openid", "oNobody")]).await;
    assert_eq!(errcode(&v), 40003);

    let list: Vec<_> = seen[..3].iter().map(|o| json!({"openid": o, "lang": "en"})).collect();
    let v = post(&sb, "/cgi-bin/user/info/batchget", &[("access_token", &token)], json!({"user_list": list})).await;
    assert_eq!(v["user_info_list"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["user_info_list"][0]["language"], "en");

    let v = post(&sb, "/cgi-bin/user/info/updateremark", &[("access_token", &token)], json!({"openid": seen[0], "remark": "老客户"})).await;
    assert_eq!(errcode(&v), 0);
    let info = get(&sb, "/cgi-bin/user/info", &[("access_token", &token), ("openid", &seen[0])]).await;
    assert_eq!(info["remark"], "老客户");
}

#[tokio::test]
async fn tags_create_tag_members_and_list() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    let q = [("access_token", token.as_str())];
    let v = post(&sb, "/cgi-bin/tags/create", &q, json!({"tag": {"name": "广东"}})).await;
    let id = v["tag"]["id"].as_i64().unwrap();
    assert!(id >= 100, "{v}");
    assert_eq!(errcode(&post(&sb, "/cgi-bin/tags/create", &q, json!({"tag": {"name": "广东"}})).await), 45157);
    let users = sb.followers(APP);
    let v = post(&sb, "/cgi-bin/tags/members/batchtagging", &q, json!({"openid_list": users[..2], "tagid": id})).await;
    assert_eq!(errcode(&v), 0, "{v}");
    let v = get(&sb, "/cgi-bin/tags/get", &q).await;
    let tag = v["tags"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(tag["count"], 2);
    let v = post(&sb, "/cgi-bin/tags/getidlist", &q, json!({"openid": users[0]})).await;
    assert_eq!(v["tagid_list"], json!([id]));
    let v = post(&sb, "/cgi-bin/user/tag/get", &q, json!({"tagid": id, "next_openid": ""})).await;
    assert_eq!(v["count"], 2);
    assert_eq!(errcode(&post(&sb, "/cgi-bin/tags/update", &q, json!({"tag": {"id": 2, "name": "x"}})).await), 45058);
    assert_eq!(errcode(&post(&sb, "/cgi-bin/tags/delete", &q, json!({"tag": {"id": id}})).await), 0);
    let v = post(&sb, "/cgi-bin/tags/getidlist", &q, json!({"openid": users[0]})).await;
    assert_eq!(v["tagid_list"], json!([]));
}

#[tokio::test]
async fn menus_are_stored_and_read_back() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    let q = [("access_token", token.as_str())];
    assert_eq!(errcode(&get(&sb, "/cgi-bin/menu/get", &q).await), 46003);
    let menu = json!({"button": [
        {"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"},
        {"name": "菜单", "sub_button": [{"type": "view", "name": "搜索", "url": "http://www.soso.com/"}]}
    ]});
    assert_eq!(errcode(&post(&sb, "/cgi-bin/menu/create", &q, menu).await), 0);
    let v = get(&sb, "/cgi-bin/menu/get", &q).await;
    assert_eq!(v["menu"]["button"][0]["key"], "V1001_TODAY_MUSIC", "{v}");
    assert_eq!(v["menu"]["button"][0]["sub_button"], json!([]));
    assert_eq!(v["menu"]["button"][1]["sub_button"][0]["url"], "http://www.soso.com/");
    let four = json!({"button": [{"type":"click","name":"a","key":"a"},{"type":"click","name":"b","key":"b"},{"type":"click","name":"c","key":"c"},{"type":"click","name":"d","key":"d"}]});
    assert_eq!(errcode(&post(&sb, "/cgi-bin/menu/create", &q, four).await), 40016);
    let cond = json!({"button": [{"type": "click", "name": "x", "key": "x"}], "matchrule": {"sex": "1"}});
    let v = post(&sb, "/cgi-bin/menu/addconditional", &q, cond).await;
    assert!(v["menuid"].is_string(), "{v}");
    assert_eq!(get(&sb, "/cgi-bin/menu/get", &q).await["conditionalmenu"].as_array().unwrap().len(), 1);
    let v = get(&sb, "/cgi-bin/get_current_selfmenu_info", &q).await;
    assert_eq!(v["is_menu_open"], 1);
    assert_eq!(errcode(&get(&sb, "/cgi-bin/menu/delete", &q).await), 0);
    assert_eq!(errcode(&get(&sb, "/cgi-bin/menu/get", &q).await), 46003);
}

#[tokio::test]
async fn messages_are_recorded_and_checked() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    let q = [("access_token", token.as_str())];
    let to = sb.followers(APP)[0].clone();
    let msg = json!({"touser": to, "msgtype": "text", "text": {"content": "你好"}});
    assert_eq!(errcode(&post(&sb, "/cgi-bin/message/custom/send", &q, msg.clone()).await), 0);
    assert_eq!(errcode(&post(&sb, "/cgi-bin/message/custom/send", &q, json!({"touser": "oNobody", "msgtype": "text", "text": {}})).await), 40003);
    let rec = sb.recorded_calls(Some("/cgi-bin/message/custom/send"));
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].body, msg);
    assert_eq!(rec[0].appid.as_deref(), Some(APP));
    let v = post(&sb, "/cgi-bin/message/template/send", &q, json!({"touser": to, "template_id": "T1", "data": {}})).await;
    assert_eq!(errcode(&v), 0);
    assert!(v["msgid"].is_i64());
}

#[tokio::test]
async fn media_upload_and_get_round_trip() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    let t = wxthirdparty::wechat::Transport::new(Some(&sb.url()));
    let bytes = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    let v = t.post_form("/cgi-bin/media/upload", &[("access_token", &token), ("type", "image")], file_form("a.jpg", bytes.clone())).await.unwrap();
    assert_eq!(v["type"], "image");
    let id = v["media_id"].as_str().unwrap().to_owned();
    let (got, ctype) = t.get_bytes("/cgi-bin/media/get", &[("access_token", &token), ("media_id", &id)]).await.unwrap();
    assert_eq!(got, bytes);
    assert_eq!(ctype, "image/jpeg");
    let e = t.get_bytes("/cgi-bin/media/get", &[("access_token", &token), ("media_id", "nope")]).await.unwrap_err();
    assert_eq!(e.code(), Some(40007));

    let v = t.post_form("/cgi-bin/material/add_material", &[("access_token", &token), ("type", "image")], file_form("b.png", vec![1, 2, 3])).await.unwrap();
    assert!(v["url"].is_string());
    let news = json!({"articles": [{"title": "t", "thumb_media_id": id, "content": "c"}]});
    let v = t.post("/cgi-bin/material/add_news", &[("access_token", &token)], &news).await.unwrap();
    let news_id = v["media_id"].as_str().unwrap().to_owned();
    let v = t.post("/cgi-bin/material/get_material", &[("access_token", &token)], &json!({"media_id": news_id})).await.unwrap();
    assert_eq!(v["news_item"][0]["title"], "t");
    let v = t.get("/cgi-bin/material/get_materialcount", &[("access_token", &token)]).await.unwrap();
    assert_eq!((v["image_count"].as_i64(), v["news_count"].as_i64()), (Some(1), Some(1)));
    let v = t.post("/cgi-bin/material/batchget_material", &[("access_token", &token)], &json!({"type": "news", "offset": 0, "count": 20})).await.unwrap();
    assert_eq!(v["item_count"], 1);
}

#[tokio::test]
async fn qrcode_and_shorturl() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    let q = [("access_token", token.as_str())];
    let v = post(&sb, "/cgi-bin/qrcode/create", &q, json!({"expire_seconds": 600, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 7}}})).await;
    assert_eq!(v["expire_seconds"], 600);
    assert!(v["ticket"].is_string() && v["url"].is_string());
    let v = post(&sb, "/cgi-bin/qrcode/create", &q, json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "x"}}})).await;
    assert!(v.get("expire_seconds").is_none());
    let v = post(&sb, "/cgi-bin/shorturl", &q, json!({"action": "long2short", "long_url": "http://example.com/a"})).await;
    assert!(v["short_url"].as_str().unwrap().starts_with("https://w.url.cn/s/"));
}

#[tokio::test]
async fn long_tail_checks_the_token_and_records_the_body() {
    let sb = start(SandboxConfig::default()).await;
    let token = own_token(&sb).await;
    assert!(generic_paths().len() > 100);
    for path in generic_paths() {
        let v = post(&sb, path, &[("access_token", &token)], json!({"probe": path})).await;
        assert_eq!(errcode(&v), 0, "{path}: {v}");
        assert_eq!(v["errmsg"], "ok");
    }
    assert_eq!(sb.recorded_calls(Some("/card/create"))[0].body, json!({"probe": "/card/create"}));
    let v = get(&sb, "/cgi-bin/getcallbackip", &[("access_token", &token)]).await;
    assert_eq!(v["ip_list"][0], "127.0.0.1");
    assert_eq!(errcode(&get(&sb, "/card/getcolors", &[("access_token", "bad")]).await), 40001);
    assert_eq!(errcode(&get(&sb, "/card/getcolors", &[]).await), 41001);
}

#[tokio::test]
async fn oauth_code_token_refresh_userinfo_and_auth() {
    let sb = start(SandboxConfig::default()).await;
    let code = sb.oauth_code(APP, None, "snsapi_userinfo", None);
    let grant = |code: &str| {
        [("appid", APP.to_owned()), ("secret", APP_SECRET.to_owned()), ("code", code.to_owned()), ("grant_type", "authorization_code".to_owned())]
    };
    let g = grant(&code.code);
    let q: Vec<(&str, &str)> = g.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = get(&sb, "/sns/oauth2/access_token", &q).await;
    assert_eq!(v["openid"], code.openid.as_str(), "{v}");
    assert_eq!(v["scope"], "snsapi_userinfo");
    assert_eq!(v["expires_in"], 7200);
    assert!(v["unionid"].is_string());
    assert_eq!(errcode(&get(&sb, "/sns/oauth2/access_token", &q).await), 40163, "code is single use");
    let at = v["access_token"].as_str().unwrap().to_owned();
    let rt = v["refresh_token"].as_str().unwrap().to_owned();

    let u = get(&sb, "/sns/userinfo", &[("access_token", &at), ("openid", &code.openid)]).await;
    assert!(u["nickname"].is_string() && u["privilege"].is_array(), "{u}");
    assert_eq!(errcode(&get(&sb, "/sns/auth", &[("access_token", &at), ("openid", &code.openid)]).await), 0);
    assert_eq!(errcode(&get(&sb, "/sns/auth", &[("access_token", &at), ("openid", "oOther")]).await), 40003);

    let v = get(&sb, "/sns/oauth2/refresh_token", &[("appid", APP), ("grant_type", "refresh_token"), ("refresh_token", &rt)]).await;
    assert_eq!(v["refresh_token"], rt.as_str());
    assert_ne!(v["access_token"], at.as_str());
    assert_eq!(errcode(&get(&sb, "/sns/oauth2/refresh_token", &[("appid", APP), ("grant_type", "refresh_token"), ("refresh_token", "x")]).await), 40030);

    let base = sb.oauth_code(APP, None, "snsapi_base", None);
    let g = grant(&base.code);
    let q: Vec<(&str, &str)> = g.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let at = get(&sb, "/sns/oauth2/access_token", &q).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(errcode(&get(&sb, "/sns/userinfo", &[("access_token", &at), ("openid", &base.openid)]).await), 48001, "snsapi_base has no userinfo");
}

#[tokio::test]
async fn jscode2session_and_component_oauth() {
    let sb = start(SandboxConfig::default()).await;
    let c = sb.js_code(APP, None, None);
    let q = [("appid", APP), ("secret", APP_SECRET), ("js_code", c.code.as_str()), ("grant_type", "authorization_code")];
    let v = get(&sb, "/sns/jscode2session", &q).await;
    assert_eq!(v["openid"], c.openid.as_str(), "{v}");
    assert_eq!(v["session_key"].as_str().unwrap().len(), 24);
    assert_eq!(errcode(&get(&sb, "/sns/jscode2session", &q).await), 40163);

    let token = component_token(&sb).await;
    let a = sb.authorize(COMPONENT, Default::default()).await.unwrap();
    let code = sb.oauth_code(&a.authorizer_appid, None, "snsapi_base", Some(COMPONENT));
    let v = get(
        &sb,
        "/sns/oauth2/component/access_token",
        &[
            ("appid", a.authorizer_appid.as_str()),
            ("code", code.code.as_str()),
            ("grant_type", "authorization_code"),
            ("component_appid", COMPONENT),
            ("component_access_token", token.as_str()),
        ],
    )
    .await;
    assert_eq!(v["openid"], code.openid.as_str(), "{v}");
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    let v = get(
        &sb,
        "/sns/oauth2/component/refresh_token",
        &[
            ("appid", a.authorizer_appid.as_str()),
            ("grant_type", "refresh_token"),
            ("component_appid", COMPONENT),
            ("component_access_token", token.as_str()),
            ("refresh_token", rt.as_str()),
        ],
    )
    .await;
    assert!(v["access_token"].is_string(), "{v}");
}

#[tokio::test]
async fn the_consent_page_redirects_with_a_code() {
    let sb = start(SandboxConfig::default()).await;
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect
        .get(format!("{}/connect/oauth2/authorize", sb.url()))
        .query(&[("appid", APP), ("redirect_uri", "http://app.example/cb?x=1"), ("response_type", "code"), ("scope", "snsapi_userinfo"), ("state", "s1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["x"], "1");
    assert_eq!(q["state"], "s1");
    let v = get(&sb, "/sns/oauth2/access_token", &[("appid", APP), ("secret", APP_SECRET), ("code", &q["code"]), ("grant_type", "authorization_code")]).await;
    assert_eq!(v["scope"], "snsapi_userinfo", "{v}");
}

#[tokio::test]
async fn the_component_login_page_authorizes_and_redirects_with_auth_code() {
    let sb = start(SandboxConfig::default()).await;
    let token = component_token(&sb).await;
    let pre = create_preauthcode(&sb, &token).await["pre_auth_code"].as_str().unwrap().to_owned();
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect
        .get(format!("{}/cgi-bin/componentloginpage", sb.url()))
        .query(&[("component_appid", COMPONENT), ("pre_auth_code", pre.as_str()), ("redirect_uri", "http://app.example/authorized"), ("auth_type", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["expires_in"], "3600");
    let v = post(
        &sb,
        "/cgi-bin/component/api_query_auth",
        &[("component_access_token", &token)],
        json!({"component_appid": COMPONENT, "authorization_code": q["auth_code"]}),
    )
    .await;
    assert!(v["authorization_info"]["authorizer_access_token"].is_string(), "{v}");
}

fn file_form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part("media", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()))
}
