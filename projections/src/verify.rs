//! Verifies a database: recomputes every per-stream chain from the stored rows (re-canonicalising
//! the stored JSON, so the database's own JSON serialisation cannot matter) and checks that the
//! global log indexes are exactly 1..=N, in sequence order within each stream.

use std::fmt;

use domain::integrity::chain::{ChainBreak, StreamChecker};
use domain::integrity::checkpoint::{open_signed_checkpoint, Checkpoint, VerifierKey};
use domain::integrity::merkle::{hash_to_hex, leaf_hash, node_hash, TreeState};
use futures::TryStreamExt;

use crate::store::{EventStore, StoreError};
use crate::transparency::StoredCheckpoint;

/// What a successful verification covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub streams: u64,
    pub checkpoints: u64,
    pub signatures_checked: bool,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ok: {} events in {} streams", self.events, self.streams)?;
        if self.checkpoints > 0 {
            let how = if self.signatures_checked {
                "signatures verified"
            } else {
                "signatures not checked: pass --public-key"
            };
            write!(
                f,
                "; {} signed checkpoints match the log ({how})",
                self.checkpoints
            )?;
        }
        Ok(())
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
    #[error("signed checkpoint of size {size}: {reason}")]
    Checkpoint { size: u64, reason: String },
    #[error("a checkpoint signed the log at {size} events but only {found} are stored: the tail was deleted")]
    BelowCheckpoint { size: u64, found: u64 },
    #[error("the Merkle tree cannot be rebuilt: {0}")]
    Tree(String),
    #[error("cannot read the database: {0}")]
    Store(#[from] StoreError),
}

/// Re-reads every stream and the log, and checks every signed checkpoint against the log
/// (signatures too when `key` is given). Streams rows: memory stays flat as the log grows.
pub async fn verify_database(
    store: &EventStore,
    key: Option<&VerifierKey>,
) -> Result<VerifyReport, VerifyFailure> {
    let mut report = VerifyReport {
        events: 0,
        streams: 0,
        checkpoints: 0,
        signatures_checked: false,
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

    let stored_tree = store.tree_state().await?;
    // The log in index order, rebuilt into the Merkle tree and compared with every signed
    // checkpoint: a reordering across streams, a deletion renumbered away or a cut tail changes
    // the root of every checkpoint that covers it.
    let checkpoints = all_checkpoints(store).await?;
    let mut next_checkpoint = checkpoints.iter().peekable();
    let mut tree = TreeState::new();
    let mut expected = 1;
    let mut indexes = store.log_indexes();
    while let Some(entry) = indexes.try_next().await? {
        if entry.log_index != expected {
            return Err(VerifyFailure::LogGap {
                missing: expected,
                found: entry.log_index,
                stream_type: entry.stream_type,
                stream_id: entry.stream_id,
                sequence: entry.sequence,
            });
        }
        let hash: [u8; 32] = entry.hash.as_slice().try_into().map_err(|_| {
            VerifyFailure::Store(StoreError::CorruptRow {
                context: format!("log index {}", entry.log_index),
                message: "hash is not 32 bytes".into(),
            })
        })?;
        tree.append(leaf_hash(&hash))
            .map_err(|e| VerifyFailure::Tree(e.to_string()))?;
        while let Some(checkpoint) = next_checkpoint.next_if(|c| c.size == tree.size()) {
            check_checkpoint(checkpoint, &tree, key)?;
        }
        if tree.size() == stored_tree.size() && tree.root() != stored_tree.root() {
            return Err(VerifyFailure::Tree(format!(
                "the stored tree state (size {}) does not match the log",
                stored_tree.size()
            )));
        }
        expected += 1;
    }
    drop(indexes);
    let found = expected - 1;
    if let Some(checkpoint) = next_checkpoint.next() {
        if checkpoint.size == 0 {
            check_checkpoint(checkpoint, &TreeState::new(), key)?;
        } else {
            return Err(VerifyFailure::BelowCheckpoint {
                size: checkpoint.size,
                found,
            });
        }
    }
    let head = store.log_size().await?;
    if head != found {
        return Err(VerifyFailure::Truncated { head, found });
    }
    if stored_tree.size() > found {
        return Err(VerifyFailure::Tree(format!(
            "the stored tree covers {} events but the log has {found}",
            stored_tree.size()
        )));
    }
    check_tree_nodes(store, stored_tree.size()).await?;
    report.checkpoints = checkpoints.len() as u64;
    report.signatures_checked = key.is_some();
    Ok(report)
}

/// Every stored Merkle node must be the hash of its inputs, and exactly the nodes of the
/// integrated tree must exist: proofs are served from these nodes.
async fn check_tree_nodes(store: &EventStore, size: u64) -> Result<(), VerifyFailure> {
    let mut counts: Vec<u64> = Vec::new();
    let mut links = store.tree_node_links();
    while let Some(link) = links.try_next().await? {
        let damaged = |what: &str| {
            VerifyFailure::Tree(format!(
                "Merkle node (level {}, index {}) {what}; proofs served from it would be wrong",
                link.level, link.idx
            ))
        };
        let as_hash = |bytes: &Option<Vec<u8>>| -> Option<[u8; 32]> {
            bytes.as_deref().and_then(|b| b.try_into().ok())
        };
        let expected = if link.level == 0 {
            as_hash(&link.left).map(|event| leaf_hash(&event))
        } else {
            match (as_hash(&link.left), as_hash(&link.right)) {
                (Some(l), Some(r)) => Some(node_hash(&l, &r)),
                _ => None,
            }
        };
        let Some(expected) = expected else {
            return Err(damaged("has no inputs (its event or children are missing)"));
        };
        if link.hash.as_slice() != expected.as_slice() {
            return Err(damaged("is not the hash of its inputs"));
        }
        let level = link.level as usize;
        if counts.len() <= level {
            counts.resize(level + 1, 0);
        }
        counts[level] += 1;
    }
    for (level, count) in counts.iter().enumerate() {
        if *count != size >> level {
            return Err(VerifyFailure::Tree(format!(
                "level {level} has {count} nodes, the tree of {size} events has {}",
                size >> level
            )));
        }
    }
    Ok(())
}

async fn all_checkpoints(store: &EventStore) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store.checkpoints(after, u64::MAX, 1_000, false).await?;
        let Some(last) = page.last() else {
            return Ok(all);
        };
        after = Some(last.size);
        all.extend(page);
    }
}

fn check_checkpoint(
    checkpoint: &StoredCheckpoint,
    tree: &TreeState,
    key: Option<&VerifierKey>,
) -> Result<(), VerifyFailure> {
    let failure = |reason: String| VerifyFailure::Checkpoint {
        size: checkpoint.size,
        reason,
    };
    let signed = match key {
        Some(key) => open_signed_checkpoint(&checkpoint.note, key)
            .map_err(|e| failure(format!("its signature does not verify: {e}")))?,
        None => {
            let body = checkpoint
                .note
                .split_once("\n\n")
                .map(|(body, _)| format!("{body}\n"))
                .unwrap_or_default();
            Checkpoint::parse_body(&body).map_err(|e| failure(format!("unreadable note: {e}")))?
        }
    };
    if signed.size != checkpoint.size || signed.root != checkpoint.root {
        return Err(failure(
            "the stored size or root differs from its signed note".into(),
        ));
    }
    if tree.root() != checkpoint.root {
        return Err(failure(format!(
            "the log's first {} events have root {}, not the signed {} (events were altered, reordered or removed)",
            checkpoint.size,
            hash_to_hex(&tree.root()),
            hash_to_hex(&checkpoint.root)
        )));
    }
    Ok(())
}
