use api::import::sources::bundled;
use api::import::{import_bundled, import_folder};
use projections::verify::verify_database;
use serde_json::{json, Value};

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(the_republique_numerique_history_imports_once_and_verifies);

async fn the_republique_numerique_history_imports_once_and_verifies(db: TestDb) {
    let report = import_bundled(&db.store).await.unwrap();
    assert!(!report.already_imported);
    assert_eq!(
        report.versions, 136,
        "137 versions: the draft plus one per later commit"
    );
    assert_eq!(report.ballots_cast, 12_836);
    assert_eq!(report.ballots_changed, 2);
    assert_eq!(report.duplicate_vote_rows_ignored, 13);
    assert_eq!(
        report.ballots_cast + report.ballots_changed + report.duplicate_vote_rows_ignored,
        12_851,
        "every row of votes.csv is accounted for"
    );
    let events = db.store.log_size().await.unwrap();
    assert_eq!(report.events, events);

    let verified = verify_database(&db.store, None).await.unwrap();
    assert_eq!(verified.events, events);

    let again = import_bundled(&db.store).await.unwrap();
    assert!(again.already_imported);
    assert_eq!(
        db.store.log_size().await.unwrap(),
        events,
        "a second import adds nothing"
    );

    the_real_export_verifies_in_both_verifiers(&db).await;

    let app = TestApp::new(db).await;
    open_access_article_shows_its_history(&app).await;
    article_9_ballots_and_imported_tallies_are_kept_apart(&app).await;
    government_citations_are_provenance(&app).await;
}

async fn the_real_export_verifies_in_both_verifiers(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key = crate::support::test_signing_key();
    let written = projections::transparency::write_export(
        &db.store,
        &key,
        "palimpsest.test/log",
        dir.path(),
        |_, _| {},
    )
    .await
    .unwrap();
    let events = db.store.log_size().await.unwrap();
    assert_eq!(written.events, events);
    let report = api::audit::verify_export(dir.path(), None, |_| {}).unwrap();
    assert_eq!(report.events, events);
    let (ok, output) =
        crate::support::python_verifier(&["--export".as_ref(), dir.path().as_os_str()]);
    assert!(ok, "{output}");
    assert!(
        output.contains(&domain::integrity::merkle::hash_to_hex(&report.root)),
        "{output}"
    );
    // An inclusion proof of a real decision verifies against the signed checkpoint.
    let proof = projections::transparency::inclusion_proof(&db.store, events / 2, events)
        .await
        .unwrap();
    let note = projections::transparency::latest_checkpoint(&db.store)
        .await
        .unwrap()
        .unwrap()
        .note;
    let vkey =
        domain::integrity::checkpoint::VerifierKey::parse(&key.verifier_key_string()).unwrap();
    let proof_json = serde_json::to_string(&proof).unwrap();
    domain::integrity::audit::verify_inclusion_file(&proof_json, &note, &vkey).unwrap();
    // The same proof through the independent verifier.
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("proof.json"), &proof_json).unwrap();
    std::fs::write(files.path().join("checkpoint.note"), &note).unwrap();
    std::fs::write(
        files.path().join("key.vkey"),
        format!("{}\n", key.verifier_key_string()),
    )
    .unwrap();
    let (ok, output) = crate::support::python_verifier(&[
        "--proof".as_ref(),
        files.path().join("proof.json").as_os_str(),
        "--checkpoint".as_ref(),
        files.path().join("checkpoint.note").as_os_str(),
        "--public-key".as_ref(),
        files.path().join("key.vkey").as_os_str(),
    ]);
    assert!(ok, "{output}");
}

fn find_open_access(version: &Value) -> &Value {
    version["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["text"].as_str().unwrap().contains("L. 533-4"))
        .expect("the open-access article (code de la recherche L. 533-4)")
}

async fn open_access_article_shows_its_history(app: &TestApp) {
    let bill = api::import::republique::bill_id();
    let consultation = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let article = find_open_access(&consultation.body);
    assert_eq!(article["number"], "9");
    let text = article["text"].as_str().unwrap();
    assert!(
        text.contains("douze mois") && text.contains("vingt-quatre mois"),
        "{text}"
    );
    let id = article["id"].as_str().unwrap();

    let latest = app.get(&format!("/api/v1/bills/{bill}/versions/137")).await;
    let later = latest.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .expect("the same article, renumbered, in the last version");
    assert_eq!(later["number"], "17");
    assert!(later["text"].as_str().unwrap().contains("six mois"));

    let diff = app
        .get(&format!(
            "/api/v1/bills/{bill}/diff?from=1&to=137&article={id}"
        ))
        .await;
    let chunks = diff.body["articles"][0]["chunks"].as_array().unwrap();
    assert!(chunks
        .iter()
        .any(|c| c["op"] == "insert" && c["text"].as_str().unwrap().contains("six")));
    assert!(chunks
        .iter()
        .any(|c| c["op"] == "delete" && c["text"].as_str().unwrap().contains("douze")));

    let history = app
        .get(&format!("/api/v1/bills/{bill}/articles/{id}"))
        .await;
    let labels: Vec<&str> = history.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.first(), Some(&"draft"));
    assert!(
        labels.contains(&"post_consultation_government"),
        "{labels:?}"
    );
    assert!(labels.contains(&"an_seance_publique"), "{labels:?}");
    assert_eq!(
        history.body["amendments"].as_array().unwrap().len(),
        109,
        "the 108 citizen modifications of Article 9 and one parliamentary amendment"
    );
}

