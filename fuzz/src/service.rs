//! src/service/request.rs: the token service's request → call parsing.

#[path = "../../src/service/request.rs"]
pub mod request;
