use std::collections::HashMap;

use api::import::sources::fabrique::{bundled as fabrique_files, parse_law, Outcome};
use api::import::sources::polis::{self as polis_source, bundled as polis_files};
use api::import::{fabrique, polis};
use domain::amendment::{Amendment, AmendmentEvent, AmendmentState, DecisionOutcome};
use domain::ballot::{BallotEvent, Choice};
use domain::bill::{BillEvent, StepFailure};
use domain::ids::{Target, VersionNumber};
use domain::text::Article;
use futures::StreamExt;
use projections::verify::verify_database;
use projections::EventStore;

use crate::support::{both_backends, TestApp, TestDb};

async fn bill_events(store: &EventStore, bill: domain::ids::BillId) -> Vec<BillEvent> {
    store
        .load_stream("bill", &bill.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_value(e.payload).unwrap())
        .collect()
}

/// Every text of the bill in order: (number, label, articles).
fn versions(events: &[BillEvent]) -> Vec<(u32, String, Vec<Article>)> {
    events
        .iter()
        .filter_map(|e| match e {
            BillEvent::BillDrafted { articles, .. } => {
                Some((1, "draft".to_string(), articles.clone()))
            }
            BillEvent::VersionPublished {
                number,
                label,
                articles,
                ..
            } => Some((number.get(), label.clone(), articles.clone())),
            _ => None,
        })
        .collect()
}

both_backends!(the_fabrique_laws_import_once_and_verify);

async fn the_fabrique_laws_import_once_and_verify(db: TestDb) {
    let report = fabrique::import_bundled(&db.store).await.unwrap();
    assert_eq!(report.laws_imported, 2);
    assert_eq!(report.amendments, 117 + 92);
    assert_eq!(
        (report.accepted, report.rejected, report.not_voted),
        (53 + 20, 32 + 15, 32 + 57),
        "adopté / rejeté / non-voté, each in its own state"
    );
    assert_eq!(
        report.failed_steps, 5,
        "ppl11-290: 2 + 2 Senate rejections, 1 failed CMP"
    );
    assert_eq!(
        report.versions,
        8 + 10,
        "after version 1: 8 texts of pjl15-034, 10 of ppl11-290"
    );
    assert_eq!(report.adopted_bills, 2, "both were promulgated");
    let events = db.store.log_size().await.unwrap();
    assert_eq!(report.events, events);
    assert_eq!(
        verify_database(&db.store, None).await.unwrap().events,
        events
    );

    let again = fabrique::import_bundled(&db.store).await.unwrap();
    assert_eq!((again.laws_imported, again.laws_already_imported), (0, 2));
    assert_eq!(
        db.store.log_size().await.unwrap(),
        events,
        "a second import adds nothing"
    );

    every_amendment_is_in_the_state_of_its_outcome(&db.store).await;
}

async fn every_amendment_is_in_the_state_of_its_outcome(store: &EventStore) {
    for files in fabrique_files::all() {
        let law = parse_law(&files).unwrap();
        for step in &law.steps {
            for a in &step.amendments {
                let id = fabrique::amendment_id(&law.id, &step.directory, &a.numero);
                let (amendment, _) =
                    projections::command::load::<Amendment>(store, &id.to_string())
                        .await
                        .unwrap();
                let expected = match a.outcome {
                    Outcome::Adopted => AmendmentState::Decided(DecisionOutcome::Accepted),
                    Outcome::Rejected => AmendmentState::Decided(DecisionOutcome::Rejected),
                    Outcome::NotVoted => AmendmentState::NotVoted,
                };
                assert_eq!(amendment.state(), expected, "{} {}", a.file, a.numero);
            }
        }
    }
}

