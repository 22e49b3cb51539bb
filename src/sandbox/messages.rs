//! The sandbox as WeChat on a platform's 消息与事件接收URL: a simulated user
//! sends a message or event to an authorizer, encrypted and signed with the
//! platform's token and key, retried when no answer comes in time (3 tries,
//! as WeChat); the answer is recorded and decrypted.

use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::message_log::{MessageAttempt, MessageDelivery};
use super::push::cdata;
use super::state::{push_capped, Shared};
use crate::crypto::{sign, MsgCrypt};
use crate::error::{Error, Result};
use crate::message::{decrypt_envelope, parse, SignatureQuery};

/// WeChat tries a message this many times in all.
const TRIES: usize = 3;

/// Options of `send_message`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SendOptions {
    /// The platform to send through (default: the one the authorizer authorized).
    pub component_appid: Option<String>,
    /// Seconds to wait for an answer before retrying (default: the config's message_timeout_secs).
    pub timeout_secs: Option<f64>,
}

struct Prepared {
    crypt: MsgCrypt,
    url: String,
    message: Map<String, Value>,
    component_appid: String,
    timeout: Duration,
}

pub(crate) async fn send_message(shared: &Shared, authorizer: &str, fields: Map<String, Value>, opts: &SendOptions) -> Result<MessageDelivery> {
    let p = prepare(shared, authorizer, fields, opts)?;
    let xml = inner_xml(&p.message);
    let encrypt = p.crypt.encrypt(&xml);
    let to = p.message.get("ToUserName").and_then(Value::as_str).unwrap_or_default();
    let body = format!("<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt></xml>", cdata(to), cdata(&encrypt));
    let timestamp = p.message.get("CreateTime").map(|v| v.to_string()).unwrap_or_default().replace('"', "");
    let nonce = format!("{}", rand::thread_rng().gen_range(100_000_000u64..999_999_999));
    let openid = p.message.get("FromUserName").and_then(Value::as_str).unwrap_or_default().to_owned();
    let query = [
        ("signature", sign(&[p.crypt.token(), &timestamp, &nonce])),
        ("timestamp", timestamp.clone()),
        ("nonce", nonce.clone()),
        ("openid", openid),
        ("encrypt_type", "aes".to_owned()),
        ("msg_signature", p.crypt.signature(&timestamp, &nonce, &encrypt)),
    ];
    let mut attempts = Vec::new();
    for _ in 0..TRIES {
        let started = Instant::now();
        let sent = shared.http.post(&p.url).query(&query).header("content-type", "text/xml").body(body.clone()).timeout(p.timeout).send().await;
        let answered = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.text().await {
                    Ok(text) => Some((status, text)),
                    Err(e) => {
                        attempts.push(MessageAttempt { status: None, response: format!("no answer: {}", e.without_url()), elapsed_ms: ms(started) });
                        None
                    }
                }
            }
            Err(e) => {
                attempts.push(MessageAttempt { status: None, response: format!("no answer: {}", e.without_url()), elapsed_ms: ms(started) });
                None
            }
        };
        if let Some((status, text)) = answered {
            attempts.push(MessageAttempt { status: Some(status), response: text, elapsed_ms: ms(started) });
            break;
        }
    }
    let last = attempts.last().cloned().expect("at least one try");
    let (reply, error) = match (last.status, last.response.trim()) {
        (Some(200), "" | "success") => (None, None),
        (Some(200), text) => match open_reply(&p.crypt, text) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(format!("the answer is not a valid encrypted reply: {e}"))),
        },
        (Some(s), _) => (None, Some(format!("the platform answered HTTP {s}"))),
        (None, _) => (None, Some(format!("no answer in {} tries", attempts.len()))),
    };
    let out = MessageDelivery {
        component_appid: p.component_appid,
        authorizer_appid: authorizer.to_owned(),
        message: p.message,
        status: last.status,
        response: last.response.chars().take(2000).collect(),
        attempts,
        reply,
        error,
    };
    push_capped(&mut shared.lock().messages.log, out.clone());
    Ok(out)
}

