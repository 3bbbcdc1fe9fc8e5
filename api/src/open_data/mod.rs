//! Open data: anonymised exports of a bill rendered from the views — contributions, arguments,
//! tallies and versions as CSV and NDJSON, and Akoma Ntoso 3.0 XML for each version and each
//! amendment (`akn`). Pure: no SQL, no I/O, no clock; the same views give the same bytes.
//!
//! Anonymised means: a person appears only as the pseudonymous participant id the log already
//! holds (`u1a2b3c4d5e`, `gouvernement`); nothing else about anyone (tokens, labels, e-mail) is
//! read here. The columns are documented in `docs/open-data.md`.

pub mod akn;

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use domain::amendment::{Change, Origin};
use domain::argument::Stance;
use domain::ballot::VoteCounts;
use domain::ids::{ArticleId, Target};
use projections::views::amendments::{outcome_state, AmendmentView, Amendments};
use projections::views::arguments::{ArgumentView, Arguments};
use projections::views::bills::{BillView, Bills};
use projections::views::tallies::Tallies;
use serde::Serialize;

/// The tables of a bill's open data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per amendment (citizen, government or parliamentary).
    Contributions,
    /// One row per argument on an article or an amendment of the bill.
    Arguments,
    /// Per target, one row per source: `ballots` always, `imported` when published counts exist.
    Tallies,
    /// One row per (version, article).
    Versions,
}

impl Table {
    pub const ALL: [Table; 4] = [
        Table::Contributions,
        Table::Arguments,
        Table::Tallies,
        Table::Versions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Contributions => "contributions",
            Table::Arguments => "arguments",
            Table::Tallies => "tallies",
            Table::Versions => "versions",
        }
    }
}

/// The formats every table is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV, UTF-8, a header line, `\n` line ends; empty field for a missing value.
    Csv,
    /// One JSON object per line with exactly the CSV columns; `null` for a missing value.
    Ndjson,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Csv, Format::Ndjson];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

/// The media type of the Akoma Ntoso documents.
pub const AKN_CONTENT_TYPE: &str = "application/akn+xml";

/// Every file name a bill's open data is served under (`contributions.csv`, …).
pub fn file_names() -> Vec<String> {
    Table::ALL
        .iter()
        .flat_map(|t| {
            Format::ALL
                .iter()
                .map(move |f| format!("{}.{}", t.name(), f.extension()))
        })
        .collect()
}

/// Parses `contributions.csv` and the like; `Err` names the available files.
pub fn parse_file_name(name: &str) -> Result<(Table, Format), String> {
    Table::ALL
        .iter()
        .flat_map(|t| Format::ALL.iter().map(move |f| (*t, *f)))
        .find(|(t, f)| name == format!("{}.{}", t.name(), f.extension()))
        .ok_or_else(|| {
            format!(
                "no open-data file is called `{name}`; the files are {}",
                file_names().join(", ")
            )
        })
}

#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write NDJSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
}

/// The views the open data is rendered from (read under their locks by the caller).
#[derive(Clone, Copy)]
pub struct OpenData<'a> {
    pub bills: &'a Bills,
    pub amendments: &'a Amendments,
    pub tallies: &'a Tallies,
    pub arguments: &'a Arguments,
}

/// An instant as exported: RFC 3339 with an explicit numeric offset (`+00:00`, never `Z`), the
/// offset the source gave, seconds fractions only when not zero. A stored instant without an
/// offset is UTC (the service records every instant with one; this guards older rows). `None`
/// when the view holds no instant or one that is not a date.
pub fn instant(raw: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.to_rfc3339_opts(SecondsFormat::AutoSi, false));
    }
    raw.parse::<NaiveDateTime>()
        .ok()
        .map(|naive| naive.and_utc().fixed_offset())
        .map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

fn change_kind(change: &Change) -> &'static str {
    match change {
        Change::Modify { .. } => "modify",
        Change::InsertAfter { .. } => "insert_after",
        Change::Delete { .. } => "delete",
        Change::WholeText => "whole_text",
    }
}

fn origin_kind(origin: &Origin) -> &'static str {
    match origin {
        Origin::Citizen => "citizen",
        Origin::Government => "government",
        Origin::Parliamentary { .. } => "parliamentary",
    }
}

