//! An account's blacklist (/cgi-bin/tags/members/*blacklist) with WeChat's rules.

use serde_json::{json, Value};

use super::account_data::Account;
use super::state::Reply;

/// Up to 10000 openids after `begin` (WeChat's page size).
pub(crate) fn page(acc: &Account, begin: &str) -> Reply {
    let start = if begin.is_empty() { 0 } else { acc.blacklist.iter().position(|o| o == begin).map_or(acc.blacklist.len(), |i| i + 1) };
    let list: Vec<&String> = acc.blacklist.iter().skip(start).take(10_000).collect();
    let next = list.last().map(|s| s.as_str()).unwrap_or("");
    Reply::Json(json!({ "total": acc.blacklist.len(), "count": list.len(), "data": { "openid": list }, "next_openid": next }))
}

/// 1..20 known openids per call.
pub(crate) fn change(acc: &mut Account, body: &Value, add: bool) -> Reply {
    let openids: Vec<String> = body.get("openid_list").and_then(Value::as_array).map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    if openids.is_empty() || openids.len() > 20 {
        return Reply::err(40032, "invalid openid list size");
    }
    if openids.iter().any(|o| acc.user(o).is_none()) {
        return Reply::err(40003, "invalid openid");
    }
    for o in openids {
        acc.blacklist.retain(|b| *b != o);
        if add {
            acc.blacklist.push(o);
        }
    }
    Reply::ok()
}
