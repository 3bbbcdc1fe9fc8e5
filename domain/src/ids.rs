//! ids (being written)
