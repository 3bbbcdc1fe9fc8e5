//! La Fabrique de la Loi bill folders (Regards Citoyens): `viz/procedure.json` (the steps of the
//! parliamentary procedure), `procedure/<step>/texte/texte.json` (the text at that step, article
//! by article and alinéa by alinéa) and `viz/amendements_<step>.json` (the amendments tabled at
//! that step, grouped by subject, with their outcome).
//!
//! Pure: a law folder comes in as its files' contents ([`LawFiles`]); every malformed value is a
//! [`SourceError`] naming the file, the line serde_json reached and the field's JSON path.
//! Texts are kept exactly as given (no placeholder resolution here).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use chrono::NaiveDate;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::SourceError;

/// The files of one law folder: path relative to the folder (`viz/procedure.json`) → content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LawFiles {
    /// The folder's name (e.g. `ppl11-290`), prefixed to file names in errors and sources.
    pub folder: String,
    pub files: BTreeMap<String, String>,
}

impl LawFiles {
    /// The file name shown in errors and event sources: `<folder>/<path>`.
    pub fn shown(&self, path: &str) -> String {
        format!("{}/{path}", self.folder)
    }
}

pub const PROCEDURE_FILE: &str = "viz/procedure.json";

/// A whole law: its procedure with, for each step, its text and amendments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Law {
    /// The procedure's id (`pjl15-034`): the stable key of the bill.
    pub id: String,
    pub title: String,
    pub steps: Vec<Step>,
}

/// Why a step failed, as the source says (`echec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Echec {
    #[serde(rename = "rejet")]
    Rejet,
    #[serde(rename = "échec")]
    Echec,
}

/// One step of `procedure.json`'s `steps`, in procedure order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `01_1erelecture_assemblee_commission`.
    pub directory: String,
    pub stage: String,
    pub institution: String,
    /// `depot`, `commission`, `hemicycle`; absent for some stages.
    pub kind: Option<String>,
    pub date: NaiveDate,
    pub enddate: Option<NaiveDate>,
    pub echec: Option<Echec>,
    /// `None` when the folder has no `procedure/<step>/texte/texte.json` (e.g. promulgation).
    pub text: Option<StepText>,
    pub amendments: Vec<SourceAmendment>,
}

/// The text of a step: its articles in order, `supprimé` ones left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    pub file: String,
    pub articles: Vec<SourceArticle>,
    /// Articles marked `supprimé` (or `supprimés`…) at this step, by label.
    pub deleted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArticle {
    /// The label (`titre`): `1er`, `2 bis`, `1er A`; whitespace collapsed.
    pub label: String,
    pub status: String,
    /// The alinéas in order, as given.
    pub paragraphs: Vec<String>,
}

/// What an amendment's subject (`sujets` key) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// "Article 3"
    Article(String),
    /// "Après l'article 8"
    After(String),
    /// "Avant l'article 1er"
    Before(String),
    /// Anything else: "Titre", "Motion tendant à opposer la question préalable"…
    Other(String),
}