/// ppl11-290: the Senate rejected the text twice in first reading (commission, séance), the CMP
/// failed, the Senate rejected it twice again in nouvelle lecture; none of these is a version.
#[tokio::test]
async fn the_senate_rejections_and_the_failed_cmp_are_failed_steps_and_the_an_text_continues() {
    let db = TestDb::sqlite().await;
    fabrique::import(&db.store, vec![fabrique_files::ppl11_290()])
        .await
        .unwrap();
    let events = bill_events(&db.store, fabrique::bill_id("ppl11-290")).await;
    let failed: Vec<(String, StepFailure)> = events
        .iter()
        .filter_map(|e| match e {
            BillEvent::StepFailed { label, kind, .. } => Some((label.clone(), *kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        [
            (
                "04_1erelecture_senat_commission".into(),
                StepFailure::Rejected
            ),
            (
                "05_1erelecture_senat_hemicycle".into(),
                StepFailure::Rejected
            ),
            ("06_cmp_cmp_commission".into(), StepFailure::NoAgreement),
            (
                "11_nouv.lect._senat_commission".into(),
                StepFailure::Rejected
            ),
            (
                "12_nouv.lect._senat_hemicycle".into(),
                StepFailure::Rejected
            ),
        ]
    );
    let versions = versions(&events);
    let labels: Vec<&str> = versions.iter().map(|(_, l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "draft",
            "01_1erelecture_assemblee_commission",
            "02_1erelecture_assemblee_hemicycle",
            "03_1erelecture_senat_depot",
            "07_nouv.lect._assemblee_depot",
            "08_nouv.lect._assemblee_commission",
            "09_nouv.lect._assemblee_hemicycle",
            "10_nouv.lect._senat_depot",
            "13_l.définitive_assemblee_depot",
            "14_l.définitive_assemblee_hemicycle",
            "15_constitutionnalité_conseilconstitutionnel_",
        ]
    );
    let numbers: Vec<u32> = versions.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        numbers,
        (1..=11).collect::<Vec<_>>(),
        "no gap for the failed steps"
    );
    // Nouvelle lecture starts again from the text the Assemblée had adopted.
    let (_, _, before_failures) = &versions[3];
    let (number, _, after_failures) = &versions[4];
    assert_eq!(*number, 5);
    assert_eq!(after_failures, before_failures);
    assert!(matches!(events.last(), Some(BillEvent::BillAdopted)));
}

/// `2 bis` is created in séance (version 3) and keeps one id to the end, with its label.
#[tokio::test]
async fn an_article_created_mid_way_keeps_one_id_across_steps() {
    let db = TestDb::sqlite().await;
    fabrique::import(&db.store, vec![fabrique_files::ppl11_290()])
        .await
        .unwrap();
    let events = bill_events(&db.store, fabrique::bill_id("ppl11-290")).await;
    let id = fabrique::article_id("ppl11-290", "2 bis");
    let holding: Vec<u32> = versions(&events)
        .iter()
        .filter(|(_, _, articles)| articles.iter().any(|a| a.id == id && a.number == "2 bis"))
        .map(|(n, _, _)| *n)
        .collect();
    assert_eq!(holding, (3..=11).collect::<Vec<_>>());
    // Article 1er was deleted in commission (version 2) and is absent from then on.
    let first = fabrique::article_id("ppl11-290", "1er");
    for (n, _, articles) in versions(&events) {
        assert_eq!(
            articles.iter().any(|a| a.id == first),
            n == 1,
            "version {n}"
        );
    }
    // The séance version names the adopted amendments that created 2 bis (after article 2).
    let provenance = events
        .iter()
        .find_map(|e| match e {
            BillEvent::VersionPublished {
                number, provenance, ..
            } if *number == VersionNumber(3) => Some(provenance.clone()),
            _ => None,
        })
        .unwrap();
    let on_2_bis = provenance.iter().find(|p| p.article_id == id).unwrap();
    assert!(!on_2_bis.amendments.is_empty());
    for amendment in &on_2_bis.amendments {
        let (a, _) = projections::command::load::<Amendment>(&db.store, &amendment.to_string())
            .await
            .unwrap();
        assert_eq!(
            a.state(),
            AmendmentState::Decided(DecisionOutcome::Accepted)
        );
    }
}

#[tokio::test]
async fn a_truncated_fabrique_text_stops_the_import_naming_file_line_and_field_and_writes_nothing()
{
    let db = TestDb::sqlite().await;
    let folder = tempfile::tempdir().unwrap();
    let law = fabrique_files::ppl11_290();
    let broken = "procedure/09_nouv.lect._assemblee_hemicycle/texte/texte.json";
    for (path, text) in &law.files {
        let target = folder.path().join("ppl11-290").join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = if path == broken {
            &text[..text.len() * 2 / 3]
        } else {
            text.as_str()
        };
        std::fs::write(target, text).unwrap();
    }
    // The folder of laws (pjl15-034 is fine and would import) fails as a whole.
    let pjl = fabrique_files::pjl15_034();
    for (path, text) in &pjl.files {
        let target = folder.path().join("pjl15-034").join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    let message = fabrique::import_folder(&db.store, folder.path())
        .await
        .unwrap_err()
        .to_string();
    let shown = folder.path().join("ppl11-290").join(broken);
    assert!(
        message.starts_with(&format!("{}:", shown.display())),
        "{message}"
    );
    assert!(message.contains(": field `"), "{message}");
    assert!(message.contains("truncated JSON"), "{message}");
    assert_eq!(message.lines().count(), 1);
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");
}

// ---- Pol.is ----

fn polis_data(conversation: &str, file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../ops/data/polis-opendata/{conversation}/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn choice(value: polis_source::VoteValue) -> Choice {
    match value {
        polis_source::VoteValue::Agree => Choice::For,
        polis_source::VoteValue::Disagree => Choice::Against,
        polis_source::VoteValue::Pass => Choice::Pass,
    }
}

/// The standing ballots of the log, folded from every ballot stream: (voter, target) → choice.
async fn standing_ballots(store: &EventStore) -> HashMap<(String, Target), Choice> {
    let mut by_stream: HashMap<String, (String, Target, Option<Choice>)> = HashMap::new();
    let mut events = store.events_by_stream();
    while let Some(logged) = events.next().await {
        let event = logged.unwrap().event;
        if event.stream_type != "ballot" {
            continue;
        }
        match serde_json::from_value::<BallotEvent>(event.payload).unwrap() {
            BallotEvent::BallotCast {
                participant,
                target,
                choice,
            } => {
                by_stream.insert(
                    event.stream_id,
                    (participant.to_string(), target, Some(choice)),
                );
            }
            BallotEvent::BallotChanged { choice, .. } => {
                by_stream.get_mut(&event.stream_id).unwrap().2 = Some(choice);
            }
            BallotEvent::BallotRetracted => by_stream.get_mut(&event.stream_id).unwrap().2 = None,
        }
    }
    by_stream
        .into_values()
        .filter_map(|(voter, target, choice)| choice.map(|c| ((voter, target), c)))
        .collect()
}

/// What participants-votes.csv says the standing votes are, in our ids.
fn expected_ballots(conversation: &str, folder: &str) -> HashMap<(String, Target), Choice> {
    polis_source::parse_participants_votes(
        &polis_data(folder, "participants-votes.csv"),
        "participants-votes.csv",
    )
    .unwrap()
    .into_iter()
    .map(|((voter, comment), value)| {
        let target = Target::Amendment {
            amendment_id: polis::comment_amendment_id(conversation, comment),
        };
        let voter = polis::participant(conversation, voter).unwrap().to_string();
        ((voter, target), choice(value))
    })
    .collect()
}

both_backends!(the_london_conversation_imports_once_and_verifies);

async fn the_london_conversation_imports_once_and_verifies(db: TestDb) {
    let files = polis_files::london_youth_policing();
    let report = polis::import(&db.store, vec![files.clone()]).await.unwrap();
    assert_eq!(report.conversations_imported, 1);
    assert_eq!(report.comments, 39);
    assert_eq!(
        report.hidden, 3,
        "three comments moderated out (moderated = -1)"
    );
    assert_eq!(report.imported_tallies, 39);
    assert_eq!(
        report.ballots_cast + report.ballots_changed + report.repeated_votes_ignored,
        640,
        "every row of votes.csv is accounted for"
    );
    let events = db.store.log_size().await.unwrap();
    assert_eq!(report.events, events);
    assert_eq!(
        verify_database(&db.store, None).await.unwrap().events,
        events
    );

    let again = polis::import(&db.store, vec![files.clone()]).await.unwrap();
    assert_eq!(again.conversations_already_imported, 1);
    assert_eq!(
        db.store.log_size().await.unwrap(),
        events,
        "a second import adds nothing"
    );

    // Ballots: the last vote per (voter, comment), exactly as participants-votes.csv has it.
    let ballots = standing_ballots(&db.store).await;
    let expected = expected_ballots("9xxwa9jpkm", "london.youth.policing");
    assert_eq!(ballots.len() as u64, report.ballots_cast);
    assert_eq!(ballots, expected);

    published_tallies_equal_the_comment_columns_and_hidden_comments_keep_their_text(
        &db.store, &files,
    )
    .await;
}

async fn published_tallies_equal_the_comment_columns_and_hidden_comments_keep_their_text(
    store: &EventStore,
    files: &polis_source::ConversationFiles,
) {
    let conversation = polis_source::parse_conversation(files).unwrap();
    let bill = bill_events(store, polis::bill_id(&conversation.id)).await;
    assert!(matches!(
        &bill[0],
        BillEvent::BillDrafted { title, articles, .. }
            if title == &conversation.topic && articles.is_empty()
    ));
    for comment in &conversation.comments {
        let id = polis::comment_amendment_id(&conversation.id, comment.id).to_string();
        let events: Vec<AmendmentEvent> = store
            .load_stream("amendment", &id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| serde_json::from_value(e.payload).unwrap())
            .collect();
        let tally = events
            .iter()
            .find_map(|e| match e {
                AmendmentEvent::PublishedTallyRecorded { counts, source } => {
                    Some((*counts, source.clone()))
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (tally.0.r#for, tally.0.against),
            (comment.agrees, comment.disagrees),
            "comment {}",
            comment.id
        );
        assert!(tally.1.contains("counting every vote event"), "{}", tally.1);
        assert!(matches!(
            &events[0],
            AmendmentEvent::AmendmentSubmitted { proposed_text: Some(text), .. }
                if text == &vec![comment.body.clone()]
        ));
        let (amendment, _) = projections::command::load::<Amendment>(store, &id)
            .await
            .unwrap();
        assert_eq!(
            amendment.is_hidden(),
            comment.moderation == polis_source::Moderation::Rejected,
            "comment {}",
            comment.id
        );
    }
}

/// vTaiwan: 49,997 vote events, 454 repeated pairs; the ballots are the 49,443 standing votes of
/// participants-votes.csv, value for value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vtaiwan_ballots_are_the_last_vote_of_each_pair() {
    let db = TestDb::sqlite().await;
    let report = polis::import(&db.store, vec![polis_files::vtaiwan_uberx()])
        .await
        .unwrap();
    assert_eq!(report.comments, 197);
    assert_eq!(report.hidden, 78);
    assert_eq!(report.ballots_cast, 49_443);
    assert_eq!(
        report.ballots_cast + report.ballots_changed + report.repeated_votes_ignored,
        49_997
    );
    let ballots = standing_ballots(&db.store).await;
    let expected = expected_ballots("3phdex2kjf", "vtaiwan.uberx");
    assert_eq!(expected.len(), 49_443, "cells of participants-votes.csv");
    assert_eq!(ballots, expected);
    assert_eq!(
        verify_database(&db.store, None).await.unwrap().events,
        db.store.log_size().await.unwrap()
    );
}

#[tokio::test]
async fn malformed_polis_files_stop_the_import_naming_file_line_and_field_and_write_nothing() {
    let db = TestDb::sqlite().await;
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("london.youth.policing");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["summary.csv", "comments.csv", "votes.csv"] {
        std::fs::write(dir.join(name), polis_data("london.youth.policing", name)).unwrap();
    }
    let votes = polis_data("london.youth.policing", "votes.csv");
    let edit = |line: usize, f: &dyn Fn(&[&str]) -> String| {
        let mut lines: Vec<String> = votes.lines().map(str::to_string).collect();
        let fields: Vec<&str> = lines[line - 1].split(',').collect();
        lines[line - 1] = f(&fields);
        std::fs::write(dir.join("votes.csv"), lines.join("\n")).unwrap();
    };
    let shown = dir.join("votes.csv").display().to_string();

    edit(7, &|f| format!("{},{},{},{},yes", f[0], f[1], f[2], f[3]));
    let message = polis::import_folder(&db.store, folder.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!("{shown}:7: field `vote`: ")),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");

    edit(12, &|f| format!("{},{},77,{},{}", f[0], f[1], f[3], f[4]));
    let message = polis::import_folder(&db.store, folder.path())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!("{shown}:12: field `comment-id`: comment 77 is not in comments.csv")
    );
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");

    // Beyond the calendar: named, not a panic.
    edit(3, &|f| {
        format!("99999999999999999,{},{},{},{}", f[1], f[2], f[3], f[4])
    });
    let message = polis::import_folder(&db.store, folder.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!("{shown}:3: field `timestamp`: ")),
        "{message}"
    );
    assert_eq!(db.store.log_size().await.unwrap(), 0, "nothing was written");

    // Repaired, the same folder imports.
    std::fs::write(dir.join("votes.csv"), &votes).unwrap();
    let report = polis::import_folder(&db.store, folder.path())
        .await
        .unwrap();
    assert_eq!(report.comments, 39);
}

/// The public views show what the new sources bring: the procedure's failed steps on the bill,
/// amendments never put to the vote in their own state, Pol.is passes counted apart, and
/// moderated comments out of the lists but readable by id with the moderators' reason.
#[tokio::test]
async fn imported_procedures_and_conversations_read_back_through_the_views() {
    let db = TestDb::sqlite().await;
    fabrique::import(&db.store, vec![fabrique_files::ppl11_290()])
        .await
        .unwrap();
    let london = polis_files::london_youth_policing();
    polis::import(&db.store, vec![london.clone()])
        .await
        .unwrap();
    let app = TestApp::new(db).await;

    let law = fabrique::bill_id("ppl11-290");
    let bill = app.get(&format!("/api/v1/bills/{law}")).await;
    assert_eq!(bill.status, 200, "{}", bill.body);
    let failed: Vec<(&str, &str)> = bill.body["failed_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"].as_str().unwrap(), s["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            ("04_1erelecture_senat_commission", "rejected"),
            ("05_1erelecture_senat_hemicycle", "rejected"),
            ("06_cmp_cmp_commission", "no_agreement"),
            ("11_nouv.lect._senat_commission", "rejected"),
            ("12_nouv.lect._senat_hemicycle", "rejected"),
        ]
    );
    assert_eq!(bill.body["versions"], 11);
    assert_eq!(bill.body["state"], "adopted");

    let not_voted = app
        .get(&format!(
            "/api/v1/bills/{law}/amendments?state=not_voted&limit=500"
        ))
        .await;
    assert_eq!(not_voted.status, 200, "{}", not_voted.body);
    assert_eq!(
        not_voted.body["items"].as_array().unwrap().len(),
        57,
        "ppl11-290's non-voté amendments"
    );
    let one = not_voted.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = app.get(&format!("/api/v1/amendments/{one}")).await;
    assert_eq!(detail.body["state"], "not_voted");
    assert!(detail.body["decision"].is_null());
    assert!(
        detail.body["not_voted_note"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{}",
        detail.body
    );
    let timeline = app
        .get(&format!("/api/v1/bills/{law}/timeline?limit=500"))
        .await;
    let summaries: Vec<String> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["entries"].as_array().unwrap().clone())
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    assert!(
        summaries
            .iter()
            .any(|s| s.starts_with("step 06_cmp_cmp_commission produced no text (no agreement)")),
        "{summaries:?}"
    );
    assert!(summaries
        .iter()
        .any(|s| s.contains("was never put to the vote")));

    let conversation = polis_source::parse_conversation(&london).unwrap();
    let topic = polis::bill_id(&conversation.id);
    let listed = app
        .get(&format!("/api/v1/bills/{topic}/amendments?limit=500"))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        39 - 3,
        "the three moderated comments are not listed"
    );
    let hidden = conversation
        .comments
        .iter()
        .find(|c| c.moderation == polis_source::Moderation::Rejected)
        .unwrap();
    let hidden_id = polis::comment_amendment_id(&conversation.id, hidden.id);
    let detail = app.get(&format!("/api/v1/amendments/{hidden_id}")).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body["hidden"]["reason"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));

    let reason = detail.body["hidden"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, csv) = app
        .get_text(&format!(
            "/api/v1/bills/{topic}/open-data/contributions.csv"
        ))
        .await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<HashMap<String, String>> = reader.deserialize().map(Result::unwrap).collect();
    let row = rows
        .iter()
        .find(|r| r["id"] == hidden_id.to_string())
        .unwrap();
    assert_eq!(row["hidden_reason"], reason, "the reason is public");
    assert_eq!(
        (row["proposed_text"].as_str(), row["rationale"].as_str()),
        ("", ""),
        "open data withholds a hidden comment's text"
    );
    let (status, _, xml) = app
        .get_text(&format!("/api/v1/amendments/{hidden_id}/akn.xml"))
        .await;
    assert_eq!(status, 200);
    assert!(xml.contains("Hidden by moderation") && !xml.contains(hidden.body.as_str()));

    let passes = expected_ballots("9xxwa9jpkm", "london.youth.policing")
        .values()
        .filter(|c| **c == Choice::Pass)
        .count() as u64;
    assert!(passes > 0, "the London conversation has passes");
    let tallies = app.get(&format!("/api/v1/bills/{topic}/tallies")).await;
    let counted: u64 = tallies.body["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["tallies"]["ballots"]["pass"].as_u64().unwrap())
        .sum();
    assert_eq!(
        counted, passes,
        "standing passes, counted apart from the opinions"
    );
}
