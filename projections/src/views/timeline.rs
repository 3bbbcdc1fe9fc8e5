//! Each bill's timeline: every step in log order, in words (who did what, to which article, with
//! what outcome). Steps that share an instant form one point when listed (see `points`).
//!
//! Documents: `entry/{bill}/{log_index:020}` (one step), and the labels the sentences need:
//! `article/{bill}/{article}` (its current display number), `amendment/{id}` (bill, title,
//! article), `ballot/{stream}` (its target), `argument/{stream}` (its target and author).

use std::collections::{BTreeMap, HashMap};

use domain::amendment::{AmendmentEvent, Change, DecisionOutcome};
use domain::argument::{ArgumentEvent, Stance};
use domain::ballot::{BallotEvent, Choice, VoteCounts};
use domain::bill::BillEvent;
use domain::ids::{AmendmentId, ArticleId, BillId, ParticipantId, Target};
use domain::text::Article;
use serde::{Deserialize, Serialize};

use super::{decode, occurred_at, parse_doc, Changes, Projection};
use crate::store::LoggedEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub log_index: u64,
    pub occurred_at: String,
    pub recorded_at: String,
    pub actor: String,
    pub stream: String,
    pub event_type: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<ArticleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment_id: Option<AmendmentId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AmendmentLabel {
    bill_id: BillId,
    title: String,
    article_id: Option<ArticleId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ArgumentLabel {
    target: Target,
    author: ParticipantId,
}

/// The `timeline` projection.
#[derive(Debug, Default)]
pub struct Timeline {
    entries: BTreeMap<BillId, Vec<TimelineEntry>>,
    article_labels: HashMap<(BillId, ArticleId), String>,
    amendments: HashMap<AmendmentId, AmendmentLabel>,
    ballots: HashMap<String, Target>,
    arguments: HashMap<String, ArgumentLabel>,
}

/// Steps that share an instant, listed together in log order.
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePoint<'a> {
    pub occurred_at: &'a str,
    pub entries: &'a [TimelineEntry],
}

fn choice_word(choice: Choice) -> &'static str {
    match choice {
        Choice::For => "for",
        Choice::Mixed => "mixed",
        Choice::Against => "against",
        Choice::Pass => "pass",
    }
}

/// "3 for, 1 mixed, 2 against", with the passes only when some ballot passed.
fn counts_words(counts: &VoteCounts) -> String {
    let mut words = format!(
        "{} for, {} mixed, {} against",
        counts.r#for, counts.mixed, counts.against
    );
    if counts.pass > 0 {
        words.push_str(&format!(", {} pass", counts.pass));
    }
    words
}

fn outcome_words(outcome: DecisionOutcome) -> &'static str {
    match outcome {
        DecisionOutcome::Accepted => "accepted",
        DecisionOutcome::AcceptedWithChanges => "accepted with changes",
        DecisionOutcome::Rejected => "rejected",
    }
}

/// What one event adds to a bill's timeline, before it is stamped with the event's fields.
struct Step {
    bill_id: BillId,
    summary: String,
    article_id: Option<ArticleId>,
    amendment_id: Option<AmendmentId>,
}

