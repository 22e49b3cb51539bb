//! Message URLs: a platform's 消息与事件接收URL (one envelope for every
//! authorizer, keyed by the appid in the path) and an account's own server.
//! Verify, decrypt, parse, dedup fleet-wide (`ledger`), answer WeChat's
//! release check, seal the reply; served through node's HTTP server or
//! natively (`listener`). What it needs of the platform is the `Platform`
//! trait, which the platform (`crate::component`) implements.

mod ledger;
mod listener;
mod pipeline;
mod platform;
mod release_check;
mod tally;

pub use listener::{MessageHandler, MessageListener};
pub use pipeline::{Inbox, InboxOptions, MessageQuery, OnEvent, Outcome, ReplyTicket};
pub use platform::{Platform, ReplyFailed};
pub use release_check::TEST_APPIDS;
pub use tally::{Count, FLUSH_EVERY};
