//! Splits one chapter file of the bill (irregular Markdown) into articles.
//!
//! Article headings come in all the forms found in the real history:
//! `**Article 8` (unclosed bold), `**Article** 10`, `**Article 12***Portabilité des données*`
//! (title glued to the heading), `**Article 1**`, `**Article 1<sup>er</sup>**`, bare
//! `Article 17` lines (also indented), `Article 1<sup>er</sup> bis A (nouveau)`,
//! `Article 37\u{a0}A (nouveau)`, `Article 2 bis`, `Article 4 ter`, and two forms glued to the
//! first line of text: `Article 14A la fin du chapitre…` (“Article 14” + “A la fin…”) and
//! `Article 48. - La loi n° 78-753…`.
//!
//! A title printed right after the heading (same line in emphasis, or the first block wholly in
//! emphasis: `*Neutralité de l’internet*`, `**Elargissement du champ…**`) becomes the article
//! heading. Title/chapter/section lines (`#…`, setext `===`/`---` underlines, plain
//! `TITRE II` / `Chapitre I<sup>er</sup>` / `Section 2` blocks and the title block after them)
//! are not article text; text before the first article is not an article.

use serde::Serialize;

use super::html::collapse_whitespace;
use super::nfc;

/// One article of one version of the bill, as printed in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceArticle {
    /// Stable identity across versions ("a001"…), set by
    /// [`super::identity::assign_article_keys`]; empty until then.
    pub key: String,
    /// Normalised number: "1", "17", "2 bis", "37 A", "1 bis A" (`1<sup>er</sup>` → "1").
    pub label: String,
    /// The number as printed, spaces normalised: "1er", "1er bis A", "37 A".
    pub display_label: String,
    /// The leading integer of the label.
    pub number: u32,
    /// `(nouveau)` marker of the parliamentary texts.
    pub nouveau: bool,
    /// Title printed with the heading (consultation texts only).
    pub heading: Option<String>,
    /// Alinéas: blank-line separated blocks, hard-wrapped lines joined with a space, Markdown
    /// emphasis, escapes and `<sup>` removed, NFC. Tables keep their lines.
    pub paragraphs: Vec<String>,
    /// Path of the chapter file in the bill repository.
    pub file: String,
    /// Set when the importer repaired a known source defect for this article (see
    /// [`super::bill_history`]).
    pub repair: Option<String>,
}

impl SourceArticle {
    /// All paragraphs joined with blank lines.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

/// A parsed article heading line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleHeading {
    pub number: u32,
    pub label: String,
    pub display_label: String,
    pub nouveau: bool,
    /// Title glued to the heading (`**Article 12***Portabilité des données*`).
    pub title: Option<String>,
    /// Body text glued to the heading (`Article 14A la fin…`, `Article 48. - La loi…`).
    pub inline_text: Option<String>,
}

const SUFFIX_WORDS: &[&str] = &[
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

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
}

/// Recognises an article heading line; `None` for any other line (including running text
/// such as `Article 3 de la loi…` or quoted code articles `« Article L. 100…`).
pub fn parse_heading(line: &str) -> Option<ArticleHeading> {
    let s = line.trim_matches(is_space);
    let s = s.trim_start_matches(['*', '_']);
    let s = s.strip_prefix("Article")?;
    // `**Article** 10`: bold closed before the number.
    let s = s.trim_start_matches(['*', '_']);
    if !s.starts_with(is_space) && !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let s = s.trim_start_matches(is_space);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    let mut rest = &s[digits.len()..];
    let mut label = digits.clone();
    let mut display = digits.clone();
    if let Some(r) = rest.strip_prefix("<sup>er</sup>") {
        rest = r;
        display.push_str("er");
    } else if let Some(r) = rest.strip_prefix("er") {
        if !r.starts_with(|c: char| c.is_alphanumeric()) {
            rest = r;
            display.push_str("er");
        }
    }
    let mut nouveau = false;
    // Suffix tokens, each preceded by (breaking or non-breaking) space.
    loop {
        let trimmed = rest.trim_start_matches(is_space);
        if trimmed.len() == rest.len() {
            break;
        }
        let word: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '(' || *c == ')')
            .collect();
        let boundary_ok = |after: &str| !after.starts_with(|c: char| c.is_alphanumeric());
        if word == "(nouveau)" {
            nouveau = true;
            rest = &trimmed[word.len()..];
            continue;
        }
        let token: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        let after = &trimmed[token.len()..];
        if SUFFIX_WORDS.contains(&token.as_str()) && boundary_ok(after) {
            label.push(' ');
            label.push_str(&token);
            display.push(' ');
            display.push_str(&token);
            rest = after;
            continue;
        }
        if !token.is_empty()
            && token.len() <= 3
            && token.chars().all(|c| c.is_ascii_uppercase())
            && boundary_ok(after)
            && looks_like_end_of_heading(after)
        {
            label.push(' ');
            label.push_str(&token);
            display.push(' ');
            display.push_str(&token);
            rest = after;
            continue;
        }
        break;
    }
    let glued = !rest.starts_with(is_space);
    let remainder = rest.trim_matches(is_space);
    let bare = remainder.trim_matches(|c: char| c == '*' || c == '_' || is_space(c));
    let mut heading = ArticleHeading {
        number,
        label,
        display_label: display,
        nouveau,
        title: None,
        inline_text: None,
    };
    if bare.is_empty() {
        return Some(heading);
    }
    if let Some(after_dot) = remainder.trim_start_matches(['*', '_']).strip_prefix('.') {
        // `Article 48. - La loi n° 78-753…`
        let text = after_dot
            .trim_start_matches(is_space)
            .trim_start_matches(['-', '–', '—'])
            .trim_start_matches(is_space);
        if !text.is_empty() {
            heading.inline_text = Some(text.to_string());
            return Some(heading);
        }
        return None;
    }
    if remainder.starts_with(['*', '_']) {
        // `**Article 12***Portabilité des données*`
        let title = clean_inline(remainder);
        if !title.is_empty() {
            heading.title = Some(title);
        }
        return Some(heading);
    }
    if glued && remainder.starts_with(|c: char| c.is_uppercase()) && remainder.contains(' ') {
        // `Article 14A la fin du chapitre…`: the number is glued to the first word of the text.
        heading.inline_text = Some(remainder.to_string());
        return Some(heading);
    }
    None
}

