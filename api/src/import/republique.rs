//! Maps the République numérique sources onto our domain and records them as commands, in
//! chronological order, in ONE transaction: an import is all or nothing, so a failure (a
//! malformed file, a rule the data breaks) leaves the database as it was, and a database that
//! holds the bill holds all of it (importing twice adds nothing).
//!
//! Mapping (also in README.md):
//! - bill = the avant-projet; version 1 = the text put to consultation (commit 0420cf3); every
//!   later commit of the government's repository is a published version (label = its stage),
//!   articles keep a stable id across renumbering (`sources::identity`);
//! - the 30 government articles' published vote counts → imported tallies on the bill;
//! - citizen proposals (new articles) → amendments inserting an article after the last
//!   government article of their section, with their text; citizen modifications → amendments
//!   modifying the government article (their proposed wording is lost in every source: `None`);
//!   modifications of a citizen proposal → amendments with the proposal's insertion point;
//!   each with its published counts as an imported tally (never as invented ballots);
//! - Article 9's per-voter votes → real ballots (one stream per voter and target; a repeated
//!   row with the same value is ignored, a different value changes the ballot: last vote wins);
//! - arguments → arguments (trashed or disabled ones are not imported);
//! - the Ministry's post-consultation commits citing contributions → those contributions
//!   decided "accepted with changes" with the commit message as response, then the version,
//!   whose provenance names them for the articles the commit changed;
//! - Assemblée nationale commits → parliamentary amendments (their numbers), accepted, then the
//!   version whose provenance names them.
//!
//! Instants: from the source. Contributions and votes without a date in any source are recorded
//! at the last microsecond of the consultation, with metadata `occurred_at_bound` saying so.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use domain::actor::{Actor, Role};
use domain::amendment::{Amendment, AmendmentCommand, Change, DecisionOutcome, Origin};
use domain::argument::{Argument, ArgumentCommand, Stance};
use domain::ballot::{Ballot, BallotCommand, BallotError, Choice, VoteCounts};
use domain::bill::{AmendmentFact, ArticleProvenance, Bill, BillCommand};
use domain::ids::{
    AmendmentId, ArgumentId, ArticleId, BallotId, BillId, ParticipantId, Target, VersionNumber,
};
use domain::text::Article;
use projections::command::Batch;
use projections::{AppendError, CommandContext, CommandError, EventStore, StoreError};
use uuid::Uuid;

use super::sources::article9::{self, VoteTarget, VoteValue};
use super::sources::bill_history::{self, BillVersionSource, Stage};
use super::sources::consultation::{self, Contribution, ContributionKind, Counts};
use super::sources::identity::assign_article_keys;
use super::sources::markdown::SourceArticle;
use super::sources::{bundled, nfc, SourceError};

/// The files of one import, with the names used in error messages and event sources.
pub struct SourceFiles {
    pub commits: (String, String),
    pub contributions: (String, String),
    pub opinions: (String, String),
    pub opinion_arguments: (String, String),
    pub article9_modifications: (String, String),
    pub article9_votes: (String, String),
    pub article9_arguments: (String, String),
}

impl SourceFiles {
    pub fn bundled() -> Self {
        let f = |name: &str, text: &str| (name.to_string(), text.to_string());
        Self {
            commits: f(bundled::COMMITS_FILE, bundled::COMMITS),
            contributions: f(bundled::CONTRIBUTIONS_FILE, bundled::CONTRIBUTIONS),
            opinions: f(bundled::OPINIONS_FILE, bundled::OPINIONS),
            opinion_arguments: f(bundled::OPINION_ARGUMENTS_FILE, bundled::OPINION_ARGUMENTS),
            article9_modifications: f(
                bundled::ARTICLE9_MODIFICATIONS_FILE,
                bundled::ARTICLE9_MODIFICATIONS,
            ),
            article9_votes: f(bundled::ARTICLE9_VOTES_FILE, bundled::ARTICLE9_VOTES),
            article9_arguments: f(
                bundled::ARTICLE9_ARGUMENTS_FILE,
                bundled::ARTICLE9_ARGUMENTS,
            ),
        }
    }

