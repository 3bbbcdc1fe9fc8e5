//! `bill-history/commits.jsonl` (GouvernementFR/RepubliqueNumerique as one JSON line per
//! commit) → every version of the bill, article by article.
//!
//! The commits are replayed in `seq` order (each change holds the full new content of a file)
//! to rebuild the tree after each commit. `README.md` files are not bill text and are ignored;
//! the `readme` stage commit is not a version. Every commit from the `consultation` one on is a
//! version whose articles are listed in document order: Titre I < II < III < IV, then
//! Chapitre Ier < II < III (roman numerals parsed), the outre-mer file last, articles in file
//! order.
//!
//! Known defects of the source text are repaired and each repaired article says so in
//! [`SourceArticle::repair`]:
//! - a missing heading whose text was appended to the previous article: the consultation text
//!   has no `Article 17` heading (its text, “L’article 11 de la même loi est ainsi modifié…”,
//!   is appended to Article 16) and the Conseil d'État text has no `Article 30` heading (its
//!   text, “Il est inséré dans la même loi un article 37-1…”, is appended to Article 29): the
//!   article is split at that paragraph, in every version where the heading is missing from
//!   that file (labels are compared per file: during renumbering commits, other files may
//!   already use the number);
//! - a heading typo giving a duplicate label (`**Article 2**` between Articles 23 and 25 of the
//!   same file in the post-consultation text): relabelled 24 (table [`HEADING_TYPOS`]; a
//!   generic "duplicate between N-1 and N+1" rule also fires on honest intermediate
//!   renumbering states, so only the known typo is repaired).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::markdown::{split_articles, SourceArticle};
use super::record::{jsonl_objects, JsonRecord};
use super::{contribution_key, SourceError};

/// Stage of the bill's life a commit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Readme,
    Consultation,
    PostConsultationGovernment,
    ConseilEtat,
    AnCommissionDesLois,
    AnSeancePublique,
}

impl Stage {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "readme" => Self::Readme,
            "consultation" => Self::Consultation,
            "post_consultation_government" => Self::PostConsultationGovernment,
            "conseil_etat" => Self::ConseilEtat,
            "an_commission_des_lois" => Self::AnCommissionDesLois,
            "an_seance_publique" => Self::AnSeancePublique,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Readme => "readme",
            Self::Consultation => "consultation",
            Self::PostConsultationGovernment => "post_consultation_government",
            Self::ConseilEtat => "conseil_etat",
            Self::AnCommissionDesLois => "an_commission_des_lois",
            Self::AnSeancePublique => "an_seance_publique",
        }
    }
}

/// The text of the bill after one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillVersionSource {
    pub seq: u32,
    pub sha: String,
    pub parents: Vec<String>,
    pub date: DateTime<FixedOffset>,
    /// The institution that made the change.
    pub author: String,
    pub stage: Stage,
    pub subject: String,
    pub message: String,
    /// Assemblée nationale amendment numbers cited by the commit.
    pub an_amendment_numbers: Vec<u32>,
    pub an_amendment_urls: Vec<String>,
    /// Consultation contributions cited, as keys (path after `/opinions/`, no trailing slash),
    /// matching [`super::consultation::Contribution::key`].
    pub consultation_refs: Vec<String>,
    /// The cited URLs as given.
    pub consultation_urls: Vec<String>,
    /// Bill files changed by this commit (README excluded).
    pub changed_files: Vec<String>,
    /// Articles in document order.
    pub articles: Vec<SourceArticle>,
}

/// All versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillHistory {
    pub versions: Vec<BillVersionSource>,
}

impl BillHistory {
    /// The version made by the commit whose sha starts with `prefix`.
    pub fn version(&self, sha_prefix: &str) -> Option<&BillVersionSource> {
        if sha_prefix.is_empty() {
            return None;
        }
        self.versions.iter().find(|v| v.sha.starts_with(sha_prefix))
    }

    /// The last version of each stage, in stage order (the 5 milestones).
    pub fn milestones(&self) -> Vec<&BillVersionSource> {
        let mut last: BTreeMap<Stage, &BillVersionSource> = BTreeMap::new();
        for v in &self.versions {
            last.insert(v.stage, v);
        }
        last.into_values().collect()
    }
}

