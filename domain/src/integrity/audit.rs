//! Offline verification of an audit export (docs/integrity.md, "Export"), line by line and pure:
//! the caller reads the files and feeds the lines, so the same code serves the `palimpsest verify`
//! command, tests, and any client that wants to check the log without the server. Memory grows
//! with the number of streams (about 60 bytes each: a digest of the stream's name, its last
//! sequence and hash), not with the number of events or their size.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::parse_strict_json;
use super::chain::{event_hash, EventHash, EventHashInput, RecordedAt, StoredEvent};
use super::checkpoint::{open_signed_checkpoint, Checkpoint, VerifierKey};
use super::merkle::{
    empty_root, hash_from_hex, hash_to_hex, leaf_hash, verify_inclusion, TreeHash, TreeState,
};

pub const EVENTS_FILE: &str = "events.ndjson";
pub const CHECKPOINTS_FILE: &str = "checkpoints.ndjson";
pub const PUBLIC_KEY_FILE: &str = "public-key.vkey";

/// One line of `events.ndjson`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedEvent {
    pub log_index: u64,
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: Value,
    pub recorded_at: String,
    pub actor: String,
    pub previous: String,
    pub hash: String,
}

impl ExportedEvent {
    pub fn from_stored(log_index: u64, e: &StoredEvent) -> Self {
        Self {
            log_index,
            stream_type: e.stream_type.clone(),
            stream_id: e.stream_id.clone(),
            sequence: e.sequence,
            event_type: e.event_type.clone(),
            event_version: e.event_version.clone(),
            payload: e.payload.clone(),
            metadata: e.metadata.clone(),
            recorded_at: e.recorded_at.to_fixed_string(),
            actor: e.actor.clone(),
            previous: e.previous.to_hex(),
            hash: e.hash.to_hex(),
        }
    }

    /// Recomputes this event's hash from its fields and the given predecessor.
    pub fn recompute(&self, previous: EventHash) -> Result<EventHash, String> {
        let recorded_at = RecordedAt::parse_fixed(&self.recorded_at)
            .map_err(|e| format!("recorded_at `{}`: {e}", self.recorded_at))?;
        event_hash(&EventHashInput {
            stream_type: &self.stream_type,
            stream_id: &self.stream_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            event_version: &self.event_version,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at,
            actor: &self.actor,
            previous,
        })
        .map_err(|e| e.to_string())
    }
}

/// One line of `checkpoints.ndjson`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedCheckpoint {
    pub size: u64,
    pub note: String,
}

/// Where an export is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AuditError {
    pub file: &'static str,
    /// 1-based line; 0 when the problem is the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{} line {}: {}", self.file, self.line, self.message)
        }
    }
}

fn error(file: &'static str, line: usize, message: impl Into<String>) -> AuditError {
    AuditError {
        file,
        line,
        message: message.into(),
    }
}

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub events: u64,
    pub streams: u64,
    pub checkpoints: u64,
    pub root: TreeHash,
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok: {} events in {} streams, {} checkpoints verified, root {} at size {}",
            self.events,
            self.streams,
            self.checkpoints,
            hash_to_hex(&self.root),
            self.events
        )
    }
}

fn stream_key(stream_type: &str, stream_id: &str) -> [u8; 16] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&(stream_type.len() as u64).to_be_bytes());
    hasher.update(stream_type.as_bytes());
    hasher.update(stream_id.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    key
}

/// Verifies an export fed line by line: first every checkpoint line, then every event line.
pub struct ExportVerifier {
    key: VerifierKey,
    last_size: Option<u64>,
    checkpoints_seen: u64,
    checkpoints: Vec<(usize, Checkpoint)>,
    next_checkpoint: usize,
    /// Per stream (keyed by a 16-byte digest of its type and id, to keep memory small): its
    /// last sequence and recomputed hash.
    streams: HashMap<[u8; 16], (u64, EventHash)>,
    tree: TreeState,
}

impl ExportVerifier {
    pub fn new(key: VerifierKey) -> Self {
        Self {
            key,
            last_size: None,
            checkpoints_seen: 0,
            checkpoints: Vec::new(),
            next_checkpoint: 0,
            streams: HashMap::new(),
            tree: TreeState::new(),
        }
    }

