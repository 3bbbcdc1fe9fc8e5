//! Maps La Fabrique de la Loi law folders onto our commands, all laws of one import in ONE
//! transaction (all or nothing; a law already in the log is skipped, so importing twice adds
//! nothing). Ids are uuid v5 of the source keys, so a re-import maps to the same streams.
//!
//! Mapping (also in README.md, "More real data"):
//! - bill = law folder, title = `long_title` of `viz/procedure.json`; version 1 = the first
//!   step's text, every later step with a text of its own = the next published version, labelled
//!   with the step directory (`01_1erelecture_assemblee_commission`);
//! - article = a text's `articles[]` item of type `article`, identified by its label (`titre`:
//!   `1er`, `2 bis`, `1er A`) so it keeps one id across steps; `supprimé` articles are absent
//!   from the version; paragraphs = the alinéas in order, kept exactly as given;
//! - a step whose text was rejected (`echec: rejet`), where the CMP failed (`echec: échec`), or
//!   whose text has zero articles → a failed step on the bill, not an empty version; the next
//!   real text continues the numbering; the promulgation step → the bill adopted;
//! - amendment = one item of `viz/amendements_<step>.json`: origin parliamentary (the digits of
//!   its number; the full number in the title), author = the first signatory as a public
//!   official (`depute-…`, `senateur-…`), or the group (`groupe-an-lr`) when no name is given,
//!   or `gouvernement`; base = the version the step started from; change = Modify the article
//!   the subject names ("Article 3"), InsertAfter for "Après l'article 8" (after 8) and
//!   "Avant l'article 8" (after the article before 8, or at the start), and WholeText for a
//!   subject that names no article ("Titre", a motion) or an article missing from the base
//!   version (metadata `change_fallback` says so); proposed text none (not in the data);
//! - outcome `adopté` → accepted, `rejeté` → rejected (decided by the chamber), `non-voté` →
//!   recorded as never put to the vote, a state of its own;
//! - provenance: the version a step produced names, for each article that changed, the
//!   adopted amendments of that step on it (Modify of that article, or InsertAfter the article
//!   a new article follows).
//!
//! Instants: the source gives days only; we record midnight in Paris (offset by the EU summer
//! time rule) with metadata `occurred_at_precision`. Steps are recorded in procedure order.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Weekday};
use domain::actor::{Actor, Role};
use domain::amendment::{Amendment, AmendmentCommand, Change, DecisionOutcome, Origin};
use domain::bill::{ArticleProvenance, Bill, BillCommand, StepFailure};
use domain::ids::{AmendmentId, ArticleId, BillId, ParticipantId, VersionNumber};
use domain::text::Article;
use projections::command::Batch;
use projections::{CommandContext, CommandError, EventStore};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::republique::ImportError;
use super::sources::fabrique::{
    self, Echec, Law, LawFiles, Outcome, SourceAmendment, SourceArticle, Step, Subject,
};
use super::sources::nfc;

/// What an import of La Fabrique folders did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FabriqueReport {
    pub laws_imported: u64,
    pub laws_already_imported: u64,
    pub events: u64,
    pub versions: u64,
    pub failed_steps: u64,
    pub amendments: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub not_voted: u64,
    /// Amendments on the text as a whole because their subject names no article of the base.
    pub change_fallbacks: u64,
    pub adopted_bills: u64,
}

impl fmt::Display for FabriqueReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "La Fabrique de la Loi: {} laws imported, {} already in the log; {} events ({} versions, {} failed steps, {} amendments: {} accepted, {} rejected, {} never voted on; {} on the whole text for want of a named article; {} bills adopted)",
            self.laws_imported,
            self.laws_already_imported,
            self.events,
            self.versions,
            self.failed_steps,
            self.amendments,
            self.accepted,
            self.rejected,
            self.not_voted,
            self.change_fallbacks,
            self.adopted_bills
        )
    }
}

fn id(kind: &str, key: &str) -> Uuid {
    super::source_id("la-fabrique-de-la-loi", kind, key)
}

/// The bill of a law (`pjl15-034`), the same in every database that imported it.
pub fn bill_id(law: &str) -> BillId {
    BillId::from(id("bill", law))
}

/// An article of a law by its label (`2 bis`): one id across every step.
pub fn article_id(law: &str, label: &str) -> ArticleId {
    ArticleId::from(id(
        "article",
        &format!("{law}:{}", fabrique::collapse(label)),
    ))
}

