//! The write use cases behind the HTTP routes: each reads the facts a command needs from the
//! write side (the aggregates, never the read model), runs the command, and waits until the read
//! model shows it. Requests are parsed here into domain types; the domain decides.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use domain::actor::Actor;
use domain::amendment::{Amendment, AmendmentCommand, Change, DecisionOutcome, Origin};
use domain::argument::{Argument, ArgumentCommand, Stance};
use domain::ballot::{Ballot, BallotCommand, Choice};
use domain::bill::{AmendmentFact, ArticleProvenance, Bill, BillCommand, BillEvent, BillStatus};
use domain::ids::{AmendmentId, ArgumentId, ArticleId, BallotId, BillId, Target, VersionNumber};
use domain::text::{apply_amendments, Article};
use projections::command::{execute, execute_guarded, load};
use projections::{AppendError, CommandContext, CommandError, StreamGuard};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::errors::ToProblem;
use crate::http::idempotency::current_claim;
use crate::http::problem::Problem;
use crate::state::{AppState, READ_YOUR_WRITES_WAIT};

pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_TEXT_CHARS: usize = 100_000;

/// The answer to an accepted write.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct Accepted {
    /// The id of what the write created or changed (bill, amendment, ballot stream, argument).
    pub id: String,
    /// The log index of the command's last event; reads include it once this is returned.
    pub log_index: u64,
}

fn now(state: &AppState) -> (DateTime<Utc>, DateTime<FixedOffset>) {
    let at = state.clock.now();
    (at, at.fixed_offset())
}

/// Every text a person writes passes here, whatever door it came through (JSON, a form): at
/// most `max` characters, and no control character but tab, line feed and carriage return
/// (a NUL cannot be hashed into the log; the others hide text from readers).
fn check_text(field: &str, value: &str, max: usize) -> Result<(), Problem> {
    let chars = value.chars().count();
    if chars > max {
        return Err(Problem::invalid(format!(
            "field `{field}` has {chars} characters; at most {max} are accepted"
        )));
    }
    if let Some((at, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Problem::invalid(format!(
            "field `{field}`: control characters other than tab, line feed and carriage return are not accepted (U+{:04X} at character {})",
            c as u32,
            at + 1
        )));
    }
    Ok(())
}

/// Paragraphs (alinéas) of a text: blocks separated by blank lines.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

async fn run<A>(
    state: &AppState,
    stream_id: &str,
    command: A::Command,
    actor: &Actor,
    at: DateTime<FixedOffset>,
) -> Result<u64, Problem>
where
    A: cqrs_es::Aggregate<Services = ()>,
    A::Error: ToProblem,
{
    let context =
        CommandContext::new(actor.participant.as_str(), at).with_idempotency(current_claim());
    let outcome = execute::<A>(&state.store, stream_id, command, &context)
        .await
        .map_err(|e| e.to_problem())?;
    let log_index = outcome.last_log_index().unwrap_or(0);
    if !state.views.wait_for(log_index, READ_YOUR_WRITES_WAIT).await {
        tracing::warn!(log_index, "views are behind after a write");
    }
    Ok(log_index)
}

/// How many times a command decided against a bill's consultation window is re-decided when the
/// bill changed meanwhile (e.g. its consultation was closed while the vote was in flight).
const BILL_MOVED_RETRIES: usize = 3;

