//! The official-account API as data: one row per wechat-api method, naming
//! its HTTP method, path, positional arguments and how they fill the query
//! and the JSON body. Code appears only where a method does not fit the
//! template (`Body::Build`).
//!
//! Template leaves: `"$arg"` or `"$arg.field"` take an argument (omitted when
//! absent), `"$arg|default"` falls back to a literal; anything else is literal.
//! A parameter named with a trailing `?` is optional.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    Get,
    Post,
}

pub enum Body {
    None,
    Template(&'static str),
    Build(fn(&Args) -> Result<Value>),
}

pub struct Endpoint {
    pub name: &'static str,
    pub http: Http,
    pub path: &'static str,
    pub params: &'static [&'static str],
    pub query: &'static [(&'static str, &'static str)],
    pub body: Body,
}

/// Positional arguments with their parameter names.
pub struct Args<'a> {
    params: &'static [&'static str],
    values: &'a [Value],
}

impl<'a> Args<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        let i = self.params.iter().position(|p| p.trim_end_matches('?') == name)?;
        self.values.get(i).filter(|v| !v.is_null())
    }
}

use Http::{Get, Post};

macro_rules! ep {
    ($name:literal, $http:ident, $path:expr, [$($p:literal),*], [$(($qk:literal, $qv:literal)),*], $body:expr) => {
        Endpoint { name: $name, http: $http, path: $path, params: &[$($p),*], query: &[$(($qk, $qv)),*], body: $body }
    };
}

const CUSTOM_SEND: &str = "/cgi-bin/message/custom/send";

