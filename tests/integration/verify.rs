use projections::verify::{verify_database, VerifyFailure};

use crate::support::{both_backends, pending, TestDb};

both_backends!(
    a_clean_log_verifies,
    an_edited_payload_is_caught_at_its_stream_and_sequence,
    an_event_deleted_from_the_middle_of_a_stream_is_caught,
    the_last_event_of_a_stream_deleted_is_caught_by_the_log,
    two_swapped_events_are_caught,
    a_truncated_log_tail_is_caught,
    reordered_json_keys_in_the_database_do_not_change_any_hash,
    a_log_reordered_across_streams_under_a_checkpoint_is_caught,
    an_event_deleted_and_renumbered_away_under_a_checkpoint_is_caught,
    a_tail_cut_below_a_checkpoint_with_the_head_lowered_is_caught,
    a_forged_checkpoint_is_caught_with_the_public_key,
);

async fn checkpointed(db: &TestDb) {
    seeded(db).await;
    projections::transparency::issue_checkpoint(
        &db.store,
        &crate::support::test_signing_key(),
        "palimpsest.test/log",
    )
    .await
    .unwrap();
}

fn test_key() -> domain::integrity::checkpoint::VerifierKey {
    domain::integrity::checkpoint::VerifierKey::parse(
        &crate::support::test_signing_key().verifier_key_string(),
    )
    .unwrap()
}

async fn a_log_reordered_across_streams_under_a_checkpoint_is_caught(db: TestDb) {
    checkpointed(&db).await;
    // Swap the global positions of b#1 (index 4) and a#4 (index 6): each stream still chains
    // and its indexes still increase, but the log's order changed.
    tamper(
        &db,
        "UPDATE events SET log_index = 1000 WHERE log_index = 4; UPDATE events SET log_index = 4 WHERE log_index = 6; UPDATE events SET log_index = 6 WHERE log_index = 1000",
        "UPDATE events SET log_index = 1000 WHERE log_index = 4; UPDATE events SET log_index = 4 WHERE log_index = 6; UPDATE events SET log_index = 6 WHERE log_index = 1000",
    )
    .await;
    let err = verify_database(&db.reopen().await, Some(&test_key()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyFailure::Checkpoint { size: 6, .. } | VerifyFailure::LogOrder { .. }
        ),
        "{err}"
    );
}

async fn an_event_deleted_and_renumbered_away_under_a_checkpoint_is_caught(db: TestDb) {
    checkpointed(&db).await;
    // b#2 (index 5) is the last of its stream: delete it and close the gap in the log.
    tamper(
        &db,
        "DELETE FROM events WHERE aggregate_id = 'b' AND sequence = 2; UPDATE events SET log_index = 5 WHERE log_index = 6; UPDATE log_head SET next_index = 6",
        "DELETE FROM events WHERE aggregate_id = 'b' AND sequence = 2; UPDATE events SET log_index = 5 WHERE log_index = 6; UPDATE log_head SET next_index = 6",
    )
    .await;
    let err = verify_database(&db.reopen().await, Some(&test_key()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, VerifyFailure::BelowCheckpoint { size: 6, found: 5 }),
        "{err}"
    );
}

async fn a_tail_cut_below_a_checkpoint_with_the_head_lowered_is_caught(db: TestDb) {
    checkpointed(&db).await;
    tamper(
        &db,
        "DELETE FROM events WHERE log_index = 6; UPDATE log_head SET next_index = 6",
        "DELETE FROM events WHERE log_index = 6; UPDATE log_head SET next_index = 6",
    )
    .await;
    let err = verify_database(&db.reopen().await, None).await.unwrap_err();
    assert!(err.to_string().contains("tail was deleted"), "{err}");
}

async fn a_forged_checkpoint_is_caught_with_the_public_key(db: TestDb) {
    checkpointed(&db).await;
    let report = verify_database(&db.store, Some(&test_key())).await.unwrap();
    assert_eq!(report.checkpoints, 1);
    assert!(
        report.to_string().contains("signatures verified"),
        "{report}"
    );
    // Someone re-signs the log with their own key after rewriting it.
    let forger =
        domain::integrity::checkpoint::SigningKey::from_seed("palimpsest.test/log", [1; 32])
            .unwrap();
    tamper(&db, "DELETE FROM checkpoints", "DELETE FROM checkpoints").await;
    projections::transparency::issue_checkpoint(&db.store, &forger, "palimpsest.test/log")
        .await
        .unwrap();
    let err = verify_database(&db.reopen().await, Some(&test_key()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, VerifyFailure::Checkpoint { size: 6, .. }),
        "{err}"
    );
}

async fn seeded(db: &TestDb) {
    db.store
        .append(&[
            pending("a", 1, "un"),
            pending("a", 2, "deux"),
            pending("a", 3, "trois"),
        ])
        .await
        .unwrap();
    db.store
        .append(&[pending("b", 1, "quatre"), pending("b", 2, "cinq")])
        .await
        .unwrap();
    db.store.append(&[pending("a", 4, "six")]).await.unwrap();
}