impl Subject {
    pub fn parse(subject: &str) -> Self {
        let s = collapse(subject);
        let after_article = |prefix: &str| {
            s.strip_prefix(prefix)
                .map(|rest| rest.trim().to_string())
                .filter(|rest| !rest.is_empty())
        };
        for apostrophe in ['\'', '’'] {
            if let Some(label) = after_article(&format!("Après l{apostrophe}article ")) {
                return Subject::After(label);
            }
            if let Some(label) = after_article(&format!("Avant l{apostrophe}article ")) {
                return Subject::Before(label);
            }
        }
        if let Some(label) = after_article("Article ") {
            return Subject::Article(label);
        }
        Subject::Other(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Outcome {
    #[serde(rename = "adopté")]
    Adopted,
    #[serde(rename = "rejeté")]
    Rejected,
    #[serde(rename = "non-voté")]
    NotVoted,
}

impl Outcome {
    pub fn as_source(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopté",
            Outcome::Rejected => "rejeté",
            Outcome::NotVoted => "non-voté",
        }
    }
}

/// One item of `viz/amendements_<step>.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAmendment {
    pub file: String,
    /// The line of its `"numero"` in the file.
    pub line: usize,
    pub subject: String,
    pub numero: String,
    /// First author as given ("M. Tardy", "Mme Attard, …"); may be empty.
    pub author: String,
    pub group: Option<String>,
    pub date: Option<NaiveDate>,
    pub outcome: Outcome,
    pub id_api: Option<String>,
    /// `api_root_url` + `id_api`, where the amendment's text can be read.
    pub url: Option<String>,
}

impl SourceAmendment {
    /// The number in `numero` (`CL6` → 6, `COM-2` → 2, `23` → 23), if any.
    pub fn number(&self) -> Option<u32> {
        let digits: String = self
            .numero
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits.parse().ok()
    }
}

/// Whitespace collapsed to single spaces, trimmed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- raw shapes, deserialised with paths and lines for errors ----

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| de::Error::custom(format!("invalid date {s:?} (expected YYYY-MM-DD)")))
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| de::Error::custom(format!("invalid date {s:?} (expected YYYY-MM-DD)"))),
    }
}

/// A JSON object read in file order, refusing a repeated key (serde_json keeps the last one
/// silently, and we must not record an ambiguous source).
#[derive(Debug)]
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut seen = HashSet::new();
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format!(
                            "duplicate object key {key:?}; each key may appear once"
                        )));
                    }
                    out.push((key, map.next_value()?));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

#[derive(Deserialize)]
struct RawProcedure {
    id: String,
    long_title: String,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
struct RawStep {
    directory: String,
    stage: String,
    institution: String,
    #[serde(default)]
    step: Option<String>,
    #[serde(deserialize_with = "date")]
    date: NaiveDate,
    #[serde(default, deserialize_with = "opt_date")]
    enddate: Option<NaiveDate>,
    #[serde(default)]
    echec: Option<Echec>,
}

#[derive(Deserialize)]
struct RawText {
    articles: Vec<RawArticle>,
}

#[derive(Deserialize)]
struct RawArticle {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    titre: Option<String>,
    #[serde(default)]
    statut: Option<String>,
    #[serde(default)]
    alineas: Option<Ordered<String>>,
}

#[derive(Deserialize)]
struct RawAmendments {
    #[serde(default)]
    api_root_url: Option<String>,
    id_step: String,
    sujets: Ordered<RawSubject>,
}

#[derive(Deserialize)]
struct RawSubject {
    #[serde(default)]
    order: Option<i64>,
    amendements: Vec<RawAmendment>,
}

#[derive(Deserialize)]
struct RawAmendment {
    numero: String,
    #[serde(default)]
    aut: Option<String>,
    #[serde(default)]
    groupe: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    date: Option<NaiveDate>,
    sort: Outcome,
    #[serde(default)]
    id_api: Option<String>,
}

/// Deserialises a whole JSON file; errors name the file, the line and the JSON path.
fn parse_file<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, SourceError> {
    let describe = |e: &serde_json::Error| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON (unexpected end of input)",
            serde_json::error::Category::Syntax => "invalid JSON",
            _ => "unexpected value",
        };
        let detail = e.to_string();
        let detail = detail
            .rsplit_once(" at line ")
            .map(|(d, _)| d.to_string())
            .unwrap_or(detail);
        format!("{what}: {detail}")
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "(json)".to_string()
        } else {
            path
        };
        let inner = e.inner();
        SourceError::new(file, inner.line().max(1), field, describe(inner))
    })?;
    de.end()
        .map_err(|e| SourceError::new(file, e.line().max(1), "(json)", describe(&e)))?;
    Ok(value)
}

/// The 1-based line of the first occurrence of `needle` at or after byte `from`.
fn line_of(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let at = text.get(from..)?.find(needle)? + from;
    Some((1 + text[..at].matches('\n').count(), at + needle.len()))
}

fn text_path(directory: &str) -> String {
    format!("procedure/{directory}/texte/texte.json")
}

