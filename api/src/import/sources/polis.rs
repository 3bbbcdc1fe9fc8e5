//! Pol.is conversation exports (compdemocracy/openData): `summary.csv` (key, value: topic, url…),
//! `comments.csv` (the statements, their moderation and their published agree/disagree counts)
//! and `votes.csv` (every vote event: agree 1, disagree -1, pass 0). `participants-votes.csv`
//! (the last vote per participant and comment) is parsed only to cross-check.
//!
//! Pure; errors name file, line and column. Instants come from the millisecond `timestamp`
//! column, never from `datetime` (rendered in a local zone, "WIB").

use std::collections::{BTreeMap, HashSet};

use super::record::CsvTable;
use super::SourceError;

/// The files of one conversation: (name used in errors and sources, content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationFiles {
    pub summary: (String, String),
    pub comments: (String, String),
    pub votes: (String, String),
}

pub const SUMMARY_FILE: &str = "summary.csv";
pub const COMMENTS_FILE: &str = "comments.csv";
pub const VOTES_FILE: &str = "votes.csv";
pub const PARTICIPANTS_VOTES_FILE: &str = "participants-votes.csv";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VoteValue {
    Agree,
    Disagree,
    Pass,
}

impl VoteValue {
    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "1" => Some(VoteValue::Agree),
            "-1" => Some(VoteValue::Disagree),
            "0" => Some(VoteValue::Pass),
            _ => None,
        }
    }
}

/// `moderated`: 1 accepted, -1 moderated out, 0 not moderated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Accepted,
    Rejected,
    Unmoderated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub line: usize,
    pub timestamp_ms: i64,
    pub id: u32,
    pub author: u32,
    /// Published counts: every agree / disagree vote event, repeated votes included.
    pub agrees: u64,
    pub disagrees: u64,
    pub moderation: Moderation,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub line: usize,
    pub timestamp_ms: i64,
    pub comment: u32,
    pub voter: u32,
    pub value: VoteValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// The conversation id of the pol.is URL (`3phdex2kjf`).
    pub id: String,
    pub topic: String,
    pub url: String,
    pub description: Option<String>,
    /// In file order.
    pub comments: Vec<Comment>,
    /// In file order (not chronological).
    pub votes: Vec<Vote>,
}

fn summary(text: &str, file: &str) -> Result<BTreeMap<String, (usize, String)>, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            SourceError::new(file, line, "(record)", format!("invalid CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let key = record.get(0).unwrap_or("").trim().to_string();
        if key.is_empty() {
            continue;
        }
        let value = record.get(1).unwrap_or("").to_string();
        if out.insert(key.clone(), (line, value)).is_some() {
            return Err(SourceError::new(
                file,
                line,
                key,
                "this key appears twice; which value is meant?",
            ));
        }
    }
    Ok(out)
}

/// The last millisecond accepted: one before the end of year 9999, so that the instant one
/// millisecond later (a consultation's close) is still a date.
const LAST_MILLIS: i64 = 253_402_300_799_998;

fn millis(row: &super::record::CsvRow<'_>, field: &str) -> Result<i64, SourceError> {
    let text = row.str(field)?;
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|ms| (1..=LAST_MILLIS).contains(ms))
        .ok_or_else(|| {
            row.error(
                field,
                format!("expected a Unix time in milliseconds between 1 and {LAST_MILLIS} (year 9999), found {text:?}"),
            )
        })
}

/// Parses a conversation; every vote must be on a comment of `comments.csv`.
pub fn parse_conversation(files: &ConversationFiles) -> Result<Conversation, SourceError> {
    let (summary_file, summary_text) = (&files.summary.0, &files.summary.1);
    let keys = summary(summary_text, summary_file)?;
    let value = |key: &str| -> Result<(usize, String), SourceError> {
        keys.get(key)
            .filter(|(_, v)| !v.trim().is_empty())
            .cloned()
            .ok_or_else(|| SourceError::new(summary_file, 1, key, "missing or empty"))
    };
    let topic = value("topic")?.1.trim().to_string();
    let (url_line, url) = value("url")?;
    let url = url.trim().to_string();
    let id = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|id| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        .ok_or_else(|| {
            SourceError::new(
                summary_file,
                url_line,
                "url",
                format!("expected https://pol.is/<conversation id> in lowercase letters and digits, found {url:?}"),
            )
        })?
        .to_string();
    let description = keys
        .get("conversation-description")
        .map(|(_, d)| d.trim().to_string())
        .filter(|d| !d.is_empty());

    let (comments_file, comments_text) = (&files.comments.0, &files.comments.1);
    let table = CsvTable::parse(
        comments_text,
        comments_file,
        &[
            "timestamp",
            "comment-id",
            "author-id",
            "agrees",
            "disagrees",
            "moderated",
            "comment-body",
        ],
    )?;
    let mut comments = Vec::new();
    let mut ids = HashSet::new();
    for row in table.rows() {
        let id = row.u32("comment-id")?;
        if !ids.insert(id) {
            return Err(row.error("comment-id", format!("comment {id} appears twice")));
        }
        let moderation = match row.str("moderated")?.trim() {
            "1" => Moderation::Accepted,
            "-1" => Moderation::Rejected,
            "0" => Moderation::Unmoderated,
            other => {
                return Err(row.error("moderated", format!("expected 1, 0 or -1, found {other:?}")))
            }
        };
        comments.push(Comment {
            line: row.line,
            timestamp_ms: millis(&row, "timestamp")?,
            id,
            author: row.u32("author-id")?,
            agrees: row.u64("agrees")?,
            disagrees: row.u64("disagrees")?,
            moderation,
            body: row.non_empty("comment-body")?.to_string(),
        });
    }

    let (votes_file, votes_text) = (&files.votes.0, &files.votes.1);
    let table = CsvTable::parse(
        votes_text,
        votes_file,
        &["timestamp", "comment-id", "voter-id", "vote"],
    )?;
    let mut votes = Vec::new();
    for row in table.rows() {
        let comment = row.u32("comment-id")?;
        if !ids.contains(&comment) {
            return Err(row.error(
                "comment-id",
                format!("comment {comment} is not in {COMMENTS_FILE}"),
            ));
        }
        let text = row.str("vote")?;
        let value = VoteValue::parse(text).ok_or_else(|| {
            row.error(
                "vote",
                format!("expected 1 (agree), -1 (disagree) or 0 (pass), found {text:?}"),
            )
        })?;
        votes.push(Vote {
            line: row.line,
            timestamp_ms: millis(&row, "timestamp")?,
            comment,
            voter: row.u32("voter-id")?,
            value,
        });
    }
    Ok(Conversation {
        id,
        topic,
        url,
        description,
        comments,
        votes,
    })
}

