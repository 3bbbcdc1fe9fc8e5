//! Figures of the projections (issue 4): rebuild throughput of all projections on the real
//! imports and on a synthetic bill of N events; timeline and diff query latency (median, p99)
//! through the HTTP router on that bill; the lag of a second process's views behind commits
//! under a steady write load.

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeZone};
use domain::amendment::{AmendmentEvent, Change, DecisionOutcome, Origin};
use domain::argument::{ArgumentEvent, Stance};
use domain::ballot::{BallotEvent, Choice};
use domain::bill::{ArticleProvenance, BillEvent};
use domain::ids::{
    AmendmentId, ArgumentId, ArticleId, BillId, ParticipantId, Target, VersionNumber,
};
use domain::text::Article;
use projections::views::{self, Views};
use projections::{DatabaseUrl, EventStore, PendingEvent};
use serde::Serialize;

fn instant(i: u64) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(2 * 3600)
        .unwrap()
        .with_ymd_and_hms(2015, 9, 26, 10, 0, 0)
        .unwrap()
        + chrono::Duration::seconds(i as i64)
}

fn pending<E: Serialize + cqrs_es::DomainEvent>(
    stream_type: &str,
    stream_id: String,
    sequence: u64,
    event: &E,
    at: u64,
    actor: &str,
) -> PendingEvent {
    PendingEvent {
        stream_type: stream_type.into(),
        stream_id,
        sequence,
        event_type: event.event_type(),
        event_version: event.event_version(),
        payload: serde_json::to_value(event).unwrap(),
        metadata: serde_json::json!({"occurred_at": instant(at).to_rfc3339_opts(chrono::SecondsFormat::Micros, false)}),
        actor: actor.into(),
    }
}

fn article_text(i: usize, revision: usize) -> Vec<String> {
    (0..3)
        .map(|p| {
            format!(
                "Alinéa {p} de l'article {i} : les administrations mentionnées au premier alinéa publient dans un délai de {revision} mois les documents qu'elles détiennent, sous une forme ouverte et aisément réutilisable, sauf disposition contraire."
            )
        })
        .collect()
}

