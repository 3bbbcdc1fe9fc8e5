//! Placeholders of French drafting: a new text writes an unchanged division as
//! "II. – (Non modifié)" (also "II. - Non modifié", "(non modifiée)", "I et II. – (Non modifiés)",
//! "1° à 3° (Non modifiés)"), and [`resolve_placeholders`] puts the earlier text back in its place.
//!
//! Divisions start with a label: a roman numeral followed by a dot and a dash ("I. –", "II bis. -"),
//! or an item, an arabic numeral followed by "°" ("1°", "2° bis") or by a dot ("1."). Items
//! belong to the roman division they follow. "(Supprimé)" is not a placeholder: it states that a
//! division was deleted, and stays in the text as written.

use std::ops::Range;

use super::normalize_text;

/// Why a placeholder cannot be resolved. Each names the placeholder as written and the division.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    #[error("the placeholder « {placeholder} » keeps {division} of the previous text, but there is no previous text (a new article); write it out in full")]
    NoPreviousText {
        placeholder: String,
        division: String,
    },
    #[error("the placeholder « {placeholder} » keeps {division} of the previous text, which has no such division; write it out in full or correct the numeral")]
    NoSuchDivision {
        placeholder: String,
        division: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// "I. –", "II bis. –"
    Roman,
    /// "1°", "2° bis", "3."
    Item,
}

/// One division: its kind, its number and its Latin suffix index (0 = none, 1 = bis, 2 = ter…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Division {
    kind: Kind,
    number: u32,
    suffix: usize,
}

const SUFFIXES: [&str; 10] = [
    "",
    "bis",
    "ter",
    "quater",
    "quinquies",
    "sexies",
    "septies",
    "octies",
    "nonies",
    "decies",
];

impl Division {
    fn name(&self) -> String {
        let number = match self.kind {
            Kind::Roman => to_roman(self.number),
            Kind::Item => format!("{}°", self.number),
        };
        let suffix = SUFFIXES[self.suffix];
        let kind = match self.kind {
            Kind::Roman => "division",
            Kind::Item => "item",
        };
        if suffix.is_empty() {
            format!("{kind} {number}")
        } else {
            format!("{kind} {number} {suffix}")
        }
    }
}

/// A paragraph's leading label: the divisions it names and the byte length of the label
/// (including the space after it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Label {
    divisions: Vec<Division>,
    len: usize,
}

fn roman_value(numeral: &str) -> Option<u32> {
    let digit = |c| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let digits: Vec<u32> = numeral.chars().map(digit).collect::<Option<_>>()?;
    if digits.is_empty() {
        return None;
    }
    let mut total = 0;
    for (i, &d) in digits.iter().enumerate() {
        if digits.get(i + 1).is_some_and(|&next| next > d) {
            total -= d as i64;
        } else {
            total += d as i64;
        }
    }
    u32::try_from(total)
        .ok()
        .filter(|&v| v > 0 && to_roman(v) == numeral)
}

fn to_roman(mut value: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while value >= v {
            out.push_str(s);
            value -= v;
        }
    }
    out
}

/// Reads one numeral with its optional suffix at the start of `text`: the division (without
/// kind for roman until the terminator confirms it) and the bytes consumed.
fn numeral(text: &str, kind: Kind) -> Option<(Division, usize)> {
    let (number, mut used) = match kind {
        Kind::Roman => {
            let end = text
                .find(|c: char| !matches!(c, 'I' | 'V' | 'X' | 'L' | 'C' | 'D' | 'M'))
                .unwrap_or(text.len());
            (roman_value(&text[..end])?, end)
        }
        Kind::Item => {
            let end = text
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(text.len());
            let number = text[..end].parse().ok().filter(|&n| n > 0)?;
            // "1°" (and the ordinal indicator "1º" often typed for it); "1." is read by the caller.
            let degree = text[end..]
                .chars()
                .next()
                .filter(|&c| c == '°' || c == 'º')
                .map_or(0, char::len_utf8);
            (number, end + degree)
        }
    };
    let mut suffix = 0;
    if let Some(after) = text[used..].strip_prefix(' ') {
        for (index, candidate) in SUFFIXES.iter().enumerate().skip(1) {
            let follows = after.strip_prefix(candidate).and_then(|r| r.chars().next());
            if matches!(follows, Some(' ' | '.' | ',')) || after == *candidate {
                suffix = index;
                used += 1 + candidate.len();
                break;
            }
        }
    }
    Some((
        Division {
            kind,
            number,
            suffix,
        },
        used,
    ))
}

