//! Uploads (multipart streamed from a file, or bytes) and downloads. A form
//! cannot be replayed, so these build it per attempt (`with_token` calls
//! `send` again with the fresh token after a rejected one).

use std::future::Future;
use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::endpoints::{self, Body, Http};
use super::{ApiClient, GuardExt};
use crate::credential::with_token;
use crate::error::{Error, Result};

/// Where an upload's bytes come from.
pub enum FileSource {
    Path(PathBuf),
    Bytes { data: Vec<u8>, filename: String },
    /// A multipart body made elsewhere (wechat-api's *Stream forms).
    Encoded { data: Vec<u8>, content_type: String },
}

impl FileSource {
    fn filename(&self) -> String {
        match self {
            FileSource::Path(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into()),
            FileSource::Bytes { filename, .. } => filename.clone(),
            FileSource::Encoded { .. } => "media".into(),
        }
    }

    async fn body(&self) -> Result<(reqwest::Body, u64)> {
        match self {
            FileSource::Path(p) => {
                let file = tokio::fs::File::open(p).await.map_err(|e| Error::invalid("filepath", format!("cannot be read: {e}")))?;
                let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
                Ok((reqwest::Body::from(file), len))
            }
            FileSource::Bytes { data, .. } | FileSource::Encoded { data, .. } => Ok((reqwest::Body::from(data.clone()), data.len() as u64)),
        }
    }
}

/// A download: bytes with their content type, or WeChat's JSON answer.
pub enum Download {
    Bytes { data: Vec<u8>, content_type: String },
    Json(Value),
}

impl ApiClient {
    /// wechat-api's upload methods: `method` names the row, `args` are its
    /// arguments with the file's place left null.
    pub async fn upload(&self, method: &str, file: FileSource, args: &[Value]) -> Result<Value> {
        let ep = endpoints::find(method).ok_or_else(|| Error::invalid("method", format!("{method} is not an upload method")))?;
        let req = endpoints::build_request(ep, args, &self.appid)?;
        if let FileSource::Path(p) = &file {
            tokio::fs::metadata(p).await.map_err(|e| Error::invalid("filepath", format!("cannot be read: {e}")))?;
        }
        let description = ep.params.iter().position(|p| *p == "description").and_then(|i| args.get(i)).cloned();
        let filename = file.filename();
        let path = self.path_for(method, req.path);
        self.authed(|token| {
            let (req, file, filename, description, path) = (&req, &file, &filename, &description, &path);
            async move {
                let mut q: Vec<(&str, &str)> = vec![("access_token", token.as_str())];
                q.extend(req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let (body, len) = file.body().await?;
                match ep.body {
                    Body::RawUpload => {
                        q.push(("filename", filename.as_str()));
                        self.transport.post_body(path, &q, body, None).await
                    }
                    Body::Forward => {
                        let ctype = match file {
                            FileSource::Encoded { content_type, .. } => content_type.as_str(),
                            _ => return Err(Error::invalid("req", "must be a multipart request stream")),
                        };
                        self.transport.post_body(path, &q, body, Some(ctype)).await
                    }
                    Body::Upload(field) => {
                        let mime = mime_of(filename);
                        let part = Part::stream_with_length(body, len).file_name(filename.clone()).mime_str(mime).map_err(|e| Error::Other(e.to_string()))?;
                        let mut form = Form::new().part(field, part);
                        if let Some(d) = description {
                            form = form.text("description", d.to_string());
                        }
                        self.transport.post_form(path, &q, form).await
                    }
                    _ => Err(Error::invalid("method", format!("{method} is not an upload method"))),
                }
            }
        })
        .await
    }

    /// getMedia / getMaterial: bytes, or JSON when WeChat answers JSON.
    pub async fn download(&self, method: &str, args: &[Value]) -> Result<Download> {
        let ep = endpoints::find(method).filter(|e| matches!(e.body, Body::Download));
        let ep = ep.ok_or_else(|| Error::invalid("method", format!("{method} is not a download method")))?;
        let req = endpoints::build_request(ep, args, &self.appid)?;
        let (data, content_type) = self
            .authed(|token| {
                let req = &req;
                async move {
                    let mut q: Vec<(&str, &str)> = vec![("access_token", token.as_str())];
                    q.extend(req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    match (ep.http, &req.body) {
                        (Http::Post, Some(b)) => self.transport.post_bytes(req.path, &q, b).await,
                        _ => self.transport.get_bytes(req.path, &q).await,
                    }
                }
            })
            .await?;
        if content_type.contains("json") || content_type.starts_with("text/plain") {
            if let Ok(v) = serde_json::from_slice::<Value>(&data) {
                return Ok(Download::Json(v));
            }
        }
        Ok(Download::Bytes { data, content_type })
    }

    /// One call with the account's token; a rejected token is refreshed once.
    async fn authed<T, F, Fut>(&self, send: F) -> Result<T>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        with_token(&*self.token, send).await.map_err_guard(self).await
    }
}

fn mime_of(filename: &str) -> &'static str {
    let ext = filename.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "mp3" => "audio/mpeg",
        "amr" => "audio/amr",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}
