//! Open data: a bill's contributions, arguments, tallies and versions as CSV and NDJSON with the
//! documented columns, Akoma Ntoso XML that parses (with an independent parser: Python's expat)
//! and holds every article, instants in RFC 3339 with an offset, ballot tallies equal to a recount
//! of the log and kept apart from imported counts, and nothing about a person but a pseudonym.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::ballot::{BallotEvent, Choice, VoteCounts};
use domain::ids::{AmendmentId, ArticleId, BillId, Target};
use serde_json::{json, Map, Value};

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(
    the_contributions_file_has_the_documented_columns_and_one_row_per_amendment,
    tallies_keep_ballots_and_imported_counts_apart_and_ballots_equal_a_recount_of_the_log,
    akoma_ntoso_documents_parse_and_hold_each_article_and_each_amendment,
    every_exported_instant_is_rfc3339_with_an_explicit_offset,
    markup_quotes_and_newlines_survive_csv_ndjson_and_xml,
    the_open_data_names_people_only_by_their_pseudonym,
    an_unknown_open_data_file_or_document_is_a_404_naming_what_exists,
);

/// The columns as documented in docs/open-data.md.
const CONTRIBUTION_COLUMNS: [&str; 29] = [
    "id",
    "bill_id",
    "base_version",
    "article_id",
    "kind",
    "origin",
    "parliamentary_numbers",
    "title",
    "proposed_text",
    "rationale",
    "author",
    "submitted_at",
    "state",
    "decision",
    "response",
    "decided_by",
    "decided_at",
    "ballots_for",
    "ballots_mixed",
    "ballots_against",
    "ballots_pass",
    "imported_for",
    "imported_mixed",
    "imported_against",
    "imported_pass",
    "imported_source",
    "taken_in_by_versions",
    "not_voted_note",
    "hidden_reason",
];
const ARGUMENT_COLUMNS: [&str; 10] = [
    "id",
    "bill_id",
    "target_kind",
    "article_id",
    "amendment_id",
    "stance",
    "author",
    "body",
    "posted_at",
    "withdrawn",
];
const TALLY_COLUMNS: [&str; 11] = [
    "bill_id",
    "target_kind",
    "article_id",
    "amendment_id",
    "source",
    "for",
    "mixed",
    "against",
    "pass",
    "total",
    "source_label",
];
const VERSION_COLUMNS: [&str; 9] = [
    "bill_id",
    "version",
    "label",
    "published_at",
    "position",
    "article_id",
    "number",
    "heading",
    "text",
];
const TABLES: [(&str, &[&str]); 4] = [
    ("contributions", &CONTRIBUTION_COLUMNS),
    ("arguments", &ARGUMENT_COLUMNS),
    ("tallies", &TALLY_COLUMNS),
    ("versions", &VERSION_COLUMNS),
];

const AKN: &str = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}";

/// Markup, an ampersand, both quotes and newlines (a paragraph break: the service normalises
/// every other run of whitespace, a lone newline included, to one space).
const TRICKY: &str = "Les <données> & les \"codes\" de l'État\n\nsur deux alinéas";
const IMPORTED_SOURCE: &str = "consultation/contributions.csv:9 (id o9)";
const CITIZENS: [&str; 4] = ["u0000000001", "u0000000002", "u0000000003", "u0000000004"];

struct Deliberation {
    app: TestApp,
    bill: String,
    /// Version 1's articles: (id, text).
    articles: Vec<(String, String)>,
    /// Accepted with changes, voted on, taken in by version 2.
    accepted: String,
    /// Rejected, with an imported published tally.
    rejected: String,
    tokens: Vec<String>,
}

impl Deliberation {
    fn path(&self, file: &str) -> String {
        format!("/api/v1/bills/{}/open-data/{file}", self.bill)
    }
}

