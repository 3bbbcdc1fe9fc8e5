//! The `Bill` aggregate: drafted with its articles (version 1), consulted on during one window,
//! republished as numbered versions that cite the decided amendments they take in, then adopted
//! or withdrawn. Also the consultation window every other aggregate checks instants against.
//!
//! Two shapes come from imported history: a parliamentary step that produced no text (the
//! chamber rejected it, a joint committee failed to agree) is recorded as a failed step, not as
//! an empty version, and the version numbering continues with the next real text; a topic
//! consultation with no bill text (Pol.is) is drafted with zero articles by an admin import.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::amendment::DecisionOutcome;
use crate::ballot::VoteCounts;
use crate::ids::{AmendmentId, ArticleId, BillId, VersionNumber};
use crate::text::Article;

/// When citizens may contribute: from `opens_at` (inclusive) to `closes_at` (exclusive), unless
/// the consultation was closed early, at `closed_early_at` (exclusive as well).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationWindow {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub closed_early_at: Option<DateTime<Utc>>,
}

fn instant(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Why an instant falls outside a consultation window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the consultation opens at {}; contributions are accepted from then on, this one is at {}", instant(.opens_at), instant(.at))]
    NotYetOpen {
        opens_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("the consultation closed at {}; contributions are accepted until then (exclusive), this one is at {}", instant(.closes_at), instant(.at))]
    Closed {
        closes_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("the consultation was closed early at {}; contributions are accepted until then (exclusive), this one is at {}", instant(.closed_at), instant(.at))]
    ClosedEarly {
        closed_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error(
        "this bill has no consultation; contributions are accepted only once an official opens one"
    )]
    NoConsultation,
}

impl ConsultationWindow {
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        self.check_open_at(at).is_ok()
    }

    /// `Ok(())` when `at` is inside the window, else the reason, naming the window and `at`.
    pub fn check_open_at(&self, at: DateTime<Utc>) -> Result<(), WindowError> {
        if at < self.opens_at {
            return Err(WindowError::NotYetOpen {
                opens_at: self.opens_at,
                at,
            });
        }
        if let Some(closed_at) = self.closed_early_at {
            if closed_at < self.closes_at && at >= closed_at {
                return Err(WindowError::ClosedEarly { closed_at, at });
            }
        }
        if at >= self.closes_at {
            return Err(WindowError::Closed {
                closes_at: self.closes_at,
                at,
            });
        }
        Ok(())
    }

    /// Same check for an optional window (a bill that never opened a consultation).
    pub fn check_optional(window: Option<&Self>, at: DateTime<Utc>) -> Result<(), WindowError> {
        window.ok_or(WindowError::NoConsultation)?.check_open_at(at)
    }
}

/// For an article that changed in a version: the amendments it takes in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleProvenance {
    pub article_id: ArticleId,
    pub amendments: Vec<AmendmentId>,
}

/// What the application layer read from an amendment stream, so that the bill can check a
/// version's provenance without reading other streams itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentFact {
    pub id: AmendmentId,
    pub bill_id: BillId,
    pub decision: Option<DecisionOutcome>,
}

/// Why a step of the procedure produced no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepFailure {
    /// The chamber (or its committee) rejected the text (La Fabrique: `echec: "rejet"`).
    Rejected,
    /// The joint committee (CMP) did not agree on a text (La Fabrique: `echec: "échec"`).
    NoAgreement,
    /// The step's text has no article and the source names no failure.
    NoText,
}

