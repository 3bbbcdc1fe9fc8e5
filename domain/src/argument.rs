//! argument (being written)