impl Timeline {
    /// A bill's steps after `after` (a log index), grouped into points of one instant, at most
    /// `limit` points; and whether more follow.
    pub fn points(
        &self,
        bill_id: BillId,
        after: u64,
        limit: usize,
    ) -> (Vec<TimelinePoint<'_>>, bool) {
        let entries = self
            .entries
            .get(&bill_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut rest = &entries[entries.partition_point(|e| e.log_index <= after)..];
        let mut points = Vec::new();
        while !rest.is_empty() && points.len() < limit {
            let instant = rest[0].occurred_at.as_str();
            let same = rest.iter().take_while(|e| e.occurred_at == instant).count();
            points.push(TimelinePoint {
                occurred_at: instant,
                entries: &rest[..same],
            });
            rest = &rest[same..];
        }
        (points, !rest.is_empty())
    }

    pub fn has_bill(&self, bill_id: BillId) -> bool {
        self.entries.contains_key(&bill_id)
    }

    fn article_label(&self, bill_id: BillId, article_id: ArticleId) -> String {
        self.article_labels
            .get(&(bill_id, article_id))
            .cloned()
            .unwrap_or_else(|| format!("article {article_id}"))
    }

    fn target_label(&self, target: &Target) -> String {
        match target {
            Target::Article {
                bill_id,
                article_id,
            } => self.article_label(*bill_id, *article_id),
            Target::Amendment { amendment_id } => self
                .amendments
                .get(amendment_id)
                .map(|a| format!("amendment « {} »", a.title))
                .unwrap_or_else(|| format!("amendment {amendment_id}")),
        }
    }

    fn bill_of(&self, target: &Target) -> Option<BillId> {
        match target {
            Target::Article { bill_id, .. } => Some(*bill_id),
            Target::Amendment { amendment_id } => {
                self.amendments.get(amendment_id).map(|a| a.bill_id)
            }
        }
    }

    fn step_on(&self, target: &Target, summary: String) -> Option<Step> {
        Some(Step {
            bill_id: self.bill_of(target)?,
            summary,
            article_id: match target {
                Target::Article { article_id, .. } => Some(*article_id),
                Target::Amendment { amendment_id } => {
                    self.amendments.get(amendment_id).and_then(|a| a.article_id)
                }
            },
            amendment_id: match target {
                Target::Amendment { amendment_id } => Some(*amendment_id),
                Target::Article { .. } => None,
            },
        })
    }

    fn label_articles(&mut self, bill_id: BillId, articles: &[Article], changes: &mut Changes) {
        for article in articles {
            let label = format!("Article {}", article.number);
            if self.article_labels.get(&(bill_id, article.id)) != Some(&label) {
                changes.put(format!("article/{bill_id}/{}", article.id), &label);
                self.article_labels.insert((bill_id, article.id), label);
            }
        }
    }

    fn bill_step(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<Step, String> {
        let bill_id = BillId::parse(&logged.event.stream_id).map_err(|e| e.to_string())?;
        let step = |summary: String, article_id| Step {
            bill_id,
            summary,
            article_id,
            amendment_id: None,
        };
        Ok(match decode::<BillEvent>(logged)? {
            BillEvent::BillDrafted {
                title, articles, ..
            } => {
                self.label_articles(bill_id, &articles, changes);
                step(
                    format!(
                        "bill « {title} » drafted with {} articles (version 1)",
                        articles.len()
                    ),
                    None,
                )
            }
            BillEvent::ConsultationOpened {
                opens_at,
                closes_at,
            } => step(
                format!(
                    "consultation opened from {} until {} (exclusive)",
                    opens_at.to_rfc3339(),
                    closes_at.to_rfc3339()
                ),
                None,
            ),
            BillEvent::ConsultationClosed { closed_at } => step(
                format!("consultation closed at {}", closed_at.to_rfc3339()),
                None,
            ),
            BillEvent::VersionPublished {
                number,
                label,
                articles,
                provenance,
                ..
            } => {
                self.label_articles(bill_id, &articles, changes);
                // The amendments it takes in, in the order the provenance gives (for a version
                // computed from amendments: the order they were applied in).
                let mut taken: Vec<String> = Vec::new();
                for p in &provenance {
                    for id in &p.amendments {
                        let title = self
                            .amendments
                            .get(id)
                            .map_or_else(|| id.to_string(), |a| a.title.clone());
                        taken.push(format!(
                            "« {title} » ({})",
                            self.article_label(bill_id, p.article_id)
                        ));
                    }
                }
                let takes_in = if taken.is_empty() {
                    String::new()
                } else {
                    format!("; takes in {}", taken.join(", "))
                };
                step(
                    format!(
                        "version {} published ({label}): {} articles, {} changed articles{takes_in}",
                        number.get(),
                        articles.len(),
                        provenance.len()
                    ),
                    None,
                )
            }
            BillEvent::PublishedTallyRecorded {
                article_id, counts, ..
            } => step(
                format!(
                    "published tally recorded for {}: {}",
                    self.article_label(bill_id, article_id),
                    counts_words(&counts)
                ),
                Some(article_id),
            ),
            BillEvent::BillAdopted => step("bill adopted".into(), None),
            BillEvent::BillWithdrawn => step("bill withdrawn".into(), None),
            BillEvent::StepFailed { label, kind, note } => step(
                format!("step {label} produced no text ({}): {note}", kind.as_str()),
                None,
            ),
        })
    }

    fn amendment_step(
        &mut self,
        logged: &LoggedEvent,
        changes: &mut Changes,
    ) -> Result<Step, String> {
        let id = AmendmentId::parse(&logged.event.stream_id).map_err(|e| e.to_string())?;
        let event: AmendmentEvent = decode(logged)?;
        if let AmendmentEvent::AmendmentSubmitted {
            bill_id,
            change,
            title,
            ..
        } = &event
        {
            let target = match change {
                Change::Modify { article_id } => {
                    format!("to modify {}", self.article_label(*bill_id, *article_id))
                }
                Change::Delete { article_id } => {
                    format!("to delete {}", self.article_label(*bill_id, *article_id))
                }
                Change::InsertAfter {
                    article_id: Some(a),
                } => format!(
                    "to insert a new article after {}",
                    self.article_label(*bill_id, *a)
                ),
                Change::InsertAfter { article_id: None } => "to insert a new article".into(),
                Change::WholeText => "on the text as a whole".into(),
            };
            let label = AmendmentLabel {
                bill_id: *bill_id,
                title: title.clone(),
                article_id: match change {
                    Change::Modify { article_id } | Change::Delete { article_id } => {
                        Some(*article_id)
                    }
                    Change::InsertAfter { article_id } => *article_id,
                    Change::WholeText => None,
                },
            };
            changes.put(format!("amendment/{id}"), &label);
            let step = Step {
                bill_id: *bill_id,
                summary: format!("amendment « {title} » submitted {target}"),
                article_id: label.article_id,
                amendment_id: Some(id),
            };
            self.amendments.insert(id, label);
            return Ok(step);
        }
        let label = self
            .amendments
            .get_mut(&id)
            .ok_or_else(|| format!("event on amendment {id} before it was submitted"))?;
        let summary = match event {
            AmendmentEvent::AmendmentSubmitted { .. } => unreachable!("handled above"),
            AmendmentEvent::AmendmentRevised { title, .. } => {
                let summary = format!("amendment « {title} » revised by its author");
                if label.title != title {
                    label.title = title;
                    changes.put(format!("amendment/{id}"), &*label);
                }
                summary
            }
            AmendmentEvent::AmendmentWithdrawn => {
                format!("amendment « {} » withdrawn by its author", label.title)
            }
            AmendmentEvent::AmendmentDecided {
                outcome,
                decided_by,
                ..
            } => format!(
                "amendment « {} » {} by {decided_by}",
                label.title,
                outcome_words(outcome)
            ),
            AmendmentEvent::PublishedTallyRecorded { counts, .. } => format!(
                "published tally recorded for amendment « {} »: {}",
                label.title,
                counts_words(&counts)
            ),
            AmendmentEvent::AmendmentNotVoted { note, recorded_by } => format!(
                "amendment « {} » was never put to the vote ({note}), recorded by {recorded_by}",
                label.title
            ),
            AmendmentEvent::AmendmentHidden { reason, hidden_by } => format!(
                "amendment « {} » hidden by {hidden_by}: {reason}",
                label.title
            ),
            AmendmentEvent::DecisionResponseCorrected {
                reason,
                corrected_by,
                ..
            } => format!(
                "official response to amendment « {} » corrected by {corrected_by}: {reason}",
                label.title
            ),
        };
        Ok(Step {
            bill_id: label.bill_id,
            summary,
            article_id: label.article_id,
            amendment_id: Some(id),
        })
    }

    fn ballot_step(
        &mut self,
        logged: &LoggedEvent,
        changes: &mut Changes,
    ) -> Result<Option<Step>, String> {
        let stream = logged.event.stream_id.as_str();
        let event: BallotEvent = decode(logged)?;
        let target = match &event {
            BallotEvent::BallotCast { target, .. } => {
                if !self.ballots.contains_key(stream) {
                    changes.put(format!("ballot/{stream}"), target);
                    self.ballots.insert(stream.to_string(), *target);
                }
                *target
            }
            _ => *self
                .ballots
                .get(stream)
                .ok_or_else(|| format!("ballot {stream} changed before it was cast"))?,
        };
        let actor = &logged.event.actor;
        let verb = match event {
            BallotEvent::BallotCast {
                participant,
                choice,
                ..
            } => format!("{participant} voted {}", choice_word(choice)),
            BallotEvent::BallotChanged { choice, .. } => {
                format!("{actor} changed their vote to {}", choice_word(choice))
            }
            BallotEvent::BallotRetracted => format!("{actor} retracted their vote"),
        };
        let summary = format!("{verb} on {}", self.target_label(&target));
        Ok(self.step_on(&target, summary))
    }

    fn argument_step(
        &mut self,
        logged: &LoggedEvent,
        changes: &mut Changes,
    ) -> Result<Option<Step>, String> {
        let stream = logged.event.stream_id.as_str();
        match decode::<ArgumentEvent>(logged)? {
            ArgumentEvent::ArgumentPosted {
                author,
                target,
                stance,
                ..
            } => {
                let stance_word = match stance {
                    Stance::For => "for",
                    Stance::Against => "against",
                    Stance::Neutral => "neutral",
                };
                let summary = format!(
                    "{author} argued {stance_word} {}",
                    self.target_label(&target)
                );
                let label = ArgumentLabel { target, author };
                changes.put(format!("argument/{stream}"), &label);
                self.arguments.insert(stream.to_string(), label);
                Ok(self.step_on(&target, summary))
            }
            ArgumentEvent::ArgumentWithdrawn => {
                let label = self
                    .arguments
                    .get(stream)
                    .ok_or_else(|| format!("argument {stream} withdrawn before it was posted"))?;
                let summary = format!("{} withdrew an argument", label.author);
                Ok(self.step_on(&label.target.clone(), summary))
            }
        }
    }
}

impl Projection for Timeline {
    const NAME: &'static str = "timeline";

    fn apply(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<(), String> {
        let e = &logged.event;
        let step = match e.stream_type.as_str() {
            "bill" => Some(self.bill_step(logged, changes)?),
            "amendment" => Some(self.amendment_step(logged, changes)?),
            "ballot" => self.ballot_step(logged, changes)?,
            "argument" => self.argument_step(logged, changes)?,
            other => return Err(format!("unknown stream type `{other}`")),
        };
        let Some(step) = step else {
            return Ok(());
        };
        let entries = self.entries.entry(step.bill_id).or_default();
        if entries
            .last()
            .is_some_and(|last| last.log_index >= logged.log_index)
        {
            // Delivered again (entries are in log order): the entry is already there.
            return Ok(());
        }
        let entry = TimelineEntry {
            log_index: logged.log_index,
            occurred_at: occurred_at(logged),
            recorded_at: e.recorded_at.to_fixed_string(),
            actor: e.actor.clone(),
            stream: format!("{}/{}", e.stream_type, e.stream_id),
            event_type: e.event_type.clone(),
            summary: step.summary,
            article_id: step.article_id,
            amendment_id: step.amendment_id,
        };
        changes.put(
            format!("entry/{}/{:020}", step.bill_id, logged.log_index),
            &entry,
        );
        entries.push(entry);
        Ok(())
    }

    fn restore(&mut self, key: &str, body: &str) -> Result<(), String> {
        let mut parts = key.splitn(3, '/');
        let (kind, first, second) = (parts.next(), parts.next(), parts.next());
        let bill = |raw: Option<&str>| {
            raw.and_then(|b| BillId::parse(b).ok())
                .ok_or_else(|| format!("document key `{key}` names no bill"))
        };
        match kind {
            Some("entry") => {
                let entry: TimelineEntry = parse_doc(key, body)?;
                self.entries.entry(bill(first)?).or_default().push(entry);
            }
            Some("article") => {
                let article = second
                    .and_then(|a| ArticleId::parse(a).ok())
                    .ok_or_else(|| format!("document key `{key}` names no article"))?;
                self.article_labels
                    .insert((bill(first)?, article), parse_doc(key, body)?);
            }
            Some("amendment") => {
                let id = first
                    .and_then(|a| AmendmentId::parse(a).ok())
                    .ok_or_else(|| format!("document key `{key}` names no amendment"))?;
                self.amendments.insert(id, parse_doc(key, body)?);
            }
            Some("ballot") => {
                let stream = key["ballot/".len()..].to_string();
                self.ballots.insert(stream, parse_doc(key, body)?);
            }
            Some("argument") => {
                let stream = key["argument/".len()..].to_string();
                self.arguments.insert(stream, parse_doc(key, body)?);
            }
            _ => return Err(format!("unexpected document `{key}`")),
        }
        Ok(())
    }
}
