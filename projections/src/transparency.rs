//! The transparency log on top of the event store: integrating committed events into the Merkle
//! tree, signing checkpoints (never one inconsistent with an earlier one), serving inclusion and
//! consistency proofs, and writing the audit export.
//!
//! What is durable after each step: an event is *sequenced* when its append commits (log index,
//! chain hash); *integrated* when `integrate` has added it to the stored tree; *published* when a
//! signed checkpoint covers it. Integration and signing run after commit, so they never slow a
//! command down, and they can be redone from the events at any time.

use std::io::Write;
use std::path::Path;

use chrono::{SecondsFormat, Utc};
use domain::integrity::audit::{
    ExportedCheckpoint, ExportedEvent, InclusionProofFile, CHECKPOINTS_FILE, EVENTS_FILE,
    PUBLIC_KEY_FILE,
};
use domain::integrity::checkpoint::{open_signed_checkpoint, Checkpoint, SigningKey};
use domain::integrity::merkle::{
    consistency_proof_ranges, hash_to_hex, inclusion_proof_ranges, leaf_hash, node_hash,
    verify_consistency, SubtreeRange, TreeHash, TreeState,
};

use crate::store::{EventStore, StoreError};

/// Events integrated per transaction.
const INTEGRATE_BATCH: u32 = 10_000;

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: TreeHash,
    pub note: String,
    pub signed_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TransparencyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored Merkle tree is damaged: {0}")]
    Tree(String),
    #[error("REFUSING TO SIGN: the tree of size {new_size} is not an extension of the signed checkpoint of size {old_size} ({reason}); the log was altered, run `palimpsest verify`")]
    Inconsistent {
        old_size: u64,
        new_size: u64,
        reason: String,
    },
    #[error("cannot sign: {0}")]
    Signing(String),
    #[error("REFUSING TO SIGN: the checkpoint of size {size} does not open with the configured key {key} ({reason}); configure the key that signed this log (--signing-key or PALIMPSEST_SIGNING_KEY)")]
    ForeignKey {
        size: u64,
        key: String,
        reason: String,
    },
    #[error("{0}")]
    Proof(String),
    #[error("cannot write the export to {path}: {message}")]
    Write { path: String, message: String },
}

