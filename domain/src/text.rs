//! The text model (articles made of paragraphs) and the one normalisation, tokenizer and word
//! diff used everywhere, so an amendment's own diff and a consolidated version's diff agree.
//!
//! Paragraph breaks: a normalised text separates paragraphs with exactly `"\n\n"`; inside a
//! paragraph words are separated by exactly one space. The diff works on tokens (words and
//! punctuation) and every chunk carries the exact normalised text it covers, *including* the
//! separator (`" "` or `"\n\n"`) in front of its first token. Hence concatenating the `Equal` and
//! `Insert` chunks gives the normalised new text byte for byte, and `Equal` + `Delete` gives the
//! old one; a paragraph break that appears or disappears shows up as an inserted or deleted
//! `"\n\n"`. When a deletion and an insertion both start with the same separator, that separator
//! is moved into the preceding equal chunk (`"de " [-douze] [+six] " mois"`).

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, DiffOp as Op};
use unicode_normalization::UnicodeNormalization;

use crate::ids::ArticleId;

mod bill_diff;
mod blame;
mod consolidate;
mod placeholder;

pub use bill_diff::{diff_bills, BillArticleDiff, Renumbering};
pub use blame::{Blame, BlameError, BlameSpan};

pub use consolidate::{
    apply_amendments, inserted_article_id, AmendmentEdit, ApplyError, INSERTED_ARTICLE_NAMESPACE,
};
pub use placeholder::{resolve_placeholders, PlaceholderError};

/// One article of one version of a bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    /// As displayed: "1", "17 bis", "37 A".
    pub number: String,
    pub heading: Option<String>,
    /// The paragraphs (alinéas) of the body.
    pub paragraphs: Vec<String>,
}

impl Article {
    /// The body: paragraphs joined by a blank line (`"\n\n"`), not normalised.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

const PARAGRAPH_BREAK: &str = "\n\n";

/// NFC; no-break spaces (U+00A0, U+202F, U+2007) become spaces and the non-breaking hyphen
/// (U+2011) a hyphen-minus; inside a paragraph every run of whitespace becomes one space; a run
/// of whitespace holding two or more line breaks is a paragraph break, written `"\n\n"`; the
/// result is trimmed and has no empty paragraph.
pub fn normalize_text(input: &str) -> String {
    let mapped: String = input
        .nfc()
        .map(|c| match c {
            '\u{00A0}' | '\u{202F}' | '\u{2007}' => ' ',
            '\u{2011}' => '-',
            other => other,
        })
        .collect();
    let mut out = String::with_capacity(mapped.len());
    let mut pending_newlines: Option<usize> = None;
    for c in mapped.chars() {
        if c.is_whitespace() {
            let newlines = pending_newlines.get_or_insert(0);
            if c == '\n' {
                *newlines += 1;
            }
            continue;
        }
        if let Some(newlines) = pending_newlines.take() {
            if !out.is_empty() {
                out.push_str(if newlines >= 2 { PARAGRAPH_BREAK } else { " " });
            }
        }
        out.push(c);
    }
    out
}

/// Normalises each paragraph and joins the non-empty ones with `"\n\n"`.
pub fn normalize_paragraphs(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| normalize_text(p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(PARAGRAPH_BREAK)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn joins_words(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\'' | '\u{2019}')
}

fn joins_digits(c: char) -> bool {
    matches!(c, '.' | ',')
}

/// Tokens with the whitespace in front of each (empty for the first token).
fn tokens_with_separators(text: &str) -> Vec<(&str, &str)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut separator_start = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if is_word_char(c) {
            while j < chars.len() {
                let (_, d) = chars[j];
                let next_is_word = chars.get(j + 1).is_some_and(|&(_, n)| is_word_char(n));
                let prev = chars[j - 1].1;
                if is_word_char(d)
                    || (joins_words(d) && next_is_word)
                    || (joins_digits(d)
                        && prev.is_numeric()
                        && chars.get(j + 1).is_some_and(|&(_, n)| n.is_numeric()))
                {
                    j += 1;
                } else {
                    break;
                }
            }
        }
        let end = chars.get(j).map_or(text.len(), |&(offset, _)| offset);
        tokens.push((&text[separator_start..start], &text[start..end]));
        separator_start = end;
        i = j;
    }
    tokens
}

