//! The hash-chaining event store: appends events to per-stream blake3 chains and gives every
//! committed event a gapless global log index in commit order. Backend-neutral API here; the SQL
//! of each backend lives in [`sqlite`] and [`postgres`].
//!
//! What is durable when `append` returns `Ok`: every event of the batch, its hash and its log
//! index, committed in one transaction (SQLite: WAL with `synchronous=FULL`; PostgreSQL:
//! `synchronous_commit` as configured, on by default). On `Err` nothing of the batch was written.

mod postgres;
mod sqlite;

use std::collections::HashMap;

use chrono::Utc;
use domain::integrity::canonical::CanonicalError;
use domain::integrity::chain::{event_hash, EventHash, EventHashInput, RecordedAt, StoredEvent};
use futures::stream::BoxStream;
use serde_json::Value;

use crate::database::DatabaseUrl;

/// An event decided by an aggregate, not yet chained nor stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    pub stream_type: String,
    pub stream_id: String,
    /// Position in its stream, 1 for the first event.
    pub sequence: u64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    /// A JSON object of strings (`occurred_at`, `source`, `command_id`, …).
    pub metadata: Value,
    /// The participant on whose behalf the event was recorded.
    pub actor: String,
}

/// A stream another stream's events were decided against (e.g. the bill whose consultation
/// window a vote was checked in): the append fails if it has moved on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamGuard {
    pub stream_type: String,
    pub stream_id: String,
    /// The stream's length (last sequence) when the command was decided.
    pub expected_length: u64,
}

pub(crate) struct AppendOptions {
    pub guards: Vec<StreamGuard>,
    pub gate: Option<tokio::sync::oneshot::Receiver<()>>,
    pub idempotency: Option<IdempotencyClaim>,
}

/// A client's idempotency key, recorded in the same transaction as the command's events: a
/// retry finds it exactly when the first request committed, and never runs the command twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// Whose key it is (a digest of the bearer token): keys of different clients never clash.
    pub scope: String,
    pub key: String,
    /// A digest of the request (method, path, body): a key reused for another request is refused.
    pub fingerprint: String,
}

/// What was answered to the request that first used an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    pub fingerprint: String,
    pub response_id: String,
    pub log_index: u64,
    pub created_at: String,
}

/// What the store acknowledges for each appended event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedEvent {
    pub log_index: u64,
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    pub hash: EventHash,
    pub recorded_at: RecordedAt,
}

/// One stored event as the global log serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub log_index: u64,
    pub event: StoredEvent,
}

/// One entry of the global log, as `verify` walks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub log_index: u64,
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    /// The stored event hash (raw bytes as read; checked to be 32 bytes by `verify`).
    pub hash: Vec<u8>,
}

/// A stored Merkle node with what it must be computed from: for a leaf (level 0) the event hash
/// at its log index in `left`; for a higher node its two children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNodeLink {
    pub level: u32,
    pub idx: u64,
    pub hash: Vec<u8>,
    pub left: Option<Vec<u8>>,
    pub right: Option<Vec<u8>>,
}

/// The part of a stored event an aggregate needs to replay its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    pub sequence: u64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
}

/// A bearer token's record (the token itself is never stored, only its digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub participant: String,
    /// Comma-separated role names.
    pub roles: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Why a batch was not appended. Nothing of the batch is stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("stream {stream_type}/{stream_id} moved on: expected its last event to be number {expected_last}, found {found_last}; reload it and retry the command")]
    Conflict {
        stream_type: String,
        stream_id: String,
        expected_last: u64,
        found_last: u64,
    },
    #[error("another writer appended to the same stream at the same moment; reload it and retry the command")]
    RaceLost,
    #[error("the batch is malformed: {0}")]
    InvalidBatch(String),
    #[error("event {stream_type}/{stream_id}#{sequence} cannot be hashed: {source}")]
    NotCanonical {
        stream_type: String,
        stream_id: String,
        sequence: u64,
        source: Box<CanonicalError>,
    },
    #[error("the database is busy (another writer holds it); retry in a moment")]
    Busy,
    #[error("idempotency key `{key}` was already used by a committed request; answer with that request's response")]
    IdempotencyKeyUsed { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A database failure that is not about the events themselves.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot apply the {backend} migrations: {source}")]
    Migrate {
        backend: &'static str,
        source: sqlx::migrate::MigrateError,
    },
    #[error(
        "the database is read-only or full: {0}; free space or fix permissions, reads keep working"
    )]
    NotWritable(sqlx::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored row is unreadable ({context}): {message}")]
    CorruptRow { context: String, message: String },
}

