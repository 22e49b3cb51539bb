//! What official accounts use today beyond wechat-api 1.35: the draft box and
//! publishing (which replaced mass-sent news materials), subscribe messages,
//! the blacklist, quota and diagnostics, short keys.

use serde_json::Value;

use super::{Args, Body, Endpoint};
use crate::error::Result;

pub static ENDPOINTS: &[Endpoint] = &[
    // draft box
    ep!("addDraft", Post, "/cgi-bin/draft/add", ["articles"], [], Body::Template(r#"{"articles":"$articles"}"#)),
    ep!("getDraft", Post, "/cgi-bin/draft/get", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("deleteDraft", Post, "/cgi-bin/draft/delete", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("updateDraft", Post, "/cgi-bin/draft/update", ["mediaId", "index", "article"], [], Body::Template(r#"{"media_id":"$mediaId","index":"$index","articles":"$article"}"#)),
    ep!("getDraftCount", Get, "/cgi-bin/draft/count", [], [], Body::None),
    ep!("batchGetDrafts", Post, "/cgi-bin/draft/batchget", ["offset", "count", "noContent?"], [], Body::Template(r#"{"offset":"$offset","count":"$count","no_content":"$noContent"}"#)),
    // publishing
    ep!("submitPublish", Post, "/cgi-bin/freepublish/submit", ["mediaId"], [], Body::Template(r#"{"media_id":"$mediaId"}"#)),
    ep!("getPublishStatus", Post, "/cgi-bin/freepublish/get", ["publishId"], [], Body::Template(r#"{"publish_id":"$publishId"}"#)),
    ep!("deletePublish", Post, "/cgi-bin/freepublish/delete", ["articleId", "index?"], [], Body::Template(r#"{"article_id":"$articleId","index":"$index"}"#)),
    ep!("getPublishedArticle", Post, "/cgi-bin/freepublish/getarticle", ["articleId"], [], Body::Template(r#"{"article_id":"$articleId"}"#)),
    ep!("batchGetPublished", Post, "/cgi-bin/freepublish/batchget", ["offset", "count", "noContent?"], [], Body::Template(r#"{"offset":"$offset","count":"$count","no_content":"$noContent"}"#)),
    // subscribe messages
    ep!("getSubscribeCategory", Get, "/wxaapi/newtmpl/getcategory", [], [], Body::None),
    ep!("getPubTemplateTitles", Get, "/wxaapi/newtmpl/getpubtemplatetitles", ["ids", "start", "limit"], [("ids", "$ids"), ("start", "$start"), ("limit", "$limit")], Body::None),
    ep!("getPubTemplateKeywords", Get, "/wxaapi/newtmpl/getpubtemplatekeywords", ["tid"], [("tid", "$tid")], Body::None),
    ep!("addSubscribeTemplate", Post, "/wxaapi/newtmpl/addtemplate", ["tid", "kidList", "sceneDesc?"], [], Body::Template(r#"{"tid":"$tid","kidList":"$kidList","sceneDesc":"$sceneDesc"}"#)),
    ep!("deleteSubscribeTemplate", Post, "/wxaapi/newtmpl/deltemplate", ["priTmplId"], [], Body::Template(r#"{"priTmplId":"$priTmplId"}"#)),
    ep!("getSubscribeTemplates", Get, "/wxaapi/newtmpl/gettemplate", [], [], Body::None),
    ep!("sendSubscribeMessage", Post, "/cgi-bin/message/subscribe/bizsend", ["message"], [], Body::Route(subscribe)),
    // blacklist
    ep!("getBlacklist", Post, "/cgi-bin/tags/members/getblacklist", ["beginOpenid?"], [], Body::Template(r#"{"begin_openid":"$beginOpenid|"}"#)),
    ep!("batchBlacklist", Post, "/cgi-bin/tags/members/batchblacklist", ["openids"], [], Body::Template(r#"{"openid_list":"$openids"}"#)),
    ep!("batchUnblacklist", Post, "/cgi-bin/tags/members/batchunblacklist", ["openids"], [], Body::Template(r#"{"openid_list":"$openids"}"#)),
    // quota and diagnostics
    ep!("getApiQuota", Post, "/cgi-bin/openapi/quota/get", ["cgiPath"], [], Body::Template(r#"{"cgi_path":"$cgiPath"}"#)),
    ep!("getRid", Post, "/cgi-bin/openapi/rid/get", ["rid"], [], Body::Template(r#"{"rid":"$rid"}"#)),
    ep!("getApiDomainIp", Get, "/cgi-bin/get_api_domain_ip", [], [], Body::None),
    ep!("checkCallback", Post, "/cgi-bin/callback/check", ["action?", "checkOperator?"], [], Body::Template(r#"{"action":"$action|all","check_operator":"$checkOperator|DEFAULT"}"#)),
    // open-platform account of this account (for an authorizer: with its token)
    ep!("createOpenAccount", Post, "/cgi-bin/open/create", [], [], Body::Template(r#"{"appid":"$@appid"}"#)),
    ep!("bindOpenAccount", Post, "/cgi-bin/open/bind", ["openAppid"], [], Body::Template(r#"{"appid":"$@appid","open_appid":"$openAppid"}"#)),
    ep!("unbindOpenAccount", Post, "/cgi-bin/open/unbind", ["openAppid"], [], Body::Template(r#"{"appid":"$@appid","open_appid":"$openAppid"}"#)),
    ep!("getOpenAccount", Post, "/cgi-bin/open/get", [], [], Body::Template(r#"{"appid":"$@appid"}"#)),
    // short keys
    ep!("genShortKey", Post, "/cgi-bin/shorten/gen", ["longData", "expireSeconds?"], [], Body::Template(r#"{"long_data":"$longData","expire_seconds":"$expireSeconds"}"#)),
    ep!("fetchShortKey", Post, "/cgi-bin/shorten/fetch", ["shortKey"], [], Body::Template(r#"{"short_key":"$shortKey"}"#)),
];

/// An official account's message (wechat-api's form, as given) goes to
/// bizsend; a mini program's (camelCase `templateId`, or `miniprogramState` /
/// `lang`, which only /subscribe/send takes) to /subscribe/send.
fn subscribe(args: &Args) -> Result<(&'static str, Value)> {
    let message = args.need("message")?;
    if super::wxa_settings::is_wxa_subscribe(message) {
        return Ok(("/cgi-bin/message/subscribe/send", super::wxa_settings::wxa_subscribe(args)?));
    }
    Ok(("/cgi-bin/message/subscribe/bizsend", message.clone()))
}
