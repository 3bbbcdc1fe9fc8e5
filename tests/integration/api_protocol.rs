use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api::http::rate_limit::{Rate, WriteLimits};
use api::state::{Clock, Settings};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(
    a_retried_post_with_the_same_idempotency_key_runs_the_command_once,
    an_idempotency_key_reused_for_another_request_is_refused_and_changes_nothing,
    copies_of_a_vote_racing_with_one_idempotency_key_are_recorded_once,
    idempotency_keys_of_different_tokens_never_clash,
    a_malformed_idempotency_key_is_refused,
    idempotency_keys_are_honoured_for_a_day_then_forgotten,
    writes_over_a_tokens_limit_get_429_with_retry_after_and_change_nothing,
    writes_over_an_addresss_limit_get_429_whatever_the_token,
    the_event_stream_sends_a_bills_events_and_resumes_after_last_event_id,
    the_event_stream_refuses_unknown_bills_and_bad_resume_points,
    a_consultation_ending_on_the_day_clocks_go_back_takes_a_vote_one_second_before_its_end_not_at_it,
    local_times_that_happen_twice_or_never_are_refused_with_both_readings,
    an_amendments_arguments_are_paged_in_posting_order_with_a_stance_filter,
    a_bills_amendment_tallies_are_paged,
);

struct Bill {
    app: TestApp,
    official: String,
    citizen: String,
    bill: String,
    article: String,
}