/// A consultation driven through the API: two amendments (one accepted and taken in by version
/// 2, one rejected), cast, changed and retracted ballots, arguments, and an imported tally.
async fn deliberation(db: TestDb) -> Deliberation {
    let app = TestApp::new(db).await;
    let official = app.token("gouvernement", &["official"]).await;
    let mut citizens = Vec::new();
    for id in CITIZENS {
        citizens.push(app.token(id, &["citizen"]).await);
    }
    let post = |path: String, token: String, body: Value| {
        let app = &app;
        async move {
            let answer = app.post(&path, &token, body).await;
            assert_eq!(answer.status, 201, "{path}: {}", answer.body);
            answer.body["id"].as_str().unwrap_or_default().to_string()
        }
    };
    let bill = post(
        "/api/v1/bills".into(),
        official.clone(),
        json!({
            "title": "Loi pour une République <numérique> & \"ouverte\"",
            "articles": [
                {"number": "1", "heading": "Objet & <portée>", "text": format!("Premier alinéa.\n\n{TRICKY}")},
                {"number": "1 bis", "text": "Un embargo de douze mois s'applique."}
            ]
        }),
    )
    .await;
    post(
        format!("/api/v1/bills/{bill}/consultation/open"),
        official.clone(),
        json!({ "closes_at": (Utc::now() + Duration::days(21)).to_rfc3339() }),
    )
    .await;
    let version = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let articles: Vec<(String, String)> = version.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let accepted = post(
        format!("/api/v1/bills/{bill}/amendments"),
        citizens[0].clone(),
        json!({
            "kind": "modify", "article_id": articles[0].0, "title": "Amender l'article <1>",
            "proposed_text": "Nouveau texte & <mieux>.\n\nSecond \"alinéa\".", "rationale": TRICKY
        }),
    )
    .await;
    let rejected = post(
        format!("/api/v1/bills/{bill}/amendments"),
        citizens[1].clone(),
        json!({
            "kind": "insert_after", "article_id": articles[1].0, "title": "Un article nouveau",
            "proposed_text": "Article nouveau.", "rationale": "Il manque."
        }),
    )
    .await;
    let on_accepted = json!({"kind": "amendment", "amendment_id": accepted});
    let on_article = json!({"kind": "article", "bill_id": bill, "article_id": articles[0].0});
    for (citizen, target, choice) in [
        (0, &on_accepted, "for"),
        (1, &on_accepted, "against"),
        (2, &on_accepted, "for"),
        (2, &on_accepted, "mixed"), // changed: the last vote counts
        (3, &on_accepted, "for"),
        (0, &on_article, "against"),
        (1, &on_article, "for"),
    ] {
        post(
            "/api/v1/votes".into(),
            citizens[citizen].clone(),
            json!({"target": target, "choice": choice}),
        )
        .await;
    }
    post(
        "/api/v1/votes/retract".into(),
        citizens[3].clone(),
        json!({ "target": on_accepted }),
    )
    .await;
    post(
        "/api/v1/arguments".into(),
        citizens[1].clone(),
        json!({"target": on_article, "stance": "for", "body": TRICKY}),
    )
    .await;
    post(
        "/api/v1/arguments".into(),
        citizens[2].clone(),
        json!({"target": on_accepted, "stance": "against", "body": "Trop vague."}),
    )
    .await;
    post(
        format!("/api/v1/amendments/{accepted}/decision"),
        official.clone(),
        json!({"outcome": "accepted_with_changes", "response": "Retenu & <reformulé>.\n\nVoir la \"version 2\"."}),
    )
    .await;
    post(
        format!("/api/v1/amendments/{rejected}/decision"),
        official.clone(),
        json!({"outcome": "rejected", "response": "Hors sujet."}),
    )
    .await;
    post(
        format!("/api/v1/bills/{bill}/versions"),
        official.clone(),
        json!({
            "number": 2, "label": "après consultation",
            "articles": [
                {"id": articles[0].0, "number": "1", "heading": "Objet & <portée>", "text": "Premier alinéa.\n\nNouveau texte & <mieux>."},
                {"id": articles[1].0, "number": "2", "text": articles[1].1}
            ],
            "provenance": [{"article_id": articles[0].0, "amendments": [accepted]}]
        }),
    )
    .await;
    // Published counts only an import records (as the République numérique importer does).
    let context = projections::command::CommandContext::new("importer", Utc::now().fixed_offset())
        .with_source(IMPORTED_SOURCE);
    projections::command::execute::<domain::amendment::Amendment>(
        &app.db.store,
        &rejected,
        domain::amendment::AmendmentCommand::RecordPublishedTally {
            actor: domain::actor::Actor::new(
                domain::ids::ParticipantId::parse("importer").unwrap(),
                vec![domain::actor::Role::Admin],
            ),
            at: Utc::now(),
            counts: VoteCounts {
                r#for: 7,
                mixed: 1,
                against: 3,
                pass: 0,
            },
            source: IMPORTED_SOURCE.into(),
        },
        &context,
    )
    .await
    .unwrap();
    app.views.catch_up().await.unwrap();
    let mut tokens = citizens;
    tokens.push(official);
    Deliberation {
        app,
        bill,
        articles,
        accepted,
        rejected,
        tokens,
    }
}

