//! Our chained store seen as a cqrs-es `PersistedEventRepository`, so a stock `CqrsFramework`
//! can run on it (the benchmark compares it with plain postgres-es / sqlite-es on the same
//! commands). Snapshots are refused on purpose: cqrs-es 0.5.0 applies events twice with them.

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use serde_json::Value;

use crate::store::{AppendError, EventStore, PendingEvent, StreamEvent};

const REPLAY_CHANNEL_SIZE: usize = 256;

fn serialized(aggregate_type: &str, stream_id: &str, event: StreamEvent) -> SerializedEvent {
    SerializedEvent::new(
        stream_id.to_string(),
        event.sequence as usize,
        aggregate_type.to_string(),
        event.event_type,
        event.event_version,
        event.payload,
        Value::Object(Default::default()),
    )
}

fn persistence_error(error: AppendError) -> PersistenceError {
    match error {
        AppendError::Conflict { .. } | AppendError::RaceLost => {
            PersistenceError::OptimisticLockError
        }
        AppendError::Busy => PersistenceError::ConnectionError(Box::new(error)),
        other => PersistenceError::UnknownError(Box::new(other)),
    }
}

impl PersistedEventRepository for EventStore {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self
            .load_stream(A::TYPE, aggregate_id)
            .await
            .map_err(|e| PersistenceError::ConnectionError(Box::new(e)))?;
        Ok(events
            .into_iter()
            .map(|e| serialized(A::TYPE, aggregate_id, e))
            .collect())
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let mut events = self.get_events::<A>(aggregate_id).await?;
        events.retain(|e| e.sequence > last_sequence);
        Ok(events)
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if snapshot_update.is_some() {
            return Err(PersistenceError::UnknownError(
                "snapshots are not supported: use PersistedEventStore::new_event_store".into(),
            ));
        }
        let pending: Vec<PendingEvent> = events
            .iter()
            .map(|e| PendingEvent {
                stream_type: e.aggregate_type.clone(),
                stream_id: e.aggregate_id.clone(),
                sequence: e.sequence as u64,
                event_type: e.event_type.clone(),
                event_version: e.event_version.clone(),
                payload: e.payload.clone(),
                actor: e
                    .metadata
                    .get("actor")
                    .and_then(Value::as_str)
                    .unwrap_or("system")
                    .to_string(),
                metadata: e.metadata.clone(),
            })
            .collect();
        self.append(&pending).await.map_err(persistence_error)?;
        Ok(())
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.get_events::<A>(aggregate_id).await?;
        let (mut feed, stream) = ReplayStream::new(events.len().max(1));
        for event in events {
            feed.push(Ok(event)).await?;
        }
        Ok(stream)
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let store = self.clone();
        let (mut feed, stream) = ReplayStream::new(REPLAY_CHANNEL_SIZE);
        tokio::spawn(async move {
            let mut after = 0;
            loop {
                let page = match store.read_log(after, 1_000).await {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = feed
                            .push(Err(PersistenceError::ConnectionError(Box::new(e))))
                            .await;
                        return;
                    }
                };
                let Some(last) = page.last() else { return };
                after = last.log_index;
                for logged in page {
                    let e = logged.event;
                    if e.stream_type != A::TYPE {
                        continue;
                    }
                    let event = StreamEvent {
                        sequence: e.sequence,
                        event_type: e.event_type,
                        event_version: e.event_version,
                        payload: e.payload,
                    };
                    if feed
                        .push(Ok(serialized(A::TYPE, &e.stream_id, event)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        });
        Ok(stream)
    }
}