/// Runs SQL on the database behind the store's back, as an attacker with write access would.
async fn tamper(db: &TestDb, sqlite_sql: &str, postgres_sql: &str) {
    if let Some(pool) = db.store.sqlite_pool() {
        sqlx::raw_sql(sqlite_sql).execute(pool).await.unwrap();
    } else {
        let pool = db.store.postgres_pool().unwrap();
        sqlx::raw_sql(postgres_sql).execute(pool).await.unwrap();
    }
}

async fn failure(db: &TestDb) -> String {
    let store = db.reopen().await;
    verify_database(&store, None)
        .await
        .expect_err("tampering must be detected")
        .to_string()
}

async fn a_clean_log_verifies(db: TestDb) {
    seeded(&db).await;
    let report = verify_database(&db.store, None).await.unwrap();
    assert_eq!(report.to_string(), "ok: 6 events in 2 streams");
}

async fn an_edited_payload_is_caught_at_its_stream_and_sequence(db: TestDb) {
    seeded(&db).await;
    tamper(
        &db,
        r#"UPDATE events SET payload = '{"NoteWritten":{"n":2,"text":"DEUX"}}' WHERE aggregate_id = 'a' AND sequence = 2"#,
        r#"UPDATE events SET payload = '{"NoteWritten":{"n":2,"text":"DEUX"}}' WHERE aggregate_id = 'a' AND sequence = 2"#,
    )
    .await;
    let message = failure(&db).await;
    assert!(message.contains("note/a"), "{message}");
    assert!(message.contains("sequence 2"), "{message}");
}

async fn an_event_deleted_from_the_middle_of_a_stream_is_caught(db: TestDb) {
    seeded(&db).await;
    tamper(
        &db,
        "DELETE FROM events WHERE aggregate_id = 'a' AND sequence = 2",
        "DELETE FROM events WHERE aggregate_id = 'a' AND sequence = 2",
    )
    .await;
    let message = failure(&db).await;
    assert!(message.contains("note/a"), "{message}");
    assert!(message.contains("sequence 3"), "{message}");
}

async fn the_last_event_of_a_stream_deleted_is_caught_by_the_log(db: TestDb) {
    seeded(&db).await;
    // b#2 is log index 5: its stream still chains, but the log has a hole.
    tamper(
        &db,
        "DELETE FROM events WHERE aggregate_id = 'b' AND sequence = 2",
        "DELETE FROM events WHERE aggregate_id = 'b' AND sequence = 2",
    )
    .await;
    let store = db.reopen().await;
    let err = verify_database(&store, None).await.unwrap_err();
    assert!(
        matches!(err, VerifyFailure::LogGap { missing: 5, .. }),
        "{err}"
    );
}

async fn two_swapped_events_are_caught(db: TestDb) {
    seeded(&db).await;
    // Swap the contents of a#2 and a#3, keeping their positions.
    tamper(
        &db,
        "UPDATE events SET payload = CASE sequence WHEN 2 THEN (SELECT payload FROM events WHERE aggregate_id='a' AND sequence=3) ELSE (SELECT payload FROM events WHERE aggregate_id='a' AND sequence=2) END WHERE aggregate_id = 'a' AND sequence IN (2, 3)",
        "UPDATE events e SET payload = o.payload FROM events o WHERE e.aggregate_id = 'a' AND o.aggregate_id = 'a' AND ((e.sequence = 2 AND o.sequence = 3) OR (e.sequence = 3 AND o.sequence = 2))",
    )
    .await;
    let message = failure(&db).await;
    assert!(message.contains("sequence 2"), "{message}");
}

async fn a_truncated_log_tail_is_caught(db: TestDb) {
    seeded(&db).await;
    tamper(
        &db,
        "DELETE FROM events WHERE log_index = 6",
        "DELETE FROM events WHERE log_index = 6",
    )
    .await;
    let store = db.reopen().await;
    let err = verify_database(&store, None).await.unwrap_err();
    assert!(
        matches!(err, VerifyFailure::Truncated { head: 6, found: 5 }),
        "{err}"
    );
}

async fn reordered_json_keys_in_the_database_do_not_change_any_hash(db: TestDb) {
    seeded(&db).await;
    // Same value, other key order and spacing: what jsonb or another tool might write back.
    tamper(
        &db,
        r#"UPDATE events SET payload = '{ "NoteWritten" : { "text" : "un", "n" : 1 } }' WHERE aggregate_id = 'a' AND sequence = 1"#,
        r#"UPDATE events SET payload = '{ "NoteWritten" : { "text" : "un", "n" : 1 } }' WHERE aggregate_id = 'a' AND sequence = 1"#,
    )
    .await;
    let report = verify_database(&db.reopen().await, None).await.unwrap();
    assert_eq!(report.events, 6);
}
