//! The long tail of the official-account surface (wechat-api 1.35 and a few
//! neighbours): accept, check the access_token, record the body, answer
//! `{errcode: 0, errmsg: "ok"}` plus the fields a client reads from that
//! endpoint's answer, so callers get the shape they expect.

use serde_json::Value;

use super::account::acting;
use super::state::{Reply, Req, Shared};

/// (path, extra answer fields as JSON; "" = none).
const TABLE: &[(&str, &str)] = &[
    ("/card/batchget", r##"{"card_id_list":[],"total_num":0}"##),
    ("/card/boardingpass/checkin", r##""##),
    ("/card/code/checkcode", r##"{"exist_code":[],"not_exist_code":[]}"##),
    ("/card/code/consume", r##"{"card":{"card_id":""},"openid":""}"##),
    ("/card/code/decrypt", r##"{"code":"sandboxcode"}"##),
    ("/card/code/deposit", r##""##),
    ("/card/code/get", r##"{"openid":"","card":{"card_id":"","begin_time":0,"end_time":0},"can_consume":true,"user_card_status":"NORMAL"}"##),
    ("/card/code/getdepositcount", r##"{"count":0}"##),
    ("/card/code/unavailable", r##""##),
    ("/card/code/update", r##""##),
    ("/card/consumer/add", r##""##),
    ("/card/create", r##"{"card_id":"pSandboxCard0000000000000001"}"##),
    ("/card/delete", r##""##),
    ("/card/get", r##"{"card":{}}"##),
    ("/card/getapplyprotocol", r##"{"category":[]}"##),
    ("/card/getcolors", r##"{"colors":[{"name":"Color010","value":"#55bd47"},{"name":"Color020","value":"#10ad61"}]}"##),
    ("/card/location/batchadd", r##"{"location_id_list":[]}"##),
    ("/card/location/batchget", r##"{"location_list":[],"count":0}"##),
    ("/card/luckymonkey/updateuserbalance", r##""##),
    ("/card/meetingticket/updateuser", r##""##),
    ("/card/membercard/activate", r##""##),
    ("/card/membercard/activateuserform/set", r##""##),
    ("/card/membercard/updateuser", r##""##),
    ("/card/membercard/userinfo/get", r##"{"openid":"","nickname":"","bonus":0,"balance":0,"user_card_status":"NORMAL"}"##),
    ("/card/modifystock", r##""##),
    ("/card/movieticket/updateuser", r##""##),
    ("/card/qrcode/create", r##"{"ticket":"gQSandboxCardQrcode","url":"http://weixin.qq.com/q/sandboxcard","expire_seconds":1800}"##),
    ("/card/submerchant/batchget", r##"{"info_list":[],"next_begin_id":0}"##),
    ("/card/submerchant/get", r##""##),
    ("/card/submerchant/submit", r##""##),
    ("/card/submerchant/update", r##""##),
    ("/card/testwhitelist/set", r##""##),
    ("/card/update", r##""##),
    ("/cgi-bin/clear_quota", r##""##),
    ("/cgi-bin/customservice/getkflist", r##"{"kf_list":[]}"##),
    ("/cgi-bin/customservice/getonlinekflist", r##"{"kf_online_list":[]}"##),
    ("/cgi-bin/getcallbackip", r##"{"ip_list":["127.0.0.1"]}"##),
    ("/cgi-bin/groups/create", r##"{"group":{"id":100,"name":"sandbox"}}"##),
    ("/cgi-bin/groups/delete", r##""##),
    ("/cgi-bin/groups/get", r##"{"groups":[{"id":0,"name":"未分组","count":0},{"id":2,"name":"星标组","count":0}]}"##),
    ("/cgi-bin/groups/getid", r##"{"groupid":0}"##),
    ("/cgi-bin/groups/members/update", r##""##),
    ("/cgi-bin/groups/update", r##""##),
    ("/cgi-bin/message/mass/delete", r##""##),
    ("/cgi-bin/message/mass/get", r##"{"msg_id":1000000001,"msg_status":"SEND_SUCCESS"}"##),
    ("/cgi-bin/message/mass/preview", r##"{"msg_id":1000000001}"##),
    ("/cgi-bin/message/mass/send", r##"{"msg_id":1000000001,"msg_data_id":2247483647}"##),
    ("/cgi-bin/message/mass/sendall", r##"{"msg_id":1000000001,"msg_data_id":2247483647}"##),
    ("/cgi-bin/poi/addpoi", r##""##),
    ("/cgi-bin/poi/delpoi", r##""##),
    ("/cgi-bin/poi/getpoi", r##"{"business":{"base_info":{}}}"##),
    ("/cgi-bin/poi/getpoilist", r##"{"business_list":[],"total_count":0}"##),
    ("/cgi-bin/poi/getwxcategory", r##"{"category_list":[]}"##),
    ("/cgi-bin/poi/updatepoi", r##""##),
    ("/cgi-bin/template/api_add_template", r##"{"template_id":"SandboxTemplate000000000000000000000000001"}"##),
    ("/cgi-bin/template/api_set_industry", r##""##),
    ("/cgi-bin/template/del_private_template", r##""##),
    ("/cgi-bin/template/get_all_private_template", r##"{"template_list":[]}"##),
    ("/cgi-bin/template/get_industry", r##"{"primary_industry":{"first_class":"IT科技","second_class":"互联网|电子商务"},"secondary_industry":{"first_class":"IT科技","second_class":"IT软件与服务"}}"##),
    ("/customservice/kfaccount/add", r##""##),
    ("/customservice/kfaccount/del", r##""##),
    ("/customservice/kfaccount/update", r##""##),
    ("/customservice/kfaccount/uploadheadimg", r##""##),
    ("/customservice/kfsession/close", r##""##),
    ("/customservice/kfsession/create", r##""##),
    ("/customservice/kfsession/getsession", r##"{"kf_account":"","createtime":0}"##),
    ("/customservice/kfsession/getsessionlist", r##"{"sessionlist":[]}"##),
    ("/customservice/kfsession/getwaitcase", r##"{"count":0,"waitcaselist":[]}"##),
    ("/customservice/msgrecord/getmsglist", r##"{"recordlist":[],"number":0,"msgid":0}"##),
    ("/datacube/getarticlesummary", r##"{"list":[]}"##),
    ("/datacube/getarticletotal", r##"{"list":[]}"##),
    ("/datacube/getcardbizuininfo", r##"{"list":[]}"##),
    ("/datacube/getcardcardinfo", r##"{"list":[]}"##),
    ("/datacube/getinterfacesummary", r##"{"list":[]}"##),
    ("/datacube/getinterfacesummaryhour", r##"{"list":[]}"##),
    ("/datacube/getupstreammsg", r##"{"list":[]}"##),
    ("/datacube/getupstreammsgdist", r##"{"list":[]}"##),
    ("/datacube/getupstreammsgdistmonth", r##"{"list":[]}"##),
    ("/datacube/getupstreammsgdistweek", r##"{"list":[]}"##),
    ("/datacube/getupstreammsghour", r##"{"list":[]}"##),
    ("/datacube/getupstreammsgmonth", r##"{"list":[]}"##),
    ("/datacube/getupstreammsgweek", r##"{"list":[]}"##),
    ("/datacube/getusercumulate", r##"{"list":[]}"##),
    ("/datacube/getuserread", r##"{"list":[]}"##),
    ("/datacube/getuserreadhour", r##"{"list":[]}"##),
    ("/datacube/getusershare", r##"{"list":[]}"##),
    ("/datacube/getusersharehour", r##"{"list":[]}"##),
    ("/datacube/getusersummary", r##"{"list":[]}"##),
    ("/device/authorize_device", r##""##),
    ("/device/bind", r##""##),
    ("/device/compel_bind", r##""##),
    ("/device/compel_unbind", r##""##),
    ("/device/create_qrcode", r##"{"device_num":0,"code_list":[]}"##),
    ("/device/get_bind_device", r##"{"resp_msg":{"ret_code":0,"error_info":"ok"},"openid":"","device_list":[]}"##),
    ("/device/get_openid", r##"{"open_id":[],"resp_msg":{"ret_code":0,"error_info":"ok"}}"##),
    ("/device/get_stat", r##"{"status":0,"status_info":"not exist"}"##),
    ("/device/getqrcode", r##"{"base_resp":{"errcode":0,"errmsg":"ok"},"deviceid":"sandboxdevice","qrticket":"http://we.qq.com/d/sandbox"}"##),
    ("/device/transmsg", r##""##),
    ("/device/unbind", r##""##),
    ("/device/verify_qrcode", r##""##),
    ("/merchant/category/getproperty", r##""##),
    ("/merchant/category/getsku", r##""##),
    ("/merchant/category/getsub", r##""##),
    ("/merchant/common/upload_img", r##"{"image_url":"http://mmbiz.qpic.cn/mmbiz/sandbox/0"}"##),
    ("/merchant/create", r##"{"product_id":"pSandboxProduct0001"}"##),
    ("/merchant/del", r##""##),
    ("/merchant/express/add", r##"{"template_id":1}"##),
    ("/merchant/express/del", r##""##),
    ("/merchant/express/getall", r##"{"templates_info":[]}"##),
    ("/merchant/express/getbyid", r##""##),
    ("/merchant/get", r##"{"product_info":{}}"##),
    ("/merchant/getbystatus", r##"{"products_info":[]}"##),
    ("/merchant/group/add", r##"{"group_id":1}"##),
    ("/merchant/group/del", r##""##),
    ("/merchant/group/getall", r##"{"groups_detail":[]}"##),
    ("/merchant/group/getbyid", r##""##),
    ("/merchant/group/productmod", r##""##),
    ("/merchant/group/propertymod", r##""##),
    ("/merchant/modproductstatus", r##""##),
    ("/merchant/order/close", r##""##),
    ("/merchant/order/getbyfilter", r##"{"order_list":[]}"##),
    ("/merchant/order/getbyid", r##""##),
    ("/merchant/order/setdelivery", r##""##),
    ("/merchant/shelf/add", r##"{"shelf_id":1}"##),
    ("/merchant/shelf/del", r##""##),
    ("/merchant/shelf/getall", r##"{"shelves":[]}"##),
    ("/merchant/shelf/getbyid", r##""##),
    ("/merchant/shelf/mod", r##""##),
    ("/merchant/stock/add", r##""##),
    ("/merchant/stock/reduce", r##""##),
    ("/merchant/update", r##""##),
    ("/pay/delivernotify", r##""##),
    ("/pay/orderquery", r##"{"order_info":{"ret_code":0,"ret_msg":"","trade_state":"0"}}"##),
    ("/payfeedback/update", r##""##),
    ("/semantic/semproxy/search", r##"{"query":"","type":"","semantic":{}}"##),
    ("/shakearound/account/auditstatus", r##"{"data":{"audit_status":2}}"##),
    ("/shakearound/account/register", r##""##),
    ("/shakearound/device/applyid", r##"{"data":{"apply_id":1,"audit_status":0,"audit_comment":""}}"##),
    ("/shakearound/device/applystatus", r##""##),
    ("/shakearound/device/bindlocation", r##""##),
    ("/shakearound/device/bindpage", r##""##),
    ("/shakearound/device/group/add", r##"{"data":{"group_id":1,"group_name":"sandbox"}}"##),
    ("/shakearound/device/group/adddevice", r##""##),
    ("/shakearound/device/group/delete", r##""##),
    ("/shakearound/device/group/deletedevice", r##""##),
    ("/shakearound/device/group/getdetail", r##""##),
    ("/shakearound/device/group/getlist", r##"{"data":{"total_count":0,"groups":[]}}"##),
    ("/shakearound/device/group/update", r##""##),
    ("/shakearound/device/search", r##"{"data":{"devices":[],"total_count":0}}"##),
    ("/shakearound/device/update", r##""##),
    ("/shakearound/lottery/addlotteryinfo", r##"{"lotteryid":"sandboxlottery","page_id":1}"##),
    ("/shakearound/lottery/setlotteryswitch", r##""##),
    ("/shakearound/lottery/setprizebucket", r##""##),
    ("/shakearound/material/add", r##"{"data":{"pic_url":"http://shp.qpic.cn/wechat_shakearound_pic/sandbox/0"}}"##),
    ("/shakearound/page/add", r##"{"data":{"page_id":1}}"##),
    ("/shakearound/page/delete", r##""##),
    ("/shakearound/page/search", r##"{"data":{"pages":[],"total_count":0}}"##),
    ("/shakearound/page/update", r##""##),
    ("/shakearound/relation/search", r##""##),
    ("/shakearound/statistics/device", r##""##),
    ("/shakearound/statistics/devicelist", r##""##),
    ("/shakearound/statistics/page", r##""##),
    ("/shakearound/statistics/pagelist", r##""##),
    ("/shakearound/user/getshakeinfo", r##""##),
];

pub(crate) fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let extra = TABLE.iter().find(|(p, _)| *p == req.path)?.1;
    let mut st = shared.lock();
    let appid = match acting(&mut st, req) {
        Ok(a) => a,
        Err(reply) => return Some(reply),
    };
    // Bodies are JSON for nearly all of these; keep anything else as text.
    let body = if req.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&req.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).chars().take(2000).collect()))
    };
    st.record(&req.path, Some(&appid), body);
    Some(if extra.is_empty() { Reply::ok() } else { Reply::ok_with(serde_json::from_str(extra).expect("table JSON is valid")) })
}

/// The paths served generically (for docs and tests).
pub fn paths() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(p, _)| *p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_table_entry_is_valid_json() {
        for (path, extra) in super::TABLE {
            assert!(extra.is_empty() || serde_json::from_str::<serde_json::Value>(extra).is_ok(), "{path}");
        }
    }
}