    pub fn add_checkpoint_line(&mut self, line: usize, text: &str) -> Result<(), AuditError> {
        let at = |m: String| error(CHECKPOINTS_FILE, line, m);
        let value = parse_strict_json(text).map_err(|e| at(format!("not acceptable JSON: {e}")))?;
        let exported: ExportedCheckpoint =
            serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
        let checkpoint = open_signed_checkpoint(&exported.note, &self.key)
            .map_err(|e| at(format!("signed checkpoint refused: {e}")))?;
        if checkpoint.size != exported.size {
            return Err(at(format!(
                "the line says size {} but its signed checkpoint says {}",
                exported.size, checkpoint.size
            )));
        }
        if checkpoint.origin != self.key.name() {
            return Err(at(format!(
                "checkpoint of log `{}`, but the key is the log `{}`'s",
                checkpoint.origin,
                self.key.name()
            )));
        }
        if let Some(last) = self.last_size {
            if checkpoint.size <= last {
                return Err(at(format!(
                    "checkpoint sizes must increase: {} after {last}",
                    checkpoint.size
                )));
            }
        }
        self.last_size = Some(checkpoint.size);
        self.checkpoints_seen += 1;
        if checkpoint.size == 0 {
            // The empty tree: nothing to wait for.
            if checkpoint.root != empty_root() {
                return Err(at("a checkpoint of size 0 must have the empty root".into()));
            }
            return Ok(());
        }
        self.checkpoints.push((line, checkpoint));
        Ok(())
    }

    /// Adds a checkpoint the auditor got elsewhere (the API, a witness): the export must reach
    /// it and agree with it, so an export cut back to an older checkpoint is refused.
    pub fn require_checkpoint(&mut self, note: &str) -> Result<(), AuditError> {
        let at = |m: String| error("--checkpoint", 0, m);
        let checkpoint = open_signed_checkpoint(note, &self.key)
            .map_err(|e| at(format!("signed checkpoint refused: {e}")))?;
        if checkpoint.origin != self.key.name() {
            return Err(at(format!("checkpoint of log `{}`", checkpoint.origin)));
        }
        match self
            .checkpoints
            .iter()
            .position(|(_, c)| c.size >= checkpoint.size)
        {
            Some(i) if self.checkpoints[i].1.size == checkpoint.size => {
                if self.checkpoints[i].1.root != checkpoint.root {
                    return Err(at(format!(
                        "the export's checkpoint of size {} has another root: the log forked",
                        checkpoint.size
                    )));
                }
            }
            Some(i) => self.checkpoints.insert(i, (0, checkpoint)),
            None => self.checkpoints.push((0, checkpoint)),
        }
        Ok(())
    }

    pub fn add_event_line(&mut self, line: usize, text: &str) -> Result<(), AuditError> {
        let at = |m: String| error(EVENTS_FILE, line, m);
        let value = parse_strict_json(text).map_err(|e| at(format!("not acceptable JSON: {e}")))?;
        let event: ExportedEvent = serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
        let expected_index = self.tree.size() + 1;
        if event.log_index != expected_index {
            return Err(at(format!(
                "log index {} where {expected_index} was expected (a line was deleted, added or moved)",
                event.log_index
            )));
        }
        let stream = stream_key(&event.stream_type, &event.stream_id);
        let (last_sequence, previous) = self
            .streams
            .get(&stream)
            .copied()
            .unwrap_or((0, EventHash::GENESIS));
        let name = format!("{}/{}", event.stream_type, event.stream_id);
        if event.sequence != last_sequence + 1 {
            return Err(at(format!(
                "stream {name}: sequence {} follows {last_sequence} (the stream was forked, cut or reordered)",
                event.sequence
            )));
        }
        let stored_previous = EventHash::from_hex(&event.previous)
            .map_err(|e| at(format!("stream {name}: previous: {e}")))?;
        if stored_previous != previous {
            return Err(at(format!(
                "stream {name} sequence {}: previous hash {} is not the hash of the stream's event {last_sequence} ({previous})",
                event.sequence, event.previous
            )));
        }
        let computed = event
            .recompute(previous)
            .map_err(|e| at(format!("stream {name} sequence {}: {e}", event.sequence)))?;
        let stored = EventHash::from_hex(&event.hash)
            .map_err(|e| at(format!("stream {name}: hash: {e}")))?;
        if stored != computed {
            return Err(at(format!(
                "stream {name} sequence {}: stored hash {stored} does not match the recomputed {computed} (the event was altered)",
                event.sequence
            )));
        }
        self.streams.insert(stream, (event.sequence, computed));
        self.append_leaf(line, computed)
    }

