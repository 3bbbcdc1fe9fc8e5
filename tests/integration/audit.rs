use std::path::Path;

use api::audit::{verify_export, verify_proof};
use domain::integrity::audit::verify_inclusion_file;
use domain::integrity::merkle::{hash_from_hex, verify_consistency};
use projections::transparency::{issue_checkpoint, write_export};
use serde_json::Value;

use crate::support::{both_backends, pending, python_verifier, test_signing_key, TestApp, TestDb};

both_backends!(
    an_export_verifies_offline_in_both_verifiers,
    every_kind_of_export_tampering_is_detected_and_located,
    proofs_served_over_http_verify_and_any_flipped_byte_fails,
    a_tree_that_does_not_extend_the_signed_checkpoint_is_never_signed,
);

const ORIGIN: &str = "palimpsest.test/log";

/// Three streams over three checkpoints (sizes 4, 7 and the export's own 9).
async fn small_log(db: &TestDb) {
    let key = test_signing_key();
    db.store
        .append(&[
            pending("a", 1, "un"),
            pending("b", 1, "deux"),
            pending("a", 2, "trois"),
        ])
        .await
        .unwrap();
    db.store.append(&[pending("c", 1, "quatre")]).await.unwrap();
    issue_checkpoint(&db.store, &key, ORIGIN).await.unwrap();
    db.store
        .append(&[pending("b", 2, "cinq"), pending("a", 3, "six é œ 😀")])
        .await
        .unwrap();
    db.store.append(&[pending("c", 2, "sept")]).await.unwrap();
    issue_checkpoint(&db.store, &key, ORIGIN).await.unwrap();
    db.store
        .append(&[pending("a", 4, "huit"), pending("b", 3, "neuf")])
        .await
        .unwrap();
}

async fn export(db: &TestDb, dir: &Path) {
    write_export(&db.store, &test_signing_key(), ORIGIN, dir, |_, _| {})
        .await
        .unwrap();
}

async fn an_export_verifies_offline_in_both_verifiers(db: TestDb) {
    small_log(&db).await;
    let dir = tempfile::tempdir().unwrap();
    export(&db, dir.path()).await;
    let report = verify_export(dir.path(), None, |_| {}).unwrap();
    assert_eq!(report.events, 9);
    assert_eq!(report.streams, 3);
    let spilled = api::audit::verify_export_with_run_size(dir.path(), None, 2, |_| {}).unwrap();
    assert_eq!(
        spilled, report,
        "sorting the links in runs on disk changes nothing"
    );
    assert_eq!(report.checkpoints, 3);
    let (ok, output) = python_verifier(&["--export".as_ref(), dir.path().as_os_str()]);
    assert!(ok, "{output}");
    assert!(
        output.contains("ok: 9 events in 3 streams, 3 checkpoints verified"),
        "{output}"
    );
    let root = domain::integrity::merkle::hash_to_hex(&report.root);
    assert!(
        output.contains(&root),
        "both verifiers find the same root: {output}"
    );
}

fn lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("events.ndjson"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join("events.ndjson"), lines.join("\n") + "\n").unwrap();
}

/// Applies `tamper` to a fresh copy of the export; both verifiers must fail, naming `needle`.
fn assert_caught(original: &Path, what: &str, needle: &str, tamper: impl Fn(&mut Vec<String>)) {
    assert_caught_with_run_size(original, what, needle, 250_000, &tamper);
    // The same with the links sorted in runs of two and merged from temporary files.
    assert_caught_with_run_size(original, what, needle, 2, &tamper);
}

fn assert_caught_with_run_size(
    original: &Path,
    what: &str,
    needle: &str,
    run_size: usize,
    tamper: &impl Fn(&mut Vec<String>),
) {
    let copy = tempfile::tempdir().unwrap();
    for name in ["events.ndjson", "checkpoints.ndjson", "public-key.vkey"] {
        std::fs::copy(original.join(name), copy.path().join(name)).unwrap();
    }
    let mut events = lines(copy.path());
    tamper(&mut events);
    write_lines(copy.path(), &events);
    let err = api::audit::verify_export_with_run_size(copy.path(), None, run_size, |_| {})
        .expect_err(what);
    assert!(err.contains(needle), "{what}: `{err}` should name {needle}");
    let (ok, output) = python_verifier(&["--export".as_ref(), copy.path().as_os_str()]);
    assert!(!ok, "{what}: the Python verifier must fail too: {output}");
}

