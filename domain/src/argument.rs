//! The `Argument` aggregate: a reasoned position (for, against, neutral) on an article or an
//! amendment. Citizens post while the consultation is open; officials may answer at any time;
//! historical arguments are imported by an admin; the author may withdraw theirs.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::bill::{ConsultationWindow, WindowError};
use crate::ids::{ArgumentId, ParticipantId, Target};
use crate::text::normalize_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    For,
    Against,
    Neutral,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArgumentCommand {
    Post {
        actor: Actor,
        at: DateTime<Utc>,
        argument_id: ArgumentId,
        target: Target,
        stance: Stance,
        body: String,
        /// The consultation window of the target's bill, read by the application layer.
        window: Option<ConsultationWindow>,
    },
    /// A historical argument from a published dataset (admin only, no window check); the
    /// application records `source` in the event metadata.
    ImportPost {
        actor: Actor,
        at: DateTime<Utc>,
        argument_id: ArgumentId,
        author: ParticipantId,
        target: Target,
        stance: Stance,
        body: String,
        source: String,
    },
    Withdraw {
        actor: Actor,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgumentEvent {
    ArgumentPosted {
        argument_id: ArgumentId,
        author: ParticipantId,
        target: Target,
        stance: Stance,
        /// Normalised with [`normalize_text`].
        body: String,
    },
    ArgumentWithdrawn,
}

impl DomainEvent for ArgumentEvent {
    fn event_type(&self) -> String {
        match self {
            ArgumentEvent::ArgumentPosted { .. } => "ArgumentPosted",
            ArgumentEvent::ArgumentWithdrawn => "ArgumentWithdrawn",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentError {
    #[error("this needs the {needed} role; sign in with an account that holds it")]
    Forbidden { needed: Role },
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error("this argument was already posted; post a new one with a new id")]
    AlreadyPosted,
    #[error("this argument does not exist; post it first")]
    NotPosted,
    #[error("only the author ({author}) may withdraw this argument")]
    NotAuthor { author: ParticipantId },
    #[error("this argument was already withdrawn")]
    AlreadyWithdrawn,
    #[error("the {field} must not be empty")]
    Empty { field: &'static str },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argument {
    author: Option<ParticipantId>,
    target: Option<Target>,
    stance: Option<Stance>,
    withdrawn: bool,
}

fn require(actor: &Actor, role: Role) -> Result<(), ArgumentError> {
    actor
        .require(role)
        .map_err(|needed| ArgumentError::Forbidden { needed })
}

impl Argument {
    pub fn author(&self) -> Option<&ParticipantId> {
        self.author.as_ref()
    }

    pub fn target(&self) -> Option<Target> {
        self.target
    }

    pub fn stance(&self) -> Option<Stance> {
        self.stance
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
    }

    fn posted(
        &self,
        argument_id: ArgumentId,
        author: ParticipantId,
        target: Target,
        stance: Stance,
        body: &str,
    ) -> Result<Vec<ArgumentEvent>, ArgumentError> {
        if self.author.is_some() {
            return Err(ArgumentError::AlreadyPosted);
        }
        let body = normalize_text(body);
        if body.is_empty() {
            return Err(ArgumentError::Empty { field: "body" });
        }
        Ok(vec![ArgumentEvent::ArgumentPosted {
            argument_id,
            author,
            target,
            stance,
            body,
        }])
    }

    /// Pure decision: the events `command` produces on this state, or why it is refused.
    pub fn decide(&self, command: ArgumentCommand) -> Result<Vec<ArgumentEvent>, ArgumentError> {
        match command {
            ArgumentCommand::Post {
                actor,
                at,
                argument_id,
                target,
                stance,
                body,
                window,
            } => {
                if !actor.has(Role::Official) {
                    require(&actor, Role::Citizen)?;
                    ConsultationWindow::check_optional(window.as_ref(), at)?;
                }
                self.posted(argument_id, actor.participant, target, stance, &body)
            }
            ArgumentCommand::ImportPost {
                actor,
                argument_id,
                author,
                target,
                stance,
                body,
                source,
                ..
            } => {
                require(&actor, Role::Admin)?;
                if source.trim().is_empty() {
                    return Err(ArgumentError::Empty { field: "source" });
                }
                self.posted(argument_id, author, target, stance, &body)
            }
            ArgumentCommand::Withdraw { actor, .. } => {
                let author = self.author.as_ref().ok_or(ArgumentError::NotPosted)?;
                if &actor.participant != author {
                    return Err(ArgumentError::NotAuthor {
                        author: author.clone(),
                    });
                }
                if self.withdrawn {
                    return Err(ArgumentError::AlreadyWithdrawn);
                }
                Ok(vec![ArgumentEvent::ArgumentWithdrawn])
            }
        }
    }
}

impl Aggregate for Argument {
    const TYPE: &'static str = "argument";
    type Command = ArgumentCommand;
    type Event = ArgumentEvent;
    type Error = ArgumentError;
    type Services = ();

    async fn handle(
        &mut self,
        command: ArgumentCommand,
        _service: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), ArgumentError> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: ArgumentEvent) {
        match event {
            ArgumentEvent::ArgumentPosted {
                author,
                target,
                stance,
                ..
            } => {
                self.author = Some(author);
                self.target = Some(target);
                self.stance = Some(stance);
            }
            ArgumentEvent::ArgumentWithdrawn => self.withdrawn = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bill::tests::{actor, bill_id, official, t, window};
    use crate::ids::ArticleId;
    use chrono::Duration;
    use uuid::Uuid;

    fn alice() -> Actor {
        actor("u0123456789", &[Role::Citizen])
    }

    fn target() -> Target {
        Target::Article {
            bill_id: bill_id(),
            article_id: ArticleId(Uuid::from_u128(101)),
        }
    }

    fn post(actor: Actor, at: DateTime<Utc>, body: &str) -> ArgumentCommand {
        ArgumentCommand::Post {
            actor,
            at,
            argument_id: ArgumentId(Uuid::from_u128(301)),
            target: target(),
            stance: Stance::Against,
            body: body.into(),
            window: Some(window()),
        }
    }

    fn posted() -> ArgumentEvent {
        ArgumentEvent::ArgumentPosted {
            argument_id: ArgumentId(Uuid::from_u128(301)),
            author: alice().participant,
            target: target(),
            stance: Stance::Against,
            body: "Douze mois, c’est trop long.".into(),
        }
    }

    fn given(events: Vec<ArgumentEvent>) -> Argument {
        let mut argument = Argument::default();
        for event in events {
            argument.apply(event);
        }
        argument
    }

    #[test]
    fn a_citizen_posts_an_argument_with_a_normalised_body() {
        assert_eq!(
            Argument::default().decide(post(
                alice(),
                t(5, 0),
                "  Douze mois,\u{00A0}c’est  trop long. "
            )),
            Ok(vec![posted()])
        );
    }

    #[test]
    fn a_blank_argument_is_refused() {
        assert_eq!(
            Argument::default().decide(post(alice(), t(5, 0), " \n ")),
            Err(ArgumentError::Empty { field: "body" })
        );
    }

    #[test]
    fn a_citizen_argument_at_the_closing_instant_is_refused() {
        assert!(Argument::default()
            .decide(post(
                alice(),
                window().closes_at - Duration::microseconds(1),
                "x"
            ))
            .is_ok());
        assert!(matches!(
            Argument::default().decide(post(alice(), window().closes_at, "x")),
            Err(ArgumentError::Window(WindowError::Closed { .. }))
        ));
    }

    #[test]
    fn an_official_may_answer_after_the_close() {
        assert!(Argument::default()
            .decide(post(official(), t(25, 0), "Réponse du Gouvernement."))
            .is_ok());
    }

    #[test]
    fn a_participant_without_a_role_cannot_post() {
        assert_eq!(
            Argument::default().decide(post(actor("u0123456789", &[]), t(5, 0), "x")),
            Err(ArgumentError::Forbidden {
                needed: Role::Citizen
            })
        );
    }

    #[test]
    fn an_argument_cannot_be_posted_twice() {
        assert_eq!(
            given(vec![posted()]).decide(post(alice(), t(5, 0), "x")),
            Err(ArgumentError::AlreadyPosted)
        );
    }

    #[test]
    fn an_admin_imports_an_argument_outside_the_window() {
        let import = |actor| ArgumentCommand::ImportPost {
            actor,
            at: t(28, 0),
            argument_id: ArgumentId(Uuid::from_u128(301)),
            author: alice().participant,
            target: target(),
            stance: Stance::Against,
            body: "Douze mois, c’est trop long.".into(),
            source: "arguments.csv:3".into(),
        };
        assert_eq!(
            Argument::default().decide(import(actor("importer", &[Role::Admin]))),
            Ok(vec![posted()])
        );
        assert_eq!(
            Argument::default().decide(import(official())),
            Err(ArgumentError::Forbidden {
                needed: Role::Admin
            })
        );
    }

    #[test]
    fn only_the_author_withdraws_an_argument_and_only_once() {
        let withdraw = |actor| ArgumentCommand::Withdraw { actor, at: t(6, 0) };
        let argument = given(vec![posted()]);
        assert_eq!(
            argument.decide(withdraw(actor("u9999999999", &[Role::Citizen]))),
            Err(ArgumentError::NotAuthor {
                author: alice().participant
            })
        );
        assert_eq!(
            argument.decide(withdraw(alice())),
            Ok(vec![ArgumentEvent::ArgumentWithdrawn])
        );
        assert_eq!(
            given(vec![posted(), ArgumentEvent::ArgumentWithdrawn]).decide(withdraw(alice())),
            Err(ArgumentError::AlreadyWithdrawn)
        );
    }

    #[test]
    fn argument_events_keep_their_published_json_shape() {
        let json = r#"{"ArgumentPosted":{"argument_id":"00000000-0000-0000-0000-00000000012d","author":"u0123456789","target":{"kind":"article","bill_id":"00000000-0000-0000-0000-000000000001","article_id":"00000000-0000-0000-0000-000000000065"},"stance":"against","body":"Douze mois, c’est trop long."}}"#;
        assert_eq!(serde_json::to_string(&posted()).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<ArgumentEvent>(json).unwrap(),
            posted()
        );
        assert_eq!(
            serde_json::to_string(&ArgumentEvent::ArgumentWithdrawn).unwrap(),
            r#""ArgumentWithdrawn""#
        );
        assert_eq!(posted().event_type(), "ArgumentPosted");
        assert_eq!(ArgumentEvent::ArgumentWithdrawn.event_version(), "1");
    }
}