/// One projection's active generation, how far it has folded the log, and whether it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionRow {
    pub name: String,
    pub active_generation: u64,
    /// The last log index folded into the active generation's documents.
    pub position: u64,
    pub updated_at: String,
    pub failed_at_index: Option<u64>,
    pub failure: Option<String>,
}

/// Documents changed by folding events up to `position`, written with that position in one
/// transaction. `None` deletes the document.
pub struct ProjectionCommit<'a> {
    pub name: &'a str,
    pub generation: u64,
    pub position: u64,
    pub changes: &'a [(String, Option<String>)],
    pub now: &'a str,
    /// Also make this generation the active one (the end of a rebuild).
    pub activate: bool,
}

/// How the store opens its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long an SQLite writer waits for another process's write lock before answering
    /// `AppendError::Busy` (a clear, retryable error; nothing is lost or half-written).
    pub sqlite_busy_timeout: std::time::Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_busy_timeout: std::time::Duration::from_secs(5),
        }
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PostgresBackend),
}

/// The event store of one database. Cheap to clone (pools inside).
#[derive(Clone)]
pub struct EventStore {
    backend: Backend,
    url: DatabaseUrl,
}

impl EventStore {
    /// Opens (creating an SQLite file when missing) and applies the pending migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        Self::open_with(url, StoreOptions::default()).await
    }

    /// Opens with explicit options.
    pub async fn open_with(url: &DatabaseUrl, options: StoreOptions) -> Result<Self, StoreError> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => Backend::Sqlite(
                sqlite::SqliteBackend::open(path, options.sqlite_busy_timeout).await?,
            ),
            DatabaseUrl::Postgres(pg) => {
                Backend::Postgres(postgres::PostgresBackend::open(pg).await?)
            }
        };
        Ok(Self {
            backend,
            url: url.clone(),
        })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn backend_name(&self) -> &'static str {
        self.url.backend_name()
    }

    /// Appends a batch in one transaction: chains each event to its stream, hands out the next
    /// log indexes, and commits. Events of one stream must be consecutive and in order.
    pub async fn append(&self, batch: &[PendingEvent]) -> Result<Vec<CommittedEvent>, AppendError> {
        self.append_gated(batch, None).await
    }

    /// Like [`append`](Self::append), but waits for `gate` after writing and before committing.
    /// Fault-injection tests use it to hold a transaction open while others try to commit.
    pub async fn append_gated(
        &self,
        batch: &[PendingEvent],
        gate: Option<tokio::sync::oneshot::Receiver<()>>,
    ) -> Result<Vec<CommittedEvent>, AppendError> {
        self.append_with(
            batch,
            AppendOptions {
                guards: Vec::new(),
                gate,
                idempotency: None,
            },
        )
        .await
    }

    /// Appends a batch only if every guarded stream still has the length the caller decided
    /// on (checked inside the transaction, under the log lock): a vote decided against an open
    /// consultation cannot commit after the bill's consultation was closed.
    pub async fn append_guarded(
        &self,
        batch: &[PendingEvent],
        guards: Vec<StreamGuard>,
    ) -> Result<Vec<CommittedEvent>, AppendError> {
        self.append_claimed(batch, guards, None).await
    }

    /// Like [`append_guarded`](Self::append_guarded), and records `claim` with the events in
    /// the same transaction; fails with `AppendError::IdempotencyKeyUsed` (writing nothing) if
    /// the key was recorded before.
    pub async fn append_claimed(
        &self,
        batch: &[PendingEvent],
        guards: Vec<StreamGuard>,
        claim: Option<IdempotencyClaim>,
    ) -> Result<Vec<CommittedEvent>, AppendError> {
        self.append_with(
            batch,
            AppendOptions {
                guards,
                gate: None,
                idempotency: claim,
            },
        )
        .await
    }

    async fn append_with(
        &self,
        batch: &[PendingEvent],
        options: AppendOptions,
    ) -> Result<Vec<CommittedEvent>, AppendError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        check_batch_shape(batch)?;
        let recorded_at = RecordedAt::from_datetime(Utc::now());
        match &self.backend {
            Backend::Sqlite(b) => b.append(batch, recorded_at, options).await,
            Backend::Postgres(b) => b.append(batch, recorded_at, options).await,
        }
    }

    /// The events of one stream in sequence order, for replaying an aggregate.
    pub async fn load_stream(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<Vec<StreamEvent>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.load_stream(stream_type, stream_id).await,
            Backend::Postgres(b) => b.load_stream(stream_type, stream_id).await,
        }
    }

    /// Whether a stream has at least one event.
    pub async fn stream_exists(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.stream_length(stream_type, stream_id).await? > 0)
    }

    /// The sequence number of the last event of a stream, 0 when it has none.
    pub async fn stream_length(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.stream_length(stream_type, stream_id).await,
            Backend::Postgres(b) => b.stream_length(stream_type, stream_id).await,
        }
    }

    /// Committed events with a log index greater than `after`, in log order, at most `limit`.
    pub async fn read_log(&self, after: u64, limit: u32) -> Result<Vec<LoggedEvent>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.read_log(after, limit).await,
            Backend::Postgres(b) => b.read_log(after, limit).await,
        }
    }

    /// The number of committed events (= the highest log index).
    pub async fn log_size(&self) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.log_size().await,
            Backend::Postgres(b) => b.log_size().await,
        }
    }

    /// Every stored event ordered by stream then sequence, streamed with constant memory.
    pub fn events_by_stream(&self) -> BoxStream<'_, Result<LoggedEvent, StoreError>> {
        match &self.backend {
            Backend::Sqlite(b) => b.events_by_stream(),
            Backend::Postgres(b) => b.events_by_stream(),
        }
    }

    /// Every stored log entry in log order, streamed, with the stream it belongs to.
    pub fn log_indexes(&self) -> BoxStream<'_, Result<LogEntry, StoreError>> {
        match &self.backend {
            Backend::Sqlite(b) => b.log_indexes(),
            Backend::Postgres(b) => b.log_indexes(),
        }
    }

    /// Stores a new token digest for a participant.
    pub async fn insert_token(&self, digest: &str, record: &TokenRecord) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.insert_token(digest, record).await,
            Backend::Postgres(b) => b.insert_token(digest, record).await,
        }
    }

    /// The record of a token digest, revoked or not.
    pub async fn find_token(&self, digest: &str) -> Result<Option<TokenRecord>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.find_token(digest).await,
            Backend::Postgres(b) => b.find_token(digest).await,
        }
    }

    /// The response recorded for an idempotency key, if a request with it committed.
    pub async fn find_idempotent_response(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.find_idempotent_response(scope, key).await,
            Backend::Postgres(b) => b.find_idempotent_response(scope, key).await,
        }
    }

    /// Forgets the idempotency keys recorded before `before` (a retry with one of them is then
    /// a new request); returns how many were forgotten.
    pub async fn forget_idempotency_keys(&self, before: RecordedAt) -> Result<u64, StoreError> {
        let before = before.to_fixed_string();
        match &self.backend {
            Backend::Sqlite(b) => b.forget_idempotency_keys(&before).await,
            Backend::Postgres(b) => b.forget_idempotency_keys(&before).await,
        }
    }

    /// Marks every token with this label as revoked; returns how many were.
    pub async fn revoke_tokens(&self, label: &str, at: &str) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.revoke_tokens(label, at).await,
            Backend::Postgres(b) => b.revoke_tokens(label, at).await,
        }
    }

    /// Adds committed events not yet in the Merkle tree (at most `limit`), in one transaction.
    pub async fn integrate(
        &self,
        limit: u32,
    ) -> Result<domain::integrity::merkle::TreeState, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.integrate(limit).await,
            Backend::Postgres(b) => b.integrate(limit).await,
        }
    }

    /// The Merkle tree as integrated so far.
    pub async fn tree_state(&self) -> Result<domain::integrity::merkle::TreeState, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.tree_state().await,
            Backend::Postgres(b) => b.tree_state().await,
        }
    }

    /// The hash of the perfect subtree at `level` covering leaves `[idx·2^level, (idx+1)·2^level)`.
    pub async fn tree_node(
        &self,
        level: u32,
        idx: u64,
    ) -> Result<Option<domain::integrity::merkle::TreeHash>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.tree_node(level, idx).await,
            Backend::Postgres(b) => b.tree_node(level, idx).await,
        }
    }

    pub async fn insert_checkpoint(
        &self,
        checkpoint: &crate::transparency::StoredCheckpoint,
    ) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.insert_checkpoint(checkpoint).await,
            Backend::Postgres(b) => b.insert_checkpoint(checkpoint).await,
        }
    }

    /// Signed checkpoints with `after_size < size <= up_to_size`, ascending or newest first.
    pub async fn checkpoints(
        &self,
        after_size: Option<u64>,
        up_to_size: u64,
        limit: u32,
        newest_first: bool,
    ) -> Result<Vec<crate::transparency::StoredCheckpoint>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => {
                b.checkpoints(after_size, up_to_size, limit, newest_first)
                    .await
            }
            Backend::Postgres(b) => {
                b.checkpoints(after_size, up_to_size, limit, newest_first)
                    .await
            }
        }
    }

    /// The log index of one event, named by its stream and sequence.
    pub async fn log_index_of(
        &self,
        stream_type: &str,
        stream_id: &str,
        sequence: u64,
    ) -> Result<Option<u64>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.log_index_of(stream_type, stream_id, sequence).await,
            Backend::Postgres(b) => b.log_index_of(stream_type, stream_id, sequence).await,
        }
    }

    /// Every stored Merkle node with its inputs, by level then index (for `verify`).
    pub fn tree_node_links(&self) -> BoxStream<'_, Result<TreeNodeLink, StoreError>> {
        match &self.backend {
            Backend::Sqlite(b) => b.tree_node_links(),
            Backend::Postgres(b) => b.tree_node_links(),
        }
    }

    /// The SQLite pool, for tests that tamper with the database on purpose.
    /// Registers a projection (generation 1 at position 0) unless it exists; returns its row.
    pub async fn projection_register(
        &self,
        name: &str,
        now: &str,
    ) -> Result<ProjectionRow, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_register(name, now).await,
            Backend::Postgres(b) => b.projection_register(name, now).await,
        }
    }

    pub async fn projection_status(&self, name: &str) -> Result<Option<ProjectionRow>, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_status(name).await,
            Backend::Postgres(b) => b.projection_status(name).await,
        }
    }

    /// A generation's position and all its documents (key order), read as one snapshot.
    pub async fn projection_load(
        &self,
        name: &str,
        generation: u64,
    ) -> Result<(u64, Vec<(String, String)>), StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_load(name, generation).await,
            Backend::Postgres(b) => b.projection_load(name, generation).await,
        }
    }

    /// Writes documents and the new position in one transaction. False (nothing written) when
    /// the generation is already at or beyond `position` — another process folded the same
    /// events into the same documents — or no longer exists.
    pub async fn projection_commit(
        &self,
        commit: &ProjectionCommit<'_>,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_commit(commit).await,
            Backend::Postgres(b) => b.projection_commit(commit).await,
        }
    }

    /// A new, empty, inactive generation (for a rebuild beside the active one).
    pub async fn projection_new_generation(
        &self,
        name: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_new_generation(name, now).await,
            Backend::Postgres(b) => b.projection_new_generation(name, now).await,
        }
    }

    /// Deletes every generation but the active one; returns the documents deleted.
    pub async fn projection_drop_inactive(&self, name: &str) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_drop_inactive(name).await,
            Backend::Postgres(b) => b.projection_drop_inactive(name).await,
        }
    }

    /// Records (or clears) the event a projection stopped on.
    pub async fn projection_record_failure(
        &self,
        name: &str,
        failure: Option<(u64, &str)>,
    ) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(b) => b.projection_record_failure(name, failure).await,
            Backend::Postgres(b) => b.projection_record_failure(name, failure).await,
        }
    }

    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.backend {
            Backend::Sqlite(b) => Some(b.writer()),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for tests that tamper with the database on purpose.
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(b) => Some(b.pool()),
        }
    }
}

