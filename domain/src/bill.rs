//! bill (being written)
