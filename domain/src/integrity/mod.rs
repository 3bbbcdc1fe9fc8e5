//! Integrity maths: the canonical byte encoding of events, the per-stream blake3 hash chain,
//! and the global log's SHA-256 Merkle tree with its signed checkpoints.
//! The exact layout is specified in docs/integrity.md; both must change together.

pub mod audit;
pub mod canonical;
pub mod chain;
pub mod checkpoint;
pub mod merkle;

pub use canonical::{
    canonical_json, parse_strict_json, CanonicalError, CanonicalErrorKind, MAX_SAFE_INTEGER,
};
pub use chain::{
    event_hash, event_hash_preimage, verify_stream, ChainBreak, ChainBreakKind, EventHash,
    EventHashInput, InvalidEventHash, InvalidRecordedAt, RecordedAt, StoredEvent, StreamChecker,
    EVENT_HASH_DOMAIN_TAG,
};