    /// Reads a folder laid out like ops/data/republique-numerique.
    pub fn read_folder(folder: &std::path::Path) -> Result<Self, ImportError> {
        let read = |name: &str| -> Result<(String, String), ImportError> {
            let path = folder.join(name);
            Ok((path.display().to_string(), super::read_source_file(&path)?))
        };
        Ok(Self {
            commits: read(bundled::COMMITS_FILE)?,
            contributions: read(bundled::CONTRIBUTIONS_FILE)?,
            opinions: read(bundled::OPINIONS_FILE)?,
            opinion_arguments: read(bundled::OPINION_ARGUMENTS_FILE)?,
            article9_modifications: read(bundled::ARTICLE9_MODIFICATIONS_FILE)?,
            article9_votes: read(bundled::ARTICLE9_VOTES_FILE)?,
            article9_arguments: read(bundled::ARTICLE9_ARGUMENTS_FILE)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("{file}:{line}: field `{field}`: {message}")]
    Inconsistent {
        file: String,
        line: usize,
        field: String,
        message: String,
    },
    #[error("{source_ref}: the record refuses this step: {message}")]
    Rejected { source_ref: String, message: String },
    #[error("the import could not be committed, nothing was written: {0}")]
    Append(#[from] AppendError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub already_imported: bool,
    pub events: u64,
    pub versions: u64,
    pub citizen_amendments: u64,
    pub parliamentary_amendments: u64,
    pub decisions: u64,
    pub imported_tallies: u64,
    pub ballots_cast: u64,
    pub ballots_changed: u64,
    pub duplicate_vote_rows_ignored: u64,
    pub arguments: u64,
    pub skipped_trashed: u64,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.already_imported {
            return f.write_str(
                "already imported: the République numérique bill is in the log; nothing to do",
            );
        }
        write!(
            f,
            "imported République numérique: {} events ({} versions, {} citizen and {} parliamentary amendments, {} decisions, {} imported tallies, {} ballots cast and {} changed, {} duplicate vote rows ignored, {} arguments; {} trashed items skipped)",
            self.events,
            self.versions,
            self.citizen_amendments,
            self.parliamentary_amendments,
            self.decisions,
            self.imported_tallies,
            self.ballots_cast,
            self.ballots_changed,
            self.duplicate_vote_rows_ignored,
            self.arguments,
            self.skipped_trashed
        )
    }
}

fn id(kind: &str, key: &str) -> Uuid {
    super::source_id("republique-numerique", kind, key)
}

/// The bill's id: the same in every database that imported these sources.
pub fn bill_id() -> BillId {
    BillId::from(id("bill", "pjl-republique-numerique"))
}

/// The id of an article identity key assigned by `sources::identity`.
pub fn article_id(key: &str) -> ArticleId {
    ArticleId::from(id("article", key))
}

/// The amendment recording a consultation contribution (`o123` or `v456`).
pub fn contribution_amendment_id(contribution_id: &str) -> AmendmentId {
    AmendmentId::from(id("contribution", contribution_id))
}

fn parliamentary_amendment_id(sha: &str) -> AmendmentId {
    AmendmentId::from(id("an-commit", sha))
}

const GOVERNMENT: &str = "gouvernement";
const IMPORTER: &str = "palimpsest-import";

fn participant(name: &str) -> Result<ParticipantId, String> {
    ParticipantId::parse(name).map_err(|e| format!("participant `{name}`: {e}"))
}

fn official(name: &str) -> Actor {
    Actor::new(
        ParticipantId::parse(name).expect("institution ids are valid"),
        vec![Role::Official],
    )
}

/// The institution behind a commit of the government's repository.
fn institution(author: &str) -> &'static str {
    if author.contains("Assemblée") {
        "assemblee-nationale"
    } else if author.contains("Conseil") {
        "conseil-d-etat"
    } else {
        GOVERNMENT
    }
}

fn to_article(a: &SourceArticle) -> Article {
    Article {
        id: article_id(&a.key),
        number: a.label.clone(),
        heading: a.heading.clone(),
        paragraphs: a.paragraphs.clone(),
    }
}

fn counts(c: Counts) -> VoteCounts {
    VoteCounts {
        r#for: u64::from(c.ok),
        mixed: u64::from(c.mitige),
        against: u64::from(c.nok),
        pass: 0,
    }
}

/// One thing to record, at its instant.
enum Step {
    DraftBill(usize),
    OpenConsultation,
    Contribution(usize),
    ContributionTally(usize),
    ArticleTally(usize),
    Argument(usize),
    Vote(usize),
    CloseConsultation,
    Version(usize),
}

struct Plan {
    at: DateTime<FixedOffset>,
    order: u8,
    step: Step,
}

/// An argument from either source file, with where it was read.
struct ImportedArgument {
    file: String,
    line: usize,
    number: u32,
    opinion_id: String,
    author: String,
    stance: Stance,
    created_at: DateTime<FixedOffset>,
    body: String,
}

struct Parsed {
    files: SourceFiles,
    versions: Vec<BillVersionSource>,
    contributions: Vec<Contribution>,
    contribution_lines: HashMap<String, usize>,
    opinions: HashMap<String, consultation::Opinion>,
    arguments: Vec<ImportedArgument>,
    votes: Vec<article9::Vote>,
    rationales: HashMap<String, String>,
    skipped_trashed: u64,
}

fn parse(files: SourceFiles) -> Result<Parsed, ImportError> {
    let history = bill_history::parse(&files.commits.1, &files.commits.0)?;
    let mut versions = history.versions;
    assign_article_keys(&mut versions);
    let mut contributions =
        consultation::parse_contributions(&files.contributions.1, &files.contributions.0)?;
    let opinions = consultation::parse_opinions(&files.opinions.1, &files.opinions.0)?;
    let modifications9 = article9::parse_modifications(
        &files.article9_modifications.1,
        &files.article9_modifications.0,
    )?;
    consultation::fill_created_at(&mut contributions, &opinions, &modifications9);
    let rationales = modifications9
        .iter()
        .filter_map(|m| m.comment.clone().map(|c| (format!("v{}", m.id), c)))
        .collect();
    let votes = article9::parse_votes(&files.article9_votes.1, &files.article9_votes.0)?;
    let opinion_arguments = consultation::parse_opinion_arguments(
        &files.opinion_arguments.1,
        &files.opinion_arguments.0,
    )?;
    let arguments9 =
        article9::parse_arguments(&files.article9_arguments.1, &files.article9_arguments.0)?;

    let mut skipped_trashed = 0;
    let mut seen_arguments = HashSet::new();
    let mut arguments = Vec::new();
    for (line, a) in opinion_arguments.iter().enumerate() {
        if a.is_trashed || !a.is_enabled {
            skipped_trashed += 1;
            continue;
        }
        seen_arguments.insert(a.id);
        let stance = match a.stance {
            consultation::Stance::Pour => Stance::For,
            consultation::Stance::Contre => Stance::Against,
        };
        arguments.push(ImportedArgument {
            file: files.opinion_arguments.0.clone(),
            line: line + 2,
            number: a.id,
            opinion_id: a.opinion_id.clone(),
            author: a.author.clone(),
            stance,
            created_at: a.created_at,
            body: a.body.clone(),
        });
    }
    for (line, a) in arguments9.iter().enumerate() {
        if !seen_arguments.insert(a.id) {
            continue; // the same argument, already imported from the whole consultation
        }
        let opinion = match a.target {
            VoteTarget::Article(n) | VoteTarget::Modification(n) => format!("o{n}"),
        };
        let stance = match a.stance {
            consultation::Stance::Pour => Stance::For,
            consultation::Stance::Contre => Stance::Against,
        };
        arguments.push(ImportedArgument {
            file: files.article9_arguments.0.clone(),
            line: line + 2,
            number: a.id,
            opinion_id: opinion,
            author: a.author.clone(),
            stance,
            created_at: a.created_at,
            body: a.body.clone(),
        });
    }
    let contribution_lines = contributions
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i + 2))
        .collect();
    let mut kept = Vec::new();
    let mut opinion_map = HashMap::new();
    for o in opinions {
        opinion_map.insert(o.id.clone(), o);
    }
    for c in contributions {
        let trashed = opinion_map.get(&c.id).is_some_and(|o| o.is_trashed)
            || opinion_map.get(&c.opinion_id).is_some_and(|o| o.is_trashed);
        if trashed {
            skipped_trashed += 1;
        } else {
            kept.push(c);
        }
    }
    Ok(Parsed {
        files,
        versions,
        contributions: kept,
        contribution_lines,
        opinions: opinion_map,
        arguments,
        votes,
        rationales,
        skipped_trashed,
    })
}