fn check_batch_shape(batch: &[PendingEvent]) -> Result<(), AppendError> {
    let mut next_expected: HashMap<(&str, &str), u64> = HashMap::new();
    for event in batch {
        if event.sequence == 0 {
            return Err(AppendError::InvalidBatch(format!(
                "event {}/{} has sequence 0; sequences start at 1",
                event.stream_type, event.stream_id
            )));
        }
        if !event.metadata.is_object() {
            return Err(AppendError::InvalidBatch(format!(
                "event {}/{}#{} has metadata that is not a JSON object",
                event.stream_type, event.stream_id, event.sequence
            )));
        }
        if let Some(path) =
            nul_character(&event.payload, "$").or_else(|| nul_character(&event.metadata, "$"))
        {
            return Err(AppendError::InvalidBatch(format!(
                "event {}/{}#{} holds a NUL character (U+0000) at {path}; PostgreSQL cannot store it, so neither backend accepts it",
                event.stream_type, event.stream_id, event.sequence
            )));
        }
        let key = (event.stream_type.as_str(), event.stream_id.as_str());
        if let Some(expected) = next_expected.get(&key) {
            if *expected != event.sequence {
                return Err(AppendError::InvalidBatch(format!(
                    "stream {}/{}: event number {} follows number {} in the batch",
                    event.stream_type,
                    event.stream_id,
                    event.sequence,
                    expected - 1
                )));
            }
        }
        next_expected.insert(key, event.sequence + 1);
    }
    Ok(())
}