    /// Verifies everything about an event line except its link to the previous event of its
    /// stream (hash recomputed from the line's own `previous`, log index, tree, checkpoints), and
    /// returns the link for a [`LinkChecker`] fed in stream order. This keeps memory flat however
    /// many streams the log has: the caller sorts the links outside memory.
    pub fn add_event_line_unlinked(
        &mut self,
        line: usize,
        text: &str,
    ) -> Result<LinkRecord, AuditError> {
        let at = |m: String| error(EVENTS_FILE, line, m);
        let value = parse_strict_json(text).map_err(|e| at(format!("not acceptable JSON: {e}")))?;
        let event: ExportedEvent = serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
        let expected_index = self.tree.size() + 1;
        if event.log_index != expected_index {
            return Err(at(format!(
                "log index {} where {expected_index} was expected (a line was deleted, added or moved)",
                event.log_index
            )));
        }
        let name = format!("{}/{}", event.stream_type, event.stream_id);
        if event.sequence == 0 {
            return Err(at(format!(
                "stream {name}: sequence 0; sequences start at 1"
            )));
        }
        let previous = EventHash::from_hex(&event.previous)
            .map_err(|e| at(format!("stream {name}: previous: {e}")))?;
        let computed = event
            .recompute(previous)
            .map_err(|e| at(format!("stream {name} sequence {}: {e}", event.sequence)))?;
        let stored = EventHash::from_hex(&event.hash)
            .map_err(|e| at(format!("stream {name}: hash: {e}")))?;
        if stored != computed {
            return Err(at(format!(
                "stream {name} sequence {}: stored hash {stored} does not match the recomputed {computed} (the event was altered)",
                event.sequence
            )));
        }
        self.append_leaf(line, computed)?;
        Ok(LinkRecord {
            stream: stream_key(&event.stream_type, &event.stream_id),
            sequence: event.sequence,
            hash: computed.0,
            previous: previous.0,
            line: line as u64,
        })
    }

    fn append_leaf(&mut self, line: usize, computed: EventHash) -> Result<(), AuditError> {
        let at = |m: String| error(EVENTS_FILE, line, m);
        self.tree
            .append(leaf_hash(computed.as_bytes()))
            .map_err(|e| at(e.to_string()))?;
        if let Some((checkpoint_line, checkpoint)) = self.checkpoints.get(self.next_checkpoint) {
            if checkpoint.size == self.tree.size() {
                if checkpoint.root != self.tree.root() {
                    return Err(at(format!(
                        "the tree of the first {} events has root {}, but the signed checkpoint ({CHECKPOINTS_FILE} line {checkpoint_line}) says {}",
                        checkpoint.size,
                        hash_to_hex(&self.tree.root()),
                        hash_to_hex(&checkpoint.root)
                    )));
                }
                self.next_checkpoint += 1;
            }
        }
        Ok(())
    }

    /// Like [`finish`](Self::finish) after [`add_event_line_unlinked`](Self::add_event_line_unlinked):
    /// the stream count comes from the [`LinkChecker`].
    pub fn finish_unlinked(self, links: LinkChecker) -> Result<AuditReport, AuditError> {
        let streams = links.finish()?;
        let mut report = self.finish()?;
        report.streams = streams;
        Ok(report)
    }

    /// Number of events verified so far.
    pub fn events(&self) -> u64 {
        self.tree.size()
    }

    pub fn finish(self) -> Result<AuditReport, AuditError> {
        if let Some((line, checkpoint)) = self.checkpoints.get(self.next_checkpoint) {
            return Err(error(
                if *line == 0 { "--checkpoint" } else { CHECKPOINTS_FILE },
                *line,
                format!(
                    "signed checkpoint of size {} but the export has only {} events (the tail was dropped)",
                    checkpoint.size,
                    self.tree.size()
                ),
            ));
        }
        if self.checkpoints_seen == 0 {
            return Err(error(
                CHECKPOINTS_FILE,
                0,
                "no signed checkpoint: nothing in this export is signed",
            ));
        }
        let signed = self.checkpoints.last().map_or(0, |(_, c)| c.size);
        if signed != self.tree.size() {
            return Err(error(
                EVENTS_FILE,
                0,
                format!(
                    "{} events but the last signed checkpoint covers {signed}: events after it are not signed (lines were added)",
                    self.tree.size()
                ),
            ));
        }
        Ok(AuditReport {
            events: self.tree.size(),
            streams: self.streams.len() as u64,
            checkpoints: self.checkpoints_seen,
            root: self.tree.root(),
        })
    }
}

/// The link of one event to its stream's previous event, for [`LinkChecker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkRecord {
    /// Digest of the stream's type and id (sort key, with `sequence` and `line`).
    pub stream: [u8; 16],
    pub sequence: u64,
    pub line: u64,
    pub hash: [u8; 32],
    pub previous: [u8; 32],
}

impl LinkRecord {
    pub const BYTES: usize = 16 + 8 + 8 + 32 + 32;

    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        out[..16].copy_from_slice(&self.stream);
        out[16..24].copy_from_slice(&self.sequence.to_be_bytes());
        out[24..32].copy_from_slice(&self.line.to_be_bytes());
        out[32..64].copy_from_slice(&self.hash);
        out[64..].copy_from_slice(&self.previous);
        out
    }

    pub fn from_bytes(bytes: &[u8; Self::BYTES]) -> Self {
        let mut stream = [0u8; 16];
        stream.copy_from_slice(&bytes[..16]);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&bytes[32..64]);
        let mut previous = [0u8; 32];
        previous.copy_from_slice(&bytes[64..]);
        Self {
            stream,
            sequence: u64::from_be_bytes(bytes[16..24].try_into().expect("8 bytes")),
            line: u64::from_be_bytes(bytes[24..32].try_into().expect("8 bytes")),
            hash,
            previous,
        }
    }
}

