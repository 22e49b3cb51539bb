//! One error type for the core; messages never carry secrets. The node
//! adapter (src/node/errors.rs) decides what each variant is in JS.

use std::fmt;

/// Errcodes that mean "this access token is no good": refresh once and retry.
pub const TOKEN_INVALID_CODES: [i64; 3] = [40001, 42001, 40014];

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// WeChat answered with a non-zero errcode.
    WeChat { code: i64, message: String },
    /// A caller passed something unusable; `name` is the argument's name.
    InvalidArgument { name: &'static str, reason: String },
    /// Decryption, signature or key failures.
    Crypto(String),
    /// Malformed or oversized XML / JSON payloads.
    Parse(String),
    /// Database failures (never contain the connection password).
    Store(String),
    /// Network-level failures talking to WeChat: timeouts, resets, HTTP 5xx.
    Transport(String),
    /// Secrets are not (yet) available: no ticket, no token.
    NotReady(String),
    /// The authorizer revoked its authorization.
    Revoked(String),
    /// No such authorizer / record.
    NotFound(String),
    /// Anything else, with a clear message.
    Other(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn wechat(code: i64, message: impl Into<String>) -> Self {
        Error::WeChat { code, message: message.into() }
    }
    pub fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument { name, reason: reason.into() }
    }
    /// A short name of the variant (metrics labels, logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::WeChat { .. } => "wechat",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::Crypto(_) => "crypto",
            Error::Parse(_) => "parse",
            Error::Store(_) => "store",
            Error::Transport(_) => "transport",
            Error::NotReady(_) => "not_ready",
            Error::Revoked(_) => "revoked",
            Error::NotFound(_) => "not_found",
            Error::Other(_) => "other",
        }
    }
    /// The WeChat errcode, when there is one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::WeChat { code, .. } => Some(*code),
            _ => None,
        }
    }
    /// The token presented was rejected (40001 / 42001 / 40014).
    pub fn is_token_invalid(&self) -> bool {
        matches!(self, Error::WeChat { code, .. } if TOKEN_INVALID_CODES.contains(code))
    }
    /// The token presented had run out (42001), rather than been voided.
    pub fn is_token_expired(&self) -> bool {
        self.code() == Some(42001)
    }
    /// Worth retrying later: system busy (-1), network trouble, 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::WeChat { code, .. } => *code == -1,
            Error::Transport(_) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WeChat { message, .. } => f.write_str(message),
            Error::InvalidArgument { name, reason } => write!(f, "{name}: {reason}"),
            Error::Crypto(m)
            | Error::Parse(m)
            | Error::Store(m)
            | Error::Transport(m)
            | Error::NotReady(m)
            | Error::Revoked(m)
            | Error::NotFound(m)
            | Error::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
