//! The platform's configuration is checked in one place, before anything
//! starts: the napi constructor calls this (so a bad value is a TypeError at
//! `new ThirdpartyServer(…)`), and so does `Component::open`.

use super::ComponentConfig;
use crate::crypto::MsgCrypt;
use crate::error::{Error, Result};

impl ComponentConfig {
    pub fn validate(&self) -> Result<MsgCrypt> {
        for (name, v) in [("appid", &self.appid), ("appsecret", &self.secret)] {
            if v.is_empty() {
                return Err(Error::invalid(name, "must be a non-empty string"));
            }
        }
        let crypt = MsgCrypt::new(&self.token, &self.encoding_aes_key, &self.appid)?;
        self.store.check()?;
        Ok(crypt)
    }
}