fn edit(line: &str, f: impl Fn(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(line).unwrap();
    f(&mut value);
    serde_json::to_string(&value).unwrap()
}

async fn every_kind_of_export_tampering_is_detected_and_located(db: TestDb) {
    small_log(&db).await;
    let dir = tempfile::tempdir().unwrap();
    export(&db, dir.path()).await;
    let original = dir.path();

    assert_caught(original, "an edited payload", "events.ndjson line 5", |l| {
        l[4] = edit(&l[4], |v| {
            v["payload"]["NoteWritten"]["text"] = "CINQ".into()
        });
    });
    assert_caught(original, "an edited actor", "events.ndjson line 2", |l| {
        l[1] = edit(&l[1], |v| v["actor"] = "u9999999999".into());
    });
    assert_caught(
        original,
        "an edited recorded_at",
        "events.ndjson line 3",
        |l| {
            l[2] = edit(&l[2], |v| {
                v["recorded_at"] = "2015-10-18T21:59:59.999999Z".into()
            });
        },
    );
    assert_caught(original, "a deleted line", "events.ndjson line 4", |l| {
        l.remove(3);
    });
    assert_caught(original, "two swapped lines", "events.ndjson line 2", |l| {
        l.swap(1, 2);
    });
    assert_caught(
        original,
        "a dropped tail after a checkpoint",
        "checkpoints.ndjson line 3",
        |l| {
            l.truncate(7);
        },
    );
    assert_caught(original, "an added line", "events.ndjson", |l| {
        let extra = edit(&l[8], |v| {
            v["log_index"] = 10.into();
            v["sequence"] = 5.into();
        });
        l.push(extra);
    });
    // A forked stream: a second, different event a#2 recomputed consistently by the forger.
    assert_caught(original, "a forked stream", "events.ndjson line 4", |l| {
        let forged = edit(&l[2], |v| {
            v["log_index"] = 4.into();
        });
        l.insert(3, forged);
        for (i, line) in l.iter_mut().enumerate().skip(4) {
            *line = edit(line, |v| v["log_index"] = (i as u64 + 1).into());
        }
    });
}

async fn proofs_served_over_http_verify_and_any_flipped_byte_fails(db: TestDb) {
    let app = TestApp::new(db).await;
    let official = app.token("gouvernement", &["official"]).await;
    let draft = |n: u32| serde_json::json!({"title": format!("Loi {n}"), "articles": [{"number": "1", "text": format!("Texte {n}.")}]});
    let closes = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let mut bills = Vec::new();
    for n in 0..3 {
        let created = app.post("/api/v1/bills", &official, draft(n)).await;
        bills.push(created.body["id"].as_str().unwrap().to_string());
    }
    app.post(
        &format!("/api/v1/bills/{}/consultation/open", bills[0]),
        &official,
        serde_json::json!({"closes_at": closes}),
    )
    .await;
    let signed = app
        .request("POST", "/api/v1/log/checkpoints", Some(&official), None)
        .await;
    assert_eq!(signed.status, 201, "{}", signed.body);
    for bill in &bills[1..] {
        app.post(
            &format!("/api/v1/bills/{bill}/consultation/open"),
            &official,
            serde_json::json!({"closes_at": closes}),
        )
        .await;
    }
    app.post(
        &format!("/api/v1/bills/{}/consultation/close", bills[0]),
        &official,
        serde_json::json!({}),
    )
    .await;
    app.request("POST", "/api/v1/log/checkpoints", Some(&official), None)
        .await;
    for bill in &bills[1..] {
        app.post(
            &format!("/api/v1/bills/{bill}/consultation/close"),
            &official,
            serde_json::json!({}),
        )
        .await;
    }
    app.request("POST", "/api/v1/log/checkpoints", Some(&official), None)
        .await;
    assert_eq!(app.db.store.log_size().await.unwrap(), 9);
    let citizen = app.token("u0123456789", &["citizen"]).await;
    app.request("POST", "/api/v1/log/checkpoints", Some(&citizen), None)
        .await
        .problem(403);
    let note = app
        .request("GET", "/api/v1/log/checkpoint", None, None)
        .await;
    assert_eq!(note.status, 200);
    let key = domain::integrity::checkpoint::VerifierKey::parse(
        test_signing_key().verifier_key_string().as_str(),
    )
    .unwrap();
    let checkpoint_text = latest_note(&app).await;

    for log_index in 1..=9u64 {
        let proof = app
            .get(&format!(
                "/api/v1/log/proof/inclusion?log_index={log_index}"
            ))
            .await;
        assert_eq!(proof.status, 200, "{}", proof.body);
        let proof_text = proof.body.to_string();
        verify_inclusion_file(&proof_text, &checkpoint_text, &key).unwrap();
        if log_index == 6 {
            // Files on disk, through the CLI path and the Python verifier.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("proof.json"), &proof_text).unwrap();
            std::fs::write(dir.path().join("checkpoint.note"), &checkpoint_text).unwrap();
            std::fs::write(
                dir.path().join("key.vkey"),
                format!("{}\n", test_signing_key().verifier_key_string()),
            )
            .unwrap();
            verify_proof(
                &dir.path().join("proof.json"),
                &dir.path().join("checkpoint.note"),
                &dir.path().join("key.vkey"),
            )
            .unwrap();
            let (ok, output) = python_verifier(&[
                "--proof".as_ref(),
                dir.path().join("proof.json").as_os_str(),
                "--checkpoint".as_ref(),
                dir.path().join("checkpoint.note").as_os_str(),
                "--public-key".as_ref(),
                dir.path().join("key.vkey").as_os_str(),
            ]);
            assert!(ok, "{output}");
            // Mutation: every byte of every proof hash, flipped, must fail.
            let hashes = proof.body["hashes"].as_array().unwrap().clone();
            for (h, hash) in hashes.iter().enumerate() {
                let bytes = hash_from_hex(hash.as_str().unwrap()).unwrap();
                for i in 0..32 {
                    let mut flipped = bytes;
                    flipped[i] ^= 0x01;
                    let mut mutated = proof.body.clone();
                    mutated["hashes"][h] = domain::integrity::merkle::hash_to_hex(&flipped).into();
                    assert!(
                        verify_inclusion_file(&mutated.to_string(), &checkpoint_text, &key)
                            .is_err(),
                        "hash {h} byte {i} flipped must fail"
                    );
                }
            }
            // …and every byte of the checkpoint note.
            for i in 0..checkpoint_text.len() {
                let mut bytes = checkpoint_text.clone().into_bytes();
                bytes[i] ^= 0x01;
                let Ok(mutated) = String::from_utf8(bytes) else {
                    continue;
                };
                assert!(
                    verify_inclusion_file(&proof_text, &mutated, &key).is_err(),
                    "checkpoint byte {i} flipped must fail"
                );
            }
        }
    }

    let consistency = app.get("/api/v1/log/proof/consistency?from=4&to=9").await;
    assert_eq!(consistency.status, 200, "{}", consistency.body);
    let checkpoints = app.get("/api/v1/log/checkpoints").await;
    let items = checkpoints.body["items"].as_array().unwrap();
    let root = |size: u64| {
        let item = items.iter().find(|c| c["size"] == size).unwrap();
        hash_from_hex(item["root"].as_str().unwrap()).unwrap()
    };
    let hashes: Vec<_> = consistency.body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hash_from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    verify_consistency(4, 9, &root(4), &root(9), &hashes).unwrap();

    let public_key = app
        .request("GET", "/api/v1/log/public-key", None, None)
        .await;
    assert_eq!(public_key.status, 200);
    app.get("/api/v1/log/proof/inclusion?log_index=99")
        .await
        .problem(400);
    app.get("/api/v1/log/proof/inclusion?log_index=abc")
        .await
        .problem(400);
}

async fn latest_note(app: &TestApp) -> String {
    let page = app.get("/api/v1/log/checkpoints?limit=500").await;
    page.body["items"].as_array().unwrap().last().unwrap()["note"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_tree_that_does_not_extend_the_signed_checkpoint_is_never_signed(db: TestDb) {
    small_log(&db).await;
    // Rewrite a stored subtree hash inside the already-signed part of the tree.
    let sql = "UPDATE merkle_nodes SET hash = (SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = 1) WHERE level = 2 AND idx = 0";
    if let Some(pool) = db.store.sqlite_pool() {
        sqlx::query(sql).execute(pool).await.unwrap();
    } else {
        sqlx::query(sql)
            .execute(db.store.postgres_pool().unwrap())
            .await
            .unwrap();
    }
    let err = issue_checkpoint(&db.store, &test_signing_key(), ORIGIN)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("REFUSING TO SIGN"), "{err}");
    assert_eq!(
        projections::transparency::latest_checkpoint(&db.store)
            .await
            .unwrap()
            .unwrap()
            .size,
        7
    );
}

/// The Python verifier was written from docs/integrity.md alone; its self-test recomputes every
/// golden vector of the document, so the document and both implementations agree.
#[test]
fn the_independent_verifier_reproduces_every_golden_vector_of_the_spec() {
    let (ok, output) = python_verifier(&["--self-test".as_ref()]);
    assert!(ok, "{output}");
}

/// The golden export fixture (the three documented events and their checkpoints) verifies in
/// the Rust verifier exactly as in the Python one.
#[test]
fn the_golden_export_fixture_verifies_in_rust() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("verifier/fixtures/golden-export");
    let report = verify_export(&dir, None, |_| {}).unwrap();
    assert_eq!(
        report.to_string(),
        "ok: 3 events in 1 streams, 3 checkpoints verified, root ea02e2ef0f1445eba3d10d725ebad3f2caf0666cebd505220b3baf150ee173fa at size 3"
    );
    let proof = Path::new(env!("CARGO_MANIFEST_DIR")).join("verifier/fixtures/golden-proof");
    verify_proof(
        &proof.join("proof.json"),
        &proof.join("checkpoint.note"),
        &proof.join("public-key.vkey"),
    )
    .unwrap();
}

/// A "lying server" keeps two self-consistent histories that share a prefix and shows one to each
/// client. When the clients compare checkpoints, no consistency proof the server can produce
/// from either history links them.
#[tokio::test]
async fn a_server_showing_forked_histories_to_two_clients_is_caught_by_consistency() {
    let key = test_signing_key();
    let history_a = TestDb::sqlite().await;
    let history_b = TestDb::sqlite().await;
    for db in [&history_a, &history_b] {
        db.store
            .append(&[pending("a", 1, "un"), pending("a", 2, "deux")])
            .await
            .unwrap();
    }
    history_a
        .store
        .append(&[pending("a", 3, "trois")])
        .await
        .unwrap();
    history_b
        .store
        .append(&[pending("a", 3, "TROIS")])
        .await
        .unwrap();
    history_b
        .store
        .append(&[pending("b", 1, "quatre")])
        .await
        .unwrap();
    let seen_by_alice = issue_checkpoint(&history_a.store, &key, ORIGIN)
        .await
        .unwrap();
    let seen_by_bob = issue_checkpoint(&history_b.store, &key, ORIGIN)
        .await
        .unwrap();
    assert_eq!((seen_by_alice.size, seen_by_bob.size), (3, 4));
    // Both checkpoints carry valid signatures: only consistency can tell.
    for history in [&history_a, &history_b] {
        let proof = projections::transparency::consistency_proof(&history.store, 3, 4).await;
        if let Ok(proof) = proof {
            assert!(
                verify_consistency(3, 4, &seen_by_alice.root, &seen_by_bob.root, &proof).is_err(),
                "no history can prove the fork consistent"
            );
        }
    }
}

both_backends!(
    a_forged_checkpoint_row_never_fools_the_signer,
    a_log_signed_by_one_key_is_never_signed_by_another,
    a_damaged_merkle_node_is_caught_by_verify_and_no_wrong_proof_is_served,
    an_export_with_a_size_zero_checkpoint_verifies,
);

async fn run_sql(db: &TestDb, sql: &str) {
    if let Some(pool) = db.store.sqlite_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    } else {
        sqlx::raw_sql(sql)
            .execute(db.store.postgres_pool().unwrap())
            .await
            .unwrap();
    }
}