struct Change {
    path: String,
    text: Option<String>,
}

struct RawCommit {
    line: usize,
    version: BillVersionSource,
    changes: Vec<Change>,
}

fn is_readme(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.eq_ignore_ascii_case("README.md"))
}

/// Parses and replays the commits.
pub fn parse(jsonl: &str, file: &str) -> Result<BillHistory, SourceError> {
    let mut commits = Vec::new();
    for (line, value) in jsonl_objects(jsonl, file)? {
        commits.push(parse_commit(&JsonRecord::new(&value, file, line))?);
    }
    commits.sort_by_key(|c| c.version.seq);
    for pair in commits.windows(2) {
        if pair[0].version.seq == pair[1].version.seq {
            return Err(SourceError::new(
                file,
                pair[1].line,
                "seq",
                format!("duplicate seq {}", pair[1].version.seq),
            ));
        }
    }
    let mut tree: BTreeMap<String, String> = BTreeMap::new();
    let mut versions = Vec::new();
    for commit in commits {
        for change in &commit.changes {
            match &change.text {
                Some(text) => {
                    tree.insert(change.path.clone(), text.clone());
                }
                None => {
                    tree.remove(&change.path);
                }
            }
        }
        if commit.version.stage == Stage::Readme {
            continue;
        }
        let mut version = commit.version;
        version.articles = articles_of_tree(&tree);
        versions.push(version);
    }
    Ok(BillHistory { versions })
}

fn parse_commit(r: &JsonRecord<'_>) -> Result<RawCommit, SourceError> {
    let seq = r.u32("seq")?;
    let sha = r.str("sha")?.to_string();
    if sha.len() < 7 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(r.error(
            "sha",
            format!("expected a hexadecimal commit id, found {sha:?}"),
        ));
    }
    let stage_text = r.str("stage")?;
    let stage = Stage::parse(stage_text)
        .ok_or_else(|| r.error("stage", format!("unknown stage {stage_text:?}")))?;
    let urls = r.strings("consultation_refs")?;
    let mut refs = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        let key = contribution_key(url).ok_or_else(|| {
            SourceError::new(
                r.file,
                r.line,
                format!("consultation_refs[{i}]"),
                format!("no `/opinions/` path in {url:?}"),
            )
        })?;
        refs.push(key);
    }
    let mut changes = Vec::new();
    let mut changed_files = Vec::new();
    for (i, value) in r.array_or_null("changes")?.iter().enumerate() {
        let c = r.element("changes", i, value)?;
        let path = c.str("path")?.to_string();
        let status = c.str("status")?;
        let text = match status {
            "A" | "M" => Some(c.str("text")?.to_string()),
            "D" => None,
            other => {
                return Err(c.error(
                    "status",
                    format!("unknown status {other:?} (expected A, M or D)"),
                ))
            }
        };
        if path.trim().is_empty() {
            return Err(c.error("path", "empty path"));
        }
        if is_readme(&path) {
            continue;
        }
        changed_files.push(path.clone());
        changes.push(Change { path, text });
    }
    let version = BillVersionSource {
        seq,
        sha,
        parents: r.strings("parents")?,
        date: r.date("date")?,
        author: r.str("author")?.to_string(),
        stage,
        subject: r.str("subject")?.to_string(),
        message: r.str("message")?.to_string(),
        an_amendment_numbers: r.u32s("an_amendment_numbers")?,
        an_amendment_urls: r.strings("an_amendment_urls")?,
        consultation_refs: refs,
        consultation_urls: urls,
        changed_files,
        articles: Vec::new(),
    };
    Ok(RawCommit {
        line: r.line,
        version,
        changes,
    })
}

/// Parses a roman numeral (`I`, `IV`, `Ier` → 1).
pub fn roman(text: &str) -> Option<u32> {
    let t = text.strip_suffix("er").unwrap_or(text);
    if t.is_empty() {
        return None;
    }
    let mut total = 0u32;
    let mut prev = 0u32;
    for c in t.chars().rev() {
        let v = match c.to_ascii_uppercase() {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            'C' => 100,
            _ => return None,
        };
        if v < prev {
            total = total.checked_sub(v)?;
        } else {
            total += v;
            prev = v;
        }
    }
    Some(total)
}

