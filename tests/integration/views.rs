//! The projections: durable (documents and position in one transaction), caught up after a crash,
//! rebuilt beside the live views and swapped, equal byte for byte whether folded incrementally or
//! rebuilt, stopped (never skipping) on an event they cannot fold, and waited for by readers.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use projections::views::{self, PROJECTION_NAMES};
use projections::EventStore;
use serde_json::{json, Value};

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(
    incremental_views_equal_rebuilt_views_byte_for_byte,
    a_view_document_edited_in_the_database_is_found_by_the_check_and_repaired_by_a_rebuild,
    events_committed_while_no_projection_ran_are_folded_on_restart,
    a_restart_restores_the_views_from_their_documents_without_refolding,
    a_rebuild_builds_beside_the_live_views_and_the_service_follows_the_swap,
    a_projection_that_cannot_fold_an_event_stops_there_and_reports_it,
    a_reader_can_wait_for_its_own_write_and_is_told_when_the_views_are_behind,
    case_two_amendments_decided_at_one_instant_form_one_timeline_point,
    case_filtering_amendments_by_state_agrees_with_details_after_a_rebuild,
    the_blame_of_an_article_names_the_version_and_amendment_behind_each_word,
    the_whole_bill_diff_shows_renumbered_moved_inserted_and_deleted_articles,
    case_two_amendments_taking_effect_together_form_one_point_applied_in_order,
);

/// Every projection's active documents, as stored.
async fn stored_documents(store: &EventStore) -> BTreeMap<&'static str, Vec<(String, String)>> {
    let mut all = BTreeMap::new();
    for name in PROJECTION_NAMES {
        let row = store.projection_status(name).await.unwrap().unwrap();
        let (position, docs) = store
            .projection_load(name, row.active_generation)
            .await
            .unwrap();
        assert_eq!(position, row.position);
        all.insert(name, docs);
    }
    all
}

/// A tiny deterministic generator: the same seed drives the same command sequence.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Consultation {
    app: TestApp,
    official: String,
    citizens: Vec<String>,
    bill: String,
}