/// An amendment of a law by step directory and number (`CL6`).
pub fn amendment_id(law: &str, step: &str, numero: &str) -> AmendmentId {
    AmendmentId::from(id("amendment", &format!("{law}:{step}:{numero}")))
}

/// A participant-id slug: ASCII letters and digits of `text` (accents stripped), lowercase,
/// runs of anything else as one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.nfd() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        } else if !c.is_ascii() && unicode_normalization::char::is_combining_mark(c) {
            // an accent of the previous letter
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The participant id of an institution named in `procedure.json`.
pub fn institution_id(institution: &str) -> String {
    match institution {
        "assemblee" => "assemblee-nationale".into(),
        "senat" => "senat".into(),
        "CMP" => "cmp".into(),
        other => slug(other),
    }
}

fn chamber_prefix(institution: &str) -> &'static str {
    match institution {
        "assemblee" => "depute",
        "senat" => "senateur",
        _ => "parlementaire",
    }
}

/// The public official (or group) an amendment is recorded under.
pub fn author_id(institution: &str, author: &str, group: Option<&str>) -> String {
    if group == Some("Gouvernement") || author.eq_ignore_ascii_case("gouvernement") {
        return "gouvernement".into();
    }
    // "M. Pancher, …" → first signatory "Pancher"; civility dropped.
    let first = author.split(',').next().unwrap_or("").trim();
    let name = ["MM.", "Mmes", "Mme", "Mlle", "M."]
        .iter()
        .find_map(|c| first.strip_prefix(c).filter(|rest| rest.starts_with(' ')))
        .unwrap_or(first)
        .trim();
    let id = if !name.is_empty() {
        format!("{}-{}", chamber_prefix(institution), slug(name))
    } else if let Some(group) = group {
        let chamber = if institution == "senat" {
            "senat"
        } else {
            "an"
        };
        format!("groupe-{chamber}-{}", slug(group))
    } else {
        institution_id(institution)
    };
    id.chars().take(ParticipantId::MAX_LEN).collect::<String>()
}

/// Last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut day =
        NaiveDate::from_ymd_opt(year, month + 1, 1).expect("valid month") - chrono::Days::new(1);
    while day.weekday() != Weekday::Sun {
        day = day - chrono::Days::new(1);
    }
    day
}

/// Midnight of `date` in Paris: +02:00 between the last Sundays of March and October (EU
/// summer time, in force since 1996), else +01:00.
pub fn paris_midnight(date: NaiveDate) -> DateTime<FixedOffset> {
    let summer = date > last_sunday(date.year(), 3) && date <= last_sunday(date.year(), 10);
    let offset = FixedOffset::east_opt(if summer { 2 * 3600 } else { 3600 }).expect("valid offset");
    offset
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("fixed offsets are unambiguous")
}

fn official(name: &str) -> Result<Actor, String> {
    ParticipantId::parse(name)
        .map(|p| Actor::new(p, vec![Role::Official]))
        .map_err(|e| e.to_string())
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

fn context(actor: &str, at: DateTime<FixedOffset>, source: &str) -> CommandContext {
    let mut context = CommandContext::new(actor, at).with_source(source);
    context.extra.insert(
        "occurred_at_precision".into(),
        "day: the source gives a date only; recorded at midnight, Paris time".into(),
    );
    context
}

/// Reads one law folder (holding `viz/procedure.json`) or a folder of law folders.
pub fn read_folder(folder: &Path) -> Result<Vec<LawFiles>, ImportError> {
    if folder.join(fabrique::PROCEDURE_FILE).is_file() {
        return Ok(vec![read_law(folder)?]);
    }
    let entries = std::fs::read_dir(folder).map_err(|e| ImportError::Read {
        file: folder.display().to_string(),
        message: e.to_string(),
    })?;
    let mut laws = Vec::new();
    let mut dirs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(fabrique::PROCEDURE_FILE).is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        laws.push(read_law(&dir)?);
    }
    if laws.is_empty() {
        return Err(ImportError::Read {
            file: folder.display().to_string(),
            message: format!(
                "no La Fabrique de la Loi law here: expected {} in it or in its subfolders",
                fabrique::PROCEDURE_FILE
            ),
        });
    }
    Ok(laws)
}

