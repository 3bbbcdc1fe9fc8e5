//! Akoma Ntoso 3.0 (OASIS LegalDocML) documents: a `<bill>` per version of a bill's text and an
//! `<amendment>` per amendment, written with quick-xml so every text and attribute is escaped.
//!
//! Identification follows the AKN naming convention (`/akn/fr/bill/DATE/ID/fra@DATE;vN/!main`):
//! the work is the bill (dated by its drafting), an expression is one version. Articles carry an
//! `eId` from their display number (`art_17bis`, made unique with the position when a number
//! repeats) and their stable Palimpsest id as `GUID`. Characters XML 1.0 cannot carry at all (C0
//! controls other than tab, newline and carriage return) become U+FFFD; the service refuses them
//! on input, so only a hand-made import could contain one.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io;

use domain::amendment::Change;
use projections::views::amendments::{outcome_state, AmendmentView};
use projections::views::bills::{BillView, VersionView};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

use super::{instant, OpenDataError};

pub const NAMESPACE: &str = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0";
/// The jurisdiction and language of the bills Palimpsest holds (the République numérique).
const COUNTRY: &str = "fr";
const LANGUAGE: &str = "fra";

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn xml_chars(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// Element text: `<`, `>`, `&` and quotes escaped; a carriage return as `&#13;` (a parser would
/// otherwise turn `\r\n` into `\n`).
fn text(s: &str) -> BytesText<'static> {
    let escaped = quick_xml::escape::escape(xml_chars(s)).replace('\r', "&#13;");
    BytesText::from_escaped(escaped)
}

/// An attribute value: escaped, with tab, newline and carriage return as character references
/// (a parser would otherwise normalise them to spaces).
fn attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let escaped = quick_xml::escape::escape(xml_chars(value))
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;");
    Attribute {
        key: QName(key.as_bytes()),
        value: Cow::Owned(escaped.into_bytes()),
    }
}

/// A small element writer over quick-xml, indented by two spaces.
struct Doc {
    writer: Writer<Vec<u8>>,
}

impl Doc {
    fn new() -> io::Result<Self> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { writer })
    }

    fn tag<'a>(name: &'a str, attributes: &[(&'a str, &str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute(attribute(key, value));
        }
        start
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.writer
            .write_event(Event::Start(Self::tag(name, attributes)))
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.writer
            .write_event(Event::Empty(Self::tag(name, attributes)))
    }

    /// `<name …>text</name>`.
    fn leaf(&mut self, name: &str, attributes: &[(&str, &str)], content: &str) -> io::Result<()> {
        self.open(name, attributes)?;
        self.writer.write_event(Event::Text(text(content)))?;
        self.close(name)
    }

    fn finish(self) -> String {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).expect("the writer only wrote UTF-8 text")
    }
}

/// The date part (`YYYY-MM-DD`, in the instant's own offset) of a stored instant; the Unix epoch
/// when the view holds none (the service always records one).
fn date_of(raw: &str) -> String {
    instant(raw)
        .and_then(|at| at.get(..10).map(str::to_string))
        .unwrap_or_else(|| "1970-01-01".to_string())
}

/// `art_` and the letters and digits of the display number, lower-cased: `17 bis` → `art_17bis`.
fn article_eid(number: &str, position: usize, used: &mut HashSet<String>) -> String {
    let cleaned: String = number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut eid = if cleaned.is_empty() {
        format!("art_{position}")
    } else {
        format!("art_{cleaned}")
    };
    if !used.insert(eid.clone()) {
        eid = format!("{eid}_{position}");
        used.insert(eid.clone());
    }
    eid
}