async fn a_forged_checkpoint_row_never_fools_the_signer(db: TestDb) {
    small_log(&db).await;
    // The attacker rewrote history and set the stored root column to match; the signed note
    // still says the old root, and the signer only trusts the note.
    run_sql(
        &db,
        "UPDATE merkle_nodes SET hash = (SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = 1) WHERE level = 2 AND idx = 0; UPDATE checkpoints SET root = (SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = 0) WHERE size = 7",
    )
    .await;
    let err = issue_checkpoint(&db.store, &test_signing_key(), ORIGIN)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("REFUSING TO SIGN"), "{err}");
}

async fn a_log_signed_by_one_key_is_never_signed_by_another(db: TestDb) {
    small_log(&db).await;
    let other = domain::integrity::checkpoint::SigningKey::from_seed(ORIGIN, [2; 32]).unwrap();
    let err = issue_checkpoint(&db.store, &other, ORIGIN)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("does not open with the configured key"),
        "{err}"
    );
    let renamed =
        domain::integrity::checkpoint::SigningKey::from_seed("other.test/log", [9; 32]).unwrap();
    assert!(issue_checkpoint(&db.store, &renamed, "other.test/log")
        .await
        .is_err());
}

async fn a_damaged_merkle_node_is_caught_by_verify_and_no_wrong_proof_is_served(db: TestDb) {
    small_log(&db).await;
    run_sql(&db, "UPDATE merkle_nodes SET hash = (SELECT hash FROM merkle_nodes WHERE level = 0 AND idx = 4) WHERE level = 0 AND idx = 2").await;
    let err = projections::verify::verify_database(&db.reopen().await, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Merkle node (level 0, index 2)"),
        "{err}"
    );
    let proof = projections::transparency::inclusion_proof(&db.store, 4, 7).await;
    assert!(
        proof.is_err(),
        "a proof through the damaged node must not be served"
    );
}

