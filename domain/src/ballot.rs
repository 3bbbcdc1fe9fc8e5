//! The `Ballot` aggregate: one stream per (participant, target), stream id
//! [`BallotId::for_vote`](crate::ids::BallotId::for_vote), so one vote per person and target
//! holds by construction. A vote is cast, changed or retracted while the consultation is open;
//! historical ballots from a published dataset are imported without the window check.
//! Also the vote vocabulary shared with tallies: [`Choice`] and [`VoteCounts`].

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::bill::{ConsultationWindow, WindowError};
use crate::ids::{ParticipantId, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    For,
    Mixed,
    Against,
    /// Seen and deliberately not taken a side on (Pol.is "pass"): a vote, not an abstention
    /// from voting, kept apart from the three opinions.
    Pass,
}

/// Vote counts, serialised as `{"for":..,"mixed":..,"against":..}`, plus `"pass":..` when some
/// ballot passed (omitted at zero, so counts recorded before passes existed hash the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VoteCounts {
    #[serde(rename = "for")]
    pub r#for: u64,
    pub mixed: u64,
    pub against: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pass: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl VoteCounts {
    /// Every vote counted, passes included.
    pub fn total(&self) -> u64 {
        self.r#for + self.mixed + self.against + self.pass
    }

    pub fn add(&mut self, choice: Choice) {
        *self.slot(choice) += 1;
    }

    pub fn remove(&mut self, choice: Choice) {
        let slot = self.slot(choice);
        *slot = slot.saturating_sub(1);
    }

    fn slot(&mut self, choice: Choice) -> &mut u64 {
        match choice {
            Choice::For => &mut self.r#for,
            Choice::Mixed => &mut self.mixed,
            Choice::Against => &mut self.against,
            Choice::Pass => &mut self.pass,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BallotCommand {
    Cast {
        actor: Actor,
        at: DateTime<Utc>,
        target: Target,
        choice: Choice,
        window: ConsultationWindow,
    },
    Retract {
        actor: Actor,
        at: DateTime<Utc>,
        window: ConsultationWindow,
    },
    /// A historical ballot from a published dataset (admin only). The source says it was cast
    /// during the consultation, so the window is not checked; the application records `source`
    /// in the event metadata.
    ImportCast {
        actor: Actor,
        at: DateTime<Utc>,
        participant: ParticipantId,
        target: Target,
        choice: Choice,
        source: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BallotEvent {
    BallotCast {
        participant: ParticipantId,
        target: Target,
        choice: Choice,
    },
    BallotChanged {
        choice: Choice,
        previous: Choice,
    },
    BallotRetracted,
}

impl DomainEvent for BallotEvent {
    fn event_type(&self) -> String {
        match self {
            BallotEvent::BallotCast { .. } => "BallotCast",
            BallotEvent::BallotChanged { .. } => "BallotChanged",
            BallotEvent::BallotRetracted => "BallotRetracted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("this needs the {needed} role; sign in with an account that holds it")]
    Forbidden { needed: Role },
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error("this ballot belongs to {owner}; each participant votes in their own ballot stream")]
    NotYourBallot { owner: ParticipantId },
    #[error("this ballot is about {ballot}, not {requested}; use the stream id BallotId::for_vote(participant, target)")]
    WrongTarget { ballot: Target, requested: Target },
    #[error("the ballot already says {}; nothing to change", choice.as_str())]
    SameChoice { choice: Choice },
    #[error("there is no vote to retract")]
    NothingToRetract,
    #[error("the {field} must not be empty")]
    Empty { field: &'static str },
}

/// One participant's vote on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    participant: Option<ParticipantId>,
    target: Option<Target>,
    choice: Option<Choice>,
}

fn require(actor: &Actor, role: Role) -> Result<(), BallotError> {
    actor
        .require(role)
        .map_err(|needed| BallotError::Forbidden { needed })
}

impl Ballot {
    /// The standing vote; `None` before the first cast and after a retraction.
    pub fn current_choice(&self) -> Option<Choice> {
        self.choice
    }

    pub fn participant(&self) -> Option<&ParticipantId> {
        self.participant.as_ref()
    }

    pub fn target(&self) -> Option<Target> {
        self.target
    }

    fn require_owner(&self, participant: &ParticipantId) -> Result<(), BallotError> {
        match &self.participant {
            Some(owner) if owner != participant => Err(BallotError::NotYourBallot {
                owner: owner.clone(),
            }),
            _ => Ok(()),
        }
    }

    fn cast(
        &self,
        participant: ParticipantId,
        target: Target,
        choice: Choice,
    ) -> Result<Vec<BallotEvent>, BallotError> {
        self.require_owner(&participant)?;
        if let Some(ballot) = self.target {
            if ballot != target {
                return Err(BallotError::WrongTarget {
                    ballot,
                    requested: target,
                });
            }
        }
        match self.choice {
            None => Ok(vec![BallotEvent::BallotCast {
                participant,
                target,
                choice,
            }]),
            Some(previous) if previous == choice => Err(BallotError::SameChoice { choice }),
            Some(previous) => Ok(vec![BallotEvent::BallotChanged { choice, previous }]),
        }
    }

    /// Pure decision: the events `command` produces on this state, or why it is refused.
    pub fn decide(&self, command: BallotCommand) -> Result<Vec<BallotEvent>, BallotError> {
        match command {
            BallotCommand::Cast {
                actor,
                at,
                target,
                choice,
                window,
            } => {
                require(&actor, Role::Citizen)?;
                self.require_owner(&actor.participant)?;
                window.check_open_at(at)?;
                self.cast(actor.participant, target, choice)
            }
            BallotCommand::Retract { actor, at, window } => {
                require(&actor, Role::Citizen)?;
                self.require_owner(&actor.participant)?;
                window.check_open_at(at)?;
                if self.choice.is_none() {
                    return Err(BallotError::NothingToRetract);
                }
                Ok(vec![BallotEvent::BallotRetracted])
            }
            BallotCommand::ImportCast {
                actor,
                participant,
                target,
                choice,
                source,
                ..
            } => {
                require(&actor, Role::Admin)?;
                if source.trim().is_empty() {
                    return Err(BallotError::Empty { field: "source" });
                }
                self.cast(participant, target, choice)
            }
        }
    }
}

impl Aggregate for Ballot {
    const TYPE: &'static str = "ballot";
    type Command = BallotCommand;
    type Event = BallotEvent;
    type Error = BallotError;
    type Services = ();

    async fn handle(
        &mut self,
        command: BallotCommand,
        _service: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), BallotError> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: BallotEvent) {
        match event {
            BallotEvent::BallotCast {
                participant,
                target,
                choice,
            } => {
                self.participant = Some(participant);
                self.target = Some(target);
                self.choice = Some(choice);
            }
            BallotEvent::BallotChanged { choice, .. } => self.choice = Some(choice),
            BallotEvent::BallotRetracted => self.choice = None,
        }
    }
}

impl Choice {
    /// The wire name: `for`, `mixed`, `against` or `pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::For => "for",
            Choice::Mixed => "mixed",
            Choice::Against => "against",
            Choice::Pass => "pass",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bill::tests::{actor, t, window};
    use crate::ids::AmendmentId;
    use chrono::Duration;
    use uuid::Uuid;

    fn alice() -> Actor {
        actor("u0123456789", &[Role::Citizen])
    }

    fn target() -> Target {
        Target::Amendment {
            amendment_id: AmendmentId(Uuid::from_u128(7)),
        }
    }

    fn cast_at(at: DateTime<Utc>, choice: Choice) -> BallotCommand {
        BallotCommand::Cast {
            actor: alice(),
            at,
            target: target(),
            choice,
            window: window(),
        }
    }

    fn cast(choice: Choice) -> BallotCommand {
        cast_at(t(5, 0), choice)
    }

    fn retract() -> BallotCommand {
        BallotCommand::Retract {
            actor: alice(),
            at: t(5, 0),
            window: window(),
        }
    }

    fn import(choice: Choice) -> BallotCommand {
        import_by(actor("importer", &[Role::Admin]), t(5, 0), choice)
    }

    fn import_by(actor: Actor, at: DateTime<Utc>, choice: Choice) -> BallotCommand {
        BallotCommand::ImportCast {
            actor,
            at,
            participant: alice().participant,
            target: target(),
            choice,
            source: "votes.csv:12".into(),
        }
    }

    fn cast_event(choice: Choice) -> BallotEvent {
        BallotEvent::BallotCast {
            participant: alice().participant,
            target: target(),
            choice,
        }
    }

    fn given(events: Vec<BallotEvent>) -> Ballot {
        let mut ballot = Ballot::default();
        for event in events {
            ballot.apply(event);
        }
        ballot
    }

    #[test]
    fn a_citizen_casts_a_first_vote() {
        let events = Ballot::default().decide(cast(Choice::For)).unwrap();
        assert_eq!(events, vec![cast_event(Choice::For)]);
        assert_eq!(given(events).current_choice(), Some(Choice::For));
    }

    #[test]
    fn a_different_choice_changes_the_vote() {
        assert_eq!(
            given(vec![cast_event(Choice::For)]).decide(cast(Choice::Against)),
            Ok(vec![BallotEvent::BallotChanged {
                choice: Choice::Against,
                previous: Choice::For
            }])
        );
    }

    #[test]
    fn the_same_choice_twice_is_refused() {
        assert_eq!(
            given(vec![cast_event(Choice::Mixed)]).decide(cast(Choice::Mixed)),
            Err(BallotError::SameChoice {
                choice: Choice::Mixed
            })
        );
    }

    #[test]
    fn a_vote_can_be_retracted_then_cast_again() {
        let ballot = given(vec![cast_event(Choice::For)]);
        assert_eq!(
            ballot.decide(retract()),
            Ok(vec![BallotEvent::BallotRetracted])
        );
        let ballot = given(vec![cast_event(Choice::For), BallotEvent::BallotRetracted]);
        assert_eq!(ballot.current_choice(), None);
        assert_eq!(ballot.decide(retract()), Err(BallotError::NothingToRetract));
        assert_eq!(
            ballot.decide(cast(Choice::Against)),
            Ok(vec![cast_event(Choice::Against)])
        );
    }

    #[test]
    fn a_vote_one_microsecond_before_the_closing_instant_is_accepted() {
        let at = window().closes_at - Duration::microseconds(1);
        assert!(Ballot::default().decide(cast_at(at, Choice::For)).is_ok());
    }

    #[test]
    fn a_vote_at_the_closing_instant_is_refused() {
        let at = window().closes_at;
        let error = Ballot::default()
            .decide(cast_at(at, Choice::For))
            .unwrap_err();
        assert_eq!(
            error,
            BallotError::Window(WindowError::Closed { closes_at: at, at })
        );
        assert_eq!(
            error.to_string(),
            "the consultation closed at 2015-10-18T22:00:00Z; contributions are accepted until then (exclusive), this one is at 2015-10-18T22:00:00Z"
        );
    }

    #[test]
    fn a_vote_before_the_opening_instant_is_refused() {
        let at = window().opens_at - Duration::microseconds(1);
        assert_eq!(
            Ballot::default().decide(cast_at(at, Choice::For)),
            Err(BallotError::Window(WindowError::NotYetOpen {
                opens_at: window().opens_at,
                at
            }))
        );
    }

    #[test]
    fn a_retraction_after_the_close_is_refused() {
        let command = BallotCommand::Retract {
            actor: alice(),
            at: window().closes_at,
            window: window(),
        };
        assert!(matches!(
            given(vec![cast_event(Choice::For)]).decide(command),
            Err(BallotError::Window(WindowError::Closed { .. }))
        ));
    }

    #[test]
    fn an_official_without_the_citizen_role_cannot_vote() {
        let command = BallotCommand::Cast {
            actor: actor("gouvernement", &[Role::Official]),
            at: t(5, 0),
            target: target(),
            choice: Choice::For,
            window: window(),
        };
        assert_eq!(
            Ballot::default().decide(command),
            Err(BallotError::Forbidden {
                needed: Role::Citizen
            })
        );
    }

    #[test]
    fn nobody_votes_in_someone_elses_ballot() {
        let command = BallotCommand::Cast {
            actor: actor("u9999999999", &[Role::Citizen]),
            at: t(5, 0),
            target: target(),
            choice: Choice::Against,
            window: window(),
        };
        assert_eq!(
            given(vec![cast_event(Choice::For)]).decide(command),
            Err(BallotError::NotYourBallot {
                owner: alice().participant
            })
        );
    }

    #[test]
    fn an_import_outside_the_window_is_accepted_and_duplicates_become_changes_or_no_ops() {
        let late = import_by(
            actor("importer", &[Role::Admin]),
            window().closes_at + Duration::days(400),
            Choice::For,
        );
        assert_eq!(
            Ballot::default().decide(late),
            Ok(vec![cast_event(Choice::For)])
        );
        let ballot = given(vec![cast_event(Choice::For)]);
        assert_eq!(
            ballot.decide(import(Choice::For)),
            Err(BallotError::SameChoice {
                choice: Choice::For
            })
        );
        assert_eq!(
            ballot.decide(import(Choice::Mixed)),
            Ok(vec![BallotEvent::BallotChanged {
                choice: Choice::Mixed,
                previous: Choice::For
            }])
        );
    }

    #[test]
    fn only_an_admin_imports_ballots() {
        let command = import_by(
            actor("gouvernement", &[Role::Official]),
            t(5, 0),
            Choice::For,
        );
        assert_eq!(
            Ballot::default().decide(command),
            Err(BallotError::Forbidden {
                needed: Role::Admin
            })
        );
    }

    #[test]
    fn vote_counts_follow_choices() {
        let mut counts = VoteCounts::default();
        counts.add(Choice::For);
        counts.add(Choice::For);
        counts.add(Choice::Against);
        counts.remove(Choice::For);
        assert_eq!(
            counts,
            VoteCounts {
                r#for: 1,
                mixed: 0,
                against: 1,
                pass: 0,
            }
        );
        assert_eq!(counts.total(), 2);
    }

    #[test]
    fn a_pass_is_counted_apart_from_the_three_opinions() {
        let mut counts = VoteCounts::default();
        counts.add(Choice::Pass);
        counts.add(Choice::For);
        assert_eq!(
            (counts.r#for, counts.mixed, counts.against, counts.pass),
            (1, 0, 0, 1)
        );
        assert_eq!(counts.total(), 2);
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            r#"{"for":1,"mixed":0,"against":0,"pass":1}"#
        );
    }

    #[test]
    fn counts_without_passes_keep_the_json_they_were_hashed_with() {
        let counts = VoteCounts {
            r#for: 10,
            mixed: 2,
            against: 3,
            pass: 0,
        };
        let json = r#"{"for":10,"mixed":2,"against":3}"#;
        assert_eq!(serde_json::to_string(&counts).unwrap(), json);
        assert_eq!(serde_json::from_str::<VoteCounts>(json).unwrap(), counts);
    }

    #[test]
    fn an_imported_pass_then_an_agree_changes_the_ballot() {
        let ballot = given(vec![]);
        let events = ballot.decide(import(Choice::Pass)).unwrap();
        assert_eq!(events, vec![cast_event(Choice::Pass)]);
        let ballot = given(events);
        assert_eq!(
            ballot.decide(import(Choice::For)).unwrap(),
            vec![BallotEvent::BallotChanged {
                choice: Choice::For,
                previous: Choice::Pass
            }]
        );
    }

    fn golden(event: &BallotEvent, json: &str) {
        assert_eq!(serde_json::to_string(event).unwrap(), json);
        assert_eq!(&serde_json::from_str::<BallotEvent>(json).unwrap(), event);
        assert_eq!(event.event_version(), "1");
    }

    #[test]
    fn ballot_events_keep_their_published_json_shape() {
        golden(
            &cast_event(Choice::For),
            r#"{"BallotCast":{"participant":"u0123456789","target":{"kind":"amendment","amendment_id":"00000000-0000-0000-0000-000000000007"},"choice":"for"}}"#,
        );
        golden(
            &BallotEvent::BallotChanged {
                choice: Choice::Mixed,
                previous: Choice::Against,
            },
            r#"{"BallotChanged":{"choice":"mixed","previous":"against"}}"#,
        );
        golden(
            &BallotEvent::BallotChanged {
                choice: Choice::Pass,
                previous: Choice::For,
            },
            r#"{"BallotChanged":{"choice":"pass","previous":"for"}}"#,
        );
        golden(&BallotEvent::BallotRetracted, r#""BallotRetracted""#);
        assert_eq!(cast_event(Choice::For).event_type(), "BallotCast");
        assert_eq!(BallotEvent::BallotRetracted.event_type(), "BallotRetracted");
    }
}
