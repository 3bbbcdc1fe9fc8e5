//! Importers of real public data: `sources` parses each file format (pure, with precise
//! errors); `republique` maps the République numérique history onto our commands, `fabrique`
//! La Fabrique de la Loi law folders, `polis` Pol.is conversation exports.

pub mod fabrique;
pub mod polis;
pub mod republique;
pub mod sources;

pub use republique::{import, import_bundled, import_folder, ImportError, ImportReport};

use std::path::Path;

use uuid::Uuid;

use sources::SourceError;

/// Reads one source file as UTF-8 text; invalid bytes are an error naming the file and line.
pub(crate) fn read_source_file(path: &Path) -> Result<String, ImportError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportError::Read {
        file: shown.clone(),
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
        ImportError::Source(SourceError::new(
            &shown,
            line,
            "(encoding)",
            format!("not UTF-8 (invalid byte at offset {})", valid.len()),
        ))
    })
}

/// A stable id for `kind:key` of one source (UUID v5 in the source's own namespace), so the same
/// record gets the same id in every database that imports it.
pub(crate) fn source_id(source: &str, kind: &str, key: &str) -> Uuid {
    let namespace = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("https://palimpsest.example/import/{source}").as_bytes(),
    );
    Uuid::new_v5(&namespace, format!("{kind}:{key}").as_bytes())
}
