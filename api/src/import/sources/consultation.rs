//! The 2015 online consultation (republique-numerique.fr): `contributions.csv` (2,086
//! contributions with vote counts), `opinions.jsonl` (696 articles/proposals with their text)
//! and `opinion_arguments.csv` (3,994 for/against arguments).
//!
//! Dates: `contributions.csv` has **no date at all**; opinions get theirs from
//! `opinions.jsonl`, and the 108 modifications of Article 9 from `article9/modifications.jsonl`
//! (see [`fill_created_at`]); the 1,282 other modifications have no known date (the importer
//! must use the consultation window of their parent, 26 Sept – 18 Oct 2015).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::article9::Article9Modification;
use super::html::html_to_paragraphs;
use super::record::{jsonl_objects, CsvTable, JsonRecord};
use super::{contribution_key, nfc, SourceError};

/// d'accord / mitigé / pas d'accord counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Counts {
    pub ok: u32,
    pub mitige: u32,
    pub nok: u32,
}

impl Counts {
    pub fn total(&self) -> u32 {
        self.ok + self.mitige + self.nok
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// A government article (author `gouvernement`) or a citizen proposal of a new article.
    Opinion,
    /// A citizen amendment to an opinion.
    Modification,
}

/// One row of `contributions.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution {
    /// `o61` (opinion) or `v123` (modification).
    pub id: String,
    pub kind: ContributionKind,
    /// The opinion amended (itself for an opinion), `o<n>`.
    pub opinion_id: String,
    pub section_slug: String,
    pub title: String,
    /// Pseudonym (`u` + 10 hex) or `gouvernement`.
    pub author: String,
    /// Self-declared account type; `None` when unknown (326 rows).
    pub author_type: Option<String>,
    pub votes: Counts,
    pub arguments_count: u32,
    pub sources_count: u32,
    pub url: String,
    /// Path after `/opinions/` (join key with the bill history's `consultation_refs`).
    pub key: String,
    /// Not in `contributions.csv`; see [`fill_created_at`].
    pub created_at: Option<DateTime<FixedOffset>>,
}

impl Contribution {
    pub fn is_government_article(&self) -> bool {
        self.kind == ContributionKind::Opinion && self.author == "gouvernement"
    }
}

/// One line of `opinions.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opinion {
    /// `o61`
    pub id: String,
    pub number: u32,
    pub title: String,
    pub section_title: String,
    pub section_subtitle: String,
    pub author: String,
    pub author_type: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub is_trashed: bool,
    /// HTML body as paragraphs (entities decoded, tags stripped, NFC); empty when the body is.
    pub body_paragraphs: Vec<String>,
    /// The "Explication de l'article" appendix (paragraphs joined with blank lines).
    pub explanation: Option<String>,
    pub votes: Counts,
    pub versions_count: u32,
    pub arguments_yes_count: u32,
    pub arguments_no_count: u32,
    pub sources_count: u32,
    pub url: String,
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Pour,
    Contre,
}

impl Stance {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "pour" => Some(Self::Pour),
            "contre" => Some(Self::Contre),
            _ => None,
        }
    }
}

/// One row of `opinion_arguments.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpinionArgument {
    pub id: u32,
    /// `o<n>`
    pub opinion_id: String,
    pub author: String,
    pub stance: Stance,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub votes_count: u32,
    pub body: String,
    pub is_trashed: bool,
    pub is_enabled: bool,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| nfc(t))
}

/// `o61` / `v123` → (prefix, number).
fn prefixed_id(s: &str) -> Option<(char, u32)> {
    let mut chars = s.chars();
    let p = chars.next()?;
    let n: u32 = chars.as_str().parse().ok()?;
    Some((p, n))
}

/// Parses `contributions.csv`.
pub fn parse_contributions(csv: &str, file: &str) -> Result<Vec<Contribution>, SourceError> {
    const COLUMNS: &[&str] = &[
        "id",
        "kind",
        "opinion_id",
        "section_slug",
        "title",
        "author",
        "author_type",
        "votes_ok",
        "votes_mitige",
        "votes_nok",
        "votes_total",
        "arguments_count",
        "sources_count",
        "url",
    ];
    let table = CsvTable::parse(csv, file, COLUMNS)?;
    let mut out = Vec::new();
    for row in table.rows() {
        let kind = match row.str("kind")?.trim() {
            "opinion" => ContributionKind::Opinion,
            "modification" => ContributionKind::Modification,
            other => {
                return Err(row.error(
                    "kind",
                    format!("unknown kind {other:?} (expected opinion or modification)"),
                ))
            }
        };
        let id = row.non_empty("id")?.trim().to_string();
        let expected = if kind == ContributionKind::Opinion {
            'o'
        } else {
            'v'
        };
        if prefixed_id(&id).map(|(p, _)| p) != Some(expected) {
            return Err(row.error(
                "id",
                format!("expected `{expected}<number>` for a {kind:?}, found {id:?}"),
            ));
        }
        let opinion_id = row.non_empty("opinion_id")?.trim().to_string();
        if prefixed_id(&opinion_id).map(|(p, _)| p) != Some('o') {
            return Err(row.error(
                "opinion_id",
                format!("expected `o<number>`, found {opinion_id:?}"),
            ));
        }
        if kind == ContributionKind::Opinion && opinion_id != id {
            return Err(row.error(
                "opinion_id",
                format!("an opinion must be its own opinion_id, found {opinion_id:?}"),
            ));
        }
        let votes = Counts {
            ok: row.u32("votes_ok")?,
            mitige: row.u32("votes_mitige")?,
            nok: row.u32("votes_nok")?,
        };
        let total = row.u32("votes_total")?;
        if total != votes.total() {
            return Err(row.error(
                "votes_total",
                format!(
                    "{total} is not votes_ok + votes_mitige + votes_nok = {}",
                    votes.total()
                ),
            ));
        }
        let url = row.non_empty("url")?.trim().to_string();
        let key = contribution_key(&url)
            .ok_or_else(|| row.error("url", format!("no `/opinions/` path in {url:?}")))?;
        out.push(Contribution {
            id,
            kind,
            opinion_id,
            section_slug: row.str("section_slug")?.trim().to_string(),
            title: nfc(row.str("title")?.trim()),
            author: row.non_empty("author")?.trim().to_string(),
            author_type: opt(row.str("author_type")?),
            votes,
            arguments_count: row.u32("arguments_count")?,
            sources_count: row.u32("sources_count")?,
            url,
            key,
            created_at: None,
        });
    }
    Ok(out)
}