type Row = BTreeMap<String, String>;

/// A CSV table: its header and its rows by column name.
async fn csv_table(d: &Deliberation, table: &str) -> (Vec<String>, Vec<Row>) {
    let (status, content_type, text) = d.app.get_text(&d.path(&format!("{table}.csv"))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

async fn ndjson_table(d: &Deliberation, table: &str) -> Vec<Map<String, Value>> {
    let (status, content_type, text) = d.app.get_text(&d.path(&format!("{table}.ndjson"))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "application/x-ndjson");
    assert!(text.ends_with('\n'), "every line ends with a newline");
    text.lines()
        .map(|line| match serde_json::from_str(line).unwrap() {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

fn by_id<'a>(rows: &'a [Row], id: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// Parses XML with Python's expat (an independent, conforming parser) into
/// `{"tag", "attrib", "text", "children"}`; panics naming the error when it is not well-formed.
fn parse_xml(xml: &str) -> Value {
    use std::io::Write;
    let script = "import sys, json, xml.etree.ElementTree as ET\n\
        def c(e): return {'tag': e.tag, 'attrib': e.attrib, 'text': e.text or '', 'children': [c(x) for x in e]}\n\
        print(json.dumps(c(ET.fromstring(sys.stdin.buffer.read()))))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 must be installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "not well-formed XML: {}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every element named `name` (in the Akoma Ntoso namespace) under `node`, in document order.
fn all<'a>(node: &'a Value, name: &str, found: &mut Vec<&'a Value>) {
    if node["tag"] == format!("{AKN}{name}") {
        found.push(node);
    }
    for child in node["children"].as_array().unwrap() {
        all(child, name, found);
    }
}

fn find<'a>(node: &'a Value, name: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    all(node, name, &mut found);
    found
}

fn texts(nodes: &[&Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_string())
        .collect()
}

async fn akn(d: &Deliberation, path: &str) -> Value {
    let (status, content_type, text) = d.app.get_text(path).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "application/akn+xml");
    parse_xml(&text)
}

async fn the_contributions_file_has_the_documented_columns_and_one_row_per_amendment(db: TestDb) {
    let d = deliberation(db).await;
    for (table, columns) in TABLES {
        let (header, _) = csv_table(&d, table).await;
        assert_eq!(header, columns, "{table}.csv");
        for object in ndjson_table(&d, table).await {
            let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                columns.iter().copied().collect(),
                "{table}.ndjson has exactly the CSV columns"
            );
        }
    }
    let listed = d
        .app
        .get(&format!("/api/v1/bills/{}/amendments", d.bill))
        .await;
    let (_, rows) = csv_table(&d, "contributions").await;
    assert_eq!(rows.len(), listed.body["items"].as_array().unwrap().len());
    assert_eq!(rows.len(), 2);
    let accepted = by_id(&rows, &d.accepted);
    assert_eq!(accepted["bill_id"], d.bill);
    assert_eq!(accepted["article_id"], d.articles[0].0);
    assert_eq!(accepted["kind"], "modify");
    assert_eq!(accepted["origin"], "citizen");
    assert_eq!(accepted["author"], CITIZENS[0]);
    assert_eq!(accepted["state"], "accepted_with_changes");
    assert_eq!(accepted["decision"], "accepted_with_changes");
    assert_eq!(accepted["decided_by"], "gouvernement");
    assert_eq!(
        accepted["response"],
        "Retenu & <reformulé>.\n\nVoir la \"version 2\"."
    );
    assert_eq!(
        accepted["proposed_text"],
        "Nouveau texte & <mieux>.\n\nSecond \"alinéa\"."
    );
    assert_eq!(
        (
            &accepted["ballots_for"][..],
            &accepted["ballots_mixed"][..],
            &accepted["ballots_against"][..]
        ),
        ("1", "1", "1"),
        "one ballot per person, the last vote counts, a retracted ballot counts nowhere"
    );
    assert_eq!(accepted["imported_for"], "", "no published count: empty");
    assert_eq!(accepted["taken_in_by_versions"], "2");
    let rejected = by_id(&rows, &d.rejected);
    assert_eq!(rejected["kind"], "insert_after");
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["taken_in_by_versions"], "");
    assert_eq!(
        (
            &rejected["imported_for"][..],
            &rejected["imported_mixed"][..],
            &rejected["imported_against"][..]
        ),
        ("7", "1", "3")
    );
    assert_eq!(rejected["imported_source"], IMPORTED_SOURCE);
    assert_eq!(rejected["ballots_for"], "0");

    let objects = ndjson_table(&d, "contributions").await;
    let object = objects
        .iter()
        .find(|o| o["id"] == json!(d.rejected))
        .unwrap();
    assert_eq!(object["imported_for"], json!(7), "numbers stay numbers");
    assert!(object["decided_at"].is_string());
    assert_eq!(object["parliamentary_numbers"], Value::Null);

    let (_, arguments) = csv_table(&d, "arguments").await;
    assert_eq!(arguments.len(), 2);
    assert_eq!(arguments[0]["target_kind"], "article");
    assert_eq!(arguments[0]["article_id"], d.articles[0].0);
    assert_eq!(arguments[0]["stance"], "for");
    assert_eq!(arguments[1]["target_kind"], "amendment");
    assert_eq!(arguments[1]["amendment_id"], d.accepted);
    assert_eq!(arguments[1]["withdrawn"], "false");

    let (_, versions) = csv_table(&d, "versions").await;
    assert_eq!(versions.len(), 4, "two versions of two articles");
    assert_eq!(versions[0]["version"], "1");
    assert_eq!(versions[0]["position"], "1");
    assert_eq!(versions[0]["text"], d.articles[0].1);
    assert_eq!(versions[3]["version"], "2");
    assert_eq!(versions[3]["label"], "après consultation");
    assert_eq!(versions[3]["number"], "2");
}

/// Folds every ballot stream of the log: the last event of each stream is its current choice.
async fn recount(store: &projections::EventStore) -> HashMap<String, VoteCounts> {
    let mut ballots: HashMap<String, (Target, Option<Choice>)> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.read_log(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.log_index;
        for logged in page.iter().filter(|l| l.event.stream_type == "ballot") {
            let event: BallotEvent = serde_json::from_value(logged.event.payload.clone()).unwrap();
            let stream = logged.event.stream_id.clone();
            match event {
                BallotEvent::BallotCast { target, choice, .. } => {
                    ballots.insert(stream, (target, Some(choice)));
                }
                BallotEvent::BallotChanged { choice, .. } => {
                    ballots.get_mut(&stream).unwrap().1 = Some(choice)
                }
                BallotEvent::BallotRetracted => ballots.get_mut(&stream).unwrap().1 = None,
            }
        }
    }
    let mut counts: HashMap<String, VoteCounts> = HashMap::new();
    for (target, choice) in ballots.into_values() {
        let entry = counts.entry(target.stream_key()).or_default();
        if let Some(choice) = choice {
            entry.add(choice);
        }
    }
    counts
}

fn row_target(row: &Row) -> Target {
    match &row["target_kind"][..] {
        "article" => Target::Article {
            bill_id: BillId::parse(&row["bill_id"]).unwrap(),
            article_id: ArticleId::parse(&row["article_id"]).unwrap(),
        },
        "amendment" => Target::Amendment {
            amendment_id: AmendmentId::parse(&row["amendment_id"]).unwrap(),
        },
        other => panic!("unexpected target kind {other}"),
    }
}

fn counts_of(row: &Row) -> VoteCounts {
    VoteCounts {
        r#for: row["for"].parse().unwrap(),
        mixed: row["mixed"].parse().unwrap(),
        against: row["against"].parse().unwrap(),
        pass: row["pass"].parse().unwrap(),
    }
}

async fn tallies_keep_ballots_and_imported_counts_apart_and_ballots_equal_a_recount_of_the_log(
    db: TestDb,
) {
    let d = deliberation(db).await;
    let (_, rows) = csv_table(&d, "tallies").await;
    let recounted = recount(&d.app.db.store).await;
    assert!(!recounted.is_empty());
    let mut sources: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        let key = row_target(row).stream_key();
        sources.entry(key.clone()).or_default().push(&row["source"]);
        let counts = counts_of(row);
        assert_eq!(row["total"], counts.total().to_string());
        match &row["source"][..] {
            "ballots" => {
                assert_eq!(row["source_label"], "", "ballots carry no source label");
                assert_eq!(
                    counts,
                    recounted.get(&key).copied().unwrap_or_default(),
                    "ballots of {key} equal the recount of the log"
                );
            }
            "imported" => {
                assert_eq!(key, format!("amendment:{}", d.rejected));
                assert_eq!(row["source_label"], IMPORTED_SOURCE);
                assert_eq!(
                    counts.total(),
                    11,
                    "as published, never summed with ballots"
                );
            }
            other => panic!("unexpected source {other}"),
        }
    }
    for key in recounted.keys() {
        assert!(
            sources.contains_key(key),
            "{key} was voted on but has no row"
        );
    }
    // Two articles and two amendments; one ballots row each, one imported row apart.
    assert_eq!(sources.len(), 4);
    assert_eq!(
        sources[&format!("amendment:{}", d.rejected)],
        ["ballots", "imported"]
    );
    assert!(sources
        .values()
        .filter(|s| s.len() == 1)
        .all(|s| s == &["ballots"]));
    let ndjson = ndjson_table(&d, "tallies").await;
    assert_eq!(ndjson.len(), rows.len());
    assert!(ndjson
        .iter()
        .all(|o| o["for"].is_u64() && o["total"].is_u64()));
}

