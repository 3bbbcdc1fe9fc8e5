//! Pure parsers of the real "République numérique" sources (2015 bill history and consultation).
//!
//! Every parser takes the file content (`&str`) and the file name used in error messages, does no
//! I/O, never panics, and refuses malformed input with a [`SourceError`] naming file, line and
//! field. The data files themselves ship with the binary, see [`bundled`].

pub mod article9;
pub mod bill_history;
pub mod consultation;
pub mod error;
pub mod fabrique;
pub mod html;
pub mod identity;
pub mod markdown;
pub mod polis;
mod record;

pub use error::SourceError;

/// The source files, compiled into the binary (copied from the shared data extract into
/// `ops/data/republique-numerique/`, see the `SOURCE.md` next to each file).
pub mod bundled {
    macro_rules! data {
        ($path:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../ops/data/republique-numerique/",
                $path
            ))
        };
    }

    /// File names as used in error messages.
    pub const COMMITS_FILE: &str = "bill-history/commits.jsonl";
    pub const CONTRIBUTIONS_FILE: &str = "consultation/contributions.csv";
    pub const OPINIONS_FILE: &str = "consultation/opinions.jsonl";
    pub const OPINION_ARGUMENTS_FILE: &str = "consultation/opinion_arguments.csv";
    pub const ARTICLE9_ARTICLE_FILE: &str = "article9/article.json";
    pub const ARTICLE9_MODIFICATIONS_FILE: &str = "article9/modifications.jsonl";
    pub const ARTICLE9_VOTES_FILE: &str = "article9/votes.csv";
    pub const ARTICLE9_ARGUMENTS_FILE: &str = "article9/arguments.csv";

    /// `GouvernementFR/RepubliqueNumerique`, 138 commits.
    pub const COMMITS: &str = data!("bill-history/commits.jsonl");
    pub const CONTRIBUTIONS: &str = data!("consultation/contributions.csv");
    pub const OPINIONS: &str = data!("consultation/opinions.jsonl");
    pub const OPINION_ARGUMENTS: &str = data!("consultation/opinion_arguments.csv");
    pub const ARTICLE9_ARTICLE: &str = data!("article9/article.json");
    pub const ARTICLE9_MODIFICATIONS: &str = data!("article9/modifications.jsonl");
    pub const ARTICLE9_VOTES: &str = data!("article9/votes.csv");
    pub const ARTICLE9_ARGUMENTS: &str = data!("article9/arguments.csv");
}

/// Canonical (NFC) form of a text.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// The stable key of a republique-numerique.fr contribution URL: the path after `/opinions/`,
/// without trailing slash (the site used `/projects/…` and `/consultations/…` prefixes and both
/// `http` and `https`). `None` when the URL has no `/opinions/` part.
pub fn contribution_key(url: &str) -> Option<String> {
    let (_, rest) = url.trim().split_once("/opinions/")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        None
    } else {
        Some(rest.to_string())
    }
}

/// Parses the timestamps of the sources: RFC 3339 (`2015-09-25T00:00:00+02:00`) or the
/// platform's form without colon in the offset (`2015-09-26T02:27:54+0200`).
pub fn parse_timestamp(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
}

#[cfg(test)]
mod tests;
