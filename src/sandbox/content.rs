//! Messages, media, materials, qrcodes and short URLs: the official-account
//! endpoints that keep what they receive so tests can look at it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::account::acting;
use super::account_data::{Account, Media};
use super::state::{int, s, tri, Reply, Req, Shared, State};

const PATHS: [&str; 16] = [
    "/cgi-bin/message/custom/send",
    "/cgi-bin/message/template/send",
    "/cgi-bin/media/upload",
    "/cgi-bin/media/uploadimg",
    "/cgi-bin/media/get",
    "/cgi-bin/media/uploadnews",
    "/cgi-bin/media/uploadvideo",
    "/cgi-bin/material/add_material",
    "/cgi-bin/material/add_news",
    "/cgi-bin/material/get_material",
    "/cgi-bin/material/del_material",
    "/cgi-bin/material/update_news",
    "/cgi-bin/material/get_materialcount",
    "/cgi-bin/material/batchget_material",
    "/cgi-bin/qrcode/create",
    "/cgi-bin/shorturl",
];

pub(crate) fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let path = req.path.as_str();
    if path == "/cgi-bin/showqrcode" {
        return Some(Reply::Raw { status: StatusCode::OK, content_type: "image/png".into(), body: TINY_PNG.to_vec(), filename: None });
    }
    PATHS.contains(&path).then(|| dispatch(&mut shared.lock(), req))
}

fn dispatch(st: &mut State, req: &Req) -> Reply {
    let appid = tri!(acting(st, req));
    let now = st.now() as i64;
    let path = req.path.as_str();
    // Sent messages are recorded so a test can check what went out.
    if path.starts_with("/cgi-bin/message/") {
        let body = tri!(req.json());
        let touser = s(&body, "touser").unwrap_or_default();
        if st.account(&appid).user(&touser).is_none() {
            return Reply::err(40003, "invalid openid");
        }
        if path.ends_with("/custom/send") {
            let Some(msgtype) = s(&body, "msgtype") else { return Reply::err(40008, "invalid message type") };
            if body.get(&msgtype).is_none() {
                return Reply::err(44002, "empty post data");
            }
            st.record(path, Some(&appid), body);
            return Reply::ok();
        }
        if s(&body, "template_id").is_none() {
            return Reply::err(40037, "invalid template_id");
        }
        st.record(path, Some(&appid), body);
        let acc = st.account(&appid);
        return Reply::ok_with(json!({"msgid": 200_000_000 + acc.next_id()}));
    }
    let acc = st.account(&appid);
    match path.rsplit('/').next().unwrap_or_default() {
        "upload" | "add_material" => upload(acc, req, now, path.ends_with("add_material")),
        "uploadimg" => {
            let Some((filename, ctype, bytes)) = multipart_file(req) else { return Reply::err(41005, "media data missing") };
            let id = media_id(acc);
            let url = format!("http://mmbiz.qpic.cn/mmbiz_jpg/sandbox/{id}/0");
            acc.media.insert(id, Media { kind: "image".into(), filename, content_type: ctype, bytes, created_at: now, news: None, permanent: true });
            Reply::Json(json!({"url": url}))
        }
        "uploadnews" | "add_news" => {
            let body = tri!(req.json());
            let Some(articles) = body.get("articles").filter(|a| a.as_array().is_some_and(|a| !a.is_empty())) else {
                return Reply::err(40097, "invalid args: articles");
            };
            let id = media_id(acc);
            let permanent = path.ends_with("add_news");
            acc.media.insert(id.clone(), Media { kind: "news".into(), filename: String::new(), content_type: String::new(), bytes: Vec::new(), created_at: now, news: Some(articles.clone()), permanent });
            if permanent {
                Reply::Json(json!({"media_id": id}))
            } else {
                Reply::Json(json!({"type": "news", "media_id": id, "created_at": now}))
            }
        }
        "uploadvideo" => {
            let body = tri!(req.json());
            if !acc.media.contains_key(&s(&body, "media_id").unwrap_or_default()) {
                return Reply::err(40007, "invalid media_id");
            }
            let id = media_id(acc);
            acc.media.insert(id.clone(), Media { kind: "video".into(), filename: String::new(), content_type: String::new(), bytes: Vec::new(), created_at: now, news: None, permanent: false });
            Reply::Json(json!({"type": "video", "media_id": id, "created_at": now}))
        }
        // WeChat answers media/get errors as text/plain; clients (wechat-api) look for exactly that.
        "get" => as_text_plain(get_media(acc, req.q("media_id").unwrap_or_default(), false)),
        "get_material" => {
            let body = tri!(req.json());
            get_media(acc, &s(&body, "media_id").unwrap_or_default(), true)
        }
        "del_material" => {
            let body = tri!(req.json());
            match acc.media.remove(&s(&body, "media_id").unwrap_or_default()) {
                Some(_) => Reply::ok(),
                None => Reply::err(40007, "invalid media_id"),
            }
        }
        "update_news" => {
            let body = tri!(req.json());
            let index = int(&body, "index").unwrap_or(0).max(0) as usize;
            let Some(news) = acc.media.get_mut(&s(&body, "media_id").unwrap_or_default()).and_then(|m| m.news.as_mut()) else {
                return Reply::err(40007, "invalid media_id");
            };
            match news.get_mut(index) {
                Some(slot) => {
                    *slot = body.get("articles").cloned().unwrap_or(Value::Null);
                    Reply::ok()
                }
                None => Reply::err(40097, "invalid args: index"),
            }
        }
        "get_materialcount" => {
            let count = |k: &str| acc.media.values().filter(|m| m.permanent && m.kind == k).count();
            Reply::Json(json!({"voice_count": count("voice"), "video_count": count("video"), "image_count": count("image"), "news_count": count("news")}))
        }
        "batchget_material" => batchget(acc, req),
        "create" => qrcode(acc, req),
        "shorturl" => {
            let body = tri!(req.json());
            if s(&body, "action").as_deref() != Some("long2short") {
                return Reply::err(40097, "invalid args: action must be long2short");
            }
            let Some(long) = s(&body, "long_url") else { return Reply::err(40097, "invalid args: long_url") };
            let short = format!("https://w.url.cn/s/{}", &hex::encode(sha1_of(&long))[..7]);
            Reply::ok_with(json!({"short_url": short}))
        }
        _ => Reply::err(48001, "api unauthorized"),
    }
}