async fn akoma_ntoso_documents_parse_and_hold_each_article_and_each_amendment(db: TestDb) {
    let d = deliberation(db).await;
    for number in [1, 2] {
        let version = d
            .app
            .get(&format!("/api/v1/bills/{}/versions/{number}", d.bill))
            .await;
        let doc = akn(
            &d,
            &format!("/api/v1/bills/{}/versions/{number}/akn.xml", d.bill),
        )
        .await;
        assert_eq!(doc["tag"], format!("{AKN}akomaNtoso"));
        assert_eq!(doc["children"][0]["tag"], format!("{AKN}bill"));
        let this = find(&doc, "FRBRthis");
        assert!(
            this[1]["attrib"]["value"]
                .as_str()
                .unwrap()
                .contains(&format!(";v{number}/")),
            "the expression names the version"
        );
        let articles = find(&doc, "article");
        let expected = version.body["articles"].as_array().unwrap();
        assert_eq!(articles.len(), expected.len());
        for (article, expected) in articles.iter().zip(expected) {
            assert_eq!(article["attrib"]["GUID"], expected["id"]);
            assert_eq!(
                texts(&find(article, "num")),
                [format!("Article {}", expected["number"].as_str().unwrap())]
            );
            let paragraphs: Vec<String> = find(article, "paragraph")
                .iter()
                .flat_map(|p| texts(&find(p, "p")))
                .collect();
            assert_eq!(paragraphs.join("\n\n"), expected["text"].as_str().unwrap());
        }
        let eids: BTreeSet<&str> = articles
            .iter()
            .map(|a| a["attrib"]["eId"].as_str().unwrap())
            .collect();
        assert_eq!(eids.len(), articles.len(), "eIds are unique");
    }

    let doc = akn(&d, &format!("/api/v1/amendments/{}/akn.xml", d.accepted)).await;
    assert_eq!(doc["children"][0]["tag"], format!("{AKN}amendment"));
    let body = find(&doc, "amendmentBody");
    assert_eq!(body.len(), 1);
    let contents = find(body[0], "amendmentContent");
    let proposed = contents
        .iter()
        .find(|c| c["attrib"]["eId"] == "proposed")
        .unwrap();
    assert_eq!(
        texts(&find(proposed, "p")),
        ["Nouveau texte & <mieux>.", "Second \"alinéa\"."]
    );
    let decision = contents
        .iter()
        .find(|c| c["attrib"]["eId"] == "decision")
        .unwrap();
    assert_eq!(texts(&find(decision, "span")), ["accepted_with_changes"]);
    let response = find(decision, "blockContainer");
    assert_eq!(
        texts(&find(response[0], "p")),
        ["Retenu & <reformulé>.", "Voir la \"version 2\"."]
    );
    let steps = find(&doc, "step");
    assert_eq!(steps.len(), 2, "submitted, then decided");
    assert_eq!(steps[1]["attrib"]["outcome"], "#accepted_with_changes");
    assert_eq!(steps[1]["attrib"]["by"], "#person_gouvernement");

    let doc = akn(&d, &format!("/api/v1/amendments/{}/akn.xml", d.rejected)).await;
    assert_eq!(
        texts(&find(&doc, "span")),
        ["rejected"],
        "the rejected amendment's state"
    );
    let heading = find(&doc, "amendmentHeading");
    assert_eq!(
        texts(&find(heading[0], "p")),
        ["Insert a new article after Article 1 bis (version 1 of the bill)"],
        "the article as numbered in the version it was submitted against (now Article 2)"
    );
}