/// The label at the start of a normalised paragraph, if any.
fn label(paragraph: &str) -> Option<Label> {
    roman_label(paragraph).or_else(|| item_label(paragraph))
}

/// "I. – ", "II bis. - ", "I et II. – ", "I à III. – ".
fn roman_label(paragraph: &str) -> Option<Label> {
    let (divisions, mut at) = numeral_list(paragraph, Kind::Roman)?;
    let rest = paragraph[at..].strip_prefix('.')?;
    at += 1;
    let trimmed = rest.trim_start_matches(' ');
    at += rest.len() - trimmed.len();
    let dash = trimmed
        .chars()
        .next()
        .filter(|c| matches!(c, '–' | '—' | '-'))?;
    at += dash.len_utf8();
    let after = &paragraph[at..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    at += usize::from(after.starts_with(' '));
    Some(Label { divisions, len: at })
}

/// "1° ", "2° bis ", "1° et 2° ", "1° à 3° ", "1. ".
fn item_label(paragraph: &str) -> Option<Label> {
    let (divisions, mut at) = numeral_list(paragraph, Kind::Item)?;
    let degree = paragraph[..at].contains(['°', 'º']);
    if !degree {
        // "1. Texte": the dot form names a single item.
        if divisions.len() != 1 {
            return None;
        }
        at += usize::from(paragraph[at..].starts_with('.'));
        if at == 0 || !paragraph[..at].ends_with('.') {
            return None;
        }
    }
    let after = &paragraph[at..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    at += usize::from(after.starts_with(' '));
    Some(Label { divisions, len: at })
}

/// One or more numerals joined by " et ", ", " or " à " (a range, expanded).
fn numeral_list(text: &str, kind: Kind) -> Option<(Vec<Division>, usize)> {
    let (first, mut at) = numeral(text, kind)?;
    let mut divisions = vec![first];
    loop {
        let rest = &text[at..];
        let (joiner, range) = if let Some(r) = rest.strip_prefix(" et ") {
            (rest.len() - r.len(), false)
        } else if let Some(r) = rest.strip_prefix(" à ") {
            (rest.len() - r.len(), true)
        } else if let Some(r) = rest.strip_prefix(", ") {
            (rest.len() - r.len(), false)
        } else {
            break;
        };
        let Some((next, used)) = numeral(&rest[joiner..], kind) else {
            break;
        };
        let last = *divisions.last().expect("one numeral at least");
        if range && last.suffix == 0 && next.suffix == 0 && last.number < next.number {
            divisions.extend((last.number + 1..next.number).map(|number| Division {
                kind,
                number,
                suffix: 0,
            }));
        }
        divisions.push(next);
        at += joiner + used;
    }
    Some((divisions, at))
}

/// Whether the text after a label says "unchanged": "(Non modifié)", "Non modifiés.", …
fn is_unchanged_marker(rest: &str) -> bool {
    let rest = rest.trim().trim_end_matches('.').trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim()
        .to_lowercase();
    matches!(
        inner.as_str(),
        "non modifié" | "non modifiée" | "non modifiés" | "non modifiées"
    )
}

/// The divisions of a previous text: paragraph ranges, looked up by label and roman context.
struct Divisions<'p> {
    paragraphs: &'p [String],
    labels: Vec<Option<Division>>,
}

impl<'p> Divisions<'p> {
    fn new(paragraphs: &'p [String]) -> Self {
        let labels = paragraphs
            .iter()
            .map(|p| label(&normalize_text(p)).map(|l| l.divisions[0]))
            .collect();
        Self { paragraphs, labels }
    }

    fn has_any(&self) -> bool {
        self.labels.iter().any(Option::is_some)
    }

    /// The paragraphs of `division`; an item is searched inside the roman division `within`
    /// when the previous text has it, else in the whole text.
    fn find(&self, division: Division, within: Option<Division>) -> Option<Range<usize>> {
        let all = 0..self.paragraphs.len();
        let scope = match (division.kind, within) {
            (Kind::Item, Some(roman)) => self.range_in(roman, all.clone()).unwrap_or(all),
            _ => all,
        };
        self.range_in(division, scope)
    }

    fn range_in(&self, division: Division, scope: Range<usize>) -> Option<Range<usize>> {
        let start = scope.clone().find(|&i| self.labels[i] == Some(division))?;
        let end = (start + 1..scope.end)
            .find(|&i| {
                self.labels[i].is_some_and(|l| l.kind == Kind::Roman || l.kind == division.kind)
            })
            .unwrap_or(scope.end);
        Some(start..end)
    }
}

/// Puts the previous text back in place of each placeholder of `new_paragraphs`.
///
/// Resolved form:
/// - a placeholder naming divisions that the previous text has ("II. – (Non modifié)", "1° et
///   2° (Non modifiés)") is replaced by those divisions' paragraphs exactly as they were, label
///   included, so a word diff against the previous text reports them as equal;
/// - an item is looked up inside the roman division the placeholder stands in (the last roman
///   label above it in the new text), or in the whole previous text when that has no such roman
///   division;
/// - when the previous text had no divisions at all and the new text holds a single placeholder
///   naming a single division, the whole previous text is that division: its first paragraph is
///   prefixed with the placeholder's label as written ("II. – "), the others follow unchanged.
///   A diff against the previous text then reports only the new divisions and that label as
///   inserted, and keeps every earlier word as equal;
/// - a paragraph that is only "(Non modifié)" keeps the whole previous text.
///
/// Paragraphs that are not placeholders ("II. – (Supprimé)" included) are kept as they are.
pub fn resolve_placeholders(
    previous: Option<&super::Article>,
    new_paragraphs: &[String],
) -> Result<Vec<String>, PlaceholderError> {
    let normalized: Vec<String> = new_paragraphs.iter().map(|p| normalize_text(p)).collect();
    let placeholders = normalized
        .iter()
        .filter(|p| placeholder_of(p).is_some())
        .count();
    if placeholders == 0 {
        return Ok(new_paragraphs.to_vec());
    }
    let previous_divisions = previous.map(|a| Divisions::new(&a.paragraphs));
    let mut resolved = Vec::with_capacity(new_paragraphs.len());
    let mut within: Option<Division> = None;
    for (original, paragraph) in new_paragraphs.iter().zip(&normalized) {
        let Some(label) = placeholder_of(paragraph) else {
            if let Some(l) = label(paragraph) {
                if l.divisions[0].kind == Kind::Roman {
                    within = l.divisions.last().copied();
                }
            }
            resolved.push(original.clone());
            continue;
        };
        let division_names = || match &label {
            None => "the whole article".to_owned(),
            Some(l) => l
                .divisions
                .iter()
                .map(Division::name)
                .collect::<Vec<_>>()
                .join(", "),
        };
        let Some(previous_divisions) = &previous_divisions else {
            return Err(PlaceholderError::NoPreviousText {
                placeholder: paragraph.clone(),
                division: division_names(),
            });
        };
        let Some(label) = label else {
            resolved.extend(previous_divisions.paragraphs.iter().cloned());
            continue;
        };
        if label.divisions[0].kind == Kind::Roman {
            within = label.divisions.last().copied();
        }
        let mut whole = previous_divisions.paragraphs.iter();
        if !previous_divisions.has_any() && placeholders == 1 && label.divisions.len() == 1 {
            if let Some(first) = whole.next() {
                resolved.push(format!("{}{}", &paragraph[..label.len], first.trim_start()));
                resolved.extend(whole.cloned());
                continue;
            }
        }
        for &division in &label.divisions {
            let context = if division.kind == Kind::Item {
                within
            } else {
                None
            };
            let range = previous_divisions.find(division, context).ok_or_else(|| {
                PlaceholderError::NoSuchDivision {
                    placeholder: paragraph.clone(),
                    division: division.name(),
                }
            })?;
            resolved.extend(previous_divisions.paragraphs[range].iter().cloned());
        }
    }
    Ok(resolved)
}

/// `Some(Some(label))` for a labelled placeholder, `Some(None)` for a bare "(Non modifié)".
fn placeholder_of(paragraph: &str) -> Option<Option<Label>> {
    match label(paragraph).or_else(|| dashless_roman_label(paragraph)) {
        Some(l) if is_unchanged_marker(&paragraph[l.len..]) => Some(Some(l)),
        Some(_) => None,
        None if is_unchanged_marker(paragraph) => Some(None),
        None => None,
    }
}

/// "II. " without the dash: read only in front of an unchanged marker ("II. (Non modifié)"),
/// where it can only be a division. Elsewhere "M. le ministre" must not start a division.
fn dashless_roman_label(paragraph: &str) -> Option<Label> {
    let (divisions, at) = numeral_list(paragraph, Kind::Roman)?;
    let rest = paragraph[at..].strip_prefix(". ")?;
    Some(Label {
        divisions,
        len: paragraph.len() - rest.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ArticleId;
    use crate::text::{apply_chunks, diff_articles, Article, DiffChunk, DiffOp, DiffSide};
    use uuid::Uuid;

    fn article(paragraphs: &[&str]) -> Article {
        Article {
            id: ArticleId(Uuid::from_u128(7)),
            number: "3".into(),
            heading: None,
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn strings(paragraphs: &[&str]) -> Vec<String> {
        paragraphs.iter().map(|p| p.to_string()).collect()
    }

    const EARLIER: &str = "Les administrations publient leurs données dans un délai de douze mois.";

    /// Case of issue 4: a single-paragraph article becomes "I. new / II. (unchanged) / III.
    /// more"; the placeholder resolves to the earlier text and the diff reports only I and III.
    #[test]
    fn a_single_paragraph_article_split_into_three_divisions_keeps_the_earlier_text_as_division_two(
    ) {
        let previous = article(&[EARLIER]);
        let new = strings(&[
            "I. – Les collectivités territoriales publient leurs données.",
            "II. – (Non modifié)",
            "III. – Un décret fixe les modalités.",
        ]);
        let resolved = resolve_placeholders(Some(&previous), &new).unwrap();
        assert_eq!(
            resolved,
            strings(&[
                "I. – Les collectivités territoriales publient leurs données.",
                &format!("II. – {EARLIER}"),
                "III. – Un décret fixe les modalités.",
            ])
        );
        let diff = diff_articles(
            Some(&previous),
            Some(&Article {
                paragraphs: resolved,
                ..previous.clone()
            }),
        );
        let chunk = |op, text: &str| DiffChunk {
            op,
            text: text.to_owned(),
        };
        assert_eq!(
            diff.chunks,
            vec![
                chunk(
                    DiffOp::Insert,
                    "I. – Les collectivités territoriales publient leurs données.\n\nII. – "
                ),
                chunk(DiffOp::Equal, EARLIER),
                chunk(DiffOp::Insert, "\n\nIII. – Un décret fixe les modalités."),
            ]
        );
        assert_eq!(apply_chunks(&diff.chunks, DiffSide::Old), EARLIER);
    }

    #[test]
    fn an_unresolvable_placeholder_fails_naming_the_placeholder_and_the_division() {
        let previous = article(&["I. – Premier.", "II. – Second."]);
        let new = strings(&["I. – Premier modifié.", "III. – (Non modifié)"]);
        let error = resolve_placeholders(Some(&previous), &new).unwrap_err();
        assert_eq!(
            error,
            PlaceholderError::NoSuchDivision {
                placeholder: "III. – (Non modifié)".into(),
                division: "division III".into(),
            }
        );
        assert!(error.to_string().contains("« III. – (Non modifié) »"));
        assert_eq!(
            resolve_placeholders(None, &strings(&["II. – (Non modifié)"])),
            Err(PlaceholderError::NoPreviousText {
                placeholder: "II. – (Non modifié)".into(),
                division: "division II".into(),
            })
        );
        assert_eq!(
            resolve_placeholders(Some(&previous), &strings(&["1° (Non modifié)"])),
            Err(PlaceholderError::NoSuchDivision {
                placeholder: "1° (Non modifié)".into(),
                division: "item 1°".into(),
            })
        );
    }

    #[test]
    fn two_placeholders_or_an_empty_previous_text_fail_instead_of_guessing() {
        let previous = article(&[EARLIER]);
        let new = strings(&["I. – (Non modifié)", "II. – (Non modifié)"]);
        assert!(matches!(
            resolve_placeholders(Some(&previous), &new),
            Err(PlaceholderError::NoSuchDivision { .. })
        ));
        let empty = article(&[]);
        assert!(matches!(
            resolve_placeholders(Some(&empty), &strings(&["II. – (Non modifié)"])),
            Err(PlaceholderError::NoSuchDivision { .. })
        ));
    }

    #[test]
    fn the_placeholder_spellings_of_french_drafting_are_recognised() {
        let previous = article(&[
            "I. – Premier.",
            "II. – Second :",
            "1° item ;",
            "III. – Fin.",
        ]);
        for spelling in [
            "II. – (Non modifié)",
            "II. - (non modifié)",
            "II. - Non modifié",
            "II.– (Non modifiée)",
            "II. — (Non modifiés).",
            "II.\u{00A0}–\u{00A0}(Non modifié)",
            "  II. –   (NON MODIFIÉ)  ",
        ] {
            assert_eq!(
                resolve_placeholders(Some(&previous), &strings(&["I. – Autre.", spelling])),
                Ok(strings(&["I. – Autre.", "II. – Second :", "1° item ;"])),
                "{spelling}"
            );
        }
    }

    #[test]
    fn supprime_is_not_a_placeholder_and_stays_as_written() {
        let previous = article(&["I. – Premier.", "II. – Second."]);
        let new = strings(&["I. – Premier.", "II. - (Supprimé)"]);
        assert_eq!(resolve_placeholders(Some(&previous), &new), Ok(new));
    }

    #[test]
    fn items_resolve_inside_the_roman_division_they_stand_in() {
        let previous = article(&[
            "I. – Le code est ainsi modifié :",
            "1° a1 ;",
            "2° a2.",
            "II. – La loi est ainsi modifiée :",
            "1° b1 ;",
            "2° b2.",
        ]);
        let new = strings(&[
            "I. – (Non modifié)",
            "II. – La loi est ainsi modifiée :",
            "1° b1 nouveau ;",
            "2° (Non modifié)",
        ]);
        assert_eq!(
            resolve_placeholders(Some(&previous), &new),
            Ok(strings(&[
                "I. – Le code est ainsi modifié :",
                "1° a1 ;",
                "2° a2.",
                "II. – La loi est ainsi modifiée :",
                "1° b1 nouveau ;",
                "2° b2.",
            ]))
        );
    }

    #[test]
    fn lists_and_ranges_of_divisions_resolve_in_order() {
        let previous = article(&[
            "I. – Un.",
            "II. – Deux.",
            "II bis. – Deux bis.",
            "III. – Trois.",
            "IV. – Quatre.",
        ]);
        assert_eq!(
            resolve_placeholders(
                Some(&previous),
                &strings(&["I à III. – (Non modifiés)", "IV. – Quatre modifié."])
            ),
            Ok(strings(&[
                "I. – Un.",
                "II. – Deux.",
                "III. – Trois.",
                "IV. – Quatre modifié."
            ]))
        );
        assert_eq!(
            resolve_placeholders(
                Some(&previous),
                &strings(&["I et II bis. – (Non modifiés)"])
            ),
            Ok(strings(&["I. – Un.", "II bis. – Deux bis."]))
        );
        let items = article(&["Le code est ainsi modifié :", "1° a ;", "2° b ;", "3° c."]);
        assert_eq!(
            resolve_placeholders(
                Some(&items),
                &strings(&[
                    "Le code est ainsi modifié :",
                    "1° et 2° (Non modifiés)",
                    "3° d."
                ])
            ),
            Ok(strings(&[
                "Le code est ainsi modifié :",
                "1° a ;",
                "2° b ;",
                "3° d."
            ]))
        );
    }

    #[test]
    fn a_placeholder_without_its_dash_is_still_a_placeholder_never_literal_text() {
        let previous = article(&["I. – Un.", "II. – Deux.", "III. – Trois."]);
        assert_eq!(
            resolve_placeholders(
                Some(&previous),
                &strings(&["I. – Premier.", "II. (Non modifié)", "III. (non modifiée)"])
            ),
            Ok(strings(&["I. – Premier.", "II. – Deux.", "III. – Trois."]))
        );
        // A single paragraph has no division III to keep: refused, not copied as words.
        let single = article(&[EARLIER]);
        assert!(matches!(
            resolve_placeholders(
                Some(&single),
                &strings(&["I. x", "II. (Non modifié)", "III. (Non modifié)"])
            ),
            Err(PlaceholderError::NoSuchDivision { .. })
        ));
        assert_eq!(
            placeholder_of(&normalize_text("M. le ministre (non modifié)")),
            None,
            "only a placeholder makes a dashless numeral a label"
        );
    }

    #[test]
    fn a_bare_non_modifie_keeps_the_whole_article() {
        let previous = article(&["I. – Un.", "II. – Deux."]);
        assert_eq!(
            resolve_placeholders(Some(&previous), &strings(&["(Non modifié)"])),
            Ok(previous.paragraphs.clone())
        );
    }

    #[test]
    fn legal_references_and_numbers_are_not_division_labels() {
        for text in [
            "L. 533-4 du code.",
            "MM. les députés.",
            "2015 est l’année.",
            "2,5 % du total.",
            "1.5 fois.",
            "Art. L. 1114-1. - I. - Le présent chapitre.",
        ] {
            assert_eq!(label(&normalize_text(text)), None, "{text}");
        }
        assert!(label("I. – Texte").is_some());
        assert!(label("1° Texte").is_some());
        assert!(label("1. Texte").is_some());
    }
}
