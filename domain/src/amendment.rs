//! amendment (being written)
