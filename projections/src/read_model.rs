//! The public read model, folded from the global log in log order: bills and their versions,
//! amendments with decisions, tallies (ballots and imported counts kept apart), arguments and each
//! bill's timeline. Kept in memory and rebuilt from the log at start-up; `LiveReadModel` follows
//! the log as commands commit (here or in another process) and lets a writer wait until its own
//! event is visible (read-your-writes).
//!
//! The durable, checkpointed projection engine is a later step; this fold is its reference: it is
//! deterministic, and applying the same log always yields the same views.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use domain::amendment::{AmendmentEvent, Change, DecisionOutcome, Origin};
use domain::argument::{ArgumentEvent, Stance};
use domain::ballot::{BallotEvent, Choice, VoteCounts};
use domain::bill::{ArticleProvenance, BillEvent, ConsultationWindow};
use domain::ids::{AmendmentId, ArgumentId, ArticleId, BillId, ParticipantId, Target};
use domain::text::Article;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::store::{EventStore, LoggedEvent, StoreError};

/// Events read from the log per round trip while catching up.
const PAGE: u32 = 2_000;

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub number: u32,
    pub label: String,
    pub note: String,
    pub published_at: String,
    pub log_index: u64,
    pub articles: Vec<Article>,
    pub provenance: Vec<ArticleProvenance>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublishedTally {
    pub counts: VoteCounts,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub log_index: u64,
    pub occurred_at: String,
    pub recorded_at: String,
    pub actor: String,
    pub stream: String,
    pub event_type: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BillView {
    pub id: BillId,
    pub title: String,
    pub state: &'static str,
    pub drafted_at: String,
    pub consultation: Option<ConsultationWindow>,
    pub versions: Vec<VersionView>,
    /// Imported published counts per government article.
    pub published_tallies: BTreeMap<ArticleId, PublishedTally>,
    pub amendments: Vec<AmendmentId>,
    #[serde(skip)]
    pub timeline: Vec<TimelineEntry>,
}

impl BillView {
    pub fn latest_version(&self) -> Option<&VersionView> {
        self.versions.last()
    }

    pub fn version(&self, number: u32) -> Option<&VersionView> {
        self.versions.iter().find(|v| v.number == number)
    }

    /// The article's display number in the latest version that has it.
    fn article_label(&self, article_id: ArticleId) -> Option<String> {
        self.versions.iter().rev().find_map(|v| {
            v.articles
                .iter()
                .find(|a| a.id == article_id)
                .map(|a| format!("Article {}", a.number))
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub outcome: DecisionOutcome,
    pub response: String,
    pub decided_by: ParticipantId,
    pub decided_at: String,
}

#[derive(Debug, Clone, Serialize)]
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
    pub state: &'static str,
    pub decision: Option<DecisionView>,
    pub published_tally: Option<PublishedTally>,
    /// Versions whose provenance names this amendment.
    pub taken_in_by_versions: Vec<u32>,
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

#[derive(Debug, Clone, Serialize)]
pub struct ArgumentView {
    pub id: ArgumentId,
    pub author: ParticipantId,
    pub target: Target,
    pub stance: Stance,
    pub body: String,
    pub posted_at: String,
    pub withdrawn: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    #[error("log index {log_index} ({stream}): {message}; the read model stopped there")]
    Undecodable {
        log_index: u64,
        stream: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The views, as of `position` (the last log index applied).
#[derive(Debug, Default)]
pub struct ReadModel {
    position: u64,
    bill_order: Vec<BillId>,
    bills: HashMap<BillId, BillView>,
    amendments: HashMap<AmendmentId, AmendmentView>,
    /// Ballot stream id → its target and current choice.
    ballots: HashMap<String, (Target, Option<Choice>)>,
    /// Target stream key → counts of current ballots (one per participant, last vote wins).
    ballot_tallies: HashMap<String, VoteCounts>,
    arguments: HashMap<ArgumentId, ArgumentView>,
    arguments_by_target: HashMap<String, Vec<ArgumentId>>,
    argument_streams: HashMap<String, ArgumentId>,
}

fn metadata_str(metadata: &Value, key: &str) -> String {
    metadata
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn choice_word(choice: Choice) -> &'static str {
    match choice {
        Choice::For => "for",
        Choice::Mixed => "mixed",
        Choice::Against => "against",
        Choice::Pass => "pass",
    }
}

fn add(counts: &mut VoteCounts, choice: Choice, delta: i64) {
    let slot = match choice {
        Choice::For => &mut counts.r#for,
        Choice::Mixed => &mut counts.mixed,
        Choice::Against => &mut counts.against,
        Choice::Pass => &mut counts.pass,
    };
    *slot = slot.saturating_add_signed(delta);
}

fn outcome_words(outcome: DecisionOutcome) -> &'static str {
    match outcome {
        DecisionOutcome::Accepted => "accepted",
        DecisionOutcome::AcceptedWithChanges => "accepted with changes",
        DecisionOutcome::Rejected => "rejected",
    }
}

impl ReadModel {
    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn bills(&self) -> impl Iterator<Item = &BillView> {
        self.bill_order.iter().filter_map(|id| self.bills.get(id))
    }

    pub fn bill(&self, id: BillId) -> Option<&BillView> {
        self.bills.get(&id)
    }

    pub fn amendment(&self, id: AmendmentId) -> Option<&AmendmentView> {
        self.amendments.get(&id)
    }

    pub fn amendments_of<'a>(
        &'a self,
        bill: &'a BillView,
    ) -> impl Iterator<Item = &'a AmendmentView> {
        bill.amendments
            .iter()
            .filter_map(|id| self.amendments.get(id))
    }

    /// Counts of current ballots on a target (one per participant, last vote wins).
    pub fn ballot_tally(&self, target: &Target) -> VoteCounts {
        self.ballot_tallies
            .get(&target.stream_key())
            .copied()
            .unwrap_or_default()
    }

    pub fn arguments_on<'a>(&'a self, target: &Target) -> impl Iterator<Item = &'a ArgumentView> {
        self.arguments_by_target
            .get(&target.stream_key())
            .into_iter()
            .flatten()
            .filter_map(|id| self.arguments.get(id))
    }

    fn bill_of_target(&self, target: &Target) -> Option<BillId> {
        match target {
            Target::Article { bill_id, .. } => Some(*bill_id),
            Target::Amendment { amendment_id } => {
                self.amendments.get(amendment_id).map(|a| a.bill_id)
            }
        }
    }

    fn target_label(&self, target: &Target) -> String {
        match target {
            Target::Article {
                bill_id,
                article_id,
            } => self
                .bills
                .get(bill_id)
                .and_then(|b| b.article_label(*article_id))
                .unwrap_or_else(|| format!("article {article_id}")),
            Target::Amendment { amendment_id } => self
                .amendments
                .get(amendment_id)
                .map(|a| format!("amendment « {} »", a.title))
                .unwrap_or_else(|| format!("amendment {amendment_id}")),
        }
    }

    /// Applies the next event of the log. Events must come in log order, each exactly once.
    pub fn apply(&mut self, logged: &LoggedEvent) -> Result<(), ReadModelError> {
        let e = &logged.event;
        let undecodable = |message: String| ReadModelError::Undecodable {
            log_index: logged.log_index,
            stream: format!("{}/{}", e.stream_type, e.stream_id),
            message,
        };
        let occurred_at = metadata_str(&e.metadata, "occurred_at");
        let entry = |bill_summary: String| TimelineEntry {
            log_index: logged.log_index,
            occurred_at: occurred_at.clone(),
            recorded_at: e.recorded_at.to_fixed_string(),
            actor: e.actor.clone(),
            stream: format!("{}/{}", e.stream_type, e.stream_id),
            event_type: e.event_type.clone(),
            summary: bill_summary,
        };
        let (bill_id, summary) = match e.stream_type.as_str() {
            "bill" => {
                let event: BillEvent = serde_json::from_value(e.payload.clone())
                    .map_err(|err| undecodable(err.to_string()))?;
                self.apply_bill(&e.stream_id, event, &occurred_at, logged.log_index)
                    .map_err(undecodable)?
            }
            "amendment" => {
                let event: AmendmentEvent = serde_json::from_value(e.payload.clone())
                    .map_err(|err| undecodable(err.to_string()))?;
                self.apply_amendment(&e.stream_id, event, &occurred_at)
                    .map_err(undecodable)?
            }
            "ballot" => {
                let event: BallotEvent = serde_json::from_value(e.payload.clone())
                    .map_err(|err| undecodable(err.to_string()))?;
                self.apply_ballot(&e.stream_id, &e.actor, event)
                    .map_err(undecodable)?
            }
            "argument" => {
                let event: ArgumentEvent = serde_json::from_value(e.payload.clone())
                    .map_err(|err| undecodable(err.to_string()))?;
                self.apply_argument(&e.stream_id, event, &occurred_at)
                    .map_err(undecodable)?
            }
            other => return Err(undecodable(format!("unknown stream type `{other}`"))),
        };
        if let Some(bill) = bill_id.and_then(|id| self.bills.get_mut(&id)) {
            bill.timeline.push(entry(summary));
        }
        self.position = logged.log_index;
        Ok(())
    }

    fn apply_bill(
        &mut self,
        stream_id: &str,
        event: BillEvent,
        occurred_at: &str,
        log_index: u64,
    ) -> Result<(Option<BillId>, String), String> {
        let id = BillId::parse(stream_id).map_err(|e| e.to_string())?;
        if let BillEvent::BillDrafted {
            bill_id,
            title,
            articles,
        } = &event
        {
            self.bill_order.push(*bill_id);
            self.bills.insert(
                *bill_id,
                BillView {
                    id: *bill_id,
                    title: title.clone(),
                    state: "drafted",
                    drafted_at: occurred_at.to_string(),
                    consultation: None,
                    versions: vec![VersionView {
                        number: 1,
                        label: "draft".into(),
                        note: String::new(),
                        published_at: occurred_at.to_string(),
                        log_index,
                        articles: articles.clone(),
                        provenance: Vec::new(),
                    }],
                    published_tallies: BTreeMap::new(),
                    amendments: Vec::new(),
                    timeline: Vec::new(),
                },
            );
            return Ok((
                Some(id),
                format!(
                    "bill « {title} » drafted with {} articles (version 1)",
                    articles.len()
                ),
            ));
        }
        let label_of = |bills: &HashMap<BillId, BillView>, article_id: ArticleId| {
            bills
                .get(&id)
                .and_then(|b| b.article_label(article_id))
                .unwrap_or_else(|| format!("article {article_id}"))
        };
        let summary = match &event {
            BillEvent::PublishedTallyRecorded {
                article_id, counts, ..
            } => format!(
                "published tally recorded for {}: {} for, {} mixed, {} against",
                label_of(&self.bills, *article_id),
                counts.r#for,
                counts.mixed,
                counts.against
            ),
            _ => String::new(),
        };
        let bill = self
            .bills
            .get_mut(&id)
            .ok_or_else(|| format!("event on bill {id} before it was drafted"))?;
        let summary = match event {
            BillEvent::BillDrafted { .. } => unreachable!("handled above"),
            BillEvent::ConsultationOpened {
                opens_at,
                closes_at,
            } => {
                bill.state = "in_consultation";
                bill.consultation = Some(ConsultationWindow {
                    opens_at,
                    closes_at,
                    closed_early_at: None,
                });
                format!(
                    "consultation opened from {} until {} (exclusive)",
                    opens_at.to_rfc3339(),
                    closes_at.to_rfc3339()
                )
            }
            BillEvent::ConsultationClosed { closed_at } => {
                bill.state = "consultation_closed";
                if let Some(window) = &mut bill.consultation {
                    if closed_at < window.closes_at {
                        window.closed_early_at = Some(closed_at);
                    }
                }
                format!("consultation closed at {}", closed_at.to_rfc3339())
            }
            BillEvent::VersionPublished {
                number,
                label,
                articles,
                provenance,
                note,
            } => {
                let cited: usize = provenance.iter().map(|p| p.amendments.len()).sum();
                for amendment in provenance.iter().flat_map(|p| &p.amendments) {
                    if let Some(view) = self.amendments.get_mut(amendment) {
                        if !view.taken_in_by_versions.contains(&number.get()) {
                            view.taken_in_by_versions.push(number.get());
                        }
                    }
                }
                let summary = format!(
                    "version {} published ({label}): {} articles, {} changed articles cite {cited} amendments",
                    number.get(),
                    articles.len(),
                    provenance.len()
                );
                bill.versions.push(VersionView {
                    number: number.get(),
                    label,
                    note,
                    published_at: occurred_at.to_string(),
                    log_index,
                    articles,
                    provenance,
                });
                summary
            }
            BillEvent::PublishedTallyRecorded {
                article_id,
                counts,
                source,
            } => {
                bill.published_tallies
                    .insert(article_id, PublishedTally { counts, source });
                summary
            }
            BillEvent::BillAdopted => {
                bill.state = "adopted";
                "bill adopted".into()
            }
            BillEvent::BillWithdrawn => {
                bill.state = "withdrawn";
                "bill withdrawn".into()
            }
            BillEvent::StepFailed { label, kind, note } => {
                format!("step {label} produced no text ({}): {note}", kind.as_str())
            }
        };
        Ok((Some(id), summary))
    }

    fn apply_amendment(
        &mut self,
        stream_id: &str,
        event: AmendmentEvent,
        occurred_at: &str,
    ) -> Result<(Option<BillId>, String), String> {
        let id = AmendmentId::parse(stream_id).map_err(|e| e.to_string())?;
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
            let bill = self
                .bills
                .get_mut(&bill_id)
                .ok_or_else(|| format!("amendment to unknown bill {bill_id}"))?;
            bill.amendments.push(amendment_id);
            let target = match &change {
                Change::Modify { article_id } => {
                    format!(
                        "to modify {}",
                        bill.article_label(*article_id).unwrap_or_default()
                    )
                }
                Change::Delete { article_id } => {
                    format!(
                        "to delete {}",
                        bill.article_label(*article_id).unwrap_or_default()
                    )
                }
                Change::InsertAfter {
                    article_id: Some(a),
                } => format!(
                    "to insert a new article after {}",
                    bill.article_label(*a).unwrap_or_default()
                ),
                Change::InsertAfter { article_id: None } => "to insert a new article".into(),
                Change::WholeText => "on the text as a whole".into(),
            };
            let summary = format!("amendment « {title} » submitted {target}");
            self.amendments.insert(
                amendment_id,
                AmendmentView {
                    id: amendment_id,
                    bill_id,
                    base_version: base_version.get(),
                    change,
                    origin,
                    title,
                    proposed_text,
                    rationale,
                    author,
                    submitted_at: occurred_at.to_string(),
                    state: "submitted",
                    decision: None,
                    published_tally: None,
                    taken_in_by_versions: Vec::new(),
                },
            );
            return Ok((Some(bill_id), summary));
        }
        let view = self
            .amendments
            .get_mut(&id)
            .ok_or_else(|| format!("event on amendment {id} before it was submitted"))?;
        let summary = match event {
            AmendmentEvent::AmendmentSubmitted { .. } => unreachable!("handled above"),
            AmendmentEvent::AmendmentRevised {
                title,
                proposed_text,
                rationale,
            } => {
                view.title = title;
                view.proposed_text = proposed_text;
                view.rationale = rationale;
                format!("amendment « {} » revised by its author", view.title)
            }
            AmendmentEvent::AmendmentWithdrawn => {
                view.state = "withdrawn";
                format!("amendment « {} » withdrawn by its author", view.title)
            }
            AmendmentEvent::AmendmentDecided {
                outcome,
                response,
                decided_by,
            } => {
                view.state = match outcome {
                    DecisionOutcome::Accepted => "accepted",
                    DecisionOutcome::AcceptedWithChanges => "accepted_with_changes",
                    DecisionOutcome::Rejected => "rejected",
                };
                let summary = format!(
                    "amendment « {} » {} by {decided_by}",
                    view.title,
                    outcome_words(outcome)
                );
                view.decision = Some(DecisionView {
                    outcome,
                    response,
                    decided_by,
                    decided_at: occurred_at.to_string(),
                });
                summary
            }
            AmendmentEvent::PublishedTallyRecorded { counts, source } => {
                view.published_tally = Some(PublishedTally { counts, source });
                format!(
                    "published tally recorded for amendment « {} »: {} for, {} mixed, {} against",
                    view.title, counts.r#for, counts.mixed, counts.against
                )
            }
            AmendmentEvent::AmendmentNotVoted { note, recorded_by } => {
                view.state = "not_voted";
                format!(
                    "amendment « {} » was never put to the vote ({note}), recorded by {recorded_by}",
                    view.title
                )
            }
            AmendmentEvent::AmendmentHidden { reason, hidden_by } => format!(
                "amendment « {} » hidden by {hidden_by}: {reason}",
                view.title
            ),
        };
        Ok((Some(view.bill_id), summary))
    }

    fn apply_ballot(
        &mut self,
        stream_id: &str,
        actor: &str,
        event: BallotEvent,
    ) -> Result<(Option<BillId>, String), String> {
        let (target, previous) = match &event {
            BallotEvent::BallotCast { target, .. } => {
                (*target, self.ballots.get(stream_id).and_then(|(_, c)| *c))
            }
            _ => {
                let (target, choice) = self
                    .ballots
                    .get(stream_id)
                    .ok_or_else(|| format!("ballot {stream_id} changed before it was cast"))?;
                (*target, *choice)
            }
        };
        let key = target.stream_key();
        let counts = self.ballot_tallies.entry(key).or_default();
        if let Some(previous) = previous {
            add(counts, previous, -1);
        }
        let (now, verb) = match &event {
            BallotEvent::BallotCast {
                participant,
                choice,
                ..
            } => (
                Some(*choice),
                format!("{participant} voted {}", choice_word(*choice)),
            ),
            BallotEvent::BallotChanged { choice, .. } => (
                Some(*choice),
                format!("{actor} changed their vote to {}", choice_word(*choice)),
            ),
            BallotEvent::BallotRetracted => (None, format!("{actor} retracted their vote")),
        };
        if let Some(now) = now {
            add(counts, now, 1);
        }
        self.ballots.insert(stream_id.to_string(), (target, now));
        let summary = format!("{verb} on {}", self.target_label(&target));
        Ok((self.bill_of_target(&target), summary))
    }

    fn apply_argument(
        &mut self,
        stream_id: &str,
        event: ArgumentEvent,
        occurred_at: &str,
    ) -> Result<(Option<BillId>, String), String> {
        match event {
            ArgumentEvent::ArgumentPosted {
                argument_id,
                author,
                target,
                stance,
                body,
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
                self.arguments_by_target
                    .entry(target.stream_key())
                    .or_default()
                    .push(argument_id);
                self.argument_streams
                    .insert(stream_id.to_string(), argument_id);
                let bill = self.bill_of_target(&target);
                self.arguments.insert(
                    argument_id,
                    ArgumentView {
                        id: argument_id,
                        author,
                        target,
                        stance,
                        body,
                        posted_at: occurred_at.to_string(),
                        withdrawn: false,
                    },
                );
                Ok((bill, summary))
            }
            ArgumentEvent::ArgumentWithdrawn => {
                let id = self.argument_streams.get(stream_id).ok_or_else(|| {
                    format!("argument {stream_id} withdrawn before it was posted")
                })?;
                let view = self.arguments.get_mut(id).expect("indexed together");
                view.withdrawn = true;
                let target = view.target;
                let summary = format!("{} withdrew an argument", view.author);
                Ok((self.bill_of_target(&target), summary))
            }
        }
    }
}

