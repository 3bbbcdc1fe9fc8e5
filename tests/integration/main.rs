//! Palimpsest's integration tests: one binary, one module per area. Every storage scenario is
//! written once and runs on SQLite and on PostgreSQL (see `support::both_backends!`).

/// Fresh databases for each test on both backends, and request helpers.
mod support;

/// The event store: chaining, gapless log in commit order, conflicts under concurrency.
mod store;

/// Commands through the executor: concurrent commands on one stream, exactly one wins.
mod commands;

/// `verify` on a database: a clean log passes; every kind of tampering is caught and located.
mod verify;

/// The transparency log: exports verified offline by two verifiers, tampering located, proofs.
mod audit;

/// The HTTP API: the write flow of a consultation, and bad input answered with problem+json.
mod api;

/// The HTTP protocol around the commands: idempotency keys, write rate limits, the event
/// stream, instants read in the organisation's time zone.
mod api_protocol;

/// The OpenAPI 3.1 document: valid, complete (every route, and only routes), true to the answers.
mod openapi;

/// Bad input on every route of the document, both backends: a precise, documented problem+json
/// and no change in the log.
mod api_routes;

/// The real République numérique history: import, idempotency, malformed files, what it shows.
mod import;

/// More real data: La Fabrique de la Loi laws and Pol.is conversations, imported and verified.
mod import_more;

/// Architecture rules kept true by a test (crate dependencies, where SQL may live).
mod tidy;

/// The projections: durable, rebuilt beside and swapped, equal incrementally and rebuilt.
mod views;

/// Open data: CSV, NDJSON and Akoma Ntoso exports of the views, recomputable and anonymised.
mod open_data;

/// The HTML pages: each page with its real content escaped, sign-in cookies, CSRF refusals,
/// the write forms, languages, error pages.
mod web;