/// Words and punctuation marks as tokens; whitespace separates and is dropped. A word keeps an
/// inner hyphen or apostrophe ("533-4", "l’article") and a decimal point or comma between digits.
pub fn tokenize_words(text: &str) -> Vec<&str> {
    tokens_with_separators(text)
        .into_iter()
        .map(|(_, token)| token)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffChunk {
    pub op: DiffOp,
    pub text: String,
}

/// Word diff of the normalised texts. See the module documentation for the chunk guarantees.
pub fn diff_words(old: &str, new: &str) -> Vec<DiffChunk> {
    let old = normalize_text(old);
    let new = normalize_text(new);
    diff_normalized(&old, &new)
}

/// Paragraph-first token alignment of two normalised texts, as `similar` ops over token indexes.
///
/// Whole paragraphs are aligned first (Myers over paragraphs compared by their words); only the
/// words of each run of differing paragraphs are then aligned (Myers over tokens). So an edit
/// confined to one alinéa (one item "2° …" of a list) is always reported inside that alinéa,
/// never spread over neighbours that share most of its words, and a paragraph left as it was is
/// always one equal run. Used by [`diff_words`], [`diff_articles`] and [`Blame`].
fn align_tokens(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<Op> {
    fn paragraphs<'t>(tokens: &[(&str, &'t str)]) -> (Vec<usize>, Vec<&'t str>) {
        let starts = (0..tokens.len())
            .filter(|&k| k == 0 || tokens[k].0 == PARAGRAPH_BREAK)
            .collect();
        (starts, tokens.iter().map(|&(_, t)| t).collect())
    }
    let (old_starts, old_words) = paragraphs(old);
    let (new_starts, new_words) = paragraphs(new);
    fn slices<'w>(starts: &[usize], words: &'w [&'w str]) -> Vec<&'w [&'w str]> {
        (0..starts.len())
            .map(|p| &words[starts[p]..starts.get(p + 1).copied().unwrap_or(words.len())])
            .collect()
    }
    let old_paragraphs = slices(&old_starts, &old_words);
    let new_paragraphs = slices(&new_starts, &new_words);
    // Token index where paragraph `p` starts (`p == len` is the end of the text).
    let old_at = |p: usize| old_starts.get(p).copied().unwrap_or(old_words.len());
    let new_at = |p: usize| new_starts.get(p).copied().unwrap_or(new_words.len());

    let mut ops = Vec::new();
    let words_of_region =
        |ops: &mut Vec<Op>, old_range: (usize, usize), new_range: (usize, usize)| {
            let (old_from, old_to) = (old_at(old_range.0), old_at(old_range.1));
            let (new_from, new_to) = (new_at(new_range.0), new_at(new_range.1));
            for op in capture_diff_slices(
                Algorithm::Myers,
                &old_words[old_from..old_to],
                &new_words[new_from..new_to],
            ) {
                ops.push(shift(op, old_from, new_from));
            }
        };
    // Pending run of differing paragraphs: (old start, new start).
    let mut region: Option<((usize, usize), (usize, usize))> = None;
    for op in capture_diff_slices(Algorithm::Myers, &old_paragraphs, &new_paragraphs) {
        let (old_range, new_range) = (op.old_range(), op.new_range());
        if let Op::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            if let Some((old_region, new_region)) = region.take() {
                words_of_region(&mut ops, old_region, new_region);
            }
            let (old_from, new_from) = (old_at(old_index), new_at(new_index));
            ops.push(Op::Equal {
                old_index: old_from,
                new_index: new_from,
                len: old_at(old_index + len) - old_from,
            });
        } else {
            let (old_region, new_region) = region.get_or_insert((
                (old_range.start, old_range.start),
                (new_range.start, new_range.start),
            ));
            old_region.1 = old_range.end;
            new_region.1 = new_range.end;
        }
    }
    if let Some((old_region, new_region)) = region {
        words_of_region(&mut ops, old_region, new_region);
    }
    ops
}

