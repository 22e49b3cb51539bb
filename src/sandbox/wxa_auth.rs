//! Who may make a wxa call: the mini program an authorizer token acts for,
//! the platform a component token belongs to; and MiniProgramInfo as
//! api_get_authorizer_info answers it.

use serde_json::{json, Value};

use super::state::{Reply, Req, State};
use super::tokens::{Kind, TokenRec};
use super::wxa::MiniProgram;

/// The mini program a wxa call acts for (an authorizer's token, or its own
/// access_token), refused with 48001 unless it is a mini program that granted
/// `set` (when given) to the platform.
pub(crate) fn mini_program(st: &mut State, req: &Req, set: Option<i64>) -> Result<TokenRec, Reply> {
    let tok = st.auth(req, "access_token", &super::account::OA_KINDS, None)?;
    if !st.account(&tok.appid).mini_program {
        return Err(Reply::err(48001, "api unauthorized: not a mini program"));
    }
    if let (Some(set), Some(owner)) = (set, tok.owner.as_deref()) {
        let granted = st.components.get(owner).and_then(|c| c.authorizations.get(&tok.appid)).is_some_and(|a| a.func_info.contains(&set));
        if !granted {
            return Err(Reply::err(48001, "api unauthorized"));
        }
    }
    Ok(tok)
}

/// A component-token call's platform (the token's appid).
pub(crate) fn platform_token(st: &mut State, req: &Req) -> Result<String, Reply> {
    st.auth(req, "component_access_token", &[Kind::ComponentAccessToken], None).map(|t| t.appid)
}

/// MiniProgramInfo as api_get_authorizer_info answers it for a mini program.
pub(crate) fn mini_program_info(st: &State, appid: &str) -> Value {
    let empty = MiniProgram::default();
    let mp = st.wxa.apps.get(appid).unwrap_or(&empty);
    let list = |k: &str| mp.domains.get(k).cloned().unwrap_or_default();
    let categories: Vec<Value> = mp.categories.iter().map(|c| json!({"first": c["first_name"], "second": c["second_name"]})).collect();
    json!({
        "network": {
            "RequestDomain": list("requestdomain"),
            "WsRequestDomain": list("wsrequestdomain"),
            "UploadDomain": list("uploaddomain"),
            "DownloadDomain": list("downloaddomain"),
            "UDPDomain": list("udpdomain"),
            "TCPDomain": list("tcpdomain"),
            "BizDomain": mp.webview,
        },
        "categories": categories,
        "visit_status": 0,
    })
}