/// The read model kept up to date with the log.
pub struct LiveReadModel {
    store: EventStore,
    model: RwLock<ReadModel>,
    position: watch::Sender<u64>,
    catching_up: tokio::sync::Mutex<()>,
    failure: RwLock<Option<String>>,
}

impl LiveReadModel {
    /// Builds the views from the whole log.
    pub async fn start(store: EventStore) -> Result<Arc<Self>, ReadModelError> {
        let live = Arc::new(Self {
            store,
            model: RwLock::new(ReadModel::default()),
            position: watch::channel(0).0,
            catching_up: tokio::sync::Mutex::new(()),
            failure: RwLock::new(None),
        });
        live.catch_up().await?;
        Ok(live)
    }

    /// Applies every committed event not yet applied; returns the new position.
    pub async fn catch_up(&self) -> Result<u64, ReadModelError> {
        let _one_at_a_time = self.catching_up.lock().await;
        loop {
            let after = self.read().position();
            let page = self.store.read_log(after, PAGE).await?;
            if page.is_empty() {
                return Ok(after);
            }
            {
                let mut model = self.model.write().expect("read model lock");
                for logged in &page {
                    if let Err(e) = model.apply(logged) {
                        *self.failure.write().expect("failure lock") = Some(e.to_string());
                        return Err(e);
                    }
                }
                self.position.send_replace(model.position());
            }
            if page.len() < PAGE as usize {
                return Ok(self.read().position());
            }
        }
    }

    /// Waits until the views include `log_index`; false when `timeout` passed first.
    pub async fn wait_for(&self, log_index: u64, timeout: Duration) -> bool {
        let mut position = self.position.subscribe();
        if *position.borrow() >= log_index {
            return true;
        }
        let _ = self.catch_up().await;
        tokio::time::timeout(timeout, position.wait_for(|p| *p >= log_index))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub fn read(&self) -> RwLockReadGuard<'_, ReadModel> {
        self.model.read().expect("read model lock")
    }

    /// The error that stopped the views, if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.read().expect("failure lock").clone()
    }

    /// Follows commits made by other processes, polling the log.
    pub fn spawn_follower(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let live = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                ticker.tick().await;
                if let Err(e) = live.catch_up().await {
                    tracing::error!(error = %e, "read model stopped");
                    if matches!(e, ReadModelError::Undecodable { .. }) {
                        return;
                    }
                }
            }
        })
    }
}