/// After a candidate capital-letter suffix (`37 A`), only more suffixes, `(nouveau)`, emphasis
/// or the end of line may follow.
fn looks_like_end_of_heading(after: &str) -> bool {
    let t = after.trim_matches(|c: char| c == '*' || c == '_' || is_space(c));
    if t.is_empty() || t.starts_with("(nouveau)") {
        return true;
    }
    let first: String = t.chars().take_while(|c| c.is_alphanumeric()).collect();
    SUFFIX_WORDS.contains(&first.as_str())
        || (!first.is_empty() && first.len() <= 3 && first.chars().all(|c| c.is_ascii_uppercase()))
}

/// Removes inline Markdown/HTML decoration: `*`/`**` emphasis, backslash escapes, `<sup>`
/// and other tags; collapses whitespace; NFC.
pub fn clean_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if n.is_ascii_punctuation() => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            '*' => {}
            '<' => {
                // Drop simple tags like <sup>, </sup>, <br/>; keep a lone '<'.
                let rest: String = chars.clone().take(12).collect();
                let is_tag = rest
                    .find('>')
                    .map(|end| {
                        let inner = rest[..end].trim_start_matches('/').trim_end_matches('/');
                        !inner.is_empty()
                            && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
                    })
                    .unwrap_or(false);
                if is_tag {
                    for n in chars.by_ref() {
                        if n == '>' {
                            break;
                        }
                    }
                } else {
                    out.push('<');
                }
            }
            _ => out.push(c),
        }
    }
    nfc(&collapse_whitespace(&out))
}