/// `participants-votes.csv`: the standing vote of each (participant, comment) pair, for
/// cross-checks. Columns after the fixed ones are comment ids; an empty cell is no vote.
pub fn parse_participants_votes(
    text: &str,
    file: &str,
) -> Result<BTreeMap<(u32, u32), VoteValue>, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| SourceError::new(file, 1, "(header)", e.to_string()))?
        .clone();
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            SourceError::new(file, line, "(record)", e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let participant: u32 = record
            .get(0)
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| SourceError::new(file, line, "participant", "not a number"))?;
        for (header, cell) in headers.iter().zip(record.iter()) {
            let Ok(comment) = header.trim().parse::<u32>() else {
                continue; // participant, group-id, n-votes…
            };
            if cell.trim().is_empty() {
                continue;
            }
            let value = VoteValue::parse(cell).ok_or_else(|| {
                SourceError::new(file, line, header, format!("unexpected vote {cell:?}"))
            })?;
            out.insert((participant, comment), value);
        }
    }
    Ok(out)
}

/// The two bundled conversations (copied into `ops/data/polis-opendata/`, see its SOURCE.md).
pub mod bundled {
    use super::ConversationFiles;

    macro_rules! conversation {
        ($folder:literal) => {
            ConversationFiles {
                summary: data_file!($folder, "summary.csv"),
                comments: data_file!($folder, "comments.csv"),
                votes: data_file!($folder, "votes.csv"),
            }
        };
    }
    macro_rules! data_file {
        ($folder:literal, $name:literal) => {
            (
                concat!($folder, "/", $name).to_string(),
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../ops/data/polis-opendata/",
                    $folder,
                    "/",
                    $name
                ))
                .to_string(),
            )
        };
    }

    /// vTaiwan, UberX (2015): 197 comments, 49,997 vote events.
    pub fn vtaiwan_uberx() -> ConversationFiles {
        conversation!("vtaiwan.uberx")
    }

    /// London, youth and policing (2022): 39 comments, 640 vote events.
    pub fn london_youth_policing() -> ConversationFiles {
        conversation!("london.youth.policing")
    }

    pub fn all() -> Vec<ConversationFiles> {
        vec![london_youth_policing(), vtaiwan_uberx()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_conversations_parse_with_every_comment_and_vote_event() {
        let london = parse_conversation(&bundled::london_youth_policing()).unwrap();
        assert_eq!(london.id, "9xxwa9jpkm");
        assert_eq!(
            london.topic,
            "What is the best way to engage more young people in local scrutiny of policing?"
        );
        assert_eq!(london.comments.len(), 39);
        assert_eq!(london.votes.len(), 640);
        let taiwan = parse_conversation(&bundled::vtaiwan_uberx()).unwrap();
        assert_eq!(taiwan.id, "3phdex2kjf");
        assert_eq!(taiwan.comments.len(), 197);
        assert_eq!(taiwan.votes.len(), 49_997);
        let hidden = taiwan
            .comments
            .iter()
            .filter(|c| c.moderation == Moderation::Rejected)
            .count();
        assert_eq!(hidden, 78);
        assert!(taiwan.description.unwrap().contains("UberX"));
    }

    fn with_votes(edit: impl Fn(&str) -> String) -> ConversationFiles {
        let mut files = bundled::london_youth_policing();
        files.votes.1 = edit(&files.votes.1);
        files
    }

    #[test]
    fn a_bad_vote_value_is_named_with_file_line_and_field() {
        let files = with_votes(|text| {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[4] = format!("{},2", lines[4].rsplit_once(',').unwrap().0);
            lines.join("\n")
        });
        let err = parse_conversation(&files).unwrap_err();
        assert_eq!(
            err.to_string(),
            "london.youth.policing/votes.csv:5: field `vote`: expected 1 (agree), -1 (disagree) or 0 (pass), found \"2\""
        );
    }

    #[test]
    fn a_vote_on_an_unknown_comment_is_refused() {
        let files = with_votes(|text| {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let fields: Vec<&str> = lines[2].split(',').collect();
            lines[2] = format!(
                "{},{},999,{},{}",
                fields[0], fields[1], fields[3], fields[4]
            );
            lines.join("\n")
        });
        let err = parse_conversation(&files).unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.field, "comment-id");
        assert!(
            err.message.contains("comment 999 is not in comments.csv"),
            "{err}"
        );
    }

    #[test]
    fn a_summary_without_a_topic_is_refused() {
        let mut files = bundled::london_youth_policing();
        files.summary.1 = files.summary.1.replacen("topic,", "subject,", 1);
        let err = parse_conversation(&files).unwrap_err();
        assert_eq!(err.field, "topic");
    }
}
