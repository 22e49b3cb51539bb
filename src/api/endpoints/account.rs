//! The official account's own areas: users, tags, menus, messages, mass
//! sending, materials, customer service, templates, statistics.

use serde_json::{json, Value};

use md5::{Digest, Md5};

use super::{Args, Body, Endpoint};
use crate::error::{Error, Result};

const CUSTOM_SEND: &str = "/cgi-bin/message/custom/send";

pub static ENDPOINTS: &[Endpoint] = &[
    // users
    ep!("getUser", Get, "/cgi-bin/user/info", ["options"], [("openid", "$options.openid"), ("lang", "$options.lang|en")], Body::None),
    ep!("batchGetUsers", Post, "/cgi-bin/user/info/batchget", ["openids"], [], Body::Build(batch_get_users)),
    ep!("getFollowers", Get, "/cgi-bin/user/get", ["nextOpenid?"], [("next_openid", "$nextOpenid|")], Body::None),
    ep!("getTagUsers", Post, "/cgi-bin/user/tag/get", ["tagId", "openid?"], [], Body::Template(r#"{"tagid":"$tagId","next_openid":"$openid|"}"#)),
    // messages that compute their body
    ep!("sendTemplate", Post, "/cgi-bin/message/template/send", ["openid", "templateId", "dest?", "data", "topcolorData?"], [], Body::Build(send_template)),
    ep!("getRecords", Post, "/customservice/msgrecord/getmsglist", ["opts"], [], Body::Build(get_records)),
    ep!("addKfAccount", Post, "/customservice/kfaccount/add", ["account", "nick", "password"], [], Body::Build(kf_account)),
    ep!("updateKfAccount", Post, "/customservice/kfaccount/update", ["account", "nick", "password"], [], Body::Build(kf_account)),
    ep!("massSend", Post, "/cgi-bin/message/mass/sendall", ["opts", "receivers"], [], Body::Route(mass_send)),
    ep!("massSendNews", Post, "/cgi-bin/message/mass/sendall", ["mediaId", "receivers"], [], Body::Route(|a| mass(a, "mpnews", "media_id", "mediaId"))),
    ep!("massSendText", Post, "/cgi-bin/message/mass/sendall", ["content", "receivers"], [], Body::Route(|a| mass(a, "text", "content", "content"))),
    ep!("massSendVoice", Post, "/cgi-bin/message/mass/sendall", ["mediaId", "receivers"], [], Body::Route(|a| mass(a, "voice", "media_id", "mediaId"))),
    ep!("massSendImage", Post, "/cgi-bin/message/mass/sendall", ["mediaId", "receivers"], [], Body::Route(|a| mass(a, "image", "media_id", "mediaId"))),
    ep!("massSendVideo", Post, "/cgi-bin/message/mass/sendall", ["mediaId", "receivers"], [], Body::Route(|a| mass(a, "mpvideo", "media_id", "mediaId"))),
    ep!("uploadMPVideo", Post, "/cgi-bin/media/uploadvideo", ["opts"], [], Body::Template(r#""$opts""#)),
    // qrcodes
    ep!("createTmpQRCode", Post, "/cgi-bin/qrcode/create", ["sceneId", "expire"], [], Body::Build(tmp_qrcode)),
    ep!("createLimitQRCode", Post, "/cgi-bin/qrcode/create", ["sceneId"], [], Body::Build(limit_qrcode)),
    ep!(retired "semantic", Post, "/semantic/semproxy/search", ["uid", "opts"], [], Body::Build(semantic)),
    ep!("getCustomServiceList", Get, "/cgi-bin/customservice/getkflist", [], [], Body::None),
    ep!("getOnlineCustomServiceList", Get, "/cgi-bin/customservice/getonlinekflist", [], [], Body::None),
    ep!("deleteKfAccount", Get, "/customservice/kfaccount/del", ["account"], [("kf_account", "$account")], Body::None),
    ep!("createKfSession", Post, "/customservice/kfsession/create", ["account", "openid"], [], Body::Template(r#"{"kf_account":"$account","openid":"$openid"}"#)),
    ep!("closeKfSession", Post, "/customservice/kfsession/close", ["account", "openid"], [], Body::Template(r#"{"kf_account":"$account","openid":"$openid"}"#)),
    ep!("getKfSession", Get, "/customservice/kfsession/getsession", ["openid"], [("openid", "$openid")], Body::None),
    ep!("getKfSessionList", Get, "/customservice/kfsession/getsessionlist", ["account"], [("kf_account", "$account")], Body::None),
    ep!("getKfSessionWaitCase", Get, "/customservice/kfsession/getwaitcase", [], [], Body::None),
    ep!(retired "getGroups", Get, "/cgi-bin/groups/get", [], [], Body::None),
    ep!(retired "getWhichGroup", Post, "/cgi-bin/groups/getid", ["openid"], [], Body::Template(r#"{"openid":"$openid"}"#)),
    ep!(retired "createGroup", Post, "/cgi-bin/groups/create", ["name"], [], Body::Template(r#"{"group":{"name":"$name"}}"#)),
    ep!(retired "updateGroup", Post, "/cgi-bin/groups/update", ["id", "name"], [], Body::Template(r#"{"group":{"id":"$id","name":"$name"}}"#)),
    ep!(retired "moveUserToGroup", Post, "/cgi-bin/groups/members/update", ["openid", "groupId"], [], Body::Template(r#"{"openid":"$openid","to_groupid":"$groupId"}"#)),
    ep!(retired "removeGroup", Post, "/cgi-bin/groups/delete", ["groupId"], [], Body::Template(r#"{"group":{"id":"$groupId"}}"#)),
    ep!("getIp", Get, "/cgi-bin/getcallbackip", [], [], Body::None),
    ep!("uploadNews", Post, "/cgi-bin/media/uploadnews", ["news"], [], Body::Template(r#""$news""#)),
    ep!("deleteMass", Post, "/cgi-bin/message/mass/delete", ["messageId"], [], Body::Template(r#"{"msg_id":"$messageId"}"#)),
    ep!("previewNews", Post, "/cgi-bin/message/mass/preview", ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","mpnews":{"media_id":"$mediaId"},"msgtype":"mpnews"}"#)),
    ep!("previewText", Post, "/cgi-bin/message/mass/preview", ["openid", "content"], [], Body::Template(r#"{"touser":"$openid","text":{"content":"$content"},"msgtype":"text"}"#)),
    ep!("previewVoice", Post, "/cgi-bin/message/mass/preview", ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","voice":{"media_id":"$mediaId"},"msgtype":"voice"}"#)),
    ep!("previewImage", Post, "/cgi-bin/message/mass/preview", ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","image":{"media_id":"$mediaId"},"msgtype":"image"}"#)),
    ep!("previewVideo", Post, "/cgi-bin/message/mass/preview", ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","mpvideo":{"media_id":"$mediaId"},"msgtype":"mpvideo"}"#)),
    ep!("getMassMessageStatus", Post, "/cgi-bin/message/mass/get", ["messageId"], [], Body::Template(r#"{"msg_id":"$messageId"}"#)),
    ep!("uploadNewsMaterial", Post, "/cgi-bin/material/add_news", ["news"], [], Body::Template(r#""$news""#)),
    ep!("updateNewsMaterial", Post, "/cgi-bin/material/update_news", ["news"], [], Body::Template(r#""$news""#)),
    ep!("removeMaterial", Post, "/cgi-bin/material/del_material", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("getMaterialCount", Get, "/cgi-bin/material/get_materialcount", [], [], Body::None),
    ep!("getMaterials", Post, "/cgi-bin/material/batchget_material", ["type", "offset", "count"], [], Body::Template(r#"{"type":"$type","offset":"$offset","count":"$count"}"#)),
    ep!("createMenu", Post, "/cgi-bin/menu/create", ["menu"], [], Body::Template(r#""$menu""#)),
    ep!("getMenu", Get, "/cgi-bin/menu/get", [], [], Body::None),
    ep!("removeMenu", Get, "/cgi-bin/menu/delete", [], [], Body::None),
    ep!("getMenuConfig", Get, "/cgi-bin/get_current_selfmenu_info", [], [], Body::None),
    ep!("createCustomMenu", Post, "/cgi-bin/menu/addconditional", ["menu"], [], Body::Template(r#""$menu""#)),
    ep!("removeCustomMenu", Post, "/cgi-bin/menu/delconditional", ["menu_id"], [], Body::Template(r#"{"menuid":"$menu_id"}"#)),
    ep!("testCustomMenu", Post, "/cgi-bin/menu/trymatch", ["user_id"], [], Body::Template(r#"{"user_id":"$user_id"}"#)),
    ep!("sendText", Post, CUSTOM_SEND, ["openid", "text"], [], Body::Template(r#"{"touser":"$openid","msgtype":"text","text":{"content":"$text"}}"#)),
    ep!("sendTextFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "text"], [], Body::Template(r#"{"touser":"$openid","msgtype":"text","text":{"content":"$text"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendImage", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"image","image":{"media_id":"$mediaId"}}"#)),
    ep!("sendImageFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"image","image":{"media_id":"$mediaId"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendVoice", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"voice","voice":{"media_id":"$mediaId"}}"#)),
    ep!("sendVoiceFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"voice","voice":{"media_id":"$mediaId"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendVideo", Post, CUSTOM_SEND, ["openid", "mediaId", "thumbMediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"video","video":{"media_id":"$mediaId","thumb_media_id":"$thumbMediaId"}}"#)),
    ep!("sendVideoFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "mediaId", "thumbMediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"video","video":{"media_id":"$mediaId","thumb_media_id":"$thumbMediaId"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendMusic", Post, CUSTOM_SEND, ["openid", "music"], [], Body::Template(r#"{"touser":"$openid","msgtype":"music","music":"$music"}"#)),
    ep!("sendMusicFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "music"], [], Body::Template(r#"{"touser":"$openid","msgtype":"music","music":"$music","customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendNews", Post, CUSTOM_SEND, ["openid", "articles"], [], Body::Template(r#"{"touser":"$openid","msgtype":"news","news":{"articles":"$articles"}}"#)),
    ep!("sendNewsFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "articles"], [], Body::Template(r#"{"touser":"$openid","msgtype":"news","news":{"articles":"$articles"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("sendMpNews", Post, CUSTOM_SEND, ["openid", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"mpnews","mpnews":{"media_id":"$mediaId"}}"#)),
    ep!("sendMpNewsFromCs", Post, CUSTOM_SEND, ["openid", "cs_account", "mediaId"], [], Body::Template(r#"{"touser":"$openid","msgtype":"mpnews","mpnews":{"media_id":"$mediaId"},"customservice":{"kf_account":"$cs_account"}}"#)),
    ep!("clearQuota", Post, "/cgi-bin/clear_quota", ["appid"], [], Body::Template(r#"{"appid":"$appid"}"#)),
    ep!("createTag", Post, "/cgi-bin/tags/create", ["name"], [], Body::Template(r#"{"tag":{"name":"$name"}}"#)),
    ep!("getTags", Get, "/cgi-bin/tags/get", [], [], Body::None),
    ep!("editTag", Post, "/cgi-bin/tags/update", ["id", "name"], [], Body::Template(r#"{"tag":{"id":"$id","name":"$name"}}"#)),
    ep!("deleteTag", Post, "/cgi-bin/tags/delete", ["id"], [], Body::Template(r#"{"tag":{"id":"$id"}}"#)),
    ep!("membersBatchtagging", Post, "/cgi-bin/tags/members/batchtagging", ["tagId", "openList"], [], Body::Template(r#"{"openid_list":"$openList","tagid":"$tagId"}"#)),
    ep!("membersBatchuntagging", Post, "/cgi-bin/tags/members/batchuntagging", ["tagId", "openList"], [], Body::Template(r#"{"openid_list":"$openList","tagid":"$tagId"}"#)),
    ep!("getUserTags", Post, "/cgi-bin/tags/getidlist", ["openid"], [], Body::Template(r#"{"openid":"$openid"}"#)),
    ep!(retired "shorturl", Post, "/cgi-bin/shorturl", ["longUrl"], [], Body::Template(r#"{"action":"long2short","long_url":"$longUrl"}"#)),
    ep!("updateRemark", Post, "/cgi-bin/user/info/updateremark", ["openid", "remark"], [], Body::Template(r#"{"openid":"$openid","remark":"$remark"}"#)),
    ep!("setIndustry", Post, "/cgi-bin/template/api_set_industry", ["industryIds"], [], Body::Template(r#""$industryIds""#)),
    ep!("getIndustry", Get, "/cgi-bin/template/get_industry", [], [], Body::None),
    ep!("addTemplate", Post, "/cgi-bin/template/api_add_template", ["templateIdShort"], [], Body::Template(r#"{"template_id_short":"$templateIdShort"}"#)),
    ep!("getAllPrivateTemplate", Get, "/cgi-bin/template/get_all_private_template", [], [], Body::None),
    ep!("delPrivateTemplate", Post, "/cgi-bin/template/del_private_template", ["templateId"], [], Body::Template(r#"{"template_id":"$templateId"}"#)),
    ep!("getUserSummary", Post, "/datacube/getusersummary", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUserCumulate", Post, "/datacube/getusercumulate", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getArticleSummary", Post, "/datacube/getarticlesummary", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getArticleTotal", Post, "/datacube/getarticletotal", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUserRead", Post, "/datacube/getuserread", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUserReadHour", Post, "/datacube/getuserreadhour", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUserShare", Post, "/datacube/getusershare", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUserShareHour", Post, "/datacube/getusersharehour", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsg", Post, "/datacube/getupstreammsg", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgHour", Post, "/datacube/getupstreammsghour", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgWeek", Post, "/datacube/getupstreammsgweek", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgMonth", Post, "/datacube/getupstreammsgmonth", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgDist", Post, "/datacube/getupstreammsgdist", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgDistWeek", Post, "/datacube/getupstreammsgdistweek", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getUpstreamMsgDistMonth", Post, "/datacube/getupstreammsgdistmonth", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getInterfaceSummary", Post, "/datacube/getinterfacesummary", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
    ep!("getInterfaceSummaryHour", Post, "/datacube/getinterfacesummaryhour", ["begin", "end"], [], Body::Template(r#"{"begin_date":"$begin","end_date":"$end"}"#)),
];

fn batch_get_users(args: &Args) -> Result<Value> {
    let openids = args.get("openids").and_then(Value::as_array).ok_or_else(|| Error::invalid("openids", "must be an array of openids"))?;
    let list: Vec<Value> = openids.iter().map(|o| json!({ "openid": o, "lang": "zh_CN" })).collect();
    Ok(json!({ "user_list": list }))
}

/// sendTemplate(openid, templateId, url | {url, miniprogram}, [topcolor,] data).
fn send_template(args: &Args) -> Result<Value> {
    let data = match args.get("data") {
        Some(Value::String(_)) => args.get("topcolorData"), // the old form with a topcolor before data
        d => d,
    };
    let (url, miniprogram) = match args.get("dest") {
        Some(Value::String(u)) => (Some(json!(u)), None),
        Some(d) => (d.get("url").cloned(), d.get("miniprogram").cloned()),
        None => (None, None),
    };
    let mut body = json!({ "touser": args.need("openid")?, "template_id": args.need("templateId")? });
    let obj = body.as_object_mut().expect("object");
    for (k, v) in [("url", url), ("miniprogram", miniprogram), ("data", data.cloned())] {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            obj.insert(k.into(), v);
        }
    }
    Ok(body)
}

fn get_records(args: &Args) -> Result<Value> {
    let mut opts = args.need("opts")?.clone();
    let obj = opts.as_object_mut().ok_or_else(|| Error::invalid("opts", "must be an object {starttime, endtime, msgid, number}"))?;
    obj.entry("msgid").or_insert(json!(1));
    Ok(opts)
}

/// WeChat wants the md5 of the password, as wechat-api sends it.
fn kf_account(args: &Args) -> Result<Value> {
    let password = args.need("password")?.as_str().ok_or_else(|| Error::invalid("password", "must be a string"))?;
    Ok(json!({ "kf_account": args.need("account")?, "nickname": args.get("nick"), "password": hex::encode(Md5::digest(password.as_bytes())) }))
}

/// Receivers: an array of openids (mass/send), `true` (everyone) or a tag / group id (sendall).
fn mass_send(args: &Args) -> Result<(&'static str, Value)> {
    let opts = args.need("opts")?.clone();
    if !opts.is_object() {
        return Err(Error::invalid("opts", "must be an object"));
    }
    to_receivers(opts, args.get("receivers"))
}

fn mass(args: &Args, msgtype: &str, field: &str, arg: &'static str) -> Result<(&'static str, Value)> {
    let opts = json!({ msgtype: { field: args.need(arg)? }, "msgtype": msgtype });
    to_receivers(opts, args.get("receivers"))
}

fn to_receivers(mut opts: Value, receivers: Option<&Value>) -> Result<(&'static str, Value)> {
    let obj = opts.as_object_mut().expect("object");
    Ok(match receivers {
        Some(Value::Array(list)) => {
            obj.insert("touser".into(), json!(list));
            ("/cgi-bin/message/mass/send", opts)
        }
        Some(Value::Bool(all)) => {
            obj.insert("filter".into(), json!({ "is_to_all": all }));
            ("/cgi-bin/message/mass/sendall", opts)
        }
        Some(id) => {
            obj.insert("filter".into(), json!({ "group_id": id }));
            ("/cgi-bin/message/mass/sendall", opts)
        }
        None => return Err(Error::invalid("receivers", "must be openids, true (everyone) or a tag id")),
    })
}

/// A string scene is QR_STR_SCENE, a number QR_SCENE (as wechat-api does).
fn tmp_qrcode(args: &Args) -> Result<Value> {
    let (name, scene) = scene(args, "QR_SCENE", "QR_STR_SCENE")?;
    Ok(json!({ "expire_seconds": args.get("expire"), "action_name": name, "action_info": { "scene": scene } }))
}

fn limit_qrcode(args: &Args) -> Result<Value> {
    let (name, scene) = scene(args, "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE")?;
    Ok(json!({ "action_name": name, "action_info": { "scene": scene } }))
}

fn scene(args: &Args, id_action: &'static str, str_action: &'static str) -> Result<(&'static str, Value)> {
    Ok(match args.need("sceneId")? {
        Value::String(s) => (str_action, json!({ "scene_str": s })),
        id => (id_action, json!({ "scene_id": id })),
    })
}

fn semantic(args: &Args) -> Result<Value> {
    let mut body = args.need("opts")?.clone();
    let obj = body.as_object_mut().ok_or_else(|| Error::invalid("opts", "must be an object"))?;
    obj.insert("appid".into(), json!(args.appid));
    if let Some(uid) = args.get("uid") {
        obj.insert("uid".into(), uid.clone());
    }
    Ok(body)
}