/// Checks the per-stream links of an export, fed [`LinkRecord`]s sorted by stream, sequence and
/// line: each stream starts at sequence 1 from GENESIS, and each later event follows the
/// previous one by exactly one and names its hash. Reports the failure with the smallest line.
#[derive(Debug, Default)]
pub struct LinkChecker {
    current: Option<([u8; 16], u64, [u8; 32])>,
    streams: u64,
    first_failure: Option<(u64, String)>,
}

impl LinkChecker {
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, line: u64, message: String) {
        if self.first_failure.as_ref().is_none_or(|(l, _)| line < *l) {
            self.first_failure = Some((line, message));
        }
    }

    pub fn check(&mut self, r: &LinkRecord) {
        match self.current {
            Some((stream, sequence, hash)) if stream == r.stream => {
                if r.sequence != sequence + 1 {
                    self.fail(
                        r.line,
                        format!(
                            "sequence {} of its stream follows sequence {sequence} (the stream was forked, cut or reordered)",
                            r.sequence
                        ),
                    );
                } else if r.previous != hash {
                    self.fail(
                        r.line,
                        format!(
                            "sequence {}: previous hash {} is not the hash of its stream's event {sequence}",
                            r.sequence,
                            EventHash(r.previous)
                        ),
                    );
                }
            }
            _ => {
                self.streams += 1;
                if r.sequence != 1 {
                    self.fail(
                        r.line,
                        format!(
                            "its stream starts at sequence {} (the earlier events are missing)",
                            r.sequence
                        ),
                    );
                } else if r.previous != EventHash::GENESIS.0 {
                    self.fail(
                        r.line,
                        "sequence 1 must chain from GENESIS (32 zero bytes)".into(),
                    );
                }
            }
        }
        self.current = Some((r.stream, r.sequence, r.hash));
    }

    /// The number of streams, or the first (by line) broken link.
    pub fn finish(self) -> Result<u64, AuditError> {
        match self.first_failure {
            Some((line, message)) => Err(error(EVENTS_FILE, line as usize, message)),
            None => Ok(self.streams),
        }
    }
}

/// An inclusion proof as served by the API and checked by `palimpsest verify --proof`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProofFile {
    pub log_index: u64,
    pub tree_size: u64,
    pub event: ExportedEvent,
    pub hashes: Vec<String>,
}

/// Checks one event's inclusion in a signed checkpoint; returns the checkpoint.
pub fn verify_inclusion_file(
    proof_json: &str,
    checkpoint_note: &str,
    key: &VerifierKey,
) -> Result<Checkpoint, String> {
    let checkpoint = open_signed_checkpoint(checkpoint_note, key)
        .map_err(|e| format!("checkpoint refused: {e}"))?;
    if checkpoint.origin != key.name() {
        return Err(format!(
            "the checkpoint is of log `{}`, but the key is the log `{}`'s",
            checkpoint.origin,
            key.name()
        ));
    }
    let value = parse_strict_json(proof_json).map_err(|e| format!("proof: {e}"))?;
    let proof: InclusionProofFile =
        serde_json::from_value(value).map_err(|e| format!("proof: {e}"))?;
    if proof.tree_size != checkpoint.size {
        return Err(format!(
            "the proof is for a tree of {} but the checkpoint is of size {}",
            proof.tree_size, checkpoint.size
        ));
    }
    if proof.event.log_index != proof.log_index || proof.log_index == 0 {
        return Err(format!(
            "the proof is for log index {} but its event has log index {}",
            proof.log_index, proof.event.log_index
        ));
    }
    let previous = EventHash::from_hex(&proof.event.previous).map_err(|e| format!("event: {e}"))?;
    let computed = proof.event.recompute(previous)?;
    if computed.to_hex() != proof.event.hash {
        return Err(format!(
            "the event's stored hash {} does not match the recomputed {computed}",
            proof.event.hash
        ));
    }
    let hashes = proof
        .hashes
        .iter()
        .map(|h| hash_from_hex(h).map_err(|e| format!("proof hash: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    verify_inclusion(
        &leaf_hash(computed.as_bytes()),
        proof.log_index - 1,
        proof.tree_size,
        &hashes,
        &checkpoint.root,
    )
    .map_err(|e| e.to_string())?;
    Ok(checkpoint)
}
