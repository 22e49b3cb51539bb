//! WeChat's message encryption (WXBizMsgCrypt) and mini-program data
//! decryption (WXBizDataCrypt).

mod data_crypt;
mod msg_crypt;

pub use data_crypt::DataCrypt;
pub use msg_crypt::{random_nonce, sign, MsgCrypt};