/// RFC 3339 with a numeric offset (`+02:00`, `+00:00`), never `Z` nor a local time.
#[track_caller]
fn assert_explicit_offset(value: &str, what: &str) {
    let parsed = DateTime::parse_from_rfc3339(value)
        .unwrap_or_else(|e| panic!("{what}: `{value}` is not RFC 3339: {e}"));
    let offset = &value[value.len() - 6..];
    assert!(
        (offset.starts_with('+') || offset.starts_with('-')) && offset.as_bytes()[3] == b':',
        "{what}: `{value}` has no explicit numeric offset"
    );
    assert_eq!(
        parsed.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        value
    );
}

async fn every_exported_instant_is_rfc3339_with_an_explicit_offset(db: TestDb) {
    let d = deliberation(db).await;
    let mut seen = 0;
    for (table, columns) in TABLES {
        let (_, rows) = csv_table(&d, table).await;
        let objects = ndjson_table(&d, table).await;
        for column in columns.iter().filter(|c| c.ends_with("_at")) {
            for row in &rows {
                if !row[*column].is_empty() {
                    assert_explicit_offset(&row[*column], &format!("{table}.csv {column}"));
                    seen += 1;
                }
            }
            for object in &objects {
                if let Some(value) = object[*column].as_str() {
                    assert_explicit_offset(value, &format!("{table}.ndjson {column}"));
                }
            }
        }
    }
    // 2 submissions + 2 decisions + 2 arguments + 4 version rows.
    assert_eq!(seen, 10);
    // The same instant as the API reports.
    let (_, rows) = csv_table(&d, "contributions").await;
    let shown = d
        .app
        .get(&format!("/api/v1/amendments/{}", d.accepted))
        .await;
    assert_eq!(
        DateTime::parse_from_rfc3339(&by_id(&rows, &d.accepted)["submitted_at"]).unwrap(),
        DateTime::parse_from_rfc3339(shown.body["submitted_at"].as_str().unwrap()).unwrap()
    );
    let doc = akn(&d, &format!("/api/v1/amendments/{}/akn.xml", d.accepted)).await;
    for date in find(&doc, "FRBRdate").iter().chain(&find(&doc, "step")) {
        let value = date["attrib"]["date"].as_str().unwrap();
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("`{value}` is not an xsd:date: {e}"));
    }
    for date in find(&doc, "date") {
        assert_explicit_offset(date["text"].as_str().unwrap(), "decision <date>");
    }
}