fn sha1_of(s: &str) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    Sha1::digest(s.as_bytes()).to_vec()
}

fn media_id(acc: &mut Account) -> String {
    // WeChat media ids are 64 characters of base64-ish text.
    let n = acc.next_id();
    format!("{}{:024}", hex::encode(sha1_of(&acc.appid)), n)
}

const MEDIA_TYPES: [&str; 4] = ["image", "voice", "video", "thumb"];

fn upload(acc: &mut Account, req: &Req, now: i64, permanent: bool) -> Reply {
    let kind = req.q("type").unwrap_or_default().to_owned();
    if !MEDIA_TYPES.contains(&kind.as_str()) {
        return Reply::err(40004, "invalid media type");
    }
    let Some((filename, content_type, bytes)) = multipart_file(req) else { return Reply::err(41005, "media data missing") };
    let id = media_id(acc);
    acc.media.insert(id.clone(), Media { kind: kind.clone(), filename, content_type, bytes, created_at: now, news: None, permanent });
    if permanent {
        let mut out = json!({"media_id": id});
        if kind == "image" {
            out["url"] = json!(format!("http://mmbiz.qpic.cn/mmbiz_jpg/sandbox/{id}/0"));
        }
        return Reply::Json(out);
    }
    let key = if kind == "thumb" { "thumb_media_id" } else { "media_id" };
    Reply::Json(json!({"type": kind, key: id, "created_at": now}))
}

