//! Which database to use: a `sqlite://PATH` file (the embedded default) or a `postgres://` server,
//! parsed once at the boundary.

use std::fmt;
use std::path::PathBuf;

/// A database location the service knows how to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file, created when missing. `sqlite::memory:` is refused: the log must be durable.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, kept as given.
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("database URL `{0}` is neither sqlite://PATH nor postgres://…; use e.g. sqlite://palimpsest.db or postgres://user@127.0.0.1/db")]
    UnknownScheme(String),
    #[error("database URL `{0}` names no file; use e.g. sqlite://palimpsest.db")]
    EmptySqlitePath(String),
    #[error("in-memory SQLite (`{0}`) cannot hold a durable log; give a file, e.g. sqlite://palimpsest.db")]
    InMemorySqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptySqlitePath(url.to_string()));
            }
            if path == ":memory:" || rest.contains("mode=memory") {
                return Err(DatabaseUrlError::InMemorySqlite(url.to_string()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        Err(DatabaseUrlError::UnknownScheme(url.to_string()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_file() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/p.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/p.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/p.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/p.db"))
        );
    }

    #[test]
    fn in_memory_and_unknown_urls_are_refused_with_a_hint() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(DatabaseUrlError::InMemorySqlite(_))
        ));
        let err = DatabaseUrl::parse("mysql://x").unwrap_err();
        assert!(err.to_string().contains("sqlite://"));
    }

    #[test]
    fn postgres_urls_are_kept_as_given() {
        let url = "postgres://postgres@127.0.0.1:5432/test";
        assert_eq!(
            DatabaseUrl::parse(url).unwrap(),
            DatabaseUrl::Postgres(url.into())
        );
    }
}