fn amendments_path(directory: &str) -> String {
    format!("viz/amendements_{directory}.json")
}

fn parse_text(text: &str, file: &str) -> Result<StepText, SourceError> {
    let raw: RawText = parse_file(text, file)?;
    let mut articles = Vec::new();
    let mut deleted = Vec::new();
    let mut labels = HashSet::new();
    let mut search_from = 0;
    for (i, a) in raw.articles.into_iter().enumerate() {
        if a.kind != "article" {
            continue;
        }
        let field = |name: &str| format!("articles[{i}].{name}");
        let titre = a.titre.as_deref().map(collapse).unwrap_or_default();
        // The line of this article's label, for the errors below.
        let line = line_of(
            text,
            &format!("\"titre\": \"{}\"", a.titre.as_deref().unwrap_or("")),
            search_from,
        )
        .map(|(line, next)| {
            search_from = next;
            line
        })
        .unwrap_or(1);
        if titre.is_empty() {
            return Err(SourceError::new(
                file,
                line,
                field("titre"),
                "an article without a label; articles are identified by their label",
            ));
        }
        if !labels.insert(titre.clone()) {
            return Err(SourceError::new(
                file,
                line,
                field("titre"),
                format!("article `{titre}` appears twice in this text"),
            ));
        }
        let status = a.statut.unwrap_or_default();
        if status.trim().to_lowercase().starts_with("supprim") {
            deleted.push(titre);
            continue;
        }
        let paragraphs: Vec<String> = a
            .alineas
            .map(|m| m.0.into_iter().map(|(_, v)| v).collect())
            .unwrap_or_default();
        if paragraphs.iter().all(|p| p.trim().is_empty()) {
            return Err(SourceError::new(
                file,
                line,
                field("alineas"),
                format!("article `{titre}` has no alinéa and is not marked supprimé"),
            ));
        }
        articles.push(SourceArticle {
            label: titre,
            status,
            paragraphs,
        });
    }
    Ok(StepText {
        file: file.to_string(),
        articles,
        deleted,
    })
}

fn parse_amendments(
    text: &str,
    file: &str,
    directory: &str,
) -> Result<Vec<SourceAmendment>, SourceError> {
    let raw: RawAmendments = parse_file(text, file)?;
    if raw.id_step != directory {
        let line = line_of(text, "\"id_step\"", 0).map_or(1, |(l, _)| l);
        return Err(SourceError::new(
            file,
            line,
            "id_step",
            format!(
                "names step `{}` but the file is the one of step `{directory}`",
                raw.id_step
            ),
        ));
    }
    let mut subjects = raw.sujets.0;
    // Stable: subjects by their `order`, then as written.
    subjects.sort_by_key(|(_, s)| s.order.unwrap_or(i64::MAX));
    let mut out = Vec::new();
    let mut numbers = HashSet::new();
    for (subject, s) in subjects {
        for a in s.amendements {
            let line =
                line_of(text, &format!("\"numero\": \"{}\"", a.numero), 0).map_or(1, |(l, _)| l);
            if a.numero.trim().is_empty() {
                return Err(SourceError::new(
                    file,
                    line,
                    format!("sujets.{subject}.amendements.numero"),
                    "empty amendment number",
                ));
            }
            if !numbers.insert(a.numero.clone()) {
                return Err(SourceError::new(
                    file,
                    line,
                    format!("sujets.{subject}.amendements.numero"),
                    format!("amendment {} appears twice in this step", a.numero),
                ));
            }
            let url = match (&raw.api_root_url, &a.id_api) {
                (Some(root), Some(id)) if !id.is_empty() => Some(format!("{root}{id}")),
                _ => None,
            };
            out.push(SourceAmendment {
                file: file.to_string(),
                line,
                subject: subject.clone(),
                numero: a.numero,
                author: collapse(a.aut.as_deref().unwrap_or("")),
                group: a.groupe.map(|g| collapse(&g)).filter(|g| !g.is_empty()),
                date: a.date,
                outcome: a.sort,
                id_api: a.id_api,
                url,
            });
        }
    }
    Ok(out)
}

