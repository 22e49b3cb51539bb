//! The platform's own mini-program endpoints, called with the
//! component_access_token (in `access_token`, as WeChat's current docs put
//! it): the code template library, fast registration of mini programs, the
//! platform's domain lists. ThirdpartyServer's methods, not a client's.

use super::checks::Check::{Bool, IntIn, OneOf, Required, SemicolonList, Str};
use super::{Body, Endpoint};

const FAST_REGISTER: &str = "/cgi-bin/component/fastregisterweapp";
const PERSONAL: &str = "/wxa/component/fastregisterpersonalweapp";
const DOMAIN_ACTIONS: &[&str] = &["add", "delete", "set", "get"];

pub static PLATFORM: &[Endpoint] = &[
    // the code template library
    ep!("getTemplateDraftList", Get, "/wxa/gettemplatedraftlist", [], [], Body::None),
    ep!("addToTemplate", Post, "/wxa/addtotemplate", ["draftId", "templateType?"], [], Body::Template(r#"{"draft_id":"$draftId","template_type":"$templateType"}"#), &[("draftId", IntIn(0, i64::MAX)), ("templateType", IntIn(0, 1))]),
    ep!("getTemplateList", Get, "/wxa/gettemplatelist", ["templateType?"], [("template_type", "$templateType")], Body::None, &[("templateType", IntIn(0, 1))]),
    ep!("deleteTemplate", Post, "/wxa/deletetemplate", ["templateId"], [], Body::Template(r#"{"template_id":"$templateId"}"#), &[("templateId", IntIn(0, i64::MAX))]),
    // fast registration (results arrive as notify_third_fasteregister pushes)
    ep!("fastRegisterWeapp", Post, FAST_REGISTER, ["options"], [("action", "create")], Body::Template(r#"{"name":"$options.name","code":"$options.code","code_type":"$options.codeType","legal_persona_wechat":"$options.legalPersonaWechat","legal_persona_name":"$options.legalPersonaName","component_phone":"$options.componentPhone"}"#), &[("options.name", Required), ("options.name", Str), ("options.code", Required), ("options.code", Str), ("options.codeType", Required), ("options.codeType", IntIn(1, 3)), ("options.legalPersonaWechat", Required), ("options.legalPersonaWechat", Str), ("options.legalPersonaName", Required), ("options.legalPersonaName", Str), ("options.componentPhone", Str)]),
    ep!("searchFastRegisterWeapp", Post, FAST_REGISTER, ["options"], [("action", "search")], Body::Template(r#"{"name":"$options.name","legal_persona_wechat":"$options.legalPersonaWechat","legal_persona_name":"$options.legalPersonaName"}"#), &[("options.name", Required), ("options.legalPersonaWechat", Required), ("options.legalPersonaName", Required)]),
    ep!("fastRegisterBetaWeapp", Post, "/wxa/component/fastregisterbetaweapp", ["options"], [], Body::Template(r#"{"name":"$options.name","openid":"$options.openid"}"#), &[("options.name", Required), ("options.name", Str), ("options.openid", Required), ("options.openid", Str)]),
    ep!("fastRegisterPersonalWeapp", Post, PERSONAL, ["options"], [("action", "create")], Body::Template(r#"{"idname":"$options.idname","wxuser":"$options.wxuser","component_phone":"$options.componentPhone","new_version":"$options.newVersion"}"#), &[("options.idname", Str), ("options.wxuser", Required), ("options.wxuser", Str), ("options.componentPhone", Str), ("options.newVersion", Bool)]),
    ep!("queryFastRegisterPersonalWeapp", Post, PERSONAL, ["taskid"], [("action", "query")], Body::Template(r#"{"taskid":"$taskid"}"#), &[("taskid", Str)]),
    // the platform's own domain lists, which authorizers' domains must come from
    ep!("modifyWxaServerDomain", Post, "/cgi-bin/component/modify_wxa_server_domain", ["options"], [], Body::Template(r#"{"action":"$options.action","wxa_server_domain":"$options.wxaServerDomain","is_modify_published_together":"$options.isModifyPublishedTogether"}"#), &[("options.action", Required), ("options.action", OneOf(DOMAIN_ACTIONS)), ("options.wxaServerDomain", SemicolonList)]),
    ep!("modifyWxaJumpDomain", Post, "/cgi-bin/component/modify_wxa_jump_domain", ["options"], [], Body::Template(r#"{"action":"$options.action","wxa_jump_h5_domain":"$options.wxaJumpH5Domain","is_modify_published_together":"$options.isModifyPublishedTogether"}"#), &[("options.action", Required), ("options.action", OneOf(DOMAIN_ACTIONS)), ("options.wxaJumpH5Domain", SemicolonList)]),
    ep!("getDomainConfirmFile", Post, "/cgi-bin/component/get_domain_confirmfile", [], [], Body::Template("{}")),
];

pub fn find_platform(name: &str) -> Option<&'static Endpoint> {
    PLATFORM.iter().find(|e| e.name == name)
}
