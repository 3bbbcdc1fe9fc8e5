//! Consultation Article 9 (open access to research), with every individual vote:
//! `article9/article.json`, `modifications.jsonl` (108), `votes.csv` (12,851), `arguments.csv`
//! (132).
//!
//! The 132 arguments are the same records (same ids, authors, stances and dates) as the rows of
//! `consultation/opinion_arguments.csv` with `opinion_id` 69 — bodies differ only in whitespace —
//! so an importer loading both must import them once.
//!
//! `votes.csv` contains 13 duplicate (voter, target) pairs, 2 with different values; the
//! platform's published counts equal the raw row counts. [`raw_counts`] reproduces them,
//! [`last_vote_wins`] applies "a voter's last vote (in `seq` order) replaces earlier ones".

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::consultation::{json_counts, Counts, Stance};
use super::html::html_to_paragraphs;
use super::record::{jsonl_objects, parse_json_object, CsvTable, JsonRecord};
use super::{contribution_key, nfc, SourceError};

/// `article.json`: the government article as put to consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article9Article {
    /// Opinion id (69, i.e. `o69` in `contributions.csv`).
    pub id: u32,
    pub slug: String,
    pub title: String,
    pub section: String,
    pub author: String,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub body_paragraphs: Vec<String>,
    pub explanation: Option<String>,
    pub votes: Counts,
    pub arguments_count: u32,
    pub arguments_yes_count: u32,
    pub arguments_no_count: u32,
    pub sources_count: u32,
    pub versions_count: u32,
    pub url: String,
    pub key: String,
}

/// One line of `modifications.jsonl`: a citizen amendment (its proposed wording is not in any
/// source; `comment` is the author's justification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article9Modification {
    /// `v<id>` in `contributions.csv`.
    pub id: u32,
    pub article_id: u32,
    pub slug: String,
    pub title: String,
    pub scraped_heading: String,
    pub author: String,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub comment: Option<String>,
    pub votes: Counts,
    pub arguments_yes: u32,
    pub arguments_no: u32,
    pub url: String,
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum VoteTarget {
    /// The government article (opinion id 69).
    Article(u32),
    /// A modification (version id, `v<id>`).
    Modification(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteValue {
    /// 1 — d'accord
    For,
    /// 0 — mitigé
    Mixed,
    /// -1 — pas d'accord
    Against,
}

/// One row of `votes.csv` (no timestamp in the source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vote {
    /// 1-based line in the file.
    pub line: usize,
    pub seq: u64,
    pub target: VoteTarget,
    pub voter: String,
    pub value: VoteValue,
}

/// One row of `arguments.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article9Argument {
    pub id: u32,
    pub target: VoteTarget,
    pub author: String,
    pub stance: Stance,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub votes_count: u32,
    pub body: String,
}

/// Parses `article.json`.
pub fn parse_article(json: &str, file: &str) -> Result<Article9Article, SourceError> {
    let value = parse_json_object(json, file, 1)?;
    let r = JsonRecord::new(&value, file, 1);
    let url = r.str("url")?.trim().to_string();
    let key = contribution_key(&url)
        .ok_or_else(|| r.error("url", format!("no `/opinions/` path in {url:?}")))?;
    let explanation = r
        .opt_str("explanation")?
        .map(|e| nfc(e.trim()))
        .filter(|e| !e.is_empty());
    Ok(Article9Article {
        id: r.u32("id")?,
        slug: r.str("slug")?.to_string(),
        title: nfc(r.str("title")?.trim()),
        section: nfc(r.str("section")?.trim()),
        author: r.str("author")?.to_string(),
        created_at: r.date("created_at")?,
        updated_at: r.date("updated_at")?,
        body_paragraphs: html_to_paragraphs(r.str("body_html")?),
        explanation,
        votes: json_counts(&r, "votes")?,
        arguments_count: r.u32("arguments_count")?,
        arguments_yes_count: r.u32("arguments_yes_count")?,
        arguments_no_count: r.u32("arguments_no_count")?,
        sources_count: r.u32("sources_count")?,
        versions_count: r.u32("versions_count")?,
        url,
        key,
    })
}

/// Parses `modifications.jsonl`.
pub fn parse_modifications(
    jsonl: &str,
    file: &str,
) -> Result<Vec<Article9Modification>, SourceError> {
    let mut out = Vec::new();
    for (line, value) in jsonl_objects(jsonl, file)? {
        let r = JsonRecord::new(&value, file, line);
        let url = r.str("url")?.trim().to_string();
        let key = contribution_key(&url)
            .ok_or_else(|| r.error("url", format!("no `/opinions/` path in {url:?}")))?;
        let arguments = r.nested("arguments")?;
        out.push(Article9Modification {
            id: r.u32("id")?,
            article_id: r.u32("article_id")?,
            slug: r.str("slug")?.to_string(),
            title: nfc(r.str("title")?.trim()),
            scraped_heading: nfc(r.str("scraped_heading")?.trim()),
            author: r.str("author")?.to_string(),
            created_at: r.date("created_at")?,
            updated_at: r.date("updated_at")?,
            comment: r
                .opt_str("comment")?
                .map(|c| nfc(c.trim()))
                .filter(|c| !c.is_empty()),
            votes: json_counts(&r, "votes")?,
            arguments_yes: arguments.u32("yes")?,
            arguments_no: arguments.u32("no")?,
            url,
            key,
        });
    }
    Ok(out)
}