/// The FRBR identification block of a document.
struct Identification<'a> {
    /// `/akn/fr/bill/DATE/ID` — the work.
    work: String,
    work_date: (&'a str, String),
    work_author: String,
    /// Appended to the work for the expression: `fra@DATE;vN`.
    expression: String,
    expression_date: (&'a str, String),
}

fn identification(doc: &mut Doc, id: &Identification<'_>) -> io::Result<()> {
    let expression = format!("{}/{}", id.work, id.expression);
    doc.open("identification", &[("source", "#palimpsest")])?;
    doc.open("FRBRWork", &[])?;
    doc.empty("FRBRthis", &[("value", &format!("{}/!main", id.work))])?;
    doc.empty("FRBRuri", &[("value", &id.work)])?;
    doc.empty(
        "FRBRdate",
        &[("date", &id.work_date.1), ("name", id.work_date.0)],
    )?;
    doc.empty("FRBRauthor", &[("href", &id.work_author)])?;
    doc.empty("FRBRcountry", &[("value", COUNTRY)])?;
    doc.close("FRBRWork")?;
    doc.open("FRBRExpression", &[])?;
    doc.empty("FRBRthis", &[("value", &format!("{expression}/!main"))])?;
    doc.empty("FRBRuri", &[("value", &expression)])?;
    doc.empty(
        "FRBRdate",
        &[
            ("date", &id.expression_date.1),
            ("name", id.expression_date.0),
        ],
    )?;
    doc.empty("FRBRauthor", &[("href", "#palimpsest")])?;
    doc.empty("FRBRlanguage", &[("language", LANGUAGE)])?;
    doc.close("FRBRExpression")?;
    doc.open("FRBRManifestation", &[])?;
    doc.empty("FRBRthis", &[("value", &format!("{expression}/!main.xml"))])?;
    doc.empty("FRBRuri", &[("value", &format!("{expression}.akn"))])?;
    doc.empty(
        "FRBRdate",
        &[("date", &id.expression_date.1), ("name", "exported")],
    )?;
    doc.empty("FRBRauthor", &[("href", "#palimpsest")])?;
    doc.close("FRBRManifestation")?;
    doc.close("identification")
}

fn palimpsest_reference(doc: &mut Doc) -> io::Result<()> {
    doc.empty(
        "TLCOrganization",
        &[
            ("eId", "palimpsest"),
            ("href", "/ontology/organization/palimpsest"),
            ("showAs", "Palimpsest"),
        ],
    )
}

fn person_reference(doc: &mut Doc, participant: &str) -> io::Result<()> {
    doc.empty(
        "TLCPerson",
        &[
            ("eId", &format!("person_{participant}")),
            (
                "href",
                &format!("/ontology/person/palimpsest/{participant}"),
            ),
            ("showAs", participant),
        ],
    )
}

/// Writes paragraphs as `<p>` elements (at least one, empty when there is no text).
fn paragraphs(doc: &mut Doc, texts: &[&str]) -> io::Result<()> {
    if texts.is_empty() {
        return doc.empty("p", &[]);
    }
    texts.iter().try_for_each(|t| doc.leaf("p", &[], t))
}

/// A version of a bill as an Akoma Ntoso `<bill>`: one `<article>` per article, one
/// `<paragraph>` per alinéa.
pub fn version_document(bill: &BillView, version: &VersionView) -> Result<String, OpenDataError> {
    let mut doc = Doc::new()?;
    doc.open("akomaNtoso", &[("xmlns", NAMESPACE)])?;
    doc.open("bill", &[("name", "bill")])?;
    doc.open("meta", &[])?;
    identification(
        &mut doc,
        &Identification {
            work: format!(
                "/akn/{COUNTRY}/bill/{}/{}",
                date_of(&bill.drafted_at),
                bill.id
            ),
            work_date: ("drafted", date_of(&bill.drafted_at)),
            work_author: "#palimpsest".into(),
            expression: format!(
                "{LANGUAGE}@{};v{}",
                date_of(&version.published_at),
                version.number
            ),
            expression_date: (version.label.as_str(), date_of(&version.published_at)),
        },
    )?;
    doc.open("references", &[("source", "#palimpsest")])?;
    palimpsest_reference(&mut doc)?;
    doc.close("references")?;
    doc.close("meta")?;
    doc.open("preface", &[])?;
    doc.open("longTitle", &[])?;
    doc.leaf("p", &[], &bill.title)?;
    doc.close("longTitle")?;
    doc.close("preface")?;
    doc.open("body", &[])?;
    let mut used = HashSet::new();
    for (i, article) in version.articles.iter().enumerate() {
        let eid = article_eid(&article.number, i + 1, &mut used);
        doc.open(
            "article",
            &[("eId", &eid), ("GUID", &article.id.to_string())],
        )?;
        doc.leaf("num", &[], &format!("Article {}", article.number))?;
        if let Some(heading) = &article.heading {
            doc.leaf("heading", &[], heading)?;
        }
        for (p, paragraph) in article.paragraphs.iter().enumerate() {
            doc.open("paragraph", &[("eId", &format!("{eid}__para_{}", p + 1))])?;
            doc.open("content", &[])?;
            doc.leaf("p", &[], paragraph)?;
            doc.close("content")?;
            doc.close("paragraph")?;
        }
        doc.close("article")?;
    }
    doc.close("body")?;
    doc.close("bill")?;
    doc.close("akomaNtoso")?;
    Ok(doc.finish())
}

/// What the amendment changes, naming the article as numbered in the version it was submitted
/// against (Article 9 of the draft became Article 17 later on).
fn change_heading(amendment: &AmendmentView, bill: Option<&BillView>) -> String {
    let label = |id| {
        let in_base = bill
            .and_then(|b| b.version(amendment.base_version))
            .and_then(|v| v.articles.iter().find(|a| a.id == id))
            .map(|a| format!("Article {}", a.number));
        in_base
            .or_else(|| bill.and_then(|b| b.article_label(id)))
            .unwrap_or_else(|| format!("article {id}"))
    };
    match &amendment.change {
        Change::Modify { article_id } => format!("Modify {}", label(*article_id)),
        Change::Delete { article_id } => format!("Delete {}", label(*article_id)),
        Change::InsertAfter {
            article_id: Some(id),
        } => format!("Insert a new article after {}", label(*id)),
        Change::InsertAfter { article_id: None } => "Insert a new article at the start".to_string(),
        Change::WholeText => "On the text as a whole".to_string(),
    }
}

/// An amendment as an Akoma Ntoso `<amendment>`: its heading, proposed text, rationale, and its
/// state with the decision and the official response (also as workflow steps in `<meta>`).
pub fn amendment_document(
    amendment: &AmendmentView,
    bill: Option<&BillView>,
) -> Result<String, OpenDataError> {
    let a = amendment;
    let author = a.author.to_string();
    let decision = a.decision.as_ref();
    let decider = decision.map(|d| d.decided_by.to_string());
    let mut doc = Doc::new()?;
    doc.open("akomaNtoso", &[("xmlns", NAMESPACE)])?;
    doc.open("amendment", &[("name", "amendment")])?;
    doc.open("meta", &[])?;
    identification(
        &mut doc,
        &Identification {
            work: format!(
                "/akn/{COUNTRY}/amendment/{}/{}",
                date_of(&a.submitted_at),
                a.id
            ),
            work_date: ("submitted", date_of(&a.submitted_at)),
            work_author: format!("#person_{author}"),
            expression: format!("{LANGUAGE}@{}", date_of(&a.submitted_at)),
            expression_date: ("submitted", date_of(&a.submitted_at)),
        },
    )?;
    doc.open("workflow", &[("source", "#palimpsest")])?;
    doc.empty(
        "step",
        &[
            ("date", &date_of(&a.submitted_at)),
            ("by", &format!("#person_{author}")),
            ("outcome", "#submitted"),
        ],
    )?;
    if let Some(d) = decision {
        doc.empty(
            "step",
            &[
                ("date", &date_of(&d.decided_at)),
                ("by", &format!("#person_{}", d.decided_by)),
                ("outcome", &format!("#{}", outcome_state(d.outcome))),
            ],
        )?;
    }
    doc.close("workflow")?;
    doc.open("references", &[("source", "#palimpsest")])?;
    palimpsest_reference(&mut doc)?;
    person_reference(&mut doc, &author)?;
    if let Some(decider) = decider.as_deref().filter(|d| *d != author) {
        person_reference(&mut doc, decider)?;
    }
    let mut concepts = vec!["submitted".to_string()];
    if !concepts.contains(&a.state) {
        concepts.push(a.state.clone());
    }
    for concept in &concepts {
        doc.empty(
            "TLCConcept",
            &[
                ("eId", concept),
                ("href", &format!("/ontology/concept/palimpsest/{concept}")),
                ("showAs", concept),
            ],
        )?;
    }
    doc.close("references")?;
    doc.close("meta")?;
    doc.open("preface", &[])?;
    doc.open("p", &[])?;
    doc.leaf("docTitle", &[], &a.title)?;
    doc.close("p")?;
    doc.close("preface")?;
    doc.open("amendmentBody", &[])?;
    doc.open("amendmentHeading", &[])?;
    doc.leaf(
        "p",
        &[],
        &format!(
            "{} (version {} of the bill)",
            change_heading(a, bill),
            a.base_version
        ),
    )?;
    doc.close("amendmentHeading")?;
    doc.open("amendmentContent", &[("eId", "proposed")])?;
    match (&a.hidden, &a.proposed_text) {
        (Some(hidden), _) => doc.leaf(
            "p",
            &[("class", "hidden")],
            &format!("Hidden by moderation: {}", hidden.reason),
        )?,
        (None, Some(text)) => paragraphs(
            &mut doc,
            &text.iter().map(String::as_str).collect::<Vec<_>>(),
        )?,
        (None, None) => doc.leaf(
            "p",
            &[("class", "absent")],
            "No proposed wording is recorded.",
        )?,
    }
    doc.close("amendmentContent")?;
    doc.open("amendmentJustification", &[("eId", "rationale")])?;
    // A hidden amendment's rationale is withheld like its text (the log keeps both).
    let rationale = if a.hidden.is_some() { "" } else { &a.rationale };
    paragraphs(&mut doc, &split_paragraphs(rationale))?;
    doc.close("amendmentJustification")?;
    doc.open(
        "amendmentContent",
        &[("eId", "decision"), ("class", "decision")],
    )?;
    doc.open("p", &[])?;
    doc.leaf("span", &[("refersTo", &format!("#{}", a.state))], &a.state)?;
    if let Some(d) = decision {
        let at = instant(&d.decided_at).unwrap_or_default();
        doc.leaf("date", &[("date", &date_of(&d.decided_at))], &at)?;
    }
    doc.close("p")?;
    if let Some(d) = decision {
        doc.open(
            "blockContainer",
            &[("eId", "response"), ("class", "response")],
        )?;
        paragraphs(&mut doc, &split_paragraphs(&d.response))?;
        doc.close("blockContainer")?;
    }
    doc.close("amendmentContent")?;
    doc.close("amendmentBody")?;
    doc.close("amendment")?;
    doc.close("akomaNtoso")?;
    Ok(doc.finish())
}

/// Free text split into paragraphs on blank lines (as article bodies are).
fn split_paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_eids_come_from_the_number_and_stay_unique_when_a_number_repeats() {
        let mut used = HashSet::new();
        assert_eq!(article_eid("17 bis", 1, &mut used), "art_17bis");
        assert_eq!(article_eid("2", 2, &mut used), "art_2");
        assert_eq!(article_eid("2", 3, &mut used), "art_2_3");
        assert_eq!(article_eid("", 4, &mut used), "art_4");
    }

    #[test]
    fn text_escapes_markup_and_keeps_carriage_returns_and_replaces_what_xml_cannot_hold() {
        let written = text("a < b & \"c\" 'd' >\r\n\u{1}");
        assert_eq!(
            std::str::from_utf8(&written).unwrap(),
            "a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt;&#13;\n\u{FFFD}"
        );
        let attr = attribute("name", "x\"\n<y>");
        assert_eq!(&*attr.value, b"x&quot;&#10;&lt;y&gt;");
    }
}
