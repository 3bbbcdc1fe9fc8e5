//! Runs domain commands against the event store: replay the stream, let the aggregate decide,
//! append the resulting events (chained, logged) and return their log indexes.
//!
//! We use cqrs-es's `Aggregate` and `EventSink` but not its `CqrsFramework`: the framework
//! returns nothing about what it committed (a caller needs the log index for read-your-writes)
//! and dispatches queries after commit, dropping their errors. `Batch` lets an importer decide
//! thousands of commands in memory and commit them in one transaction.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, SecondsFormat};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde_json::Value;

use crate::store::{
    AppendError, CommittedEvent, EventStore, IdempotencyClaim, PendingEvent, StoreError,
    StreamGuard,
};

/// Who runs a command, when it happened, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// The participant id recorded as the events' actor.
    pub actor: String,
    /// When the action happened (from the request clock, or from the imported source).
    pub occurred_at: DateTime<FixedOffset>,
    /// For imported history: the public file and row the event comes from.
    pub source: Option<String>,
    /// Further metadata, e.g. a client's idempotency key.
    pub extra: BTreeMap<String, String>,
    /// The client's idempotency key, recorded with the events in their transaction (not hashed
    /// into them: it is the client's, not the record's).
    pub idempotency: Option<IdempotencyClaim>,
}

impl CommandContext {
    pub fn new(actor: impl Into<String>, occurred_at: DateTime<FixedOffset>) -> Self {
        Self {
            actor: actor.into(),
            occurred_at,
            source: None,
            extra: BTreeMap::new(),
            idempotency: None,
        }
    }

    pub fn with_idempotency(mut self, claim: Option<IdempotencyClaim>) -> Self {
        self.idempotency = claim;
        self
    }

    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The metadata object stored (and hashed) with every event of the command.
    pub fn metadata(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert(
            "occurred_at".into(),
            Value::String(
                self.occurred_at
                    .to_rfc3339_opts(SecondsFormat::Micros, false),
            ),
        );
        if let Some(source) = &self.source {
            map.insert("source".into(), Value::String(source.clone()));
        }
        for (key, value) in &self.extra {
            map.insert(key.clone(), Value::String(value.clone()));
        }
        Value::Object(map)
    }
}

/// What a successful command produced.
#[derive(Debug, Clone)]
pub struct CommandOutcome<E> {
    pub events: Vec<E>,
    pub committed: Vec<CommittedEvent>,
}

impl<E> CommandOutcome<E> {
    /// The log index of the command's last event: a read model that reached it shows the command.
    pub fn last_log_index(&self) -> Option<u64> {
        self.committed.last().map(|c| c.log_index)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused the command (a business rule); nothing was written.
    #[error("{0}")]
    Rejected(E),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stream {stream} cannot be replayed: event #{sequence} ({event_type}) does not decode: {message}")]
    Replay {
        stream: String,
        sequence: u64,
        event_type: String,
        message: String,
    },
    #[error("event of {stream} cannot be encoded: {message}")]
    Encode { stream: String, message: String },
}

/// Replays a stream into a fresh aggregate; returns it with its last sequence number.
pub async fn load<A: Aggregate>(
    store: &EventStore,
    stream_id: &str,
) -> Result<(A, u64), CommandError<A::Error>> {
    let mut aggregate = A::default();
    let mut last = 0;
    for stored in store.load_stream(A::TYPE, stream_id).await? {
        let event: A::Event =
            serde_json::from_value(stored.payload).map_err(|e| CommandError::Replay {
                stream: format!("{}/{stream_id}", A::TYPE),
                sequence: stored.sequence,
                event_type: stored.event_type.clone(),
                message: e.to_string(),
            })?;
        aggregate.apply(event);
        last = stored.sequence;
    }
    Ok((aggregate, last))
}

async fn decide<A: Aggregate<Services = ()>>(
    aggregate: &mut A,
    command: A::Command,
) -> Result<Vec<A::Event>, A::Error> {
    let sink = EventSink::<A>::default();
    aggregate.handle(command, &(), &sink).await?;
    Ok(sink.collect().await)
}

fn pending_events<A: Aggregate>(
    stream_id: &str,
    last_sequence: u64,
    events: &[A::Event],
    context: &CommandContext,
) -> Result<Vec<PendingEvent>, CommandError<A::Error>> {
    let metadata = context.metadata();
    events
        .iter()
        .enumerate()
        .map(|(offset, event)| {
            Ok(PendingEvent {
                stream_type: A::TYPE.to_string(),
                stream_id: stream_id.to_string(),
                sequence: last_sequence + 1 + offset as u64,
                event_type: event.event_type(),
                event_version: event.event_version(),
                payload: serde_json::to_value(event).map_err(|e| CommandError::Encode {
                    stream: format!("{}/{stream_id}", A::TYPE),
                    message: e.to_string(),
                })?,
                metadata: metadata.clone(),
                actor: context.actor.clone(),
            })
        })
        .collect()
}

/// Runs one command in its own transaction. A concurrent command on the same stream makes one
/// of the two fail with `AppendError::Conflict` (or `RaceLost`); the chain never forks.
pub async fn execute<A: Aggregate<Services = ()>>(
    store: &EventStore,
    stream_id: &str,
    command: A::Command,
    context: &CommandContext,
) -> Result<CommandOutcome<A::Event>, CommandError<A::Error>> {
    let (mut aggregate, last) = load::<A>(store, stream_id).await?;
    let events = decide(&mut aggregate, command)
        .await
        .map_err(CommandError::Rejected)?;
    let pending = pending_events::<A>(stream_id, last, &events, context)?;
    let committed = store
        .append_claimed(&pending, Vec::new(), context.idempotency.clone())
        .await?;
    Ok(CommandOutcome { events, committed })
}

type LoadedAggregate = (Box<dyn Any + Send>, u64);

/// Like [`execute`], but the append fails with `AppendError::Conflict` if any guarded stream
/// moved on since the caller read the facts the command was decided against.
pub async fn execute_guarded<A: Aggregate<Services = ()>>(
    store: &EventStore,
    stream_id: &str,
    command: A::Command,
    context: &CommandContext,
    guards: Vec<StreamGuard>,
) -> Result<CommandOutcome<A::Event>, CommandError<A::Error>> {
    let (mut aggregate, last) = load::<A>(store, stream_id).await?;
    let events = decide(&mut aggregate, command)
        .await
        .map_err(CommandError::Rejected)?;
    let pending = pending_events::<A>(stream_id, last, &events, context)?;
    let committed = store
        .append_claimed(&pending, guards, context.idempotency.clone())
        .await?;
    Ok(CommandOutcome { events, committed })
}

/// Many commands decided in memory and committed together in one transaction (all or nothing).
pub struct Batch<'s> {
    store: &'s EventStore,
    /// Aggregates touched by the batch with their last sequence, keyed by (type, stream id).
    aggregates: HashMap<(&'static str, String), LoadedAggregate>,
    pending: Vec<PendingEvent>,
}

impl<'s> Batch<'s> {
    pub fn new(store: &'s EventStore) -> Self {
        Self {
            store,
            aggregates: HashMap::new(),
            pending: Vec::new(),
        }
    }

