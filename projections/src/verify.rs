//! Verifies a database: recomputes every per-stream chain from the stored rows (re-canonicalising
//! the stored JSON, so the database's own JSON serialisation cannot matter) and checks that the
//! global log indexes are exactly 1..=N, in sequence order within each stream.

use std::fmt;

use domain::integrity::chain::{ChainBreak, StreamChecker};
use futures::TryStreamExt;

use crate::store::{EventStore, StoreError};

/// What a successful verification covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub streams: u64,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ok: {} events in {} streams", self.events, self.streams)
    }
}

/// The first problem found, located.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    #[error("{0}")]
    Chain(ChainBreak),
    #[error("stream {stream_type}/{stream_id}: sequence {sequence} has log index {log_index}, not after the previous event's {previous_log_index} (events were reordered)")]
    LogOrder {
        stream_type: String,
        stream_id: String,
        sequence: u64,
        log_index: u64,
        previous_log_index: u64,
    },
    #[error("log index {missing} is missing (found {found} next, at stream {stream_type}/{stream_id} sequence {sequence}): an event was deleted from the log")]
    LogGap {
        missing: u64,
        found: u64,
        stream_type: String,
        stream_id: String,
        sequence: u64,
    },
    #[error("the log head says {head} events were committed but {found} are stored: the tail of the log was deleted")]
    Truncated { head: u64, found: u64 },
    #[error("cannot read the database: {0}")]
    Store(#[from] StoreError),
}

/// Re-reads every stream and the log. Streams rows, so memory stays flat as the log grows.
pub async fn verify_database(store: &EventStore) -> Result<VerifyReport, VerifyFailure> {
    let mut report = VerifyReport {
        events: 0,
        streams: 0,
    };
    let mut current: Option<(String, String)> = None;
    let mut checker = StreamChecker::new();
    let mut previous_log_index = 0;
    let mut rows = store.events_by_stream();
    while let Some(row) = rows.try_next().await? {
        let stream = (row.event.stream_type.clone(), row.event.stream_id.clone());
        if current.as_ref() != Some(&stream) {
            current = Some(stream);
            checker = StreamChecker::new();
            previous_log_index = 0;
            report.streams += 1;
        }
        checker.check(&row.event).map_err(VerifyFailure::Chain)?;
        if row.log_index <= previous_log_index {
            return Err(VerifyFailure::LogOrder {
                stream_type: row.event.stream_type,
                stream_id: row.event.stream_id,
                sequence: row.event.sequence,
                log_index: row.log_index,
                previous_log_index,
            });
        }
        previous_log_index = row.log_index;
        report.events += 1;
    }
    drop(rows);

    let mut expected = 1;
    let mut indexes = store.log_indexes();
    while let Some((log_index, stream_type, stream_id, sequence)) = indexes.try_next().await? {
        if log_index != expected {
            return Err(VerifyFailure::LogGap {
                missing: expected,
                found: log_index,
                stream_type,
                stream_id,
                sequence,
            });
        }
        expected += 1;
    }
    drop(indexes);
    let head = store.log_size().await?;
    if head != expected - 1 {
        return Err(VerifyFailure::Truncated {
            head,
            found: expected - 1,
        });
    }
    Ok(report)
}