fn read_law(folder: &Path) -> Result<LawFiles, ImportError> {
    let mut law = LawFiles {
        folder: folder.display().to_string(),
        files: Default::default(),
    };
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| ImportError::Read {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(folder)
                .expect("under the folder")
                .to_string_lossy()
                .replace('\\', "/");
            let is_data = relative == fabrique::PROCEDURE_FILE
                || relative.starts_with("viz/amendements_")
                || relative.ends_with("/texte/texte.json");
            if !is_data {
                continue;
            }
            let text = super::read_source_file(&path)?;
            law.files.insert(relative, text);
        }
    }
    Ok(law)
}

/// Imports the two bundled laws.
pub async fn import_bundled(store: &EventStore) -> Result<FabriqueReport, ImportError> {
    import(store, fabrique::bundled::all()).await
}

/// Imports the laws of a folder (see [`read_folder`]).
pub async fn import_folder(
    store: &EventStore,
    folder: &Path,
) -> Result<FabriqueReport, ImportError> {
    import(store, read_folder(folder)?).await
}

/// Parses every law first (a malformed file stops here, before any write), then records the
/// laws not yet in the log in one transaction.
pub async fn import(
    store: &EventStore,
    laws: Vec<LawFiles>,
) -> Result<FabriqueReport, ImportError> {
    let parsed: Vec<Law> = laws
        .iter()
        .map(fabrique::parse_law)
        .collect::<Result<_, _>>()?;
    let mut report = FabriqueReport::default();
    let mut batch = Batch::new(store);
    let mut seen = HashSet::new();
    for law in &parsed {
        if !seen.insert(law.id.clone())
            || store
                .stream_exists("bill", &bill_id(&law.id).to_string())
                .await?
        {
            report.laws_already_imported += 1;
            continue;
        }
        LawImport {
            law,
            batch: &mut batch,
            report: &mut report,
            version: 0,
            latest: Vec::new(),
            adopted: false,
        }
        .run()
        .await?;
        report.laws_imported += 1;
    }
    let committed = batch.commit().await?;
    report.events = committed.len() as u64;
    Ok(report)
}

struct LawImport<'l, 'b, 's> {
    law: &'l Law,
    batch: &'b mut Batch<'s>,
    report: &'b mut FabriqueReport,
    /// The latest version number (0 before the first text).
    version: u32,
    latest: Vec<SourceArticle>,
    adopted: bool,
}

/// An amendment as recorded, to build provenance.
struct Recorded {
    id: AmendmentId,
    change: Change,
    outcome: Outcome,
}

