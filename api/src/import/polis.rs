//! Maps Pol.is conversation exports onto our commands, all conversations of one import in ONE
//! transaction (all or nothing; a conversation already in the log is skipped, so importing
//! twice adds nothing). Ids are uuid v5 of the conversation id and the source ids.
//!
//! Mapping (also in README.md, "More real data"):
//! - conversation = a bill titled with the summary's topic. Pol.is has no bill text: the bill
//!   is drafted by an admin import with **zero articles** (`BillCommand::ImportTopic`), and its
//!   consultation window runs from the first comment or vote to 1 ms after the last one;
//! - comment = a citizen amendment proposing new text (`InsertAfter` nothing, proposed text =
//!   the comment body, title "Pol.is comment N"), submitted at its timestamp by its author,
//!   participant `polis-<conversation>-<author-id>` (numeric ids kept, pseudonymous);
//! - `moderated = -1` → the amendment hidden by the conversation's moderators with a public
//!   reason (the text stays in the log); 0 and 1 → visible, nothing recorded;
//! - votes.csv rows → ballots (one stream per voter and comment) in timestamp order, ties in
//!   file order: a repeated same value is ignored, a different value changes the ballot (last
//!   vote wins); 1 → for, -1 → against, 0 → pass;
//! - comments.csv `agrees`/`disagrees` → an imported published tally on the amendment, labelled
//!   as counting every vote event (repeats included, passes not published), kept apart from
//!   the ballots.
//!
//! Instants: the millisecond `timestamp` column (UTC), never `datetime`. Moderation and
//! published tallies have no date in the export: they are recorded at the last event's instant
//! with metadata `occurred_at_bound`.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use domain::actor::{Actor, Role};
use domain::amendment::{Amendment, AmendmentCommand, Change, Origin};
use domain::ballot::{Ballot, BallotCommand, BallotError, BallotEvent, Choice, VoteCounts};
use domain::bill::{Bill, BillCommand};
use domain::ids::{AmendmentId, BallotId, BillId, ParticipantId, Target, VersionNumber};
use projections::command::Batch;
use projections::{CommandContext, CommandError, EventStore};
use uuid::Uuid;

use super::republique::ImportError;
use super::sources::nfc;
use super::sources::polis::{
    self, Comment, Conversation, ConversationFiles, Moderation, VoteValue,
};

/// What an import of Pol.is conversations did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolisReport {
    pub conversations_imported: u64,
    pub conversations_already_imported: u64,
    pub events: u64,
    pub comments: u64,
    pub hidden: u64,
    pub imported_tallies: u64,
    pub ballots_cast: u64,
    pub ballots_changed: u64,
    pub repeated_votes_ignored: u64,
}

impl fmt::Display for PolisReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pol.is: {} conversations imported, {} already in the log; {} events ({} comments, {} hidden by moderation, {} imported tallies, {} ballots cast and {} changed, {} repeated vote rows ignored)",
            self.conversations_imported,
            self.conversations_already_imported,
            self.events,
            self.comments,
            self.hidden,
            self.imported_tallies,
            self.ballots_cast,
            self.ballots_changed,
            self.repeated_votes_ignored
        )
    }
}

fn id(kind: &str, key: &str) -> Uuid {
    super::source_id("polis", kind, key)
}

/// The bill of a conversation (`3phdex2kjf`).
pub fn bill_id(conversation: &str) -> BillId {
    BillId::from(id("bill", conversation))
}

/// The amendment recording comment `comment` of a conversation.
pub fn comment_amendment_id(conversation: &str, comment: u32) -> AmendmentId {
    AmendmentId::from(id("comment", &format!("{conversation}:{comment}")))
}

/// Pol.is participant `n` of a conversation: `polis-<conversation>-<n>`.
pub fn participant(conversation: &str, n: u32) -> Result<ParticipantId, String> {
    let name = format!("polis-{conversation}-{n}");
    ParticipantId::parse(&name).map_err(|e| e.to_string())
}

const IMPORTER: &str = "palimpsest-import";

fn importer() -> Actor {
    Actor::new(
        ParticipantId::parse(IMPORTER).expect("valid id"),
        vec![Role::Admin],
    )
}

fn instant(ms: i64) -> DateTime<FixedOffset> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .expect("the parser checks timestamps are within the calendar")
        .fixed_offset()
}

