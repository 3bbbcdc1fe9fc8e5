//! Importers of real public data: `sources` parses each file format (pure, with precise
//! errors); `republique` maps the République numérique history onto our commands, `fabrique`
//! La Fabrique de la Loi law folders, `polis` Pol.is conversation exports.

pub mod fabrique;
pub mod polis;
pub mod republique;
pub mod sources;

pub use republique::{import, import_bundled, import_folder, ImportError, ImportReport};