/// Runs a command that depends on facts of a bill (its consultation window): the command is
/// built from the bill as it stands and commits only if the bill has not changed since. If it
/// has, the command is built again from the new facts (so a vote racing a closure is refused).
async fn run_against_bill<A>(
    state: &AppState,
    bill_id: BillId,
    stream_id: &str,
    actor: &Actor,
    build: impl Fn(&Bill, DateTime<Utc>) -> Result<A::Command, Problem>,
) -> Result<u64, Problem>
where
    A: cqrs_es::Aggregate<Services = ()>,
    A::Error: ToProblem,
{
    let mut attempt = 0;
    loop {
        let (bill, length) = load::<Bill>(&state.store, &bill_id.to_string())
            .await
            .map_err(|e| e.to_problem())?;
        if bill.status() == BillStatus::NotDrafted {
            return Err(Problem::not_found(format!("no bill has the id {bill_id}")));
        }
        let (at, occurred) = now(state);
        let command = build(&bill, at)?;
        let context = CommandContext::new(actor.participant.as_str(), occurred)
            .with_idempotency(current_claim());
        let guard = StreamGuard {
            stream_type: "bill".into(),
            stream_id: bill_id.to_string(),
            expected_length: length,
        };
        match execute_guarded::<A>(&state.store, stream_id, command, &context, vec![guard]).await {
            Ok(outcome) => {
                let log_index = outcome.last_log_index().unwrap_or(0);
                if !state.views.wait_for(log_index, READ_YOUR_WRITES_WAIT).await {
                    tracing::warn!(log_index, "views are behind after a write");
                }
                return Ok(log_index);
            }
            Err(CommandError::Append(AppendError::Conflict { stream_type, .. }))
                if stream_type == "bill" && attempt < BILL_MOVED_RETRIES =>
            {
                attempt += 1;
            }
            Err(e) => return Err(e.to_problem()),
        }
    }
}

async fn load_or_problem<A>(state: &AppState, stream_id: &str) -> Result<A, Problem>
where
    A: cqrs_es::Aggregate,
    CommandError<A::Error>: ToProblem,
    A::Error: ToProblem,
{
    load::<A>(&state.store, stream_id)
        .await
        .map(|(aggregate, _)| aggregate)
        .map_err(|e| e.to_problem())
}

async fn existing_bill(state: &AppState, bill_id: BillId) -> Result<Bill, Problem> {
    let bill: Bill = load_or_problem(state, &bill_id.to_string()).await?;
    if bill.status() == BillStatus::NotDrafted {
        return Err(Problem::not_found(format!("no bill has the id {bill_id}")));
    }
    Ok(bill)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Keep an existing article's identity across versions; omit for a new article.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub id: Option<ArticleId>,
    /// The article's number as printed (`1`, `2 bis`); at most 50 characters.
    #[schema(max_length = 50)]
    pub number: String,
    #[serde(default)]
    pub heading: Option<String>,
    /// The body; paragraphs separated by a blank line; at most 100,000 characters.
    #[schema(max_length = 100000)]
    pub text: String,
}

fn articles_from(inputs: Vec<ArticleInput>) -> Result<Vec<Article>, Problem> {
    let mut numbers = std::collections::HashSet::new();
    for (i, a) in inputs.iter().enumerate() {
        if a.number.trim().is_empty() {
            return Err(Problem::invalid(format!(
                "field `articles[{i}].number`: must not be empty"
            )));
        }
        if !numbers.insert(a.number.trim().to_string()) {
            return Err(Problem::invalid(format!(
                "field `articles[{i}].number`: two articles are numbered `{}`; give each its own number",
                a.number.trim()
            )));
        }
        if paragraphs(&a.text).is_empty() {
            return Err(Problem::invalid(format!(
                "field `articles[{i}].text`: must not be empty"
            )));
        }
    }
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            check_text(&format!("articles[{i}].text"), &a.text, MAX_TEXT_CHARS)?;
            check_text(&format!("articles[{i}].number"), &a.number, 50)?;
            if let Some(heading) = &a.heading {
                check_text(&format!("articles[{i}].heading"), heading, MAX_TITLE_CHARS)?;
            }
            Ok(Article {
                id: a
                    .id
                    .unwrap_or_else(|| ArticleId::from(uuid::Uuid::new_v4())),
                number: a.number.trim().to_string(),
                heading: a.heading.filter(|h| !h.trim().is_empty()),
                paragraphs: paragraphs(&a.text),
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBill {
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub title: String,
    pub articles: Vec<ArticleInput>,
}

pub async fn create_bill(
    state: &AppState,
    actor: &Actor,
    request: CreateBill,
) -> Result<Accepted, Problem> {
    check_text("title", &request.title, MAX_TITLE_CHARS)?;
    let bill_id = BillId::from(uuid::Uuid::new_v4());
    let (at, occurred) = now(state);
    let command = BillCommand::DraftBill {
        actor: actor.clone(),
        at,
        bill_id,
        title: request.title.trim().to_string(),
        articles: articles_from(request.articles)?,
    };
    let log_index = run::<Bill>(state, &bill_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: bill_id.to_string(),
        log_index,
    })
}

/// An instant in a request: RFC 3339 with an explicit offset, or a local date and time without
/// one (`2026-10-25T12:00`), read in the organisation's time zone. A local time that happens
/// twice (clocks go back) or never (clocks go forward) is refused, naming the instants it could
/// mean, so no instant is ever guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestInstant {
    Exact(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

impl<'de> Deserialize<'de> for RequestInstant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is neither an RFC 3339 instant with an offset (2026-12-24T18:00:00+01:00) nor a local date and time (2026-12-24T18:00)"
            ))
        })
    }
}