impl StepFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            StepFailure::Rejected => "rejected",
            StepFailure::NoAgreement => "no agreement",
            StepFailure::NoText => "no text",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BillCommand {
    DraftBill {
        actor: Actor,
        at: DateTime<Utc>,
        bill_id: BillId,
        title: String,
        articles: Vec<Article>,
    },
    OpenConsultation {
        actor: Actor,
        at: DateTime<Utc>,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    },
    CloseConsultation {
        actor: Actor,
        at: DateTime<Utc>,
    },
    PublishVersion {
        actor: Actor,
        at: DateTime<Utc>,
        number: VersionNumber,
        /// e.g. "post_consultation_government".
        label: String,
        articles: Vec<Article>,
        provenance: Vec<ArticleProvenance>,
        cited_amendments: Vec<AmendmentFact>,
        note: String,
    },
    /// Imported published counts for a government article.
    RecordPublishedTally {
        actor: Actor,
        at: DateTime<Utc>,
        article_id: ArticleId,
        counts: VoteCounts,
        source: String,
    },
    Adopt {
        actor: Actor,
        at: DateTime<Utc>,
    },
    Withdraw {
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A step of the procedure that produced no text; the latest version stays the latest.
    RecordFailedStep {
        actor: Actor,
        at: DateTime<Utc>,
        /// The step, e.g. `04_1erelecture_senat_commission`.
        label: String,
        kind: StepFailure,
        note: String,
    },
    /// Imports a consultation on a topic that has no bill text (admin only): version 1 has
    /// zero articles and contributions propose new text.
    ImportTopic {
        actor: Actor,
        at: DateTime<Utc>,
        bill_id: BillId,
        title: String,
    },
}

impl BillCommand {
    pub fn actor(&self) -> &Actor {
        match self {
            BillCommand::DraftBill { actor, .. }
            | BillCommand::OpenConsultation { actor, .. }
            | BillCommand::CloseConsultation { actor, .. }
            | BillCommand::PublishVersion { actor, .. }
            | BillCommand::RecordPublishedTally { actor, .. }
            | BillCommand::Adopt { actor, .. }
            | BillCommand::Withdraw { actor, .. }
            | BillCommand::RecordFailedStep { actor, .. }
            | BillCommand::ImportTopic { actor, .. } => actor,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillEvent {
    /// The drafted text; this is version 1.
    BillDrafted {
        bill_id: BillId,
        title: String,
        articles: Vec<Article>,
    },
    ConsultationOpened {
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    },
    ConsultationClosed {
        closed_at: DateTime<Utc>,
    },
    VersionPublished {
        number: VersionNumber,
        label: String,
        articles: Vec<Article>,
        provenance: Vec<ArticleProvenance>,
        note: String,
    },
    PublishedTallyRecorded {
        article_id: ArticleId,
        counts: VoteCounts,
        source: String,
    },
    BillAdopted,
    BillWithdrawn,
    /// A step that produced no text (see [`StepFailure`]); not a version.
    StepFailed {
        label: String,
        kind: StepFailure,
        note: String,
    },
}

impl DomainEvent for BillEvent {
    fn event_type(&self) -> String {
        match self {
            BillEvent::BillDrafted { .. } => "BillDrafted",
            BillEvent::ConsultationOpened { .. } => "ConsultationOpened",
            BillEvent::ConsultationClosed { .. } => "ConsultationClosed",
            BillEvent::VersionPublished { .. } => "VersionPublished",
            BillEvent::PublishedTallyRecorded { .. } => "PublishedTallyRecorded",
            BillEvent::BillAdopted => "BillAdopted",
            BillEvent::BillWithdrawn => "BillWithdrawn",
            BillEvent::StepFailed { .. } => "StepFailed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    #[error("this needs the {needed} role; sign in with an account that holds it")]
    Forbidden { needed: Role },
    #[error("this bill does not exist yet; draft it first")]
    NotDrafted,
    #[error("this bill is already drafted; publish a new version to change its text")]
    AlreadyDrafted,
    #[error("the {field} must not be empty")]
    Empty { field: &'static str },
    #[error("article {article_id} appears twice; give every article its own id")]
    DuplicateArticle { article_id: ArticleId },
    #[error("a consultation must close after it opens; it opens at {} and closes at {}", instant(.opens_at), instant(.closes_at))]
    EmptyWindow {
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    },
    #[error("a consultation can be opened only once, on a drafted bill; this bill is {}", status.as_str())]
    ConsultationNotOpenable { status: BillStatus },
    #[error("no consultation is in progress on this bill (it is {}); nothing to close", status.as_str())]
    NoConsultationToClose { status: BillStatus },
    #[error("the consultation is still open at {}; close it before adopting the bill", instant(.at))]
    ConsultationStillOpen { at: DateTime<Utc> },
    #[error("this bill is {} and can no longer change", status.as_str())]
    Finished { status: BillStatus },
    #[error("version {number} does not build on the latest version ({latest}); publish version {} instead", latest.next())]
    NotNextVersion {
        number: VersionNumber,
        latest: VersionNumber,
    },
    #[error("the provenance of article {article_id} names an article in neither the latest nor the new version")]
    UnknownProvenanceArticle { article_id: ArticleId },
    #[error("amendment {amendment_id} is not among the cited amendments; cite the facts read from its stream")]
    UncitedAmendment { amendment_id: AmendmentId },
    #[error("amendment {amendment_id} belongs to bill {other_bill}, not to this one")]
    AmendmentOfAnotherBill {
        amendment_id: AmendmentId,
        other_bill: BillId,
    },
    #[error("amendment {amendment_id} is not decided yet; decide it before a version takes it in")]
    UndecidedAmendment { amendment_id: AmendmentId },
    #[error("amendment {amendment_id} was rejected; a version cannot take it in")]
    RejectedAmendment { amendment_id: AmendmentId },
}

/// Where a bill is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BillStatus {
    #[default]
    NotDrafted,
    Drafted,
    /// A consultation was opened (it may not have started yet: see the window).
    InConsultation,
    ConsultationClosed,
    Adopted,
    Withdrawn,
}

/// State kept to decide: status, window, and only the latest version (to keep memory small).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bill {
    bill_id: Option<BillId>,
    status: BillStatus,
    window: Option<ConsultationWindow>,
    latest_version: Option<VersionNumber>,
    latest_articles: Vec<Article>,
}

fn require(actor: &Actor, role: Role) -> Result<(), BillError> {
    actor
        .require(role)
        .map_err(|needed| BillError::Forbidden { needed })
}

fn non_empty(value: &str, field: &'static str) -> Result<(), BillError> {
    if value.trim().is_empty() {
        return Err(BillError::Empty { field });
    }
    Ok(())
}

fn check_articles(articles: &[Article]) -> Result<(), BillError> {
    if articles.is_empty() {
        return Err(BillError::Empty {
            field: "list of articles",
        });
    }
    let mut seen = HashSet::new();
    for article in articles {
        if !seen.insert(article.id) {
            return Err(BillError::DuplicateArticle {
                article_id: article.id,
            });
        }
    }
    Ok(())
}

impl Bill {
    pub fn bill_id(&self) -> Option<BillId> {
        self.bill_id
    }

    pub fn status(&self) -> BillStatus {
        self.status
    }

    pub fn consultation_window(&self) -> Option<ConsultationWindow> {
        self.window
    }

    pub fn latest_version(&self) -> Option<VersionNumber> {
        self.latest_version
    }

    pub fn latest_articles(&self) -> &[Article] {
        &self.latest_articles
    }

    fn require_changeable(&self) -> Result<(), BillError> {
        match self.status {
            BillStatus::NotDrafted => Err(BillError::NotDrafted),
            status @ (BillStatus::Adopted | BillStatus::Withdrawn) => {
                Err(BillError::Finished { status })
            }
            _ => Ok(()),
        }
    }

    /// Pure decision: the events `command` produces on this state, or why it is refused.
    pub fn decide(&self, command: BillCommand) -> Result<Vec<BillEvent>, BillError> {
        require(command.actor(), Role::Official)?;
        match command {
            BillCommand::DraftBill {
                bill_id,
                title,
                articles,
                ..
            } => {
                if self.status != BillStatus::NotDrafted {
                    return Err(BillError::AlreadyDrafted);
                }
                non_empty(&title, "title")?;
                check_articles(&articles)?;
                Ok(vec![BillEvent::BillDrafted {
                    bill_id,
                    title,
                    articles,
                }])
            }
            BillCommand::OpenConsultation {
                opens_at,
                closes_at,
                ..
            } => {
                self.require_changeable()?;
                if self.status != BillStatus::Drafted {
                    return Err(BillError::ConsultationNotOpenable {
                        status: self.status,
                    });
                }
                if closes_at <= opens_at {
                    return Err(BillError::EmptyWindow {
                        opens_at,
                        closes_at,
                    });
                }
                Ok(vec![BillEvent::ConsultationOpened {
                    opens_at,
                    closes_at,
                }])
            }
            BillCommand::CloseConsultation { at, .. } => {
                self.require_changeable()?;
                if self.status != BillStatus::InConsultation {
                    return Err(BillError::NoConsultationToClose {
                        status: self.status,
                    });
                }
                Ok(vec![BillEvent::ConsultationClosed { closed_at: at }])
            }
            BillCommand::PublishVersion {
                number,
                label,
                articles,
                provenance,
                cited_amendments,
                note,
                ..
            } => {
                self.require_changeable()?;
                let latest = self.latest_version.unwrap_or(VersionNumber::FIRST);
                if number != latest.next() {
                    return Err(BillError::NotNextVersion { number, latest });
                }
                non_empty(&label, "label")?;
                check_articles(&articles)?;
                self.check_provenance(&articles, &provenance, &cited_amendments)?;
                Ok(vec![BillEvent::VersionPublished {
                    number,
                    label,
                    articles,
                    provenance,
                    note,
                }])
            }
            BillCommand::RecordPublishedTally {
                article_id,
                counts,
                source,
                ..
            } => {
                if self.status == BillStatus::NotDrafted {
                    return Err(BillError::NotDrafted);
                }
                non_empty(&source, "source")?;
                Ok(vec![BillEvent::PublishedTallyRecorded {
                    article_id,
                    counts,
                    source,
                }])
            }
            BillCommand::Adopt { at, .. } => {
                self.require_changeable()?;
                if self.window.is_some_and(|w| w.is_open_at(at)) {
                    return Err(BillError::ConsultationStillOpen { at });
                }
                Ok(vec![BillEvent::BillAdopted])
            }
            BillCommand::Withdraw { .. } => {
                self.require_changeable()?;
                Ok(vec![BillEvent::BillWithdrawn])
            }
            BillCommand::RecordFailedStep {
                label, kind, note, ..
            } => {
                self.require_changeable()?;
                non_empty(&label, "label")?;
                Ok(vec![BillEvent::StepFailed { label, kind, note }])
            }
            BillCommand::ImportTopic {
                actor,
                bill_id,
                title,
                ..
            } => {
                require(&actor, Role::Admin)?;
                if self.status != BillStatus::NotDrafted {
                    return Err(BillError::AlreadyDrafted);
                }
                non_empty(&title, "title")?;
                Ok(vec![BillEvent::BillDrafted {
                    bill_id,
                    title,
                    articles: Vec::new(),
                }])
            }
        }
    }

    fn check_provenance(
        &self,
        articles: &[Article],
        provenance: &[ArticleProvenance],
        cited: &[AmendmentFact],
    ) -> Result<(), BillError> {
        let bill_id = self.bill_id.ok_or(BillError::NotDrafted)?;
        for entry in provenance {
            let known = articles
                .iter()
                .chain(&self.latest_articles)
                .any(|a| a.id == entry.article_id);
            if !known {
                return Err(BillError::UnknownProvenanceArticle {
                    article_id: entry.article_id,
                });
            }
            for &amendment_id in &entry.amendments {
                let fact = cited
                    .iter()
                    .find(|f| f.id == amendment_id)
                    .ok_or(BillError::UncitedAmendment { amendment_id })?;
                if fact.bill_id != bill_id {
                    return Err(BillError::AmendmentOfAnotherBill {
                        amendment_id,
                        other_bill: fact.bill_id,
                    });
                }
                match fact.decision {
                    None => return Err(BillError::UndecidedAmendment { amendment_id }),
                    Some(DecisionOutcome::Rejected) => {
                        return Err(BillError::RejectedAmendment { amendment_id })
                    }
                    Some(DecisionOutcome::Accepted | DecisionOutcome::AcceptedWithChanges) => {}
                }
            }
        }
        Ok(())
    }
}

impl Aggregate for Bill {
    const TYPE: &'static str = "bill";
    type Command = BillCommand;
    type Event = BillEvent;
    type Error = BillError;
    type Services = ();

    async fn handle(
        &mut self,
        command: BillCommand,
        _service: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), BillError> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: BillEvent) {
        match event {
            BillEvent::BillDrafted {
                bill_id, articles, ..
            } => {
                self.bill_id = Some(bill_id);
                self.status = BillStatus::Drafted;
                self.latest_version = Some(VersionNumber::FIRST);
                self.latest_articles = articles;
            }
            BillEvent::ConsultationOpened {
                opens_at,
                closes_at,
            } => {
                self.status = BillStatus::InConsultation;
                self.window = Some(ConsultationWindow {
                    opens_at,
                    closes_at,
                    closed_early_at: None,
                });
            }
            BillEvent::ConsultationClosed { closed_at } => {
                self.status = BillStatus::ConsultationClosed;
                if let Some(window) = &mut self.window {
                    if closed_at < window.closes_at {
                        window.closed_early_at = Some(closed_at);
                    }
                }
            }
            BillEvent::VersionPublished {
                number, articles, ..
            } => {
                self.latest_version = Some(number);
                self.latest_articles = articles;
            }
            BillEvent::PublishedTallyRecorded { .. } => {}
            BillEvent::BillAdopted => self.status = BillStatus::Adopted,
            BillEvent::BillWithdrawn => self.status = BillStatus::Withdrawn,
            BillEvent::StepFailed { .. } => {}
        }
    }
}

impl BillStatus {
    /// In words, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::NotDrafted => "not drafted",
            BillStatus::Drafted => "drafted",
            BillStatus::InConsultation => "in consultation",
            BillStatus::ConsultationClosed => "closed to consultation",
            BillStatus::Adopted => "adopted",
            BillStatus::Withdrawn => "withdrawn",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::ParticipantId;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    pub(crate) fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 10, day, hour, 0, 0).unwrap()
    }

    pub(crate) fn window() -> ConsultationWindow {
        ConsultationWindow {
            opens_at: t(1, 0),
            closes_at: t(18, 22),
            closed_early_at: None,
        }
    }

    pub(crate) fn actor(name: &str, roles: &[Role]) -> Actor {
        Actor::new(ParticipantId::parse(name).unwrap(), roles.to_vec())
    }

    pub(crate) fn official() -> Actor {
        actor("gouvernement", &[Role::Official])
    }

    pub(crate) fn bill_id() -> BillId {
        BillId(Uuid::from_u128(1))
    }

    fn article(n: u128, text: &str) -> Article {
        Article {
            id: ArticleId(Uuid::from_u128(100 + n)),
            number: n.to_string(),
            heading: None,
            paragraphs: vec![text.to_owned()],
        }
    }

    fn given(events: Vec<BillEvent>) -> Bill {
        let mut bill = Bill::default();
        for event in events {
            bill.apply(event);
        }
        bill
    }

    fn drafted() -> BillEvent {
        BillEvent::BillDrafted {
            bill_id: bill_id(),
            title: "Pour une République numérique".into(),
            articles: vec![article(1, "dans un délai de douze mois")],
        }
    }

    fn opened() -> BillEvent {
        BillEvent::ConsultationOpened {
            opens_at: window().opens_at,
            closes_at: window().closes_at,
        }
    }

    fn publish(
        number: u32,
        provenance: Vec<ArticleProvenance>,
        cited: Vec<AmendmentFact>,
    ) -> BillCommand {
        BillCommand::PublishVersion {
            actor: official(),
            at: t(20, 0),
            number: VersionNumber(number),
            label: "post_consultation_government".into(),
            articles: vec![article(1, "dans un délai de six mois")],
            provenance,
            cited_amendments: cited,
            note: String::new(),
        }
    }

    fn amendment(n: u128) -> AmendmentId {
        AmendmentId(Uuid::from_u128(200 + n))
    }

    fn takes_in(n: u128) -> Vec<ArticleProvenance> {
        vec![ArticleProvenance {
            article_id: article(1, "").id,
            amendments: vec![amendment(n)],
        }]
    }

    fn fact(n: u128, decision: Option<DecisionOutcome>) -> AmendmentFact {
        AmendmentFact {
            id: amendment(n),
            bill_id: bill_id(),
            decision,
        }
    }

    #[test]
    fn an_official_drafts_a_bill_as_version_one() {
        let command = BillCommand::DraftBill {
            actor: official(),
            at: t(1, 0),
            bill_id: bill_id(),
            title: "Pour une République numérique".into(),
            articles: vec![article(1, "dans un délai de douze mois")],
        };
        let events = Bill::default().decide(command).unwrap();
        assert_eq!(events, vec![drafted()]);
        let bill = given(events);
        assert_eq!(bill.latest_version(), Some(VersionNumber::FIRST));
        assert_eq!(bill.status(), BillStatus::Drafted);
    }

    #[test]
    fn a_citizen_cannot_draft_a_bill() {
        let command = BillCommand::DraftBill {
            actor: actor("u0123456789", &[Role::Citizen]),
            at: t(1, 0),
            bill_id: bill_id(),
            title: "x".into(),
            articles: vec![article(1, "x")],
        };
        assert_eq!(
            Bill::default().decide(command),
            Err(BillError::Forbidden {
                needed: Role::Official
            })
        );
    }

    #[test]
    fn an_admin_may_do_what_an_official_does() {
        let command = BillCommand::Withdraw {
            actor: actor("admin", &[Role::Admin]),
            at: t(1, 0),
        };
        assert_eq!(
            given(vec![drafted()]).decide(command),
            Ok(vec![BillEvent::BillWithdrawn])
        );
    }

    #[test]
    fn a_bill_cannot_be_drafted_twice() {
        let command = BillCommand::DraftBill {
            actor: official(),
            at: t(1, 0),
            bill_id: bill_id(),
            title: "x".into(),
            articles: vec![article(1, "x")],
        };
        assert_eq!(
            given(vec![drafted()]).decide(command),
            Err(BillError::AlreadyDrafted)
        );
    }

    #[test]
    fn a_consultation_must_close_after_it_opens() {
        let command = BillCommand::OpenConsultation {
            actor: official(),
            at: t(1, 0),
            opens_at: t(2, 0),
            closes_at: t(2, 0),
        };
        assert_eq!(
            given(vec![drafted()]).decide(command),
            Err(BillError::EmptyWindow {
                opens_at: t(2, 0),
                closes_at: t(2, 0)
            })
        );
    }

    #[test]
    fn a_closed_consultation_cannot_be_reopened() {
        let bill = given(vec![
            drafted(),
            opened(),
            BillEvent::ConsultationClosed {
                closed_at: t(19, 0),
            },
        ]);
        let command = BillCommand::OpenConsultation {
            actor: official(),
            at: t(20, 0),
            opens_at: t(20, 0),
            closes_at: t(25, 0),
        };
        assert_eq!(
            bill.decide(command),
            Err(BillError::ConsultationNotOpenable {
                status: BillStatus::ConsultationClosed
            })
        );
    }

    #[test]
    fn the_window_includes_its_start_and_excludes_its_end() {
        let w = given(vec![drafted(), opened()])
            .consultation_window()
            .unwrap();
        assert!(!w.is_open_at(w.opens_at - Duration::microseconds(1)));
        assert!(w.is_open_at(w.opens_at));
        assert!(w.is_open_at(w.closes_at - Duration::microseconds(1)));
        assert_eq!(
            w.check_open_at(w.closes_at),
            Err(WindowError::Closed {
                closes_at: w.closes_at,
                at: w.closes_at
            })
        );
        assert_eq!(
            w.check_open_at(w.closes_at).unwrap_err().to_string(),
            "the consultation closed at 2015-10-18T22:00:00Z; contributions are accepted until then (exclusive), this one is at 2015-10-18T22:00:00Z"
        );
    }

    #[test]
    fn closing_early_shuts_the_window_from_that_instant() {
        let bill = given(vec![drafted(), opened()]);
        let events = bill
            .decide(BillCommand::CloseConsultation {
                actor: official(),
                at: t(10, 0),
            })
            .unwrap();
        assert_eq!(
            events,
            vec![BillEvent::ConsultationClosed {
                closed_at: t(10, 0)
            }]
        );
        let w = given(vec![drafted(), opened(), events[0].clone()])
            .consultation_window()
            .unwrap();
        assert_eq!(w.closed_early_at, Some(t(10, 0)));
        assert!(w.is_open_at(t(10, 0) - Duration::microseconds(1)));
        assert_eq!(
            w.check_open_at(t(10, 0)),
            Err(WindowError::ClosedEarly {
                closed_at: t(10, 0),
                at: t(10, 0)
            })
        );
    }

    #[test]
    fn closing_after_the_end_does_not_count_as_early() {
        let w = given(vec![
            drafted(),
            opened(),
            BillEvent::ConsultationClosed {
                closed_at: t(20, 0),
            },
        ])
        .consultation_window()
        .unwrap();
        assert_eq!(w.closed_early_at, None);
    }

    #[test]
    fn version_two_builds_on_the_draft_and_cites_an_accepted_amendment() {
        let bill = given(vec![drafted(), opened()]);
        let events = bill
            .decide(publish(
                2,
                takes_in(1),
                vec![fact(1, Some(DecisionOutcome::Accepted))],
            ))
            .unwrap();
        let bill = given(vec![drafted(), opened(), events[0].clone()]);
        assert_eq!(bill.latest_version(), Some(VersionNumber(2)));
        assert_eq!(
            bill.latest_articles()[0].paragraphs,
            vec!["dans un délai de six mois"]
        );
    }

    #[test]
    fn a_version_that_skips_or_repeats_a_number_is_refused() {
        let bill = given(vec![drafted()]);
        for number in [1, 3] {
            assert_eq!(
                bill.decide(publish(number, vec![], vec![])),
                Err(BillError::NotNextVersion {
                    number: VersionNumber(number),
                    latest: VersionNumber(1)
                })
            );
        }
    }

    #[test]
    fn a_version_naming_an_undecided_amendment_is_refused() {
        assert_eq!(
            given(vec![drafted()]).decide(publish(2, takes_in(1), vec![fact(1, None)])),
            Err(BillError::UndecidedAmendment {
                amendment_id: amendment(1)
            })
        );
    }

    #[test]
    fn a_version_naming_a_rejected_amendment_is_refused() {
        assert_eq!(
            given(vec![drafted()]).decide(publish(
                2,
                takes_in(1),
                vec![fact(1, Some(DecisionOutcome::Rejected))]
            )),
            Err(BillError::RejectedAmendment {
                amendment_id: amendment(1)
            })
        );
    }

    #[test]
    fn a_version_naming_an_uncited_amendment_is_refused() {
        assert_eq!(
            given(vec![drafted()]).decide(publish(
                2,
                takes_in(1),
                vec![fact(2, Some(DecisionOutcome::Accepted))]
            )),
            Err(BillError::UncitedAmendment {
                amendment_id: amendment(1)
            })
        );
    }

    #[test]
    fn a_version_naming_an_amendment_of_another_bill_is_refused() {
        let other = BillId(Uuid::from_u128(9));
        let foreign = AmendmentFact {
            bill_id: other,
            ..fact(1, Some(DecisionOutcome::AcceptedWithChanges))
        };
        assert_eq!(
            given(vec![drafted()]).decide(publish(2, takes_in(1), vec![foreign])),
            Err(BillError::AmendmentOfAnotherBill {
                amendment_id: amendment(1),
                other_bill: other
            })
        );
    }

    #[test]
    fn provenance_for_an_unknown_article_is_refused() {
        let provenance = vec![ArticleProvenance {
            article_id: ArticleId(Uuid::from_u128(999)),
            amendments: vec![],
        }];
        assert_eq!(
            given(vec![drafted()]).decide(publish(2, provenance, vec![])),
            Err(BillError::UnknownProvenanceArticle {
                article_id: ArticleId(Uuid::from_u128(999))
            })
        );
    }

    #[test]
    fn a_bill_cannot_be_adopted_while_its_consultation_is_open() {
        let command = BillCommand::Adopt {
            actor: official(),
            at: t(5, 0),
        };
        assert_eq!(
            given(vec![drafted(), opened()]).decide(command),
            Err(BillError::ConsultationStillOpen { at: t(5, 0) })
        );
    }

    #[test]
    fn an_adopted_bill_can_no_longer_change() {
        let bill = given(vec![drafted(), BillEvent::BillAdopted]);
        assert_eq!(
            bill.decide(publish(2, vec![], vec![])),
            Err(BillError::Finished {
                status: BillStatus::Adopted
            })
        );
    }

    #[test]
    fn a_published_tally_is_recorded_with_its_source() {
        let command = BillCommand::RecordPublishedTally {
            actor: actor("admin", &[Role::Admin]),
            at: t(19, 0),
            article_id: article(1, "").id,
            counts: VoteCounts {
                r#for: 10,
                mixed: 2,
                against: 3,
                pass: 0,
            },
            source: "republique-numerique.csv".into(),
        };
        assert!(matches!(
            given(vec![drafted()]).decide(command).unwrap()[..],
            [BillEvent::PublishedTallyRecorded { .. }]
        ));
    }

    #[tokio::test]
    async fn handle_writes_the_decided_events_to_the_sink() {
        let mut bill = Bill::default();
        let sink = EventSink::default();
        let command = BillCommand::DraftBill {
            actor: official(),
            at: t(1, 0),
            bill_id: bill_id(),
            title: "Pour une République numérique".into(),
            articles: vec![article(1, "dans un délai de douze mois")],
        };
        bill.handle(command, &(), &sink).await.unwrap();
        assert_eq!(sink.collect().await, vec![drafted()]);
        assert_eq!(bill.status(), BillStatus::Drafted);
    }

    fn failed_step(actor: Actor) -> BillCommand {
        BillCommand::RecordFailedStep {
            actor,
            at: t(20, 0),
            label: "04_1erelecture_senat_commission".into(),
            kind: StepFailure::Rejected,
            note: "echec: rejet".into(),
        }
    }

    #[test]
    fn a_failed_step_is_recorded_and_the_next_text_continues_the_numbering() {
        let bill = given(vec![drafted()]);
        assert_eq!(
            bill.decide(failed_step(actor("senat", &[Role::Citizen]))),
            Err(BillError::Forbidden {
                needed: Role::Official
            })
        );
        let events = bill.decide(failed_step(official())).unwrap();
        assert_eq!(
            events,
            vec![BillEvent::StepFailed {
                label: "04_1erelecture_senat_commission".into(),
                kind: StepFailure::Rejected,
                note: "echec: rejet".into(),
            }]
        );
        let bill = given(vec![drafted(), events[0].clone()]);
        assert_eq!(bill.latest_version(), Some(VersionNumber::FIRST));
        assert_eq!(bill.latest_articles().len(), 1);
        assert!(bill.decide(publish(2, vec![], vec![])).is_ok());
    }

    #[test]
    fn a_topic_without_text_is_drafted_with_zero_articles_by_an_import_only() {
        let command = |actor| BillCommand::ImportTopic {
            actor,
            at: t(1, 0),
            bill_id: bill_id(),
            title: "UberX".into(),
        };
        assert_eq!(
            Bill::default().decide(command(official())),
            Err(BillError::Forbidden {
                needed: Role::Admin
            })
        );
        let events = Bill::default()
            .decide(command(actor("importer", &[Role::Admin])))
            .unwrap();
        assert_eq!(
            events,
            vec![BillEvent::BillDrafted {
                bill_id: bill_id(),
                title: "UberX".into(),
                articles: vec![],
            }]
        );
        let bill = given(events);
        assert_eq!(bill.status(), BillStatus::Drafted);
        assert_eq!(bill.latest_version(), Some(VersionNumber::FIRST));
    }

    fn golden(event: &BillEvent, json: &str) {
        assert_eq!(serde_json::to_string(event).unwrap(), json);
        assert_eq!(&serde_json::from_str::<BillEvent>(json).unwrap(), event);
        assert_eq!(event.event_version(), "1");
    }

    #[test]
    fn bill_events_keep_their_published_json_shape() {
        let a = "00000000-0000-0000-0000-000000000065";
        golden(
            &drafted(),
            &format!(
                r#"{{"BillDrafted":{{"bill_id":"00000000-0000-0000-0000-000000000001","title":"Pour une République numérique","articles":[{{"id":"{a}","number":"1","heading":null,"paragraphs":["dans un délai de douze mois"]}}]}}}}"#
            ),
        );
        golden(
            &opened(),
            r#"{"ConsultationOpened":{"opens_at":"2015-10-01T00:00:00Z","closes_at":"2015-10-18T22:00:00Z"}}"#,
        );
        golden(
            &BillEvent::ConsultationClosed {
                closed_at: t(18, 22),
            },
            r#"{"ConsultationClosed":{"closed_at":"2015-10-18T22:00:00Z"}}"#,
        );
        golden(
            &BillEvent::VersionPublished {
                number: VersionNumber(2),
                label: "post_consultation_government".into(),
                articles: vec![],
                provenance: takes_in(1),
                note: "n".into(),
            },
            &format!(
                r#"{{"VersionPublished":{{"number":2,"label":"post_consultation_government","articles":[],"provenance":[{{"article_id":"{a}","amendments":["00000000-0000-0000-0000-0000000000c9"]}}],"note":"n"}}}}"#
            ),
        );
        golden(
            &BillEvent::PublishedTallyRecorded {
                article_id: article(1, "").id,
                counts: VoteCounts {
                    r#for: 10,
                    mixed: 2,
                    against: 3,
                    pass: 0,
                },
                source: "s".into(),
            },
            &format!(
                r#"{{"PublishedTallyRecorded":{{"article_id":"{a}","counts":{{"for":10,"mixed":2,"against":3}},"source":"s"}}}}"#
            ),
        );
        golden(
            &BillEvent::StepFailed {
                label: "06_cmp_cmp_commission".into(),
                kind: StepFailure::NoAgreement,
                note: "n".into(),
            },
            r#"{"StepFailed":{"label":"06_cmp_cmp_commission","kind":"no_agreement","note":"n"}}"#,
        );
        golden(&BillEvent::BillAdopted, r#""BillAdopted""#);
        golden(&BillEvent::BillWithdrawn, r#""BillWithdrawn""#);
        assert_eq!(BillEvent::BillAdopted.event_type(), "BillAdopted");
        assert_eq!(drafted().event_type(), "BillDrafted");
    }
}
