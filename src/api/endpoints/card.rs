//! Cards and coupons (卡券), and their statistics.

use serde_json::{json, Value};

use super::{Args, Body, Endpoint};
use crate::error::{Error, Result};

pub static ENDPOINTS: &[Endpoint] = &[
    ep!("addLocations", Post, "/card/location/batchadd", ["locations"], [], Body::Template(r#"{"location_list":"$locations"}"#)),
    ep!("getLocations", Post, "/card/location/batchget", ["offset", "count"], [], Body::Template(r#"{"offset":"$offset","count":"$count"}"#)),
    ep!("getColors", Get, "/card/getcolors", [], [], Body::None),
    ep!("createCard", Post, "/card/create", ["card"], [], Body::Template(r#"{"card":"$card"}"#)),
    ep!("createQRCode", Post, "/card/qrcode/create", ["card"], [], Body::Template(r#"{"action_name":"QR_CARD","action_info":{"card":"$card"}}"#)),
    ep!("consumeCode", Post, "/card/code/consume", ["code", "cardId"], [], Body::Template(r#"{"code":"$code","card_id":"$cardId"}"#)),
    ep!("decryptCode", Post, "/card/code/decrypt", ["encryptCode"], [], Body::Template(r#"{"encrypt_code":"$encryptCode"}"#)),
    ep!("deleteCard", Post, "/card/delete", ["cardId"], [], Body::Template(r#"{"card_id":"$cardId"}"#)),
    ep!("getCode", Post, "/card/code/get", ["code", "cardId?"], [], Body::Template(r#"{"code":"$code","card_id":"$cardId"}"#)),
    ep!("getCards", Post, "/card/batchget", ["offset", "count", "status_list?"], [], Body::Template(r#"{"offset":"$offset","count":"$count","status_list":"$status_list"}"#)),
    ep!("getCard", Post, "/card/get", ["cardId"], [], Body::Template(r#"{"card_id":"$cardId"}"#)),
    ep!("updateCode", Post, "/card/code/update", ["code", "cardId", "newcode"], [], Body::Template(r#"{"code":"$code","card_id":"$cardId","newcode":"$newcode"}"#)),
    ep!("unavailableCode", Post, "/card/code/unavailable", ["code", "cardId?"], [], Body::Template(r#"{"code":"$code","card_id":"$cardId"}"#)),
    ep!("activateMembercard", Post, "/card/membercard/activate", ["info"], [], Body::Template(r#""$info""#)),
    ep!("activateMembercardUserForm", Post, "/card/membercard/activateuserform/set", ["info"], [], Body::Template(r#""$info""#)),
    ep!("getMembercard", Post, "/card/membercard/userinfo/get", ["info"], [], Body::Template(r#""$info""#)),
    ep!("updateMembercard", Post, "/card/membercard/updateuser", ["info"], [], Body::Template(r#""$info""#)),
    ep!("updateMovieTicket", Post, "/card/movieticket/updateuser", ["info"], [], Body::Template(r#""$info""#)),
    ep!("checkInBoardingPass", Post, "/card/boardingpass/checkin", ["info"], [], Body::Template(r#""$info""#)),
    ep!("updateLuckyMonkeyBalance", Post, "/card/luckymonkey/updateuserbalance", ["code", "cardId", "balance"], [], Body::Template(r#"{"code":"$code","card_id":"$cardId","balance":"$balance"}"#)),
    ep!("updateMeetingTicket", Post, "/card/meetingticket/updateuser", ["info"], [], Body::Template(r#""$info""#)),
    ep!("setTestWhitelist", Post, "/card/testwhitelist/set", ["info"], [], Body::Template(r#""$info""#)),
    ep!("importCustomizedCodes", Post, "/card/code/deposit", ["cardId", "code"], [], Body::Template(r#"{"card_id":"$cardId","code":"$code"}"#)),
    ep!("checkCustomizedCodes", Post, "/card/code/checkcode", ["cardId", "code"], [], Body::Template(r#"{"card_id":"$cardId","code":"$code"}"#)),
    ep!("getDepositCodesCount", Post, "/card/code/getdepositcount", ["cardId"], [], Body::Template(r#"{"card_id":"$cardId"}"#)),
    ep!("getTotalCardDataInfo", Post, "/datacube/getcardbizuininfo", ["beginDate", "endDate", "source"], [], Body::Template(r#"{"begin_date":"$beginDate","end_date":"$endDate","cond_source":"$source"}"#)),
    ep!("getCardDataInfo", Post, "/datacube/getcardcardinfo", ["cardId", "beginDate", "endDate", "source"], [], Body::Template(r#"{"begin_date":"$beginDate","end_date":"$endDate","cond_source":"$source","card_id":"$cardId"}"#)),
    ep!("getApplyProtocol", Get, "/card/getapplyprotocol", [], [], Body::None),
    ep!("submitSubmerchant", Post, "/card/submerchant/submit", ["options"], [], Body::Template(r#"{"info":"$options"}"#)),
    ep!("updateSubmerchant", Post, "/card/submerchant/update", ["options"], [], Body::Template(r#"{"info":"$options"}"#)),
    ep!("getSubmerchant", Post, "/card/submerchant/get", ["merchantId"], [], Body::Template(r#"{"merchant_id":"$merchantId"}"#)),
    ep!("batchgetSubmerchant", Post, "/card/submerchant/batchget", ["data"], [], Body::Template(r#""$data""#)),
    ep!("getMemberCardUserInfo", Post, "/card/membercard/userinfo/get", ["info"], [], Body::Template(r#""$info""#)),
    ep!("updateMemberCardUserInfo", Post, "/card/membercard/updateuser", ["data"], [], Body::Template(r#""$data""#)),
    ep!("createCardQRCode", Post, "/card/qrcode/create", ["info", "expire_seconds?"], [], Body::Build(card_qrcode)),
    ep!("updateCard", Post, "/card/update", ["cardId", "cardType", "cardInfo"], [], Body::Build(update_card)),
    ep!("updateCardStock", Post, "/card/modifystock", ["cardId", "num"], [], Body::Build(card_stock)),
    ep!("addConsumer", Post, "/card/consumer/add", ["username", "locationId?"], [], Body::Build(add_consumer)),
];

/// `{scene: …}` → action QR_SCENE… named after the info's first key, as wechat-api does.
fn card_qrcode(args: &Args) -> Result<Value> {
    let info = args.need("info")?;
    let first = info.as_object().and_then(|o| o.keys().next()).ok_or_else(|| Error::invalid("info", "must be an object such as {card: {...}}"))?;
    Ok(json!({ "action_name": format!("QR_{}", first.to_uppercase()), "expire_seconds": args.get("expire_seconds"), "action_info": info }))
}

fn update_card(args: &Args) -> Result<Value> {
    let kind = args.need("cardType")?.as_str().ok_or_else(|| Error::invalid("cardType", "must be a string such as 'member_card'"))?;
    Ok(json!({ "card_id": args.need("cardId")?, kind.to_lowercase(): args.need("cardInfo")? }))
}

/// A positive num adds stock, a negative one takes it away.
fn card_stock(args: &Args) -> Result<Value> {
    let num = super::integer(args, "num")?;
    let field = if num > 0 { "increase_stock_value" } else { "reduce_stock_value" };
    Ok(json!({ "card_id": args.need("cardId")?, field: num.abs() }))
}

fn add_consumer(args: &Args) -> Result<Value> {
    let mut body = json!({ "username": args.need("username")?, "is_super_consumer": true });
    if let Some(loc) = args.get("locationId") {
        body["location_id"] = loc.clone();
        body["is_super_consumer"] = json!(false);
    }
    Ok(body)
}
