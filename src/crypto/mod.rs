//! WeChat's message encryption (WXBizMsgCrypt) and mini-program data
//! decryption (WXBizDataCrypt).

mod msg_crypt;

pub use msg_crypt::{random_nonce, sign, MsgCrypt};
