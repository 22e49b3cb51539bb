//! Mini programs on behalf: image answers (wxacodes, the trial QR code) and
//! the platform's own rows (template library, fast registration, platform
//! domains) called with the component_access_token.

use std::sync::Arc;

use serde_json::{json, Value};

use super::endpoints::{self, Body, Http};
use super::{with_access_token, ApiClient, TokenSource};
use crate::error::{Error, Result};
use crate::wechat::{check_errcode, Transport};

/// An image WeChat answered, with its content type.
#[derive(Clone, Debug)]
pub struct Image {
    pub data: Vec<u8>,
    pub content_type: String,
}

impl ApiClient {
    /// A row whose answer is an image: the bytes, or WeChat's error when it
    /// answers JSON instead (whatever the status and content type say), so
    /// an error never passes for an image. Token and transient retries as
    /// every call has them.
    pub async fn image(&self, method: &str, args: &[Value]) -> Result<Image> {
        let ep = endpoints::find(method).filter(|e| matches!(e.body, Body::Image(_)));
        let ep = ep.ok_or_else(|| Error::invalid("method", format!("{method} does not answer an image")))?;
        let req = endpoints::build_request(ep, args, self.appid())?;
        self.retrying(|token| {
            let req = &req;
            async move {
                let q = with_access_token(&token, &req.query);
                let (data, content_type) = match (ep.http, &req.body) {
                    (Http::Post, Some(b)) => self.transport.post_bytes(req.path, &q, b).await?,
                    _ => self.transport.get_bytes(req.path, &q).await?,
                };
                image_answer(data, content_type)
            }
        })
        .await
    }
}

/// Bytes that are an image, or the error WeChat's JSON carries.
pub fn image_answer(data: Vec<u8>, content_type: String) -> Result<Image> {
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        if let Ok(v) = serde_json::from_slice::<Value>(&data) {
            check_errcode(&v)?;
            return Err(Error::Other("WeChat answered JSON without an errcode where an image was expected".into()));
        }
    }
    if data.is_empty() {
        return Err(Error::Other("WeChat answered an empty body where an image was expected".into()));
    }
    let content_type = if content_type.starts_with("image/") { content_type } else { sniff(&data).unwrap_or(content_type) };
    Ok(Image { data, content_type })
}

/// The image type from its first bytes, when WeChat did not say.
fn sniff(data: &[u8]) -> Option<String> {
    let t = if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if data.starts_with(b"GIF8") {
        "image/gif"
    } else {
        return None;
    };
    Some(t.to_owned())
}

/// The platform's rows, acting with its component_access_token.
#[derive(Clone)]
pub struct PlatformApi {
    client: ApiClient,
    component_appid: String,
    secret: String,
}

impl PlatformApi {
    pub fn new(component_appid: &str, secret: &str, transport: Transport, component_token: Arc<dyn TokenSource>) -> Self {
        let client = ApiClient::new(component_appid, transport, component_token);
        PlatformApi { client, component_appid: component_appid.to_owned(), secret: secret.to_owned() }
    }

    /// Whether `method` is one of the platform's rows (or coded here).
    pub fn has_method(method: &str) -> bool {
        endpoints::find_platform(method).is_some() || method == CLEAR_QUOTA_V2
    }

    pub async fn call(&self, method: &str, args: &[Value]) -> Result<Value> {
        if method == CLEAR_QUOTA_V2 {
            return self.clear_quota_v2(args.first().filter(|v| !v.is_null())).await;
        }
        let ep = endpoints::find_platform(method)
            .ok_or_else(|| Error::invalid("method", format!("{method} is not a platform mini-program method")))?;
        self.client.call_endpoint(ep, args).await
    }

    /// /cgi-bin/component/clear_quota/v2: the platform's quota (or, with
    /// `appid`, an authorizer's) reset with the AppSecret, for when no token
    /// can be had. No token, so not through the token path; transient
    /// failures retried briefly.
    async fn clear_quota_v2(&self, appid: Option<&Value>) -> Result<Value> {
        let mut body = json!({ "component_appid": self.component_appid, "appsecret": self.secret });
        if let Some(a) = appid {
            let a = a.as_str().filter(|s| !s.is_empty()).ok_or_else(|| Error::invalid("appid", "must be a non-empty string"))?;
            body["appid"] = json!(a);
        }
        let mut attempt = 0;
        loop {
            match self.client.transport().post(CLEAR_QUOTA_V2_PATH, &[], &body).await {
                Err(e) if e.is_transient() && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
                other => return other,
            }
        }
    }
}

const CLEAR_QUOTA_V2: &str = "clearComponentQuotaV2";
const CLEAR_QUOTA_V2_PATH: &str = "/cgi-bin/component/clear_quota/v2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_never_an_image() {
        let err = image_answer(br#"{"errcode":40001,"errmsg":"invalid credential"}"#.to_vec(), "image/jpeg".into()).unwrap_err();
        assert_eq!(err.code(), Some(40001));
        let err = image_answer(b" {\"errmsg\":\"ok\"}".to_vec(), "image/png".into()).unwrap_err();
        assert!(matches!(err, Error::Other(_)), "{err:?}");
        let img = image_answer(b"\x89PNG\r\n\x1a\nrest".to_vec(), "application/octet-stream".into()).unwrap();
        assert_eq!(img.content_type, "image/png");
        assert!(image_answer(Vec::new(), "image/png".into()).is_err());
    }
}
