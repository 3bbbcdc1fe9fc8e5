//! The `Amendment` aggregate: submitted against one article of one version of a bill, revised
//! or withdrawn by its author while the consultation is open, decided once by an official with a
//! public response. Government and parliamentary amendments are submitted by officials and are
//! not bound by the consultation window (neither are their revisions). A parliamentary amendment
//! that was never put to the vote (it fell, was withdrawn or not moved) is recorded as such, a
//! final state apart from any decision. A moderator may hide an amendment with a public reason;
//! hiding never removes its text from the log.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::ballot::VoteCounts;
use crate::bill::{AmendmentFact, ConsultationWindow, WindowError};
use crate::ids::{AmendmentId, ArticleId, BillId, ParticipantId, VersionNumber};
use crate::text::{normalize_text, AmendmentEdit};

/// What the amendment does to the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Modify {
        article_id: ArticleId,
    },
    /// Insert a new article after `article_id`, or at the start when `None`.
    InsertAfter {
        article_id: Option<ArticleId>,
    },
    Delete {
        article_id: ArticleId,
    },
    /// About the bill as a whole rather than one of its articles: its title, or a procedural
    /// motion (e.g. a motion to reject the whole text).
    WholeText,
}

/// Who proposed the amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    Citizen,
    Government,
    /// Tabled in parliament under these numbers.
    Parliamentary {
        numbers: Vec<u32>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Accepted,
    AcceptedWithChanges,
    Rejected,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AmendmentCommand {
    Submit {
        actor: Actor,
        at: DateTime<Utc>,
        amendment_id: AmendmentId,
        bill_id: BillId,
        base_version: VersionNumber,
        change: Change,
        origin: Origin,
        title: String,
        /// Paragraphs; `None` when the source lost the text.
        proposed_text: Option<Vec<String>>,
        rationale: String,
        /// The bill's consultation window, read by the application layer.
        window: Option<ConsultationWindow>,
    },
    Revise {
        actor: Actor,
        at: DateTime<Utc>,
        title: String,
        proposed_text: Option<Vec<String>>,
        rationale: String,
        window: Option<ConsultationWindow>,
    },
    Withdraw {
        actor: Actor,
        at: DateTime<Utc>,
        window: Option<ConsultationWindow>,
    },
    Decide {
        actor: Actor,
        at: DateTime<Utc>,
        outcome: DecisionOutcome,
        response: String,
    },
    /// Imported published vote counts (official or admin).
    RecordPublishedTally {
        actor: Actor,
        at: DateTime<Utc>,
        counts: VoteCounts,
        source: String,
    },
    /// The chamber never voted on this amendment (official): final, and not a rejection.
    RecordNotVoted {
        actor: Actor,
        at: DateTime<Utc>,
        /// What the source says, e.g. "non-voté (…)".
        note: String,
    },
    /// Hide the amendment from the public lists (moderator), with a public reason.
    Hide {
        actor: Actor,
        at: DateTime<Utc>,
        reason: String,
    },
    /// Replaces the public response of a decision (official or admin); the outcome stands and
    /// the earlier response stays in the log.
    CorrectResponse {
        actor: Actor,
        at: DateTime<Utc>,
        response: String,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmendmentEvent {
    AmendmentSubmitted {
        amendment_id: AmendmentId,
        bill_id: BillId,
        base_version: VersionNumber,
        change: Change,
        origin: Origin,
        title: String,
        proposed_text: Option<Vec<String>>,
        rationale: String,
        author: ParticipantId,
    },
    AmendmentRevised {
        title: String,
        proposed_text: Option<Vec<String>>,
        rationale: String,
    },
    AmendmentWithdrawn,
    AmendmentDecided {
        outcome: DecisionOutcome,
        response: String,
        decided_by: ParticipantId,
    },
    PublishedTallyRecorded {
        counts: VoteCounts,
        source: String,
    },
    /// Never put to the vote (fell, withdrawn or not moved in the chamber); no decision follows.
    AmendmentNotVoted {
        note: String,
        recorded_by: ParticipantId,
    },
    /// Hidden by moderation; the amendment and its text stay in the log.
    AmendmentHidden {
        reason: String,
        hidden_by: ParticipantId,
    },
    /// The decision's public response as corrected; the outcome is unchanged.
    DecisionResponseCorrected {
        response: String,
        reason: String,
        corrected_by: ParticipantId,
    },
}

impl DomainEvent for AmendmentEvent {
    fn event_type(&self) -> String {
        match self {
            AmendmentEvent::AmendmentSubmitted { .. } => "AmendmentSubmitted",
            AmendmentEvent::AmendmentRevised { .. } => "AmendmentRevised",
            AmendmentEvent::AmendmentWithdrawn => "AmendmentWithdrawn",
            AmendmentEvent::AmendmentDecided { .. } => "AmendmentDecided",
            AmendmentEvent::PublishedTallyRecorded { .. } => "PublishedTallyRecorded",
            AmendmentEvent::AmendmentNotVoted { .. } => "AmendmentNotVoted",
            AmendmentEvent::AmendmentHidden { .. } => "AmendmentHidden",
            AmendmentEvent::DecisionResponseCorrected { .. } => "DecisionResponseCorrected",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmendmentError {
    #[error("this needs the {needed} role; sign in with an account that holds it")]
    Forbidden { needed: Role },
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error("this amendment was already submitted; revise it instead")]
    AlreadySubmitted,
    #[error("this amendment does not exist yet; submit it first")]
    NotSubmitted,
    #[error("only the author ({author}) may change this amendment")]
    NotAuthor { author: ParticipantId },
    #[error("this amendment was withdrawn; submit a new one instead")]
    Withdrawn,
    #[error("this amendment was already decided ({}); a decision is final", outcome.as_str())]
    AlreadyDecided { outcome: DecisionOutcome },
    #[error("this amendment was never put to the vote; it can no longer be decided or changed")]
    NotVoted,
    #[error("this amendment is already hidden by moderation")]
    AlreadyHidden,
    #[error("the {field} must not be empty")]
    Empty { field: &'static str },
    #[error("this amendment is not decided yet; there is no response to correct")]
    NotDecided,
    #[error("the corrected response is the same as the published one; send the new wording")]
    ResponseUnchanged,
}

/// Where an amendment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AmendmentState {
    #[default]
    Draft,
    Submitted,
    Withdrawn,
    Decided(DecisionOutcome),
    /// Never put to the vote: final, and neither accepted nor rejected.
    NotVoted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Submission {
    amendment_id: AmendmentId,
    bill_id: BillId,
    origin: Origin,
    author: ParticipantId,
    change: Change,
    /// As last revised.
    proposed_text: Option<Vec<String>>,
    /// The version of the bill it was written against.
    #[serde(default = "first_version")]
    base_version: VersionNumber,
}

fn first_version() -> VersionNumber {
    VersionNumber::FIRST
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    submission: Option<Submission>,
    state: AmendmentState,
    /// Hidden by moderation (orthogonal to the state).
    #[serde(default)]
    hidden: bool,
    /// The decision's public response, as last corrected.
    response: Option<String>,
}

fn require(actor: &Actor, role: Role) -> Result<(), AmendmentError> {
    actor
        .require(role)
        .map_err(|needed| AmendmentError::Forbidden { needed })
}

fn non_empty(value: &str, field: &'static str) -> Result<(), AmendmentError> {
    if value.trim().is_empty() {
        return Err(AmendmentError::Empty { field });
    }
    Ok(())
}

fn check_text(proposed_text: &Option<Vec<String>>) -> Result<(), AmendmentError> {
    match proposed_text {
        Some(paragraphs) if paragraphs.iter().all(|p| p.trim().is_empty()) => {
            Err(AmendmentError::Empty {
                field: "proposed text (send none when the source lost it)",
            })
        }
        _ => Ok(()),
    }
}

impl Amendment {
    pub fn state(&self) -> AmendmentState {
        self.state
    }

    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    pub fn author(&self) -> Option<&ParticipantId> {
        self.submission.as_ref().map(|s| &s.author)
    }

    /// What a bill's `PublishVersion` needs to know about this amendment.
    pub fn fact(&self) -> Option<AmendmentFact> {
        self.submission.as_ref().map(|s| AmendmentFact {
            id: s.amendment_id,
            bill_id: s.bill_id,
            decision: match self.state {
                AmendmentState::Decided(outcome) => Some(outcome),
                _ => None,
            },
        })
    }

    /// What applying this amendment does to the text (its change and latest proposed text). The
    /// article's text in its base version is not kept here: the caller fills `base_paragraphs`.
    pub fn edit(&self) -> Option<AmendmentEdit> {
        self.submission.as_ref().map(|s| AmendmentEdit {
            amendment_id: s.amendment_id,
            change: s.change,
            proposed_text: s.proposed_text.clone(),
            base_paragraphs: None,
        })
    }

    /// The version of the bill the amendment was written against.
    pub fn base_version(&self) -> Option<VersionNumber> {
        self.submission.as_ref().map(|s| s.base_version)
    }

    /// The decision's public response, as last corrected.
    pub fn response(&self) -> Option<&str> {
        self.response.as_deref()
    }

    fn submission(&self) -> Result<&Submission, AmendmentError> {
        self.submission.as_ref().ok_or(AmendmentError::NotSubmitted)
    }

    fn require_undecided(&self) -> Result<(), AmendmentError> {
        match self.state {
            AmendmentState::Draft => Err(AmendmentError::NotSubmitted),
            AmendmentState::Withdrawn => Err(AmendmentError::Withdrawn),
            AmendmentState::Decided(outcome) => Err(AmendmentError::AlreadyDecided { outcome }),
            AmendmentState::NotVoted => Err(AmendmentError::NotVoted),
            AmendmentState::Submitted => Ok(()),
        }
    }

    /// Author-only changes: citizen amendments only while the window is open.
    fn require_author_change(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        window: Option<&ConsultationWindow>,
    ) -> Result<(), AmendmentError> {
        let submission = self.submission()?;
        if actor.participant != submission.author {
            return Err(AmendmentError::NotAuthor {
                author: submission.author.clone(),
            });
        }
        self.require_undecided()?;
        if submission.origin == Origin::Citizen {
            ConsultationWindow::check_optional(window, at)?;
        }
        Ok(())
    }

    /// Pure decision: the events `command` produces on this state, or why it is refused.
    pub fn decide(&self, command: AmendmentCommand) -> Result<Vec<AmendmentEvent>, AmendmentError> {
        match command {
            AmendmentCommand::Submit {
                actor,
                at,
                amendment_id,
                bill_id,
                base_version,
                change,
                origin,
                title,
                proposed_text,
                rationale,
                window,
            } => {
                if origin == Origin::Citizen {
                    require(&actor, Role::Citizen)?;
                } else {
                    require(&actor, Role::Official)?;
                }
                if self.state != AmendmentState::Draft {
                    return Err(AmendmentError::AlreadySubmitted);
                }
                if origin == Origin::Citizen {
                    ConsultationWindow::check_optional(window.as_ref(), at)?;
                }
                non_empty(&title, "title")?;
                check_text(&proposed_text)?;
                Ok(vec![AmendmentEvent::AmendmentSubmitted {
                    amendment_id,
                    bill_id,
                    base_version,
                    change,
                    origin,
                    title,
                    proposed_text,
                    rationale,
                    author: actor.participant,
                }])
            }
            AmendmentCommand::Revise {
                actor,
                at,
                title,
                proposed_text,
                rationale,
                window,
            } => {
                self.require_author_change(&actor, at, window.as_ref())?;
                non_empty(&title, "title")?;
                check_text(&proposed_text)?;
                Ok(vec![AmendmentEvent::AmendmentRevised {
                    title,
                    proposed_text,
                    rationale,
                }])
            }
            AmendmentCommand::Withdraw { actor, at, window } => {
                self.require_author_change(&actor, at, window.as_ref())?;
                Ok(vec![AmendmentEvent::AmendmentWithdrawn])
            }
            AmendmentCommand::Decide {
                actor,
                outcome,
                response,
                ..
            } => {
                require(&actor, Role::Official)?;
                self.require_undecided()?;
                non_empty(&response, "response")?;
                Ok(vec![AmendmentEvent::AmendmentDecided {
                    outcome,
                    response,
                    decided_by: actor.participant,
                }])
            }
            AmendmentCommand::RecordPublishedTally {
                actor,
                counts,
                source,
                ..
            } => {
                require(&actor, Role::Official)?;
                self.submission()?;
                non_empty(&source, "source")?;
                Ok(vec![AmendmentEvent::PublishedTallyRecorded {
                    counts,
                    source,
                }])
            }
            AmendmentCommand::RecordNotVoted { actor, note, .. } => {
                require(&actor, Role::Official)?;
                self.require_undecided()?;
                non_empty(&note, "note")?;
                Ok(vec![AmendmentEvent::AmendmentNotVoted {
                    note,
                    recorded_by: actor.participant,
                }])
            }
            AmendmentCommand::Hide { actor, reason, .. } => {
                require(&actor, Role::Moderator)?;
                self.submission()?;
                if self.hidden {
                    return Err(AmendmentError::AlreadyHidden);
                }
                non_empty(&reason, "reason")?;
                Ok(vec![AmendmentEvent::AmendmentHidden {
                    reason,
                    hidden_by: actor.participant,
                }])
            }
            AmendmentCommand::CorrectResponse {
                actor,
                response,
                reason,
                ..
            } => {
                require(&actor, Role::Official)?;
                match self.state {
                    AmendmentState::Draft => return Err(AmendmentError::NotSubmitted),
                    AmendmentState::Decided(_) => {}
                    AmendmentState::NotVoted => return Err(AmendmentError::NotVoted),
                    AmendmentState::Submitted | AmendmentState::Withdrawn => {
                        return Err(AmendmentError::NotDecided)
                    }
                }
                non_empty(&response, "response")?;
                non_empty(&reason, "reason for the correction")?;
                if self.response.as_deref().map(normalize_text) == Some(normalize_text(&response)) {
                    return Err(AmendmentError::ResponseUnchanged);
                }
                Ok(vec![AmendmentEvent::DecisionResponseCorrected {
                    response,
                    reason,
                    corrected_by: actor.participant,
                }])
            }
        }
    }
}

impl Aggregate for Amendment {
    const TYPE: &'static str = "amendment";
    type Command = AmendmentCommand;
    type Event = AmendmentEvent;
    type Error = AmendmentError;
    type Services = ();

    async fn handle(
        &mut self,
        command: AmendmentCommand,
        _service: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), AmendmentError> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: AmendmentEvent) {
        match event {
            AmendmentEvent::AmendmentSubmitted {
                amendment_id,
                bill_id,
                origin,
                author,
                change,
                proposed_text,
                base_version,
                ..
            } => {
                self.submission = Some(Submission {
                    amendment_id,
                    bill_id,
                    origin,
                    author,
                    change,
                    proposed_text,
                    base_version,
                });
                self.state = AmendmentState::Submitted;
            }
            AmendmentEvent::AmendmentRevised { proposed_text, .. } => {
                if let Some(submission) = &mut self.submission {
                    submission.proposed_text = proposed_text;
                }
            }
            AmendmentEvent::AmendmentWithdrawn => self.state = AmendmentState::Withdrawn,
            AmendmentEvent::AmendmentDecided {
                outcome, response, ..
            } => {
                self.state = AmendmentState::Decided(outcome);
                self.response = Some(response);
            }
            AmendmentEvent::PublishedTallyRecorded { .. } => {}
            AmendmentEvent::AmendmentNotVoted { .. } => self.state = AmendmentState::NotVoted,
            AmendmentEvent::AmendmentHidden { .. } => self.hidden = true,
            AmendmentEvent::DecisionResponseCorrected { response, .. } => {
                self.response = Some(response)
            }
        }
    }
}

impl DecisionOutcome {
    /// The wire name: `accepted`, `accepted_with_changes` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionOutcome::Accepted => "accepted",
            DecisionOutcome::AcceptedWithChanges => "accepted_with_changes",
            DecisionOutcome::Rejected => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bill::tests::{actor, bill_id, official, t, window};
    use chrono::Duration;
    use uuid::Uuid;

    fn alice() -> Actor {
        actor("u0123456789", &[Role::Citizen])
    }

    fn amendment_id() -> AmendmentId {
        AmendmentId(Uuid::from_u128(201))
    }

    fn article_id() -> ArticleId {
        ArticleId(Uuid::from_u128(101))
    }

    fn submit_at(at: DateTime<Utc>) -> AmendmentCommand {
        AmendmentCommand::Submit {
            actor: alice(),
            at,
            amendment_id: amendment_id(),
            bill_id: bill_id(),
            base_version: VersionNumber::FIRST,
            change: Change::Modify {
                article_id: article_id(),
            },
            origin: Origin::Citizen,
            title: "Raccourcir le délai".into(),
            proposed_text: Some(vec!["dans un délai de six mois".into()]),
            rationale: "Douze mois, c’est trop long.".into(),
            window: Some(window()),
        }
    }

    fn submitted() -> AmendmentEvent {
        AmendmentEvent::AmendmentSubmitted {
            amendment_id: amendment_id(),
            bill_id: bill_id(),
            base_version: VersionNumber::FIRST,
            change: Change::Modify {
                article_id: article_id(),
            },
            origin: Origin::Citizen,
            title: "Raccourcir le délai".into(),
            proposed_text: Some(vec!["dans un délai de six mois".into()]),
            rationale: "Douze mois, c’est trop long.".into(),
            author: alice().participant,
        }
    }

    fn decided(outcome: DecisionOutcome) -> AmendmentEvent {
        AmendmentEvent::AmendmentDecided {
            outcome,
            response: "Le Gouvernement retient cette proposition.".into(),
            decided_by: official().participant,
        }
    }

    fn decide_command(actor: Actor) -> AmendmentCommand {
        AmendmentCommand::Decide {
            actor,
            at: t(20, 0),
            outcome: DecisionOutcome::Accepted,
            response: "Le Gouvernement retient cette proposition.".into(),
        }
    }

    fn withdraw(actor: Actor, at: DateTime<Utc>) -> AmendmentCommand {
        AmendmentCommand::Withdraw {
            actor,
            at,
            window: Some(window()),
        }
    }

    fn given(events: Vec<AmendmentEvent>) -> Amendment {
        let mut amendment = Amendment::default();
        for event in events {
            amendment.apply(event);
        }
        amendment
    }

    #[test]
    fn a_citizen_submits_an_amendment_while_the_consultation_is_open() {
        let events = Amendment::default().decide(submit_at(t(5, 0))).unwrap();
        assert_eq!(events, vec![submitted()]);
        let amendment = given(events);
        assert_eq!(amendment.state(), AmendmentState::Submitted);
        assert_eq!(
            amendment.fact(),
            Some(AmendmentFact {
                id: amendment_id(),
                bill_id: bill_id(),
                decision: None
            })
        );
    }

    #[test]
    fn a_submission_one_microsecond_before_the_close_is_accepted() {
        let at = window().closes_at - Duration::microseconds(1);
        assert!(Amendment::default().decide(submit_at(at)).is_ok());
    }

    #[test]
    fn a_submission_at_the_closing_instant_is_refused_naming_the_window() {
        let at = window().closes_at;
        let error = Amendment::default().decide(submit_at(at)).unwrap_err();
        assert_eq!(
            error,
            AmendmentError::Window(WindowError::Closed { closes_at: at, at })
        );
        assert!(error.to_string().contains("2015-10-18T22:00:00Z"));
    }

    #[test]
    fn a_submission_before_the_opening_is_refused() {
        let at = window().opens_at - Duration::microseconds(1);
        assert!(matches!(
            Amendment::default().decide(submit_at(at)),
            Err(AmendmentError::Window(WindowError::NotYetOpen { .. }))
        ));
    }

    #[test]
    fn a_citizen_amendment_without_a_consultation_is_refused() {
        let mut command = submit_at(t(5, 0));
        if let AmendmentCommand::Submit { window, .. } = &mut command {
            *window = None;
        }
        assert_eq!(
            Amendment::default().decide(command),
            Err(AmendmentError::Window(WindowError::NoConsultation))
        );
    }

    #[test]
    fn a_citizen_amendment_needs_the_citizen_role() {
        let mut command = submit_at(t(5, 0));
        if let AmendmentCommand::Submit { actor: a, .. } = &mut command {
            *a = actor("u0123456789", &[Role::Moderator]);
        }
        assert_eq!(
            Amendment::default().decide(command),
            Err(AmendmentError::Forbidden {
                needed: Role::Citizen
            })
        );
    }

    #[test]
    fn a_government_amendment_needs_an_official_and_ignores_the_window() {
        let mut command = submit_at(t(25, 0));
        if let AmendmentCommand::Submit { actor, origin, .. } = &mut command {
            *actor = official();
            *origin = Origin::Government;
        }
        assert!(Amendment::default().decide(command.clone()).is_ok());
        if let AmendmentCommand::Submit { actor, origin, .. } = &mut command {
            *actor = alice();
            *origin = Origin::Parliamentary {
                numbers: vec![12, 13],
            };
        }
        assert_eq!(
            Amendment::default().decide(command),
            Err(AmendmentError::Forbidden {
                needed: Role::Official
            })
        );
    }

    #[test]
    fn an_amendment_cannot_be_submitted_twice() {
        assert_eq!(
            given(vec![submitted()]).decide(submit_at(t(5, 0))),
            Err(AmendmentError::AlreadySubmitted)
        );
    }

    #[test]
    fn the_author_revises_while_the_window_is_open() {
        let command = AmendmentCommand::Revise {
            actor: alice(),
            at: t(6, 0),
            title: "Raccourcir le délai".into(),
            proposed_text: Some(vec!["dans un délai de trois mois".into()]),
            rationale: "Encore plus court.".into(),
            window: Some(window()),
        };
        assert!(matches!(
            given(vec![submitted()]).decide(command).unwrap()[..],
            [AmendmentEvent::AmendmentRevised { .. }]
        ));
    }

    #[test]
    fn someone_else_cannot_withdraw_the_amendment() {
        assert_eq!(
            given(vec![submitted()])
                .decide(withdraw(actor("u9999999999", &[Role::Citizen]), t(6, 0))),
            Err(AmendmentError::NotAuthor {
                author: alice().participant
            })
        );
    }

    #[test]
    fn the_author_cannot_withdraw_after_the_close() {
        assert!(matches!(
            given(vec![submitted()]).decide(withdraw(alice(), window().closes_at)),
            Err(AmendmentError::Window(WindowError::Closed { .. }))
        ));
    }

    #[test]
    fn the_author_cannot_withdraw_a_decided_amendment() {
        assert_eq!(
            given(vec![submitted(), decided(DecisionOutcome::Rejected)])
                .decide(withdraw(alice(), t(6, 0))),
            Err(AmendmentError::AlreadyDecided {
                outcome: DecisionOutcome::Rejected
            })
        );
    }

    #[test]
    fn an_official_decides_once() {
        let amendment = given(vec![submitted()]);
        let events = amendment.decide(decide_command(official())).unwrap();
        assert_eq!(events, vec![decided(DecisionOutcome::Accepted)]);
        let amendment = given(vec![submitted(), events[0].clone()]);
        assert_eq!(
            amendment.state(),
            AmendmentState::Decided(DecisionOutcome::Accepted)
        );
        assert_eq!(
            amendment.fact().unwrap().decision,
            Some(DecisionOutcome::Accepted)
        );
        assert_eq!(
            amendment.decide(decide_command(official())),
            Err(AmendmentError::AlreadyDecided {
                outcome: DecisionOutcome::Accepted
            })
        );
    }

    #[test]
    fn a_citizen_cannot_decide() {
        assert_eq!(
            given(vec![submitted()]).decide(decide_command(alice())),
            Err(AmendmentError::Forbidden {
                needed: Role::Official
            })
        );
    }

    #[test]
    fn a_withdrawn_amendment_cannot_be_decided() {
        assert_eq!(
            given(vec![submitted(), AmendmentEvent::AmendmentWithdrawn])
                .decide(decide_command(official())),
            Err(AmendmentError::Withdrawn)
        );
    }

    #[test]
    fn a_decision_needs_a_public_response() {
        let command = AmendmentCommand::Decide {
            actor: official(),
            at: t(20, 0),
            outcome: DecisionOutcome::Rejected,
            response: "  ".into(),
        };
        assert_eq!(
            given(vec![submitted()]).decide(command),
            Err(AmendmentError::Empty { field: "response" })
        );
    }

    #[test]
    fn a_published_tally_needs_an_official_and_a_submitted_amendment() {
        let command = |actor| AmendmentCommand::RecordPublishedTally {
            actor,
            at: t(20, 0),
            counts: VoteCounts {
                r#for: 5,
                mixed: 0,
                against: 1,
                pass: 0,
            },
            source: "amendements.csv".into(),
        };
        assert_eq!(
            Amendment::default().decide(command(official())),
            Err(AmendmentError::NotSubmitted)
        );
        assert_eq!(
            given(vec![submitted()]).decide(command(alice())),
            Err(AmendmentError::Forbidden {
                needed: Role::Official
            })
        );
        assert!(given(vec![submitted()]).decide(command(official())).is_ok());
    }

    fn moderator() -> Actor {
        actor("moderation", &[Role::Moderator])
    }

    fn not_voted_command(actor: Actor) -> AmendmentCommand {
        AmendmentCommand::RecordNotVoted {
            actor,
            at: t(20, 0),
            note: "non-voté (tombé)".into(),
        }
    }

    fn hide_command(actor: Actor, reason: &str) -> AmendmentCommand {
        AmendmentCommand::Hide {
            actor,
            at: t(20, 0),
            reason: reason.into(),
        }
    }

    fn correct(actor: Actor, response: &str, reason: &str) -> AmendmentCommand {
        AmendmentCommand::CorrectResponse {
            actor,
            at: t(21, 0),
            response: response.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn an_amendment_never_voted_on_is_final_and_neither_accepted_nor_rejected() {
        let events = given(vec![submitted()])
            .decide(not_voted_command(official()))
            .unwrap();
        assert_eq!(
            events,
            vec![AmendmentEvent::AmendmentNotVoted {
                note: "non-voté (tombé)".into(),
                recorded_by: official().participant,
            }]
        );
        let amendment = given(vec![submitted(), events[0].clone()]);
        assert_eq!(amendment.state(), AmendmentState::NotVoted);
        assert_eq!(amendment.fact().unwrap().decision, None);
        assert_eq!(
            amendment.decide(decide_command(official())),
            Err(AmendmentError::NotVoted)
        );
        assert_eq!(
            amendment.decide(not_voted_command(official())),
            Err(AmendmentError::NotVoted)
        );
    }

    #[test]
    fn only_an_official_records_that_an_undecided_amendment_was_not_voted_on() {
        assert_eq!(
            given(vec![submitted()]).decide(not_voted_command(alice())),
            Err(AmendmentError::Forbidden {
                needed: Role::Official
            })
        );
        assert_eq!(
            given(vec![submitted(), decided(DecisionOutcome::Rejected)])
                .decide(not_voted_command(official())),
            Err(AmendmentError::AlreadyDecided {
                outcome: DecisionOutcome::Rejected
            })
        );
    }

    #[test]
    fn a_moderator_hides_an_amendment_once_with_a_public_reason_and_its_state_stays() {
        let amendment = given(vec![submitted()]);
        assert_eq!(
            amendment.decide(hide_command(alice(), "spam")),
            Err(AmendmentError::Forbidden {
                needed: Role::Moderator
            })
        );
        assert_eq!(
            amendment.decide(hide_command(moderator(), " ")),
            Err(AmendmentError::Empty { field: "reason" })
        );
        let events = amendment.decide(hide_command(moderator(), "spam")).unwrap();
        let hidden = given(vec![submitted(), events[0].clone()]);
        assert!(hidden.is_hidden());
        assert_eq!(hidden.state(), AmendmentState::Submitted);
        assert_eq!(
            hidden.decide(hide_command(moderator(), "spam")),
            Err(AmendmentError::AlreadyHidden)
        );
        assert_eq!(
            Amendment::default().decide(hide_command(moderator(), "spam")),
            Err(AmendmentError::NotSubmitted)
        );
    }

    const CORRECTED: &str = "Le Gouvernement retient cette proposition pour les sciences exactes.";

    #[test]
    fn an_official_corrects_a_published_response_giving_a_reason() {
        let amendment = given(vec![submitted(), decided(DecisionOutcome::Accepted)]);
        let events = amendment
            .decide(correct(official(), CORRECTED, "Erreur matérielle."))
            .unwrap();
        assert_eq!(
            events,
            vec![AmendmentEvent::DecisionResponseCorrected {
                response: CORRECTED.into(),
                reason: "Erreur matérielle.".into(),
                corrected_by: official().participant,
            }]
        );
        let corrected = given(vec![
            submitted(),
            decided(DecisionOutcome::Accepted),
            events[0].clone(),
        ]);
        assert_eq!(corrected.response(), Some(CORRECTED));
        assert_eq!(
            corrected.state(),
            AmendmentState::Decided(DecisionOutcome::Accepted)
        );
        // A second correction is compared with the corrected text, not the first one.
        assert_eq!(
            corrected.decide(correct(official(), &format!(" {CORRECTED} "), "Encore.")),
            Err(AmendmentError::ResponseUnchanged)
        );
        assert!(corrected
            .decide(correct(
                official(),
                "Le Gouvernement retient cette proposition.",
                "Retour au texte initial."
            ))
            .is_ok());
    }

    #[test]
    fn a_response_cannot_be_corrected_before_a_decision() {
        assert_eq!(
            given(vec![submitted()]).decide(correct(official(), CORRECTED, "r")),
            Err(AmendmentError::NotDecided)
        );
        assert_eq!(
            given(vec![submitted(), AmendmentEvent::AmendmentWithdrawn]).decide(correct(
                official(),
                CORRECTED,
                "r"
            )),
            Err(AmendmentError::NotDecided)
        );
        assert_eq!(
            Amendment::default().decide(correct(official(), CORRECTED, "r")),
            Err(AmendmentError::NotSubmitted)
        );
    }

    #[test]
    fn a_correction_must_change_the_response_and_give_a_reason() {
        let amendment = given(vec![submitted(), decided(DecisionOutcome::Rejected)]);
        assert_eq!(
            amendment.decide(correct(
                official(),
                "Le  Gouvernement retient\ncette proposition.",
                "r"
            )),
            Err(AmendmentError::ResponseUnchanged)
        );
        assert_eq!(
            amendment.decide(correct(official(), " ", "r")),
            Err(AmendmentError::Empty { field: "response" })
        );
        assert_eq!(
            amendment.decide(correct(official(), CORRECTED, "  ")),
            Err(AmendmentError::Empty {
                field: "reason for the correction"
            })
        );
    }

    #[test]
    fn only_an_official_corrects_a_response() {
        assert_eq!(
            given(vec![submitted(), decided(DecisionOutcome::Accepted)]).decide(correct(
                alice(),
                CORRECTED,
                "r"
            )),
            Err(AmendmentError::Forbidden {
                needed: Role::Official
            })
        );
    }

    #[test]
    fn the_amendment_remembers_its_change_and_latest_proposed_text_for_consolidation() {
        let revised = AmendmentEvent::AmendmentRevised {
            title: "t".into(),
            proposed_text: Some(vec!["dans un délai de trois mois".into()]),
            rationale: "r".into(),
        };
        assert_eq!(
            given(vec![submitted(), revised]).edit(),
            Some(AmendmentEdit {
                amendment_id: amendment_id(),
                change: Change::Modify {
                    article_id: article_id()
                },
                proposed_text: Some(vec!["dans un délai de trois mois".into()]),
                base_paragraphs: None,
            })
        );
        assert_eq!(Amendment::default().edit(), None);
    }

    fn golden(event: &AmendmentEvent, json: &str) {
        assert_eq!(serde_json::to_string(event).unwrap(), json);
        assert_eq!(
            &serde_json::from_str::<AmendmentEvent>(json).unwrap(),
            event
        );
        assert_eq!(event.event_version(), "1");
    }

    #[test]
    fn amendment_events_keep_their_published_json_shape() {
        golden(
            &submitted(),
            r#"{"AmendmentSubmitted":{"amendment_id":"00000000-0000-0000-0000-0000000000c9","bill_id":"00000000-0000-0000-0000-000000000001","base_version":1,"change":{"kind":"modify","article_id":"00000000-0000-0000-0000-000000000065"},"origin":{"kind":"citizen"},"title":"Raccourcir le délai","proposed_text":["dans un délai de six mois"],"rationale":"Douze mois, c’est trop long.","author":"u0123456789"}}"#,
        );
        golden(
            &AmendmentEvent::AmendmentRevised {
                title: "t".into(),
                proposed_text: None,
                rationale: "r".into(),
            },
            r#"{"AmendmentRevised":{"title":"t","proposed_text":null,"rationale":"r"}}"#,
        );
        golden(
            &AmendmentEvent::AmendmentWithdrawn,
            r#""AmendmentWithdrawn""#,
        );
        golden(
            &AmendmentEvent::AmendmentDecided {
                outcome: DecisionOutcome::AcceptedWithChanges,
                response: "ok".into(),
                decided_by: official().participant,
            },
            r#"{"AmendmentDecided":{"outcome":"accepted_with_changes","response":"ok","decided_by":"gouvernement"}}"#,
        );
        golden(
            &AmendmentEvent::PublishedTallyRecorded {
                counts: VoteCounts {
                    r#for: 1,
                    mixed: 2,
                    against: 3,
                    pass: 0,
                },
                source: "s".into(),
            },
            r#"{"PublishedTallyRecorded":{"counts":{"for":1,"mixed":2,"against":3},"source":"s"}}"#,
        );
        golden(
            &AmendmentEvent::AmendmentNotVoted {
                note: "non-voté".into(),
                recorded_by: official().participant,
            },
            r#"{"AmendmentNotVoted":{"note":"non-voté","recorded_by":"gouvernement"}}"#,
        );
        golden(
            &AmendmentEvent::AmendmentHidden {
                reason: "r".into(),
                hidden_by: moderator().participant,
            },
            r#"{"AmendmentHidden":{"reason":"r","hidden_by":"moderation"}}"#,
        );
        assert_eq!(
            serde_json::to_string(&Change::WholeText).unwrap(),
            r#"{"kind":"whole_text"}"#
        );
        golden(
            &AmendmentEvent::DecisionResponseCorrected {
                response: "ok".into(),
                reason: "typo".into(),
                corrected_by: official().participant,
            },
            r#"{"DecisionResponseCorrected":{"response":"ok","reason":"typo","corrected_by":"gouvernement"}}"#,
        );
        assert_eq!(submitted().event_type(), "AmendmentSubmitted");
        assert_eq!(
            serde_json::to_string(&Origin::Parliamentary { numbers: vec![7] }).unwrap(),
            r#"{"kind":"parliamentary","numbers":[7]}"#
        );
        assert_eq!(
            serde_json::to_string(&Change::InsertAfter { article_id: None }).unwrap(),
            r#"{"kind":"insert_after","article_id":null}"#
        );
    }
}
