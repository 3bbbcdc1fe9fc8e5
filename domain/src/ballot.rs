//! ballot (being written)
