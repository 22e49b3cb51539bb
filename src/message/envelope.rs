//! The `<Encrypt>` envelope (安全模式) and server URL verification.

use serde_json::{Map, Value};

use super::parse::{parse_json, parse_tree, parse_with, Node, ParseOptions};
use super::reply::{cdata, escape_text};
use crate::crypto::MsgCrypt;
use crate::error::{Error, Result};

/// The query WeChat sends with an encrypted push or message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureQuery {
    pub timestamp: String,
    pub nonce: String,
    pub msg_signature: String,
}

impl SignatureQuery {
    /// All three parts or none; a partial query is an error rather than a
    /// silently skipped signature check.
    pub fn from_parts(
        timestamp: Option<String>,
        nonce: Option<String>,
        msg_signature: Option<String>,
    ) -> Result<Option<Self>> {
        match (timestamp, nonce, msg_signature) {
            (None, None, None) => Ok(None),
            (Some(timestamp), Some(nonce), Some(msg_signature)) => {
                Ok(Some(SignatureQuery { timestamp, nonce, msg_signature }))
            }
            (t, n, _) => {
                let missing = if t.is_none() { "timestamp" } else if n.is_none() { "nonce" } else { "msg_signature" };
                Err(Error::invalid("query", format!("has no {missing} (needs timestamp, nonce and msg_signature)")))
            }
        }
    }
}

/// Decrypts a push or message in the `<Encrypt>` envelope: parses the body,
/// checks `msg_signature` when `query` is given, decrypts (checking padding,
/// length and appid) and parses the inner XML.
pub fn decrypt_envelope(crypt: &MsgCrypt, body: &str, query: Option<&SignatureQuery>) -> Result<Map<String, Value>> {
    decrypt_envelope_with(crypt, body, query, &ParseOptions::default())
}

/// As [`decrypt_envelope`], with the size cap of `options` applied to both
/// the envelope and the decrypted XML.
pub fn decrypt_envelope_with(
    crypt: &MsgCrypt,
    body: &str,
    query: Option<&SignatureQuery>,
    options: &ParseOptions,
) -> Result<Map<String, Value>> {
    parse_with(&open_envelope(crypt, body, query, options)?, options)
}

/// As [`decrypt_envelope_with`], the message as JSON text (for the JS side).
pub fn decrypt_envelope_json(
    crypt: &MsgCrypt,
    body: &str,
    query: Option<&SignatureQuery>,
    options: &ParseOptions,
) -> Result<String> {
    parse_json(&open_envelope(crypt, body, query, options)?, options)
}

/// Envelope → checked signature → decrypted inner XML.
fn open_envelope(crypt: &MsgCrypt, body: &str, query: Option<&SignatureQuery>, options: &ParseOptions) -> Result<String> {
    let envelope = parse_tree(body, options)?;
    let encrypt = envelope.iter().find_map(|(name, node)| match node {
        Node::Text(t) if name == "Encrypt" && !t.is_empty() => Some(t.as_ref()),
        _ => None,
    });
    let Some(encrypt) = encrypt else {
        return Err(Error::Parse("the message has no <Encrypt> element (is it encrypted?)".into()));
    };
    if let Some(q) = query {
        if !crypt.verify_signature(&q.msg_signature, &q.timestamp, &q.nonce, encrypt) {
            return Err(Error::Crypto("msg_signature does not match".into()));
        }
    }
    crypt.decrypt(encrypt).map(|(xml, _)| xml)
}

/// The encrypted, signed reply envelope for `xml`.
pub fn encrypt_envelope(crypt: &MsgCrypt, xml: &str, timestamp: &str, nonce: &str) -> String {
    envelope_of(crypt, crypt.encrypt(xml), timestamp, nonce)
}

/// Deterministic variant (fixed random prefix) for published test vectors.
pub fn encrypt_envelope_with_prefix(crypt: &MsgCrypt, xml: &str, timestamp: &str, nonce: &str, prefix: &[u8; 16]) -> String {
    envelope_of(crypt, crypt.encrypt_with_prefix(xml, prefix), timestamp, nonce)
}

fn envelope_of(crypt: &MsgCrypt, encrypt: String, timestamp: &str, nonce: &str) -> String {
    let signature = crypt.signature(timestamp, nonce, &encrypt);
    format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(&encrypt),
        cdata(&signature),
        escape_text(timestamp),
        cdata(nonce)
    )
}

/// The GET WeChat sends to check a server URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyUrlQuery {
    pub timestamp: String,
    pub nonce: String,
    pub echostr: String,
    /// Plain mode: sha1 of token, timestamp, nonce.
    pub signature: Option<String>,
    /// Encrypted mode: sha1 of token, timestamp, nonce, echostr; echostr is encrypted.
    pub msg_signature: Option<String>,
}

/// Checks the URL verification query and returns the echostr to answer
/// with (decrypted in encrypted mode). `msg_signature` wins when both are present.
pub fn verify_url(crypt: &MsgCrypt, query: &VerifyUrlQuery) -> Result<String> {
    if query.echostr.is_empty() {
        return Err(Error::invalid("query", "has no echostr"));
    }
    if let Some(sig) = &query.msg_signature {
        if !crypt.verify_signature(sig, &query.timestamp, &query.nonce, &query.echostr) {
            return Err(Error::Crypto("msg_signature does not match".into()));
        }
        return crypt.decrypt(&query.echostr).map(|(message, _)| message);
    }
    if let Some(sig) = &query.signature {
        if !crypt.verify_signature(sig, &query.timestamp, &query.nonce, "") {
            return Err(Error::Crypto("signature does not match".into()));
        }
        return Ok(query.echostr.clone());
    }
    Err(Error::invalid("query", "has neither signature nor msg_signature"))
}