async fn open_consultation(db: TestDb) -> Consultation {
    let app = TestApp::new(db).await;
    let official = app.token("gouvernement", &["official"]).await;
    let mut citizens = Vec::new();
    for i in 0..5 {
        citizens.push(app.token(&format!("u000000000{i}"), &["citizen"]).await);
    }
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({
                "title": "Loi pour une République numérique",
                "articles": [
                    {"number": "1", "text": "Les administrations publient leurs données."},
                    {"number": "2", "text": "Un embargo de douze mois s'applique.\n\nIl est renouvelable."},
                    {"number": "3", "text": "Le présent article entre en vigueur le 1er janvier."}
                ]
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bill = created.body["id"].as_str().unwrap().to_string();
    let opened = app
        .post(
            &format!("/api/v1/bills/{bill}/consultation/open"),
            &official,
            json!({ "closes_at": (Utc::now() + Duration::days(21)).to_rfc3339() }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    Consultation {
        app,
        official,
        citizens,
        bill,
    }
}

async fn latest_articles(app: &TestApp, bill: &str) -> (u64, Vec<Value>) {
    let shown = app.get(&format!("/api/v1/bills/{bill}")).await;
    let number = shown.body["latest_version"]["number"].as_u64().unwrap();
    let version = app
        .get(&format!("/api/v1/bills/{bill}/versions/{number}"))
        .await;
    (number, version.body["articles"].as_array().unwrap().clone())
}

/// Drives a random but valid deliberation through the API; every write waits for the views, so
/// they are folded event by event.
async fn random_deliberation(c: &Consultation, seed: u64, steps: usize) {
    let mut rng = Rng(seed);
    let mut amendments: Vec<(String, String)> = Vec::new(); // (id, article)
    let mut decided: Vec<(String, String, &str)> = Vec::new();
    for step in 0..steps {
        let (number, articles) = latest_articles(&c.app, &c.bill).await;
        let article = articles[rng.below(articles.len())]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let citizen = &c.citizens[rng.below(c.citizens.len())];
        match rng.below(6) {
            0 => {
                let submitted = c
                    .app
                    .post(
                        &format!("/api/v1/bills/{}/amendments", c.bill),
                        citizen,
                        json!({
                            "kind": "modify",
                            "article_id": article,
                            "title": format!("Proposition {step}"),
                            "proposed_text": format!("Texte proposé numéro {step}."),
                            "rationale": "Parce que."
                        }),
                    )
                    .await;
                assert_eq!(submitted.status, 201, "{}", submitted.body);
                amendments.push((submitted.body["id"].as_str().unwrap().into(), article));
            }
            1 | 2 => {
                let target = if amendments.is_empty() || rng.below(2) == 0 {
                    json!({"kind": "article", "bill_id": c.bill, "article_id": article})
                } else {
                    let (id, _) = &amendments[rng.below(amendments.len())];
                    json!({"kind": "amendment", "amendment_id": id})
                };
                let choice = ["for", "mixed", "against"][rng.below(3)];
                let path = if rng.below(5) == 0 {
                    "/api/v1/votes/retract"
                } else {
                    "/api/v1/votes"
                };
                let body = if path.ends_with("retract") {
                    json!({"target": target})
                } else {
                    json!({"target": target, "choice": choice})
                };
                let voted = c.app.post(path, citizen, body).await;
                // Same choice twice or nothing to retract: refused, which is part of the test.
                assert!(matches!(voted.status, 201 | 409), "{}", voted.body);
            }
            3 => {
                let stance = ["for", "against", "neutral"][rng.below(3)];
                let argued = c
                    .app
                    .post(
                        "/api/v1/arguments",
                        citizen,
                        json!({
                            "target": {"kind": "article", "bill_id": c.bill, "article_id": article},
                            "stance": stance,
                            "body": format!("Argument {step}")
                        }),
                    )
                    .await;
                assert_eq!(argued.status, 201, "{}", argued.body);
            }
            4 if !amendments.is_empty() => {
                let (id, article) = amendments.remove(rng.below(amendments.len()));
                let outcome = ["accepted", "accepted_with_changes", "rejected"][rng.below(3)];
                let answer = c
                    .app
                    .post(
                        &format!("/api/v1/amendments/{id}/decision"),
                        &c.official,
                        json!({"outcome": outcome, "response": format!("Réponse {step}")}),
                    )
                    .await;
                assert_eq!(answer.status, 201, "{}", answer.body);
                decided.push((id, article, outcome));
            }
            _ => {
                let taken: Vec<&(String, String, &str)> = decided
                    .iter()
                    .filter(|(_, a, o)| *a == article && *o != "rejected")
                    .collect();
                let body: Vec<Value> = articles
                    .iter()
                    .map(|a| {
                        let text = if a["id"] == json!(article) {
                            format!("{} Modifié à l'étape {step}.", a["text"].as_str().unwrap())
                        } else {
                            a["text"].as_str().unwrap().to_string()
                        };
                        json!({"id": a["id"], "number": a["number"], "heading": a["heading"], "text": text})
                    })
                    .collect();
                let provenance: Vec<Value> = taken
                    .first()
                    .map(|(id, a, _)| json!({"article_id": a, "amendments": [id]}))
                    .into_iter()
                    .collect();
                let published = c
                    .app
                    .post(
                        &format!("/api/v1/bills/{}/versions", c.bill),
                        &c.official,
                        json!({"number": number + 1, "label": format!("step {step}"), "articles": body, "provenance": provenance}),
                    )
                    .await;
                assert_eq!(published.status, 201, "{}", published.body);
            }
        }
    }
}

async fn incremental_views_equal_rebuilt_views_byte_for_byte(db: TestDb) {
    let c = open_consultation(db).await;
    for seed in [7, 1_234_567, 987_654_321] {
        random_deliberation(&c, seed, 30).await;
    }
    c.app.views.catch_up().await.unwrap();
    let store = &c.app.db.store;
    let incremental = stored_documents(store).await;
    for (name, docs) in &incremental {
        assert!(!docs.is_empty(), "projection {name} stored no document");
    }
    let reports = views::rebuild(store, None).await.unwrap();
    assert_eq!(reports.len(), PROJECTION_NAMES.len());
    let rebuilt = stored_documents(store).await;
    for name in PROJECTION_NAMES {
        let (a, b) = (&incremental[name], &rebuilt[name]);
        assert_eq!(
            a.len(),
            b.len(),
            "projection {name}: document count differs"
        );
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "projection {name}: document differs after a rebuild");
        }
    }
}

async fn events_committed_while_no_projection_ran_are_folded_on_restart(db: TestDb) {
    let c = open_consultation(db).await;
    random_deliberation(&c, 42, 12).await;
    let bill = c.bill.clone();
    let before = c
        .app
        .get(&format!("/api/v1/bills/{bill}/timeline?limit=500"))
        .await;
    // Another process commits while this one's views are not running (as after a crash between
    // a command's commit and its projection): a second app on the same database writes.
    let other = TestApp::new(c.app.db.borrowed(c.app.db.reopen().await)).await;
    let official = other.token("gouvernement2", &["official"]).await;
    let closed = other
        .post(
            &format!("/api/v1/bills/{bill}/consultation/close"),
            &official,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 201, "{}", closed.body);
    let head = c.app.db.store.log_size().await.unwrap();
    // A fresh start folds what the documents lack.
    let restarted = views::Views::start(&c.app.db.store).await.unwrap();
    assert_eq!(restarted.position(), head);
    let timeline = restarted.timeline.read();
    let id = domain::ids::BillId::parse(&bill).unwrap();
    let (points, _) = timeline.model.points(id, 0, 10_000);
    let last = points.last().unwrap().entries.last().unwrap();
    assert_eq!(last.log_index, head);
    assert!(
        last.summary.starts_with("consultation closed"),
        "{}",
        last.summary
    );
    let steps: usize = before.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["entries"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        points.iter().map(|p| p.entries.len()).sum::<usize>(),
        steps + 1
    );
}

async fn a_restart_restores_the_views_from_their_documents_without_refolding(db: TestDb) {
    let c = open_consultation(db).await;
    random_deliberation(&c, 99, 15).await;
    c.app.views.catch_up().await.unwrap();
    let store = &c.app.db.store;
    let head = store.log_size().await.unwrap();
    for name in PROJECTION_NAMES {
        // A projection stores its position with its documents; one whose documents did not
        // change stores it at least every 1,000 events.
        let row = store.projection_status(name).await.unwrap().unwrap();
        assert!(
            row.position <= head && head - row.position < 1_000,
            "{name}: {row:?}"
        );
    }
    let bills = store.projection_status("bills").await.unwrap().unwrap();
    let timeline = store.projection_status("timeline").await.unwrap().unwrap();
    assert_eq!(timeline.position, head, "every event changes the timeline");
    assert!(bills.position >= 2, "{bills:?}");
    let restored = views::Views::start(store).await.unwrap();
    assert_eq!(restored.position(), head);
    let before = stored_documents(store).await;
    restored.catch_up().await.unwrap();
    assert_eq!(
        before,
        stored_documents(store).await,
        "nothing to fold, nothing written"
    );
    let bill = domain::ids::BillId::parse(&c.bill).unwrap();
    let (a, b) = (c.app.views.bills.read(), restored.bills.read());
    assert_eq!(a.model.bill(bill), b.model.bill(bill));
    assert_eq!(
        a.model.bill(bill).unwrap().versions,
        b.model.bill(bill).unwrap().versions
    );
}

async fn a_rebuild_builds_beside_the_live_views_and_the_service_follows_the_swap(db: TestDb) {
    let c = open_consultation(db).await;
    random_deliberation(&c, 5, 15).await;
    let bill = c.bill.clone();
    let paths = [
        format!("/api/v1/bills/{bill}"),
        format!("/api/v1/bills/{bill}/timeline?limit=500"),
        format!("/api/v1/bills/{bill}/amendments?limit=500"),
        format!("/api/v1/bills/{bill}/tallies"),
    ];
    let mut before = Vec::new();
    for p in &paths {
        before.push(c.app.get(p).await.body);
    }
    let generation = c.app.views.timeline.generation();
    let reports = views::rebuild(&c.app.db.store, Some("timeline"))
        .await
        .unwrap();
    assert_eq!(reports[0].projection, "timeline");
    assert!(reports[0].generation > generation);
    // The service answered from the old generation meanwhile; once it follows the log again
    // (its follower may already have) it answers from the new one, with the same answers.
    c.app.views.catch_up().await.unwrap();
    assert_eq!(c.app.views.timeline.generation(), reports[0].generation);
    for (p, old) in paths.iter().zip(&before) {
        assert_eq!(
            &c.app.get(p).await.body,
            old,
            "{p} changed across a rebuild"
        );
    }
    let unknown = views::rebuild(&c.app.db.store, Some("nope"))
        .await
        .unwrap_err();
    assert!(unknown
        .to_string()
        .contains("bills, amendments, tallies, arguments, timeline"));
}

async fn a_projection_that_cannot_fold_an_event_stops_there_and_reports_it(db: TestDb) {
    let c = open_consultation(db).await;
    let store = &c.app.db.store;
    // An event no projection code knows how to read (as a bug or a newer writer would leave).
    let bad = projections::PendingEvent {
        stream_type: "bill".into(),
        stream_id: c.bill.clone(),
        sequence: 3,
        event_type: "BillRenamed".into(),
        event_version: "1".into(),
        payload: json!({"BillRenamed": {"title": "?"}}),
        metadata: json!({"occurred_at": "2026-01-01T00:00:00+00:00"}),
        actor: "gouvernement".into(),
    };
    let committed = store.append(&[bad]).await.unwrap();
    let bad_index = committed[0].log_index;
    let citizen = &c.citizens[0];
    let _ = c
        .app
        .post(
            "/api/v1/arguments",
            citizen,
            json!({"target": {"kind": "amendment", "amendment_id": uuid::Uuid::new_v4()}, "stance": "for", "body": "x"}),
        )
        .await;
    let _ = c.app.views.catch_up().await;
    let status = c.app.get("/api/v1/projections").await;
    assert_eq!(status.status, 200);
    let bills = status.body["projections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bills")
        .unwrap()
        .clone();
    assert_eq!(bills["state"], "stopped", "{bills}");
    assert_eq!(
        bills["position"],
        bad_index - 1,
        "it stopped before the event, not after"
    );
    assert_eq!(bills["failure"]["log_index"], bad_index);
    assert!(bills["failure"]["message"]
        .as_str()
        .unwrap()
        .contains("BillRenamed"));
    let row = store.projection_status("bills").await.unwrap().unwrap();
    assert_eq!(row.failed_at_index, Some(bad_index));
    assert_eq!(row.position, bad_index - 1);
    // Health says so; projections that can read the event went on.
    let health = c.app.get("/healthz").await;
    assert!(health.problem(503).contains("bills"));
    // A reader waiting for that event is told which view stopped, and where.
    let waiting = c
        .app
        .get(&format!("/api/v1/bills?after={bad_index}&wait_ms=50"))
        .await;
    let detail = waiting.problem(503);
    assert!(
        detail.contains(&format!("bills stopped at log index {bad_index}")),
        "{detail}"
    );
    let arguments = status.body["projections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "arguments")
        .unwrap()
        .clone();
    assert_eq!(arguments["state"], "running");
    assert!(arguments["position"].as_u64().unwrap() >= bad_index);
}

async fn a_reader_can_wait_for_its_own_write_and_is_told_when_the_views_are_behind(db: TestDb) {
    let c = open_consultation(db).await;
    let argued = c
        .app
        .post(
            "/api/v1/arguments",
            &c.citizens[0],
            json!({
                "target": {"kind": "article", "bill_id": c.bill, "article_id": latest_articles(&c.app, &c.bill).await.1[0]["id"]},
                "stance": "for",
                "body": "Oui."
            }),
        )
        .await;
    let index = argued.body["log_index"].as_u64().unwrap();
    let seen = c
        .app
        .get(&format!("/api/v1/bills/{}/timeline?after={index}", c.bill))
        .await;
    assert_eq!(seen.status, 200);
    let future = index + 1_000;
    let beyond = c
        .app
        .get(&format!(
            "/api/v1/bills/{}?after={future}&wait_ms=50",
            c.bill
        ))
        .await;
    let detail = beyond.problem(400);
    assert!(
        detail.contains(&format!(
            "`after={future}` is beyond the end of the log, which holds {index} events"
        )),
        "{detail}"
    );
    let bad = c
        .app
        .get(&format!("/api/v1/bills/{}?after=soon", c.bill))
        .await;
    assert!(bad.problem(400).contains("after=soon"));
    let too_long = c
        .app
        .get(&format!("/api/v1/bills/{}?after=1&wait_ms=60000", c.bill))
        .await;
    assert!(too_long.problem(400).contains("wait_ms"));
}

async fn case_two_amendments_decided_at_one_instant_form_one_timeline_point(db: TestDb) {
    use domain::actor::{Actor, Role};
    use domain::amendment::{Amendment, AmendmentCommand, DecisionOutcome};
    use projections::command::Batch;
    let c = open_consultation(db).await;
    let (_, articles) = latest_articles(&c.app, &c.bill).await;
    let mut ids = Vec::new();
    for (i, a) in articles.iter().take(2).enumerate() {
        let submitted = c
            .app
            .post(
                &format!("/api/v1/bills/{}/amendments", c.bill),
                &c.citizens[i],
                json!({"kind": "modify", "article_id": a["id"], "title": format!("A{i}"), "proposed_text": "Nouveau.", "rationale": "."}),
            )
            .await;
        ids.push(submitted.body["id"].as_str().unwrap().to_string());
    }
    // Both decisions carry the same instant (one official act), committed together.
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T12:00:00+02:00").unwrap();
    let official = Actor::new(
        domain::ids::ParticipantId::parse("gouvernement").unwrap(),
        vec![Role::Official],
    );
    let mut batch = Batch::new(&c.app.db.store);
    for id in ids.iter().rev() {
        batch
            .execute::<Amendment>(
                id,
                AmendmentCommand::Decide {
                    actor: official.clone(),
                    at: at.to_utc(),
                    outcome: DecisionOutcome::Accepted,
                    response: format!("Retenu ({id})"),
                },
                &projections::CommandContext::new("gouvernement", at),
            )
            .await
            .unwrap();
    }
    batch.commit().await.unwrap();
    c.app.views.catch_up().await.unwrap();
    let timeline = c
        .app
        .get(&format!("/api/v1/bills/{}/timeline?limit=500", c.bill))
        .await;
    let points = timeline.body["items"].as_array().unwrap();
    let point = points
        .iter()
        .find(|p| {
            p["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["event_type"] == "AmendmentDecided")
        })
        .unwrap();
    let entries = point["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "one point lists both decisions: {point}");
    let order: Vec<u64> = entries
        .iter()
        .map(|e| e["log_index"].as_u64().unwrap())
        .collect();
    assert!(order[0] < order[1], "in log order");
    assert_eq!(
        entries[0]["amendment_id"],
        json!(ids[1]),
        "the order they were committed in"
    );
    // Stable across rebuilds.
    views::rebuild(&c.app.db.store, None).await.unwrap();
    c.app.views.catch_up().await.unwrap();
    let again = c
        .app
        .get(&format!("/api/v1/bills/{}/timeline?limit=500", c.bill))
        .await;
    assert_eq!(again.body, timeline.body);
}

async fn case_filtering_amendments_by_state_agrees_with_details_after_a_rebuild(db: TestDb) {
    let c = open_consultation(db).await;
    random_deliberation(&c, 2_024, 40).await;
    views::rebuild(&c.app.db.store, None).await.unwrap();
    c.app.views.catch_up().await.unwrap();
    let all = c
        .app
        .get(&format!("/api/v1/bills/{}/amendments?limit=500", c.bill))
        .await;
    let all = all.body["items"].as_array().unwrap().clone();
    let mut listed_total = 0;
    for state in [
        "submitted",
        "withdrawn",
        "accepted",
        "accepted_with_changes",
        "rejected",
    ] {
        let mut cursor: Option<String> = None;
        let mut listed = Vec::new();
        loop {
            let path = match &cursor {
                None => format!("/api/v1/bills/{}/amendments?state={state}&limit=2", c.bill),
                Some(n) => format!(
                    "/api/v1/bills/{}/amendments?state={state}&limit=2&cursor={n}",
                    c.bill
                ),
            };
            let page = c.app.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.body);
            listed.extend(page.body["items"].as_array().unwrap().iter().cloned());
            match page.body["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => break,
            }
        }
        let expected: Vec<&Value> = all.iter().filter(|a| a["state"] == state).collect();
        assert_eq!(
            listed.len(),
            expected.len(),
            "every amendment in state {state}"
        );
        for item in &listed {
            let detail = c
                .app
                .get(&format!(
                    "/api/v1/amendments/{}",
                    item["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(detail.body["state"], state, "list and detail agree");
        }
        listed_total += listed.len();
    }
    assert_eq!(listed_total, all.len());
    let bad = c
        .app
        .get(&format!(
            "/api/v1/bills/{}/amendments?state=adopted",
            c.bill
        ))
        .await;
    assert!(bad.problem(400).contains("accepted_with_changes"));
}

async fn publish(c: &Consultation, number: u64, articles: Vec<Value>, provenance: Value) {
    let published = c
        .app
        .post(
            &format!("/api/v1/bills/{}/versions", c.bill),
            &c.official,
            json!({"number": number, "label": format!("v{number}"), "articles": articles, "provenance": provenance}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
}

fn body(a: &Value, text: &str) -> Value {
    json!({"id": a["id"], "number": a["number"], "heading": a["heading"], "text": text})
}

async fn the_blame_of_an_article_names_the_version_and_amendment_behind_each_word(db: TestDb) {
    let c = open_consultation(db).await;
    let (_, v1) = latest_articles(&c.app, &c.bill).await;
    let article = v1[1]["id"].as_str().unwrap().to_string();
    let submitted = c
        .app
        .post(
            &format!("/api/v1/bills/{}/amendments", c.bill),
            &c.citizens[0],
            json!({"kind": "modify", "article_id": article, "title": "Six mois", "proposed_text": "Un embargo de six mois s'applique.\n\nIl est renouvelable.", "rationale": "."}),
        )
        .await;
    let amendment = submitted.body["id"].as_str().unwrap().to_string();
    let decided = c
        .app
        .post(
            &format!("/api/v1/amendments/{amendment}/decision"),
            &c.official,
            json!({"outcome": "accepted", "response": "Oui."}),
        )
        .await;
    assert_eq!(decided.status, 201);
    let v2: Vec<Value> = v1
        .iter()
        .map(|a| {
            if a["id"] == json!(article) {
                body(
                    a,
                    "Un embargo de six mois s'applique.\n\nIl est renouvelable.",
                )
            } else {
                body(a, a["text"].as_str().unwrap())
            }
        })
        .collect();
    publish(
        &c,
        2,
        v2.clone(),
        json!([{"article_id": article, "amendments": [amendment]}]),
    )
    .await;
    let v3: Vec<Value> = v2
        .iter()
        .map(|a| {
            if a["id"] == json!(article) {
                body(
                    a,
                    "Un embargo de six mois s'applique.\n\nIl est renouvelable une fois.",
                )
            } else {
                a.clone()
            }
        })
        .collect();
    publish(&c, 3, v3, json!([])).await;

    let blame = c
        .app
        .get(&format!(
            "/api/v1/bills/{}/articles/{article}/blame",
            c.bill
        ))
        .await;
    assert_eq!(blame.status, 200, "{}", blame.body);
    let spans = blame.body["spans"].as_array().unwrap();
    let text: String = spans.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert_eq!(
        text,
        blame.body["text"].as_str().unwrap(),
        "spans make up the text"
    );
    assert_eq!(
        text,
        "Un embargo de six mois s'applique.\n\nIl est renouvelable une fois."
    );
    let origin_of = |word: &str| {
        spans
            .iter()
            .find(|s| s["text"].as_str().unwrap().contains(word))
            .map(|s| s["origin"].clone())
            .unwrap()
    };
    assert_eq!(origin_of("six")["version"], 2);
    assert_eq!(origin_of("six")["amendments"], json!([amendment]));
    assert_eq!(origin_of("embargo")["version"], 1);
    assert_eq!(origin_of("fois")["version"], 3);
    assert_eq!(origin_of("fois")["amendments"], json!([]));
    assert_eq!(blame.body["amendments"][0]["title"], "Six mois");
    let at_v1 = c
        .app
        .get(&format!(
            "/api/v1/bills/{}/articles/{article}/blame?version=1",
            c.bill
        ))
        .await;
    assert_eq!(at_v1.body["spans"].as_array().unwrap().len(), 1);
    assert!(at_v1.body["text"].as_str().unwrap().contains("douze"));
}

async fn the_whole_bill_diff_shows_renumbered_moved_inserted_and_deleted_articles(db: TestDb) {
    let c = open_consultation(db).await;
    let (_, v1) = latest_articles(&c.app, &c.bill).await;
    // v2: article 3 moves first and becomes 1, articles 1 and 2 become 2 and 3 with 1 edited,
    // and a new article 4 is added; v3 deletes the old article 2.
    let mut moved = v1[2].clone();
    moved["number"] = json!("1");
    let mut first = v1[0].clone();
    first["number"] = json!("2");
    let mut second = v1[1].clone();
    second["number"] = json!("3");
    let v2 = vec![
        body(&moved, moved["text"].as_str().unwrap()),
        body(&first, "Les administrations publient toutes leurs données."),
        body(&second, second["text"].as_str().unwrap()),
        json!({"number": "4", "text": "Un article nouveau."}),
    ];
    publish(&c, 2, v2, json!([])).await;
    let diff = c
        .app
        .get(&format!("/api/v1/bills/{}/diff?from=1&to=2", c.bill))
        .await;
    assert_eq!(diff.status, 200, "{}", diff.body);
    let articles = diff.body["articles"].as_array().unwrap();
    let find = |id: &Value| {
        articles
            .iter()
            .find(|a| &a["article_id"] == id)
            .unwrap()
            .clone()
    };
    let a3 = find(&v1[2]["id"]);
    assert_eq!(a3["status"], "unchanged");
    assert_eq!(a3["renumbered"], json!({"from": "3", "to": "1"}));
    assert_eq!(a3["moved"], true);
    let a1 = find(&v1[0]["id"]);
    assert_eq!(a1["status"], "modified");
    assert_eq!(
        a1["moved"], false,
        "only the fewest articles count as moved"
    );
    assert_eq!(
        find(&v1[1]["id"])["renumbered"],
        json!({"from": "2", "to": "3"})
    );
    assert!(articles.iter().any(|a| a["status"] == "inserted"));
    let (_, v2) = latest_articles(&c.app, &c.bill).await;
    let v3: Vec<Value> = v2
        .iter()
        .filter(|a| a["id"] != v1[1]["id"])
        .map(|a| body(a, a["text"].as_str().unwrap()))
        .collect();
    publish(&c, 3, v3, json!([])).await;
    let diff = c
        .app
        .get(&format!("/api/v1/bills/{}/diff?from=2&to=3", c.bill))
        .await;
    let articles = diff.body["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 1, "{}", diff.body);
    assert_eq!(articles[0]["status"], "deleted");
    assert_eq!(articles[0]["article_id"], v1[1]["id"]);
}

async fn case_two_amendments_taking_effect_together_form_one_point_applied_in_order(db: TestDb) {
    let c = open_consultation(db).await;
    let (_, v1) = latest_articles(&c.app, &c.bill).await;
    let mut ids = Vec::new();
    for (i, (article, text)) in [
        (&v1[0], "Les administrations publient tout."),
        (&v1[2], "Entrée en vigueur immédiate."),
    ]
    .into_iter()
    .enumerate()
    {
        let submitted = c
            .app
            .post(
                &format!("/api/v1/bills/{}/amendments", c.bill),
                &c.citizens[i],
                json!({"kind": "modify", "article_id": article["id"], "title": format!("Amendement {i}"), "proposed_text": text, "rationale": "."}),
            )
            .await;
        let id = submitted.body["id"].as_str().unwrap().to_string();
        let decided = c
            .app
            .post(
                &format!("/api/v1/amendments/{id}/decision"),
                &c.official,
                json!({"outcome": "accepted", "response": "Oui."}),
            )
            .await;
        assert_eq!(decided.status, 201, "{}", decided.body);
        ids.push(id);
    }
    // Both take effect in one version, at one instant, applied in the order listed: 1 then 0.
    let published = c
        .app
        .post(
            &format!("/api/v1/bills/{}/versions", c.bill),
            &c.official,
            json!({"number": 2, "label": "ensemble", "apply": [ids[1], ids[0]]}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    let (_, v2) = latest_articles(&c.app, &c.bill).await;
    assert_eq!(v2[0]["text"], "Les administrations publient tout.");
    assert_eq!(v2[1]["text"], v1[1]["text"]);
    assert_eq!(v2[2]["text"], "Entrée en vigueur immédiate.");
    let timeline = c
        .app
        .get(&format!("/api/v1/bills/{}/timeline?limit=500", c.bill))
        .await;
    let last = timeline.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let entries = last["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one point: {last}");
    let summary = entries[0]["summary"].as_str().unwrap();
    let (one, zero) = (
        summary.find("« Amendement 1 »").unwrap(),
        summary.find("« Amendement 0 »").unwrap(),
    );
    assert!(one < zero, "listed in the order applied: {summary}");
    views::rebuild(&c.app.db.store, None).await.unwrap();
    c.app.views.catch_up().await.unwrap();
    let again = c
        .app
        .get(&format!("/api/v1/bills/{}/timeline?limit=500", c.bill))
        .await;
    assert_eq!(again.body, timeline.body, "stable across rebuilds");
}

/// Runs one statement on the test database, as someone with write access to it would.
async fn tamper(db: &TestDb, sql: &str) {
    use sqlx::Connection;
    match &db.url {
        projections::DatabaseUrl::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        projections::DatabaseUrl::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
}

/// The log verifies whatever the stored views say; checking the views folds the log afresh and
/// names the document that no longer matches, and a rebuild of that projection repairs it.
async fn a_view_document_edited_in_the_database_is_found_by_the_check_and_repaired_by_a_rebuild(
    db: TestDb,
) {
    let c = open_consultation(db).await;
    let checks = views::check(&c.app.db.store).await.unwrap();
    assert_eq!(checks.len(), PROJECTION_NAMES.len());
    assert!(
        checks.iter().all(|check| check.differing.is_empty()),
        "{checks:?}"
    );

    tamper(
        &c.app.db,
        "UPDATE projection_docs SET body = replace(body, 'République numérique', 'République falsifiée') WHERE name = 'bills'",
    )
    .await;
    let checks = views::check(&c.app.db.store).await.unwrap();
    let bills = checks
        .iter()
        .find(|check| check.projection == "bills")
        .unwrap();
    assert_eq!(bills.differing, [format!("bill/{}", c.bill)]);
    assert!(
        bills
            .to_string()
            .contains("run `palimpsest rebuild --projection bills`"),
        "{bills}"
    );
    assert!(checks
        .iter()
        .filter(|check| check.projection != "bills")
        .all(|check| check.differing.is_empty()));

    views::rebuild(&c.app.db.store, Some("bills"))
        .await
        .unwrap();
    let checks = views::check(&c.app.db.store).await.unwrap();
    assert!(
        checks.iter().all(|check| check.differing.is_empty()),
        "{checks:?}"
    );
}
