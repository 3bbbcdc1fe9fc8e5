//! All SQL of the PostgreSQL backend. Appends take the `log_head` row lock first and hold it to
//! commit: log indexes are then gapless and in commit order, so a reader following the log by
//! index can never skip an event that commits late (there is no "late" commit).

use std::collections::HashMap;

use domain::integrity::chain::{EventHash, RecordedAt};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use super::{
    seal, stored_event_from_columns, stream_heads, AppendError, AppendOptions, CommittedEvent,
    IdempotentResponse, LogEntry, LoggedEvent, PendingEvent, ProjectionCommit, ProjectionRow,
    StoreError, StreamEvent, TokenRecord, TreeNodeLink,
};
use crate::transparency::{grow_tree, tree_state_from, tree_state_json, StoredCheckpoint};
use domain::integrity::merkle::{TreeHash, TreeState};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// PostgreSQL allows 65,535 bound parameters per statement; 12 columns per row.
const ROWS_PER_INSERT: usize = 4_000;

macro_rules! event_columns {
    () => {
        "aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, \
         recorded_at, actor, prev_hash, hash, log_index"
    };
}

#[derive(Clone)]
pub(super) struct PostgresBackend {
    pool: PgPool,
}

impl PostgresBackend {
    pub(super) async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact(url),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                backend: "postgres",
                source,
            })?;
        Ok(Self { pool })
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(super) async fn append(
        &self,
        batch: &[PendingEvent],
        recorded_at: RecordedAt,
        options: AppendOptions,
    ) -> Result<Vec<CommittedEvent>, AppendError> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        // Taken first and held to commit: serialises appenders, so the reads below see every
        // committed event and the indexes follow commit order.
        let first_index: i64 = sqlx::query_scalar(
            "UPDATE log_head SET next_index = next_index + $1 WHERE id = 1 \
             RETURNING next_index - $1",
        )
        .bind(batch.len() as i64)
        .fetch_one(&mut *tx)
        .await
        .map_err(classify)?;

        if let Some(claim) = &options.idempotency {
            let used: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(&claim.scope)
                    .bind(&claim.key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(classify)?;
            if used.is_some() {
                return Err(AppendError::IdempotencyKeyUsed {
                    key: claim.key.clone(),
                });
            }
        }
        for guard in &options.guards {
            let length: Option<i64> = sqlx::query_scalar(
                "SELECT max(sequence) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2",
            )
            .bind(&guard.stream_type)
            .bind(&guard.stream_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(classify)?;
            let found = length.unwrap_or(0) as u64;
            if found != guard.expected_length {
                return Err(AppendError::Conflict {
                    stream_type: guard.stream_type.clone(),
                    stream_id: guard.stream_id.clone(),
                    expected_last: guard.expected_length,
                    found_last: found,
                });
            }
        }
        let mut last_hashes = HashMap::new();
        for (stream_type, stream_id, first_sequence) in stream_heads(batch) {
            if first_sequence == 1 {
                // A new stream chains from GENESIS; if it exists after all, the primary key
                // refuses the insert (RaceLost) and nothing is written.
                last_hashes.insert(
                    (stream_type.to_string(), stream_id.to_string()),
                    EventHash::GENESIS,
                );
                continue;
            }
            let row = sqlx::query(
                "SELECT sequence, hash FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 \
                 ORDER BY sequence DESC LIMIT 1",
            )
            .bind(stream_type)
            .bind(stream_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?;
            let (last_sequence, last_hash) = match row {
                None => (0, EventHash::GENESIS),
                Some(row) => {
                    let bytes: Vec<u8> = row.get(1);
                    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::CorruptRow {
                        context: format!("{stream_type}/{stream_id}"),
                        message: "hash is not 32 bytes".into(),
                    })?;
                    (row.get::<i64, _>(0) as u64, EventHash(array))
                }
            };
            if last_sequence + 1 != first_sequence {
                return Err(AppendError::Conflict {
                    stream_type: stream_type.to_string(),
                    stream_id: stream_id.to_string(),
                    expected_last: first_sequence - 1,
                    found_last: last_sequence,
                });
            }
            last_hashes.insert((stream_type.to_string(), stream_id.to_string()), last_hash);
        }

        let sealed = seal(batch, &last_hashes, first_index as u64, recorded_at)?;
        for chunk in sealed.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<'_, Postgres> =
                QueryBuilder::new(concat!("INSERT INTO events (", event_columns!(), ") "));
            insert.push_values(chunk, |mut row, event| {
                let p = event.pending;
                row.push_bind(p.stream_type.as_str())
                    .push_bind(p.stream_id.as_str())
                    .push_bind(p.sequence as i64)
                    .push_bind(p.event_type.as_str())
                    .push_bind(p.event_version.as_str())
                    .push_bind(Json(&p.payload))
                    .push_bind(Json(&p.metadata))
                    .push_bind(event.recorded_at.to_fixed_string())
                    .push_bind(p.actor.as_str())
                    .push_bind(event.previous.0.to_vec())
                    .push_bind(event.hash.0.to_vec())
                    .push_bind(event.log_index as i64);
            });
            insert.build().execute(&mut *tx).await.map_err(classify)?;
        }
        if let (Some(claim), Some(last)) = (&options.idempotency, sealed.last()) {
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (scope, key, fingerprint, response_id, log_index, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&claim.scope)
            .bind(&claim.key)
            .bind(&claim.fingerprint)
            .bind(&last.pending.stream_id)
            .bind(last.log_index as i64)
            .bind(recorded_at.to_fixed_string())
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        }
        if let Some(gate) = options.gate {
            let _ = gate.await;
        }
        tx.commit().await.map_err(classify)?;
        Ok(sealed.iter().map(|e| e.committed()).collect())
    }

    pub(super) async fn load_stream(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<Vec<StreamEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT sequence, event_type, event_version, payload FROM events \
             WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
        )
        .bind(stream_type)
        .bind(stream_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| StreamEvent {
                sequence: row.get::<i64, _>(0) as u64,
                event_type: row.get(1),
                event_version: row.get(2),
                payload: row.get::<Json<Value>, _>(3).0,
            })
            .collect())
    }

    pub(super) async fn stream_length(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<u64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT max(sequence) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(stream_type)
        .bind(stream_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n.unwrap_or(0) as u64)
    }

    pub(super) async fn read_log(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE log_index > $1 ORDER BY log_index LIMIT $2"
        ))
        .bind(after as i64)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(logged_event).collect()
    }

    pub(super) async fn log_size(&self) -> Result<u64, StoreError> {
        let next: i64 = sqlx::query_scalar("SELECT next_index FROM log_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(next as u64 - 1)
    }

    pub(super) fn events_by_stream(&self) -> BoxStream<'_, Result<LoggedEvent, StoreError>> {
        sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events ORDER BY aggregate_type, aggregate_id, sequence"
        ))
        .fetch(&self.pool)
        .map(|row| logged_event(&row?))
        .boxed()
    }

    pub(super) fn log_indexes(&self) -> BoxStream<'_, Result<LogEntry, StoreError>> {
        sqlx::query(
            "SELECT log_index, aggregate_type, aggregate_id, sequence, hash FROM events ORDER BY log_index",
        )
        .fetch(&self.pool)
        .map_err(StoreError::from)
        .map_ok(|row| LogEntry {
            log_index: row.get::<i64, _>(0) as u64,
            stream_type: row.get(1),
            stream_id: row.get(2),
            sequence: row.get::<i64, _>(3) as u64,
            hash: row.get(4),
        })
        .boxed()
    }
    pub(super) async fn insert_token(
        &self,
        digest: &str,
        record: &TokenRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (token_digest, participant, roles, label, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest)
        .bind(&record.participant)
        .bind(&record.roles)
        .bind(&record.label)
        .bind(&record.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn forget_idempotency_keys(&self, before: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub(super) async fn find_idempotent_response(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let row = sqlx::query(
            "SELECT fingerprint, response_id, log_index, created_at FROM idempotency_keys \
             WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| IdempotentResponse {
            fingerprint: row.get(0),
            response_id: row.get(1),
            log_index: row.get::<i64, _>(2) as u64,
            created_at: row.get(3),
        }))
    }

    pub(super) async fn find_token(&self, digest: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT participant, roles, label, created_at, revoked_at FROM api_tokens \
             WHERE token_digest = $1",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| TokenRecord {
            participant: row.get(0),
            roles: row.get(1),
            label: row.get(2),
            created_at: row.get(3),
            revoked_at: row.get(4),
        }))
    }

    pub(super) async fn revoke_tokens(&self, label: &str, at: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE label = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(label)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
    pub(super) async fn integrate(&self, limit: u32) -> Result<TreeState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT size, right_edge FROM merkle_state WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
        let state = tree_state_from(row.get::<i64, _>(0), &row.get::<String, _>(1))?;
        let rows = sqlx::query(
            "SELECT log_index, hash FROM events WHERE log_index > $1 ORDER BY log_index LIMIT $2",
        )
        .bind(state.size() as i64)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut leaves = Vec::with_capacity(rows.len());
        for (offset, row) in rows.iter().enumerate() {
            if row.get::<i64, _>(0) as u64 != state.size() + 1 + offset as u64 {
                break;
            }
            leaves.push(hash_column(row.get::<Vec<u8>, _>(1), "events", "log")?);
        }
        if leaves.is_empty() {
            return Ok(state);
        }
        let (state, nodes) = grow_tree(state, &leaves)?;
        for chunk in nodes.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<'_, Postgres> =
                QueryBuilder::new("INSERT INTO merkle_nodes (level, idx, hash) ");
            insert.push_values(chunk, |mut row, (level, idx, hash)| {
                row.push_bind(*level as i32)
                    .push_bind(*idx as i64)
                    .push_bind(hash.to_vec());
            });
            insert.build().execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE merkle_state SET size = $1, right_edge = $2 WHERE id = 1")
            .bind(state.size() as i64)
            .bind(tree_state_json(&state))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(state)
    }

    pub(super) async fn tree_state(&self) -> Result<TreeState, StoreError> {
        let row = sqlx::query("SELECT size, right_edge FROM merkle_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        tree_state_from(row.get::<i64, _>(0), &row.get::<String, _>(1))
    }

    pub(super) async fn tree_node(
        &self,
        level: u32,
        idx: u64,
    ) -> Result<Option<TreeHash>, StoreError> {
        let hash: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT hash FROM merkle_nodes WHERE level = $1 AND idx = $2")
                .bind(level as i32)
                .bind(idx as i64)
                .fetch_optional(&self.pool)
                .await?;
        hash.map(|h| hash_column(h, "merkle_nodes", "node").map(|e| e.0))
            .transpose()
    }

    pub(super) async fn insert_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(checkpoint.size as i64)
        .bind(checkpoint.root.to_vec())
        .bind(&checkpoint.note)
        .bind(&checkpoint.signed_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn checkpoints(
        &self,
        after_size: Option<u64>,
        up_to_size: u64,
        limit: u32,
        newest_first: bool,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let sql = if newest_first {
            "SELECT size, root, note, signed_at FROM checkpoints WHERE size > $1 AND size <= $2 ORDER BY size DESC LIMIT $3"
        } else {
            "SELECT size, root, note, signed_at FROM checkpoints WHERE size > $1 AND size <= $2 ORDER BY size LIMIT $3"
        };
        let rows = sqlx::query(sql)
            .bind(after_size.map_or(-1, |s| s as i64))
            .bind(up_to_size.min(i64::MAX as u64) as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredCheckpoint {
                    size: row.get::<i64, _>(0) as u64,
                    root: hash_column(row.get::<Vec<u8>, _>(1), "checkpoints", "root")?.0,
                    note: row.get(2),
                    signed_at: row.get(3),
                })
            })
            .collect()
    }
    pub(super) async fn log_index_of(
        &self,
        stream_type: &str,
        stream_id: &str,
        sequence: u64,
    ) -> Result<Option<u64>, StoreError> {
        let index: Option<i64> = sqlx::query_scalar(
            "SELECT log_index FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
        )
        .bind(stream_type)
        .bind(stream_id)
        .bind(sequence as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(index.map(|i| i as u64))
    }
    pub(super) fn tree_node_links(&self) -> BoxStream<'_, Result<TreeNodeLink, StoreError>> {
        sqlx::query(
            "SELECT n.level, n.idx, n.hash, e.hash, NULL FROM merkle_nodes n \
             LEFT JOIN events e ON e.log_index = n.idx + 1 WHERE n.level = 0 \
             UNION ALL \
             SELECT p.level, p.idx, p.hash, l.hash, r.hash FROM merkle_nodes p \
             LEFT JOIN merkle_nodes l ON l.level = p.level - 1 AND l.idx = 2 * p.idx \
             LEFT JOIN merkle_nodes r ON r.level = p.level - 1 AND r.idx = 2 * p.idx + 1 \
             WHERE p.level > 0 ORDER BY 1, 2",
        )
        .fetch(&self.pool)
        .map_err(StoreError::from)
        .map_ok(|row| TreeNodeLink {
            level: row.get::<i32, _>(0) as u32,
            idx: row.get::<i64, _>(1) as u64,
            hash: row.get(2),
            left: row.get(3),
            right: row.get(4),
        })
        .boxed()
    }
}

