//! src/api/endpoints (the endpoint table and its template filler) and the
//! one helper of src/api it uses.

#[path = "../../src/api/endpoints/mod.rs"]
pub mod endpoints;