/// Appends a synthetic bill of about `n` events: 40 articles, amendments, arguments, decisions,
/// versions and, for the rest, ballots (one stream per participant and target; some changed).
async fn synthetic_bill(store: &EventStore, n: u64) -> BillId {
    let bill_id = BillId::from(uuid::Uuid::from_u128(0xB111));
    let bill = bill_id.to_string();
    let mut articles: Vec<Article> = (0..40)
        .map(|i| Article {
            id: ArticleId::from(uuid::Uuid::from_u128(0xA000 + i as u128)),
            number: (i + 1).to_string(),
            heading: None,
            paragraphs: article_text(i, 12),
        })
        .collect();
    let mut batch = Vec::with_capacity(10_000);
    let mut bill_sequence = 1;
    batch.push(pending(
        "bill",
        bill.clone(),
        bill_sequence,
        &BillEvent::BillDrafted {
            bill_id,
            title: "Synthetic bill".into(),
            articles: articles.clone(),
        },
        0,
        "gouvernement",
    ));
    let mut amendments: Vec<(AmendmentId, ArticleId)> = Vec::new();
    let mut accepted: Vec<(AmendmentId, ArticleId)> = Vec::new();
    let mut submitted = 0usize;
    let mut cast = std::collections::HashSet::new();
    let mut version = 1u32;
    let mut i = 1u64;
    while i < n {
        let at = i;
        let event = match i % 100 {
            0 => {
                // A counter, not amendments.len(): decided ones leave that list.
                let k = submitted;
                submitted += 1;
                let id = AmendmentId::from(uuid::Uuid::from_u128(0x1_0000_0000 + k as u128));
                let article = articles[k % articles.len()].id;
                amendments.push((id, article));
                pending(
                    "amendment",
                    id.to_string(),
                    1,
                    &AmendmentEvent::AmendmentSubmitted {
                        amendment_id: id,
                        bill_id,
                        base_version: VersionNumber::new(version).unwrap(),
                        change: Change::Modify {
                            article_id: article,
                        },
                        origin: Origin::Citizen,
                        title: format!("Amendement {k}"),
                        proposed_text: Some(article_text(k % 40, 6)),
                        rationale: "Plus court.".into(),
                        author: ParticipantId::parse(&format!("u{:010x}", k)).unwrap(),
                    },
                    at,
                    &format!("u{:010x}", k),
                )
            }
            50 | 51 => {
                let k = i;
                let target = Target::Article {
                    bill_id,
                    article_id: articles[(k % 40) as usize].id,
                };
                let author = format!("u{:010x}", k);
                pending(
                    "argument",
                    format!("argument-{k}"),
                    1,
                    &ArgumentEvent::ArgumentPosted {
                        argument_id: ArgumentId::from(uuid::Uuid::from_u128(
                            0x2_0000_0000 + k as u128,
                        )),
                        author: ParticipantId::parse(&author).unwrap(),
                        target,
                        stance: Stance::For,
                        body: "Cet article protège les chercheurs.".into(),
                    },
                    at,
                    &author,
                )
            }
            75 if !amendments.is_empty() && i % 1_000 == 75 => {
                let (id, article) = amendments.remove(0);
                accepted.push((id, article));
                pending(
                    "amendment",
                    id.to_string(),
                    2,
                    &AmendmentEvent::AmendmentDecided {
                        outcome: DecisionOutcome::Accepted,
                        response: "Retenu.".into(),
                        decided_by: ParticipantId::parse("gouvernement").unwrap(),
                    },
                    at,
                    "gouvernement",
                )
            }
            25 if i % 10_000 == 25 && !accepted.is_empty() => {
                let (id, article) = accepted.remove(0);
                version += 1;
                bill_sequence += 1;
                if let Some(a) = articles.iter_mut().find(|a| a.id == article) {
                    a.paragraphs = article_text(version as usize, version as usize);
                }
                pending(
                    "bill",
                    bill.clone(),
                    bill_sequence,
                    &BillEvent::VersionPublished {
                        number: VersionNumber::new(version).unwrap(),
                        label: format!("v{version}"),
                        articles: articles.clone(),
                        provenance: vec![ArticleProvenance {
                            article_id: article,
                            amendments: vec![id],
                        }],
                        note: String::new(),
                    },
                    at,
                    "gouvernement",
                )
            }
            _ => {
                // Ballots: participant p votes on article p % 40; every 10th voter changes.
                let p = i / 2;
                let participant = format!("v{:010x}", p);
                let target = Target::Article {
                    bill_id,
                    article_id: articles[(p % 40) as usize].id,
                };
                let stream = format!("{participant}/{}", p % 40);
                // A change needs the cast at i - 1, which another kind of event may have taken.
                let change = i % 2 == 1 && p.is_multiple_of(10) && cast.contains(&stream);
                if i.is_multiple_of(2) {
                    cast.insert(stream.clone());
                }
                if !change {
                    if i % 2 == 1 {
                        // Odd index without a change: a cast of its own.
                        let participant = format!("w{:010x}", i);
                        pending(
                            "ballot",
                            format!("{participant}/{}", i % 40),
                            1,
                            &BallotEvent::BallotCast {
                                participant: ParticipantId::parse(&participant).unwrap(),
                                target,
                                choice: Choice::Against,
                            },
                            at,
                            &participant,
                        )
                    } else {
                        pending(
                            "ballot",
                            stream,
                            1,
                            &BallotEvent::BallotCast {
                                participant: ParticipantId::parse(&participant).unwrap(),
                                target,
                                choice: Choice::For,
                            },
                            at,
                            &participant,
                        )
                    }
                } else {
                    pending(
                        "ballot",
                        stream,
                        2,
                        &BallotEvent::BallotChanged {
                            choice: Choice::Mixed,
                            previous: Choice::For,
                        },
                        at,
                        &participant,
                    )
                }
            }
        };
        batch.push(event);
        i += 1;
        if batch.len() == 10_000 {
            store.append(&batch).await.unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.append(&batch).await.unwrap();
    }
    bill_id
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median_p99(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!(
        "median {:>7.2} ms, p99 {:>7.2} ms",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3
    )
}

async fn rebuild_figures(label: &str, store: &EventStore) {
    let events = store.log_size().await.unwrap();
    let start = Instant::now();
    let reports = views::rebuild(store, None).await.unwrap();
    let total = start.elapsed().as_secs_f64();
    let per: Vec<String> = reports
        .iter()
        .map(|r| format!("{} {}", r.projection, r.documents))
        .collect();
    let documents: u64 = reports.iter().map(|r| r.documents).sum();
    println!(
        "rebuild   {label:<22} {events:>8} events, all 5 projections in one pass in {total:>6.1} s = {:>7.0} events/s ({documents} documents: {})",
        events as f64 / total,
        per.join(", ")
    );
}

async fn get(router: &axum::Router, path: &str) -> Duration {
    use tower::ServiceExt;
    let start = Instant::now();
    let response = router
        .clone()
        .oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let _ = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    start.elapsed()
}

async fn query_figures(store: &EventStore, bill: BillId) {
    let key = domain::integrity::checkpoint::SigningKey::from_seed("palimpsest.bench/log", [3; 32])
        .unwrap();
    let state = api::server::app_state(store.clone(), key).await.unwrap();
    let router = api::routes::router(state.clone());
    let versions = state
        .views
        .bills
        .read()
        .model
        .bill(bill)
        .unwrap()
        .versions
        .len();
    let middle = store.log_size().await.unwrap() / 2;
    let article = ArticleId::from(uuid::Uuid::from_u128(0xA000));
    let queries = [
        (
            "timeline first page (50 points)",
            format!("/api/v1/bills/{bill}/timeline?limit=50"),
        ),
        (
            "timeline page at mid-log",
            format!("/api/v1/bills/{bill}/timeline?limit=50&cursor={middle}"),
        ),
        (
            &*Box::leak(format!("diff whole bill v1→v{versions}").into_boxed_str()),
            format!("/api/v1/bills/{bill}/diff?from=1&to={versions}"),
        ),
        (
            "diff one article v1→last",
            format!("/api/v1/bills/{bill}/diff?from=1&to={versions}&article={article}"),
        ),
    ];
    for (label, path) in queries {
        get(&router, &path).await;
        let mut samples = Vec::with_capacity(200);
        for _ in 0..200 {
            samples.push(get(&router, &path).await);
        }
        println!("query     {label:<34} {}", median_p99(samples));
    }
}

/// A writer commits votes at a steady rate; a second process's views (another store handle,
/// following by polling as the service does) are timed until they show each one.
async fn lag_figures(url: &str, rate_per_second: u64, seconds: u64) {
    let writer = EventStore::open(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap();
    let follower_store = EventStore::open(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap();
    let follower = Views::start(&follower_store).await.unwrap();
    follower.spawn_follower(Duration::from_millis(250));
    let votes = super::votes("lag", (rate_per_second * seconds) as usize);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u64, Instant)>::new()));
    let monitor = {
        let follower = follower.clone();
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut last = follower.position();
            loop {
                let now = follower.position();
                if now != last {
                    seen.lock().unwrap().push((now, Instant::now()));
                    last = now;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let mut committed = Vec::new();
    let every = Duration::from_secs_f64(1.0 / rate_per_second as f64);
    let start = Instant::now();
    for (k, vote) in votes.into_iter().enumerate() {
        let due = start + every * k as u32;
        tokio::time::sleep_until(due.into()).await;
        let context =
            projections::CommandContext::new(vote.actor, chrono::Utc::now().fixed_offset());
        let outcome = projections::execute::<domain::ballot::Ballot>(
            &writer,
            &vote.stream,
            vote.command,
            &context,
        )
        .await
        .unwrap();
        committed.push((outcome.last_log_index().unwrap(), Instant::now()));
    }
    let head = committed.last().unwrap().0;
    while follower.position() < head {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    monitor.abort();
    let seen = seen.lock().unwrap().clone();
    let lags: Vec<Duration> = committed
        .iter()
        .map(|(index, at)| {
            let shown = seen
                .iter()
                .find(|(p, _)| p >= index)
                .map(|(_, t)| *t)
                .unwrap();
            shown.saturating_duration_since(*at)
        })
        .collect();
    let achieved = committed.len() as f64 / start.elapsed().as_secs_f64();
    println!(
        "lag       {} votes at {achieved:.0}/s, follower polling every 250 ms: {} (max {:.0} ms); the writing process itself shows each write before answering (read-your-writes)",
        committed.len(),
        median_p99(lags.clone()),
        lags.iter().max().unwrap().as_secs_f64() * 1e3
    );
}

/// The real data `demo` serves: the République numérique, La Fabrique de la Loi, Pol.is.
async fn import_all_bundled(store: &EventStore) {
    api::import::import_bundled(store).await.unwrap();
    api::import::fabrique::import_bundled(store).await.unwrap();
    api::import::polis::import_bundled(store).await.unwrap();
}

pub async fn view_figures(synthetic: u64, postgres_url: &str) {
    println!("Palimpsest projection figures (release build)");
    let dir = tempfile::tempdir().unwrap();
    let real_url = format!("sqlite://{}", dir.path().join("real.db").display());
    let real = EventStore::open(&DatabaseUrl::parse(&real_url).unwrap())
        .await
        .unwrap();
    import_all_bundled(&real).await;
    rebuild_figures("real imports sqlite", &real).await;
    if let Some(pg) = super::fresh_postgres(postgres_url, "views").await {
        let store = EventStore::open(&DatabaseUrl::parse(&pg.url).unwrap())
            .await
            .unwrap();
        import_all_bundled(&store).await;
        rebuild_figures("real imports pg", &store).await;
        drop(store);
        pg.drop().await;
    }
    let url = format!("sqlite://{}", dir.path().join("synthetic.db").display());
    let store = EventStore::open(&DatabaseUrl::parse(&url).unwrap())
        .await
        .unwrap();
    let start = Instant::now();
    let bill = synthetic_bill(&store, synthetic).await;
    println!(
        "synthetic bill of {} events appended in {:.1} s",
        store.log_size().await.unwrap(),
        start.elapsed().as_secs_f64()
    );
    rebuild_figures(&format!("synthetic {synthetic}"), &store).await;
    let start = Instant::now();
    let restored = Views::start(&store).await.unwrap();
    println!("restart   synthetic {synthetic}: views restored from their documents in {:.1} s (position {})", start.elapsed().as_secs_f64(), restored.position());
    drop(restored);
    query_figures(&store, bill).await;
    println!(
        "memory    peak of this process so far {:.0} MiB",
        super::peak_rss_kib() as f64 / 1024.0
    );
    lag_figures(
        &format!("sqlite://{}", dir.path().join("lag.db").display()),
        100,
        10,
    )
    .await;
}