/// Imports the bundled copy of the sources.
pub async fn import_bundled(store: &EventStore) -> Result<ImportReport, ImportError> {
    import(store, SourceFiles::bundled()).await
}

/// Imports the sources from a folder laid out like ops/data/republique-numerique.
pub async fn import_folder(
    store: &EventStore,
    folder: &std::path::Path,
) -> Result<ImportReport, ImportError> {
    import(store, SourceFiles::read_folder(folder)?).await
}

/// Parses everything first (a malformed file stops here, before any write), then records.
pub async fn import(store: &EventStore, files: SourceFiles) -> Result<ImportReport, ImportError> {
    let parsed = parse(files)?;
    if store.stream_exists("bill", &bill_id().to_string()).await? {
        return Ok(ImportReport {
            already_imported: true,
            ..ImportReport::default()
        });
    }
    let mut importer = Importer::new(store, &parsed)?;
    importer.run().await?;
    let mut report = importer.report;
    let committed = importer.batch.commit().await?;
    report.events = committed.len() as u64;
    report.skipped_trashed = parsed.skipped_trashed;
    Ok(report)
}

struct Importer<'a> {
    parsed: &'a Parsed,
    batch: Batch<'a>,
    report: ImportReport,
    bill: BillId,
    opens_at: DateTime<FixedOffset>,
    closes_at: DateTime<FixedOffset>,
    /// Government article number (consultation numbering) → article id in version 1.
    government_articles: HashMap<u32, ArticleId>,
    /// Contribution id → its amendment (citizen proposals and modifications).
    amendments: HashMap<String, AmendmentId>,
    contribution_by_key: HashMap<String, usize>,
    decided: HashSet<AmendmentId>,
    version_number: u32,
}

