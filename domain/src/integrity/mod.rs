//! Integrity maths: the canonical byte encoding of events and the per-stream blake3 hash chain.
//! The exact layout is specified in docs/integrity.md; both must change together.

pub mod canonical;
pub mod chain;
