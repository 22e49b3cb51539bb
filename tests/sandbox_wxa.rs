//! The sandbox's mini-program rules over real HTTP: the template library,
//! commit's ext_json checks, the code-privacy window (61039), the audit
//! quota and 85009, the reviewer on the sandbox clock, release / 85052 /
//! rollback / gray release, domains against the platform's list,
//! MiniProgramInfo, fast registration creating an authorizer.

mod sandbox_common;

use serde_json::{json, Value};
use wxthirdparty::sandbox::{AuthorizeOptions, Sandbox, SandboxConfig};

use sandbox_common::*;

/// A mini program authorized to the component: (appid, authorizer token, component token).
async fn mini_program(sb: &Sandbox) -> (String, String, String) {
    let ctoken = component_token(sb).await;
    let a = sb.authorize(COMPONENT, AuthorizeOptions { mini_program: true, ..Default::default() }).await.unwrap();
    let v = post(sb, "/cgi-bin/component/api_query_auth", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorization_code": a.auth_code})).await;
    let info = &v["authorization_info"];
    assert!(info["func_info"].as_array().unwrap().iter().any(|f| f["funcscope_category"]["id"] == 18), "{v}");
    (a.authorizer_appid, info["authorizer_access_token"].as_str().unwrap().to_owned(), ctoken)
}

async fn control(sb: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Value {
    let a = sb.control().call(method, path, body).await;
    assert_eq!(a.status, 200, "{path}: {}", a.body);
    a.body
}

/// A template in the component's library: its template_id.
async fn template(sb: &Sandbox, ctoken: &str) -> i64 {
    let draft = control(sb, "POST", "/wxa/drafts", Some(json!({"component_appid": COMPONENT, "user_version": "1.0.0"}))).await;
    let v = post(sb, "/wxa/addtotemplate", &[("access_token", ctoken)], json!({"draft_id": draft["draft_id"], "template_type": 0})).await;
    assert_eq!(errcode(&v), 0, "{v}");
    let list = get(sb, "/wxa/gettemplatelist", &[("access_token", ctoken)]).await;
    list["template_list"][0]["template_id"].as_i64().unwrap()
}

#[tokio::test]
async fn commit_audit_release_follow_wechats_rules() {
    let sb = start(SandboxConfig::default()).await;
    let (appid, token, ctoken) = mini_program(&sb).await;
    let q = [("access_token", token.as_str())];
    let tid = template(&sb, &ctoken).await;
    let commit = |ext: &str| json!({"template_id": tid, "ext_json": ext, "user_version": "1.0.0", "user_desc": "d"});

    assert_eq!(errcode(&post(&sb, "/wxa/commit", &q, json!({"template_id": 999, "ext_json": "{}", "user_version": "1", "user_desc": "d"})).await), 85014);
    assert_eq!(errcode(&post(&sb, "/wxa/commit", &q, commit("{not json")).await), 85048);
    assert_eq!(errcode(&post(&sb, "/wxa/commit", &q, commit(r#"{"extAppid":"wxsomeoneelse"}"#)).await), 85013);
    assert_eq!(errcode(&post(&sb, "/wxa/submit_audit", &q, json!({})).await), 86001, "nothing committed yet");
    let ext = json!({"extAppid": appid, "pages": ["pages/home/index"]}).to_string();
    assert_eq!(errcode(&post(&sb, "/wxa/commit", &q, commit(&ext)).await), 0);
    assert_eq!(get(&sb, "/wxa/get_page", &q).await["page_list"], json!(["pages/home/index"]));

    // The privacy detection: 61039 until it ends (1 s on the sandbox clock).
    assert_eq!(errcode(&get(&sb, "/wxa/security/get_code_privacy_info", &q).await), 61039);
    assert_eq!(errcode(&post(&sb, "/wxa/submit_audit", &q, json!({})).await), 61039);
    sb.advance_clock(1.5);
    assert_eq!(errcode(&get(&sb, "/wxa/security/get_code_privacy_info", &q).await), 0);

    // The reviewer holds this one until told.
    control(&sb, "POST", "/wxa/reviewer", Some(json!({"appid": appid, "verdict": "manual"}))).await;
    let rest = get(&sb, "/wxa/queryquota", &q).await["rest"].as_i64().unwrap();
    let v = post(&sb, "/wxa/submit_audit", &q, json!({"version_desc": "v1"})).await;
    let auditid = v["auditid"].as_i64().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(errcode(&post(&sb, "/wxa/submit_audit", &q, json!({})).await), 85009);
    assert_eq!(get(&sb, "/wxa/queryquota", &q).await["rest"].as_i64().unwrap(), rest - 1, "only the accepted submit spends quota");
    assert_eq!(post(&sb, "/wxa/get_auditstatus", &q, json!({"auditid": auditid})).await["status"], 2);
    assert_eq!(errcode(&post(&sb, "/wxa/release", &q, json!({})).await), 85020);

    control(&sb, "POST", "/wxa/review", Some(json!({"appid": appid, "verdict": "pass"}))).await;
    assert_eq!(post(&sb, "/wxa/get_auditstatus", &q, json!({"auditid": auditid})).await["status"], 0);
    assert_eq!(errcode(&post(&sb, "/wxa/release", &q, json!({})).await), 0);
    assert_eq!(errcode(&post(&sb, "/wxa/release", &q, json!({})).await), 85052);
    let info = post(&sb, "/wxa/getversioninfo", &q, json!({})).await;
    assert_eq!(info["release_info"]["release_version"], "1.0.0");
    let events = control(&sb, "GET", "/wxa/events", None).await;
    // No message URL: the event is recorded as not delivered, with why.
    assert_eq!(events[0]["event"], "weapp_audit_success");
    assert_ne!(events[0]["outcome"], "delivered");

    // A second version, reviewed by the default reviewer on the sandbox clock, then rolled back.
    control(&sb, "POST", "/wxa/reviewer", Some(json!({"appid": appid, "verdict": "delay", "after_ms": 1000, "delay_ms": 1000}))).await;
    let ext2 = json!({"extAppid": appid}).to_string();
    let commit2 = json!({"template_id": tid, "ext_json": ext2, "user_version": "1.1.0", "user_desc": "d2"});
    assert_eq!(errcode(&post(&sb, "/wxa/commit", &q, commit2).await), 0);
    sb.advance_clock(1.5);
    let second = post(&sb, "/wxa/submit_audit", &q, json!({})).await["auditid"].as_i64().unwrap();
    sb.advance_clock(1.2);
    wait_status(&sb, &q, second, 4).await;
    sb.advance_clock(1.2);
    wait_status(&sb, &q, second, 0).await;
    let gray = post(&sb, "/wxa/grayrelease", &q, json!({"gray_percentage": 10})).await;
    assert_eq!(errcode(&gray), 0, "{gray}");
    assert_eq!(get(&sb, "/wxa/getgrayreleaseplan", &q).await["gray_release_plan"]["gray_percentage"], 10);
    assert_eq!(errcode(&post(&sb, "/wxa/release", &q, json!({})).await), 0, "release completes a gray release");
    assert_eq!(get(&sb, "/wxa/getgrayreleaseplan", &q).await["gray_release_plan"]["status"], 3);
    let history = get(&sb, "/wxa/revertcoderelease", &[("access_token", &token), ("action", "get_history_version")]).await;
    assert_eq!(history["version_list"][0]["user_version"], "1.0.0");
    assert_eq!(errcode(&get(&sb, "/wxa/revertcoderelease", &q).await), 0);
    assert_eq!(post(&sb, "/wxa/getversioninfo", &q, json!({})).await["release_info"]["release_version"], "1.0.0");
}

async fn wait_status(sb: &Sandbox, q: &[(&str, &str)], auditid: i64, status: i64) {
    for _ in 0..50 {
        if post(sb, "/wxa/get_auditstatus", q, json!({"auditid": auditid})).await["status"] == status {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("audit {auditid} never reached status {status}");
}

#[tokio::test]
async fn domains_come_from_the_platform_and_authorizer_info_says_mini_program() {
    let sb = start(SandboxConfig::default()).await;
    let (appid, token, ctoken) = mini_program(&sb).await;
    let q = [("access_token", token.as_str())];
    let add = json!({"action": "add", "requestdomain": ["https://api.example.com"]});
    assert_eq!(errcode(&post(&sb, "/wxa/modify_domain", &q, add.clone()).await), 85017);
    let v = post(&sb, "/cgi-bin/component/modify_wxa_server_domain", &[("access_token", &ctoken)], json!({"action": "add", "wxa_server_domain": "api.example.com;https://bad.example.com"})).await;
    assert_eq!(v["testing_wxa_server_domain"], "api.example.com");
    assert_eq!(v["invalid_wxa_server_domain"], "https://bad.example.com");
    assert_eq!(post(&sb, "/wxa/modify_domain", &q, add).await["requestdomain"], json!(["https://api.example.com"]));
    assert_eq!(errcode(&post(&sb, "/wxa/modify_domain", &q, json!({"action": "add", "requestdomain": ["http://api.example.com"]})).await), 85301);
    // Directly: no platform list, the scheme still checked.
    assert_eq!(errcode(&post(&sb, "/wxa/modify_domain_directly", &q, json!({"action": "add", "uploaddomain": ["https://up.other.com"]})).await), 0);

    let info = post(&sb, "/cgi-bin/component/api_get_authorizer_info", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorizer_appid": appid})).await;
    let mp = &info["authorizer_info"]["MiniProgramInfo"];
    assert_eq!(mp["network"]["RequestDomain"], json!(["https://api.example.com"]), "{info}");
    assert_eq!(info["authorizer_info"]["service_type_info"]["id"], 0);

    // An official account has no MiniProgramInfo and no code management.
    let oa = sb.authorize(COMPONENT, AuthorizeOptions::default()).await.unwrap();
    let v = post(&sb, "/cgi-bin/component/api_query_auth", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorization_code": oa.auth_code})).await;
    let oa_token = v["authorization_info"]["authorizer_access_token"].as_str().unwrap().to_owned();
    let info = post(&sb, "/cgi-bin/component/api_get_authorizer_info", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorizer_appid": oa.authorizer_appid})).await;
    assert!(info["authorizer_info"].get("MiniProgramInfo").is_none());
    assert_eq!(errcode(&get(&sb, "/wxa/queryquota", &[("access_token", &oa_token)]).await), 48001);
}

#[tokio::test]
async fn fast_registration_creates_a_mini_program_authorizer() {
    let sb = start(SandboxConfig::default()).await;
    let ctoken = component_token(&sb).await;
    control(&sb, "POST", "/wxa/fast_register", Some(json!({"component_appid": COMPONENT, "auto": false}))).await;
    let body = json!({"name": "沙盒科技有限公司", "code": "91440300MA5F000000", "code_type": 1, "legal_persona_wechat": "w", "legal_persona_name": "张三"});
    let fq = [("access_token", ctoken.as_str()), ("action", "create")];
    assert_eq!(errcode(&post(&sb, "/cgi-bin/component/fastregisterweapp", &fq, body.clone()).await), 0);
    assert_eq!(errcode(&post(&sb, "/cgi-bin/component/fastregisterweapp", &fq, body).await), 89249, "one task per enterprise at a time");
    let done = control(&sb, "POST", "/wxa/fast_register/complete", Some(json!({"component_appid": COMPONENT, "id": "沙盒科技有限公司"}))).await;
    let push = sb.pushes().into_iter().find(|p| p.info_type == "notify_third_fasteregister").expect("pushed");
    assert_eq!(push.authorizer_appid.as_deref(), done["appid"].as_str());
    let v = post(&sb, "/cgi-bin/component/api_query_auth", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorization_code": done["authCode"]})).await;
    assert_eq!(v["authorization_info"]["authorizer_appid"], done["appid"]);
    let info = post(&sb, "/cgi-bin/component/api_get_authorizer_info", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorizer_appid": done["appid"]})).await;
    assert_eq!(info["authorizer_info"]["nick_name"], "沙盒科技有限公司");
    assert!(info["authorizer_info"]["MiniProgramInfo"].is_object());
    // clear_quota/v2 takes the AppSecret, which the request log keeps out.
    assert_eq!(errcode(&post(&sb, "/cgi-bin/component/clear_quota/v2", &[], json!({"component_appid": COMPONENT, "appsecret": "wrong"})).await), 40125);
    assert_eq!(errcode(&post(&sb, "/cgi-bin/component/clear_quota/v2", &[], json!({"component_appid": COMPONENT, "appsecret": COMPONENT_SECRET})).await), 0);
    assert!(!serde_json::to_string(&sb.requests(None)).unwrap().contains(COMPONENT_SECRET));
}
