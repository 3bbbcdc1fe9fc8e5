//! SQL side of Palimpsest.