impl RequestInstant {
    pub fn parse(text: &str) -> Option<Self> {
        if let Ok(exact) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::Exact(exact));
        }
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(Self::Local)
    }

    /// The UTC instant meant, reading a local time in `zone`.
    pub fn resolve(self, field: &str, zone: Tz) -> Result<DateTime<Utc>, Problem> {
        let local = match self {
            Self::Exact(exact) => return Ok(exact.to_utc()),
            Self::Local(local) => local,
        };
        let shown = local.format("%Y-%m-%dT%H:%M:%S");
        match zone.from_local_datetime(&local) {
            LocalResult::Single(at) => Ok(at.to_utc()),
            LocalResult::Ambiguous(first, second) => Err(Problem::invalid(format!(
                "field `{field}`: {shown} happens twice in {zone} (the clocks go back that night); give the offset: {} or {}",
                first.fixed_offset().to_rfc3339(),
                second.fixed_offset().to_rfc3339()
            ))),
            LocalResult::None => Err(Problem::invalid(format!(
                "field `{field}`: {shown} does not exist in {zone} (the clocks go forward over it); give an instant with its offset"
            ))),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenConsultation {
    /// Defaults to now. RFC 3339 with an offset, or a local time in the organisation's zone.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2026-12-01T09:00:00+01:00")]
    pub opens_at: Option<RequestInstant>,
    /// Exclusive end. RFC 3339 with an offset, or a local time in the organisation's zone.
    #[schema(value_type = String, example = "2026-12-24T18:00:00+01:00")]
    pub closes_at: RequestInstant,
}

pub async fn open_consultation(
    state: &AppState,
    actor: &Actor,
    bill_id: BillId,
    request: OpenConsultation,
) -> Result<Accepted, Problem> {
    existing_bill(state, bill_id).await?;
    let (at, occurred) = now(state);
    let command = BillCommand::OpenConsultation {
        actor: actor.clone(),
        at,
        opens_at: match request.opens_at {
            Some(opens_at) => opens_at.resolve("opens_at", state.time_zone)?,
            None => at,
        },
        closes_at: request.closes_at.resolve("closes_at", state.time_zone)?,
    };
    let log_index = run::<Bill>(state, &bill_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: bill_id.to_string(),
        log_index,
    })
}

pub async fn close_consultation(
    state: &AppState,
    actor: &Actor,
    bill_id: BillId,
) -> Result<Accepted, Problem> {
    existing_bill(state, bill_id).await?;
    let (at, occurred) = now(state);
    let command = BillCommand::CloseConsultation {
        actor: actor.clone(),
        at,
    };
    let log_index = run::<Bill>(state, &bill_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: bill_id.to_string(),
        log_index,
    })
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Modify,
    InsertAfter,
    Delete,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAmendment {
    pub kind: ChangeKind,
    /// The article modified or deleted, or after which the new one goes (omit: at the start).
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub article_id: Option<ArticleId>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub title: String,
    /// Proposed wording; paragraphs separated by a blank line. Required unless deleting.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub proposed_text: Option<String>,
    /// Why; at most 100,000 characters.
    #[schema(max_length = 100000)]
    pub rationale: String,
}

pub async fn submit_amendment(
    state: &AppState,
    actor: &Actor,
    bill_id: BillId,
    request: SubmitAmendment,
) -> Result<Accepted, Problem> {
    check_text("title", &request.title, MAX_TITLE_CHARS)?;
    check_text("rationale", &request.rationale, MAX_TEXT_CHARS)?;
    if let Some(text) = &request.proposed_text {
        check_text("proposed_text", text, MAX_TEXT_CHARS)?;
    }
    let bill = existing_bill(state, bill_id).await?;
    let known = |id: ArticleId| bill.latest_articles().iter().any(|a| a.id == id);
    let change = match (request.kind, request.article_id) {
        (ChangeKind::Modify, Some(id)) if known(id) => Change::Modify { article_id: id },
        (ChangeKind::Delete, Some(id)) if known(id) => Change::Delete { article_id: id },
        (ChangeKind::InsertAfter, None) => Change::InsertAfter { article_id: None },
        (ChangeKind::InsertAfter, Some(id)) if known(id) => Change::InsertAfter {
            article_id: Some(id),
        },
        (_, Some(id)) => {
            return Err(Problem::invalid(format!(
                "field `article_id`: article {id} is not in the latest version of bill {bill_id}"
            )))
        }
        (_, None) => {
            return Err(Problem::invalid(
                "field `article_id`: required to modify or delete an article",
            ))
        }
    };
    let proposed_text = request.proposed_text.as_deref().map(paragraphs);
    if request.kind == ChangeKind::Delete && proposed_text.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(Problem::invalid(
            "field `proposed_text`: an amendment deleting an article proposes no text; omit it",
        ));
    }
    if request.kind != ChangeKind::Delete && proposed_text.as_ref().is_none_or(|p| p.is_empty()) {
        return Err(Problem::invalid(
            "field `proposed_text`: required (the wording you propose) unless deleting an article",
        ));
    }
    let amendment_id = AmendmentId::from(uuid::Uuid::new_v4());
    let title = request.title.trim().to_string();
    let rationale = request.rationale.trim().to_string();
    let log_index = run_against_bill::<Amendment>(
        state,
        bill_id,
        &amendment_id.to_string(),
        actor,
        |bill, at| {
            Ok(AmendmentCommand::Submit {
                actor: actor.clone(),
                at,
                amendment_id,
                bill_id,
                base_version: bill.latest_version().unwrap_or(VersionNumber::FIRST),
                change,
                origin: Origin::Citizen,
                title: title.clone(),
                proposed_text: proposed_text.clone(),
                rationale: rationale.clone(),
                window: bill.consultation_window(),
            })
        },
    )
    .await?;
    Ok(Accepted {
        id: amendment_id.to_string(),
        log_index,
    })
}