async fn an_export_with_a_size_zero_checkpoint_verifies(db: TestDb) {
    issue_checkpoint(&db.store, &test_signing_key(), ORIGIN)
        .await
        .unwrap();
    let empty = tempfile::tempdir().unwrap();
    export(&db, empty.path()).await;
    assert_eq!(verify_export(empty.path(), None, |_| {}).unwrap().events, 0);
    small_log(&db).await;
    let dir = tempfile::tempdir().unwrap();
    export(&db, dir.path()).await;
    let report = verify_export(dir.path(), None, |_| {}).unwrap();
    assert_eq!((report.events, report.checkpoints), (9, 4));
    let (ok, output) = python_verifier(&["--export".as_ref(), dir.path().as_os_str()]);
    assert!(ok, "{output}");
}

#[tokio::test]
async fn export_framing_origin_and_a_required_checkpoint_are_enforced() {
    let db = TestDb::sqlite().await;
    small_log(&db).await;
    let dir = tempfile::tempdir().unwrap();
    export(&db, dir.path()).await;
    let events = std::fs::read_to_string(dir.path().join("events.ndjson")).unwrap();
    let check = |text: &str, needle: &str| {
        let copy = tempfile::tempdir().unwrap();
        for name in ["checkpoints.ndjson", "public-key.vkey"] {
            std::fs::copy(dir.path().join(name), copy.path().join(name)).unwrap();
        }
        std::fs::write(copy.path().join("events.ndjson"), text).unwrap();
        let err = verify_export(copy.path(), None, |_| {}).unwrap_err();
        assert!(err.contains(needle), "`{err}` should say {needle}");
    };
    check(
        events.trim_end_matches('\n'),
        "line 9: the line does not end with a newline",
    );
    check(&events.replace('\n', "\r\n"), "line 1: CRLF");
    check(&format!("\u{feff}{events}"), "line 1: byte-order mark");
    check(&events.replacen('\n', "\n\n", 1), "line 2: empty line");

    // A checkpoint of another log, signed with this log's key, is refused.
    let key = test_signing_key();
    let foreign =
        domain::integrity::checkpoint::SigningKey::from_seed("other.test/log", [9; 32]).unwrap();
    let note = foreign
        .signed_note(
            &domain::integrity::checkpoint::Checkpoint::new("other.test/log", 9, [0; 32]).unwrap(),
        )
        .unwrap();
    let vkey =
        domain::integrity::checkpoint::VerifierKey::parse(&key.verifier_key_string()).unwrap();
    let mut verifier = domain::integrity::audit::ExportVerifier::new(vkey);
    let line = serde_json::json!({"size": 9, "note": note}).to_string();
    assert!(verifier.add_checkpoint_line(1, &line).is_err());

    // An export cut back to an older checkpoint verifies on its own, not against a newer one.
    let newest = projections::transparency::latest_checkpoint(&db.store)
        .await
        .unwrap()
        .unwrap()
        .note;
    let cut = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("public-key.vkey"),
        cut.path().join("public-key.vkey"),
    )
    .unwrap();
    let checkpoints = std::fs::read_to_string(dir.path().join("checkpoints.ndjson")).unwrap();
    let first_two: String = checkpoints
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(cut.path().join("checkpoints.ndjson"), first_two).unwrap();
    let first_seven: String = events.lines().take(7).map(|l| format!("{l}\n")).collect();
    std::fs::write(cut.path().join("events.ndjson"), first_seven).unwrap();
    assert_eq!(verify_export(cut.path(), None, |_| {}).unwrap().events, 7);
    let err = verify_export(cut.path(), Some(&newest), |_| {}).unwrap_err();
    assert!(err.contains("--checkpoint"), "{err}");
}