pub static ENDPOINTS: &[Endpoint] = &[
    // users
    ep!("getUser", Get, "/cgi-bin/user/info", ["options"], [("openid", "$options.openid"), ("lang", "$options.lang|en")], Body::None),
    ep!("batchGetUsers", Post, "/cgi-bin/user/info/batchget", ["openids"], [], Body::Build(batch_get_users)),
    ep!("getFollowers", Get, "/cgi-bin/user/get", ["nextOpenid?"], [("next_openid", "$nextOpenid")], Body::None),
    ep!("updateRemark", Post, "/cgi-bin/user/info/updateremark", ["openid", "remark"], [], Body::Template(r#"{"openid":"$openid","remark":"$remark"}"#)),
    // menus
    ep!("createMenu", Post, "/cgi-bin/menu/create", ["menu"], [], Body::Template(r#""$menu""#)),
    ep!("getMenu", Get, "/cgi-bin/menu/get", [], [], Body::None),
    ep!("removeMenu", Get, "/cgi-bin/menu/delete", [], [], Body::None),
    ep!("getMenuConfig", Get, "/cgi-bin/get_current_selfmenu_info", [], [], Body::None),
    ep!("createCustomMenu", Post, "/cgi-bin/menu/addconditional", ["menu"], [], Body::Template(r#""$menu""#)),
    ep!("removeCustomMenu", Post, "/cgi-bin/menu/delconditional", ["menu_id"], [], Body::Template(r#"{"menuid":"$menu_id"}"#)),
    ep!("testCustomMenu", Post, "/cgi-bin/menu/trymatch", ["user_id"], [], Body::Template(r#"{"user_id":"$user_id"}"#)),
    // custom (customer service) messages
    ep!("sendText", Post, CUSTOM_SEND, ["openid", "text"], [], Body::Template(r#"{"touser":"$openid","msgtype":"text","text":{"content":"$text"}}"#)),
    ep!("sendImage", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"image","image":{"media_id":"$mediaId"}}"#)),
    ep!("sendVoice", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"voice","voice":{"media_id":"$mediaId"}}"#)),
    ep!("sendVideo", Post, CUSTOM_SEND, ["openid", "mediaId", "thumbMediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"video","video":{"media_id":"$mediaId","thumb_media_id":"$thumbMediaId"}}"#)),
    ep!("sendMusic", Post, CUSTOM_SEND, ["openid", "music"], [], Body::Template(r#"{"touser":"$openid","msgtype":"music","music":"$music"}"#)),
    ep!("sendNews", Post, CUSTOM_SEND, ["openid", "articles"], [], Body::Template(r#"{"touser":"$openid","msgtype":"news","news":{"articles":"$articles"}}"#)),
    ep!("sendMpNews", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"mpnews","mpnews":{"media_id":"$mediaId"}}"#)),
    ep!("sendCard", Post, CUSTOM_SEND, ["openid", "card"], [], Body::Template(r#"{"touser":"$openid","msgtype":"wxcard","wxcard":"$card"}"#)),
    ep!("sendTextFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "text"], [], Body::Template(r#"{"touser":"$openid","msgtype":"text","text":{"content":"$text"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendImageFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"image","image":{"media_id":"$mediaId"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendNewsFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "articles"], [], Body::Template(r#"{"touser":"$openid","msgtype":"news","news":{"articles":"$articles"},"customservice":{"kf_account":"$cs_account"}}"#)),
    // template messages
    ep!("sendTemplate", Post, "/cgi-bin/message/template/send", ["openid", "templateId", "dest", "data", "miniprogram?"], [], Body::Template(r#"{"touser":"$openid","template_id":"$templateId","url":"$dest","data":"$data","miniprogram":"$miniprogram"}"#)),
    // tags
    ep!("createTag", Post, "/cgi-bin/tags/create", ["name"], [], Body::Template(r#"{"tag":{"name":"$name"}}"#)),
    ep!("getTags", Get, "/cgi-bin/tags/get", [], [], Body::None),
    ep!("editTag", Post, "/cgi-bin/tags/update", ["id", "name"], [], Body::Template(r#"{"tag":{"id":"$id","name":"$name"}}"#)),
    ep!("deleteTag", Post, "/cgi-bin/tags/delete", ["id"], [], Body::Template(r#"{"tag":{"id":"$id"}}"#)),
    ep!("getTagUsers", Post, "/cgi-bin/user/tag/get", ["tagId", "openid?"], [], Body::Template(r#"{"tagid":"$tagId","next_openid":"$openid|"}"#)),
    ep!("membersBatchtagging", Post, "/cgi-bin/tags/members/batchtagging", ["tagId", "openList"], [], Body::Template(r#"{"tagid":"$tagId","openid_list":"$openList"}"#)),
    ep!("membersBatchuntagging", Post, "/cgi-bin/tags/members/batchuntagging", ["tagId", "openList"], [], Body::Template(r#"{"tagid":"$tagId","openid_list":"$openList"}"#)),
    ep!("getUserTags", Post, "/cgi-bin/tags/getidlist", ["openid"], [], Body::Template(r#"{"openid":"$openid"}"#)),
    // groups (legacy)
    ep!("getGroups", Get, "/cgi-bin/groups/get", [], [], Body::None),
    ep!("getWhichGroup", Post, "/cgi-bin/groups/getid", ["openid"], [], Body::Template(r#"{"openid":"$openid"}"#)),
    ep!("createGroup", Post, "/cgi-bin/groups/create", ["name"], [], Body::Template(r#"{"group":{"name":"$name"}}"#)),
    ep!("updateGroup", Post, "/cgi-bin/groups/update", ["id", "name"], [], Body::Template(r#"{"group":{"id":"$id","name":"$name"}}"#)),
    ep!("moveUserToGroup", Post, "/cgi-bin/groups/members/update", ["openid", "groupId"], [], Body::Template(r#"{"openid":"$openid","to_groupid":"$groupId"}"#)),
    ep!("removeGroup", Post, "/cgi-bin/groups/delete", ["groupId"], [], Body::Template(r#"{"group":{"id":"$groupId"}}"#)),
    // qrcodes and short urls
    ep!("createTmpQRCode", Post, "/cgi-bin/qrcode/create", ["sceneId", "expire"], [], Body::Template(r#"{"expire_seconds":"$expire","action_name":"QR_SCENE","action_info":{"scene":{"scene_id":"$sceneId"}}}"#)),
    ep!("createLimitQRCode", Post, "/cgi-bin/qrcode/create", ["sceneId"], [], Body::Build(limit_qrcode)),
    ep!("shorturl", Post, "/cgi-bin/shorturl", ["longUrl"], [], Body::Template(r#"{"action":"long2short","long_url":"$longUrl"}"#)),
    // materials (JSON ones; uploads are code in the client)
    ep!("uploadNewsMaterial", Post, "/cgi-bin/material/add_news", ["news"], [], Body::Template(r#""$news""#)),
    ep!("updateNewsMaterial", Post, "/cgi-bin/material/update_news", ["news"], [], Body::Template(r#""$news""#)),
    ep!("getMaterial", Post, "/cgi-bin/material/get_material", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("removeMaterial", Post, "/cgi-bin/material/del_material", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("getMaterialCount", Get, "/cgi-bin/material/get_materialcount", [], [], Body::None),
    ep!("getMaterials", Post, "/cgi-bin/material/batchget_material", ["type", "offset", "count"], [], Body::Template(r#"{"type":"$type","offset":"$offset","count":"$count"}"#)),
    // customer service accounts
    ep!("getCustomServiceList", Get, "/cgi-bin/customservice/getkflist", [], [], Body::None),
    ep!("getOnlineCustomServiceList", Get, "/cgi-bin/customservice/getonlinekflist", [], [], Body::None),
    ep!("getRecords", Post, "/customservice/msgrecord/getmsglist", ["opts"], [], Body::Template(r#""$opts""#)),
    ep!("createKfSession", Post, "/customservice/kfsession/create", ["account", "openid"], [], Body::Template(r#"{"kf_account":"$account","openid":"$openid"}"#)),
    ep!("closeKfSession", Post, "/customservice/kfsession/close", ["account", "openid"], [], Body::Template(r#"{"kf_account":"$account","openid":"$openid"}"#)),
    ep!("getKfSession", Get, "/customservice/kfsession/getsession", ["openid"], [("openid", "$openid")], Body::None),
    ep!("getKfSessionList", Get, "/customservice/kfsession/getsessionlist", ["account"], [("kf_account", "$account")], Body::None),
    ep!("getKfSessionWaitCase", Get, "/customservice/kfsession/getwaitcase", [], [], Body::None),
    // misc
    ep!("getIp", Get, "/cgi-bin/getcallbackip", [], [], Body::None),
    ep!("clearQuota", Post, "/cgi-bin/clear_quota", ["appid"], [], Body::Template(r#"{"appid":"$appid"}"#)),
    ep!("semantic", Post, "/semantic/semproxy/search", ["uid", "opts"], [], Body::Build(semantic)),
];

pub fn find(name: &str) -> Option<&'static Endpoint> {
    ENDPOINTS.iter().find(|e| e.name == name)
}

/// The query pairs and JSON body for a call of `ep` with `values`.
pub fn build_request(ep: &Endpoint, values: &[Value]) -> Result<(Vec<(String, String)>, Option<Value>)> {
    for (i, p) in ep.params.iter().enumerate() {
        if !p.ends_with('?') && values.get(i).map_or(true, Value::is_null) {
            return Err(Error::invalid(p, format!("is required by {}", ep.name)));
        }
    }
    let normalized = normalize(ep.name, values);
    let values = normalized.as_deref().unwrap_or(values);
    let args = Args { params: ep.params, values };
    let mut query = Vec::new();
    for (k, t) in ep.query {
        if let Some(v) = fill(&Value::String((*t).to_owned()), &args) {
            query.push(((*k).to_owned(), scalar_string(&v)));
        }
    }
    let body = match &ep.body {
        Body::None => None,
        Body::Template(t) => {
            let template: Value = serde_json::from_str(t).expect("endpoint templates are valid JSON");
            Some(fill(&template, &args).unwrap_or(Value::Null))
        }
        Body::Build(f) => Some(f(&args)?),
    };
    Ok((query, body))
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces `$arg` leaves; returns None when the leaf's argument is absent.
fn fill(template: &Value, args: &Args) -> Option<Value> {
    match template {
        Value::String(s) if s.starts_with('$') => {
            let (path, default) = match s[1..].split_once('|') {
                Some((p, d)) => (p, Some(d)),
                None => (&s[1..], None),
            };
            let mut parts = path.split('.');
            let mut cur = args.get(parts.next()?);
            for field in parts {
                cur = cur.and_then(|v| v.get(field)).filter(|v| !v.is_null());
            }
            match (cur, default) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(d)) => Some(Value::String(d.to_owned())),
                (None, None) => None,
            }
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                if let Some(v) = fill(v, args) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|v| fill(v, args)).collect())),
        other => Some(other.clone()),
    }
}

/// Argument shapes wechat-api accepts besides the table's own.
fn normalize(name: &str, values: &[Value]) -> Option<Vec<Value>> {
    match (name, values.first()) {
        // getUser(openid) is getUser({openid}).
        ("getUser", Some(Value::String(openid))) => Some(vec![json!({ "openid": openid })]),
        _ => None,
    }
}

fn batch_get_users(args: &Args) -> Result<Value> {
    let openids = args
        .get("openids")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("openids", "must be an array of openids"))?;
    let list: Vec<Value> = openids.iter().map(|o| json!({ "openid": o, "lang": "zh_CN" })).collect();
    Ok(json!({ "user_list": list }))
}

fn limit_qrcode(args: &Args) -> Result<Value> {
    // A string scene is QR_LIMIT_STR_SCENE, a number QR_LIMIT_SCENE (as wechat-api does).
    Ok(match args.get("sceneId") {
        Some(Value::String(s)) => json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": s}}}),
        Some(id) => json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": id}}}),
        None => return Err(Error::invalid("sceneId", "is required by createLimitQRCode")),
    })
}

fn semantic(args: &Args) -> Result<Value> {
    let mut body = args.get("opts").cloned().unwrap_or_else(|| json!({}));
    if let (Some(obj), Some(uid)) = (body.as_object_mut(), args.get("uid")) {
        obj.insert("uid".into(), uid.clone());
    }
    Ok(body)
}
