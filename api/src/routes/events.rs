//! `GET /api/v1/bills/{bill_id}/events`: a Server-Sent Events stream of a bill's new events, as
//! the timeline shows them. Each message's `id` is the event's log index, so a client that
//! reconnects with `Last-Event-ID` (browsers' EventSource does it by itself) resumes exactly
//! after the last event it got: nothing skipped, nothing twice. `?after=LOG_INDEX` does the same
//! for a first connection; without either, the stream starts with the next new event.
//!
//! The stream reads the in-memory views (no database query per client) and ends when the
//! service shuts down, so a graceful shutdown never waits on a listener.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::ids::BillId;
use futures::stream::{self, Stream, StreamExt};

use super::openapi::{LastEventId, StreamProblems, StreamStart};
use super::read::Params;
use super::write::bill_id;
use crate::http::problem::Problem;
use crate::state::AppState;

/// How often a stream looks for new events in the views (they are in memory: cheap).
const POLL_EVERY: Duration = Duration::from_millis(200);
/// At most this many events are sent in one go before the stream looks again.
const BATCH: usize = 500;
pub const LAST_EVENT_ID: &str = "last-event-id";

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/events",
    tag = "bills",
    summary = "A Server-Sent Events stream of the bill's new events, resumable with Last-Event-ID",
    description = "Each message is one timeline entry (`data`, JSON) whose `id` is its log index. \
        A client reconnecting with `Last-Event-ID` (EventSource does it by itself) resumes exactly \
        after the last message it got; `?after=` does the same for a first connection; without \
        either the stream starts with the next new event. Comments keep the connection alive.",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), StreamStart, LastEventId),
    responses(
        (status = 200, description = "The event stream (never ends while the service runs)", content_type = "text/event-stream", body = String,
            example = json!("id: 42\ndata: {\"log_index\":42,\"occurred_at\":\"2026-12-01T10:00:00Z\",\"recorded_at\":\"2026-12-01T10:00:00.120Z\",\"actor\":\"u0123456789\",\"stream\":\"ballot/…\",\"event_type\":\"VoteCast\",\"summary\":\"u0123456789 voted for amendment …\"}\n\n")),
        StreamProblems,
    ),
)]
pub async fn bill_events(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let id = bill_id(&raw)?;
    if !state.views.timeline.read().model.has_bill(id) {
        return Err(Problem::not_found(format!("no bill has the id {id}")));
    }
    let resume = match headers.get(LAST_EVENT_ID) {
        Some(value) => Some((
            "the Last-Event-ID header",
            log_index("the Last-Event-ID header", value.to_str().unwrap_or("?"))?,
        )),
        None => params
            .get("after")
            .map(|raw| Ok(("`after`", log_index("`after`", raw)?)))
            .transpose()?,
    };
    let after = match resume {
        Some((what, after)) => {
            let log_size = state.store.log_size().await.map_err(|e| {
                tracing::error!(error = %e, "cannot read the log size");
                Problem::internal()
            })?;
            if after > log_size {
                return Err(Problem::bad_request(format!(
                    "{what}: log index {after} is beyond the end of the log, which holds {log_size} events; resume from the id of the last message received"
                )));
            }
            after
        }
        None => state.views.position(),
    };
    Ok(Sse::new(follow(state, id, after)).keep_alive(KeepAlive::default()))
}

fn log_index(what: &str, raw: &str) -> Result<u64, Problem> {
    raw.trim().parse().map_err(|_| {
        Problem::bad_request(format!(
            "{what} must be a log index (the `id` of an event of this stream), not `{raw}`"
        ))
    })
}

fn follow(
    state: AppState,
    bill: BillId,
    after: u64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let stopping = state.stopping.subscribe();
    stream::unfold(
        (state, stopping, after),
        move |(state, mut stopping, mut after)| async move {
            loop {
                if *stopping.borrow() {
                    return None;
                }
                let batch = next_events(&state, bill, after);
                if let Some(last) = batch.last() {
                    after = last.0;
                    let events = batch.into_iter().map(|(_, event)| Ok(event));
                    return Some((stream::iter(events), (state, stopping, after)));
                }
                tokio::select! {
                    _ = tokio::time::sleep(POLL_EVERY) => {}
                    _ = stopping.changed() => return None,
                }
            }
        },
    )
    .flatten()
}

fn next_events(state: &AppState, bill: BillId, after: u64) -> Vec<(u64, Event)> {
    let timeline = state.views.timeline.read();
    let (points, _) = timeline.model.points(bill, after, BATCH);
    points
        .iter()
        .flat_map(|point| point.entries)
        .take(BATCH)
        .map(|entry| {
            let event = Event::default()
                .id(entry.log_index.to_string())
                .json_data(entry)
                .unwrap_or_else(|_| Event::default().comment("unencodable entry"));
            (entry.log_index, event)
        })
        .collect()
}