fn shift(op: Op, old_offset: usize, new_offset: usize) -> Op {
    match op {
        Op::Equal {
            old_index,
            new_index,
            len,
        } => Op::Equal {
            old_index: old_index + old_offset,
            new_index: new_index + new_offset,
            len,
        },
        Op::Delete {
            old_index,
            old_len,
            new_index,
        } => Op::Delete {
            old_index: old_index + old_offset,
            old_len,
            new_index: new_index + new_offset,
        },
        Op::Insert {
            old_index,
            new_index,
            new_len,
        } => Op::Insert {
            old_index: old_index + old_offset,
            new_index: new_index + new_offset,
            new_len,
        },
        Op::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => Op::Replace {
            old_index: old_index + old_offset,
            old_len,
            new_index: new_index + new_offset,
            new_len,
        },
    }
}

fn diff_normalized(old: &str, new: &str) -> Vec<DiffChunk> {
    let old_tokens = tokens_with_separators(old);
    let new_tokens = tokens_with_separators(new);

    let mut raw: Vec<(DiffOp, String)> = Vec::new();
    let joined =
        |tokens: &[(&str, &str)]| -> String { tokens.iter().flat_map(|&(s, t)| [s, t]).collect() };
    for op in align_tokens(&old_tokens, &new_tokens) {
        match op {
            Op::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    let (old_sep, word) = old_tokens[old_index + k];
                    let (new_sep, _) = new_tokens[new_index + k];
                    if old_sep == new_sep {
                        raw.push((DiffOp::Equal, format!("{new_sep}{word}")));
                    } else {
                        raw.push((DiffOp::Delete, old_sep.to_owned()));
                        raw.push((DiffOp::Insert, new_sep.to_owned()));
                        raw.push((DiffOp::Equal, word.to_owned()));
                    }
                }
            }
            Op::Delete {
                old_index, old_len, ..
            } => raw.push((
                DiffOp::Delete,
                joined(&old_tokens[old_index..old_index + old_len]),
            )),
            Op::Insert {
                new_index, new_len, ..
            } => raw.push((
                DiffOp::Insert,
                joined(&new_tokens[new_index..new_index + new_len]),
            )),
            Op::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                raw.push((
                    DiffOp::Delete,
                    joined(&old_tokens[old_index..old_index + old_len]),
                ));
                raw.push((
                    DiffOp::Insert,
                    joined(&new_tokens[new_index..new_index + new_len]),
                ));
            }
        }
    }
    regroup(raw)
}

