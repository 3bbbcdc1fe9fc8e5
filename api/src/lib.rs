//! Palimpsest's composition root: configuration and the `palimpsest` command line, the HTTP
//! router with its thin handlers, the write use cases they call, and the importers of real data.
//!
//! Architecture invariant: no SQL here (it lives in `projections::store`), and no business rule
//! (it lives in `domain`); this crate parses input, runs commands and shapes answers.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod http;
pub mod import;
pub mod open_data;
pub mod reads;
pub mod routes;
pub mod server;
pub mod service;
pub mod signing;
pub mod state;
pub mod telemetry;
pub mod web;