    async fn slot<A: Aggregate + 'static>(
        &mut self,
        stream_id: &str,
    ) -> Result<&mut LoadedAggregate, CommandError<A::Error>> {
        let key = (A::TYPE, stream_id.to_string());
        if !self.aggregates.contains_key(&key) {
            let (aggregate, last) = load::<A>(self.store, stream_id).await?;
            self.aggregates
                .insert(key.clone(), (Box::new(aggregate), last));
        }
        Ok(self.aggregates.get_mut(&key).expect("inserted above"))
    }

    /// Like [`Batch::execute`] for a stream the caller knows is new (e.g. a ballot on an
    /// amendment this same batch submitted): the stream starts from the empty aggregate without
    /// a read. Should it exist after all, the commit fails on the (stream, sequence) key and
    /// writes nothing, so the shortcut can cost an import, never fork a chain.
    pub async fn execute_new<A: Aggregate<Services = ()> + 'static>(
        &mut self,
        stream_id: &str,
        command: A::Command,
        context: &CommandContext,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        self.aggregates
            .entry((A::TYPE, stream_id.to_string()))
            .or_insert_with(|| (Box::new(A::default()), 0));
        self.execute::<A>(stream_id, command, context).await
    }

    /// The aggregate as it stands with this batch's events applied.
    pub async fn aggregate<A: Aggregate + 'static>(
        &mut self,
        stream_id: &str,
    ) -> Result<&A, CommandError<A::Error>> {
        let slot = self.slot::<A>(stream_id).await?;
        Ok(slot
            .0
            .downcast_ref::<A>()
            .expect("slot keyed by aggregate type"))
    }

    /// Decides a command; its events are kept for `commit` (and visible to later commands).
    pub async fn execute<A: Aggregate<Services = ()> + 'static>(
        &mut self,
        stream_id: &str,
        command: A::Command,
        context: &CommandContext,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        let slot = self.slot::<A>(stream_id).await?;
        let aggregate = slot
            .0
            .downcast_mut::<A>()
            .expect("slot keyed by aggregate type");
        let events = decide(aggregate, command)
            .await
            .map_err(CommandError::Rejected)?;
        let pending = pending_events::<A>(stream_id, slot.1, &events, context)?;
        slot.1 += pending.len() as u64;
        self.pending.extend(pending);
        Ok(events)
    }

    pub fn pending_events(&self) -> usize {
        self.pending.len()
    }

    /// Appends every decided event in one transaction.
    pub async fn commit(self) -> Result<Vec<CommittedEvent>, AppendError> {
        self.store.append(&self.pending).await
    }
}