async fn existing_amendment(state: &AppState, id: AmendmentId) -> Result<Amendment, Problem> {
    let amendment: Amendment = load_or_problem(state, &id.to_string()).await?;
    if amendment.fact().is_none() {
        return Err(Problem::not_found(format!("no amendment has the id {id}")));
    }
    Ok(amendment)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    #[schema(value_type = crate::routes::openapi::schemas::DecisionOutcome)]
    pub outcome: DecisionOutcome,
    /// The public response; at most 100,000 characters.
    #[schema(max_length = 100000)]
    pub response: String,
}

pub async fn decide_amendment(
    state: &AppState,
    actor: &Actor,
    amendment_id: AmendmentId,
    request: Decide,
) -> Result<Accepted, Problem> {
    check_text("response", &request.response, MAX_TEXT_CHARS)?;
    existing_amendment(state, amendment_id).await?;
    let (at, occurred) = now(state);
    let command = AmendmentCommand::Decide {
        actor: actor.clone(),
        at,
        outcome: request.outcome,
        response: request.response.trim().to_string(),
    };
    let log_index =
        run::<Amendment>(state, &amendment_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: amendment_id.to_string(),
        log_index,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectResponse {
    /// The corrected public response, in full.
    #[schema(max_length = 100000)]
    pub response: String,
    /// Why it was corrected; published with the correction.
    #[schema(max_length = 100000)]
    pub reason: String,
}

pub async fn correct_response(
    state: &AppState,
    actor: &Actor,
    amendment_id: AmendmentId,
    request: CorrectResponse,
) -> Result<Accepted, Problem> {
    check_text("response", &request.response, MAX_TEXT_CHARS)?;
    check_text("reason", &request.reason, MAX_TEXT_CHARS)?;
    existing_amendment(state, amendment_id).await?;
    let (at, occurred) = now(state);
    let command = AmendmentCommand::CorrectResponse {
        actor: actor.clone(),
        at,
        response: request.response.trim().to_string(),
        reason: request.reason.trim().to_string(),
    };
    let log_index =
        run::<Amendment>(state, &amendment_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: amendment_id.to_string(),
        log_index,
    })
}

/// The bill a target belongs to, checking that the target exists.
async fn bill_of_target(state: &AppState, target: &Target) -> Result<BillId, Problem> {
    match target {
        Target::Article {
            bill_id,
            article_id,
        } => {
            let bill = existing_bill(state, *bill_id).await?;
            if !bill.latest_articles().iter().any(|a| a.id == *article_id) {
                return Err(Problem::invalid(format!(
                    "field `target.article_id`: article {article_id} is not in the latest version of bill {bill_id}"
                )));
            }
            Ok(*bill_id)
        }
        Target::Amendment { amendment_id } => {
            let amendment = existing_amendment(state, *amendment_id).await?;
            let fact = amendment.fact().expect("checked by existing_amendment");
            Ok(fact.bill_id)
        }
    }
}

fn window_of(bill: &Bill, what: &str) -> Result<domain::bill::ConsultationWindow, Problem> {
    bill.consultation_window().ok_or_else(|| {
        Problem::conflict(
            "no-consultation",
            "Outside the consultation window",
            format!("this bill has no consultation; {what} are accepted only once an official opens one"),
        )
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    #[schema(value_type = crate::routes::openapi::schemas::Target)]
    pub target: Target,
    #[schema(value_type = crate::routes::openapi::schemas::Choice)]
    pub choice: Choice,
}

pub async fn vote(state: &AppState, actor: &Actor, request: Vote) -> Result<Accepted, Problem> {
    let bill_id = bill_of_target(state, &request.target).await?;
    let stream = BallotId::for_vote(&actor.participant, &request.target);
    let log_index = run_against_bill::<Ballot>(state, bill_id, &stream, actor, |bill, at| {
        Ok(BallotCommand::Cast {
            actor: actor.clone(),
            at,
            target: request.target,
            choice: request.choice,
            window: window_of(bill, "votes")?,
        })
    })
    .await?;
    Ok(Accepted {
        id: stream,
        log_index,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Retract {
    #[schema(value_type = crate::routes::openapi::schemas::Target)]
    pub target: Target,
}

pub async fn retract_vote(
    state: &AppState,
    actor: &Actor,
    request: Retract,
) -> Result<Accepted, Problem> {
    let bill_id = bill_of_target(state, &request.target).await?;
    let stream = BallotId::for_vote(&actor.participant, &request.target);
    let log_index = run_against_bill::<Ballot>(state, bill_id, &stream, actor, |bill, at| {
        Ok(BallotCommand::Retract {
            actor: actor.clone(),
            at,
            window: window_of(bill, "votes")?,
        })
    })
    .await?;
    Ok(Accepted {
        id: stream,
        log_index,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostArgument {
    #[schema(value_type = crate::routes::openapi::schemas::Target)]
    pub target: Target,
    #[schema(value_type = crate::routes::openapi::schemas::Stance)]
    pub stance: Stance,
    /// At most 100,000 characters.
    #[schema(max_length = 100000)]
    pub body: String,
}

pub async fn post_argument(
    state: &AppState,
    actor: &Actor,
    request: PostArgument,
) -> Result<Accepted, Problem> {
    check_text("body", &request.body, MAX_TEXT_CHARS)?;
    let bill_id = bill_of_target(state, &request.target).await?;
    let argument_id = ArgumentId::from(uuid::Uuid::new_v4());
    let log_index = run_against_bill::<Argument>(
        state,
        bill_id,
        &argument_id.to_string(),
        actor,
        |bill, at| {
            Ok(ArgumentCommand::Post {
                actor: actor.clone(),
                at,
                argument_id,
                target: request.target,
                stance: request.stance,
                body: request.body.clone(),
                window: bill.consultation_window(),
            })
        },
    )
    .await?;
    Ok(Accepted {
        id: argument_id.to_string(),
        log_index,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishVersion {
    /// Must be the latest version's number + 1.
    pub number: u32,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub label: String,
    /// At most 100,000 characters.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub note: String,
    /// The full text of the new version. Exactly one of `articles` and `apply`.
    #[serde(default)]
    pub articles: Option<Vec<ArticleInput>>,
    /// Accepted amendments (accepted or accepted with changes) applied in this order to the
    /// latest version; the provenance is then computed. Exactly one of `articles` and `apply`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub apply: Option<Vec<AmendmentId>>,
    /// With `articles`: for each changed article, the decided amendments it takes in.
    #[serde(default)]
    #[schema(value_type = Vec<crate::routes::openapi::schemas::ArticleProvenance>)]
    pub provenance: Vec<ArticleProvenance>,
}

/// Every version's text and which version took in each amendment, read from the bill's own
/// stream (the aggregate keeps only the latest text).
#[derive(Default)]
struct BillHistory {
    texts: HashMap<u32, Vec<Article>>,
    taken_in: HashMap<AmendmentId, u32>,
}

async fn bill_history(state: &AppState, bill_id: BillId) -> Result<BillHistory, Problem> {
    let events = state
        .store
        .load_stream("bill", &bill_id.to_string())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the bill's history");
            Problem::internal()
        })?;
    let mut history = BillHistory::default();
    for event in events {
        match serde_json::from_value::<BillEvent>(event.payload) {
            Ok(BillEvent::BillDrafted { articles, .. }) => {
                history.texts.insert(VersionNumber::FIRST.get(), articles);
            }
            Ok(BillEvent::VersionPublished {
                number,
                articles,
                provenance,
                ..
            }) => {
                history.texts.insert(number.get(), articles);
                for amendment in provenance.into_iter().flat_map(|p| p.amendments) {
                    history.taken_in.entry(amendment).or_insert(number.get());
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, sequence = event.sequence, "unreadable bill event");
                return Err(Problem::internal());
            }
        }
    }
    Ok(history)
}

/// The text and provenance of a version built from the listed amendments: each must be of this
/// bill, accepted (or accepted with changes), not taken in by an earlier version, written against
/// the article's current text and, unless it deletes, carry a proposed text.
async fn consolidate(
    state: &AppState,
    bill_id: BillId,
    bill: &Bill,
    ids: &[AmendmentId],
) -> Result<(Vec<Article>, Vec<ArticleProvenance>, Vec<AmendmentFact>), Problem> {
    if ids.is_empty() {
        return Err(Problem::invalid(
            "field `apply`: list at least one amendment to apply",
        ));
    }
    let history = bill_history(state, bill_id).await?;
    let mut edits = Vec::with_capacity(ids.len());
    let mut facts = Vec::with_capacity(ids.len());
    for (i, &id) in ids.iter().enumerate() {
        let amendment: Amendment = load_or_problem(state, &id.to_string()).await?;
        let (Some(fact), Some(mut edit)) = (amendment.fact(), amendment.edit()) else {
            return Err(Problem::invalid(format!(
                "field `apply[{i}]`: no amendment has the id {id}"
            )));
        };
        if fact.bill_id != bill_id {
            return Err(Problem::invalid(format!(
                "field `apply[{i}]`: amendment {id} belongs to bill {}, not to bill {bill_id}",
                fact.bill_id
            )));
        }
        match fact.decision {
            Some(DecisionOutcome::Accepted | DecisionOutcome::AcceptedWithChanges) => {}
            Some(DecisionOutcome::Rejected) => {
                return Err(Problem::invalid(format!(
                    "field `apply[{i}]`: amendment {id} was rejected; only accepted amendments are applied"
                )))
            }
            None => {
                return Err(Problem::invalid(format!(
                    "field `apply[{i}]`: amendment {id} is not decided yet; decide it first"
                )))
            }
        }
        if let Some(version) = history.taken_in.get(&id) {
            return Err(Problem::invalid(format!(
                "field `apply[{i}]`: amendment {id} was already taken in by version {version}; an amendment is applied once"
            )));
        }
        if let (Change::Modify { article_id } | Change::Delete { article_id }, Some(base)) =
            (edit.change, amendment.base_version())
        {
            edit.base_paragraphs = history
                .texts
                .get(&base.get())
                .and_then(|text| text.iter().find(|a| a.id == article_id))
                .map(|a| a.paragraphs.clone());
        }
        edits.push(edit);
        facts.push(fact);
    }
    let articles = apply_amendments(bill.latest_articles(), &edits)
        .map_err(|e| Problem::invalid(format!("field `apply`: {e}")))?;
    let mut provenance: Vec<ArticleProvenance> = Vec::new();
    // apply_amendments refused any amendment about the text as a whole: each edit has an article.
    for edit in &edits {
        let Some(article_id) = edit.article_id() else {
            continue;
        };
        match provenance.iter_mut().find(|p| p.article_id == article_id) {
            Some(entry) => entry.amendments.push(edit.amendment_id),
            None => provenance.push(ArticleProvenance {
                article_id,
                amendments: vec![edit.amendment_id],
            }),
        }
    }
    Ok((articles, provenance, facts))
}

pub async fn publish_version(
    state: &AppState,
    actor: &Actor,
    bill_id: BillId,
    request: PublishVersion,
) -> Result<Accepted, Problem> {
    check_text("label", &request.label, MAX_TITLE_CHARS)?;
    check_text("note", &request.note, MAX_TEXT_CHARS)?;
    let bill = existing_bill(state, bill_id).await?;
    let number = VersionNumber::new(request.number)
        .map_err(|e| Problem::invalid(format!("field `number`: {e}")))?;
    let (articles, provenance, cited_amendments) = match (request.articles, request.apply) {
        (Some(articles), None) => {
            let mut cited_amendments = Vec::new();
            for id in request.provenance.iter().flat_map(|p| &p.amendments) {
                let amendment = existing_amendment(state, *id).await?;
                cited_amendments.extend(amendment.fact());
            }
            (articles_from(articles)?, request.provenance, cited_amendments)
        }
        (None, Some(apply)) => {
            if !request.provenance.is_empty() {
                return Err(Problem::invalid(
                    "field `provenance`: computed from `apply`; omit it",
                ));
            }
            // The text is computed against the latest version: it must be the one this version
            // follows (the bill refuses the number if another version is published meanwhile).
            let latest = bill.latest_version().unwrap_or(VersionNumber::FIRST);
            if number != latest.next() {
                return Err(Problem::invalid(format!(
                    "field `number`: the latest version is {latest}; a version applying amendments to it is {}",
                    latest.next()
                )));
            }
            consolidate(state, bill_id, &bill, &apply).await?
        }
        (Some(_), Some(_)) => {
            return Err(Problem::invalid(
                "field `apply`: send either `articles` (the full text) or `apply` (the amendments to apply), not both",
            ))
        }
        (None, None) => {
            return Err(Problem::invalid(
                "field `articles`: required, unless `apply` lists the accepted amendments to apply",
            ))
        }
    };
    let (at, occurred) = now(state);
    let command = BillCommand::PublishVersion {
        actor: actor.clone(),
        at,
        number,
        label: request.label.trim().to_string(),
        articles,
        provenance,
        cited_amendments,
        note: request.note,
    };
    let log_index = run::<Bill>(state, &bill_id.to_string(), command, actor, occurred).await?;
    Ok(Accepted {
        id: bill_id.to_string(),
        log_index,
    })
}
