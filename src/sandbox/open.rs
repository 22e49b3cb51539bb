//! Open-platform accounts (/cgi-bin/open/*, with an authorizer's or an
//! account's token) and the platform's /cgi-bin/component/clear_quota.

use serde_json::json;

use super::account::acting;
use super::state::{s, tri, Reply, Req, Shared};
use super::tokens::Kind;

pub(crate) fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let path = req.path.as_str();
    (path == "/cgi-bin/component/clear_quota" || path.starts_with("/cgi-bin/open/")).then(|| answer(shared, req))
}

fn answer(shared: &Shared, req: &Req) -> Reply {
    let path = req.path.as_str();
    if path == "/cgi-bin/component/clear_quota" {
        let mut st = shared.lock();
        let body = tri!(req.json());
        let component_appid = s(&body, "component_appid");
        return match st.auth(req, "component_access_token", &[Kind::ComponentAccessToken], component_appid.as_deref()) {
            Ok(_) => Reply::ok(),
            Err(r) => r,
        };
    }
    let op = path.strip_prefix("/cgi-bin/open/").unwrap_or_default();
    let mut st = shared.lock();
    let acting_appid = tri!(acting(&mut st, req));
    let body = tri!(req.json());
    // The account named in the body must be the one whose token is used.
    if s(&body, "appid").as_deref() != Some(acting_appid.as_str()) {
        return Reply::err(40013, "invalid appid");
    }
    let bound = st.open_accounts.get(&acting_appid).cloned();
    let open_appid = s(&body, "open_appid");
    match (op, bound) {
        ("create", Some(_)) | ("bind", Some(_)) => Reply::err(89000, "account has bound open"),
        ("create", None) => {
            let id = format!("wxopen{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
            st.open_accounts.insert(acting_appid, id.clone());
            st.open_platforms.insert(id.clone());
            Reply::ok_with(json!({ "open_appid": id }))
        }
        ("bind", None) => match open_appid {
            Some(o) if st.open_platforms.contains(&o) => {
                st.open_accounts.insert(acting_appid, o);
                Reply::ok()
            }
            _ => Reply::err(89001, "not same contractor"),
        },
        ("unbind", Some(b)) if Some(&b) == open_appid.as_ref() => {
            st.open_accounts.remove(&acting_appid);
            Reply::ok()
        }
        ("unbind", _) => Reply::err(89004, "this appid has not bound open"),
        ("get", Some(b)) => Reply::ok_with(json!({ "open_appid": b })),
        ("get", None) => Reply::err(89002, "open not exists"),
        _ => Reply::err(48001, "api unauthorized"),
    }
}
