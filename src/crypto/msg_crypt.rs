//! WXBizMsgCrypt: AES-256-CBC with the EncodingAESKey, PKCS#7 padded to 32,
//! plaintext = 16 random bytes + u32 BE length + message + appid.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::{alphabet, Engine};
use rand::RngCore;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

const BLOCK: usize = 32;

/// WeChat's console keys often have non-zero unused bits in the 43rd
/// character; the official samples decode them anyway, so do we.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Clone)]
pub struct MsgCrypt {
    token: String,
    appid: String,
    key: [u8; 32],
}

impl std::fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key or the token.
        f.debug_struct("MsgCrypt").field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl MsgCrypt {
    pub fn new(token: &str, encoding_aes_key: &str, appid: &str) -> Result<Self> {
        if token.is_empty() {
            return Err(Error::invalid("token", "must be a non-empty string"));
        }
        if appid.is_empty() {
            return Err(Error::invalid("appid", "must be a non-empty string"));
        }
        let key = decode_key(encoding_aes_key)?;
        Ok(MsgCrypt { token: token.to_owned(), appid: appid.to_owned(), key })
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// sha1 hex of token, timestamp, nonce and encrypt, sorted and joined.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        sign(&[&self.token, timestamp, nonce, encrypt])
    }

    /// Constant-time check of a `msg_signature` (or plain `signature` with
    /// encrypt = ""); hex case does not matter.
    pub fn verify_signature(&self, signature: &str, timestamp: &str, nonce: &str, encrypt: &str) -> bool {
        let mut given = [0u8; 20];
        if signature.len() != 40 || hex::decode_to_slice(signature, &mut given).is_err() {
            return false;
        }
        digest(&[&self.token, timestamp, nonce, encrypt]).ct_eq(&given).into()
    }

    /// Encrypts `message` with a fresh CSPRNG prefix; returns base64.
    pub fn encrypt(&self, message: &str) -> String {
        let mut prefix = [0u8; 16];
        // thread_rng is a CSPRNG (ChaCha, seeded and reseeded from the OS)
        // without a syscall per call.
        rand::thread_rng().fill_bytes(&mut prefix);
        self.encrypt_with_prefix(message, &prefix)
    }

    /// Deterministic variant used by tests and published vectors.
    pub fn encrypt_with_prefix(&self, message: &str, prefix: &[u8; 16]) -> String {
        let msg = message.as_bytes();
        let mut buf = Vec::with_capacity(16 + 4 + msg.len() + self.appid.len() + BLOCK);
        buf.extend_from_slice(prefix);
        buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.appid.as_bytes());
        let pad = BLOCK - buf.len() % BLOCK;
        buf.extend(std::iter::repeat(pad as u8).take(pad));
        let len = buf.len();
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        Enc::new(&self.key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .expect("length is a multiple of the block size");
        base64::engine::general_purpose::STANDARD.encode(&buf)
    }

    /// Decrypts base64 `text`; returns `(message, appid_in_message)` after
    /// checking padding, the length field and that the id is our appid.
    pub fn decrypt(&self, text: &str) -> Result<(String, String)> {
        let (message, id) = self.decrypt_unchecked(text)?;
        if id != self.appid {
            return Err(Error::Crypto("decrypted message is for another appid".into()));
        }
        Ok((message, id))
    }

    /// As `decrypt`, without the appid check (wechat-crypto's `decrypt` shape).
    pub fn decrypt_unchecked(&self, text: &str) -> Result<(String, String)> {
        let mut buf = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| Error::Crypto("encrypted text is not valid base64".into()))?;
        if buf.is_empty() {
            return Err(Error::Crypto("encrypted text is empty".into()));
        }
        if buf.len() % 16 != 0 {
            return Err(Error::Crypto("encrypted text length is not a multiple of the AES block size".into()));
        }
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        let plain = Dec::new(&self.key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| Error::Crypto("decryption failed".into()))?;
        let pad = *plain.last().unwrap_or(&0) as usize;
        if pad == 0 || pad > BLOCK || pad > plain.len() || plain[plain.len() - pad..].iter().any(|&b| b as usize != pad) {
            return Err(Error::Crypto("bad padding: wrong EncodingAESKey or corrupted message".into()));
        }
        let body = &plain[..plain.len() - pad];
        if body.len() < 20 {
            return Err(Error::Crypto("decrypted data is too short".into()));
        }
        let len = u32::from_be_bytes(body[16..20].try_into().expect("4 bytes")) as usize;
        if len > body.len() - 20 {
            return Err(Error::Crypto("length field exceeds the decrypted data".into()));
        }
        let message = std::str::from_utf8(&body[20..20 + len])
            .map_err(|_| Error::Crypto("decrypted message is not valid UTF-8".into()))?;
        let id = std::str::from_utf8(&body[20 + len..])
            .map_err(|_| Error::Crypto("decrypted appid is not valid UTF-8".into()))?;
        Ok((message.to_owned(), id.to_owned()))
    }
}

fn decode_key(encoding_aes_key: &str) -> Result<[u8; 32]> {
    if encoding_aes_key.len() != 43 {
        return Err(Error::invalid("encodingAESKey", "must be 43 characters of base64"));
    }
    let bytes = LENIENT_B64
        .decode(format!("{encoding_aes_key}="))
        .map_err(|_| Error::invalid("encodingAESKey", "is not valid base64"))?;
    bytes.try_into().map_err(|_| Error::invalid("encodingAESKey", "must decode to 32 bytes"))
}

/// sha1 hex of the parts, sorted and concatenated (WeChat's signature scheme).
pub fn sign(parts: &[&str]) -> String {
    hex::encode(digest(parts))
}

fn digest(parts: &[&str]) -> [u8; 20] {
    // WeChat signs 3 or 4 parts: sort them on the stack.
    let mut stack = [""; 8];
    let mut heap;
    let sorted: &mut [&str] = if parts.len() <= stack.len() {
        stack[..parts.len()].copy_from_slice(parts);
        &mut stack[..parts.len()]
    } else {
        heap = parts.to_vec();
        &mut heap
    };
    sorted.sort_unstable();
    let mut h = Sha1::new();
    for p in sorted.iter() {
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// A random alphanumeric nonce for reply envelopes.
pub fn random_nonce() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 16)
}