fn target(row: &super::record::CsvRow<'_>) -> Result<VoteTarget, SourceError> {
    let kind = row.str("target_type")?.trim();
    let id = row.u32("target_id")?;
    match kind {
        "article" => Ok(VoteTarget::Article(id)),
        "modification" => Ok(VoteTarget::Modification(id)),
        other => Err(row.error(
            "target_type",
            format!("unknown target type {other:?} (expected article or modification)"),
        )),
    }
}

/// Parses `votes.csv`.
pub fn parse_votes(csv: &str, file: &str) -> Result<Vec<Vote>, SourceError> {
    let table = CsvTable::parse(
        csv,
        file,
        &["seq", "target_type", "target_id", "voter", "value"],
    )?;
    let mut out = Vec::new();
    for row in table.rows() {
        let value = match row.str("value")?.trim() {
            "1" => VoteValue::For,
            "0" => VoteValue::Mixed,
            "-1" => VoteValue::Against,
            other => {
                return Err(row.error(
                    "value",
                    format!("invalid vote value {other:?} (expected 1, 0 or -1)"),
                ))
            }
        };
        out.push(Vote {
            line: row.line,
            seq: row.u64("seq")?,
            target: target(&row)?,
            voter: row.non_empty("voter")?.trim().to_string(),
            value,
        });
    }
    Ok(out)
}

/// Parses `arguments.csv`.
pub fn parse_arguments(csv: &str, file: &str) -> Result<Vec<Article9Argument>, SourceError> {
    let table = CsvTable::parse(
        csv,
        file,
        &[
            "id",
            "target_type",
            "target_id",
            "author",
            "stance",
            "created_at",
            "updated_at",
            "votes_count",
            "body",
        ],
    )?;
    let mut out = Vec::new();
    for row in table.rows() {
        let stance_text = row.str("stance")?;
        let stance = Stance::parse(stance_text).ok_or_else(|| {
            row.error(
                "stance",
                format!("unknown stance {stance_text:?} (expected pour or contre)"),
            )
        })?;
        out.push(Article9Argument {
            id: row.u32("id")?,
            target: target(&row)?,
            author: row.non_empty("author")?.trim().to_string(),
            stance,
            created_at: row.date("created_at")?,
            updated_at: row.date("updated_at")?,
            votes_count: row.u32("votes_count")?,
            body: nfc(row.str("body")?.trim()),
        });
    }
    Ok(out)
}

fn add(counts: &mut Counts, value: VoteValue) {
    match value {
        VoteValue::For => counts.ok += 1,
        VoteValue::Mixed => counts.mitige += 1,
        VoteValue::Against => counts.nok += 1,
    }
}

/// Counts every row (duplicates included): the platform's published counts.
pub fn raw_counts(votes: &[Vote]) -> BTreeMap<VoteTarget, Counts> {
    let mut out: BTreeMap<VoteTarget, Counts> = BTreeMap::new();
    for v in votes {
        add(out.entry(v.target).or_default(), v.value);
    }
    out
}

/// Counts one vote per (voter, target): the last one in `seq` order (file order on ties).
pub fn last_vote_wins(votes: &[Vote]) -> BTreeMap<VoteTarget, Counts> {
    let mut order: Vec<&Vote> = votes.iter().collect();
    order.sort_by_key(|v| (v.seq, v.line));
    let mut last: HashMap<(VoteTarget, &str), VoteValue> = HashMap::new();
    for v in order {
        last.insert((v.target, v.voter.as_str()), v.value);
    }
    let mut out: BTreeMap<VoteTarget, Counts> = BTreeMap::new();
    for ((target, _), value) in last {
        add(out.entry(target).or_default(), value);
    }
    out
}

/// A (voter, target) pair voted more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateVote {
    pub target: VoteTarget,
    pub voter: String,
    /// Values in `seq` order.
    pub values: Vec<VoteValue>,
    /// `seq` of each row.
    pub seqs: Vec<u64>,
}

impl DuplicateVote {
    pub fn values_differ(&self) -> bool {
        self.values.windows(2).any(|w| w[0] != w[1])
    }
}

/// The (voter, target) pairs with more than one row, by target then voter.
pub fn duplicate_votes(votes: &[Vote]) -> Vec<DuplicateVote> {
    let mut order: Vec<&Vote> = votes.iter().collect();
    order.sort_by_key(|v| (v.seq, v.line));
    let mut groups: BTreeMap<(VoteTarget, &str), Vec<&Vote>> = BTreeMap::new();
    for v in order {
        groups
            .entry((v.target, v.voter.as_str()))
            .or_default()
            .push(v);
    }
    groups
        .into_iter()
        .filter(|(_, g)| g.len() > 1)
        .map(|((target, voter), g)| DuplicateVote {
            target,
            voter: voter.to_string(),
            values: g.iter().map(|v| v.value).collect(),
            seqs: g.iter().map(|v| v.seq).collect(),
        })
        .collect()
}