/// The path of the first string (or key) holding U+0000, which jsonb cannot store.
fn nul_character(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_character(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(format!("{path}.{k:?}"))
            } else {
                nul_character(v, &format!("{path}.{k}"))
            }
        }),
        _ => None,
    }
}

/// The first event of each stream in a batch, whose predecessor must be read from the database.
pub(crate) fn stream_heads(batch: &[PendingEvent]) -> Vec<(&str, &str, u64)> {
    let mut seen = std::collections::HashSet::new();
    batch
        .iter()
        .filter(|e| seen.insert((e.stream_type.as_str(), e.stream_id.as_str())))
        .map(|e| (e.stream_type.as_str(), e.stream_id.as_str(), e.sequence))
        .collect()
}

/// An event with everything that goes into its row.
pub(crate) struct SealedEvent<'a> {
    pub pending: &'a PendingEvent,
    pub recorded_at: RecordedAt,
    pub previous: EventHash,
    pub hash: EventHash,
    pub log_index: u64,
}

/// Chains a checked batch: `last_hashes` holds, for every stream of the batch, the hash of the
/// event stored just before the batch's first one (GENESIS for a new stream).
pub(crate) fn seal<'a>(
    batch: &'a [PendingEvent],
    last_hashes: &HashMap<(String, String), EventHash>,
    first_log_index: u64,
    recorded_at: RecordedAt,
) -> Result<Vec<SealedEvent<'a>>, AppendError> {
    let mut previous: HashMap<(&str, &str), EventHash> = HashMap::new();
    let mut sealed = Vec::with_capacity(batch.len());
    for (offset, event) in batch.iter().enumerate() {
        let key = (event.stream_type.as_str(), event.stream_id.as_str());
        let prev = match previous.get(&key) {
            Some(hash) => *hash,
            None => *last_hashes
                .get(&(event.stream_type.clone(), event.stream_id.clone()))
                .ok_or_else(|| {
                    AppendError::InvalidBatch(format!(
                        "no predecessor known for {}/{}#{}",
                        event.stream_type, event.stream_id, event.sequence
                    ))
                })?,
        };
        let hash = event_hash(&EventHashInput {
            stream_type: &event.stream_type,
            stream_id: &event.stream_id,
            sequence: event.sequence,
            event_type: &event.event_type,
            event_version: &event.event_version,
            payload: &event.payload,
            metadata: &event.metadata,
            recorded_at,
            actor: &event.actor,
            previous: prev,
        })
        .map_err(|source| AppendError::NotCanonical {
            stream_type: event.stream_type.clone(),
            stream_id: event.stream_id.clone(),
            sequence: event.sequence,
            source: Box::new(source),
        })?;
        previous.insert(key, hash);
        sealed.push(SealedEvent {
            pending: event,
            recorded_at,
            previous: prev,
            hash,
            log_index: first_log_index + offset as u64,
        });
    }
    Ok(sealed)
}