fn rejected<E: std::error::Error>(source_ref: &str, e: CommandError<E>) -> ImportError {
    match e {
        CommandError::Append(a) => ImportError::Append(a),
        CommandError::Store(s) => ImportError::Store(s),
        other => ImportError::Rejected {
            source_ref: source_ref.to_string(),
            message: other.to_string(),
        },
    }
}

/// Reads one conversation folder (holding comments.csv) or a folder of them.
pub fn read_folder(folder: &Path) -> Result<Vec<ConversationFiles>, ImportError> {
    if folder.join(polis::COMMENTS_FILE).is_file() {
        return Ok(vec![read_conversation(folder)?]);
    }
    let entries = std::fs::read_dir(folder).map_err(|e| ImportError::Read {
        file: folder.display().to_string(),
        message: e.to_string(),
    })?;
    let mut dirs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(polis::COMMENTS_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(ImportError::Read {
            file: folder.display().to_string(),
            message: format!(
                "no Pol.is conversation here: expected {} in it or in its subfolders",
                polis::COMMENTS_FILE
            ),
        });
    }
    dirs.iter().map(|d| read_conversation(d)).collect()
}

fn read_conversation(folder: &Path) -> Result<ConversationFiles, ImportError> {
    let read = |name: &str| -> Result<(String, String), ImportError> {
        let path = folder.join(name);
        Ok((path.display().to_string(), super::read_source_file(&path)?))
    };
    Ok(ConversationFiles {
        summary: read(polis::SUMMARY_FILE)?,
        comments: read(polis::COMMENTS_FILE)?,
        votes: read(polis::VOTES_FILE)?,
    })
}

/// Imports the two bundled conversations.
pub async fn import_bundled(store: &EventStore) -> Result<PolisReport, ImportError> {
    import(store, polis::bundled::all()).await
}

/// Imports the conversations of a folder (see [`read_folder`]).
pub async fn import_folder(store: &EventStore, folder: &Path) -> Result<PolisReport, ImportError> {
    import(store, read_folder(folder)?).await
}

/// Parses every conversation first (a malformed file stops here, before any write), then
/// records those not yet in the log in one transaction.
pub async fn import(
    store: &EventStore,
    conversations: Vec<ConversationFiles>,
) -> Result<PolisReport, ImportError> {
    let parsed: Vec<(Conversation, &ConversationFiles)> = conversations
        .iter()
        .map(|files| polis::parse_conversation(files).map(|c| (c, files)))
        .collect::<Result<_, _>>()?;
    let mut report = PolisReport::default();
    let mut batch = Batch::new(store);
    let mut seen = HashSet::new();
    for (conversation, files) in &parsed {
        if !seen.insert(conversation.id.clone())
            || store
                .stream_exists("bill", &bill_id(&conversation.id).to_string())
                .await?
        {
            report.conversations_already_imported += 1;
            continue;
        }
        ConversationImport {
            c: conversation,
            files,
            batch: &mut batch,
            report: &mut report,
        }
        .run()
        .await?;
        report.conversations_imported += 1;
    }
    let committed = batch.commit().await?;
    report.events = committed.len() as u64;
    Ok(report)
}

struct ConversationImport<'c, 'b, 's> {
    c: &'c Conversation,
    files: &'c ConversationFiles,
    batch: &'b mut Batch<'s>,
    report: &'b mut PolisReport,
}

enum Item<'c> {
    Comment(&'c Comment),
    Vote(usize),
}