pub(crate) fn tree_state_from(size: i64, right_edge: &str) -> Result<TreeState, StoreError> {
    let corrupt = |message: String| StoreError::CorruptRow {
        context: "merkle_state".into(),
        message,
    };
    let edge: Vec<String> = serde_json::from_str(right_edge).map_err(|e| corrupt(e.to_string()))?;
    let edge = edge
        .iter()
        .map(|h| domain::integrity::merkle::hash_from_hex(h).map_err(|e| corrupt(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    TreeState::from_parts(size as u64, edge).map_err(|e| corrupt(e.to_string()))
}

pub(crate) fn tree_state_json(state: &TreeState) -> String {
    let edge: Vec<String> = state.right_edge().iter().map(hash_to_hex).collect();
    serde_json::to_string(&edge).expect("strings serialise")
}

/// A stored subtree: (level, index at that level, hash).
pub(crate) type TreeNode = (u32, u64, TreeHash);

/// Appends event hashes as leaves; returns the new state and every perfect subtree completed.
pub(crate) fn grow_tree(
    state: TreeState,
    event_hashes: &[domain::integrity::chain::EventHash],
) -> Result<(TreeState, Vec<TreeNode>), StoreError> {
    let (mut size, mut edge) = state.into_parts();
    let mut nodes = Vec::with_capacity(event_hashes.len() * 2);
    for event in event_hashes {
        let mut hash = leaf_hash(event.as_bytes());
        let (mut level, mut idx) = (0u32, size);
        nodes.push((level, idx, hash));
        while idx & 1 == 1 {
            let left = edge.pop().ok_or_else(|| StoreError::CorruptRow {
                context: "merkle_state".into(),
                message: format!("right edge too short for size {size}"),
            })?;
            hash = node_hash(&left, &hash);
            level += 1;
            idx >>= 1;
            nodes.push((level, idx, hash));
        }
        edge.push(hash);
        size += 1;
    }
    let state = TreeState::from_parts(size, edge).map_err(|e| StoreError::CorruptRow {
        context: "merkle_state".into(),
        message: e.to_string(),
    })?;
    Ok((state, nodes))
}

/// Integrates every committed event; returns the tree.
pub async fn integrate_all(store: &EventStore) -> Result<TreeState, TransparencyError> {
    loop {
        let before = store.tree_state().await?.size();
        let state = store.integrate(INTEGRATE_BATCH).await?;
        if state.size() == before || state.size() - before < u64::from(INTEGRATE_BATCH) {
            return Ok(state);
        }
    }
}

/// The hash of leaves `[start, end)` of the integrated tree (RFC 9162 MTH), from stored nodes.
pub async fn subtree_hash(
    store: &EventStore,
    start: u64,
    end: u64,
) -> Result<TreeHash, TransparencyError> {
    // Iterative form of MTH: split off the largest power of two from the left each time; every
    // left part is a perfect, aligned subtree whose hash is stored.
    let mut parts = Vec::new();
    let mut s = start;
    while s < end {
        let n = end - s;
        let k = if n.is_power_of_two() {
            n
        } else {
            n.next_power_of_two() / 2
        };
        let level = k.trailing_zeros();
        if !s.is_multiple_of(k) {
            return Err(TransparencyError::Tree(format!(
                "range [{start}, {end}) is not a subtree of the log"
            )));
        }
        let hash = store.tree_node(level, s >> level).await?.ok_or_else(|| {
            TransparencyError::Tree(format!("node ({level}, {}) is missing", s >> level))
        })?;
        parts.push(hash);
        s += k;
    }
    let mut hash = parts
        .pop()
        .ok_or_else(|| TransparencyError::Tree(format!("empty range [{start}, {end})")))?;
    while let Some(left) = parts.pop() {
        hash = node_hash(&left, &hash);
    }
    Ok(hash)
}

async fn hashes_of(
    store: &EventStore,
    ranges: &[SubtreeRange],
) -> Result<Vec<TreeHash>, TransparencyError> {
    let mut hashes = Vec::with_capacity(ranges.len());
    for range in ranges {
        hashes.push(subtree_hash(store, range.start, range.end).await?);
    }
    Ok(hashes)
}

/// The inclusion proof of the event at `log_index` in the tree of `tree_size`.
pub async fn inclusion_proof(
    store: &EventStore,
    log_index: u64,
    tree_size: u64,
) -> Result<InclusionProofFile, TransparencyError> {
    let integrated = store.tree_state().await?.size();
    if tree_size > integrated {
        return Err(TransparencyError::Proof(format!(
            "tree size {tree_size} is beyond the integrated log ({integrated} events)"
        )));
    }
    if log_index == 0 || log_index > tree_size {
        return Err(TransparencyError::Proof(format!(
            "log index {log_index} is not in a tree of {tree_size} events (indexes start at 1)"
        )));
    }
    let ranges = inclusion_proof_ranges(log_index - 1, tree_size)
        .map_err(|e| TransparencyError::Proof(e.to_string()))?;
    let hashes = hashes_of(store, &ranges).await?;
    let logged = store
        .read_log(log_index - 1, 1)
        .await?
        .pop()
        .filter(|e| e.log_index == log_index)
        .ok_or_else(|| TransparencyError::Proof(format!("no event has log index {log_index}")))?;
    // At a signed size, check the proof against the signature before serving it: a damaged
    // stored node must not yield a wrong proof.
    if let Some(signed) = store
        .checkpoints(tree_size.checked_sub(1), tree_size, 1, false)
        .await?
        .pop()
        .filter(|c| c.size == tree_size)
    {
        domain::integrity::merkle::verify_inclusion(
            &leaf_hash(logged.event.hash.as_bytes()),
            log_index - 1,
            tree_size,
            &hashes,
            &signed.root,
        )
        .map_err(|e| {
            TransparencyError::Tree(format!(
                "the proof of log index {log_index} does not verify against the signed checkpoint ({e}); run `palimpsest verify`"
            ))
        })?;
    }
    Ok(InclusionProofFile {
        log_index,
        tree_size,
        event: ExportedEvent::from_stored(log_index, &logged.event),
        hashes: hashes.iter().map(hash_to_hex).collect(),
    })
}

/// The consistency proof between the trees of `old_size` and `new_size`.
pub async fn consistency_proof(
    store: &EventStore,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<TreeHash>, TransparencyError> {
    let integrated = store.tree_state().await?.size();
    if new_size > integrated {
        return Err(TransparencyError::Proof(format!(
            "tree size {new_size} is beyond the integrated log ({integrated} events)"
        )));
    }
    let ranges = consistency_proof_ranges(old_size, new_size)
        .map_err(|e| TransparencyError::Proof(e.to_string()))?;
    hashes_of(store, &ranges).await
}

/// The latest signed checkpoint, if any.
pub async fn latest_checkpoint(
    store: &EventStore,
) -> Result<Option<StoredCheckpoint>, TransparencyError> {
    Ok(store.checkpoints(None, u64::MAX, 1, true).await?.pop())
}

/// Integrates and signs a checkpoint of the whole integrated log, unless the latest one already
/// covers it. Refuses to sign a tree that does not extend the latest signed checkpoint.
pub async fn issue_checkpoint(
    store: &EventStore,
    key: &SigningKey,
    origin: &str,
) -> Result<StoredCheckpoint, TransparencyError> {
    if origin != key.name() {
        return Err(TransparencyError::Signing(format!(
            "the log's origin `{origin}` must be the signing key's name `{}`",
            key.name()
        )));
    }
    let tree = integrate_all(store).await?;
    let latest = latest_checkpoint(store).await?;
    if let Some(latest) = &latest {
        // Trust only what the signature covers, never the stored columns.
        let signed = signed_by(latest, key)?;
        if signed.size == tree.size() {
            if signed.root != tree.root() {
                return Err(TransparencyError::Inconsistent {
                    old_size: signed.size,
                    new_size: tree.size(),
                    reason: "same size, different root".into(),
                });
            }
            return Ok(latest.clone());
        }
        let proof = consistency_proof(store, signed.size, tree.size()).await?;
        verify_consistency(signed.size, tree.size(), &signed.root, &tree.root(), &proof).map_err(
            |e| TransparencyError::Inconsistent {
                old_size: signed.size,
                new_size: tree.size(),
                reason: e.to_string(),
            },
        )?;
    }
    let checkpoint = Checkpoint::new(origin, tree.size(), tree.root())
        .map_err(|e| TransparencyError::Signing(e.to_string()))?;
    let note = key
        .signed_note(&checkpoint)
        .map_err(|e| TransparencyError::Signing(e.to_string()))?;
    let stored = StoredCheckpoint {
        size: tree.size(),
        root: tree.root(),
        note,
        signed_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    if let Err(e) = store.insert_checkpoint(&stored).await {
        // Another signer got there first: same size, so it must be the same tree.
        let existing = store
            .checkpoints(stored.size.checked_sub(1), stored.size, 1, false)
            .await?
            .pop()
            .filter(|c| c.size == stored.size)
            .ok_or(TransparencyError::Store(e))?;
        let signed = signed_by(&existing, key)?;
        if signed.root != stored.root {
            return Err(TransparencyError::Inconsistent {
                old_size: signed.size,
                new_size: stored.size,
                reason: "a checkpoint of the same size with another root was stored meanwhile"
                    .into(),
            });
        }
        return Ok(existing);
    }
    Ok(stored)
}

/// Opens a stored checkpoint with this key: a log is signed by one key, so a checkpoint that does
/// not open with it means a wrong key was configured, or the row was forged.
pub fn signed_by(
    stored: &StoredCheckpoint,
    key: &SigningKey,
) -> Result<Checkpoint, TransparencyError> {
    let verifier = key.verifier_key();
    let signed = open_signed_checkpoint(&stored.note, &verifier).map_err(|e| {
        TransparencyError::ForeignKey {
            size: stored.size,
            key: key.verifier_key_string(),
            reason: e.to_string(),
        }
    })?;
    if signed.size != stored.size || signed.root != stored.root {
        return Err(TransparencyError::Inconsistent {
            old_size: signed.size,
            new_size: stored.size,
            reason: "the stored checkpoint's size or root differs from its signed note".into(),
        });
    }
    Ok(signed)
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    pub events: u64,
    pub checkpoints: u64,
    pub bytes: u64,
}

/// Writes the audit export (docs/integrity.md, "Export") up to a freshly signed checkpoint,
/// streaming the log page by page: memory does not grow with the log.
pub async fn write_export(
    store: &EventStore,
    key: &SigningKey,
    origin: &str,
    dir: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<ExportReport, TransparencyError> {
    let io = |path: &Path, e: std::io::Error| TransparencyError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let last = issue_checkpoint(store, key, origin).await?;

    let events_path = dir.join(EVENTS_FILE);
    let file = std::fs::File::create(&events_path).map_err(|e| io(&events_path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut after = 0;
    let mut bytes = 0u64;
    while after < last.size {
        let page = store
            .read_log(after, 2_000.min((last.size - after) as u32))
            .await?;
        if page.is_empty() {
            return Err(TransparencyError::Tree(format!(
                "the log ends at {after} but the checkpoint covers {}",
                last.size
            )));
        }
        for logged in &page {
            let line =
                serde_json::to_string(&ExportedEvent::from_stored(logged.log_index, &logged.event))
                    .expect("events serialise");
            bytes += line.len() as u64 + 1;
            writeln!(out, "{line}").map_err(|e| io(&events_path, e))?;
            after = logged.log_index;
        }
        progress(after, last.size);
    }
    out.flush().map_err(|e| io(&events_path, e))?;

    let checkpoints_path = dir.join(CHECKPOINTS_FILE);
    let file = std::fs::File::create(&checkpoints_path).map_err(|e| io(&checkpoints_path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut count = 0;
    let mut after_size = None;
    loop {
        let page = store
            .checkpoints(after_size, last.size, 1_000, false)
            .await?;
        let Some(tail) = page.last() else { break };
        after_size = Some(tail.size);
        for checkpoint in &page {
            let line = serde_json::to_string(&ExportedCheckpoint {
                size: checkpoint.size,
                note: checkpoint.note.clone(),
            })
            .expect("checkpoints serialise");
            writeln!(out, "{line}").map_err(|e| io(&checkpoints_path, e))?;
            count += 1;
        }
    }
    out.flush().map_err(|e| io(&checkpoints_path, e))?;

    let key_path = dir.join(PUBLIC_KEY_FILE);
    std::fs::write(&key_path, format!("{}\n", key.verifier_key_string()))
        .map_err(|e| io(&key_path, e))?;
    Ok(ExportReport {
        events: last.size,
        checkpoints: count,
        bytes,
    })
}