/// `TITRE II`, `Chapitre I<sup>er</sup>`, `Section 2`, `chapitre ii`: a structural label line of
/// the parliamentary texts (its title follows in the next block).
fn is_structure_label(block: &str) -> bool {
    let t = clean_inline(block);
    if t.contains('\n') || t.chars().count() > 20 {
        return false;
    }
    let lower = t.to_lowercase();
    let mut words = lower.split(is_space).filter(|w| !w.is_empty());
    let (Some(kind), Some(num), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    matches!(kind, "titre" | "chapitre" | "section")
        && (num.chars().all(|c| c.is_ascii_digit())
            || num == "ier"
            || num == "unique"
            || num.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l')))
}

fn is_setext_underline(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-'))
}

/// A block printed wholly in emphasis (`*Neutralité de l’internet*`, `**Elargissement…**`,
/// `***Définition* *du domaine…*`) or closing the heading's bold (`**Article 2` /
/// ` Principe de libre réutilisation…**`): the article's title.
fn is_emphasis_block(lines: &[&str]) -> bool {
    let joined = lines.join(" ");
    let t = joined.trim_matches(is_space);
    let starts = t.starts_with('*') || t.starts_with('_');
    let ends = t.ends_with('*') || t.ends_with('_');
    (ends && (starts || lines.len() == 1)) && !clean_inline(t).is_empty() && t.chars().count() < 300
}

/// `*Régulation*L’Autorité…` → ("Régulation", "L’Autorité…").
fn leading_emphasis_span(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start_matches(is_space);
    let run = t.len() - t.trim_start_matches('*').len();
    if run == 0 || run > 3 {
        return None;
    }
    let marker = &t[..run];
    let inner_start = run;
    let close = t[inner_start..].find(marker)? + inner_start;
    let title = clean_inline(&t[inner_start..close]);
    let rest = t[close + run..].trim_start_matches('*');
    if title.is_empty() || title.chars().count() > 200 || rest.trim().is_empty() {
        return None;
    }
    Some((title, rest))
}

struct Builder<'a> {
    file: &'a str,
    articles: Vec<SourceArticle>,
    /// Whether the current article may still take its title from the next block.
    title_open: bool,
    /// Drop the next block (title of a structural label).
    skip_next_title: bool,
}

impl Builder<'_> {
    fn flush(&mut self, block: &mut Vec<&str>) {
        if block.is_empty() {
            return;
        }
        let lines = std::mem::take(block);
        if lines.iter().any(|l| is_setext_underline(l)) {
            // Setext title/chapter heading.
            return;
        }
        if self.skip_next_title {
            self.skip_next_title = false;
            let text = clean_inline(&lines.join(" "));
            if text.chars().count() <= 150 {
                return;
            }
        }
        if is_structure_label(&lines.join("\n")) {
            self.skip_next_title = true;
            self.title_open = false;
            return;
        }
        let Some(article) = self.articles.last_mut() else {
            return; // text before the first article
        };
        if self.title_open {
            self.title_open = false;
            if is_emphasis_block(&lines) {
                article.heading = Some(clean_inline(&lines.join(" ")));
                return;
            }
            if let Some((title, rest)) = leading_emphasis_span(lines[0]) {
                // `*Régulation*L’Autorité administrative veille…`
                article.heading = Some(title);
                let mut rest_lines = vec![rest];
                rest_lines.extend_from_slice(&lines[1..]);
                let paragraph = clean_inline(&rest_lines.join(" "));
                if !paragraph.is_empty() {
                    article.paragraphs.push(paragraph);
                }
                return;
            }
        }
        self.title_open = false;
        let paragraph = if lines[0].trim_start().starts_with('|') {
            // Markdown table: keep one line per row.
            nfc(&lines
                .iter()
                .map(|l| l.trim_end())
                .collect::<Vec<_>>()
                .join("\n"))
        } else {
            clean_inline(&lines.join(" "))
        };
        if !paragraph.is_empty() {
            article.paragraphs.push(paragraph);
        }
    }
}

