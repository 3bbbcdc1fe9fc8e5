use chrono::{Duration, Utc};
use serde_json::json;

use crate::support::{both_backends, ContentTypeProbe, TestApp, TestDb};

both_backends!(
    a_citizen_amends_and_votes_and_an_official_decides_and_publishes,
    malformed_json_is_refused_with_a_problem_and_changes_nothing,
    unknown_ids_are_answered_404_with_a_problem,
    a_citizen_cannot_decide_an_amendment,
    writes_without_a_token_are_refused,
    a_vote_after_the_consultation_closed_is_refused,
    an_amendments_diff_is_what_applying_it_would_do_for_each_kind_of_change,
);

struct Setup {
    app: TestApp,
    official: String,
    citizen: String,
    bill: String,
    article: String,
}

async fn bill_in_consultation(db: TestDb) -> Setup {
    let app = TestApp::new(db).await;
    let official = app.token("gouvernement", &["official"]).await;
    let citizen = app.token("u0123456789", &["citizen"]).await;
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({
                "title": "Loi pour une République numérique",
                "articles": [
                    {"number": "1", "heading": "Open data", "text": "Les administrations publient leurs données."},
                    {"number": "2", "text": "Un embargo de douze mois s'applique.\n\nIl est renouvelable."}
                ]
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bill = created.body["id"].as_str().unwrap().to_string();
    let closes_at = (Utc::now() + Duration::days(21)).to_rfc3339();
    let opened = app
        .post(
            &format!("/api/v1/bills/{bill}/consultation/open"),
            &official,
            json!({ "closes_at": closes_at }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let version = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let article = version.body["articles"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Setup {
        app,
        official,
        citizen,
        bill,
        article,
    }
}

async fn a_citizen_amends_and_votes_and_an_official_decides_and_publishes(db: TestDb) {
    let Setup {
        app,
        official,
        citizen,
        bill,
        article,
    } = bill_in_consultation(db).await;

    let submitted = app
        .post(
            &format!("/api/v1/bills/{bill}/amendments"),
            &citizen,
            json!({
                "kind": "modify",
                "article_id": article,
                "title": "Six mois suffisent",
                "proposed_text": "Un embargo de six mois s'applique.\n\nIl est renouvelable.",
                "rationale": "La recherche publique doit circuler vite."
            }),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let amendment = submitted.body["id"].as_str().unwrap().to_string();
    assert!(submitted.body["log_index"].as_u64().unwrap() >= 3);

    let target = json!({"kind": "amendment", "amendment_id": amendment});
    let voted = app
        .post(
            "/api/v1/votes",
            &citizen,
            json!({"target": target, "choice": "for"}),
        )
        .await;
    assert_eq!(voted.status, 201, "{}", voted.body);
    // Voting the same again is not a second vote.
    let again = app
        .post(
            "/api/v1/votes",
            &citizen,
            json!({"target": target, "choice": "for"}),
        )
        .await;
    again.problem(409);
    let changed = app
        .post(
            "/api/v1/votes",
            &citizen,
            json!({"target": target, "choice": "mixed"}),
        )
        .await;
    assert_eq!(changed.status, 201, "{}", changed.body);

    let decided = app
        .post(
            &format!("/api/v1/amendments/{amendment}/decision"),
            &official,
            json!({"outcome": "accepted", "response": "Retenu : six mois pour les sciences exactes."}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.body);
    let twice = app
        .post(
            &format!("/api/v1/amendments/{amendment}/decision"),
            &official,
            json!({"outcome": "rejected", "response": "Non."}),
        )
        .await;
    assert!(twice.problem(409).contains("already decided"));

    let shown = app.get(&format!("/api/v1/amendments/{amendment}")).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["state"], "accepted");
    assert_eq!(
        shown.body["tallies"]["ballots"],
        json!({"for": 0, "mixed": 1, "against": 0, "pass": 0})
    );
    assert_eq!(shown.body["tallies"]["imported"], json!(null));
    assert_eq!(
        shown.body["decision"]["response"],
        "Retenu : six mois pour les sciences exactes."
    );

    let v1 = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let mut articles = v1.body["articles"].as_array().unwrap().clone();
    articles[1]["text"] = json!("Un embargo de six mois s'applique.\n\nIl est renouvelable.");
    let articles: Vec<_> = articles
        .iter()
        .map(|a| json!({"id": a["id"], "number": a["number"], "heading": a["heading"], "text": a["text"]}))
        .collect();
    let published = app
        .post(
            &format!("/api/v1/bills/{bill}/versions"),
            &official,
            json!({
                "number": 2,
                "label": "after consultation",
                "articles": articles,
                "provenance": [{"article_id": article, "amendments": [amendment]}]
            }),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);

    let diff = app
        .get(&format!("/api/v1/bills/{bill}/diff?from=1&to=2"))
        .await;
    assert_eq!(diff.status, 200);
    let chunks = &diff.body["articles"][0]["chunks"];
    assert!(chunks
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["op"] == "delete" && c["text"] == "douze"));
    assert!(chunks
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["op"] == "insert" && c["text"] == "six"));

    let v2 = app.get(&format!("/api/v1/bills/{bill}/versions/2")).await;
    assert_eq!(v2.body["provenance"][0]["amendments"][0]["id"], amendment);
    let versions = app.get(&format!("/api/v1/bills/{bill}/versions")).await;
    assert_eq!(versions.body["items"][1]["number"], 2);

    let timeline = app
        .get(&format!("/api/v1/bills/{bill}/timeline?limit=3"))
        .await;
    assert_eq!(timeline.body["items"].as_array().unwrap().len(), 3);
    let next = timeline.body["next"].as_str().unwrap().to_string();
    let rest = app
        .get(&format!(
            "/api/v1/bills/{bill}/timeline?cursor={next}&limit=100"
        ))
        .await;
    let all: Vec<u64> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.body["items"].as_array().unwrap())
        .flat_map(|point| point["entries"].as_array().unwrap())
        .map(|e| e["log_index"].as_u64().unwrap())
        .collect();
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "timeline in log order: {all:?}"
    );
    assert_eq!(
        all.len(),
        7,
        "draft, open, submit, vote, change, decide, version: {all:?}"
    );
    assert_eq!(rest.body["next"], json!(null));

    let amendments = app.get(&format!("/api/v1/bills/{bill}/amendments")).await;
    assert_eq!(amendments.body["items"][0]["state"], "accepted");
    assert_eq!(amendments.body["items"][0]["title"], "Six mois suffisent");
}

async fn malformed_json_is_refused_with_a_problem_and_changes_nothing(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let before = app.db.store.log_size().await.unwrap();
    let path = format!("/api/v1/bills/{}/amendments", setup.bill);
    let cases = [
        (r#"{"kind": "modify", "#, 400, "not acceptable json"),
        (
            r#"{"kind": "modify", "kind": "delete", "title": "x", "rationale": "y"}"#,
            400,
            "duplicate",
        ),
        (
            r#"{"kind": "modify", "title": 12, "rationale": "y"}"#,
            422,
            "title",
        ),
        (
            r#"{"kind": "rewrite", "title": "t", "rationale": "y"}"#,
            422,
            "kind",
        ),
        (
            r#"{"kind": "modify", "title": "t", "rationale": "y", "extra": 1}"#,
            422,
            "extra",
        ),
        (
            r#"{"title": "\ud800", "kind": "modify", "rationale": "y"}"#,
            400,
            "surrogate",
        ),
    ];
    for (body, status, needle) in cases {
        let answer = app
            .request("POST", &path, Some(&setup.citizen), Some(body))
            .await;
        let detail = answer.problem(status);
        assert!(
            detail.to_lowercase().contains(needle),
            "{body}: detail `{detail}` should mention {needle}"
        );
    }
    let wrong_type = app
        .router
        .clone()
        .oneshot_with_content_type(&path, &setup.citizen, "application/jsonfoo")
        .await;
    assert_eq!(wrong_type, 415);
    let too_long = "x".repeat(600);
    let answer = app
        .post(
            &path,
            &setup.citizen,
            json!({"kind": "modify", "article_id": setup.article, "title": too_long, "proposed_text": "a", "rationale": "b"}),
        )
        .await;
    assert!(answer.problem(422).contains("at most 500"));
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

async fn unknown_ids_are_answered_404_with_a_problem(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let missing = uuid::Uuid::new_v4();
    app.get(&format!("/api/v1/bills/{missing}"))
        .await
        .problem(404);
    app.get("/api/v1/bills/not-a-uuid").await.problem(404);
    app.get(&format!("/api/v1/amendments/{missing}"))
        .await
        .problem(404);
    app.get(&format!("/api/v1/bills/{}/versions/9", setup.bill))
        .await
        .problem(404);
    app.get("/api/v1/nowhere").await.problem(404);
    let before = app.db.store.log_size().await.unwrap();
    app.post(
        &format!("/api/v1/amendments/{missing}/decision"),
        &setup.official,
        json!({"outcome": "accepted", "response": "ok"}),
    )
    .await
    .problem(404);
    app.post(
        "/api/v1/votes",
        &setup.citizen,
        json!({"target": {"kind": "amendment", "amendment_id": missing}, "choice": "for"}),
    )
    .await
    .problem(404);
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

async fn a_citizen_cannot_decide_an_amendment(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let submitted = app
        .post(
            &format!("/api/v1/bills/{}/amendments", setup.bill),
            &setup.citizen,
            json!({"kind": "delete", "article_id": setup.article, "title": "Supprimer", "rationale": "Inutile."}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let amendment = submitted.body["id"].as_str().unwrap();
    let before = app.db.store.log_size().await.unwrap();
    let refused = app
        .post(
            &format!("/api/v1/amendments/{amendment}/decision"),
            &setup.citizen,
            json!({"outcome": "accepted", "response": "Moi-même."}),
        )
        .await;
    assert!(refused.problem(403).contains("official"));
    let refused = app
        .post(
            "/api/v1/bills",
            &setup.citizen,
            json!({"title": "Ma loi", "articles": [{"number": "1", "text": "Tout est permis."}]}),
        )
        .await;
    refused.problem(403);
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

async fn writes_without_a_token_are_refused(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let wrong_method = app.request("DELETE", "/api/v1/bills", None, None).await;
    wrong_method.problem(405);
    let body = json!({"target": {"kind": "article", "bill_id": setup.bill, "article_id": setup.article}, "choice": "for"}).to_string();
    app.request("POST", "/api/v1/votes", None, Some(&body))
        .await
        .problem(401);
    app.request("POST", "/api/v1/votes", Some("plp_forged"), Some(&body))
        .await
        .problem(401);
    api::auth::revoke_tokens(&app.db.store, "test")
        .await
        .unwrap();
    app.request("POST", "/api/v1/votes", Some(&setup.citizen), Some(&body))
        .await
        .problem(401);
}

async fn a_vote_after_the_consultation_closed_is_refused(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let target = json!({"kind": "article", "bill_id": setup.bill, "article_id": setup.article});
    let open_vote = app
        .post(
            "/api/v1/votes",
            &setup.citizen,
            json!({"target": target, "choice": "against"}),
        )
        .await;
    assert_eq!(open_vote.status, 201, "{}", open_vote.body);
    let closed = app
        .post(
            &format!("/api/v1/bills/{}/consultation/close", setup.bill),
            &setup.official,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 201, "{}", closed.body);
    let before = app.db.store.log_size().await.unwrap();
    let late = app
        .post(
            "/api/v1/votes",
            &setup.citizen,
            json!({"target": target, "choice": "for"}),
        )
        .await;
    assert_eq!(
        late.body["type"],
        "https://palimpsest.example/problems/consultation-closed"
    );
    assert!(late.problem(409).contains("closed"));
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
    let bill = app.get(&format!("/api/v1/bills/{}", setup.bill)).await;
    assert_eq!(
        bill.body["articles"][1]["tallies"]["ballots"],
        json!({"for": 0, "mixed": 0, "against": 1, "pass": 0})
    );
}

both_backends!(votes_racing_the_closure_of_the_consultation_never_land_after_it);

/// Votes in flight while an official closes the consultation: every ballot that is recorded
/// comes before the closure in the log; the others are refused as outside the window.
async fn votes_racing_the_closure_of_the_consultation_never_land_after_it(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = std::sync::Arc::new(setup.app);
    const VOTERS: usize = 24;
    let mut tokens = Vec::new();
    for i in 0..VOTERS {
        tokens.push(app.token(&format!("u{i:010}"), &["citizen"]).await);
    }
    let target = json!({"kind": "article", "bill_id": setup.bill, "article_id": setup.article});
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(VOTERS + 1));
    let mut tasks = Vec::new();
    for token in tokens {
        let (app, barrier, target) = (app.clone(), barrier.clone(), target.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            app.post(
                "/api/v1/votes",
                &token,
                json!({"target": target, "choice": "for"}),
            )
            .await
            .status
        }));
    }
    let closer = {
        let (app, barrier, official, bill) = (
            app.clone(),
            barrier.clone(),
            setup.official.clone(),
            setup.bill.clone(),
        );
        tokio::spawn(async move {
            barrier.wait().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            app.post(
                &format!("/api/v1/bills/{bill}/consultation/close"),
                &official,
                json!({}),
            )
            .await
            .status
        })
    };
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            status == 201 || status == 409 || status == 503,
            "vote answered {status}"
        );
    }
    assert_eq!(closer.await.unwrap(), 201);
    let log = app.db.store.read_log(0, 1000).await.unwrap();
    let closed_at = log
        .iter()
        .find(|e| e.event.event_type == "ConsultationClosed")
        .unwrap()
        .log_index;
    let late: Vec<u64> = log
        .iter()
        .filter(|e| e.event.stream_type == "ballot" && e.log_index > closed_at)
        .map(|e| e.log_index)
        .collect();
    assert!(
        late.is_empty(),
        "ballots after the closure (log index {closed_at}): {late:?}"
    );
}

both_backends!(
    a_version_applying_two_accepted_amendments_computes_the_text_and_names_each,
    an_amendment_is_applied_once_and_never_over_a_text_that_changed_since_it_was_written,
    a_corrected_official_response_keeps_both_texts_and_shows_in_the_timeline,
);

impl Setup {
    /// Submits an amendment as the citizen; returns its id.
    async fn amend(&self, body: serde_json::Value) -> String {
        let submitted = self
            .app
            .post(
                &format!("/api/v1/bills/{}/amendments", self.bill),
                &self.citizen,
                body,
            )
            .await;
        assert_eq!(submitted.status, 201, "{}", submitted.body);
        submitted.body["id"].as_str().unwrap().to_string()
    }

    async fn decide(&self, amendment: &str, outcome: &str) {
        let decided = self
            .app
            .post(
                &format!("/api/v1/amendments/{amendment}/decision"),
                &self.official,
                json!({"outcome": outcome, "response": "Réponse du Gouvernement."}),
            )
            .await;
        assert_eq!(decided.status, 201, "{}", decided.body);
    }
}

/// Case of issue 4: two amendments take effect together. The version applies both in the
/// order given, names each for the article it shaped, and bad lists are refused field by field.
async fn a_version_applying_two_accepted_amendments_computes_the_text_and_names_each(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let v1 = app
        .get(&format!("/api/v1/bills/{}/versions/1", setup.bill))
        .await;
    let first_article = v1.body["articles"][0]["id"].as_str().unwrap().to_string();
    let six_months = setup
        .amend(json!({
            "kind": "modify", "article_id": setup.article, "title": "Six mois",
            "proposed_text": "Un embargo de six mois s'applique.\n\nIl est renouvelable.",
            "rationale": "Plus court."
        }))
        .await;
    let free_data = setup
        .amend(json!({
            "kind": "insert_after", "article_id": first_article, "title": "Gratuité",
            "proposed_text": "Les données sont gratuites.", "rationale": "Accès."
        }))
        .await;
    let rejected = setup
        .amend(json!({
            "kind": "delete", "article_id": first_article, "title": "Supprimer",
            "rationale": "Inutile."
        }))
        .await;
    let undecided = setup
        .amend(json!({
            "kind": "modify", "article_id": setup.article, "title": "Trois mois",
            "proposed_text": "Un embargo de trois mois s'applique.", "rationale": "Encore."
        }))
        .await;
    setup.decide(&six_months, "accepted").await;
    setup.decide(&free_data, "accepted_with_changes").await;
    setup.decide(&rejected, "rejected").await;

    let path = format!("/api/v1/bills/{}/versions", setup.bill);
    let publish = |extra: serde_json::Value| {
        let mut body = json!({"number": 2, "label": "après consultation"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.post(&path, &setup.official, body)
    };
    let before = app.db.store.log_size().await.unwrap();
    let unknown = uuid::Uuid::new_v4().to_string();
    let refusals = [
        (
            json!({"apply": [six_months], "articles": []}),
            "field `apply`",
        ),
        (json!({}), "field `articles`"),
        (json!({"apply": []}), "at least one"),
        (json!({"apply": [six_months, rejected]}), "`apply[1]`"),
        (json!({"apply": [undecided]}), "not decided"),
        (json!({"apply": [unknown]}), "`apply[0]`"),
        (json!({"apply": [six_months, six_months]}), "listed twice"),
        (
            json!({"apply": [six_months], "provenance": [{"article_id": setup.article, "amendments": [six_months]}]}),
            "field `provenance`",
        ),
    ];
    for (body, needle) in refusals {
        let detail = publish(body.clone()).await.problem(422);
        assert!(detail.contains(needle), "{body}: `{detail}` lacks {needle}");
    }
    let detail = app
        .post(
            &path,
            &setup.official,
            json!({"number": 3, "label": "x", "apply": [six_months]}),
        )
        .await
        .problem(422);
    assert!(detail.contains("field `number`"), "{detail}");
    assert_eq!(app.db.store.log_size().await.unwrap(), before);

    let published = publish(json!({"apply": [six_months, free_data]})).await;
    assert_eq!(published.status, 201, "{}", published.body);

    let v2 = app
        .get(&format!("/api/v1/bills/{}/versions/2", setup.bill))
        .await;
    let articles = v2.body["articles"].as_array().unwrap();
    let numbers: Vec<&str> = articles
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "1 bis", "2"]);
    assert_eq!(articles[0]["id"], v1.body["articles"][0]["id"]);
    assert_eq!(articles[2]["id"], setup.article.as_str());
    assert_eq!(
        articles[2]["text"],
        "Un embargo de six mois s'applique.\n\nIl est renouvelable."
    );
    assert_eq!(articles[1]["text"], "Les données sont gratuites.");
    let provenance = v2.body["provenance"].as_array().unwrap();
    assert_eq!(provenance.len(), 2);
    assert_eq!(provenance[0]["article_id"], setup.article.as_str());
    assert_eq!(provenance[0]["amendments"][0]["id"], six_months.as_str());
    assert_eq!(provenance[1]["article_id"], articles[1]["id"]);
    assert_eq!(provenance[1]["amendments"][0]["id"], free_data.as_str());

    // The consolidated diff of the modified article equals the amendment's own diff.
    let diff = app
        .get(&format!(
            "/api/v1/bills/{}/diff?from=1&to=2&article={}",
            setup.bill, setup.article
        ))
        .await;
    assert_eq!(diff.status, 200, "{}", diff.body);
    let own = domain::text::diff_words(
        "Un embargo de douze mois s'applique.\n\nIl est renouvelable.",
        "Un embargo de six mois s'applique.\n\nIl est renouvelable.",
    );
    assert_eq!(
        diff.body["articles"][0]["chunks"],
        serde_json::to_value(&own).unwrap()
    );
}

/// Two accepted amendments written against version 1 change different sentences of one
/// article. Replacing the article with the second's text after the first was applied would
/// silently undo the first: it is refused (in one list or in a later version), and an amendment
/// already taken in is not applied again.
async fn an_amendment_is_applied_once_and_never_over_a_text_that_changed_since_it_was_written(
    db: TestDb,
) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let six_months = setup
        .amend(json!({
            "kind": "modify", "article_id": setup.article, "title": "Six mois",
            "proposed_text": "Un embargo de six mois s'applique.\n\nIl est renouvelable.",
            "rationale": "Plus court."
        }))
        .await;
    let once = setup
        .amend(json!({
            "kind": "modify", "article_id": setup.article, "title": "Une fois",
            "proposed_text": "Un embargo de douze mois s'applique.\n\nIl est renouvelable une fois.",
            "rationale": "Borné."
        }))
        .await;
    setup.decide(&six_months, "accepted").await;
    setup.decide(&once, "accepted").await;
    let path = format!("/api/v1/bills/{}/versions", setup.bill);
    let publish = |number: u32, apply: Vec<&String>| {
        app.post(
            &path,
            &setup.official,
            json!({"number": number, "label": format!("v{number}"), "apply": apply}),
        )
    };
    let before = app.db.store.log_size().await.unwrap();
    let detail = publish(2, vec![&six_months, &once]).await.problem(422);
    assert!(
        detail.contains(&format!(
            "amendment {once} was written against an earlier text"
        )),
        "{detail}"
    );
    assert_eq!(app.db.store.log_size().await.unwrap(), before);

    let published = publish(2, vec![&six_months]).await;
    assert_eq!(published.status, 201, "{}", published.body);
    let detail = publish(3, vec![&once]).await.problem(422);
    assert!(
        detail.contains("written against an earlier text"),
        "{detail}"
    );
    let detail = publish(3, vec![&six_months]).await.problem(422);
    assert!(detail.contains("already taken in by version 2"), "{detail}");
    let v = app
        .get(&format!("/api/v1/bills/{}/versions/2", setup.bill))
        .await;
    assert_eq!(
        v.body["articles"][1]["text"],
        "Un embargo de six mois s'applique.\n\nIl est renouvelable."
    );
    let latest = app.get(&format!("/api/v1/bills/{}", setup.bill)).await;
    assert_eq!(latest.body["versions"], 2, "the refusals published nothing");
}

/// Case of issue 4: an official response is published, then corrected; both texts stay in the
/// log and the timeline shows the correction.
async fn a_corrected_official_response_keeps_both_texts_and_shows_in_the_timeline(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let amendment = setup
        .amend(json!({
            "kind": "delete", "article_id": setup.article, "title": "Supprimer",
            "rationale": "Inutile."
        }))
        .await;
    let path = format!("/api/v1/amendments/{amendment}/decision/correction");
    let correction = json!({
        "response": "Rejeté : l'embargo protège les éditeurs scientifiques.",
        "reason": "La réponse publiée visait un autre amendement."
    });
    let before = app.db.store.log_size().await.unwrap();
    let early = app.post(&path, &setup.official, correction.clone()).await;
    assert!(early.problem(409).contains("not decided"));
    setup.decide(&amendment, "rejected").await;

    let log_size = app.db.store.log_size().await.unwrap();
    assert_eq!(log_size, before + 1);
    app.post(&path, &setup.citizen, correction.clone())
        .await
        .problem(403);
    let same = app
        .post(
            &path,
            &setup.official,
            json!({"response": " Réponse du  Gouvernement. ", "reason": "r"}),
        )
        .await;
    assert!(same.problem(422).contains("same as the published"));
    let no_reason = app
        .post(
            &path,
            &setup.official,
            json!({"response": "Autre.", "reason": " "}),
        )
        .await;
    assert!(no_reason.problem(422).contains("reason"));
    let unknown_field = app
        .post(
            &path,
            &setup.official,
            json!({"response": "Autre.", "reason": "r", "outcome": "accepted"}),
        )
        .await;
    assert!(unknown_field.problem(422).contains("outcome"));
    assert_eq!(app.db.store.log_size().await.unwrap(), log_size);

    let corrected = app.post(&path, &setup.official, correction.clone()).await;
    assert_eq!(corrected.status, 201, "{}", corrected.body);

    let log = app.db.store.read_log(0, 1000).await.unwrap();
    let responses: Vec<(String, String)> = log
        .iter()
        .filter(|e| e.event.stream_id == amendment)
        .filter_map(|e| {
            let payload = &e.event.payload;
            payload["AmendmentDecided"]["response"]
                .as_str()
                .or(payload["DecisionResponseCorrected"]["response"].as_str())
                .map(|r| (e.event.event_type.clone(), r.to_string()))
        })
        .collect();
    assert_eq!(
        responses,
        vec![
            (
                "AmendmentDecided".to_string(),
                "Réponse du Gouvernement.".to_string()
            ),
            (
                "DecisionResponseCorrected".to_string(),
                "Rejeté : l'embargo protège les éditeurs scientifiques.".to_string()
            ),
        ]
    );
    let timeline = app
        .get(&format!("/api/v1/bills/{}/timeline?limit=100", setup.bill))
        .await;
    let last = timeline.body["items"].as_array().unwrap().last().unwrap()["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event_type"], "DecisionResponseCorrected");
    assert_eq!(last["actor"], "gouvernement");
    assert!(last["summary"]
        .as_str()
        .unwrap()
        .contains("La réponse publiée visait un autre amendement."));
    // The views keep both texts: the current response, and every published one in order.
    let shown = app.get(&format!("/api/v1/amendments/{amendment}")).await;
    let responses = shown.body["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2, "{}", shown.body);
    assert_eq!(responses[0]["correction_reason"], serde_json::Value::Null);
    assert_eq!(
        responses[1]["correction_reason"],
        "La réponse publiée visait un autre amendement."
    );
    assert_eq!(shown.body["decision"]["response"], responses[1]["response"]);
    assert_ne!(responses[0]["response"], responses[1]["response"]);
}

async fn an_amendments_diff_is_what_applying_it_would_do_for_each_kind_of_change(db: TestDb) {
    let setup = bill_in_consultation(db).await;
    let app = &setup.app;
    let citizen = &setup.citizen;
    let submit = |body: serde_json::Value| {
        let path = format!("/api/v1/bills/{}/amendments", setup.bill);
        async move {
            let answer = app.post(&path, citizen, body).await;
            assert_eq!(answer.status, 201, "{}", answer.body);
            let id = answer.body["id"].as_str().unwrap().to_string();
            app.get(&format!("/api/v1/amendments/{id}")).await.body
        }
    };
    let chunks = |amendment: &serde_json::Value| -> Vec<(String, String)> {
        amendment["proposed_diff"]["chunks"]
            .as_array()
            .unwrap_or_else(|| panic!("no diff: {amendment}"))
            .iter()
            .map(|c| {
                (
                    c["op"].as_str().unwrap_or_default().to_string(),
                    c["text"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };

    let inserted = submit(json!({
        "kind": "insert_after", "article_id": setup.article, "title": "Un article sur les algorithmes",
        "proposed_text": "Les algorithmes publics sont documentés.", "rationale": "Transparence."
    }))
    .await;
    assert_eq!(
        inserted["proposed_diff"]["status"], "inserted",
        "{inserted}"
    );
    assert!(
        chunks(&inserted).iter().all(|(op, _)| op == "insert"),
        "a new article is all insertion, never a deletion of the article it follows: {inserted}"
    );

    let deleted = submit(json!({
        "kind": "delete", "article_id": setup.article, "title": "Supprimer l'article 1",
        "rationale": "Redondant."
    }))
    .await;
    assert_eq!(deleted["proposed_diff"]["status"], "deleted", "{deleted}");
    assert!(
        chunks(&deleted).iter().all(|(op, _)| op == "delete"),
        "{deleted}"
    );

    let modified = submit(json!({
        "kind": "modify", "article_id": setup.article, "title": "Préciser la licence",
        "proposed_text": "Les administrations publient leurs données sous licence ouverte.",
        "rationale": "Préciser la licence."
    }))
    .await;
    assert_eq!(
        modified["proposed_diff"]["status"], "modified",
        "{modified}"
    );
    assert!(
        chunks(&modified)
            .iter()
            .any(|(op, text)| op == "insert" && text.contains("licence ouverte")),
        "{modified}"
    );
}