fn logged_event(row: &PgRow) -> Result<LoggedEvent, StoreError> {
    let event = stored_event_from_columns(
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get::<Json<Value>, _>(5).0,
        row.get::<Json<Value>, _>(6).0,
        &row.get::<String, _>(7),
        row.get(8),
        &row.get::<Vec<u8>, _>(9),
        &row.get::<Vec<u8>, _>(10),
    )?;
    Ok(LoggedEvent {
        log_index: row.get::<i64, _>(11) as u64,
        event,
    })
}

fn classify(error: sqlx::Error) -> AppendError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            return AppendError::RaceLost;
        }
        // 25006 read_only_sql_transaction, 53100 disk_full
        if matches!(db.code().as_deref(), Some("25006") | Some("53100")) {
            return AppendError::Store(StoreError::NotWritable(error));
        }
    }
    AppendError::Store(StoreError::Database(error))
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn hash_column(bytes: Vec<u8>, table: &str, column: &str) -> Result<EventHash, StoreError> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::CorruptRow {
        context: format!("{table}.{column}"),
        message: "hash is not 32 bytes".into(),
    })?;
    Ok(EventHash(array))
}

/// PostgreSQL allows 65,535 bound parameters per statement; 4 columns per document row.
const DOCS_PER_INSERT: usize = 8_000;