/// Parses a law folder. Every text and amendment file must belong to a step of the procedure.
pub fn parse_law(files: &LawFiles) -> Result<Law, SourceError> {
    let procedure_file = files.shown(PROCEDURE_FILE);
    let procedure_text = files.files.get(PROCEDURE_FILE).ok_or_else(|| {
        SourceError::new(
            &procedure_file,
            1,
            "(file)",
            "missing: a La Fabrique de la Loi folder has viz/procedure.json",
        )
    })?;
    let raw: RawProcedure = parse_file(procedure_text, &procedure_file)?;
    if raw.long_title.trim().is_empty() {
        let line = line_of(procedure_text, "\"long_title\"", 0).map_or(1, |(l, _)| l);
        return Err(SourceError::new(
            &procedure_file,
            line,
            "long_title",
            "the bill's title is empty",
        ));
    }
    let mut directories = HashSet::new();
    let mut steps = Vec::new();
    for (i, s) in raw.steps.into_iter().enumerate() {
        if !directories.insert(s.directory.clone()) {
            let line = line_of(
                procedure_text,
                &format!("\"directory\": \"{}\"", s.directory),
                0,
            )
            .map_or(1, |(l, _)| l);
            return Err(SourceError::new(
                &procedure_file,
                line,
                format!("steps[{i}].directory"),
                format!("step `{}` appears twice", s.directory),
            ));
        }
        let text = match files.files.get(&text_path(&s.directory)) {
            Some(content) => Some(parse_text(content, &files.shown(&text_path(&s.directory)))?),
            None => None,
        };
        let amendments = match files.files.get(&amendments_path(&s.directory)) {
            Some(content) => parse_amendments(
                content,
                &files.shown(&amendments_path(&s.directory)),
                &s.directory,
            )?,
            None => Vec::new(),
        };
        steps.push(Step {
            directory: s.directory,
            stage: s.stage,
            institution: s.institution,
            kind: s.step,
            date: s.date,
            enddate: s.enddate,
            echec: s.echec,
            text,
            amendments,
        });
    }
    for path in files.files.keys() {
        let step = path
            .strip_prefix("procedure/")
            .and_then(|p| p.strip_suffix("/texte/texte.json"))
            .or_else(|| {
                path.strip_prefix("viz/amendements_")
                    .and_then(|p| p.strip_suffix(".json"))
            });
        if let Some(step) = step {
            if !directories.contains(step) {
                return Err(SourceError::new(
                    files.shown(path),
                    1,
                    "(file)",
                    format!("step `{step}` is not among the steps of {PROCEDURE_FILE}"),
                ));
            }
        }
    }
    Ok(Law {
        id: raw.id,
        title: collapse(&raw.long_title),
        steps,
    })
}

/// The two bundled laws (copied into `ops/data/la-fabrique-de-la-loi/`, see its SOURCE.md).
pub mod bundled {
    use super::LawFiles;

