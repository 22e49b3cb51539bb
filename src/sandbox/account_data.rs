//! What an official account holds in the sandbox: its profile, followers,
//! tags, menus, media and materials. Followers are generated
//! deterministically from the appid so runs are reproducible.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

/// funcscope_category ids WeChat grants an official account by default.
pub(crate) const DEFAULT_FUNC_INFO: [i64; 14] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15];

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub openid: String,
    pub unionid: String,
    pub nickname: String,
    pub sex: i64,
    pub city: &'static str,
    pub province: &'static str,
    pub subscribe_time: i64,
    pub remark: String,
    pub tagid_list: Vec<i64>,
}

impl User {
    pub fn info(&self, lang: &str) -> Value {
        json!({
            "subscribe": 1,
            "openid": self.openid,
            "nickname": self.nickname,
            "sex": self.sex,
            "language": lang,
            "city": self.city,
            "province": self.province,
            "country": "中国",
            "headimgurl": format!("http://thirdwx.qlogo.cn/mmopen/sandbox/{}/132", self.openid),
            "subscribe_time": self.subscribe_time,
            "unionid": self.unionid,
            "remark": self.remark,
            "groupid": 0,
            "tagid_list": self.tagid_list,
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Media {
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_at: i64,
    /// add_news materials: the articles.
    pub news: Option<Value>,
    pub permanent: bool,
}

pub(crate) struct Account {
    pub appid: String,
    pub nick_name: String,
    pub user_name: String,
    pub alias: String,
    pub principal_name: String,
    pub service_type: i64,
    pub verify_type: i64,
    pub users: Vec<User>,
    pub index: HashMap<String, usize>,
    pub menu: Option<Value>,
    pub conditional_menus: Vec<Value>,
    pub tags: BTreeMap<i64, String>,
    pub next_tag_id: i64,
    pub media: HashMap<String, Media>,
    pub next_id: i64,
    /// Blacklisted openids, in the order they were added.
    pub blacklist: Vec<String>,
    /// A mini program rather than an official account.
    pub mini_program: bool,
}

fn hash_hex(s: &str) -> String {
    hex::encode(Sha1::digest(s.as_bytes()))
}

const CITIES: [(&str, &str); 4] = [("广州", "广东"), ("深圳", "广东"), ("杭州", "浙江"), ("成都", "四川")];

impl Account {
    pub fn generate(appid: &str, nick_name: Option<String>, followers: usize) -> Account {
        let h = hash_hex(appid);
        let mut acc = Account {
            appid: appid.to_owned(),
            nick_name: nick_name.unwrap_or_else(|| format!("沙盒公众号{}", &h[..4])),
            user_name: format!("gh_{}", &h[..12]),
            alias: format!("sandbox_{}", &h[..6]),
            principal_name: "沙盒科技有限公司".into(),
            service_type: 2,
            verify_type: 0,
            users: Vec::new(),
            index: HashMap::new(),
            menu: None,
            conditional_menus: Vec::new(),
            tags: BTreeMap::from([(2, "星标组".to_owned())]),
            next_tag_id: 100,
            media: HashMap::new(),
            next_id: 1,
            blacklist: Vec::new(),
            mini_program: false,
        };
        acc.set_followers(followers);
        acc
    }

    /// Generates `n` followers; openids are 28 characters like WeChat's.
    pub fn set_followers(&mut self, n: usize) {
        let h = hash_hex(&self.appid);
        let base_time = 1_600_000_000i64;
        self.users = (0..n)
            .map(|i| {
                let (city, province) = CITIES[i % CITIES.len()];
                User {
                    openid: format!("o{}{:014}", &h[..13], i),
                    unionid: format!("u{}{:014}", &h[13..26], i),
                    nickname: format!("用户{i}"),
                    sex: (i % 3) as i64,
                    city,
                    province,
                    subscribe_time: base_time + (i as i64) * 60,
                    remark: String::new(),
                    tagid_list: Vec::new(),
                }
            })
            .collect();
        self.index = self.users.iter().enumerate().map(|(i, u)| (u.openid.clone(), i)).collect();
    }

    pub fn user(&self, openid: &str) -> Option<&User> {
        self.index.get(openid).map(|&i| &self.users[i])
    }

    pub fn user_mut(&mut self, openid: &str) -> Option<&mut User> {
        let i = *self.index.get(openid)?;
        self.users.get_mut(i)
    }

    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// authorizer_info as api_get_authorizer_info answers it.
    pub fn authorizer_info(&self) -> Value {
        json!({
            "nick_name": self.nick_name,
            "head_img": format!("http://wx.qlogo.cn/mmopen/sandbox/{}/0", self.user_name),
            "service_type_info": {"id": self.service_type},
            "verify_type_info": {"id": self.verify_type},
            "user_name": self.user_name,
            "principal_name": self.principal_name,
            "alias": self.alias,
            "business_info": {"open_store": 0, "open_scan": 0, "open_pay": 0, "open_card": 0, "open_shake": 0},
            "qrcode_url": format!("http://mmbiz.qpic.cn/mmbiz_jpg/sandbox/{}/0", self.user_name),
            "signature": "沙盒中的公众号",
            "idc": 1,
        })
    }
}

pub(crate) fn func_info_json(ids: &[i64]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"funcscope_category": {"id": id}})).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_are_deterministic_and_wechat_shaped() {
        let a = Account::generate("wx1234", None, 3);
        let b = Account::generate("wx1234", None, 3);
        assert_eq!(a.users[2].openid, b.users[2].openid);
        assert_eq!(a.users[0].openid.len(), 28);
        assert!(a.user(&a.users[1].openid).is_some());
        assert_ne!(Account::generate("wx5678", None, 1).users[0].openid, a.users[0].openid);
    }
}
