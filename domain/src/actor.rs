//! actor (being written)
