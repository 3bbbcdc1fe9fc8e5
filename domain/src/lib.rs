//! Palimpsest's pure domain: the deliberation aggregates (bill, amendment, ballot, argument),
//! the text model with its word diff, and the integrity maths (canonical encoding, hash chain).
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of SQL, HTTP, files, clocks or
//! randomness; time and ids come in through commands.

pub mod actor;
pub mod amendment;
pub mod argument;
pub mod ballot;
pub mod bill;
pub mod ids;
pub mod integrity;
pub mod text;
