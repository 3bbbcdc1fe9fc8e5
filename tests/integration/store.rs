use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use projections::verify::verify_database;
use projections::AppendError;

use crate::support::{both_backends, pending, TestDb};

both_backends!(
    appended_events_are_chained_and_get_consecutive_log_indexes,
    a_batch_is_all_or_nothing,
    concurrent_appends_to_one_stream_never_fork_it,
    a_transaction_held_open_never_lets_a_reader_skip_an_event,
);

async fn appended_events_are_chained_and_get_consecutive_log_indexes(db: TestDb) {
    let first = db
        .store
        .append(&[pending("a", 1, "un"), pending("a", 2, "deux")])
        .await
        .unwrap();
    let second = db.store.append(&[pending("b", 1, "trois")]).await.unwrap();
    let indexes: Vec<u64> = first.iter().chain(&second).map(|c| c.log_index).collect();
    assert_eq!(indexes, vec![1, 2, 3]);
    assert_eq!(db.store.log_size().await.unwrap(), 3);

    let log = db.store.read_log(0, 10).await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log[1].event.previous, log[0].event.hash,
        "event 2 chains to event 1"
    );
    assert_eq!(
        log[0].event.previous,
        domain::integrity::chain::EventHash::GENESIS
    );
    assert_eq!(log[2].event.stream_id, "b");
    assert_eq!(
        verify_database(&db.store, None).await.unwrap().to_string(),
        "ok: 3 events in 2 streams"
    );
}

async fn a_batch_is_all_or_nothing(db: TestDb) {
    db.store.append(&[pending("a", 1, "un")]).await.unwrap();
    // The second stream's event claims a sequence that is already taken: nothing is written.
    let err = db
        .store
        .append(&[pending("b", 1, "x"), pending("a", 1, "again")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppendError::Conflict { .. } | AppendError::RaceLost),
        "{err}"
    );
    assert_eq!(db.store.log_size().await.unwrap(), 1);
    assert_eq!(db.store.stream_length("note", "b").await.unwrap(), 0);
    // And the gapless log goes on from where it was.
    let next = db.store.append(&[pending("b", 1, "y")]).await.unwrap();
    assert_eq!(next[0].log_index, 2);
}

async fn concurrent_appends_to_one_stream_never_fork_it(db: TestDb) {
    const WRITERS: usize = 6;
    const ATTEMPTS: usize = 15;
    let successes = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        // Several handles, as several processes would have.
        let store = db.reopen().await;
        let successes = successes.clone();
        let conflicts = conflicts.clone();
        tasks.push(tokio::spawn(async move {
            for attempt in 0..ATTEMPTS {
                let next = store.stream_length("note", "contested").await.unwrap() + 1;
                let text = format!("writer {writer} attempt {attempt}");
                match store.append(&[pending("contested", next, &text)]).await {
                    Ok(_) => successes.fetch_add(1, Ordering::SeqCst),
                    Err(AppendError::Conflict { .. }) | Err(AppendError::RaceLost) => {
                        conflicts.fetch_add(1, Ordering::SeqCst)
                    }
                    Err(AppendError::Busy) => conflicts.fetch_add(1, Ordering::SeqCst),
                    Err(other) => panic!("unexpected append error: {other}"),
                };
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let won = successes.load(Ordering::SeqCst);
    assert_eq!(
        won + conflicts.load(Ordering::SeqCst),
        (WRITERS * ATTEMPTS) as u64
    );
    assert_eq!(
        db.store.stream_length("note", "contested").await.unwrap(),
        won
    );
    assert_eq!(db.store.log_size().await.unwrap(), won);
    let report = verify_database(&db.store, None).await.unwrap();
    assert_eq!(report.events, won);
}

async fn a_transaction_held_open_never_lets_a_reader_skip_an_event(db: TestDb) {
    db.store.append(&[pending("a", 1, "before")]).await.unwrap();

    // Writer A writes its event and then holds its transaction open.
    let (release_a, gate_a) = tokio::sync::oneshot::channel();
    let store_a = db.reopen().await;
    let writer_a = tokio::spawn(async move {
        store_a
            .append_gated(&[pending("a", 2, "slow")], Some(gate_a))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Writer B, on another stream, tries to commit meanwhile.
    let store_b = db.reopen().await;
    let writer_b = tokio::spawn(async move { store_b.append(&[pending("b", 1, "fast")]).await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A reader following the log by index sees neither uncommitted A nor anything after it.
    let seen = db.store.read_log(0, 100).await.unwrap();
    assert_eq!(
        seen.iter().map(|e| e.log_index).collect::<Vec<_>>(),
        vec![1],
        "while A is open, no later event may be visible"
    );

    release_a.send(()).unwrap();
    let a = writer_a.await.unwrap().unwrap();
    let b = writer_b.await.unwrap();
    let b = match b {
        Ok(b) => b,
        // SQLite's busy timeout may elapse while A held the file: then B retries.
        Err(AppendError::Busy) => db.store.append(&[pending("b", 1, "fast")]).await.unwrap(),
        Err(other) => panic!("writer B failed: {other}"),
    };
    assert_eq!(a[0].log_index, 2);
    assert_eq!(b[0].log_index, 3, "indexes follow commit order");
    let all = db.store.read_log(0, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.log_index).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

/// sqlite-es turns SQLITE_BUSY into an unknown error; we answer a clear, retryable `Busy` and
/// write nothing, and the next attempt succeeds.
#[tokio::test]
async fn a_busy_sqlite_file_is_a_clear_retryable_error_and_loses_nothing() {
    use sqlx::Connection;
    let db = TestDb::sqlite().await;
    db.store.append(&[pending("a", 1, "un")]).await.unwrap();
    let projections::DatabaseUrl::Sqlite(path) = &db.url else {
        unreachable!()
    };
    // Another process holds the write lock.
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let impatient = projections::EventStore::open_with(
        &db.url,
        projections::StoreOptions {
            sqlite_busy_timeout: Duration::from_millis(200),
        },
    )
    .await
    .unwrap();
    let err = impatient
        .append(&[pending("a", 2, "deux")])
        .await
        .unwrap_err();
    assert!(matches!(err, AppendError::Busy), "{err}");
    assert!(err.to_string().contains("retry"));
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    assert_eq!(
        db.store.log_size().await.unwrap(),
        1,
        "nothing half-written"
    );
    impatient.append(&[pending("a", 2, "deux")]).await.unwrap();
    assert_eq!(db.store.log_size().await.unwrap(), 2);
}