async fn markup_quotes_and_newlines_survive_csv_ndjson_and_xml(db: TestDb) {
    let d = deliberation(db).await;
    let article = &d.articles[0].1;
    assert!(
        article.contains("<données> & les \"codes\" de l'État"),
        "{article}"
    );
    let (_, versions) = csv_table(&d, "versions").await;
    assert_eq!(&versions[0]["text"], article);
    assert_eq!(versions[0]["heading"], "Objet & <portée>");
    let objects = ndjson_table(&d, "versions").await;
    assert_eq!(objects[0]["text"], json!(article));
    let (_, contributions) = csv_table(&d, "contributions").await;
    assert_eq!(by_id(&contributions, &d.accepted)["rationale"], TRICKY);
    assert_eq!(
        by_id(&contributions, &d.accepted)["title"],
        "Amender l'article <1>"
    );
    let (_, arguments) = csv_table(&d, "arguments").await;
    assert_eq!(arguments[0]["body"], TRICKY);
    let objects = ndjson_table(&d, "arguments").await;
    assert_eq!(objects[0]["body"], json!(TRICKY));

    let doc = akn(&d, &format!("/api/v1/bills/{}/versions/1/akn.xml", d.bill)).await;
    let paragraphs = texts(&find(find(&doc, "article")[0], "p"));
    assert_eq!(paragraphs.join("\n\n"), *article);
    assert_eq!(
        texts(&find(&doc, "heading")),
        ["Objet & <portée>"],
        "the only heading"
    );
    assert_eq!(
        texts(&find(find(&doc, "longTitle")[0], "p")),
        ["Loi pour une République <numérique> & \"ouverte\""]
    );
    let doc = akn(&d, &format!("/api/v1/amendments/{}/akn.xml", d.accepted)).await;
    assert_eq!(
        texts(&find(find(&doc, "amendmentJustification")[0], "p")).join("\n\n"),
        TRICKY
    );
    assert_eq!(texts(&find(&doc, "docTitle")), ["Amender l'article <1>"]);
}