/// The duplicate policy of votes.csv: one ballot per voter and target, the last vote wins;
/// the platform's published counts (duplicates included) are kept apart as imported tallies.
async fn article_9_ballots_and_imported_tallies_are_kept_apart(app: &TestApp) {
    let bill = api::import::republique::bill_id();
    let consultation = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let id = find_open_access(&consultation.body)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let history = app
        .get(&format!("/api/v1/bills/{bill}/articles/{id}"))
        .await;
    assert_eq!(
        history.body["tallies"]["ballots"],
        json!({"for": 1311, "mixed": 281, "against": 1728, "pass": 0})
    );
    assert_eq!(
        history.body["tallies"]["imported"],
        json!({"for": 1320, "mixed": 282, "against": 1732, "pass": 0})
    );
    let modification = api::import::republique::contribution_amendment_id("v844");
    let shown = app.get(&format!("/api/v1/amendments/{modification}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let ballots = &shown.body["tallies"]["ballots"];
    let imported = &shown.body["tallies"]["imported"];
    assert!(ballots["for"].as_u64().unwrap() > 0, "{ballots}");
    assert_eq!(
        ballots, imported,
        "no duplicates on this modification: {ballots} vs {imported}"
    );
    assert!(shown.body["tallies"]["imported_source"]
        .as_str()
        .unwrap()
        .starts_with("consultation/contributions.csv:"));
}

async fn government_citations_are_provenance(app: &TestApp) {
    let bill = api::import::republique::bill_id();
    let mut cited = 0;
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/bills/{bill}/versions?limit=50{cursor}"))
            .await;
        for item in page.body["items"].as_array().unwrap() {
            let number = item["number"].as_u64().unwrap();
            if item["label"] != "post_consultation_government" {
                continue;
            }
            let version = app
                .get(&format!("/api/v1/bills/{bill}/versions/{number}"))
                .await;
            for p in version.body["provenance"].as_array().unwrap() {
                for a in p["amendments"].as_array().unwrap() {
                    assert_eq!(a["state"], "accepted_with_changes");
                    cited += 1;
                }
            }
        }
        match page.body["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert!(
        cited >= 20,
        "the Ministry's commits cite consultation contributions: {cited}"
    );
}

#[tokio::test]
async fn a_malformed_file_stops_the_import_naming_file_line_and_field_and_writes_nothing() {
    let db = TestDb::sqlite().await;
    let folder = tempfile::tempdir().unwrap();
    let files = [
        (bundled::COMMITS_FILE, bundled::COMMITS),
        (bundled::CONTRIBUTIONS_FILE, bundled::CONTRIBUTIONS),
        (bundled::OPINIONS_FILE, bundled::OPINIONS),
        (bundled::OPINION_ARGUMENTS_FILE, bundled::OPINION_ARGUMENTS),
        (
            bundled::ARTICLE9_MODIFICATIONS_FILE,
            bundled::ARTICLE9_MODIFICATIONS,
        ),
        (bundled::ARTICLE9_VOTES_FILE, bundled::ARTICLE9_VOTES),
        (
            bundled::ARTICLE9_ARGUMENTS_FILE,
            bundled::ARTICLE9_ARGUMENTS,
        ),
    ];
    for (name, text) in files {
        let path = folder.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if name == bundled::OPINIONS_FILE {
            // Line 31 of opinions.jsonl gets a second body: which one would we record?
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let line = lines[30].trim_end().trim_end_matches('}').to_string();
            lines[30] = format!("{line}, \"body_html\": \"<p>FORGED</p>\"}}");
            lines.join("\n")
        } else if name == bundled::ARTICLE9_VOTES_FILE {
            // Line 4 of votes.csv gets a vote value the source never uses.
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let fields: Vec<&str> = lines[3].split(',').collect();
            lines[3] = format!("{},{},{},{},2", fields[0], fields[1], fields[2], fields[3]);
            lines.join("\n")
        } else {
            text.to_string()
        };
        std::fs::write(path, text).unwrap();
    }
    let err = import_folder(&db.store, folder.path()).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("consultation/opinions.jsonl:31: field `body_html`: duplicate object key"),
        "{message}"
    );
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");
    // Once that file is repaired, the bad vote value is the next thing named.
    std::fs::write(
        folder.path().join(bundled::OPINIONS_FILE),
        bundled::OPINIONS,
    )
    .unwrap();
    let message = import_folder(&db.store, folder.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("article9/votes.csv:4: field `value`"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");
}