pub(crate) fn json_counts(r: &JsonRecord<'_>, field: &str) -> Result<Counts, SourceError> {
    let v = r.nested(field)?;
    let counts = Counts {
        ok: v.u32("ok")?,
        mitige: v.u32("mitige")?,
        nok: v.u32("nok")?,
    };
    let total = v.u32("total")?;
    if total != counts.total() {
        return Err(v.error(
            "total",
            format!("{total} is not ok + mitige + nok = {}", counts.total()),
        ));
    }
    Ok(counts)
}

/// Parses `opinions.jsonl`.
pub fn parse_opinions(jsonl: &str, file: &str) -> Result<Vec<Opinion>, SourceError> {
    let mut out = Vec::new();
    for (line, value) in jsonl_objects(jsonl, file)? {
        let r = JsonRecord::new(&value, file, line);
        let number = r.u32("id")?;
        let mut explanation = Vec::new();
        for (i, a) in r.array("appendices")?.iter().enumerate() {
            let a = r.element("appendices", i, a)?;
            a.opt_str("title")?;
            explanation.extend(html_to_paragraphs(a.opt_str("body_html")?.unwrap_or("")));
        }
        let url = r.str("url")?.trim().to_string();
        let key = contribution_key(&url)
            .ok_or_else(|| r.error("url", format!("no `/opinions/` path in {url:?}")))?;
        out.push(Opinion {
            id: format!("o{number}"),
            number,
            title: nfc(r.str("title")?.trim()),
            section_title: nfc(r.str("section_title")?.trim()),
            section_subtitle: nfc(r.opt_str("section_subtitle")?.unwrap_or("").trim()),
            author: r.str("author")?.trim().to_string(),
            author_type: r.opt_str("author_type")?.and_then(opt),
            created_at: r.date("created_at")?,
            updated_at: r.date("updated_at")?,
            is_trashed: r.bool("is_trashed")?,
            body_paragraphs: html_to_paragraphs(r.str("body_html")?),
            explanation: (!explanation.is_empty()).then(|| explanation.join("\n\n")),
            votes: json_counts(&r, "votes")?,
            versions_count: r.u32("versions_count")?,
            arguments_yes_count: r.u32("arguments_yes_count")?,
            arguments_no_count: r.u32("arguments_no_count")?,
            sources_count: r.u32("sources_count")?,
            url,
            key,
        });
    }
    Ok(out)
}

/// Parses `opinion_arguments.csv`.
pub fn parse_opinion_arguments(csv: &str, file: &str) -> Result<Vec<OpinionArgument>, SourceError> {
    const COLUMNS: &[&str] = &[
        "id",
        "opinion_id",
        "author",
        "stance",
        "created_at",
        "updated_at",
        "votes_count",
        "is_trashed",
        "is_enabled",
        "body",
    ];
    let table = CsvTable::parse(csv, file, COLUMNS)?;
    let mut out = Vec::new();
    for row in table.rows() {
        let stance_text = row.str("stance")?;
        let stance = Stance::parse(stance_text).ok_or_else(|| {
            row.error(
                "stance",
                format!("unknown stance {stance_text:?} (expected pour or contre)"),
            )
        })?;
        out.push(OpinionArgument {
            id: row.u32("id")?,
            opinion_id: format!("o{}", row.u32("opinion_id")?),
            author: row.non_empty("author")?.trim().to_string(),
            stance,
            created_at: row.date("created_at")?,
            updated_at: row.date("updated_at")?,
            votes_count: row.u32("votes_count")?,
            body: nfc(row.str("body")?.trim()),
            is_trashed: row.bool("is_trashed")?,
            is_enabled: row.bool("is_enabled")?,
        });
    }
    Ok(out)
}

/// `"Article 9 - Libre accès…"` → `Some(9)`; `None` for any other title.
pub fn government_article_number(title: &str) -> Option<u32> {
    let rest = title.trim_start().strip_prefix("Article")?;
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace());
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    let after = rest[digits.len()..].trim_start_matches(|c: char| c.is_whitespace());
    if after.is_empty() || after.starts_with(['-', '–', '—', ':']) {
        digits.parse().ok()
    } else {
        None
    }
}

/// Sets the `created_at` known from the other files: opinions from `opinions.jsonl`, Article 9
/// modifications from `article9/modifications.jsonl`. Returns how many got a date.
pub fn fill_created_at(
    contributions: &mut [Contribution],
    opinions: &[Opinion],
    article9_modifications: &[Article9Modification],
) -> usize {
    let mut dates: HashMap<String, DateTime<FixedOffset>> = HashMap::new();
    for o in opinions {
        dates.insert(o.id.clone(), o.created_at);
    }
    for m in article9_modifications {
        dates.insert(format!("v{}", m.id), m.created_at);
    }
    let mut n = 0;
    for c in contributions {
        if let Some(d) = dates.get(&c.id) {
            c.created_at = Some(*d);
            n += 1;
        }
    }
    n
}
