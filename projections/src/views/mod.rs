//! The public read models ("views"), each a projection folded from the global log in log order
//! and stored as documents with its position in the same transaction (see `engine`).
//!
//! A projection is a deterministic fold: the same log gives the same documents, byte for byte,
//! whether it was folded event by event as commands committed or rebuilt from zero. Its
//! in-memory state is exactly what its documents hold (`restore` reads them back), so a restart
//! continues from the stored position instead of refolding the log.

pub mod amendments;
pub mod arguments;
pub mod bills;
mod engine;
pub mod tallies;
pub mod timeline;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::store::LoggedEvent;

pub use engine::{
    check, rebuild, Failure, Live, RebuildReport, ViewCheck, ViewError, Views, PROJECTION_NAMES,
};

/// A read model folded from the log.
pub trait Projection: Default + Send + Sync + 'static {
    /// Its name in the database and on the command line (`palimpsest rebuild --projection`).
    const NAME: &'static str;

    /// Folds the next event of the log (log order, each once) and records in `changes` every
    /// document it changed. On `Err` the state must be as before the call: validate, then mutate.
    fn apply(&mut self, event: &LoggedEvent, changes: &mut Changes) -> Result<(), String>;

    /// Reads back one stored document (documents come in key order).
    fn restore(&mut self, key: &str, body: &str) -> Result<(), String>;

    /// Called once every document was restored (to rebuild in-memory indexes).
    fn restored(&mut self) {}
}

/// Documents changed while folding a batch of events; the last write of a key wins.
#[derive(Debug, Default)]
pub struct Changes {
    docs: BTreeMap<String, Option<String>>,
}

impl Changes {
    pub fn put<T: Serialize>(&mut self, key: String, value: &T) {
        let body = serde_json::to_string(value).expect("view documents always serialise");
        self.docs.insert(key, Some(body));
    }

    pub fn delete(&mut self, key: String) {
        self.docs.insert(key, None);
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn clear(&mut self) {
        self.docs.clear();
    }

    pub fn to_rows(&self) -> Vec<(String, Option<String>)> {
        self.docs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Reads a document back.
pub(crate) fn parse_doc<T: DeserializeOwned>(key: &str, body: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("document `{key}` is unreadable: {e}"))
}

/// Decodes an event's payload as the event type of its stream.
pub(crate) fn decode<T: DeserializeOwned>(logged: &LoggedEvent) -> Result<T, String> {
    serde_json::from_value(logged.event.payload.clone()).map_err(|e| {
        format!(
            "{} event `{}` is unreadable: {e}",
            logged.event.stream_type, logged.event.event_type
        )
    })
}

/// The instant the event says it happened (its command's `at`), as recorded in its metadata.
pub(crate) fn occurred_at(logged: &LoggedEvent) -> String {
    logged
        .event
        .metadata
        .get("occurred_at")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