fn rejected<E: std::error::Error>(source_ref: &str, e: CommandError<E>) -> ImportError {
    match e {
        CommandError::Append(a) => ImportError::Append(a),
        CommandError::Store(s) => ImportError::Store(s),
        other => ImportError::Rejected {
            source_ref: source_ref.to_string(),
            message: other.to_string(),
        },
    }
}

impl<'a> Importer<'a> {
    fn new(store: &'a EventStore, parsed: &'a Parsed) -> Result<Self, ImportError> {
        let first = parsed
            .versions
            .first()
            .ok_or_else(|| ImportError::Inconsistent {
                file: parsed.files.commits.0.clone(),
                line: 1,
                field: "stage".into(),
                message: "no consultation version in the bill history".into(),
            })?;
        let government_articles = first
            .articles
            .iter()
            .map(|a| (a.number, article_id(&a.key)))
            .collect();
        let paris = FixedOffset::east_opt(2 * 3600).expect("valid offset");
        let opens_at = parsed
            .opinions
            .values()
            .filter(|o| o.author == GOVERNMENT)
            .map(|o| o.created_at)
            .min()
            .unwrap_or_else(|| paris.with_ymd_and_hms(2015, 9, 26, 0, 0, 0).unwrap());
        let closes_at = paris.with_ymd_and_hms(2015, 10, 19, 0, 0, 0).unwrap();
        let contribution_by_key = parsed
            .contributions
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.clone(), i))
            .collect();
        Ok(Self {
            parsed,
            batch: Batch::new(store),
            report: ImportReport::default(),
            bill: bill_id(),
            opens_at,
            closes_at,
            government_articles,
            amendments: HashMap::new(),
            contribution_by_key,
            decided: HashSet::new(),
            version_number: 1,
        })
    }

    /// The last microsecond of the consultation: the bound used for undated contributions.
    fn last_instant(&self) -> DateTime<FixedOffset> {
        self.closes_at - Duration::microseconds(1)
    }

    fn plan(&self) -> Vec<Plan> {
        let p = self.parsed;
        let mut plan = Vec::new();
        let mut push = |at, order, step| plan.push(Plan { at, order, step });
        for (i, v) in p.versions.iter().enumerate() {
            if v.stage == Stage::Consultation {
                push(v.date, 0, Step::DraftBill(i));
            } else {
                push(v.date, 5, Step::Version(i));
            }
        }
        push(self.opens_at, 1, Step::OpenConsultation);
        for (i, c) in p.contributions.iter().enumerate() {
            let is_government = c.author == GOVERNMENT;
            if is_government {
                push(self.last_instant(), 3, Step::ArticleTally(i));
            } else {
                let at = c.created_at.unwrap_or_else(|| self.last_instant());
                // proposals before modifications at the same instant: a modification may amend one
                let order = if c.kind == ContributionKind::Opinion {
                    1
                } else {
                    2
                };
                push(at, order, Step::Contribution(i));
                push(self.last_instant(), 3, Step::ContributionTally(i));
            }
        }
        for (i, a) in p.arguments.iter().enumerate() {
            push(a.created_at, 2, Step::Argument(i));
        }
        for (i, _) in p.votes.iter().enumerate() {
            push(self.last_instant(), 3, Step::Vote(i));
        }
        push(self.closes_at, 4, Step::CloseConsultation);
        plan.sort_by_key(|s| (s.at, s.order));
        plan
    }

    async fn run(&mut self) -> Result<(), ImportError> {
        let plan = self.plan();
        // Votes keep their file order (seq) within the same instant, which sort_by_key preserves.
        for step in plan {
            match step.step {
                Step::DraftBill(i) => self.draft_bill(i).await?,
                Step::OpenConsultation => self.open_consultation().await?,
                Step::Contribution(i) => self.contribution(i).await?,
                Step::ContributionTally(i) => self.contribution_tally(i).await?,
                Step::ArticleTally(i) => self.article_tally(i).await?,
                Step::Argument(i) => self.argument(i).await?,
                Step::Vote(i) => self.vote(i).await?,
                Step::CloseConsultation => self.close_consultation().await?,
                Step::Version(i) => self.version(i).await?,
            }
        }
        Ok(())
    }

    fn commit_ref(&self, v: &BillVersionSource) -> String {
        format!(
            "{} seq {} (commit {})",
            self.parsed.files.commits.0, v.seq, v.sha
        )
    }

    fn contribution_ref(&self, c: &Contribution) -> String {
        format!(
            "{}:{} (id {})",
            self.parsed.files.contributions.0,
            self.parsed
                .contribution_lines
                .get(&c.id)
                .copied()
                .unwrap_or(0),
            c.id
        )
    }

    async fn draft_bill(&mut self, i: usize) -> Result<(), ImportError> {
        let v = &self.parsed.versions[i];
        let source = self.commit_ref(v);
        let context = CommandContext::new(GOVERNMENT, v.date).with_source(&source);
        let command = BillCommand::DraftBill {
            actor: official(GOVERNMENT),
            at: v.date.to_utc(),
            bill_id: self.bill,
            title: "Projet de loi pour une République numérique".into(),
            articles: v.articles.iter().map(to_article).collect(),
        };
        self.batch
            .execute::<Bill>(&self.bill.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        Ok(())
    }

    async fn open_consultation(&mut self) -> Result<(), ImportError> {
        let source =
            "republique-numerique.fr consultation, 26 Sept – 18 Oct 2015 (consultation/README)";
        let context = CommandContext::new(GOVERNMENT, self.opens_at).with_source(source);
        let command = BillCommand::OpenConsultation {
            actor: official(GOVERNMENT),
            at: self.opens_at.to_utc(),
            opens_at: self.opens_at.to_utc(),
            closes_at: self.closes_at.to_utc(),
        };
        self.batch
            .execute::<Bill>(&self.bill.to_string(), command, &context)
            .await
            .map_err(|e| rejected(source, e))?;
        Ok(())
    }

    async fn close_consultation(&mut self) -> Result<(), ImportError> {
        let source = "republique-numerique.fr consultation closing date (consultation/README)";
        let context = CommandContext::new(GOVERNMENT, self.closes_at).with_source(source);
        let command = BillCommand::CloseConsultation {
            actor: official(GOVERNMENT),
            at: self.closes_at.to_utc(),
        };
        self.batch
            .execute::<Bill>(&self.bill.to_string(), command, &context)
            .await
            .map_err(|e| rejected(source, e))?;
        Ok(())
    }

    fn bounded_context(
        &self,
        actor: &str,
        at: Option<DateTime<FixedOffset>>,
        source: &str,
    ) -> CommandContext {
        let mut context = CommandContext::new(actor, at.unwrap_or_else(|| self.last_instant()))
            .with_source(source);
        if at.is_none() {
            context.extra.insert(
                "occurred_at_bound".into(),
                "upper: no source gives this item's date; it existed before the consultation closed".into(),
            );
        }
        context
    }

    /// Where a contribution's new article would go: after the last government article of its
    /// section (the consultation platform grouped proposals by section).
    fn insertion_point(&self, c: &Contribution) -> Option<ArticleId> {
        let section = self
            .parsed
            .opinions
            .get(&c.id)
            .map(|o| o.section_title.clone())?;
        self.parsed
            .opinions
            .values()
            .filter(|o| o.author == GOVERNMENT && o.section_title == section)
            .filter_map(|o| consultation::government_article_number(&o.title))
            .max()
            .and_then(|n| self.government_articles.get(&n).copied())
    }

    async fn contribution(&mut self, i: usize) -> Result<(), ImportError> {
        let c = &self.parsed.contributions[i];
        let source = self.contribution_ref(c);
        let author = participant(&c.author).map_err(|message| ImportError::Inconsistent {
            file: self.parsed.files.contributions.0.clone(),
            line: self
                .parsed
                .contribution_lines
                .get(&c.id)
                .copied()
                .unwrap_or(0),
            field: "author".into(),
            message,
        })?;
        let parent = self
            .parsed
            .contributions
            .iter()
            .find(|p| p.id == c.opinion_id);
        let parent_is_government = parent.is_some_and(|p| p.author == GOVERNMENT)
            || self
                .parsed
                .opinions
                .get(&c.opinion_id)
                .is_some_and(|o| o.author == GOVERNMENT);
        let (change, proposed_text, rationale) = match c.kind {
            ContributionKind::Opinion => {
                let opinion = self.parsed.opinions.get(&c.id);
                let text = opinion
                    .map(|o| o.body_paragraphs.clone())
                    .filter(|p| !p.is_empty());
                let rationale = opinion
                    .and_then(|o| o.explanation.clone())
                    .unwrap_or_default();
                (
                    Change::InsertAfter {
                        article_id: self.insertion_point(c),
                    },
                    text,
                    rationale,
                )
            }
            ContributionKind::Modification if parent_is_government => {
                let number = self
                    .parsed
                    .opinions
                    .get(&c.opinion_id)
                    .and_then(|o| consultation::government_article_number(&o.title));
                let article = number.and_then(|n| self.government_articles.get(&n).copied());
                let Some(article_id) = article else {
                    return Err(ImportError::Inconsistent {
                        file: self.parsed.files.contributions.0.clone(),
                        line: self.parsed.contribution_lines.get(&c.id).copied().unwrap_or(0),
                        field: "opinion_id".into(),
                        message: format!(
                            "modification of {} whose government article is not in the consultation text",
                            c.opinion_id
                        ),
                    });
                };
                let rationale = self
                    .parsed
                    .rationales
                    .get(&c.id)
                    .cloned()
                    .unwrap_or_default();
                (Change::Modify { article_id }, None, rationale)
            }
            ContributionKind::Modification => {
                // A modification of a citizen proposal: it goes where the proposal goes.
                let Some(parent) = parent else {
                    return Ok(()); // its proposal was trashed, so it is skipped with it
                };
                let rationale = format!(
                    "Modification de la proposition citoyenne « {} » ({}).",
                    parent.title, parent.id
                );
                (
                    Change::InsertAfter {
                        article_id: self.insertion_point(parent),
                    },
                    None,
                    rationale,
                )
            }
        };
        let amendment_id = contribution_amendment_id(&c.id);
        let context = self.bounded_context(author.as_str(), c.created_at, &source);
        let at = context.occurred_at.to_utc();
        let command = AmendmentCommand::Submit {
            actor: Actor::new(author, vec![Role::Citizen]),
            at,
            amendment_id,
            bill_id: self.bill,
            base_version: VersionNumber::FIRST,
            change,
            origin: Origin::Citizen,
            title: c.title.clone(),
            proposed_text,
            rationale,
            window: self.window().await,
        };
        self.batch
            .execute::<Amendment>(&amendment_id.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.amendments.insert(c.id.clone(), amendment_id);
        self.report.citizen_amendments += 1;
        Ok(())
    }

    async fn window(&mut self) -> Option<domain::bill::ConsultationWindow> {
        self.batch
            .aggregate::<Bill>(&self.bill.to_string())
            .await
            .ok()
            .and_then(|b| b.consultation_window())
    }

    async fn contribution_tally(&mut self, i: usize) -> Result<(), ImportError> {
        let c = &self.parsed.contributions[i];
        let Some(amendment_id) = self.amendments.get(&c.id).copied() else {
            return Ok(());
        };
        let source = self.contribution_ref(c);
        let at = self.last_instant();
        let mut context = CommandContext::new(IMPORTER, at).with_source(&source);
        context.extra.insert(
            "occurred_at_bound".into(),
            "upper: published counts as scraped after the consultation closed".into(),
        );
        let command = AmendmentCommand::RecordPublishedTally {
            actor: Actor::new(participant(IMPORTER).expect("valid"), vec![Role::Admin]),
            at: at.to_utc(),
            counts: counts(c.votes),
            source: source.clone(),
        };
        self.batch
            .execute::<Amendment>(&amendment_id.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.imported_tallies += 1;
        Ok(())
    }

    async fn article_tally(&mut self, i: usize) -> Result<(), ImportError> {
        let c = &self.parsed.contributions[i];
        let source = self.contribution_ref(c);
        let number = self
            .parsed
            .opinions
            .get(&c.id)
            .map(|o| o.title.as_str())
            .or(Some(c.title.as_str()))
            .and_then(consultation::government_article_number);
        let Some(article_id) = number.and_then(|n| self.government_articles.get(&n).copied())
        else {
            return Err(ImportError::Inconsistent {
                file: self.parsed.files.contributions.0.clone(),
                line: self
                    .parsed
                    .contribution_lines
                    .get(&c.id)
                    .copied()
                    .unwrap_or(0),
                field: "title".into(),
                message: format!(
                    "government article `{}` is not in the consultation text",
                    c.title
                ),
            });
        };
        let at = self.last_instant();
        let mut context = CommandContext::new(IMPORTER, at).with_source(&source);
        context.extra.insert(
            "occurred_at_bound".into(),
            "upper: published counts as scraped after the consultation closed".into(),
        );
        let command = BillCommand::RecordPublishedTally {
            actor: Actor::new(participant(IMPORTER).expect("valid"), vec![Role::Admin]),
            at: at.to_utc(),
            article_id,
            counts: counts(c.votes),
            source: source.clone(),
        };
        self.batch
            .execute::<Bill>(&self.bill.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.imported_tallies += 1;
        Ok(())
    }

    fn target_of_opinion(&self, opinion_id: &str) -> Option<Target> {
        let opinion = self.parsed.opinions.get(opinion_id);
        match opinion {
            Some(o) if o.author == GOVERNMENT => consultation::government_article_number(&o.title)
                .and_then(|n| self.government_articles.get(&n))
                .map(|article_id| Target::Article {
                    bill_id: self.bill,
                    article_id: *article_id,
                }),
            _ => self
                .amendments
                .get(opinion_id)
                .map(|amendment_id| Target::Amendment {
                    amendment_id: *amendment_id,
                }),
        }
    }

    async fn argument(&mut self, i: usize) -> Result<(), ImportError> {
        let ImportedArgument {
            file,
            line,
            number: argument_number,
            opinion_id,
            author,
            stance,
            created_at,
            body,
        } = &self.parsed.arguments[i];
        let source = format!("{file}:{line} (argument {argument_number})");
        let Some(target) = self.target_of_opinion(opinion_id) else {
            // An argument on a trashed proposal: not imported, like the proposal.
            self.report.skipped_trashed += 1;
            return Ok(());
        };
        if body.trim().is_empty() {
            self.report.skipped_trashed += 1;
            return Ok(());
        }
        let author = participant(author).map_err(|message| ImportError::Inconsistent {
            file: file.clone(),
            line: *line,
            field: "author".into(),
            message,
        })?;
        let argument_id = ArgumentId::from(id("argument", &argument_number.to_string()));
        let context = CommandContext::new(author.as_str(), *created_at).with_source(&source);
        let command = ArgumentCommand::ImportPost {
            actor: Actor::new(participant(IMPORTER).expect("valid"), vec![Role::Admin]),
            at: created_at.to_utc(),
            argument_id,
            author,
            target,
            stance: *stance,
            body: body.clone(),
            source: source.clone(),
        };
        self.batch
            .execute::<Argument>(&argument_id.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.arguments += 1;
        Ok(())
    }

    async fn vote(&mut self, i: usize) -> Result<(), ImportError> {
        let vote = &self.parsed.votes[i];
        let file = &self.parsed.files.article9_votes.0;
        let source = format!("{file}:{} (seq {})", vote.line, vote.seq);
        let target = match vote.target {
            VoteTarget::Article(n) => self.target_of_opinion(&format!("o{n}")),
            VoteTarget::Modification(n) => {
                self.amendments
                    .get(&format!("v{n}"))
                    .map(|amendment_id| Target::Amendment {
                        amendment_id: *amendment_id,
                    })
            }
        }
        .ok_or_else(|| ImportError::Inconsistent {
            file: file.clone(),
            line: vote.line,
            field: "target_id".into(),
            message: "the voted contribution is not in the consultation data".into(),
        })?;
        let voter = participant(&vote.voter).map_err(|message| ImportError::Inconsistent {
            file: file.clone(),
            line: vote.line,
            field: "voter".into(),
            message,
        })?;
        let choice = match vote.value {
            VoteValue::For => Choice::For,
            VoteValue::Mixed => Choice::Mixed,
            VoteValue::Against => Choice::Against,
        };
        let stream = BallotId::for_vote(&voter, &target);
        let mut context =
            CommandContext::new(voter.as_str(), self.last_instant()).with_source(&source);
        context.extra.insert(
            "occurred_at_bound".into(),
            "upper: the source has no timestamps; the vote was cast during the consultation".into(),
        );
        let command = BallotCommand::ImportCast {
            actor: Actor::new(participant(IMPORTER).expect("valid"), vec![Role::Admin]),
            at: self.last_instant().to_utc(),
            participant: voter,
            target,
            choice,
            source: source.clone(),
        };
        match self
            .batch
            .execute::<Ballot>(&stream, command, &context)
            .await
        {
            Ok(events) => {
                for event in events {
                    match event {
                        domain::ballot::BallotEvent::BallotCast { .. } => {
                            self.report.ballots_cast += 1
                        }
                        domain::ballot::BallotEvent::BallotChanged { .. } => {
                            self.report.ballots_changed += 1
                        }
                        domain::ballot::BallotEvent::BallotRetracted => {}
                    }
                }
                Ok(())
            }
            // The same voter repeating the same value: one ballot, nothing to record.
            Err(CommandError::Rejected(BallotError::SameChoice { .. })) => {
                self.report.duplicate_vote_rows_ignored += 1;
                Ok(())
            }
            Err(e) => Err(rejected(&source, e)),
        }
    }

    /// Articles whose text, number or heading changed from the previous version, or that appeared.
    fn changed_articles(
        previous: &BillVersionSource,
        current: &BillVersionSource,
    ) -> Vec<ArticleId> {
        let before: BTreeMap<&str, &SourceArticle> = previous
            .articles
            .iter()
            .map(|a| (a.key.as_str(), a))
            .collect();
        current
            .articles
            .iter()
            .filter(|a| {
                before.get(a.key.as_str()).is_none_or(|b| {
                    b.paragraphs != a.paragraphs || b.label != a.label || b.heading != a.heading
                })
            })
            .map(|a| article_id(&a.key))
            .collect()
    }

    async fn decide(
        &mut self,
        amendment_id: AmendmentId,
        actor: &str,
        outcome: DecisionOutcome,
        response: String,
        context: &CommandContext,
        source: &str,
    ) -> Result<(), ImportError> {
        if !self.decided.insert(amendment_id) {
            return Ok(());
        }
        let command = AmendmentCommand::Decide {
            actor: official(actor),
            at: context.occurred_at.to_utc(),
            outcome,
            response,
        };
        self.batch
            .execute::<Amendment>(&amendment_id.to_string(), command, context)
            .await
            .map_err(|e| rejected(source, e))?;
        self.report.decisions += 1;
        Ok(())
    }

    async fn fact(&mut self, amendment_id: AmendmentId) -> Option<AmendmentFact> {
        self.batch
            .aggregate::<Amendment>(&amendment_id.to_string())
            .await
            .ok()
            .and_then(|a| a.fact())
    }

    async fn version(&mut self, i: usize) -> Result<(), ImportError> {
        let v = &self.parsed.versions[i];
        let previous = &self.parsed.versions[i - 1];
        let source = self.commit_ref(v);
        let institution = institution(&v.author);
        let context = CommandContext::new(institution, v.date).with_source(&source);
        let changed = Self::changed_articles(previous, v);
        let response = nfc(v.message.trim());
        let mut taken_in: Vec<AmendmentId> = Vec::new();

        if !v.consultation_refs.is_empty() {
            for key in &v.consultation_refs {
                let Some(index) = self.contribution_by_key.get(key).copied() else {
                    return Err(ImportError::Inconsistent {
                        file: self.parsed.files.commits.0.clone(),
                        line: v.seq as usize + 1,
                        field: "consultation_refs".into(),
                        message: format!(
                            "cites {key}, which is not a contribution of the consultation"
                        ),
                    });
                };
                let contribution = &self.parsed.contributions[index];
                let Some(amendment_id) = self.amendments.get(&contribution.id).copied() else {
                    continue; // a government article itself was cited: not an amendment
                };
                self.decide(
                    amendment_id,
                    GOVERNMENT,
                    DecisionOutcome::AcceptedWithChanges,
                    response.clone(),
                    &context,
                    &source,
                )
                .await?;
                taken_in.push(amendment_id);
            }
        }
        if matches!(
            v.stage,
            Stage::AnSeancePublique | Stage::AnCommissionDesLois
        ) {
            let amendment_id = parliamentary_amendment_id(&v.sha);
            let first_changed = changed.first().copied();
            let removed = previous
                .articles
                .iter()
                .map(|a| article_id(&a.key))
                .find(|id| !v.articles.iter().any(|a| article_id(&a.key) == *id));
            let change = match (first_changed, removed) {
                (Some(article), _)
                    if previous
                        .articles
                        .iter()
                        .any(|a| article_id(&a.key) == article) =>
                {
                    Change::Modify {
                        article_id: article,
                    }
                }
                (Some(_), _) => Change::InsertAfter { article_id: None },
                (None, Some(article)) => Change::Delete {
                    article_id: article,
                },
                (None, None) => Change::InsertAfter { article_id: None },
            };
            let proposed_text = match &change {
                Change::Modify { article_id } => v
                    .articles
                    .iter()
                    .find(|a| crate::import::republique::article_id(&a.key) == *article_id)
                    .map(|a| a.paragraphs.clone()),
                _ => None,
            };
            let command = AmendmentCommand::Submit {
                actor: official(institution),
                at: v.date.to_utc(),
                amendment_id,
                bill_id: self.bill,
                base_version: VersionNumber(self.version_number),
                change,
                origin: Origin::Parliamentary {
                    numbers: v.an_amendment_numbers.clone(),
                },
                title: nfc(v.subject.trim()),
                proposed_text,
                rationale: response.clone(),
                window: None,
            };
            self.batch
                .execute::<Amendment>(&amendment_id.to_string(), command, &context)
                .await
                .map_err(|e| rejected(&source, e))?;
            self.report.parliamentary_amendments += 1;
            self.decide(
                amendment_id,
                institution,
                DecisionOutcome::Accepted,
                format!("Adopté ({})", v.stage.as_str()),
                &context,
                &source,
            )
            .await?;
            taken_in.push(amendment_id);
        }

        let mut cited = Vec::new();
        for amendment in &taken_in {
            cited.extend(self.fact(*amendment).await);
        }
        let provenance = if taken_in.is_empty() {
            Vec::new()
        } else {
            changed
                .iter()
                .map(|article_id| ArticleProvenance {
                    article_id: *article_id,
                    amendments: taken_in.clone(),
                })
                .collect()
        };
        self.version_number += 1;
        let command = BillCommand::PublishVersion {
            actor: official(institution),
            at: v.date.to_utc(),
            number: VersionNumber(self.version_number),
            label: v.stage.as_str().to_string(),
            articles: v.articles.iter().map(to_article).collect(),
            provenance,
            cited_amendments: cited,
            note: response,
        };
        self.batch
            .execute::<Bill>(&self.bill.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.versions += 1;
        Ok(())
    }
}
