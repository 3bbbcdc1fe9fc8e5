//! The one error type of the source parsers: file, line, field and what is wrong.

use std::fmt;

/// A malformed source record. `line` is 1-based (for CSV: the line where the record starts).
///
/// Displays on one line as ``{file}:{line}: field `{field}`: {message}``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl SourceError {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        // Keep the Display on one line whatever the message holds.
        let message: String = message.into();
        let message = message.replace(['\r', '\n'], " ");
        Self {
            file: file.into(),
            line,
            field: field.into(),
            message,
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: field `{}`: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

impl std::error::Error for SourceError {}