async fn bill_open_until(app: TestApp, closes_at: &str) -> Bill {
    let official = app.token("gouvernement", &["official"]).await;
    let citizen = app.token("u0123456789", &["citizen"]).await;
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({
                "title": "Loi pour une République numérique",
                "articles": [{"number": "1", "text": "Les administrations publient leurs données."}]
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bill = created.body["id"].as_str().unwrap().to_string();
    let opened = app
        .post(
            &format!("/api/v1/bills/{bill}/consultation/open"),
            &official,
            json!({ "closes_at": closes_at }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let version = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let article = version.body["articles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Bill {
        app,
        official,
        citizen,
        bill,
        article,
    }
}

async fn bill_in_consultation(db: TestDb) -> Bill {
    let closes_at = (Utc::now() + chrono::Duration::days(21)).to_rfc3339();
    bill_open_until(TestApp::new(db).await, &closes_at).await
}

fn post(path: &str, token: &str, key: Option<&str>, body: &Value) -> Request<Body> {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn amendment(bill: &Bill, title: &str) -> Value {
    json!({
        "kind": "modify",
        "article_id": bill.article,
        "title": title,
        "proposed_text": "Les administrations publient leurs données sous licence ouverte.",
        "rationale": "Préciser la licence."
    })
}

async fn a_retried_post_with_the_same_idempotency_key_runs_the_command_once(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    let body = amendment(&bill, "Licence ouverte");
    let before = app.db.store.log_size().await.unwrap();

    let (status, headers, first) = app
        .send(post(&path, &bill.citizen, Some("retry-me-1"), &body))
        .await;
    assert_eq!(status, 201, "{first}");
    assert!(headers.get("idempotent-replayed").is_none());
    let (status, headers, retried) = app
        .send(post(&path, &bill.citizen, Some("retry-me-1"), &body))
        .await;
    assert_eq!(status, 201, "{retried}");
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");

    assert_eq!(
        serde_json::from_str::<Value>(&retried).unwrap(),
        serde_json::from_str::<Value>(&first).unwrap(),
        "the retry answers exactly what the first request answered"
    );
    assert_eq!(app.db.store.log_size().await.unwrap(), before + 1);
    let listed = app
        .get(&format!("/api/v1/bills/{}/amendments", bill.bill))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

async fn idempotency_keys_are_honoured_for_a_day_then_forgotten(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    let body = amendment(&bill, "Licence ouverte");
    let (status, _, first) = app
        .send(post(&path, &bill.citizen, Some("kept-a-day"), &body))
        .await;
    assert_eq!(status, 201, "{first}");

    let forgotten = api::http::idempotency::forget_expired(&app.db.store)
        .await
        .unwrap();
    assert_eq!(forgotten, 0, "a key recorded just now is kept");
    let (_, headers, _) = app
        .send(post(&path, &bill.citizen, Some("kept-a-day"), &body))
        .await;
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");

    // Make the key 25 hours old.
    let aged = (Utc::now() - chrono::Duration::hours(25))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let sql = "UPDATE idempotency_keys SET created_at = ";
    if let Some(pool) = app.db.store.sqlite_pool() {
        sqlx::query(&format!("{sql} ?1"))
            .bind(&aged)
            .execute(pool)
            .await
            .unwrap();
    } else {
        let pool = app.db.store.postgres_pool().unwrap();
        sqlx::query(&format!("{sql} $1"))
            .bind(&aged)
            .execute(pool)
            .await
            .unwrap();
    }
    let forgotten = api::http::idempotency::forget_expired(&app.db.store)
        .await
        .unwrap();
    assert_eq!(forgotten, 1, "a key older than a day is forgotten");
    let before = app.db.store.log_size().await.unwrap();
    let (status, headers, again) = app
        .send(post(&path, &bill.citizen, Some("kept-a-day"), &body))
        .await;
    assert_eq!(status, 201, "{again}");
    assert!(
        headers.get("idempotent-replayed").is_none(),
        "after a day the same key is a new request"
    );
    assert_eq!(app.db.store.log_size().await.unwrap(), before + 1);
}

async fn an_idempotency_key_reused_for_another_request_is_refused_and_changes_nothing(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    let (status, _, _) = app
        .send(post(
            &path,
            &bill.citizen,
            Some("k-1"),
            &amendment(&bill, "Première"),
        ))
        .await;
    assert_eq!(status, 201);
    let before = app.db.store.log_size().await.unwrap();

    let (status, headers, body) = app
        .send(post(
            &path,
            &bill.citizen,
            Some("k-1"),
            &amendment(&bill, "Seconde"),
        ))
        .await;

    assert_eq!(status, 422, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["type"],
        "https://palimpsest.example/problems/idempotency-key-reused"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("`k-1` was used at"),
        "{problem}"
    );
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

async fn copies_of_a_vote_racing_with_one_idempotency_key_are_recorded_once(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = Arc::new(bill.app);
    let body = json!({
        "target": {"kind": "article", "bill_id": bill.bill, "article_id": bill.article},
        "choice": "for"
    });
    let before = app.db.store.log_size().await.unwrap();

    let copies: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            let request = post("/api/v1/votes", &bill.citizen, Some("vote-once"), &body);
            tokio::spawn(async move { app.send(request).await })
        })
        .collect();
    let mut answers = Vec::new();
    for copy in copies {
        let (status, _, body) = copy.await.unwrap();
        assert_eq!(status, 201, "every copy gets the one answer: {body}");
        answers.push(serde_json::from_str::<Value>(&body).unwrap());
    }

    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(app.db.store.log_size().await.unwrap(), before + 1);
}

async fn idempotency_keys_of_different_tokens_never_clash(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let other = app.token("u9876543210", &["citizen"]).await;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    let body = amendment(&bill, "Licence ouverte");

    let (first, _, a) = app
        .send(post(&path, &bill.citizen, Some("same-key"), &body))
        .await;
    let (second, headers, b) = app.send(post(&path, &other, Some("same-key"), &body)).await;

    assert_eq!((first, second), (201, 201));
    assert!(headers.get("idempotent-replayed").is_none());
    let (a, b): (Value, Value) = (
        serde_json::from_str(&a).unwrap(),
        serde_json::from_str(&b).unwrap(),
    );
    assert_ne!(a["id"], b["id"], "two people, two amendments");
}

async fn a_malformed_idempotency_key_is_refused(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let before = app.db.store.log_size().await.unwrap();
    let too_long = "k".repeat(256);
    for key in [too_long.as_str(), "two words"] {
        let (status, _, body) = app
            .send(post(
                &format!("/api/v1/bills/{}/amendments", bill.bill),
                &bill.citizen,
                Some(key),
                &amendment(&bill, "Licence ouverte"),
            ))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("Idempotency-Key header must be 1 to 255 visible ASCII characters"));
    }
    let mut twice = post(
        &format!("/api/v1/bills/{}/amendments", bill.bill),
        &bill.citizen,
        Some("first-key"),
        &amendment(&bill, "Licence ouverte"),
    );
    twice
        .headers_mut()
        .append("idempotency-key", "second-key".parse().unwrap());
    let (status, _, body) = app.send(twice).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("given more than once"), "{body}");
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

fn limits(per_token: u32, per_address: u32) -> Settings {
    Settings {
        write_limits: WriteLimits {
            per_token: Rate {
                per_second: per_token,
                burst: per_token,
            },
            per_address: Rate {
                per_second: per_address,
                burst: per_address,
            },
            client_address_header: None,
        },
        ..Settings::default()
    }
}

async fn writes_over_a_tokens_limit_get_429_with_retry_after_and_change_nothing(db: TestDb) {
    // The setup's own writes use the official's token; the citizen's bucket starts full.
    let bill = bill_open_until(
        TestApp::with_settings(db, limits(2, 0)).await,
        &(Utc::now() + chrono::Duration::days(21)).to_rfc3339(),
    )
    .await;
    let app = &bill.app;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    for n in 0..2 {
        let answer = app
            .post(&path, &bill.citizen, amendment(&bill, &format!("n{n}")))
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    let before = app.db.store.log_size().await.unwrap();

    let (status, headers, body) = app
        .send(post(&path, &bill.citizen, None, &amendment(&bill, "trop")))
        .await;

    assert_eq!(status, 429, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let retry_after: u32 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert!(body.contains("this token sent writes faster than allowed"));
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
    for _ in 0..20 {
        assert_eq!(app.get(&path).await.status, 200, "reads are never limited");
    }
}

async fn writes_over_an_addresss_limit_get_429_whatever_the_token(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = TestApp::with_settings(
        bill.app.db.borrowed(bill.app.db.store.clone()),
        limits(0, 2),
    )
    .await;
    let path = format!("/api/v1/bills/{}/amendments", bill.bill);
    let from = |address: &str, token: &str| {
        let mut request = post(&path, token, None, &amendment(&bill, "depuis une adresse"));
        let peer: SocketAddr = address.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    };
    let second = app.token("u9876543210", &["citizen"]).await;
    let third = app.token("u5555555555", &["citizen"]).await;

    assert_eq!(app.send(from("192.0.2.7:5000", &bill.citizen)).await.0, 201);
    assert_eq!(app.send(from("192.0.2.7:5001", &second)).await.0, 201);
    let (status, headers, body) = app.send(from("192.0.2.7:5002", &third)).await;
    assert_eq!(status, 429, "{body}");
    assert!(headers.contains_key("retry-after"));
    assert!(body.contains("address 192.0.2.7 sent writes faster than allowed"));
    assert_eq!(
        app.send(from("198.51.100.1:5000", &third)).await.0,
        201,
        "another address has its own allowance"
    );
}

/// Reads SSE messages from a streaming body until `count` messages with an id have come.
async fn sse_ids(app: &TestApp, request: Request<Body>, count: usize) -> Vec<(u64, Value)> {
    use futures::StreamExt;
    use tower::ServiceExt;
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body().into_data_stream();
    let mut text = String::new();
    let mut messages = Vec::new();
    while messages.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("the stream sends the events within 10 s")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            let id = message
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|v| v.trim().parse::<u64>().unwrap());
            let data = message
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(|v| serde_json::from_str::<Value>(v.trim()).unwrap());
            if let (Some(id), Some(data)) = (id, data) {
                messages.push((id, data));
            }
        }
    }
    messages
}

fn stream_request(path: &str, last_event_id: Option<u64>) -> Request<Body> {
    let mut request = Request::builder().uri(path);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    request.body(Body::empty()).unwrap()
}

async fn the_event_stream_sends_a_bills_events_and_resumes_after_last_event_id(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let path = format!("/api/v1/bills/{}/events", bill.bill);

    let from_start = sse_ids(app, stream_request(&format!("{path}?after=0"), None), 2).await;
    assert_eq!(
        from_start
            .iter()
            .map(|(_, data)| data["event_type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["BillDrafted", "ConsultationOpened"]
    );
    assert!(from_start.iter().all(|(id, data)| data["log_index"] == *id));

    let resumed = sse_ids(app, stream_request(&path, Some(from_start[0].0)), 1).await;
    assert_eq!(
        resumed[0].0, from_start[1].0,
        "resumes right after the last id received"
    );

    // A live listener gets an event committed after it connected.
    let listener = {
        let app_router = app.router.clone();
        let request = stream_request(&path, None);
        tokio::spawn(async move {
            use futures::StreamExt;
            use tower::ServiceExt;
            let response = app_router.oneshot(request).await.unwrap();
            let mut body = response.into_body().into_data_stream();
            let mut text = String::new();
            while !text.contains("data:") {
                let chunk = body.next().await.unwrap().unwrap();
                text.push_str(std::str::from_utf8(&chunk).unwrap());
            }
            text
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let vote = app
        .post(
            "/api/v1/votes",
            &bill.citizen,
            json!({"target": {"kind": "article", "bill_id": bill.bill, "article_id": bill.article}, "choice": "for"}),
        )
        .await;
    assert_eq!(vote.status, 201, "{}", vote.body);
    let text = tokio::time::timeout(Duration::from_secs(10), listener)
        .await
        .expect("the new vote is streamed within 10 s")
        .unwrap();
    assert!(
        text.contains(&format!("id: {}", vote.body["log_index"])),
        "{text}"
    );
}

async fn the_event_stream_refuses_unknown_bills_and_bad_resume_points(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let unknown = app
        .get("/api/v1/bills/00000000-0000-4000-8000-000000000000/events")
        .await;
    assert!(unknown.problem(404).contains("no bill has the id"));
    let path = format!("/api/v1/bills/{}/events", bill.bill);
    let (status, _, body) = app
        .send(
            Request::builder()
                .uri(&path)
                .header("last-event-id", "yesterday")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("the Last-Event-ID header must be a log index"));
    let beyond = app.get(&format!("{path}?after=999999")).await;
    assert!(beyond
        .problem(400)
        .contains("log index 999999 is beyond the end of the log"));
}

/// A clock the test moves by hand.
fn settable_clock(start: &str) -> (Arc<AtomicI64>, Clock) {
    let seconds = Arc::new(AtomicI64::new(
        start.parse::<DateTime<Utc>>().unwrap().timestamp(),
    ));
    let read = seconds.clone();
    let clock =
        Clock::from_fn(move || DateTime::from_timestamp(read.load(Ordering::SeqCst), 0).unwrap());
    (seconds, clock)
}

fn set(clock: &AtomicI64, at: &str) {
    clock.store(
        at.parse::<DateTime<Utc>>().unwrap().timestamp(),
        Ordering::SeqCst,
    );
}

async fn a_consultation_ending_on_the_day_clocks_go_back_takes_a_vote_one_second_before_its_end_not_at_it(
    db: TestDb,
) {
    // In Paris, clocks go back from 03:00 (UTC+2) to 02:00 (UTC+1) on 25 October 2026: noon
    // that day is 11:00 UTC, not 10:00 as the offset of the opening day would say.
    let (clock, settings_clock) = settable_clock("2026-10-20T08:00:00Z");
    let settings = Settings {
        time_zone: chrono_tz::Europe::Paris,
        clock: settings_clock,
        write_limits: WriteLimits::off(),
        public_url: None,
    };
    let bill = bill_open_until(
        TestApp::with_settings(db, settings).await,
        "2026-10-25T12:00",
    )
    .await;
    let app = &bill.app;
    let shown = app.get(&format!("/api/v1/bills/{}", bill.bill)).await;
    assert_eq!(
        shown.body["consultation"]["closes_at"], "2026-10-25T11:00:00Z",
        "{}",
        shown.body
    );
    assert_eq!(
        shown.body["consultation_local"],
        json!({"time_zone": "Europe/Paris", "opens_at": "2026-10-20T10:00:00+02:00", "closes_at": "2026-10-25T12:00:00+01:00", "closed_early_at": null}),
        "shown in the organisation's zone, with each day's offset"
    );
    let vote = |token: String| {
        let body = json!({"target": {"kind": "article", "bill_id": bill.bill, "article_id": bill.article}, "choice": "for"});
        async move { app.post("/api/v1/votes", &token, body).await }
    };
    let late = app.token("u2222222222", &["citizen"]).await;

    set(&clock, "2026-10-25T10:59:59Z");
    let just_in_time = vote(bill.citizen.clone()).await;
    set(&clock, "2026-10-25T11:00:00Z");
    let before = app.db.store.log_size().await.unwrap();
    let at_the_end = vote(late).await;

    assert_eq!(just_in_time.status, 201, "{}", just_in_time.body);
    assert!(
        at_the_end.problem(409).contains("closed at"),
        "{}",
        at_the_end.body
    );
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
    let _ = &bill.official;
}

async fn local_times_that_happen_twice_or_never_are_refused_with_both_readings(db: TestDb) {
    let (_, clock) = settable_clock("2026-01-10T08:00:00Z");
    let settings = Settings {
        time_zone: chrono_tz::Europe::Paris,
        clock,
        write_limits: WriteLimits::off(),
        public_url: None,
    };
    let app = TestApp::with_settings(db, settings).await;
    let official = app.token("gouvernement", &["official"]).await;
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({"title": "Loi", "articles": [{"number": "1", "text": "Texte."}]}),
        )
        .await;
    let bill = created.body["id"].as_str().unwrap().to_string();
    let before = app.db.store.log_size().await.unwrap();
    let open = |closes_at: &'static str| {
        let (app, official, bill) = (&app, &official, &bill);
        async move {
            app.post(
                &format!("/api/v1/bills/{bill}/consultation/open"),
                official,
                json!({ "closes_at": closes_at }),
            )
            .await
        }
    };

    let twice = open("2026-10-25T02:30").await.problem(422);
    let never = open("2026-03-29T02:30").await.problem(422);
    let garbled = open("le 25 octobre").await.problem(422);

    assert_eq!(
        twice,
        "field `closes_at`: 2026-10-25T02:30:00 happens twice in Europe/Paris (the clocks go back that night); give the offset: 2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00"
    );
    assert!(never.contains("2026-03-29T02:30:00 does not exist in Europe/Paris"));
    assert!(garbled.contains("`le 25 octobre` is neither an RFC 3339 instant"));
    assert_eq!(app.db.store.log_size().await.unwrap(), before);
}

async fn an_amendments_arguments_are_paged_in_posting_order_with_a_stance_filter(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    let submitted = app
        .post(
            &format!("/api/v1/bills/{}/amendments", bill.bill),
            &bill.citizen,
            amendment(&bill, "Licence ouverte"),
        )
        .await;
    let id = submitted.body["id"].as_str().unwrap().to_string();
    for n in 0..60 {
        let stance = if n % 3 == 0 { "against" } else { "for" };
        let posted = app
            .post(
                "/api/v1/arguments",
                &bill.citizen,
                json!({"target": {"kind": "amendment", "amendment_id": id}, "stance": stance, "body": format!("Argument {n}")}),
            )
            .await;
        assert_eq!(posted.status, 201, "{}", posted.body);
    }

    let shown = app.get(&format!("/api/v1/amendments/{id}")).await;
    assert_eq!(shown.body["arguments_count"], 60);
    assert_eq!(shown.body["arguments"].as_array().unwrap().len(), 50);
    let next = shown.body["arguments_next"].as_str().unwrap().to_string();
    let rest = app
        .get(&format!("/api/v1/amendments/{id}/arguments?cursor={next}"))
        .await;
    let bodies: Vec<&str> = shown.body["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.body["items"].as_array().unwrap())
        .map(|a| a["body"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..60).map(|n| format!("Argument {n}")).collect();
    assert_eq!(bodies, expected, "every argument once, in posting order");
    assert_eq!(rest.body["next"], Value::Null);

    let against = app
        .get(&format!(
            "/api/v1/amendments/{id}/arguments?stance=against&limit=500"
        ))
        .await;
    assert_eq!(against.body["items"].as_array().unwrap().len(), 20);
    let bad = app
        .get(&format!("/api/v1/amendments/{id}/arguments?stance=maybe"))
        .await;
    assert!(bad.problem(400).contains("`stance=maybe` is not a stance"));
    let unknown = app
        .get("/api/v1/amendments/00000000-0000-4000-8000-000000000000/arguments")
        .await;
    assert!(unknown.problem(404).contains("no amendment has the id"));
}

async fn a_bills_amendment_tallies_are_paged(db: TestDb) {
    let bill = bill_in_consultation(db).await;
    let app = &bill.app;
    for n in 0..3 {
        let submitted = app
            .post(
                &format!("/api/v1/bills/{}/amendments", bill.bill),
                &bill.citizen,
                amendment(&bill, &format!("Amendement {n}")),
            )
            .await;
        assert_eq!(submitted.status, 201);
    }
    let path = format!("/api/v1/bills/{}/tallies", bill.bill);

    let first = app.get(&format!("{path}?limit=2")).await;
    let next = first.body["next"].as_str().unwrap();
    let second = app.get(&format!("{path}?limit=2&cursor={next}")).await;

    let titles: Vec<&str> = first.body["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["amendments"].as_array().unwrap())
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3);
    assert_eq!(second.body["next"], Value::Null);
    assert_eq!(
        first.body["articles"].as_array().unwrap().len(),
        1,
        "articles are not paged"
    );
}
