//! Pushes to a component's 授权事件接收URL, exactly as WeChat sends them:
//! an XML envelope `<xml><AppId/><Encrypt/></xml>` whose Encrypt is the
//! inner XML encrypted with the EncodingAESKey, and timestamp, nonce,
//! signature, encrypt_type=aes and msg_signature in the query.

use std::time::Duration;

use rand::distributions::{Alphanumeric, DistString};

use super::config::PushRecord;
use super::state::{push_capped, Shared};
use crate::crypto::{random_nonce, sign};
use crate::error::{Error, Result};

/// One field of the inner XML; numbers go without CDATA, as WeChat writes them.
pub(crate) enum Field {
    Text(&'static str, String),
    Num(&'static str, i64),
    /// Nested elements, already written (fast registration's `<info>`).
    Xml(&'static str, String),
}

pub(crate) fn new_ticket() -> String {
    format!("ticket@@@{}", Alphanumeric.sample_string(&mut rand::thread_rng(), 64))
}

pub(crate) fn cdata(s: &str) -> String {
    // A "]]>" inside would end the section early; split it as XML requires.
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

pub(crate) fn inner_xml(component_appid: &str, create_time: i64, info_type: &str, fields: &[Field]) -> String {
    let mut xml = format!(
        "<xml><AppId>{}</AppId><CreateTime>{create_time}</CreateTime><InfoType>{}</InfoType>",
        cdata(component_appid),
        cdata(info_type)
    );
    for f in fields {
        match f {
            Field::Text(name, v) => xml.push_str(&format!("<{name}>{}</{name}>", cdata(v))),
            Field::Num(name, v) => xml.push_str(&format!("<{name}>{v}</{name}>")),
            Field::Xml(name, inner) => xml.push_str(&format!("<{name}>{inner}</{name}>")),
        }
    }
    xml.push_str("</xml>");
    xml
}

/// Encrypts and POSTs one push; records it. With no push_url the push is
/// only recorded (status None) and Ok — the caller still gets its ticket/code.
pub(crate) async fn send(
    shared: &Shared,
    component_appid: &str,
    info_type: &str,
    authorizer_appid: Option<&str>,
    fields: &[Field],
) -> Result<()> {
    let (crypt, push_url, create_time) = {
        let st = shared.lock();
        let c = st
            .components
            .get(component_appid)
            .ok_or_else(|| Error::invalid("component_appid", format!("no component {component_appid} is registered")))?;
        (c.crypt.clone(), c.reg.push_url.clone(), st.now() as i64)
    };
    let record = |status: Option<u16>, response: String| {
        let mut st = shared.lock();
        let at = st.now_ms();
        let rec = PushRecord {
            component_appid: component_appid.to_owned(),
            info_type: info_type.to_owned(),
            authorizer_appid: authorizer_appid.map(str::to_owned),
            status,
            response: response.chars().take(200).collect(),
            at,
        };
        push_capped(&mut st.pushes, rec);
    };
    let Some(url) = push_url else {
        record(None, "no push_url registered".into());
        return Ok(());
    };

    let xml = inner_xml(component_appid, create_time, info_type, fields);
    let encrypt = crypt.encrypt(&xml);
    let body = format!("<xml><AppId>{}</AppId><Encrypt>{}</Encrypt></xml>", cdata(component_appid), cdata(&encrypt));
    let timestamp = create_time.to_string();
    let nonce = random_nonce();
    let signature = sign(&[crypt.token(), &timestamp, &nonce]);
    let msg_signature = crypt.signature(&timestamp, &nonce, &encrypt);
    let query = [
        ("signature", signature.as_str()),
        ("timestamp", timestamp.as_str()),
        ("nonce", nonce.as_str()),
        ("encrypt_type", "aes"),
        ("msg_signature", msg_signature.as_str()),
    ];
    let sent = shared
        .http
        .post(&url)
        .query(&query)
        .header("content-type", "text/xml")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            record(Some(status), text);
            Ok(())
        }
        Err(e) => {
            let e = e.without_url();
            record(None, format!("push failed: {e}"));
            Err(Error::Transport(format!("push of {info_type} to the component's push_url failed: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_xml_has_wechat_field_names_and_escapes_cdata() {
        let xml = inner_xml("wxc", 1413192605, "component_verify_ticket", &[Field::Text("ComponentVerifyTicket", "a]]>b".into())]);
        assert_eq!(
            xml,
            "<xml><AppId><![CDATA[wxc]]></AppId><CreateTime>1413192605</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType>\
             <ComponentVerifyTicket><![CDATA[a]]]]><![CDATA[>b]]></ComponentVerifyTicket></xml>"
        );
    }
}