impl ConversationImport<'_, '_, '_> {
    fn bill(&self) -> BillId {
        bill_id(&self.c.id)
    }

    fn comment_ref(&self, comment: &Comment) -> String {
        format!(
            "{}:{} (comment-id {})",
            self.files.comments.0, comment.line, comment.id
        )
    }

    fn participant(
        &self,
        file: &str,
        line: usize,
        field: &str,
        n: u32,
    ) -> Result<ParticipantId, ImportError> {
        participant(&self.c.id, n).map_err(|message| ImportError::Inconsistent {
            file: file.to_string(),
            line,
            field: field.into(),
            message,
        })
    }

    async fn run(mut self) -> Result<(), ImportError> {
        let c = self.c;
        let first = c
            .comments
            .iter()
            .map(|x| x.timestamp_ms)
            .chain(c.votes.iter().map(|v| v.timestamp_ms))
            .min()
            .expect("the parser refuses a file without rows");
        let last = c
            .comments
            .iter()
            .map(|x| x.timestamp_ms)
            .chain(c.votes.iter().map(|v| v.timestamp_ms))
            .max()
            .expect("the parser refuses a file without rows");
        let opens_at = instant(first);
        let last_at = instant(last);
        let closes_at = last_at + Duration::milliseconds(1);
        let bill = self.bill().to_string();
        let summary_ref = format!("{} (topic, url {})", self.files.summary.0, c.url);

        let context = CommandContext::new(IMPORTER, opens_at).with_source(&summary_ref);
        let command = BillCommand::ImportTopic {
            actor: importer(),
            at: opens_at.to_utc(),
            bill_id: self.bill(),
            title: nfc(&c.topic),
        };
        self.batch
            .execute::<Bill>(&bill, command, &context)
            .await
            .map_err(|e| rejected(&summary_ref, e))?;
        let window_ref = format!(
            "{}: the first and last timestamps of {} and {}",
            self.files.summary.0, self.files.comments.0, self.files.votes.0
        );
        let context = CommandContext::new(IMPORTER, opens_at).with_source(&window_ref);
        let command = BillCommand::OpenConsultation {
            actor: importer(),
            at: opens_at.to_utc(),
            opens_at: opens_at.to_utc(),
            closes_at: closes_at.to_utc(),
        };
        self.batch
            .execute::<Bill>(&bill, command, &context)
            .await
            .map_err(|e| rejected(&window_ref, e))?;

        // Comments before votes at the same millisecond; votes in file order among equals.
        let mut items: Vec<(i64, u8, usize, Item<'_>)> = c
            .comments
            .iter()
            .enumerate()
            .map(|(i, x)| (x.timestamp_ms, 0, i, Item::Comment(x)))
            .chain(
                c.votes
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.timestamp_ms, 1, i, Item::Vote(i))),
            )
            .collect();
        items.sort_by_key(|(ms, order, i, _)| (*ms, *order, *i));
        for (_, _, _, item) in items {
            match item {
                Item::Comment(comment) => self.comment(comment).await?,
                Item::Vote(i) => self.vote(i).await?,
            }
        }
        for comment in &c.comments {
            self.tally_and_moderation(comment, last_at).await?;
        }
        let context = CommandContext::new(IMPORTER, closes_at).with_source(&window_ref);
        let command = BillCommand::CloseConsultation {
            actor: importer(),
            at: closes_at.to_utc(),
        };
        self.batch
            .execute::<Bill>(&bill, command, &context)
            .await
            .map_err(|e| rejected(&window_ref, e))?;
        Ok(())
    }

    async fn comment(&mut self, comment: &Comment) -> Result<(), ImportError> {
        let source = self.comment_ref(comment);
        let author = self.participant(
            &self.files.comments.0,
            comment.line,
            "author-id",
            comment.author,
        )?;
        let at = instant(comment.timestamp_ms);
        let amendment_id = comment_amendment_id(&self.c.id, comment.id);
        let window = self
            .batch
            .aggregate::<Bill>(&self.bill().to_string())
            .await
            .map_err(|e| rejected(&source, e))?
            .consultation_window();
        let context = CommandContext::new(author.as_str(), at).with_source(&source);
        let command = AmendmentCommand::Submit {
            actor: Actor::new(author, vec![Role::Citizen]),
            at: at.to_utc(),
            amendment_id,
            bill_id: self.bill(),
            base_version: VersionNumber::FIRST,
            change: Change::InsertAfter { article_id: None },
            origin: Origin::Citizen,
            title: format!("Pol.is comment {}", comment.id),
            proposed_text: Some(vec![nfc(&comment.body)]),
            rationale: String::new(),
            window,
        };
        self.batch
            .execute::<Amendment>(&amendment_id.to_string(), command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.comments += 1;
        Ok(())
    }

    async fn vote(&mut self, i: usize) -> Result<(), ImportError> {
        let vote = &self.c.votes[i];
        let file = &self.files.votes.0;
        let source = format!("{file}:{}", vote.line);
        let voter = self.participant(file, vote.line, "voter-id", vote.voter)?;
        let target = Target::Amendment {
            amendment_id: comment_amendment_id(&self.c.id, vote.comment),
        };
        let choice = match vote.value {
            VoteValue::Agree => Choice::For,
            VoteValue::Disagree => Choice::Against,
            VoteValue::Pass => Choice::Pass,
        };
        let at = instant(vote.timestamp_ms);
        let stream = BallotId::for_vote(&voter, &target);
        let context = CommandContext::new(voter.as_str(), at).with_source(&source);
        let command = BallotCommand::ImportCast {
            actor: importer(),
            at: at.to_utc(),
            participant: voter,
            target,
            choice,
            source: source.clone(),
        };
        // The voted comment is submitted by this batch, so no ballot on it can exist yet.
        match self
            .batch
            .execute_new::<Ballot>(&stream, command, &context)
            .await
        {
            Ok(events) => {
                for event in events {
                    match event {
                        BallotEvent::BallotCast { .. } => self.report.ballots_cast += 1,
                        BallotEvent::BallotChanged { .. } => self.report.ballots_changed += 1,
                        BallotEvent::BallotRetracted => {}
                    }
                }
                Ok(())
            }
            // The same voter repeating the same value (a double click): one ballot.
            Err(CommandError::Rejected(BallotError::SameChoice { .. })) => {
                self.report.repeated_votes_ignored += 1;
                Ok(())
            }
            Err(e) => Err(rejected(&source, e)),
        }
    }

    async fn tally_and_moderation(
        &mut self,
        comment: &Comment,
        last_at: DateTime<FixedOffset>,
    ) -> Result<(), ImportError> {
        let source = self.comment_ref(comment);
        let amendment_id = comment_amendment_id(&self.c.id, comment.id).to_string();
        let mut context = CommandContext::new(IMPORTER, last_at).with_source(format!(
            "{source}: agrees and disagrees count every vote event, repeated votes included; passes are not published"
        ));
        context.extra.insert(
            "occurred_at_bound".into(),
            "upper: the export gives no date for its counts; recorded at the conversation's last event".into(),
        );
        let command = AmendmentCommand::RecordPublishedTally {
            actor: importer(),
            at: last_at.to_utc(),
            counts: VoteCounts {
                r#for: comment.agrees,
                mixed: 0,
                against: comment.disagrees,
                pass: 0,
            },
            source: format!(
                "{source}: Pol.is agrees/disagrees, counting every vote event (repeats included, passes not published)"
            ),
        };
        self.batch
            .execute::<Amendment>(&amendment_id, command, &context)
            .await
            .map_err(|e| rejected(&source, e))?;
        self.report.imported_tallies += 1;
        if comment.moderation == Moderation::Rejected {
            let moderators = format!("polis-{}-moderators", self.c.id);
            let actor = Actor::new(
                ParticipantId::parse(&moderators).map_err(|e| ImportError::Inconsistent {
                    file: self.files.summary.0.clone(),
                    line: 1,
                    field: "url".into(),
                    message: e.to_string(),
                })?,
                vec![Role::Moderator],
            );
            let mut context =
                CommandContext::new(moderators.as_str(), last_at).with_source(&source);
            context.extra.insert(
                "occurred_at_bound".into(),
                "upper: the export gives no date for moderation; recorded at the conversation's last event".into(),
            );
            let command = AmendmentCommand::Hide {
                actor,
                at: last_at.to_utc(),
                reason: "moderated out by the conversation's moderators on Pol.is (moderated = -1 in comments.csv)".into(),
            };
            self.batch
                .execute::<Amendment>(&amendment_id, command, &context)
                .await
                .map_err(|e| rejected(&source, e))?;
            self.report.hidden += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polis_participants_keep_their_numeric_ids_under_the_conversation() {
        assert_eq!(
            participant("3phdex2kjf", 1476).unwrap().as_str(),
            "polis-3phdex2kjf-1476"
        );
        assert_ne!(
            comment_amendment_id("3phdex2kjf", 1),
            comment_amendment_id("9xxwa9jpkm", 1)
        );
    }

    #[test]
    fn millisecond_timestamps_become_utc_instants() {
        assert_eq!(
            instant(1658934589213).to_rfc3339(),
            "2022-07-27T15:09:49.213+00:00"
        );
    }
}
