//! Arguments for and against articles and amendments.
//!
//! Documents: `argument/{stream}`.

use std::collections::{BTreeMap, HashMap};

use domain::argument::{ArgumentEvent, Stance};
use domain::ids::{ArgumentId, ParticipantId, Target};
use serde::{Deserialize, Serialize};

use super::{decode, occurred_at, parse_doc, Changes, Projection};
use crate::store::LoggedEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgumentView {
    pub id: ArgumentId,
    pub stream: String,
    pub author: ParticipantId,
    pub target: Target,
    pub stance: Stance,
    pub body: String,
    pub posted_at: String,
    pub posted_log_index: u64,
    pub withdrawn: bool,
}

/// The `arguments` projection.
#[derive(Debug, Default)]
pub struct Arguments {
    by_stream: HashMap<String, ArgumentView>,
    /// Target key → argument streams in posting order.
    by_target: BTreeMap<String, Vec<String>>,
}

impl Arguments {
    /// Arguments on a target in posting order (withdrawn ones included, flagged).
    pub fn on(&self, target: &Target) -> impl Iterator<Item = &ArgumentView> {
        self.by_target
            .get(&target.stream_key())
            .into_iter()
            .flatten()
            .filter_map(|stream| self.by_stream.get(stream))
    }
}

impl Projection for Arguments {
    const NAME: &'static str = "arguments";

    fn apply(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<(), String> {
        if logged.event.stream_type != "argument" {
            return Ok(());
        }
        let stream = logged.event.stream_id.clone();
        match decode(logged)? {
            ArgumentEvent::ArgumentPosted {
                argument_id,
                author,
                target,
                stance,
                body,
            } => {
                if self.by_stream.contains_key(&stream) {
                    return Err(format!("argument {stream} posted twice"));
                }
                let view = ArgumentView {
                    id: argument_id,
                    stream: stream.clone(),
                    author,
                    target,
                    stance,
                    body,
                    posted_at: occurred_at(logged),
                    posted_log_index: logged.log_index,
                    withdrawn: false,
                };
                changes.put(format!("argument/{stream}"), &view);
                self.by_target
                    .entry(target.stream_key())
                    .or_default()
                    .push(stream.clone());
                self.by_stream.insert(stream, view);
            }
            ArgumentEvent::ArgumentWithdrawn => {
                let view = self
                    .by_stream
                    .get_mut(&stream)
                    .ok_or_else(|| format!("argument {stream} withdrawn before it was posted"))?;
                view.withdrawn = true;
                changes.put(format!("argument/{stream}"), &*view);
            }
        }
        Ok(())
    }

    fn restore(&mut self, key: &str, body: &str) -> Result<(), String> {
        if !key.starts_with("argument/") {
            return Err(format!("unexpected document `{key}`"));
        }
        let view: ArgumentView = parse_doc(key, body)?;
        self.by_stream.insert(view.stream.clone(), view);
        Ok(())
    }

    fn restored(&mut self) {
        let mut all: Vec<(u64, String, String)> = self
            .by_stream
            .values()
            .map(|a| (a.posted_log_index, a.target.stream_key(), a.stream.clone()))
            .collect();
        all.sort();
        self.by_target.clear();
        for (_, target, stream) in all {
            self.by_target.entry(target).or_default().push(stream);
        }
    }
}