fn ms(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

/// The message completed as WeChat writes it, with the platform's key and URL.
fn prepare(shared: &Shared, authorizer: &str, mut m: Map<String, Value>, opts: &SendOptions) -> Result<Prepared> {
    let mut st = shared.lock();
    let component_appid = match &opts.component_appid {
        Some(c) => c.clone(),
        None => st
            .components
            .values()
            .find(|c| c.authorizations.get(authorizer).is_some_and(|a| !a.revoked))
            .map(|c| c.reg.appid.clone())
            .ok_or_else(|| Error::invalid("authorizerAppid", format!("{authorizer} has authorized no registered component")))?,
    };
    let c = st.components.get(&component_appid).ok_or_else(|| Error::invalid("componentAppid", format!("no component {component_appid} is registered")))?;
    let crypt = c.crypt.clone();
    let url = st
        .messages
        .urls
        .get(&component_appid)
        .ok_or_else(|| Error::invalid("componentAppid", format!("component {component_appid} has no message URL (setMessageUrl)")))?
        .replace("$APPID$", authorizer);
    let timeout = Duration::from_secs_f64(opts.timeout_secs.unwrap_or(st.cfg.message_timeout_secs).max(0.05));
    let now = st.now() as i64;
    let acc = st.account(authorizer);
    let user_name = acc.user_name.clone();
    let follower = acc.users.first().map(|u| u.openid.clone()).unwrap_or_else(|| format!("o{authorizer}sandboxuser"));
    m.entry("ToUserName").or_insert(Value::String(user_name));
    m.entry("FromUserName").or_insert(Value::String(follower));
    m.entry("CreateTime").or_insert(Value::from(now));
    let kind = m.entry("MsgType").or_insert(Value::String("text".into())).as_str().unwrap_or("text").to_owned();
    if kind != "event" {
        m.entry("MsgId").or_insert_with(|| Value::from(rand::thread_rng().gen_range(1_000_000_000_000_000u64..9_000_000_000_000_000)));
    }
    Ok(Prepared { crypt, url, message: m, component_appid, timeout })
}

/// WeChat's inner XML: strings in CDATA, numbers bare, nested objects as elements.
fn inner_xml(m: &Map<String, Value>) -> String {
    fn write(out: &mut String, m: &Map<String, Value>) {
        for (k, v) in m {
            out.push_str(&format!("<{k}>"));
            match v {
                // JS numbers arrive as floats: 1.7e9 is written 1700000000, as WeChat would.
                Value::Number(n) => match n.as_f64() {
                    Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => out.push_str(&(f as i64).to_string()),
                    _ => out.push_str(&n.to_string()),
                },
                Value::String(s) => out.push_str(&cdata(s)),
                Value::Object(o) => write(out, o),
                other => out.push_str(&cdata(&other.to_string())),
            }
            out.push_str(&format!("</{k}>"));
        }
    }
    let mut out = String::from("<xml>");
    // Envelope order as WeChat sends it: addressing first.
    let mut ordered = Map::new();
    for k in ["ToUserName", "FromUserName", "CreateTime", "MsgType"] {
        if let Some(v) = m.get(k) {
            ordered.insert(k.to_owned(), v.clone());
        }
    }
    for (k, v) in m {
        ordered.entry(k.clone()).or_insert_with(|| v.clone());
    }
    write(&mut out, &ordered);
    out.push_str("</xml>");
    out
}

/// Checks the reply envelope's own signature and decrypts it.
fn open_reply(crypt: &MsgCrypt, text: &str) -> Result<Map<String, Value>> {
    let env = parse(text)?;
    let get = |k: &str| env.get(k).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
    let q = SignatureQuery::from_parts(get("TimeStamp"), get("Nonce"), get("MsgSignature"))?
        .ok_or_else(|| Error::Crypto("the reply envelope has no MsgSignature, TimeStamp and Nonce".into()))?;
    decrypt_envelope(crypt, text, Some(&q))
}
