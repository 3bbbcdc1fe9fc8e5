//! Amendments with their decision, every published response (a correction keeps the earlier
//! text), and the versions that took them in.
//!
//! Documents: `amendment/{id}`.

use std::collections::{BTreeMap, HashMap};

use domain::amendment::{AmendmentEvent, Change, DecisionOutcome, Origin};
use domain::bill::BillEvent;
use domain::ids::{AmendmentId, ArticleId, BillId, ParticipantId};
use serde::{Deserialize, Serialize};

use super::{decode, occurred_at, parse_doc, Changes, Projection};
use crate::store::LoggedEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub outcome: DecisionOutcome,
    /// The response as it reads now (after any correction).
    pub response: String,
    pub decided_by: ParticipantId,
    pub decided_at: String,
}

/// One published text of the official response: the decision's, then each correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseView {
    pub response: String,
    pub published_by: ParticipantId,
    pub published_at: String,
    pub log_index: u64,
    /// Why it was corrected (`None` for the decision's own response).
    pub correction_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentView {
    pub id: AmendmentId,
    pub bill_id: BillId,
    pub base_version: u32,
    pub change: Change,
    pub origin: Origin,
    pub title: String,
    pub proposed_text: Option<Vec<String>>,
    pub rationale: String,
    pub author: ParticipantId,
    pub submitted_at: String,
    pub submitted_log_index: u64,
    pub state: String,
    pub decision: Option<DecisionView>,
    pub responses: Vec<ResponseView>,
    /// Versions whose provenance names this amendment.
    pub taken_in_by_versions: Vec<u32>,
    /// What the source says when the chamber never put it to the vote (state `not_voted`).
    #[serde(default)]
    pub not_voted_note: Option<String>,
    /// Set when a moderator hid it from the public lists; its text stays in the log.
    #[serde(default)]
    pub hidden: Option<HiddenView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenView {
    pub reason: String,
    pub hidden_by: ParticipantId,
    pub hidden_at: String,
}

impl AmendmentView {
    pub fn article_id(&self) -> Option<ArticleId> {
        match &self.change {
            Change::Modify { article_id } | Change::Delete { article_id } => Some(*article_id),
            Change::InsertAfter { article_id } => *article_id,
            Change::WholeText => None,
        }
    }
}

/// The words an outcome is shown with.
pub fn outcome_state(outcome: DecisionOutcome) -> &'static str {
    match outcome {
        DecisionOutcome::Accepted => "accepted",
        DecisionOutcome::AcceptedWithChanges => "accepted_with_changes",
        DecisionOutcome::Rejected => "rejected",
    }
}

/// The `amendments` projection.
#[derive(Debug, Default)]
pub struct Amendments {
    amendments: HashMap<AmendmentId, AmendmentView>,
    /// Per bill, in submission (log) order.
    by_bill: BTreeMap<BillId, Vec<AmendmentId>>,
}

fn key(id: AmendmentId) -> String {
    format!("amendment/{id}")
}

impl Amendments {
    pub fn amendment(&self, id: AmendmentId) -> Option<&AmendmentView> {
        self.amendments.get(&id)
    }

    /// A bill's amendments in submission order.
    pub fn of_bill(&self, bill_id: BillId) -> impl Iterator<Item = &AmendmentView> {
        self.by_bill
            .get(&bill_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.amendments.get(id))
    }

    /// How many amendments of the bill the public lists show (moderation-hidden ones left out).
    pub fn count_of_bill(&self, bill_id: BillId) -> usize {
        self.of_bill(bill_id).filter(|a| a.hidden.is_none()).count()
    }

    fn apply_version(&mut self, event: BillEvent, changes: &mut Changes) {
        let BillEvent::VersionPublished {
            number, provenance, ..
        } = event
        else {
            return;
        };
        for id in provenance.iter().flat_map(|p| &p.amendments) {
            if let Some(view) = self.amendments.get_mut(id) {
                if !view.taken_in_by_versions.contains(&number.get()) {
                    view.taken_in_by_versions.push(number.get());
                    changes.put(key(*id), &*view);
                }
            }
        }
    }
}

impl Projection for Amendments {
    const NAME: &'static str = "amendments";

