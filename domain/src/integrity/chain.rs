//! chain (being written)