/// Merges adjacent equal chunks; between two equal chunks, gathers all deletions into one
/// `Delete` followed by one `Insert` (which keeps both reconstructions exact), then moves a
/// separator shared by that deletion and insertion into the preceding equal chunk.
fn regroup(raw: Vec<(DiffOp, String)>) -> Vec<DiffChunk> {
    let mut chunks: Vec<DiffChunk> = Vec::new();
    let mut deleted = String::new();
    let mut inserted = String::new();
    let flush = |chunks: &mut Vec<DiffChunk>, deleted: &mut String, inserted: &mut String| {
        if !deleted.is_empty() && !inserted.is_empty() {
            let shared: String = deleted
                .chars()
                .zip(inserted.chars())
                .take_while(|(a, b)| a == b && a.is_whitespace())
                .map(|(a, _)| a)
                .collect();
            if !shared.is_empty() && shared.len() < deleted.len() && shared.len() < inserted.len() {
                match chunks.last_mut() {
                    Some(last) if last.op == DiffOp::Equal => last.text.push_str(&shared),
                    _ => chunks.push(DiffChunk {
                        op: DiffOp::Equal,
                        text: shared.clone(),
                    }),
                }
                deleted.drain(..shared.len());
                inserted.drain(..shared.len());
            }
        }
        for (op, text) in [(DiffOp::Delete, deleted), (DiffOp::Insert, inserted)] {
            if !text.is_empty() {
                chunks.push(DiffChunk {
                    op,
                    text: std::mem::take(text),
                });
            }
        }
    };
    for (op, text) in raw {
        match op {
            DiffOp::Delete => deleted.push_str(&text),
            DiffOp::Insert => inserted.push_str(&text),
            DiffOp::Equal => {
                flush(&mut chunks, &mut deleted, &mut inserted);
                if text.is_empty() {
                    continue;
                }
                match chunks.last_mut() {
                    Some(last) if last.op == DiffOp::Equal => last.text.push_str(&text),
                    _ => chunks.push(DiffChunk {
                        op: DiffOp::Equal,
                        text,
                    }),
                }
            }
        }
    }
    flush(&mut chunks, &mut deleted, &mut inserted);
    chunks
}

/// Concatenates the chunks one side sees: `Equal` + `Insert` for the new text, `Equal` +
/// `Delete` for the old one.
pub fn apply_chunks(chunks: &[DiffChunk], side: DiffSide) -> String {
    let kept = match side {
        DiffSide::Old => DiffOp::Delete,
        DiffSide::New => DiffOp::Insert,
    };
    chunks
        .iter()
        .filter(|c| c.op == DiffOp::Equal || c.op == kept)
        .map(|c| c.text.as_str())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffSide {
    Old,
    New,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Unchanged,
    Modified,
    Inserted,
    Deleted,
}

/// How one article changed between two versions. `chunks` diff the bodies (paragraphs, see
/// the module documentation); a change of number or heading alone also counts as `Modified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDiff {
    pub status: ArticleStatus,
    pub number_before: Option<String>,
    pub number_after: Option<String>,
    pub heading_before: Option<String>,
    pub heading_after: Option<String>,
    pub chunks: Vec<DiffChunk>,
}