/// Splits one chapter file into its articles, in file order.
pub fn split_articles(text: &str, file: &str) -> Vec<SourceArticle> {
    let mut b = Builder {
        file,
        articles: Vec::new(),
        title_open: false,
        skip_next_title: false,
    };
    let mut block: Vec<&str> = Vec::new();
    for raw in text.lines() {
        // Blockquotes: strip the marker.
        let line = match raw.trim_start().strip_prefix('>') {
            Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
            None => raw,
        };
        if line.trim_matches(is_space).is_empty() {
            b.flush(&mut block);
            continue;
        }
        if line.trim_start().starts_with('#') {
            b.flush(&mut block);
            b.title_open = false;
            continue;
        }
        if let Some(h) = parse_heading(line) {
            b.flush(&mut block);
            b.skip_next_title = false;
            b.title_open = h.title.is_none() && h.inline_text.is_none();
            let article = SourceArticle {
                key: String::new(),
                label: h.label,
                display_label: h.display_label,
                number: h.number,
                nouveau: h.nouveau,
                heading: h.title,
                paragraphs: Vec::new(),
                file: b.file.to_string(),
                repair: None,
            };
            b.articles.push(article);
            if let Some(inline) = h.inline_text {
                // The glued text is the first line of the first paragraph (it is a slice of
                // `line`, which borrows from `text`).
                let start = line.rfind(inline.as_str()).unwrap_or(line.len());
                block.push(&line[start..]);
            }
            continue;
        }
        block.push(line);
    }
    b.flush(&mut block);
    b.articles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(line: &str) -> (String, String, Option<String>, Option<String>, bool) {
        let h = parse_heading(line).unwrap_or_else(|| panic!("not a heading: {line:?}"));
        (h.label, h.display_label, h.title, h.inline_text, h.nouveau)
    }

    #[test]
    fn heading_forms() {
        assert_eq!(
            h("**Article 8"),
            ("8".into(), "8".into(), None, None, false)
        );
        assert_eq!(
            h("**Article** 10"),
            ("10".into(), "10".into(), None, None, false)
        );
        assert_eq!(
            h("**Article 1**"),
            ("1".into(), "1".into(), None, None, false)
        );
        assert_eq!(
            h("**Article 12***Portabilité des données*"),
            (
                "12".into(),
                "12".into(),
                Some("Portabilité des données".into()),
                None,
                false
            )
        );
        assert_eq!(
            h("Article 17"),
            ("17".into(), "17".into(), None, None, false)
        );
        assert_eq!(
            h("    Article 10"),
            ("10".into(), "10".into(), None, None, false)
        );
        assert_eq!(
            h("Article 1<sup>er</sup>"),
            ("1".into(), "1er".into(), None, None, false)
        );
        assert_eq!(
            h("**Article 1<sup>er</sup>**"),
            ("1".into(), "1er".into(), None, None, false)
        );
        assert_eq!(
            h("Article 37\u{a0}A (nouveau)"),
            ("37 A".into(), "37 A".into(), None, None, true)
        );
        assert_eq!(
            h("Article 2 bis"),
            ("2 bis".into(), "2 bis".into(), None, None, false)
        );
        assert_eq!(
            h("Article 4 ter"),
            ("4 ter".into(), "4 ter".into(), None, None, false)
        );
        assert_eq!(
            h("Article 9\u{a0}bis (nouveau)"),
            ("9 bis".into(), "9 bis".into(), None, None, true)
        );
        assert_eq!(
            h("Article 1<sup>er</sup> bis A\u{a0}(nouveau)"),
            ("1 bis A".into(), "1er bis A".into(), None, None, true)
        );
        assert_eq!(
            h("Article 40 AA (nouveau)"),
            ("40 AA".into(), "40 AA".into(), None, None, true)
        );
        assert_eq!(
            h("Article 14A la fin du chapitre III du Titre III"),
            (
                "14".into(),
                "14".into(),
                None,
                Some("A la fin du chapitre III du Titre III".into()),
                false
            )
        );
        assert_eq!(
            h("**Article 48**. - La loi n° 78-753 du 17 juillet 1978"),
            (
                "48".into(),
                "48".into(),
                None,
                Some("La loi n° 78-753 du 17 juillet 1978".into()),
                false
            )
        );
        // Not headings.
        for line in [
            "Article 3 de la loi n° 78-17 est ainsi modifié",
            "« Article L. 521-3-1. - I. - Par exception",
            "«\u{a0}Article L. 100",
            "Article L. 533-4",
            "Articles 1 à 3",
            "L’article 11",
            "Article",
            "**Article**",
            "Article 12345",
        ] {
            assert_eq!(parse_heading(line), None, "{line:?}");
        }
    }

    #[test]
    fn split_chapter_with_titles_sections_and_glued_forms() {
        let md = "**Projet de loi**\n\nTITRE Ier : X\n=======\n\nChapitre Ier : Y\n-------\n\nPréambule ignoré.\n\n### **Section 1 : Z**\n\n\
**Article 1**\n\n**Elargissement du champ**\n\nI. Les deuxième, troisième \net quatrième alinéas de l’article 1<sup>er</sup>  \nsont remplacés.\n\n\
«\u{a0}*Art. 10* - Les \\[informations\\] publiques\u{a0}:\n\n### **Section 2 : W**\n\n\
**Article 2\n Principe de libre réutilisation**\n\nTexte 2.\n\n\
**Article** 11\n*Neutralité de l’internet*\n\n*\\[Principe\\]*\n\nTexte 11.\n\n\
**Article 14**\n\n*Régulation*L’Autorité veille.\n\n\
**Article 16\n***Libre disposition*\n>\n> \\[Rédaction provisoire\\]\n\n*\n*\n\n\
Section 2\n\nTitre de section\n\n\
Article 17\n\n| a | b |\n|---|---|\n| c | d |\n\nArticle 14A la fin du chapitre, \nil est ajouté.\n";
        let arts = split_articles(md, "f.md");
        let summary: Vec<(&str, Option<&str>, Vec<&str>)> = arts
            .iter()
            .map(|a| {
                (
                    a.label.as_str(),
                    a.heading.as_deref(),
                    a.paragraphs.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "1",
                    Some("Elargissement du champ"),
                    vec![
                        "I. Les deuxième, troisième et quatrième alinéas de l’article 1er sont remplacés.",
                        "«\u{a0}Art. 10 - Les [informations] publiques\u{a0}:",
                    ]
                ),
                ("2", Some("Principe de libre réutilisation"), vec!["Texte 2."]),
                ("11", Some("Neutralité de l’internet"), vec!["[Principe]", "Texte 11."]),
                ("14", Some("Régulation"), vec!["L’Autorité veille."]),
                ("16", Some("Libre disposition"), vec!["[Rédaction provisoire]"]),
                ("17", None, vec!["| a | b |\n|---|---|\n| c | d |"]),
                ("14", None, vec!["A la fin du chapitre, il est ajouté."]),
            ]
        );
        assert!(arts.iter().all(|a| a.file == "f.md" && a.key.is_empty()));
        // NFC: a decomposed "é" comes out composed.
        let arts = split_articles("Article 1\n\nde\u{301}cret\n", "f.md");
        assert_eq!(arts[0].paragraphs, vec!["décret"]);
    }
}
