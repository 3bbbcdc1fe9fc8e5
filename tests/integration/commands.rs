use std::sync::Arc;

use chrono::Utc;
use domain::actor::{Actor, Role};
use domain::amendment::{
    Amendment, AmendmentCommand, AmendmentError, Change, DecisionOutcome, Origin,
};
use domain::bill::{Bill, BillCommand};
use domain::ids::{AmendmentId, ArticleId, BillId, ParticipantId, VersionNumber};
use domain::text::Article;
use projections::command::execute;
use projections::verify::verify_database;
use projections::{AppendError, CommandContext, CommandError};

use crate::support::{both_backends, TestDb};

both_backends!(concurrent_decisions_on_one_amendment_leave_exactly_one_decision);

fn actor(name: &str, role: Role) -> Actor {
    Actor::new(ParticipantId::parse(name).unwrap(), vec![role])
}

async fn concurrent_decisions_on_one_amendment_leave_exactly_one_decision(db: TestDb) {
    let now = Utc::now();
    let context = |who: &str| CommandContext::new(who, now.fixed_offset());
    let bill = BillId::from(uuid::Uuid::new_v4());
    let article = ArticleId::from(uuid::Uuid::new_v4());
    execute::<Bill>(
        &db.store,
        &bill.to_string(),
        BillCommand::DraftBill {
            actor: actor("gouvernement", Role::Official),
            at: now,
            bill_id: bill,
            title: "Loi".into(),
            articles: vec![Article {
                id: article,
                number: "1".into(),
                heading: None,
                paragraphs: vec!["Texte.".into()],
            }],
        },
        &context("gouvernement"),
    )
    .await
    .unwrap();
    let amendment = AmendmentId::from(uuid::Uuid::new_v4());
    execute::<Amendment>(
        &db.store,
        &amendment.to_string(),
        AmendmentCommand::Submit {
            actor: actor("gouvernement", Role::Official),
            at: now,
            amendment_id: amendment,
            bill_id: bill,
            base_version: VersionNumber::FIRST,
            change: Change::Modify {
                article_id: article,
            },
            origin: Origin::Government,
            title: "Préciser".into(),
            proposed_text: Some(vec!["Texte précis.".into()]),
            rationale: "Clarté.".into(),
            window: None,
        },
        &context("gouvernement"),
    )
    .await
    .unwrap();

    const DECIDERS: usize = 8;
    let barrier = Arc::new(tokio::sync::Barrier::new(DECIDERS));
    let mut tasks = Vec::new();
    for i in 0..DECIDERS {
        let store = db.reopen().await;
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let outcome = if i % 2 == 0 {
                DecisionOutcome::Accepted
            } else {
                DecisionOutcome::Rejected
            };
            execute::<Amendment>(
                &store,
                &amendment.to_string(),
                AmendmentCommand::Decide {
                    actor: actor("ministre", Role::Official),
                    at: Utc::now(),
                    outcome,
                    response: format!("décision {i}"),
                },
                &CommandContext::new("ministre", Utc::now().fixed_offset()),
            )
            .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(CommandError::Append(
                AppendError::Conflict { .. } | AppendError::RaceLost | AppendError::Busy,
            ))
            | Err(CommandError::Rejected(AmendmentError::AlreadyDecided { .. })) => {}
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(won, 1, "exactly one decision wins");
    assert_eq!(
        db.store
            .stream_length("amendment", &amendment.to_string())
            .await
            .unwrap(),
        2,
        "submitted, decided: nothing else"
    );
    verify_database(&db.store, None).await.unwrap();
}

both_backends!(a_batch_assuming_a_new_stream_that_exists_commits_nothing);

/// `Batch::execute_new` skips the read of a stream the importer knows is new; if it is not, the
/// store's (stream, sequence) key refuses the whole batch.
async fn a_batch_assuming_a_new_stream_that_exists_commits_nothing(db: TestDb) {
    use domain::ballot::{Ballot, BallotCommand, Choice};
    use domain::ids::{BallotId, Target};
    let now = Utc::now();
    let voter = ParticipantId::parse("polis-test-1").unwrap();
    let target = Target::Amendment {
        amendment_id: AmendmentId::from(uuid::Uuid::new_v4()),
    };
    let stream = BallotId::for_vote(&voter, &target);
    let cast = |choice| BallotCommand::ImportCast {
        actor: actor("palimpsest-import", Role::Admin),
        at: now,
        participant: voter.clone(),
        target,
        choice,
        source: "votes.csv:2".into(),
    };
    let context = CommandContext::new("polis-test-1", now.fixed_offset());
    execute::<Ballot>(&db.store, &stream, cast(Choice::For), &context)
        .await
        .unwrap();
    let before = db.store.log_size().await.unwrap();

    let mut batch = projections::command::Batch::new(&db.store);
    let other = BillId::from(uuid::Uuid::new_v4());
    batch
        .execute::<Bill>(
            &other.to_string(),
            BillCommand::DraftBill {
                actor: actor("gouvernement", Role::Official),
                at: now,
                bill_id: other,
                title: "Loi".into(),
                articles: vec![Article {
                    id: ArticleId::from(uuid::Uuid::new_v4()),
                    number: "1".into(),
                    heading: None,
                    paragraphs: vec!["Texte.".into()],
                }],
            },
            &context,
        )
        .await
        .unwrap();
    // Decided against the empty aggregate, so this is a second "first" event of the stream.
    batch
        .execute_new::<Ballot>(&stream, cast(Choice::Against), &context)
        .await
        .unwrap();
    assert!(batch.commit().await.is_err());
    assert_eq!(
        db.store.log_size().await.unwrap(),
        before,
        "nothing was written"
    );
    verify_database(&db.store, None).await.unwrap();
}