fn stance_name(stance: Stance) -> &'static str {
    match stance {
        Stance::For => "for",
        Stance::Against => "against",
        Stance::Neutral => "neutral",
    }
}

fn joined<T: ToString>(items: &[T]) -> Option<String> {
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// `contributions.csv`: one row per amendment, in submission (log) order.
#[derive(Debug, Serialize)]
pub struct ContributionRow {
    pub id: String,
    pub bill_id: String,
    pub base_version: u32,
    pub article_id: Option<String>,
    pub kind: &'static str,
    pub origin: &'static str,
    pub parliamentary_numbers: Option<String>,
    pub title: String,
    pub proposed_text: Option<String>,
    pub rationale: String,
    pub author: String,
    pub submitted_at: Option<String>,
    pub state: String,
    pub decision: Option<&'static str>,
    pub response: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub ballots_for: u64,
    pub ballots_mixed: u64,
    pub ballots_against: u64,
    pub ballots_pass: u64,
    pub imported_for: Option<u64>,
    pub imported_mixed: Option<u64>,
    pub imported_against: Option<u64>,
    pub imported_pass: Option<u64>,
    pub imported_source: Option<String>,
    pub taken_in_by_versions: Option<String>,
    pub not_voted_note: Option<String>,
    /// The moderator's public reason; a hidden amendment's text and rationale are left out.
    pub hidden_reason: Option<String>,
}

/// `arguments.csv`: one row per argument, in posting (log) order.
#[derive(Debug, Serialize)]
pub struct ArgumentRow {
    pub id: String,
    pub bill_id: String,
    pub target_kind: &'static str,
    pub article_id: Option<String>,
    pub amendment_id: Option<String>,
    pub stance: &'static str,
    pub author: String,
    /// Empty once the author withdrew it (the row stays, so counts match the log).
    pub body: Option<String>,
    pub posted_at: Option<String>,
    pub withdrawn: bool,
}

/// `tallies.csv`: per target and source, the counts; ballots and imported never summed.
#[derive(Debug, Serialize)]
pub struct TallyRow {
    pub bill_id: String,
    pub target_kind: &'static str,
    pub article_id: Option<String>,
    pub amendment_id: Option<String>,
    pub source: &'static str,
    #[serde(rename = "for")]
    pub r#for: u64,
    pub mixed: u64,
    pub against: u64,
    pub pass: u64,
    pub total: u64,
    pub source_label: Option<String>,
}

/// `versions.csv`: one row per (version, article), articles in the version's order.
#[derive(Debug, Serialize)]
pub struct VersionRow {
    pub bill_id: String,
    pub version: u32,
    pub label: String,
    pub published_at: Option<String>,
    pub position: usize,
    pub article_id: String,
    pub number: String,
    pub heading: Option<String>,
    pub text: String,
}

impl<'a> OpenData<'a> {
    /// Renders one table of a bill in one format.
    pub fn render(
        &self,
        bill: &BillView,
        table: Table,
        format: Format,
    ) -> Result<Vec<u8>, OpenDataError> {
        match table {
            Table::Contributions => write_rows(format, &self.contributions(bill)),
            Table::Arguments => write_rows(format, &self.arguments(bill)),
            Table::Tallies => write_rows(format, &self.tallies(bill)),
            Table::Versions => write_rows(format, &versions(bill)),
        }
    }

    /// Every file of a bill's open data, handed to `sink` one at a time as (path relative to
    /// the bill's folder, bytes): each table in each format, `akn/version-NNN.xml` per version
    /// and `akn/amendment-ID.xml` per amendment.
    pub fn bill_files<E: From<OpenDataError>>(
        &self,
        bill: &BillView,
        mut sink: impl FnMut(&str, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        for table in Table::ALL {
            for format in Format::ALL {
                let name = format!("{}.{}", table.name(), format.extension());
                sink(&name, &self.render(bill, table, format)?)?;
            }
        }
        for version in &bill.versions {
            let xml = akn::version_document(bill, version)?;
            sink(
                &format!("akn/version-{:03}.xml", version.number),
                xml.as_bytes(),
            )?;
        }
        for amendment in self.amendments.of_bill(bill.id) {
            let xml = akn::amendment_document(amendment, Some(bill))?;
            sink(
                &format!("akn/amendment-{}.xml", amendment.id),
                xml.as_bytes(),
            )?;
        }
        Ok(())
    }

    pub fn contributions(&self, bill: &BillView) -> Vec<ContributionRow> {
        self.amendments
            .of_bill(bill.id)
            .map(|a| self.contribution(a))
            .collect()
    }

    fn contribution(&self, a: &AmendmentView) -> ContributionRow {
        let target = Target::Amendment { amendment_id: a.id };
        let ballots = self.tallies.ballots(&target);
        let imported = self.tallies.published(&target);
        let decision = a.decision.as_ref();
        ContributionRow {
            id: a.id.to_string(),
            bill_id: a.bill_id.to_string(),
            base_version: a.base_version,
            article_id: a.article_id().map(|id| id.to_string()),
            kind: change_kind(&a.change),
            origin: origin_kind(&a.origin),
            parliamentary_numbers: match &a.origin {
                Origin::Parliamentary { numbers } => joined(numbers),
                _ => None,
            },
            title: a.title.clone(),
            proposed_text: a
                .proposed_text
                .as_ref()
                .filter(|_| a.hidden.is_none())
                .map(|p| p.join("\n\n")),
            rationale: if a.hidden.is_none() {
                a.rationale.clone()
            } else {
                String::new()
            },
            author: a.author.to_string(),
            submitted_at: instant(&a.submitted_at),
            state: a.state.clone(),
            decision: decision.map(|d| outcome_state(d.outcome)),
            response: decision.map(|d| d.response.clone()),
            decided_by: decision.map(|d| d.decided_by.to_string()),
            decided_at: decision.and_then(|d| instant(&d.decided_at)),
            ballots_for: ballots.r#for,
            ballots_mixed: ballots.mixed,
            ballots_against: ballots.against,
            ballots_pass: ballots.pass,
            imported_for: imported.map(|t| t.counts.r#for),
            imported_mixed: imported.map(|t| t.counts.mixed),
            imported_against: imported.map(|t| t.counts.against),
            imported_pass: imported.map(|t| t.counts.pass),
            imported_source: imported.map(|t| t.source.clone()),
            taken_in_by_versions: joined(&a.taken_in_by_versions),
            not_voted_note: a.not_voted_note.clone(),
            hidden_reason: a.hidden.as_ref().map(|h| h.reason.clone()),
        }
    }

    /// Every article that is in any version of the bill, in order of first appearance.
    fn article_ids(bill: &BillView) -> Vec<ArticleId> {
        let mut seen = HashSet::new();
        bill.versions
            .iter()
            .flat_map(|v| &v.articles)
            .map(|a| a.id)
            .filter(|id| seen.insert(*id))
            .collect()
    }

    /// Every target of the bill: its articles (any version), then its amendments.
    fn targets(&self, bill: &BillView) -> Vec<Target> {
        let articles = Self::article_ids(bill)
            .into_iter()
            .map(|article_id| Target::Article {
                bill_id: bill.id,
                article_id,
            });
        let amendments = self
            .amendments
            .of_bill(bill.id)
            .map(|a| Target::Amendment { amendment_id: a.id });
        articles.chain(amendments).collect()
    }

    pub fn arguments(&self, bill: &BillView) -> Vec<ArgumentRow> {
        let mut all: Vec<&ArgumentView> = self
            .targets(bill)
            .iter()
            .flat_map(|t| self.arguments.on(t).collect::<Vec<_>>())
            .collect();
        all.sort_by_key(|a| a.posted_log_index);
        all.into_iter()
            .map(|a| {
                let (target_kind, article_id, amendment_id) = target_columns(&a.target);
                ArgumentRow {
                    id: a.id.to_string(),
                    bill_id: bill.id.to_string(),
                    target_kind,
                    article_id,
                    amendment_id,
                    stance: stance_name(a.stance),
                    author: a.author.to_string(),
                    body: (!a.withdrawn).then(|| a.body.clone()),
                    posted_at: instant(&a.posted_at),
                    withdrawn: a.withdrawn,
                }
            })
            .collect()
    }

    pub fn tallies(&self, bill: &BillView) -> Vec<TallyRow> {
        let mut rows = Vec::new();
        for target in self.targets(bill) {
            let (target_kind, article_id, amendment_id) = target_columns(&target);
            let row = |source, counts: VoteCounts, label: Option<String>| TallyRow {
                bill_id: bill.id.to_string(),
                target_kind,
                article_id: article_id.clone(),
                amendment_id: amendment_id.clone(),
                source,
                r#for: counts.r#for,
                mixed: counts.mixed,
                against: counts.against,
                pass: counts.pass,
                total: counts.total(),
                source_label: label,
            };
            rows.push(row("ballots", self.tallies.ballots(&target), None));
            if let Some(published) = self.tallies.published(&target) {
                rows.push(row(
                    "imported",
                    published.counts,
                    Some(published.source.clone()),
                ));
            }
        }
        rows
    }
}

fn target_columns(target: &Target) -> (&'static str, Option<String>, Option<String>) {
    match target {
        Target::Article { article_id, .. } => ("article", Some(article_id.to_string()), None),
        Target::Amendment { amendment_id } => ("amendment", None, Some(amendment_id.to_string())),
    }
}

pub fn versions(bill: &BillView) -> Vec<VersionRow> {
    bill.versions
        .iter()
        .flat_map(|v| {
            v.articles.iter().enumerate().map(move |(i, a)| VersionRow {
                bill_id: bill.id.to_string(),
                version: v.number,
                label: v.label.clone(),
                published_at: instant(&v.published_at),
                position: i + 1,
                article_id: a.id.to_string(),
                number: a.number.clone(),
                heading: a.heading.clone(),
                text: a.text(),
            })
        })
        .collect()
}

/// Writes rows as CSV (header from the row's fields) or NDJSON (one object per line).
fn write_rows<R: Serialize>(format: Format, rows: &[R]) -> Result<Vec<u8>, OpenDataError> {
    match format {
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            for row in rows {
                writer.serialize(row)?;
            }
            writer
                .into_inner()
                .map_err(|e| OpenDataError::Io(e.into_error()))
        }
        Format::Ndjson => {
            let mut out = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut out, row)?;
                out.push(b'\n');
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_exported_with_an_explicit_numeric_offset() {
        assert_eq!(
            instant("2015-09-26T10:00:00.000000+02:00").as_deref(),
            Some("2015-09-26T10:00:00+02:00")
        );
        assert_eq!(
            instant("2015-10-18T23:59:59.999999Z").as_deref(),
            Some("2015-10-18T23:59:59.999999+00:00")
        );
        assert_eq!(
            instant("2015-10-18T12:00:00").as_deref(),
            Some("2015-10-18T12:00:00+00:00"),
            "an instant stored without offset is UTC"
        );
        assert_eq!(instant(""), None);
        assert_eq!(instant("yesterday"), None);
    }

    #[test]
    fn file_names_parse_and_an_unknown_one_names_the_available_files() {
        assert_eq!(
            parse_file_name("tallies.ndjson"),
            Ok((Table::Tallies, Format::Ndjson))
        );
        let error = parse_file_name("tallies.xlsx").unwrap_err();
        assert!(error.contains("`tallies.xlsx`"), "{error}");
        assert!(error.contains("contributions.csv"), "{error}");
        assert!(error.contains("versions.ndjson"), "{error}");
        assert_eq!(file_names().len(), 8);
    }

    #[derive(Serialize)]
    struct Row {
        a: Option<String>,
        b: u64,
    }

    #[test]
    fn csv_leaves_a_missing_value_empty_and_ndjson_writes_null() {
        let rows = [
            Row { a: None, b: 3 },
            Row {
                a: Some("x, \"y\"\nz".into()),
                b: 4,
            },
        ];
        let csv = String::from_utf8(write_rows(Format::Csv, &rows).unwrap()).unwrap();
        assert_eq!(csv, "a,b\n,3\n\"x, \"\"y\"\"\nz\",4\n");
        let ndjson = String::from_utf8(write_rows(Format::Ndjson, &rows).unwrap()).unwrap();
        assert_eq!(
            ndjson,
            "{\"a\":null,\"b\":3}\n{\"a\":\"x, \\\"y\\\"\\nz\",\"b\":4}\n"
        );
    }
}
