//! Devices, stores (门店), payment notices, Shake Around (摇一摇) and the
//! WeChat shop (微信小店). WeChat has retired the shop, Shake Around and the
//! old payment endpoints; their rows stay so calls reach WeChat's own error.

use serde_json::{json, Value};

use super::{Args, Body, Endpoint};
use crate::error::{Error, Result};

pub static ENDPOINTS: &[Endpoint] = &[
    ep!("transferMessage", Post, "/device/transmsg", ["deviceType", "deviceId", "openid", "content"], [], Body::Build(transfer_message)),
    ep!("transferStatus", Post, "/device/transmsg", ["deviceType", "deviceId", "openid", "status"], [], Body::Template(r#"{"device_type":"$deviceType","device_id":"$deviceId","open_id":"$openid","msg_type":"2","device_status":"$status"}"#)),
    ep!("createDeviceQRCode", Post, "/device/create_qrcode", ["deviceIds"], [], Body::Build(device_qrcode)),
    ep!("authorizeDevices", Post, "/device/authorize_device", ["devices", "optype", "productid?"], [], Body::Build(authorize_devices)),
    ep!("getDeviceQRCode", Get, "/device/getqrcode", ["product_id"], [("product_id", "$product_id")], Body::None),
    ep!("bindDevice", Post, "/device/bind", ["deviceId", "openid", "ticket"], [], Body::Template(r#"{"ticket":"$ticket","device_id":"$deviceId","openid":"$openid"}"#)),
    ep!("unbindDevice", Post, "/device/unbind", ["deviceId", "openid", "ticket"], [], Body::Template(r#"{"ticket":"$ticket","device_id":"$deviceId","openid":"$openid"}"#)),
    ep!("compelBindDevice", Post, "/device/compel_bind", ["deviceId", "openid"], [], Body::Template(r#"{"device_id":"$deviceId","openid":"$openid"}"#)),
    ep!("compelUnbindDevice", Post, "/device/compel_unbind", ["deviceId", "openid"], [], Body::Template(r#"{"device_id":"$deviceId","openid":"$openid"}"#)),
    ep!("getDeviceStatus", Get, "/device/get_stat", ["deviceId"], [("device_id", "$deviceId")], Body::None),
    ep!("verifyDeviceQRCode", Post, "/device/verify_qrcode", ["ticket"], [], Body::Template(r#"{"ticket":"$ticket"}"#)),
    ep!("getOpenID", Get, "/device/get_openid", ["deviceId", "deviceType"], [("device_id", "$deviceId"), ("device_type", "$deviceType")], Body::None),
    ep!("getBindDevice", Get, "/device/get_bind_device", ["openid"], [("openid", "$openid")], Body::None),
    ep!(retired "updateFeedback", Get, "/payfeedback/update", ["openid", "feedbackId"], [("openid", "$openid"), ("feedbackid", "$feedbackId")], Body::None),
    ep!(retired "deliverNotify", Post, "/pay/delivernotify", ["data"], [], Body::Template(r#""$data""#)),
    ep!(retired "orderQuery", Post, "/pay/orderquery", ["query"], [], Body::Template(r#""$query""#)),
    ep!("addPoi", Post, "/cgi-bin/poi/addpoi", ["poi"], [], Body::Template(r#"{"business":{"base_info":"$poi"}}"#)),
    ep!("getPoi", Post, "/cgi-bin/poi/getpoi", ["poiId"], [], Body::Template(r#"{"poi_id":"$poiId"}"#)),
    ep!("getPois", Post, "/cgi-bin/poi/getpoilist", ["begin", "limit"], [], Body::Template(r#"{"begin":"$begin","limit":"$limit"}"#)),
    ep!("delPoi", Post, "/cgi-bin/poi/delpoi", ["poiId"], [], Body::Template(r#"{"poi_id":"$poiId"}"#)),
    ep!("updatePoi", Post, "/cgi-bin/poi/updatepoi", ["poi"], [], Body::Template(r#"{"business":{"base_info":"$poi"}}"#)),
    ep!("getWXCategory", Get, "/cgi-bin/poi/getwxcategory", [], [], Body::None),
    ep!(retired "registerShakeAccount", Post, "/shakearound/account/register", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "checkShakeAccountStatus", Get, "/shakearound/account/auditstatus", [], [], Body::None),
    ep!(retired "applyBeacons", Post, "/shakearound/device/applyid", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "applyBeaconsStatus", Post, "/shakearound/device/applystatus", ["apply_id"], [], Body::Template(r#"{"apply_id":"$apply_id"}"#)),
    ep!(retired "updateBeacon", Post, "/shakearound/device/update", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "getBeacons", Post, "/shakearound/device/search", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "createPage", Post, "/shakearound/page/add", ["page"], [], Body::Template(r#""$page""#)),
    ep!(retired "updatePage", Post, "/shakearound/page/update", ["page"], [], Body::Template(r#""$page""#)),
    ep!(retired "deletePage", Post, "/shakearound/page/delete", ["page_id"], [], Body::Template(r#"{"page_id":"$page_id"}"#)),
    ep!(retired "getPages", Post, "/shakearound/page/search", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "bindBeaconWithPages", Post, "/shakearound/device/bindpage", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "searchBeaconPageRelation", Post, "/shakearound/relation/search", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "getShakeInfo", Post, "/shakearound/user/getshakeinfo", ["ticket"], [], Body::Template(r#"{"ticket":"$ticket"}"#)),
    ep!(retired "getDeviceStatistics", Post, "/shakearound/statistics/device", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "getDeviceStatisticsList", Post, "/shakearound/statistics/devicelist", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "getPageStatistics", Post, "/shakearound/statistics/page", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "getPageStatisticsList", Post, "/shakearound/statistics/pagelist", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "listBeaconGroup", Post, "/shakearound/device/group/getlist", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "queryGroupBeacons", Post, "/shakearound/device/group/getdetail", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "addBeaconGroup", Post, "/shakearound/device/group/add", ["group"], [], Body::Template(r#""$group""#)),
    ep!(retired "updateBeaconGroup", Post, "/shakearound/device/group/update", ["group"], [], Body::Template(r#""$group""#)),
    ep!(retired "deleteBeaconGroup", Post, "/shakearound/device/group/delete", ["group_id"], [], Body::Template(r#"{"group_id":"$group_id"}"#)),
    ep!(retired "addGroupBeacons", Post, "/shakearound/device/group/adddevice", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "deleteGroupBeacons", Post, "/shakearound/device/group/deletedevice", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "addLotteryInfo", Post, "/shakearound/lottery/addlotteryinfo", ["options", "body"], [("use_template", "$options.use_template"), ("logo_url", "$options.logo_url")], Body::Template(r#""$body""#)),
    ep!(retired "setPrizeBucket", Post, "/shakearound/lottery/setprizebucket", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "setLotterySwitch", Get, "/shakearound/lottery/setlotteryswitch", ["lotteryId", "onoff"], [("lottery_id", "$lotteryId"), ("onoff", "$onoff")], Body::None),
    ep!(retired "addExpressTemplate", Post, "/merchant/express/add", ["express"], [], Body::Template(r#""$express""#)),
    ep!(retired "deleteExpressTemplate", Post, "/merchant/express/del", ["templateId"], [], Body::Template(r#"{"template_id":"$templateId"}"#)),
    ep!(retired "getExpressTemplateById", Post, "/merchant/express/getbyid", ["templateId"], [], Body::Template(r#"{"template_id":"$templateId"}"#)),
    ep!(retired "getAllExpressTemplates", Get, "/merchant/express/getall", [], [], Body::None),
    ep!(retired "createGoods", Post, "/merchant/create", ["goods"], [], Body::Template(r#""$goods""#)),
    ep!(retired "deleteGoods", Post, "/merchant/del", ["productId"], [], Body::Template(r#"{"product_id":"$productId"}"#)),
    ep!(retired "updateGoods", Post, "/merchant/update", ["goods"], [], Body::Template(r#""$goods""#)),
    ep!(retired "getGoods", Get, "/merchant/get", ["productId"], [("product_id", "$productId")], Body::None),
    ep!(retired "getGoodsByStatus", Post, "/merchant/getbystatus", ["status"], [], Body::Template(r#"{"status":"$status"}"#)),
    ep!(retired "updateGoodsStatus", Post, "/merchant/modproductstatus", ["productId", "status"], [], Body::Template(r#"{"product_id":"$productId","status":"$status"}"#)),
    ep!(retired "getSubCats", Post, "/merchant/category/getsub", ["catId"], [], Body::Template(r#"{"cate_id":"$catId"}"#)),
    ep!(retired "getSKUs", Post, "/merchant/category/getsku", ["catId"], [], Body::Template(r#"{"cate_id":"$catId"}"#)),
    ep!(retired "getProperties", Post, "/merchant/category/getproperty", ["catId"], [], Body::Template(r#"{"cate_id":"$catId"}"#)),
    ep!(retired "createGoodsGroup", Post, "/merchant/group/add", ["groupName", "productList"], [], Body::Template(r#"{"group_detail":{"group_name":"$groupName","product_list":"$productList"}}"#)),
    ep!(retired "deleteGoodsGroup", Post, "/merchant/group/del", ["groupId"], [], Body::Template(r#"{"group_id":"$groupId"}"#)),
    ep!(retired "updateGoodsGroup", Post, "/merchant/group/propertymod", ["groupId", "groupName"], [], Body::Template(r#"{"group_id":"$groupId","group_name":"$groupName"}"#)),
    ep!(retired "getAllGroups", Get, "/merchant/group/getall", [], [], Body::None),
    ep!(retired "getGroupById", Post, "/merchant/group/getbyid", ["groupId"], [], Body::Template(r#"{"group_id":"$groupId"}"#)),
    ep!(retired "getOrderById", Post, "/merchant/order/getbyid", ["orderId"], [], Body::Template(r#"{"order_id":"$orderId"}"#)),
    ep!(retired "setExpressForOrder", Post, "/merchant/order/setdelivery", ["orderId", "deliveryCompany", "deliveryTrackNo"], [], Body::Template(r#"{"order_id":"$orderId","delivery_company":"$deliveryCompany","delivery_track_no":"$deliveryTrackNo"}"#)),
    ep!(retired "closeOrder", Post, "/merchant/order/close", ["orderId"], [], Body::Template(r#"{"order_id":"$orderId"}"#)),
    ep!(retired "createShelf", Post, "/merchant/shelf/add", ["shelf"], [], Body::Template(r#""$shelf""#)),
    ep!(retired "deleteShelf", Post, "/merchant/shelf/del", ["shelfId"], [], Body::Template(r#"{"shelf_id":"$shelfId"}"#)),
    ep!(retired "updateShelf", Post, "/merchant/shelf/mod", ["shelf"], [], Body::Template(r#""$shelf""#)),
    ep!(retired "getAllShelves", Get, "/merchant/shelf/getall", [], [], Body::None),
    ep!(retired "getShelfById", Post, "/merchant/shelf/getbyid", ["shelfId"], [], Body::Template(r#"{"shelf_id":"$shelfId"}"#)),
    ep!(retired "bindBeaconLocation", Post, "/shakearound/device/bindlocation", ["options"], [], Body::Template(r#""$options""#)),
    ep!(retired "updateExpressTemplate", Post, "/merchant/express/update", ["template"], [], Body::Template(r#""$template""#)),
    ep!(retired "updateGoodsForGroup", Post, "/merchant/group/productmod", ["groupId", "addProductList?", "delProductList?"], [], Body::Build(goods_for_group)),
    ep!(retired "getOrdersByStatus", Post, "/merchant/order/getbyfilter", ["status?", "beginTime?", "endTime?"], [], Body::Build(orders_by_status)),
    ep!(retired "updateStock", Post, "/merchant/stock/add", ["number", "productId", "sku"], [], Body::Route(update_stock)),
];

fn transfer_message(args: &Args) -> Result<Value> {
    use base64::Engine;
    let content = args.need("content")?;
    let raw = content.as_str().map(str::to_owned).unwrap_or_else(|| content.to_string());
    Ok(json!({
        "device_type": args.need("deviceType")?, "device_id": args.need("deviceId")?, "open_id": args.need("openid")?,
        "content": base64::engine::general_purpose::STANDARD.encode(raw),
    }))
}

fn list<'a>(args: &Args<'a>, name: &'static str) -> Result<&'a Vec<Value>> {
    args.need(name)?.as_array().ok_or_else(|| Error::invalid(name, "must be an array"))
}

fn device_qrcode(args: &Args) -> Result<Value> {
    let ids = list(args, "deviceIds")?;
    Ok(json!({ "device_num": ids.len(), "device_id_list": ids }))
}

fn authorize_devices(args: &Args) -> Result<Value> {
    let devices = list(args, "devices")?;
    let mut body = json!({ "device_num": devices.len(), "device_list": devices, "op_type": args.need("optype")? });
    if let Some(p) = args.get("productid") {
        body["product_id"] = p.clone();
    }
    Ok(body)
}

fn goods_for_group(args: &Args) -> Result<Value> {
    let actions = [("addProductList", 1), ("delProductList", 0)];
    let product: Vec<Value> = actions
        .iter()
        .flat_map(|(name, action)| args.get(name).and_then(Value::as_array).into_iter().flatten().map(move |id| json!({ "product_id": id, "mod_action": action })))
        .collect();
    Ok(json!({ "group_id": args.need("groupId")?, "product": product }))
}

/// Times are Dates (ISO strings or ms from JS) or unix seconds; a lone time means "from then until now".
fn orders_by_status(args: &Args) -> Result<Value> {
    let mut body = json!({});
    let status = args.get("status");
    let (status, begin) = match status {
        Some(Value::Number(_)) => (status, args.get("beginTime")),
        Some(_) => (None, status),
        None => (None, None),
    };
    if let Some(s) = status {
        body["status"] = s.clone();
    }
    if let Some(b) = begin {
        body["begintime"] = json!(unix_seconds("beginTime", b)?);
        body["endtime"] = json!(match args.get("endTime") {
            Some(e) => unix_seconds("endTime", e)?,
            None => crate::model::now_ms() / 1000,
        });
    }
    Ok(body)
}

fn unix_seconds(name: &'static str, v: &Value) -> Result<i64> {
    match v {
        // A Date crosses as JSON writes it (ISO 8601); seconds rounded as wechat-api's Math.round(ms / 1000).
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).map(|d| (d.timestamp_millis() as f64 / 1000.0).round() as i64).map_err(|_| Error::invalid(name, "must be a Date")),
        Value::Number(n) => n.as_f64().map(|ms| (ms / 1000.0).round() as i64).ok_or_else(|| Error::invalid(name, "must be a Date")),
        _ => Err(Error::invalid(name, "must be a Date")),
    }
}

/// A positive number adds stock, a negative one takes it away.
fn update_stock(args: &Args) -> Result<(&'static str, Value)> {
    let n = super::integer(args, "number")?;
    let path = if n > 0 { "/merchant/stock/add" } else { "/merchant/stock/reduce" };
    Ok((path, json!({ "product_id": args.need("productId")?, "sku_info": args.need("sku")?, "quantity": n.abs() })))
}