pub fn diff_articles(old: Option<&Article>, new: Option<&Article>) -> ArticleDiff {
    let old_body = old.map_or_else(String::new, |a| normalize_paragraphs(&a.paragraphs));
    let new_body = new.map_or_else(String::new, |a| normalize_paragraphs(&a.paragraphs));
    let chunks = diff_normalized(&old_body, &new_body);
    let heading = |a: Option<&Article>| a.and_then(|a| a.heading.as_deref().map(normalize_text));
    let number = |a: Option<&Article>| a.map(|a| normalize_text(&a.number));
    let status = match (old, new) {
        (None, None) => ArticleStatus::Unchanged,
        (None, Some(_)) => ArticleStatus::Inserted,
        (Some(_), None) => ArticleStatus::Deleted,
        (Some(_), Some(_)) => {
            if old_body == new_body && heading(old) == heading(new) && number(old) == number(new) {
                ArticleStatus::Unchanged
            } else {
                ArticleStatus::Modified
            }
        }
    };
    ArticleDiff {
        status,
        number_before: old.map(|a| a.number.clone()),
        number_after: new.map(|a| a.number.clone()),
        heading_before: old.and_then(|a| a.heading.clone()),
        heading_after: new.and_then(|a| a.heading.clone()),
        chunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn chunk(op: DiffOp, text: &str) -> DiffChunk {
        DiffChunk {
            op,
            text: text.to_owned(),
        }
    }

    fn assert_round_trip(old: &str, new: &str) -> Vec<DiffChunk> {
        let chunks = diff_words(old, new);
        assert_eq!(apply_chunks(&chunks, DiffSide::New), normalize_text(new));
        assert_eq!(apply_chunks(&chunks, DiffSide::Old), normalize_text(old));
        for pair in chunks.windows(2) {
            assert_ne!(
                pair[0].op, pair[1].op,
                "adjacent chunks share an op: {chunks:?}"
            );
        }
        assert!(chunks.iter().all(|c| !c.text.is_empty()));
        chunks
    }

    #[test]
    fn no_break_spaces_and_hyphens_are_normalised() {
        assert_eq!(
            normalize_text("article\u{00A0}L.\u{202F}533\u{2011}4 :\u{2007}x"),
            "article L. 533-4 : x"
        );
    }

    #[test]
    fn normalisation_composes_accents_and_collapses_whitespace() {
        assert_eq!(
            normalize_text("  de\u{301}lai \t  de\n douze  "),
            "délai de douze"
        );
        assert_eq!(
            normalize_text("premier.\n\n\n  second."),
            "premier.\n\nsecond."
        );
        assert_eq!(normalize_text(" \n\n "), "");
    }

    #[test]
    fn tokenizer_keeps_legal_references_sensible() {
        assert_eq!(
            tokenize_words("l’article L. 533-4 du code, alinéa 2,5 ; (douze)"),
            vec![
                "l’article",
                "L",
                ".",
                "533-4",
                "du",
                "code",
                ",",
                "alinéa",
                "2,5",
                ";",
                "(",
                "douze",
                ")"
            ]
        );
        assert_eq!(tokenize_words("fin -"), vec!["fin", "-"]);
    }

    #[test]
    fn douze_mois_becomes_six_mois() {
        let chunks = assert_round_trip(
            "dans un délai de douze mois à compter de la promulgation",
            "dans un délai de six mois à compter de la promulgation",
        );
        assert_eq!(
            chunks,
            vec![
                chunk(DiffOp::Equal, "dans un délai de "),
                chunk(DiffOp::Delete, "douze"),
                chunk(DiffOp::Insert, "six"),
                chunk(DiffOp::Equal, " mois à compter de la promulgation"),
            ]
        );
    }

    #[test]
    fn diff_round_trips_on_handwritten_pairs() {
        let pairs = [
            ("", ""),
            ("", "Texte nouveau."),
            ("Texte supprimé.", ""),
            ("a b", "a b c"),
            ("a b", "x a b"),
            ("mois.", "mois ."),
            ("premier alinéa.\n\nsecond alinéa.", "premier alinéa. second alinéa."),
            (
                "Après l’article L. 533-4, il est inséré un article ainsi rédigé :",
                "Après l’article L.\u{00A0}533\u{2011}5, il est inséré deux articles ainsi rédigés :",
            ),
            ("a b c d e", "e d c b a"),
        ];
        for (old, new) in pairs {
            assert_round_trip(old, new);
        }
    }

    #[test]
    fn appended_words_are_one_insertion() {
        assert_eq!(
            assert_round_trip("a b", "a b c d"),
            vec![chunk(DiffOp::Equal, "a b"), chunk(DiffOp::Insert, " c d")]
        );
    }

    fn article(number: &str, paragraphs: &[&str]) -> Article {
        Article {
            id: ArticleId(Uuid::nil()),
            number: number.to_owned(),
            heading: None,
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn article_diff_reports_status_and_paragraph_breaks() {
        let before = article("1", &["Premier alinéa.", "Second alinéa."]);
        let after = article("1", &["Premier alinéa.", "Second alinéa modifié."]);
        let diff = diff_articles(Some(&before), Some(&after));
        assert_eq!(diff.status, ArticleStatus::Modified);
        assert_eq!(
            apply_chunks(&diff.chunks, DiffSide::New),
            "Premier alinéa.\n\nSecond alinéa modifié."
        );
        assert_eq!(
            diff_articles(Some(&before), Some(&before)).status,
            ArticleStatus::Unchanged
        );
        let inserted = diff_articles(None, Some(&after));
        assert_eq!(inserted.status, ArticleStatus::Inserted);
        assert_eq!(inserted.number_before, None);
        assert_eq!(
            inserted.chunks,
            vec![chunk(
                DiffOp::Insert,
                "Premier alinéa.\n\nSecond alinéa modifié."
            )]
        );
        assert_eq!(
            diff_articles(Some(&before), None).status,
            ArticleStatus::Deleted
        );
        let renumbered = article("1 bis", &["Premier alinéa.", "Second alinéa."]);
        assert_eq!(
            diff_articles(Some(&before), Some(&renumbered)).status,
            ArticleStatus::Modified
        );
    }

    /// Byte ranges of the old and the new normalised text that the diff deletes or inserts.
    pub(crate) fn changed_ranges(
        chunks: &[DiffChunk],
    ) -> (Vec<std::ops::Range<usize>>, Vec<std::ops::Range<usize>>) {
        let (mut old_at, mut new_at) = (0, 0);
        let (mut deleted, mut inserted) = (Vec::new(), Vec::new());
        for chunk in chunks {
            let len = chunk.text.len();
            match chunk.op {
                DiffOp::Equal => {
                    old_at += len;
                    new_at += len;
                }
                DiffOp::Delete => {
                    deleted.push(old_at..old_at + len);
                    old_at += len;
                }
                DiffOp::Insert => {
                    inserted.push(new_at..new_at + len);
                    new_at += len;
                }
            }
        }
        (deleted, inserted)
    }

    pub(crate) const FOUR_ITEMS: [&str; 5] = [
        "L’article L. 1114-2 du code des transports est ainsi modifié :",
        "1° Au premier alinéa, les mots : « organisations syndicales représentatives » sont remplacés par les mots : « organisations syndicales représentatives au niveau de l’entreprise » ;",
        "2° Au deuxième alinéa, les mots : « organisations syndicales représentatives » sont remplacés par les mots : « organisations syndicales représentatives au niveau de la branche » ;",
        "3° Au troisième alinéa, les mots : « organisations syndicales représentatives » sont remplacés par les mots : « organisations syndicales représentatives au niveau national » ;",
        "4° Au dernier alinéa, les mots : « organisations syndicales représentatives » sont supprimés.",
    ];

    pub(crate) const FIRST_ITEM_AMENDED: &str = "1° Au premier alinéa, les mots : « organisations syndicales représentatives » sont remplacés par les mots : « organisations syndicales représentatives au niveau de la branche » et le mot : « trois » est remplacé par le mot : « cinq » ;";

    /// Case of issue 4: an amendment changes only the first item of a four-item list (items
    /// that share most of their words); the diff must touch only that item.
    #[test]
    fn an_amendment_to_the_first_item_of_a_four_item_list_touches_only_that_item() {
        let old = FOUR_ITEMS.join("\n\n");
        let mut items = FOUR_ITEMS;
        items[1] = FIRST_ITEM_AMENDED;
        let new = items.join("\n\n");
        let chunks = assert_round_trip(&old, &new);
        let item = |text: &str, item: &str| {
            let start = text.find(item).unwrap();
            start..start + item.len()
        };
        let (deleted, inserted) = changed_ranges(&chunks);
        assert!(!inserted.is_empty());
        let old_item = item(&old, FOUR_ITEMS[1]);
        let new_item = item(&new, FIRST_ITEM_AMENDED);
        for range in &deleted {
            assert!(
                old_item.start <= range.start && range.end <= old_item.end,
                "{chunks:?}"
            );
        }
        for range in &inserted {
            assert!(
                new_item.start <= range.start && range.end <= new_item.end,
                "{chunks:?}"
            );
        }
        let last = chunks.last().unwrap();
        assert_eq!(last.op, DiffOp::Equal);
        assert!(last
            .text
            .ends_with(&format!(" ;\n\n{}", FOUR_ITEMS[2..].join("\n\n"))));
    }

    mod properties {
        use super::super::*;
        use super::changed_ranges;
        use proptest::prelude::*;

        /// Pieces of legislative French, separators and Unicode traps (no-break spaces,
        /// decomposed accents, line breaks) that texts are made of.
        const PIECES: &[&str] = &[
            "de",
            "la",
            "le",
            "mots",
            "alinéa",
            "délai",
            "de\u{301}lai",
            "douze",
            "six",
            "mois",
            "1°",
            "2°",
            "II.",
            "–",
            "-",
            "l’article",
            "L.",
            "533-4",
            "2,5",
            ",",
            ";",
            ":",
            ".",
            "«",
            "»",
            "(",
            ")",
            " ",
            " ",
            " ",
            "\u{00A0}",
            "\u{202F}",
            "\n",
            "\n\n",
            "\n \n",
            "\t",
        ];

        fn text() -> impl Strategy<Value = String> {
            proptest::collection::vec(proptest::sample::select(PIECES), 0..60)
                .prop_map(|pieces| pieces.concat())
        }

        fn words() -> impl Strategy<Value = String> {
            proptest::collection::vec(proptest::sample::select(&PIECES[..25]), 1..25)
                .prop_map(|pieces| pieces.join(" "))
        }

        proptest! {
            #[test]
            fn a_diff_reconstructs_both_normalised_texts(old in text(), new in text()) {
                let chunks = diff_words(&old, &new);
                prop_assert_eq!(apply_chunks(&chunks, DiffSide::New), normalize_text(&new));
                prop_assert_eq!(apply_chunks(&chunks, DiffSide::Old), normalize_text(&old));
                prop_assert!(chunks.iter().all(|c| !c.text.is_empty()));
                prop_assert!(chunks.windows(2).all(|pair| pair[0].op != pair[1].op));
            }

            #[test]
            fn a_text_diffed_with_itself_has_no_change(text in text()) {
                let chunks = diff_words(&text, &text);
                prop_assert!(chunks.iter().all(|c| c.op == DiffOp::Equal), "{:?}", chunks);
                prop_assert_eq!(apply_chunks(&chunks, DiffSide::New), normalize_text(&text));
            }

            /// Whatever the items share, an edit of item `i` is reported inside item `i`.
            #[test]
            fn an_edit_inside_one_item_is_reported_inside_that_item(
                bodies in proptest::collection::vec(words(), 2..6),
                replacement in words(),
                pick in any::<proptest::sample::Index>(),
            ) {
                let items: Vec<String> =
                    bodies.iter().enumerate().map(|(n, b)| format!("{}° {b}", n + 1)).collect();
                let i = pick.index(items.len());
                let mut edited = items.clone();
                edited[i] = format!("{}° {replacement}", i + 1);
                let (old, new) = (normalize_text(&items.join("\n\n")), normalize_text(&edited.join("\n\n")));
                let span = |text: &str, i: usize| {
                    let paragraphs: Vec<&str> = text.split("\n\n").collect();
                    let start: usize = paragraphs[..i].iter().map(|p| p.len() + 2).sum();
                    // The break in front of or after the item may be part of the change.
                    start.saturating_sub(2)..(start + paragraphs[i].len() + 2).min(text.len())
                };
                let (deleted, inserted) = changed_ranges(&diff_words(&old, &new));
                let (old_span, new_span) = (span(&old, i), span(&new, i));
                for range in deleted {
                    prop_assert!(old_span.start <= range.start && range.end <= old_span.end);
                }
                for range in inserted {
                    prop_assert!(new_span.start <= range.start && range.end <= new_span.end);
                }
            }
        }
    }

    #[test]
    fn diff_chunks_serialise_with_lowercase_ops() {
        assert_eq!(
            serde_json::to_string(&chunk(DiffOp::Insert, "six")).unwrap(),
            r#"{"op":"insert","text":"six"}"#
        );
    }
}