    macro_rules! law {
        ($folder:literal, [$($path:literal),* $(,)?]) => {
            LawFiles {
                folder: $folder.to_string(),
                files: [$((
                    $path.to_string(),
                    include_str!(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../ops/data/la-fabrique-de-la-loi/",
                        $folder,
                        "/",
                        $path
                    ))
                    .to_string(),
                )),*]
                .into_iter()
                .collect(),
            }
        };
    }

    /// Loi n° 2015-1779 (réutilisation des informations du secteur public).
    pub fn pjl15_034() -> LawFiles {
        law!(
            "pjl15-034",
            [
                "viz/procedure.json",
                "viz/amendements_01_1erelecture_assemblee_commission.json",
                "viz/amendements_02_1erelecture_assemblee_hemicycle.json",
                "viz/amendements_04_1erelecture_senat_commission.json",
                "viz/amendements_05_1erelecture_senat_hemicycle.json",
                "procedure/00_1erelecture_assemblee_depot/texte/texte.json",
                "procedure/01_1erelecture_assemblee_commission/texte/texte.json",
                "procedure/02_1erelecture_assemblee_hemicycle/texte/texte.json",
                "procedure/03_1erelecture_senat_depot/texte/texte.json",
                "procedure/04_1erelecture_senat_commission/texte/texte.json",
                "procedure/05_1erelecture_senat_hemicycle/texte/texte.json",
                "procedure/06_cmp_cmp_commission/texte/texte.json",
                "procedure/07_cmp_assemblee_hemicycle/texte/texte.json",
                "procedure/08_cmp_senat_hemicycle/texte/texte.json",
            ]
        )
    }

    /// Loi n° 2012-375 (transport aérien de passagers): rejections, failed CMP, lecture définitive.
    pub fn ppl11_290() -> LawFiles {
        law!(
            "ppl11-290",
            [
                "viz/procedure.json",
                "viz/amendements_02_1erelecture_assemblee_hemicycle.json",
                "viz/amendements_05_1erelecture_senat_hemicycle.json",
                "viz/amendements_09_nouv.lect._assemblee_hemicycle.json",
                "viz/amendements_11_nouv.lect._senat_commission.json",
                "viz/amendements_12_nouv.lect._senat_hemicycle.json",
                "procedure/00_1erelecture_assemblee_depot/texte/texte.json",
                "procedure/01_1erelecture_assemblee_commission/texte/texte.json",
                "procedure/02_1erelecture_assemblee_hemicycle/texte/texte.json",
                "procedure/03_1erelecture_senat_depot/texte/texte.json",
                "procedure/04_1erelecture_senat_commission/texte/texte.json",
                "procedure/05_1erelecture_senat_hemicycle/texte/texte.json",
                "procedure/06_cmp_cmp_commission/texte/texte.json",
                "procedure/07_nouv.lect._assemblee_depot/texte/texte.json",
                "procedure/08_nouv.lect._assemblee_commission/texte/texte.json",
                "procedure/09_nouv.lect._assemblee_hemicycle/texte/texte.json",
                "procedure/10_nouv.lect._senat_depot/texte/texte.json",
                "procedure/11_nouv.lect._senat_commission/texte/texte.json",
                "procedure/12_nouv.lect._senat_hemicycle/texte/texte.json",
                "procedure/13_l.définitive_assemblee_depot/texte/texte.json",
                "procedure/14_l.définitive_assemblee_hemicycle/texte/texte.json",
                "procedure/15_constitutionnalité_conseilconstitutionnel_/texte/texte.json",
            ]
        )
    }

    pub fn all() -> Vec<LawFiles> {
        vec![pjl15_034(), ppl11_290()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_laws_parse_with_their_steps_texts_and_amendments() {
        let law = parse_law(&bundled::ppl11_290()).unwrap();
        assert_eq!(law.id, "ppl11-290");
        assert!(law
            .title
            .starts_with("proposition de loi relative à l'organisation"));
        assert_eq!(law.steps.len(), 17);
        let with_text = law.steps.iter().filter(|s| s.text.is_some()).count();
        assert_eq!(with_text, 16);
        let amendments: usize = law.steps.iter().map(|s| s.amendments.len()).sum();
        assert_eq!(amendments, 92);
        let cmp = &law.steps[6];
        assert_eq!(cmp.directory, "06_cmp_cmp_commission");
        assert_eq!(cmp.echec, Some(Echec::Echec));
        assert!(cmp.text.as_ref().unwrap().articles.is_empty());
        // Commission of first reading: articles 1er, 3 and 4 supprimés, only 2 remains.
        let commission = law.steps[1].text.as_ref().unwrap();
        let labels: Vec<&str> = commission
            .articles
            .iter()
            .map(|a| a.label.as_str())
            .collect();
        assert_eq!(labels, ["2"]);
        assert_eq!(commission.deleted, ["1er", "3", "4"]);

        let pjl = parse_law(&bundled::pjl15_034()).unwrap();
        let amendments: usize = pjl.steps.iter().map(|s| s.amendments.len()).sum();
        assert_eq!(amendments, 117);
        let first = &pjl.steps[1].amendments[0];
        assert_eq!(
            first.file,
            "pjl15-034/viz/amendements_01_1erelecture_assemblee_commission.json"
        );
        assert!(first.line > 1);
    }

    #[test]
    fn subjects_name_an_article_a_place_or_something_else() {
        assert_eq!(
            Subject::parse("Article 2 bis"),
            Subject::Article("2 bis".into())
        );
        assert_eq!(
            Subject::parse("Après l'article 8"),
            Subject::After("8".into())
        );
        assert_eq!(
            Subject::parse("Après l’article 1er B"),
            Subject::After("1er B".into())
        );
        assert_eq!(
            Subject::parse("Avant l'article 1er"),
            Subject::Before("1er".into())
        );
        assert_eq!(Subject::parse("Titre"), Subject::Other("Titre".into()));
        assert_eq!(
            Subject::parse("Motion tendant à opposer la question préalable"),
            Subject::Other("Motion tendant à opposer la question préalable".into())
        );
    }

    #[test]
    fn amendment_numbers_keep_their_digits() {
        let mut a = parse_law(&bundled::pjl15_034()).unwrap().steps[1].amendments[0].clone();
        for (numero, number) in [
            ("CL6", Some(6)),
            ("COM-12", Some(12)),
            ("23", Some(23)),
            ("A", None),
        ] {
            a.numero = numero.into();
            assert_eq!(a.number(), number, "{numero}");
        }
    }

    fn with(path: &str, content: &str) -> LawFiles {
        let mut law = bundled::ppl11_290();
        law.files.insert(path.to_string(), content.to_string());
        law
    }

    #[test]
    fn a_truncated_text_is_named_with_its_file_and_line() {
        let path = "procedure/02_1erelecture_assemblee_hemicycle/texte/texte.json";
        let original = bundled::ppl11_290().files[path].clone();
        let cut = &original[..original.len() / 2];
        let err = parse_law(&with(path, cut)).unwrap_err();
        assert_eq!(err.file, format!("ppl11-290/{path}"));
        assert_eq!(err.line, cut.lines().count());
        assert!(err.message.starts_with("truncated JSON"), "{err}");
    }

    #[test]
    fn an_unknown_outcome_is_named_with_its_path_and_line() {
        let path = "viz/amendements_09_nouv.lect._assemblee_hemicycle.json";
        let original = bundled::ppl11_290().files[path].clone();
        let changed = original.replacen("\"sort\": \"rejeté\"", "\"sort\": \"peut-être\"", 1);
        let line = 1 + original[..original.find("\"sort\": \"rejeté\"").unwrap()]
            .matches('\n')
            .count();
        let err = parse_law(&with(path, &changed)).unwrap_err();
        assert_eq!(err.line, line, "{err}");
        assert!(err.field.ends_with(".sort"), "{err}");
        assert!(err.message.contains("peut-être"), "{err}");
        assert_eq!(err.to_string().lines().count(), 1);
    }

    #[test]
    fn a_repeated_alinea_key_is_refused() {
        let path = "procedure/00_1erelecture_assemblee_depot/texte/texte.json";
        let original = bundled::ppl11_290().files[path].clone();
        let changed = original.replacen("\"001\": ", "\"001\": \"x\", \"001\": ", 1);
        let err = parse_law(&with(path, &changed)).unwrap_err();
        assert!(
            err.message.contains("duplicate object key \"001\""),
            "{err}"
        );
        assert!(err.field.contains("alineas"), "{err}");
    }

    #[test]
    fn a_text_of_a_step_missing_from_the_procedure_is_refused() {
        let path = "procedure/99_inconnue/texte/texte.json";
        let err = parse_law(&with(path, "{\"articles\": []}")).unwrap_err();
        assert_eq!(err.file, format!("ppl11-290/{path}"));
        assert!(err.message.contains("not among the steps"), "{err}");
    }
}
