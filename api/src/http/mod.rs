//! HTTP plumbing shared by the routes: problem+json errors, the strict JSON extractor, and the
//! mapping of domain and store errors to HTTP answers.

pub mod errors;
pub mod idempotency;
pub mod json;
pub mod problem;
pub mod rate_limit;
