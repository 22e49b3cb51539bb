//! Passive replies and a generic `<xml>` builder.
//!
//! Reply shapes (those node-webot's `wechat` `res.reply()` accepts):
//! - `"hello"` → text
//! - `[{title, description, picUrl, url}, …]` → news
//! - `{type: "text", content: "hello"}`
//! - `{type: "image" | "voice", content: {mediaId}}`
//! - `{type: "video", content: {mediaId, title?, description?}}`
//! - `{type: "music", content: {title?, description?, musicUrl, hqMusicUrl?, thumbMediaId?}}`
//!   (an object without `type` but with `musicUrl` is music, as in `wechat`)
//! - `{type: "news", content: [articles]}`
//! - `{type: "transfer_customer_service", content?: {kfAccount?}}` (alias `customerService`)
//! - `{type: "device_text" | "device_event", content, deviceType, deviceID, sessionID, event?}`
//!   (content as WeChat gets it: node-webot's layer base64-encodes it)
//! - `{type: "device_status", deviceStatus, deviceType, deviceID, sessionID}`
//!   (the answer to `subscribe_status` / `unsubscribe_status`)
//! - `{type: "hardware", HardWare: {MessageView, MessageAction}}`
//!
//! Media fields may also sit directly on the reply object
//! (`{type: "image", mediaId}`).

use serde_json::{Map, Value};

use crate::error::{Error, Result};

const TYPES: &str = "text, image, voice, video, music, news, transfer_customer_service, device_text, device_event, device_status, hardware";

/// Builds the reply XML to `message` (FromUserName and ToUserName swapped),
/// CreateTime = now in seconds.
pub fn build_reply(message: &Map<String, Value>, reply: &Value) -> Result<String> {
    build_reply_at(message, reply, super::now_secs())
}

/// As [`build_reply`] with an explicit CreateTime (seconds).
pub fn build_reply_at(message: &Map<String, Value>, reply: &Value, create_time: i64) -> Result<String> {
    let to = addressee(message, "FromUserName")?;
    let from = addressee(message, "ToUserName")?;
    let mut out = String::with_capacity(256);
    out.push_str("<xml>");
    cdata_field(&mut out, "ToUserName", to);
    cdata_field(&mut out, "FromUserName", from);
    out.push_str(&format!("<CreateTime>{create_time}</CreateTime>"));

    match reply {
        Value::String(text) => text_reply(&mut out, text),
        Value::Array(articles) => news_reply(&mut out, articles)?,
        Value::Object(obj) => object_reply(&mut out, obj)?,
        _ => {
            return Err(Error::invalid(
                "reply",
                format!("must be a string, an array of articles or an object with a type ({TYPES})"),
            ))
        }
    }
    out.push_str("</xml>");
    Ok(out)
}

fn addressee<'a>(message: &'a Map<String, Value>, field: &str) -> Result<&'a str> {
    match message.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => Err(Error::invalid("message", format!("has no {field} to reply to"))),
    }
}

fn text_reply(out: &mut String, text: &str) {
    cdata_field(out, "MsgType", "text");
    cdata_field(out, "Content", text);
}

fn object_reply(out: &mut String, obj: &Map<String, Value>) -> Result<()> {
    let kind = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        None if obj.contains_key("musicUrl") => "music",
        _ => return Err(Error::invalid("reply", format!("an object reply needs a type ({TYPES})"))),
    };
    // Fields live in `content` (wechat's shape) or on the reply itself.
    let content = obj.get("content");
    let fields = match content {
        Some(Value::Object(c)) => c,
        _ => obj,
    };
    match kind {
        "text" => {
            let text = match content {
                Some(Value::String(s)) => s.clone(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
                _ => return Err(Error::invalid("reply", "a text reply needs content as a string")),
            };
            text_reply(out, &text);
        }
        "image" | "voice" => {
            let media_id = required(fields, kind, &["mediaId", "media_id"])?;
            let group = if kind == "image" { "Image" } else { "Voice" };
            cdata_field(out, "MsgType", kind);
            out.push_str(&format!("<{group}>"));
            cdata_field(out, "MediaId", &media_id);
            out.push_str(&format!("</{group}>"));
        }
        "video" => {
            let media_id = required(fields, kind, &["mediaId", "media_id"])?;
            cdata_field(out, "MsgType", "video");
            out.push_str("<Video>");
            cdata_field(out, "MediaId", &media_id);
            optional_field(out, "Title", fields, &["title"])?;
            optional_field(out, "Description", fields, &["description"])?;
            out.push_str("</Video>");
        }
        "music" => {
            cdata_field(out, "MsgType", "music");
            out.push_str("<Music>");
            optional_field(out, "Title", fields, &["title"])?;
            optional_field(out, "Description", fields, &["description"])?;
            cdata_field(out, "MusicUrl", &required(fields, kind, &["musicUrl", "url"])?);
            optional_field(out, "HQMusicUrl", fields, &["hqMusicUrl", "hqUrl"])?;
            // WeChat wants ThumbMediaId only when there is one (as wechat's template).
            if let Some(thumb) = text_of(fields, &["thumbMediaId"])? {
                cdata_field(out, "ThumbMediaId", &thumb);
            }
            out.push_str("</Music>");
        }
        "news" => match content.or_else(|| obj.get("articles")) {
            Some(Value::Array(articles)) => news_reply(out, articles)?,
            _ => return Err(Error::invalid("reply", "a news reply needs content as an array of articles")),
        },
        "transfer_customer_service" | "customerService" => {
            cdata_field(out, "MsgType", "transfer_customer_service");
            if let Some(account) = text_of(fields, &["kfAccount", "KfAccount"])? {
                out.push_str("<TransInfo>");
                cdata_field(out, "KfAccount", &account);
                out.push_str("</TransInfo>");
            }
        }
        "device_text" | "device_event" | "device_status" => device_reply(out, kind, obj)?,
        "hardware" => {
            let hw = match obj.get("HardWare").or_else(|| fields.get("HardWare")) {
                Some(Value::Object(h)) => h,
                _ => return Err(Error::invalid("reply", "a hardware reply needs HardWare: {MessageView, MessageAction}")),
            };
            cdata_field(out, "MsgType", "hardware");
            out.push_str("<HardWare>");
            optional_field(out, "MessageView", hw, &["MessageView", "messageView"])?;
            optional_field(out, "MessageAction", hw, &["MessageAction", "messageAction"])?;
            out.push_str("</HardWare><FuncFlag>0</FuncFlag>");
        }
        other => return Err(Error::invalid("reply", format!("unknown type '{other}' (expected {TYPES})"))),
    }
    Ok(())
}