fn numeral_after(text: &str, word: &str) -> Option<u32> {
    let lower = text.to_lowercase();
    let start = lower.find(&word.to_lowercase())? + word.len();
    let rest = text
        .get(start..)?
        .trim_start_matches(|c: char| c.is_whitespace());
    let token: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
    token.parse::<u32>().ok().or_else(|| roman(&token))
}

/// Document-order sort key of a chapter file path:
/// (titre, chapitre, path), the outre-mer file last.
pub fn file_order(path: &str) -> (u32, u32, String) {
    if path.to_uppercase().contains("OUTRE-MER") || path.to_uppercase().contains("OUTRE MER") {
        return (u32::MAX, u32::MAX, path.to_string());
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let titre = numeral_after(dir, "Titre").unwrap_or(u32::MAX - 1);
    let chapitre = numeral_after(name, "Chapitre").unwrap_or(u32::MAX - 1);
    (titre, chapitre, path.to_string())
}

fn articles_of_tree(tree: &BTreeMap<String, String>) -> Vec<SourceArticle> {
    let mut paths: Vec<&String> = tree.keys().filter(|p| !is_readme(p)).collect();
    paths.sort_by_key(|p| file_order(p));
    let mut articles = Vec::new();
    for path in paths {
        articles.extend(split_articles(&tree[path], path));
    }
    repair_missing_headings(&mut articles);
    repair_duplicate_labels(&mut articles);
    articles
}

/// Known missing headings: (missing label, label of the article holding its text, first words
/// of its first paragraph).
const MISSING_HEADINGS: &[(&str, &str, &str)] = &[
    ("17", "16", "L’article 11 de la même loi est ainsi modifié"),
    (
        "30",
        "29",
        "Il est inséré dans la même loi un article 37-1 ainsi rédigé",
    ),
];

fn repair_missing_headings(articles: &mut Vec<SourceArticle>) {
    for (missing, holder, prefix) in MISSING_HEADINGS {
        let found = articles.iter().enumerate().find_map(|(i, a)| {
            if a.label != *holder
                || articles
                    .iter()
                    .any(|b| b.file == a.file && b.label == *missing)
            {
                return None;
            }
            a.paragraphs
                .iter()
                .enumerate()
                .skip(1)
                .find(|(_, p)| p.starts_with(prefix))
                .map(|(j, _)| (i, j))
        });
        let Some((i, j)) = found else { continue };
        let tail = articles[i].paragraphs.split_off(j);
        let number = missing.parse().unwrap_or(0);
        let file = articles[i].file.clone();
        articles.insert(
            i + 1,
            SourceArticle {
                key: String::new(),
                label: missing.to_string(),
                display_label: missing.to_string(),
                number,
                nouveau: false,
                heading: None,
                paragraphs: tail,
                file,
                repair: Some(format!(
                    "source has no `Article {missing}` heading: its text was appended to Article {holder}; split at “{prefix}…”"
                )),
            },
        );
        articles[i].repair = Some(format!(
            "Article {missing} (missing heading in the source) split off from this article"
        ));
    }
}

/// Known heading typos: (printed label, label of the previous article in the same file,
/// label of the next one, label meant).
const HEADING_TYPOS: &[(&str, &str, &str, &str)] = &[("2", "23", "25", "24")];

fn repair_duplicate_labels(articles: &mut [SourceArticle]) {
    for (printed, before, after, meant) in HEADING_TYPOS {
        for i in 1..articles.len().saturating_sub(1) {
            let (prev, cur, next) = (&articles[i - 1], &articles[i], &articles[i + 1]);
            if cur.label != *printed
                || prev.label != *before
                || next.label != *after
                || prev.file != cur.file
                || next.file != cur.file
                || articles
                    .iter()
                    .any(|a| a.label == *meant && a.file == cur.file)
                || !articles[..i].iter().any(|a| a.label == *printed)
            {
                continue;
            }
            let a = &mut articles[i];
            a.repair = Some(format!(
                "heading typo in the source: `Article {printed}` (duplicate label) between Articles {before} and {after}; relabelled {meant}"
            ));
            a.number = meant.parse().unwrap_or(a.number);
            a.label = meant.to_string();
            a.display_label = meant.to_string();
        }
    }
}
