//! Everything in Palimpsest that speaks SQL: the versioned migrations of each backend, the
//! hash-chaining event store with its gapless global log, the command executor on top of it,
//! database verification and the read models.
//!
//! Architecture invariant: SQL lives in `store::sqlite` and `store::postgres` only (one place per
//! backend); the rest of this crate is backend-neutral.

// Errors carry the stream and event they are about; they are rare, so their size is no concern.
#![allow(clippy::result_large_err)]

pub mod command;
pub mod cqrs_repository;
pub mod database;
pub mod store;
pub mod transparency;
pub mod verify;
pub mod views;

pub use command::{execute, CommandContext, CommandError, CommandOutcome};
pub use database::{DatabaseUrl, DatabaseUrlError};
pub use store::{
    AppendError, CommittedEvent, EventStore, IdempotencyClaim, IdempotentResponse, LogEntry,
    LoggedEvent, PendingEvent, StoreError, StoreOptions, StreamEvent, StreamGuard, TokenRecord,
    TreeNodeLink,
};
