//! Logins, sessions and CSRF. Passwords are kept as PBKDF2-HMAC-SHA256
//! hashes with a random salt; a session cookie is 32 random bytes and the
//! store keeps only its SHA-256, so a read of the database gives no session.
//! Every form carries the session's CSRF token; a POST without it is refused.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::Result;
use crate::model::now_ms;
use crate::store::console::{ConsoleSession, ConsoleUser};
use crate::store::Store;

pub const COOKIE: &str = "wxtp_console";
/// A session lasts 12 hours.
pub const SESSION_MS: i64 = 12 * 3_600_000;
const ITERATIONS: u32 = 60_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Viewer,
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// Who is logged in.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub csrf: String,
}

pub fn random_hex(bytes: usize) -> String {
    let v: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    hex::encode(v)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// PBKDF2-HMAC-SHA256, one 32-byte block.
fn pbkdf2(password: &str, salt: &str) -> String {
    let mac = Hmac::<Sha256>::new_from_slice(password.as_bytes()).expect("HMAC takes any key length");
    let mut m = mac.clone();
    m.update(salt.as_bytes());
    m.update(&1u32.to_be_bytes());
    let mut u = m.finalize().into_bytes();
    let mut out = u;
    for _ in 1..ITERATIONS {
        let mut m = mac.clone();
        m.update(&u);
        u = m.finalize().into_bytes();
        for (o, x) in out.iter_mut().zip(u.iter()) {
            *o ^= x;
        }
    }
    hex::encode(out)
}

/// A user record for `password` (a fresh salt each time).
pub fn hashed_user(name: &str, role: Role, password: &str) -> ConsoleUser {
    let salt = random_hex(16);
    ConsoleUser { name: name.to_owned(), role: role.as_str().to_owned(), hash: pbkdf2(password, &salt), salt }
}

/// Checks a login; on success a new session is stored and its cookie value returned.
pub async fn login(store: &Store, name: &str, password: &str) -> Result<Option<(String, Session)>> {
    let Some(u) = store.console_user(name).await? else {
        // Same work as a real check: the answer's timing does not tell names apart.
        let _ = pbkdf2(password, "no-such-user");
        return Ok(None);
    };
    let Some(role) = Role::parse(&u.role) else { return Ok(None) };
    let ok: bool = pbkdf2(password, &u.salt).as_bytes().ct_eq(u.hash.as_bytes()).into();
    if !ok {
        return Ok(None);
    }
    let cookie = random_hex(32);
    let csrf = random_hex(24);
    let stored = ConsoleSession { user: u.name.clone(), role: u.role.clone(), csrf: csrf.clone(), expires_at: now_ms() + SESSION_MS };
    store.save_console_session(&sha256_hex(&cookie), &stored).await?;
    Ok(Some((cookie, Session { user: u.name, role, csrf })))
}

/// The session a cookie value names, if live.
pub async fn session(store: &Store, cookie: &str) -> Result<Option<Session>> {
    if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(s) = store.console_session(&sha256_hex(cookie)).await? else { return Ok(None) };
    Ok(Role::parse(&s.role).map(|role| Session { user: s.user, role, csrf: s.csrf }))
}

pub async fn logout(store: &Store, cookie: &str) -> Result<()> {
    store.delete_console_session(&sha256_hex(cookie)).await
}

/// The form's CSRF token matches the session's (constant time).
pub fn csrf_ok(s: &Session, given: Option<&str>) -> bool {
    given.is_some_and(|g| !g.is_empty() && bool::from(g.as_bytes().ct_eq(s.csrf.as_bytes())))
}

/// The cookie `name` of a Cookie header.
pub fn cookie_value<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').map(str::trim).find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// The Set-Cookie header of a session (`Secure` when the request came over https).
pub fn set_cookie(value: &str, path: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={}{secure}", SESSION_MS / 1000)
}

pub fn clear_cookie(path: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path={path}; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_depends_on_password_and_salt() {
        assert_eq!(pbkdf2("x", "y").len(), 64);
        assert_ne!(pbkdf2("x", "y"), pbkdf2("x", "z"));
        assert_ne!(pbkdf2("x", "y"), pbkdf2("w", "y"));
        assert_eq!(pbkdf2("x", "y"), pbkdf2("x", "y"));
    }

    #[test]
    fn cookie_value_finds_the_named_cookie() {
        assert_eq!(cookie_value(Some("a=1; wxtp_console=abc; b=2"), COOKIE), Some("abc"));
        assert_eq!(cookie_value(Some("wxtp_consolex=abc"), COOKIE), None);
    }
}