impl SealedEvent<'_> {
    pub(crate) fn committed(&self) -> CommittedEvent {
        CommittedEvent {
            log_index: self.log_index,
            stream_type: self.pending.stream_type.clone(),
            stream_id: self.pending.stream_id.clone(),
            sequence: self.pending.sequence,
            hash: self.hash,
            recorded_at: self.recorded_at,
        }
    }
}

/// Builds the stored event from the raw column values shared by both backends.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stored_event_from_columns(
    stream_type: String,
    stream_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: Value,
    metadata: Value,
    recorded_at: &str,
    actor: String,
    prev_hash: &[u8],
    hash: &[u8],
) -> Result<StoredEvent, StoreError> {
    let context = || format!("{stream_type}/{stream_id}#{sequence}");
    let to_hash = |bytes: &[u8], column: &str| -> Result<EventHash, StoreError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::CorruptRow {
            context: context(),
            message: format!("{column} has {} bytes instead of 32", bytes.len()),
        })?;
        Ok(EventHash(array))
    };
    let recorded_at = RecordedAt::parse_fixed(recorded_at).map_err(|e| StoreError::CorruptRow {
        context: context(),
        message: format!("recorded_at `{recorded_at}` is not in the fixed form: {e}"),
    })?;
    Ok(StoredEvent {
        previous: to_hash(prev_hash, "prev_hash")?,
        hash: to_hash(hash, "hash")?,
        sequence: u64::try_from(sequence).map_err(|_| StoreError::CorruptRow {
            context: context(),
            message: "negative sequence".into(),
        })?,
        stream_type,
        stream_id,
        event_type,
        event_version,
        payload,
        metadata,
        recorded_at,
        actor,
    })
}