async fn the_open_data_names_people_only_by_their_pseudonym(db: TestDb) {
    let d = deliberation(db).await;
    let mut everything = String::new();
    for (table, _) in TABLES {
        for format in ["csv", "ndjson"] {
            everything.push_str(
                &d.app
                    .get_text(&d.path(&format!("{table}.{format}")))
                    .await
                    .2,
            );
        }
    }
    for path in [
        format!("/api/v1/bills/{}/versions/1/akn.xml", d.bill),
        format!("/api/v1/bills/{}/versions/2/akn.xml", d.bill),
        format!("/api/v1/amendments/{}/akn.xml", d.accepted),
        format!("/api/v1/amendments/{}/akn.xml", d.rejected),
    ] {
        everything.push_str(&d.app.get_text(&path).await.2);
    }
    for token in &d.tokens {
        assert!(
            !everything.contains(token.as_str()),
            "a bearer token leaked"
        );
    }
    let pseudonyms: BTreeSet<&str> = CITIZENS.iter().copied().chain(["gouvernement"]).collect();
    let (_, contributions) = csv_table(&d, "contributions").await;
    let (_, arguments) = csv_table(&d, "arguments").await;
    for value in contributions
        .iter()
        .flat_map(|r| [&r["author"], &r["decided_by"]])
        .chain(arguments.iter().map(|r| &r["author"]))
        .filter(|v| !v.is_empty())
    {
        assert!(
            pseudonyms.contains(value.as_str()),
            "`{value}` is not a pseudonym"
        );
    }
    let doc = akn(&d, &format!("/api/v1/amendments/{}/akn.xml", d.accepted)).await;
    let people: BTreeSet<&str> = find(&doc, "TLCPerson")
        .iter()
        .map(|p| p["attrib"]["showAs"].as_str().unwrap())
        .collect();
    assert_eq!(people, BTreeSet::from([CITIZENS[0], "gouvernement"]));
}

