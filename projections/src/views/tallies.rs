//! Tallies per target, from two sources kept apart: ballots (one per participant and target,
//! last vote wins) and imported published counts (labelled with their source). Every figure is
//! recomputable from the exported events: a ballot stream's last event gives its current choice.
//!
//! Documents: `ballot/{stream}` (a ballot's target and current choice), `ballots/{target}` (the
//! counts of current ballots) and `published/{target}` (imported counts with their source).

use std::collections::HashMap;

use domain::amendment::AmendmentEvent;
use domain::ballot::{BallotEvent, Choice, VoteCounts};
use domain::bill::BillEvent;
use domain::ids::{AmendmentId, BillId, Target};
use serde::{Deserialize, Serialize};

use super::{decode, parse_doc, Changes, Projection};
use crate::store::LoggedEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTally {
    pub counts: VoteCounts,
    pub source: String,
    pub log_index: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct BallotState {
    target: Target,
    choice: Option<Choice>,
}

/// The `tallies` projection.
#[derive(Debug, Default)]
pub struct Tallies {
    ballots: HashMap<String, BallotState>,
    counts: HashMap<String, VoteCounts>,
    published: HashMap<String, PublishedTally>,
}

impl Tallies {
    /// Counts of current ballots on a target.
    pub fn ballots(&self, target: &Target) -> VoteCounts {
        self.counts
            .get(&target.stream_key())
            .copied()
            .unwrap_or_default()
    }

    /// The current choice of one ballot (its stream id, `BallotId::for_vote`), if it has one.
    pub fn current_choice(&self, ballot_stream: &str) -> Option<Choice> {
        self.ballots.get(ballot_stream).and_then(|b| b.choice)
    }

    /// The imported published counts of a target, if any.
    pub fn published(&self, target: &Target) -> Option<&PublishedTally> {
        self.published.get(&target.stream_key())
    }

    fn record_published(
        &mut self,
        target: Target,
        counts: VoteCounts,
        source: String,
        log_index: u64,
        changes: &mut Changes,
    ) {
        let key = target.stream_key();
        let tally = PublishedTally {
            counts,
            source,
            log_index,
        };
        changes.put(format!("published/{key}"), &tally);
        self.published.insert(key, tally);
    }
}

impl Projection for Tallies {
    const NAME: &'static str = "tallies";

    fn apply(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<(), String> {
        let e = &logged.event;
        match (e.stream_type.as_str(), e.event_type.as_str()) {
            ("bill", "PublishedTallyRecorded") => {
                let bill_id = BillId::parse(&e.stream_id).map_err(|e| e.to_string())?;
                if let BillEvent::PublishedTallyRecorded {
                    article_id,
                    counts,
                    source,
                } = decode(logged)?
                {
                    let target = Target::Article {
                        bill_id,
                        article_id,
                    };
                    self.record_published(target, counts, source, logged.log_index, changes);
                }
            }
            ("amendment", "PublishedTallyRecorded") => {
                let amendment_id = AmendmentId::parse(&e.stream_id).map_err(|e| e.to_string())?;
                if let AmendmentEvent::PublishedTallyRecorded { counts, source } = decode(logged)? {
                    let target = Target::Amendment { amendment_id };
                    self.record_published(target, counts, source, logged.log_index, changes);
                }
            }
            ("ballot", _) => {
                let event: BallotEvent = decode(logged)?;
                let stream = e.stream_id.as_str();
                let (target, previous) = match (&event, self.ballots.get(stream)) {
                    // A first cast, or a cast again after a retraction.
                    (BallotEvent::BallotCast { target, .. }, None) => (*target, None),
                    (BallotEvent::BallotCast { target, .. }, Some(state))
                        if state.choice.is_none() && state.target == *target =>
                    {
                        (*target, None)
                    }
                    (BallotEvent::BallotCast { .. }, Some(_)) => {
                        return Err(format!("ballot {stream} cast while it holds a vote"))
                    }
                    (_, Some(state)) => (state.target, state.choice),
                    (_, None) => return Err(format!("ballot {stream} changed before it was cast")),
                };
                let now = match event {
                    BallotEvent::BallotCast { choice, .. }
                    | BallotEvent::BallotChanged { choice, .. } => Some(choice),
                    BallotEvent::BallotRetracted => None,
                };
                let key = target.stream_key();
                let counts = self.counts.entry(key.clone()).or_default();
                if let Some(previous) = previous {
                    counts.remove(previous);
                }
                if let Some(now) = now {
                    counts.add(now);
                }
                changes.put(format!("ballots/{key}"), &*counts);
                let state = BallotState {
                    target,
                    choice: now,
                };
                changes.put(format!("ballot/{stream}"), &state);
                self.ballots.insert(stream.to_string(), state);
            }
            _ => {}
        }
        Ok(())
    }

    fn restore(&mut self, key: &str, body: &str) -> Result<(), String> {
        if let Some(stream) = key.strip_prefix("ballot/") {
            self.ballots
                .insert(stream.to_string(), parse_doc(key, body)?);
        } else if let Some(target) = key.strip_prefix("ballots/") {
            self.counts
                .insert(target.to_string(), parse_doc(key, body)?);
        } else if let Some(target) = key.strip_prefix("published/") {
            self.published
                .insert(target.to_string(), parse_doc(key, body)?);
        } else {
            return Err(format!("unexpected document `{key}`"));
        }
        Ok(())
    }
}