    fn apply(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<(), String> {
        match logged.event.stream_type.as_str() {
            "bill" if logged.event.event_type == "VersionPublished" => {
                self.apply_version(decode(logged)?, changes);
                return Ok(());
            }
            "amendment" => {}
            _ => return Ok(()),
        }
        let event: AmendmentEvent = decode(logged)?;
        let id = AmendmentId::parse(&logged.event.stream_id).map_err(|e| e.to_string())?;
        let at = occurred_at(logged);
        if let AmendmentEvent::AmendmentSubmitted {
            amendment_id,
            bill_id,
            base_version,
            change,
            origin,
            title,
            proposed_text,
            rationale,
            author,
        } = event
        {
            if self.amendments.contains_key(&amendment_id) {
                return Err(format!("amendment {amendment_id} submitted twice"));
            }
            let view = AmendmentView {
                id: amendment_id,
                bill_id,
                base_version: base_version.get(),
                change,
                origin,
                title,
                proposed_text,
                rationale,
                author,
                submitted_at: at,
                submitted_log_index: logged.log_index,
                state: "submitted".into(),
                decision: None,
                responses: Vec::new(),
                taken_in_by_versions: Vec::new(),
                not_voted_note: None,
                hidden: None,
            };
            changes.put(key(amendment_id), &view);
            self.by_bill.entry(bill_id).or_default().push(amendment_id);
            self.amendments.insert(amendment_id, view);
            return Ok(());
        }
        let view = self
            .amendments
            .get_mut(&id)
            .ok_or_else(|| format!("event on amendment {id} before it was submitted"))?;
        match event {
            AmendmentEvent::AmendmentSubmitted { .. } => unreachable!("handled above"),
            AmendmentEvent::AmendmentRevised {
                title,
                proposed_text,
                rationale,
            } => {
                view.title = title;
                view.proposed_text = proposed_text;
                view.rationale = rationale;
            }
            AmendmentEvent::AmendmentWithdrawn => view.state = "withdrawn".into(),
            AmendmentEvent::AmendmentDecided {
                outcome,
                response,
                decided_by,
            } => {
                view.state = outcome_state(outcome).into();
                view.responses.push(ResponseView {
                    response: response.clone(),
                    published_by: decided_by.clone(),
                    published_at: at.clone(),
                    log_index: logged.log_index,
                    correction_reason: None,
                });
                view.decision = Some(DecisionView {
                    outcome,
                    response,
                    decided_by,
                    decided_at: at,
                });
            }
            AmendmentEvent::PublishedTallyRecorded { .. } => return Ok(()),
            AmendmentEvent::AmendmentNotVoted { note, .. } => {
                view.state = "not_voted".into();
                view.not_voted_note = Some(note);
            }
            AmendmentEvent::AmendmentHidden { reason, hidden_by } => {
                view.hidden = Some(HiddenView {
                    reason,
                    hidden_by,
                    hidden_at: at,
                });
            }
            AmendmentEvent::DecisionResponseCorrected {
                response,
                reason,
                corrected_by,
            } => {
                let decision = view.decision.as_mut().ok_or_else(|| {
                    format!("response of amendment {id} corrected before it was decided")
                })?;
                decision.response = response.clone();
                view.responses.push(ResponseView {
                    response,
                    published_by: corrected_by,
                    published_at: at,
                    log_index: logged.log_index,
                    correction_reason: Some(reason),
                });
            }
        }
        changes.put(key(id), &*view);
        Ok(())
    }

    fn restore(&mut self, key: &str, body: &str) -> Result<(), String> {
        if !key.starts_with("amendment/") {
            return Err(format!("unexpected document `{key}`"));
        }
        let view: AmendmentView = parse_doc(key, body)?;
        self.amendments.insert(view.id, view);
        Ok(())
    }

    fn restored(&mut self) {
        let mut all: Vec<(u64, BillId, AmendmentId)> = self
            .amendments
            .values()
            .map(|a| (a.submitted_log_index, a.bill_id, a.id))
            .collect();
        all.sort();
        self.by_bill.clear();
        for (_, bill, id) in all {
            self.by_bill.entry(bill).or_default().push(id);
        }
    }
}