async fn an_unknown_open_data_file_or_document_is_a_404_naming_what_exists(db: TestDb) {
    let d = deliberation(db).await;
    let detail = d.app.get(&d.path("contributions.xlsx")).await.problem(404);
    for name in [
        "contributions.csv",
        "arguments.ndjson",
        "tallies.csv",
        "versions.ndjson",
    ] {
        assert!(detail.contains(name), "{detail}");
    }
    let unknown_bill = format!(
        "/api/v1/bills/{}/open-data/tallies.csv",
        uuid::Uuid::new_v4()
    );
    assert!(d
        .app
        .get(&unknown_bill)
        .await
        .problem(404)
        .contains("no bill"));
    let detail = d
        .app
        .get(&format!("/api/v1/bills/{}/versions/3/akn.xml", d.bill))
        .await
        .problem(404);
    assert!(detail.contains("versions 1 to 2"), "{detail}");
    let unknown_amendment = format!("/api/v1/amendments/{}/akn.xml", uuid::Uuid::new_v4());
    assert!(d
        .app
        .get(&unknown_amendment)
        .await
        .problem(404)
        .contains("no amendment"));
}

/// The real bill (SQLite only: the rendering reads the views, whose backends the scenarios above
/// already cover; importing twice more would add a minute to the suite).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_republique_numerique_open_data_has_every_version_and_contribution() {
    let db = TestDb::sqlite().await;
    let report = api::import::import_bundled(&db.store).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = api::cli::write_open_data(&db.store, dir.path(), None)
        .await
        .unwrap();
    assert_eq!(written.bills, 1);
    let folder = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let read = |name: &str| -> Vec<Row> {
        let mut reader = csv::Reader::from_path(folder.join(name)).unwrap();
        reader.deserialize().map(|r| r.unwrap()).collect()
    };
    let versions = read("versions.csv");
    let numbers: BTreeSet<&str> = versions.iter().map(|r| r["version"].as_str()).collect();
    assert_eq!(
        numbers.len() as u64,
        report.versions + 1,
        "the draft and every later version"
    );
    let contributions = read("contributions.csv");
    assert_eq!(
        contributions.len() as u64,
        report.citizen_amendments + report.parliamentary_amendments
    );
    assert_eq!(
        contributions
            .iter()
            .filter(|r| !r["decision"].is_empty())
            .count() as u64,
        report.decisions
    );
    assert_eq!(read("arguments.csv").len() as u64, report.arguments);
    let tallies = read("tallies.csv");
    assert_eq!(
        tallies.iter().filter(|r| r["source"] == "imported").count() as u64,
        report.imported_tallies
    );
    // Article 9 (open access): ballots and published counts side by side, as in the README.
    let article_9 = &versions
        .iter()
        .find(|r| r["version"] == "1" && r["number"] == "9")
        .unwrap()["article_id"];
    let on_article_9: Vec<(&str, VoteCounts)> = tallies
        .iter()
        .filter(|r| &r["article_id"] == article_9)
        .map(|r| (r["source"].as_str(), counts_of(r)))
        .collect();
    assert_eq!(
        on_article_9,
        [
            (
                "ballots",
                VoteCounts {
                    r#for: 1311,
                    mixed: 281,
                    against: 1728,
                    pass: 0,
                }
            ),
            (
                "imported",
                VoteCounts {
                    r#for: 1320,
                    mixed: 282,
                    against: 1732,
                    pass: 0,
                }
            ),
        ]
    );
    // Imported free text keeps its lone line breaks, in CSV and in XML.
    let with_newline = contributions
        .iter()
        .find(|r| r["rationale"].replace("\n\n", "").contains('\n'))
        .expect("the real rationales hold line breaks");
    let xml =
        std::fs::read_to_string(folder.join(format!("akn/amendment-{}.xml", with_newline["id"])))
            .unwrap();
    let doc = parse_xml(&xml);
    let expected: Vec<&str> = with_newline["rationale"]
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(
        texts(&find(find(&doc, "amendmentJustification")[0], "p")),
        expected
    );
    // Every Akoma Ntoso file parses: one per version, one per amendment.
    let script = "import sys, glob, xml.etree.ElementTree as ET\n\
        files = sorted(glob.glob(sys.argv[1] + '/akn/*.xml'))\n\
        for f in files: ET.parse(f)\n\
        print(len([f for f in files if '/version-' in f]), len(files))";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&folder)
        .output()
        .expect("python3 must be installed");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!(
            "{} {}",
            report.versions + 1,
            report.versions + 1 + contributions.len() as u64
        )
    );
}