impl PostgresBackend {
    pub(super) async fn projection_register(
        &self,
        name: &str,
        now: &str,
    ) -> Result<ProjectionRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO projections (name, active_generation) VALUES ($1, 1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO projection_generations (name, generation, position, updated_at) \
             SELECT name, active_generation, 0, $2 FROM projections WHERE name = $1 \
             ON CONFLICT (name, generation) DO NOTHING",
        )
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.projection_status(name)
            .await?
            .ok_or_else(|| StoreError::CorruptRow {
                context: format!("projection {name}"),
                message: "registered but not found".into(),
            })
    }

    pub(super) async fn projection_status(
        &self,
        name: &str,
    ) -> Result<Option<ProjectionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT p.name, p.active_generation, g.position, g.updated_at, p.failed_at_index, \
                    p.failure \
             FROM projections p JOIN projection_generations g \
               ON g.name = p.name AND g.generation = p.active_generation \
             WHERE p.name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| ProjectionRow {
            name: row.get(0),
            active_generation: row.get::<i64, _>(1) as u64,
            position: row.get::<i64, _>(2) as u64,
            updated_at: row.get(3),
            failed_at_index: row.get::<Option<i64>, _>(4).map(|i| i as u64),
            failure: row.get(5),
        }))
    }

    pub(super) async fn projection_load(
        &self,
        name: &str,
        generation: u64,
    ) -> Result<(u64, Vec<(String, String)>), StoreError> {
        // One snapshot for the position and the documents.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let position: Option<i64> = sqlx::query_scalar(
            "SELECT position FROM projection_generations WHERE name = $1 AND generation = $2",
        )
        .bind(name)
        .bind(generation as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(position) = position else {
            return Err(StoreError::CorruptRow {
                context: format!("projection {name}"),
                message: format!("generation {generation} does not exist"),
            });
        };
        let docs = sqlx::query_as::<_, (String, String)>(
            "SELECT key, body FROM projection_docs WHERE name = $1 AND generation = $2 \
             ORDER BY key",
        )
        .bind(name)
        .bind(generation as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((position as u64, docs))
    }

    pub(super) async fn projection_commit(
        &self,
        commit: &ProjectionCommit<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let advanced = sqlx::query(
            "UPDATE projection_generations SET position = $3, updated_at = $4 \
             WHERE name = $1 AND generation = $2 AND position < $3",
        )
        .bind(commit.name)
        .bind(commit.generation as i64)
        .bind(commit.position as i64)
        .bind(commit.now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if advanced == 0 {
            // Another writer is at or beyond this position, or the generation was dropped;
            // only activating a generation exactly at this position can still go on.
            let stored: Option<i64> = sqlx::query_scalar(
                "SELECT position FROM projection_generations WHERE name = $1 AND generation = $2",
            )
            .bind(commit.name)
            .bind(commit.generation as i64)
            .fetch_optional(&mut *tx)
            .await?;
            let at_position = stored.is_some_and(|p| p as u64 == commit.position);
            if !(commit.activate && at_position && commit.changes.is_empty()) {
                return Ok(false);
            }
        }
        let (puts, deletes): (Vec<_>, Vec<_>) =
            commit.changes.iter().partition(|(_, body)| body.is_some());
        for chunk in puts.chunks(DOCS_PER_INSERT) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO projection_docs (name, generation, key, body) ",
            );
            insert.push_values(chunk, |mut row, (key, body)| {
                row.push_bind(commit.name)
                    .push_bind(commit.generation as i64)
                    .push_bind(key.as_str())
                    .push_bind(body.as_deref().unwrap_or_default());
            });
            insert.push(" ON CONFLICT (name, generation, key) DO UPDATE SET body = excluded.body");
            insert.build().execute(&mut *tx).await?;
        }
        for (key, _) in deletes {
            sqlx::query(
                "DELETE FROM projection_docs WHERE name = $1 AND generation = $2 AND key = $3",
            )
            .bind(commit.name)
            .bind(commit.generation as i64)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
        }
        if commit.activate {
            sqlx::query(
                "UPDATE projections SET active_generation = $2, failed_at_index = NULL, \
                 failure = NULL WHERE name = $1",
            )
            .bind(commit.name)
            .bind(commit.generation as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn projection_new_generation(
        &self,
        name: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        let generation: i64 = sqlx::query_scalar(
            "INSERT INTO projection_generations (name, generation, position, updated_at) \
             SELECT $1, COALESCE(MAX(generation), 0) + 1, 0, $2 \
             FROM projection_generations WHERE name = $1 RETURNING generation",
        )
        .bind(name)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(generation as u64)
    }

    pub(super) async fn projection_drop_inactive(&self, name: &str) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM projection_generations WHERE name = $1 AND generation <> \
             (SELECT active_generation FROM projections WHERE name = $1)",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query(
            "DELETE FROM projection_docs WHERE name = $1 AND generation <> \
             (SELECT active_generation FROM projections WHERE name = $1)",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    pub(super) async fn projection_record_failure(
        &self,
        name: &str,
        failure: Option<(u64, &str)>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE projections SET failed_at_index = $2, failure = $3 WHERE name = $1")
            .bind(name)
            .bind(failure.map(|(index, _)| index as i64))
            .bind(failure.map(|(_, message)| message))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