fn get_media(acc: &Account, id: &str, material: bool) -> Reply {
    let Some(m) = acc.media.get(id).filter(|m| m.permanent == material || !material) else {
        return Reply::err(40007, "invalid media_id");
    };
    match (m.kind.as_str(), &m.news) {
        (_, Some(news)) => Reply::Json(json!({"news_item": news, "create_time": m.created_at, "update_time": m.created_at})),
        ("video", _) if material => Reply::Json(json!({"title": m.filename, "description": "", "down_url": format!("http://sandbox.video/{id}")})),
        ("video", _) => Reply::Json(json!({"video_url": format!("http://sandbox.video/{id}")})),
        _ => Reply::Raw { status: StatusCode::OK, content_type: m.content_type.clone(), body: m.bytes.clone(), filename: Some(m.filename.clone()) },
    }
}

fn as_text_plain(reply: Reply) -> Reply {
    match reply {
        Reply::Json(v) => Reply::Raw { status: StatusCode::OK, content_type: "text/plain".into(), body: v.to_string().into_bytes(), filename: None },
        other => other,
    }
}

fn batchget(acc: &Account, req: &Req) -> Reply {
    let body = tri!(req.json());
    let kind = s(&body, "type").unwrap_or_default();
    let offset = int(&body, "offset").unwrap_or(0).max(0) as usize;
    let count = int(&body, "count").unwrap_or(20).clamp(1, 20) as usize;
    let mut items: Vec<(&String, &Media)> = acc.media.iter().filter(|(_, m)| m.permanent && m.kind == kind).collect();
    items.sort_by_key(|(id, m)| (m.created_at, (*id).clone()));
    let page: Vec<Value> = items
        .iter()
        .skip(offset)
        .take(count)
        .map(|(id, m)| match &m.news {
            Some(news) => json!({"media_id": id, "content": {"news_item": news}, "update_time": m.created_at}),
            None => json!({"media_id": id, "name": m.filename, "update_time": m.created_at, "url": format!("http://mmbiz.qpic.cn/sandbox/{id}/0")}),
        })
        .collect();
    Reply::Json(json!({"total_count": items.len(), "item_count": page.len(), "item": page}))
}

fn qrcode(acc: &mut Account, req: &Req) -> Reply {
    let body = tri!(req.json());
    let action = s(&body, "action_name").unwrap_or_default();
    let scene = &body["action_info"]["scene"];
    let temporary = match action.as_str() {
        "QR_SCENE" | "QR_STR_SCENE" => true,
        "QR_LIMIT_SCENE" | "QR_LIMIT_STR_SCENE" => false,
        _ => return Reply::err(40097, "invalid args: action_name"),
    };
    if scene.get("scene_id").is_none() && scene.get("scene_str").is_none() {
        return Reply::err(40097, "invalid args: action_info.scene");
    }
    let n = acc.next_id();
    let ticket = format!("gQ{}{:012}", &hex::encode(sha1_of(&acc.appid))[..20], n);
    let mut out = json!({"ticket": ticket, "url": format!("http://weixin.qq.com/q/sandbox{n}")});
    if temporary {
        out["expire_seconds"] = json!(int(&body, "expire_seconds").unwrap_or(60).clamp(60, 2_592_000));
    }
    Reply::Json(out)
}

/// The first file part of a multipart/form-data body: (filename, content type, bytes).
pub(crate) fn multipart_file(req: &Req) -> Option<(String, String, Vec<u8>)> {
    let boundary = req.content_type.split("boundary=").nth(1)?.trim_matches('"').to_owned();
    let delim = format!("--{boundary}");
    let body = &req.body[..];
    let mut pos = find(body, delim.as_bytes(), 0)?;
    loop {
        let start = pos + delim.len();
        let head_end = find(body, b"\r\n\r\n", start)?;
        let head = String::from_utf8_lossy(&body[start..head_end]).to_string();
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delim}").as_bytes(), data_start)?;
        if head.contains("filename=") {
            let filename = head.split("filename=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("media").to_owned();
            let ctype = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Type:").or_else(|| l.strip_prefix("content-type:")))
                .map(|v| v.trim().to_owned())
                .filter(|v| v != "application/octet-stream")
                .unwrap_or_else(|| guess_type(&filename).to_owned());
            return Some((filename, ctype, body[data_start..next].to_vec()));
        }
        pos = next + 2;
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn guess_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "amr" => "audio/amr",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// A 1×1 transparent PNG for showqrcode.
pub(crate) const TINY_PNG: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63,
    0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60,
    0x82,
];
