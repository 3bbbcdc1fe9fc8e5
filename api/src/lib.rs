//! Palimpsest service.