/// A device's reply (WeChat hardware platform): addressed to the device and
/// its session; a status answer carries DeviceStatus instead of content.
fn device_reply(out: &mut String, kind: &str, obj: &Map<String, Value>) -> Result<()> {
    cdata_field(out, "MsgType", kind);
    if kind == "device_status" {
        let status = text_of(obj, &["deviceStatus", "DeviceStatus"])?.unwrap_or_else(|| "0".into());
        if !status.bytes().all(|b| b.is_ascii_digit()) || status.is_empty() {
            return Err(Error::invalid("reply", "deviceStatus must be a number (0 or 1)"));
        }
        out.push_str(&format!("<DeviceStatus>{status}</DeviceStatus>"));
    }
    cdata_field(out, "DeviceType", &required(obj, kind, &["deviceType", "DeviceType"])?);
    cdata_field(out, "DeviceID", &required(obj, kind, &["deviceID", "deviceId", "DeviceID"])?);
    if kind != "device_status" {
        optional_field(out, "Content", obj, &["content", "Content"])?;
    }
    if kind == "device_event" {
        cdata_field(out, "Event", &required(obj, kind, &["event", "Event"])?);
    }
    let session = text_of(obj, &["sessionID", "sessionId", "SessionID"])?.unwrap_or_else(|| "0".into());
    if !session.bytes().all(|b| b.is_ascii_digit()) || session.is_empty() {
        return Err(Error::invalid("reply", "sessionID must be a number"));
    }
    out.push_str(&format!("<SessionID>{session}</SessionID>"));
    Ok(())
}

fn news_reply(out: &mut String, articles: &[Value]) -> Result<()> {
    if articles.is_empty() {
        return Err(Error::invalid("reply", "a news reply needs at least one article"));
    }
    cdata_field(out, "MsgType", "news");
    out.push_str(&format!("<ArticleCount>{}</ArticleCount><Articles>", articles.len()));
    for article in articles {
        let a = article
            .as_object()
            .ok_or_else(|| Error::invalid("reply", "each news article must be an object"))?;
        out.push_str("<item>");
        optional_field(out, "Title", a, &["title", "Title"])?;
        optional_field(out, "Description", a, &["description", "Description"])?;
        optional_field(out, "PicUrl", a, &["picUrl", "picurl", "pic", "PicUrl"])?;
        optional_field(out, "Url", a, &["url", "Url"])?;
        out.push_str("</item>");
    }
    out.push_str("</Articles>");
    Ok(())
}

/// First of `keys` present, as text; numbers and booleans are printed.
fn text_of(obj: &Map<String, Value>, keys: &[&str]) -> Result<Option<String>> {
    for key in keys {
        match obj.get(*key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => return Ok(Some(s.clone())),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => return Ok(Some(v.to_string())),
            Some(_) => return Err(Error::invalid("reply", format!("{key} must be a string"))),
        }
    }
    Ok(None)
}

fn required(obj: &Map<String, Value>, kind: &str, keys: &[&str]) -> Result<String> {
    text_of(obj, keys)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid("reply", format!("a {kind} reply needs {}", keys[0])))
}

fn optional_field(out: &mut String, name: &str, obj: &Map<String, Value>, keys: &[&str]) -> Result<()> {
    let value = text_of(obj, keys)?.unwrap_or_default();
    cdata_field(out, name, &value);
    Ok(())
}

fn cdata_field(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `<![CDATA[…]]>`; a `]]>` inside is split across two sections so it survives.
pub fn cdata(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 12);
    push_cdata(&mut out, text);
    out
}

fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// Escapes text for an element body (no CDATA).
pub fn escape_text(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// A generic `<xml>` builder: strings become CDATA, numbers and booleans
/// plain text, null an empty element, objects nested elements, arrays
/// repeated elements of the same name. Keys are used as element names;
/// characters not allowed in a name are replaced by `_`.
pub fn to_xml(fields: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<xml>");
    write_fields(&mut out, fields);
    out.push_str("</xml>");
    out
}

fn write_fields(out: &mut String, fields: &Map<String, Value>) {
    for (key, value) in fields {
        write_value(out, &element_name(key), value);
    }
}

fn write_value(out: &mut String, name: &str, value: &Value) {
    if let Value::Array(items) = value {
        for item in items {
            write_value(out, name, item);
        }
        return;
    }
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::String(s) => push_cdata(out, s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Object(map) => write_fields(out, map),
        Value::Null | Value::Array(_) => {}
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn element_name(key: &str) -> std::borrow::Cow<'_, str> {
    let ok_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if ok_start(c) && chars.all(ok) => std::borrow::Cow::Borrowed(key),
        _ => {
            let mut name: String = key.chars().map(|c| if ok(c) { c } else { '_' }).collect();
            if !name.starts_with(ok_start) {
                name.insert(0, '_');
            }
            std::borrow::Cow::Owned(name)
        }
    }
}