impl LawImport<'_, '_, '_> {
    fn bill(&self) -> BillId {
        bill_id(&self.law.id)
    }

    fn article(&self, a: &SourceArticle) -> Article {
        Article {
            id: article_id(&self.law.id, &a.label),
            number: a.label.clone(),
            heading: None,
            paragraphs: a.paragraphs.clone(),
        }
    }

    async fn run(mut self) -> Result<(), ImportError> {
        for step in &self.law.steps {
            let recorded = self.amendments(step).await?;
            self.text(step, &recorded).await?;
        }
        Ok(())
    }

    fn step_ref(&self, step: &Step) -> String {
        match &step.text {
            Some(text) => text.file.clone(),
            None => format!(
                "{}/{} (step {})",
                self.law.id,
                fabrique::PROCEDURE_FILE,
                step.directory
            ),
        }
    }

    fn step_at(step: &Step) -> DateTime<FixedOffset> {
        paris_midnight(step.enddate.unwrap_or(step.date))
    }

    /// The change an amendment's subject names in the latest version, or why it falls back.
    fn change(&self, subject: &Subject) -> (Change, Option<String>) {
        let find = |label: &str| {
            let label = fabrique::collapse(label);
            self.latest.iter().position(|a| a.label == label)
        };
        let id = |i: usize| article_id(&self.law.id, &self.latest[i].label);
        let missing = |label: &str| {
            Some(format!(
                "the subject names article `{label}`, which is not in version {}; recorded as about the text as a whole",
                self.version
            ))
        };
        match subject {
            Subject::Article(label) => match find(label) {
                Some(i) => (Change::Modify { article_id: id(i) }, None),
                None => (Change::WholeText, missing(label)),
            },
            Subject::After(label) => match find(label) {
                Some(i) => (
                    Change::InsertAfter {
                        article_id: Some(id(i)),
                    },
                    None,
                ),
                None => (Change::WholeText, missing(label)),
            },
            Subject::Before(label) => match find(label) {
                Some(0) => (Change::InsertAfter { article_id: None }, None),
                Some(i) => (
                    Change::InsertAfter {
                        article_id: Some(id(i - 1)),
                    },
                    None,
                ),
                None => (Change::WholeText, missing(label)),
            },
            Subject::Other(_) => (Change::WholeText, None),
        }
    }

    fn inconsistent(a: &SourceAmendment, field: &str, message: String) -> ImportError {
        ImportError::Inconsistent {
            file: a.file.clone(),
            line: a.line,
            field: field.into(),
            message,
        }
    }

    async fn amendments(&mut self, step: &Step) -> Result<Vec<Recorded>, ImportError> {
        let mut recorded = Vec::new();
        let decided_at = Self::step_at(step);
        let chamber = institution_id(&step.institution);
        for a in &step.amendments {
            let source = format!("{}:{} (amendement {})", a.file, a.line, a.numero);
            if self.version == 0 {
                return Err(Self::inconsistent(
                    a,
                    "numero",
                    "an amendment tabled before the first text of the procedure".into(),
                ));
            }
            let author = author_id(&step.institution, &a.author, a.group.as_deref());
            let actor =
                official(&author).map_err(|message| Self::inconsistent(a, "aut", message))?;
            let amendment_id = amendment_id(&self.law.id, &step.directory, &a.numero);
            let (change, fallback) = self.change(&Subject::parse(&a.subject));
            let at = paris_midnight(a.date.unwrap_or(step.date));
            let mut submitted = context(&author, at, &source);
            if let Some(fallback) = &fallback {
                submitted
                    .extra
                    .insert("change_fallback".into(), fallback.clone());
                self.report.change_fallbacks += 1;
            }
            let signed = match (&a.author, &a.group) {
                (author, Some(group)) if !author.is_empty() => format!("{author} ({group})"),
                (author, None) if !author.is_empty() => author.clone(),
                (_, Some(group)) => format!("groupe {group}"),
                _ => "auteur non indiqué".into(),
            };
            let mut rationale = format!(
                "Amendement n° {} déposé par {signed} ({}) ; texte non repris par La Fabrique de la Loi",
                a.numero, step.directory
            );
            if let Some(url) = &a.url {
                rationale.push_str(&format!(", lisible sur {url}"));
            }
            let command = AmendmentCommand::Submit {
                actor,
                at: at.to_utc(),
                amendment_id,
                bill_id: self.bill(),
                base_version: VersionNumber(self.version),
                change,
                origin: Origin::Parliamentary {
                    numbers: a.number().into_iter().collect(),
                },
                title: nfc(&format!("Amendement n° {} — {}", a.numero, a.subject)),
                proposed_text: None,
                rationale: nfc(&rationale),
                window: None,
            };
            self.batch
                .execute::<Amendment>(&amendment_id.to_string(), command, &submitted)
                .await
                .map_err(|e| rejected(&source, e))?;
            self.report.amendments += 1;

            let decision = context(&chamber, decided_at, &source);
            let chamber_actor = official(&chamber)
                .map_err(|message| Self::inconsistent(a, "institution", message))?;
            let command = match a.outcome {
                Outcome::Adopted | Outcome::Rejected => {
                    let (outcome, word) = if a.outcome == Outcome::Adopted {
                        self.report.accepted += 1;
                        (DecisionOutcome::Accepted, "Adopté")
                    } else {
                        self.report.rejected += 1;
                        (DecisionOutcome::Rejected, "Rejeté")
                    };
                    AmendmentCommand::Decide {
                        actor: chamber_actor,
                        at: decided_at.to_utc(),
                        outcome,
                        response: format!(
                            "{word} ({}, {}{}), selon La Fabrique de la Loi",
                            step.stage,
                            step.institution,
                            step.kind
                                .as_deref()
                                .map(|k| format!(", {k}"))
                                .unwrap_or_default()
                        ),
                    }
                }
                Outcome::NotVoted => {
                    self.report.not_voted += 1;
                    AmendmentCommand::RecordNotVoted {
                        actor: chamber_actor,
                        at: decided_at.to_utc(),
                        note: format!(
                            "non-voté ({}, {}) : tombé, retiré ou non soutenu — la source ne distingue pas",
                            step.stage, step.institution
                        ),
                    }
                }
            };
            self.batch
                .execute::<Amendment>(&amendment_id.to_string(), command, &decision)
                .await
                .map_err(|e| rejected(&source, e))?;
            recorded.push(Recorded {
                id: amendment_id,
                change,
                outcome: a.outcome,
            });
        }
        Ok(recorded)
    }

    async fn text(&mut self, step: &Step, recorded: &[Recorded]) -> Result<(), ImportError> {
        let source = self.step_ref(step);
        let at = Self::step_at(step);
        let institution = institution_id(&step.institution);
        let actor = official(&institution).map_err(|message| ImportError::Inconsistent {
            file: self.law.id.clone() + "/" + fabrique::PROCEDURE_FILE,
            line: 1,
            field: "institution".into(),
            message,
        })?;
        let ctx = context(&institution, at, &source);
        let failure = match (step.echec, &step.text) {
            (Some(Echec::Rejet), _) => Some(StepFailure::Rejected),
            (Some(Echec::Echec), _) => Some(StepFailure::NoAgreement),
            (None, Some(text)) if text.articles.is_empty() => Some(StepFailure::NoText),
            _ => None,
        };
        let bill = self.bill().to_string();
        if let Some(kind) = failure {
            if self.version == 0 {
                return Err(ImportError::Inconsistent {
                    file: source,
                    line: 1,
                    field: "articles".into(),
                    message: "the first step of the procedure has no text to draft the bill from"
                        .into(),
                });
            }
            let echec = match step.echec {
                Some(Echec::Rejet) => "echec: rejet",
                Some(Echec::Echec) => "echec: échec",
                None => "no article in the step's text",
            };
            let command = BillCommand::RecordFailedStep {
                actor,
                at: at.to_utc(),
                label: step.directory.clone(),
                kind,
                note: format!(
                    "{}, {}: {echec}; version {} stays the latest text",
                    step.stage, step.institution, self.version
                ),
            };
            self.batch
                .execute::<Bill>(&bill, command, &ctx)
                .await
                .map_err(|e| rejected(&source, e))?;
            self.report.failed_steps += 1;
            return Ok(());
        }
        let Some(text) = &step.text else {
            if step.stage == "promulgation" && self.version > 0 && !self.adopted {
                let command = BillCommand::Adopt {
                    actor,
                    at: at.to_utc(),
                };
                self.batch
                    .execute::<Bill>(&bill, command, &ctx)
                    .await
                    .map_err(|e| rejected(&source, e))?;
                self.adopted = true;
                self.report.adopted_bills += 1;
            }
            return Ok(());
        };
        let articles: Vec<Article> = text.articles.iter().map(|a| self.article(a)).collect();
        if self.version == 0 {
            let command = BillCommand::DraftBill {
                actor,
                at: at.to_utc(),
                bill_id: self.bill(),
                title: nfc(&self.law.title),
                articles,
            };
            self.batch
                .execute::<Bill>(&bill, command, &ctx)
                .await
                .map_err(|e| rejected(&source, e))?;
        } else {
            let provenance = self.provenance(&text.articles, recorded);
            let mut cited = Vec::new();
            for id in provenance.iter().flat_map(|p| &p.amendments) {
                if let Some(fact) = self
                    .batch
                    .aggregate::<Amendment>(&id.to_string())
                    .await
                    .map_err(|e| rejected(&source, e))?
                    .fact()
                {
                    if !cited.contains(&fact) {
                        cited.push(fact);
                    }
                }
            }
            let command = BillCommand::PublishVersion {
                actor,
                at: at.to_utc(),
                number: VersionNumber(self.version + 1),
                label: step.directory.clone(),
                articles,
                provenance,
                cited_amendments: cited,
                note: format!(
                    "{}, {}{} ({})",
                    step.stage,
                    step.institution,
                    step.kind
                        .as_deref()
                        .map(|k| format!(", {k}"))
                        .unwrap_or_default(),
                    step.date
                ),
            };
            self.batch
                .execute::<Bill>(&bill, command, &ctx)
                .await
                .map_err(|e| rejected(&source, e))?;
            self.report.versions += 1;
        }
        self.version += 1;
        self.latest = text.articles.clone();
        Ok(())
    }

    /// For each article that changed from the latest version, the step's adopted amendments on
    /// it: a Modify of that article, or an InsertAfter of the article a new article follows.
    fn provenance(&self, new: &[SourceArticle], recorded: &[Recorded]) -> Vec<ArticleProvenance> {
        let before: HashMap<&str, &SourceArticle> =
            self.latest.iter().map(|a| (a.label.as_str(), a)).collect();
        let law = &self.law.id;
        let mut out: Vec<ArticleProvenance> = Vec::new();
        let mut add = |article_id: ArticleId, amendment: AmendmentId| match out
            .iter_mut()
            .find(|p| p.article_id == article_id)
        {
            Some(entry) => entry.amendments.push(amendment),
            None => out.push(ArticleProvenance {
                article_id,
                amendments: vec![amendment],
            }),
        };
        let adopted: Vec<&Recorded> = recorded
            .iter()
            .filter(|r| r.outcome == Outcome::Adopted)
            .collect();
        // The article (of the latest version) each article of the new text follows.
        let mut anchor: Option<ArticleId> = None;
        for a in new {
            let id = article_id(law, &a.label);
            match before.get(a.label.as_str()) {
                Some(old) => {
                    if old.paragraphs != a.paragraphs {
                        for r in &adopted {
                            if r.change == (Change::Modify { article_id: id }) {
                                add(id, r.id);
                            }
                        }
                    }
                    anchor = Some(id);
                }
                None => {
                    for r in &adopted {
                        if r.change == (Change::InsertAfter { article_id: anchor }) {
                            add(id, r.id);
                        }
                    }
                }
            }
        }
        let kept: HashSet<&str> = new.iter().map(|a| a.label.as_str()).collect();
        for old in &self.latest {
            if kept.contains(old.label.as_str()) {
                continue;
            }
            let id = article_id(law, &old.label);
            for r in &adopted {
                if r.change == (Change::Modify { article_id: id }) {
                    add(id, r.id);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officials_are_named_by_chamber_and_first_signatory() {
        assert_eq!(
            author_id("assemblee", "M. Tardy", Some("LR")),
            "depute-tardy"
        );
        assert_eq!(
            author_id("senat", "Mme Gonthier-Maurin, …", Some("CRC")),
            "senateur-gonthier-maurin"
        );
        assert_eq!(
            author_id("assemblee", "M. de Rocca Serra", Some("UMP")),
            "depute-de-rocca-serra"
        );
        assert_eq!(author_id("senat", "MM. Mézard, …", None), "senateur-mezard");
        assert_eq!(author_id("senat", "", Some("UMP")), "groupe-senat-ump");
        assert_eq!(
            author_id("assemblee", "", Some("Gouvernement")),
            "gouvernement"
        );
        assert_eq!(author_id("senat", "", None), "senat");
        for id in ["depute-tardy", "senateur-mezard", "groupe-senat-ump"] {
            assert!(ParticipantId::parse(id).is_ok());
        }
    }

    #[test]
    fn dates_are_midnight_in_paris_with_summer_time() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            paris_midnight(day(2015, 9, 28)).to_rfc3339(),
            "2015-09-28T00:00:00+02:00"
        );
        assert_eq!(
            paris_midnight(day(2012, 2, 15)).to_rfc3339(),
            "2012-02-15T00:00:00+01:00"
        );
        // 2015: summer time from Sunday 29 March to Sunday 25 October.
        assert_eq!(
            paris_midnight(day(2015, 3, 29)).offset().local_minus_utc(),
            3600
        );
        assert_eq!(
            paris_midnight(day(2015, 3, 30)).offset().local_minus_utc(),
            7200
        );
        assert_eq!(
            paris_midnight(day(2015, 10, 25)).offset().local_minus_utc(),
            7200
        );
        assert_eq!(
            paris_midnight(day(2015, 10, 26)).offset().local_minus_utc(),
            3600
        );
    }

    #[test]
    fn article_ids_depend_on_the_law_and_the_label_only() {
        assert_eq!(
            article_id("ppl11-290", "2 bis"),
            article_id("ppl11-290", " 2  bis")
        );
        assert_ne!(
            article_id("ppl11-290", "2 bis"),
            article_id("pjl15-034", "2 bis")
        );
        assert_ne!(
            article_id("ppl11-290", "2 bis"),
            article_id("ppl11-290", "2 ter")
        );
    }
}
