//! The read pages: each gathers its facts from the live views through `crate::reads` (as the
//! JSON routes do) into a small view model of plain strings, which its template shows escaped.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::amendment::{Change, DecisionOutcome, Origin};
use domain::argument::Stance;
use domain::ballot::VoteCounts;
use domain::ids::{AmendmentId, ArticleId, BillId, Target};
use domain::integrity::audit::verify_inclusion_file;
use domain::integrity::merkle::hash_to_hex;
use domain::text::{ArticleStatus, DiffChunk, DiffOp};
use projections::transparency::{inclusion_proof, latest_checkpoint};
use projections::views::amendments::AmendmentView;
use projections::views::bills::BillView;
use projections::views::tallies::Tallies;

use super::forms::FormState;
use super::session::Visitor;
use super::{problem_page, render, Chrome, Clock, Texts, When};
use crate::http::problem::Problem;
use crate::reads;
use crate::state::AppState;

fn clock(state: &AppState, visitor: &Visitor) -> Clock {
    Clock {
        zone: state.time_zone,
        lang: visitor.lang,
    }
}

fn parse_bill_id(raw: &str) -> Result<BillId, Problem> {
    BillId::parse(raw).map_err(|_| Problem::not_found(format!("`{raw}` is not a bill id (a UUID)")))
}

fn parse_article_id(raw: &str) -> Result<ArticleId, Problem> {
    ArticleId::parse(raw)
        .map_err(|_| Problem::not_found(format!("`{raw}` is not an article id (a UUID)")))
}

fn parse_amendment_id(raw: &str) -> Result<AmendmentId, Problem> {
    AmendmentId::parse(raw)
        .map_err(|_| Problem::not_found(format!("`{raw}` is not an amendment id (a UUID)")))
}

pub fn bill_href(id: BillId) -> String {
    format!("/bills/{id}")
}

pub fn article_href(bill: BillId, article: ArticleId) -> String {
    format!("/bills/{bill}/articles/{article}")
}

pub fn amendment_href(id: AmendmentId) -> String {
    format!("/amendments/{id}")
}

/// A bill's state in words, with the instant it depends on.
pub struct StateText {
    pub label: &'static str,
    pub when: Option<When>,
}

fn bill_state(
    t: &Texts,
    clock: Clock,
    bill: &BillView,
    now: chrono::DateTime<chrono::Utc>,
) -> StateText {
    let plain = |label| StateText { label, when: None };
    match (bill.state.as_str(), &bill.consultation) {
        ("adopted", _) => plain(t.state_adopted),
        ("withdrawn", _) => plain(t.state_withdrawn),
        ("consultation_closed", Some(w)) => StateText {
            label: t.state_closed_on,
            when: Some(clock.date(w.closed_early_at.unwrap_or(w.closes_at))),
        },
        (_, Some(w)) if now < w.opens_at => StateText {
            label: t.state_opens_on,
            when: Some(clock.date(w.opens_at)),
        },
        (_, Some(w)) if now < w.closes_at && w.closed_early_at.is_none() => StateText {
            label: t.state_open_until,
            when: Some(clock.date(w.closes_at)),
        },
        (_, Some(w)) => StateText {
            label: t.state_ended_on,
            when: Some(clock.date(w.closed_early_at.unwrap_or(w.closes_at))),
        },
        (_, None) => plain(t.state_drafted),
    }
}

fn total(c: VoteCounts) -> u64 {
    c.r#for + c.mixed + c.against + c.pass
}

pub struct Count {
    pub label: &'static str,
    pub value: u64,
}

/// A target's tallies: ballots cast here and imported counts, apart.
pub struct TallyView {
    pub ballots: Vec<Count>,
    pub imported: Option<Vec<Count>>,
    pub source: Option<String>,
}

fn counts(t: &Texts, c: VoteCounts) -> Vec<Count> {
    let mut list = vec![
        Count {
            label: t.choice_for,
            value: c.r#for,
        },
        Count {
            label: t.choice_mixed,
            value: c.mixed,
        },
        Count {
            label: t.choice_against,
            value: c.against,
        },
    ];
    if c.pass > 0 {
        list.push(Count {
            label: t.choice_pass,
            value: c.pass,
        });
    }
    list
}

fn tally_view(t: &Texts, tallies: &Tallies, target: &Target) -> TallyView {
    let published = tallies.published(target);
    TallyView {
        ballots: counts(t, tallies.ballots(target)),
        imported: published.map(|p| counts(t, p.counts)),
        source: published.map(|p| p.source.clone()),
    }
}

/// One piece of a word diff: `eq`, `ins` or `del`.
pub struct Chunk {
    pub kind: &'static str,
    pub text: String,
}

fn chunks(diff: &[DiffChunk]) -> Vec<Chunk> {
    diff.iter()
        .map(|c| Chunk {
            kind: match c.op {
                DiffOp::Equal => "eq",
                DiffOp::Insert => "ins",
                DiffOp::Delete => "del",
            },
            text: c.text.clone(),
        })
        .collect()
}

pub fn outcome_label(t: &Texts, outcome: DecisionOutcome) -> &'static str {
    match outcome {
        DecisionOutcome::Accepted => t.outcome_accepted,
        DecisionOutcome::AcceptedWithChanges => t.outcome_accepted_with_changes,
        DecisionOutcome::Rejected => t.outcome_rejected,
    }
}

fn amendment_state_label(t: &Texts, state: &str) -> &'static str {
    match state {
        "withdrawn" => t.state_amendment_withdrawn,
        "accepted" => t.outcome_accepted,
        "accepted_with_changes" => t.outcome_accepted_with_changes,
        "rejected" => t.outcome_rejected,
        "not_voted" => t.outcome_not_voted,
        _ => t.state_submitted,
    }
}

/// An amendment in a list: link, title, pseudonymous author, state, official response.
pub struct AmendmentRow {
    pub href: String,
    pub title: String,
    pub author: String,
    pub state: &'static str,
    pub response: Option<String>,
}

fn amendment_row(t: &Texts, a: &AmendmentView) -> AmendmentRow {
    AmendmentRow {
        href: amendment_href(a.id),
        title: a.title.clone(),
        author: a.author.as_str().to_string(),
        state: amendment_state_label(t, &a.state),
        response: a.decision.as_ref().map(|d| d.response.clone()),
    }
}

// ---------------------------------------------------------------- home

pub struct BillRow {
    pub href: String,
    pub title: String,
    pub state: StateText,
    pub versions: usize,
    pub articles: usize,
    pub amendments: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    figures: Vec<Count>,
    bills: Vec<BillRow>,
}

pub async fn home(State(state): State<AppState>, visitor: Visitor) -> Response {
    let t = visitor.lang.texts();
    let log_size = match state.store.log_size().await {
        Ok(size) => size,
        Err(e) => {
            tracing::error!(error = %e, "home: cannot read the log size");
            return problem_page(
                &state,
                &visitor,
                Problem::unavailable("the database does not answer", 5),
            );
        }
    };
    let now = state.clock.now();
    let clock = clock(&state, &visitor);
    let page = {
        let bills = state.views.bills.read();
        let amendments = state.views.amendments.read();
        let tallies = state.views.tallies.read();
        let (mut amendment_count, mut decisions, mut ballots, mut imported) = (0, 0, 0, 0);
        let mut rows = Vec::new();
        for bill in bills.model.bills() {
            let mut targets: Vec<Target> = bill
                .latest_version()
                .map(|v| v.articles.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|a| Target::Article {
                    bill_id: bill.id,
                    article_id: a.id,
                })
                .collect();
            for a in amendments.model.of_bill(bill.id) {
                decisions += u64::from(a.decision.is_some());
                targets.push(Target::Amendment { amendment_id: a.id });
            }
            for target in &targets {
                ballots += total(tallies.model.ballots(target));
                imported += tallies
                    .model
                    .published(target)
                    .map_or(0, |p| total(p.counts));
            }
            let listed = amendments.model.count_of_bill(bill.id);
            amendment_count += listed as u64;
            rows.push(BillRow {
                href: bill_href(bill.id),
                title: bill.title.clone(),
                state: bill_state(t, clock, bill, now),
                versions: bill.versions.len(),
                articles: bill.latest_version().map_or(0, |v| v.articles.len()),
                amendments: listed,
            });
        }
        HomePage {
            chrome: Chrome::new(&state, &visitor, t.home_title),
            figures: vec![
                Count {
                    label: t.figure_bills,
                    value: rows.len() as u64,
                },
                Count {
                    label: t.figure_amendments,
                    value: amendment_count,
                },
                Count {
                    label: t.figure_decisions,
                    value: decisions,
                },
                Count {
                    label: t.figure_ballots,
                    value: ballots,
                },
                Count {
                    label: t.figure_imported,
                    value: imported,
                },
                Count {
                    label: t.figure_events,
                    value: log_size,
                },
            ],
            bills: rows,
        }
    };
    render(&visitor, StatusCode::OK, &page)
}

// ---------------------------------------------------------------- bill

pub struct ArticleBlock {
    pub number: String,
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
    pub href: String,
    pub amendments: usize,
    pub decided: usize,
    pub ballots: u64,
    pub imported: Option<u64>,
}

pub struct EntryView {
    pub log_index: u64,
    pub summary: String,
    pub actor: String,
    pub href: Option<String>,
}

pub struct PointView {
    pub when: When,
    pub entries: Vec<EntryView>,
}

pub struct VersionInfo {
    pub number: u32,
    pub label: String,
    pub published: When,
}

pub struct Candidate {
    pub id: String,
    pub title: String,
    pub outcome: &'static str,
}

#[derive(Template)]
#[template(path = "bill.html")]
struct BillPage {
    chrome: Chrome,
    title: String,
    state: StateText,
    version: Option<VersionInfo>,
    articles: Vec<ArticleBlock>,
    timeline: Vec<PointView>,
    timeline_next: Option<String>,
    timeline_first: Option<String>,
    publish_action: String,
    next_version: u32,
    candidates: Vec<Candidate>,
    form: FormState,
}

pub async fn bill(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
) -> Response {
    bill_page(&state, &visitor, &raw, StatusCode::OK, FormState::default()).await
}

pub async fn bill_page(
    state: &AppState,
    visitor: &Visitor,
    raw: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    match build_bill_page(state, visitor, raw, form).await {
        Ok(page) => render(visitor, status, &page),
        Err(problem) => problem_page(state, visitor, problem),
    }
}

async fn build_bill_page(
    state: &AppState,
    visitor: &Visitor,
    raw: &str,
    form: FormState,
) -> Result<BillPage, Problem> {
    reads::views_after(state, &visitor.query).await?;
    let t = visitor.lang.texts();
    let clock = clock(state, visitor);
    let id = parse_bill_id(raw)?;
    let limit = reads::limit(&visitor.query)?;
    let cursor = reads::log_cursor(&visitor.query)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let timeline = state.views.timeline.read();
    let bill = reads::find_bill(&bills.model, id)?;
    let activity = reads::article_activity(&amendments.model, bill.id);
    let latest = bill.latest_version();
    let articles = latest
        .map(|v| v.articles.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let target = Target::Article {
                bill_id: bill.id,
                article_id: a.id,
            };
            let touched = activity.get(&a.id).copied().unwrap_or_default();
            ArticleBlock {
                number: a.number.clone(),
                heading: a.heading.clone(),
                paragraphs: a.paragraphs.clone(),
                href: article_href(bill.id, a.id),
                amendments: touched.amendments,
                decided: touched.decided,
                ballots: total(tallies.model.ballots(&target)),
                imported: tallies.model.published(&target).map(|p| total(p.counts)),
            }
        })
        .collect();
    let (points, more) = timeline.model.points(bill.id, cursor, limit);
    let timeline_next = more
        .then(|| points.last().and_then(|p| p.entries.last()))
        .flatten()
        .map(|e| {
            format!(
                "{}?cursor={}&limit={limit}#timeline",
                bill_href(bill.id),
                e.log_index
            )
        });
    let points = points
        .into_iter()
        .map(|p| PointView {
            when: clock.when(p.occurred_at),
            entries: p
                .entries
                .iter()
                .map(|e| EntryView {
                    log_index: e.log_index,
                    summary: e.summary.clone(),
                    actor: e.actor.clone(),
                    href: e
                        .amendment_id
                        .map(amendment_href)
                        .or_else(|| e.article_id.map(|a| article_href(bill.id, a))),
                })
                .collect(),
        })
        .collect();
    let candidates = amendments
        .model
        .of_bill(bill.id)
        .filter(|a| a.taken_in_by_versions.is_empty() && a.change != Change::WholeText)
        .filter_map(|a| {
            let outcome = a.decision.as_ref()?.outcome;
            (outcome != DecisionOutcome::Rejected).then(|| Candidate {
                id: a.id.to_string(),
                title: a.title.clone(),
                outcome: outcome_label(t, outcome),
            })
        })
        .collect();
    Ok(BillPage {
        chrome: Chrome::new(state, visitor, bill.title.clone()),
        title: bill.title.clone(),
        state: bill_state(t, clock, bill, state.clock.now()),
        version: latest.map(|v| VersionInfo {
            number: v.number,
            label: v.label.clone(),
            published: clock.when(&v.published_at),
        }),
        articles,
        timeline: points,
        timeline_next,
        timeline_first: (cursor > 0).then(|| format!("{}#timeline", bill_href(bill.id))),
        publish_action: format!("{}/versions", bill_href(bill.id)),
        next_version: bill.versions.len() as u32 + 1,
        candidates,
        form,
    })
}

// ---------------------------------------------------------------- article

pub struct ChangeView {
    pub version: u32,
    pub label: String,
    pub published: When,
    pub note: String,
    pub status: &'static str,
    pub number: Option<String>,
    pub heading: Option<String>,
    pub chunks: Vec<Chunk>,
    pub taken_in: Vec<AmendmentRow>,
}

pub struct BlameSpanView {
    pub text: String,
    pub version: u32,
    pub label: String,
}

/// Whether the bill takes votes, arguments and amendments now: forms that could only be
/// refused are not offered.
fn contributions_open(state: &AppState, bill: &BillView) -> bool {
    bill.consultation
        .as_ref()
        .is_some_and(|window| window.is_open_at(state.clock.now()))
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    chrome: Chrome,
    bill_title: String,
    bill_href: String,
    number: String,
    changes: Vec<ChangeView>,
    blame: Vec<BlameSpanView>,
    amendments: Vec<AmendmentRow>,
    tallies: TallyView,
    in_latest: bool,
    /// The bill's consultation is open now: the vote and amendment forms are offered.
    contributions_open: bool,
    vote_action: String,
    amend_action: String,
    form: FormState,
}

pub async fn article(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((bill, article)): Path<(String, String)>,
) -> Response {
    article_page(
        &state,
        &visitor,
        &bill,
        &article,
        StatusCode::OK,
        FormState::default(),
    )
    .await
}

pub async fn article_page(
    state: &AppState,
    visitor: &Visitor,
    bill: &str,
    article: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    match build_article_page(state, visitor, bill, article, form).await {
        Ok(page) => render(visitor, status, &page),
        Err(problem) => problem_page(state, visitor, problem),
    }
}

async fn build_article_page(
    state: &AppState,
    visitor: &Visitor,
    raw_bill: &str,
    raw_article: &str,
    form: FormState,
) -> Result<ArticlePage, Problem> {
    reads::views_after(state, &visitor.query).await?;
    let t = visitor.lang.texts();
    let clock = clock(state, visitor);
    let bill_id = parse_bill_id(raw_bill)?;
    let article_id = parse_article_id(raw_article)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = reads::find_bill(&bills.model, bill_id)?;
    let history = reads::article_changes(bill, &amendments.model, article_id);
    if history.is_empty() {
        return Err(Problem::not_found(format!(
            "article {article_id} is in no version of bill {bill_id}"
        )));
    }
    let number = history
        .iter()
        .rev()
        .find_map(|c| c.article.map(|a| a.number.clone()))
        .unwrap_or_default();
    let changes = history
        .iter()
        .rev()
        .map(|c| ChangeView {
            version: c.version.number,
            label: c.version.label.clone(),
            published: clock.when(&c.version.published_at),
            note: c.version.note.clone(),
            status: match c.diff.status {
                ArticleStatus::Inserted => t.status_inserted,
                ArticleStatus::Deleted => t.status_deleted,
                _ => t.status_modified,
            },
            number: c.article.map(|a| a.number.clone()),
            heading: c.article.and_then(|a| a.heading.clone()),
            chunks: chunks(&c.diff.chunks),
            taken_in: c.taken_in.iter().map(|a| amendment_row(t, a)).collect(),
        })
        .collect();
    let latest = bill.versions.len() as u32;
    let in_latest = bill
        .latest_version()
        .is_some_and(|v| v.articles.iter().any(|a| a.id == article_id));
    let blame = reads::blame(bill, article_id, latest)
        .map(|b| {
            b.spans()
                .into_iter()
                .map(|s| BlameSpanView {
                    text: s.text,
                    version: s.origin.version,
                    label: s.origin.label,
                })
                .collect()
        })
        .unwrap_or_default();
    let listed = amendments
        .model
        .of_bill(bill.id)
        .filter(|a| a.hidden.is_none() && a.article_id() == Some(article_id))
        .map(|a| amendment_row(t, a))
        .collect();
    let target = Target::Article {
        bill_id: bill.id,
        article_id,
    };
    let base = article_href(bill.id, article_id);
    Ok(ArticlePage {
        chrome: Chrome::new(
            state,
            visitor,
            format!("{} {number} — {}", t.article, bill.title),
        ),
        bill_title: bill.title.clone(),
        bill_href: bill_href(bill.id),
        number,
        changes,
        blame,
        amendments: listed,
        tallies: tally_view(t, &tallies.model, &target),
        in_latest,
        contributions_open: contributions_open(state, bill),
        vote_action: format!("{base}/vote"),
        amend_action: format!("{base}/amendments"),
        form,
    })
}

// ---------------------------------------------------------------- amendment

pub struct ArgumentRow {
    pub stance: &'static str,
    pub author: String,
    pub body: String,
    pub posted: When,
}

pub struct DecisionRow {
    pub outcome: &'static str,
    pub response: String,
    pub by: String,
    pub at: When,
}

pub struct CorrectionRow {
    pub response: String,
    pub reason: String,
    pub at: When,
}

#[derive(Template)]
#[template(path = "amendment.html")]
struct AmendmentPage {
    chrome: Chrome,
    title: String,
    bill_title: String,
    bill_href: String,
    change: String,
    article_href: Option<String>,
    origin: String,
    author: String,
    submitted: When,
    state: &'static str,
    base_version: u32,
    proposed: Option<Vec<String>>,
    diff: Option<Vec<Chunk>>,
    diff_error: Option<String>,
    rationale: String,
    arguments: Vec<ArgumentRow>,
    arguments_count: usize,
    arguments_next: Option<String>,
    arguments_first: Option<String>,
    tallies: TallyView,
    decision: Option<DecisionRow>,
    corrections: Vec<CorrectionRow>,
    not_voted_note: Option<String>,
    hidden: Option<String>,
    taken_in: String,
    /// The consultation is open now and the amendment is not hidden by moderation.
    contributions_open: bool,
    vote_action: String,
    argue_action: String,
    decide_action: String,
    form: FormState,
}

pub async fn amendment(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
) -> Response {
    amendment_page(&state, &visitor, &raw, StatusCode::OK, FormState::default()).await
}

pub async fn amendment_page(
    state: &AppState,
    visitor: &Visitor,
    raw: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    match build_amendment_page(state, visitor, raw, form).await {
        Ok(page) => render(visitor, status, &page),
        Err(problem) => problem_page(state, visitor, problem),
    }
}

async fn build_amendment_page(
    state: &AppState,
    visitor: &Visitor,
    raw: &str,
    form: FormState,
) -> Result<AmendmentPage, Problem> {
    reads::views_after(state, &visitor.query).await?;
    let t = visitor.lang.texts();
    let clock = clock(state, visitor);
    let id = parse_amendment_id(raw)?;
    let (offset, limit) = reads::page(&visitor.query)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let arguments = state.views.arguments.read();
    let a = reads::find_amendment(&amendments.model, id)?;
    let bill = bills.model.bill(a.bill_id);
    let label = |article: ArticleId| {
        bill.and_then(|b| b.article_label(article))
            .unwrap_or_else(|| article.to_string())
    };
    let change = match &a.change {
        Change::Modify { article_id } => format!("{} {}", t.change_modify, label(*article_id)),
        Change::Delete { article_id } => format!("{} {}", t.change_delete, label(*article_id)),
        Change::InsertAfter {
            article_id: Some(article_id),
        } => format!("{} {}", t.change_insert_after, label(*article_id)),
        Change::InsertAfter { article_id: None } => t.change_insert_first.to_string(),
        _ => t.change_whole_text.to_string(),
    };
    let origin = match &a.origin {
        Origin::Citizen => t.origin_citizen.to_string(),
        Origin::Government => t.origin_government.to_string(),
        Origin::Parliamentary { numbers } => format!(
            "{} ({})",
            t.origin_parliamentary,
            numbers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let (diff, diff_error) = reads::proposed_diff(&bills.model, a);
    let target = Target::Amendment { amendment_id: id };
    let standing: Vec<_> = reads::standing_arguments(&arguments.model, &target).collect();
    let arguments_count = standing.len();
    let end = offset.saturating_add(limit);
    let rows = standing
        .iter()
        .skip(offset)
        .take(limit)
        .map(|arg| ArgumentRow {
            stance: match arg.stance {
                Stance::For => t.stance_for,
                Stance::Against => t.stance_against,
                Stance::Neutral => t.stance_neutral,
            },
            author: arg.author.as_str().to_string(),
            body: arg.body.clone(),
            posted: clock.when(&arg.posted_at),
        })
        .collect();
    let href = amendment_href(id);
    Ok(AmendmentPage {
        chrome: Chrome::new(state, visitor, format!("{} — {}", t.amendment, a.title)),
        title: a.title.clone(),
        bill_title: bill.map(|b| b.title.clone()).unwrap_or_default(),
        bill_href: bill_href(a.bill_id),
        change,
        article_href: a
            .article_id()
            .map(|article| article_href(a.bill_id, article)),
        origin,
        author: a.author.as_str().to_string(),
        submitted: clock.when(&a.submitted_at),
        state: amendment_state_label(t, &a.state),
        base_version: a.base_version,
        proposed: a.proposed_text.clone(),
        diff: diff.map(|d| chunks(&d.chunks)),
        diff_error,
        rationale: a.rationale.clone(),
        arguments: rows,
        arguments_count,
        arguments_next: (end < arguments_count)
            .then(|| format!("{href}?cursor={end}&limit={limit}#arguments")),
        arguments_first: (offset > 0).then(|| format!("{href}#arguments")),
        tallies: tally_view(t, &tallies.model, &target),
        contributions_open: a.hidden.is_none()
            && bill.is_some_and(|b| contributions_open(state, b)),
        decision: a.decision.as_ref().map(|d| DecisionRow {
            outcome: outcome_label(t, d.outcome),
            response: d.response.clone(),
            by: d.decided_by.as_str().to_string(),
            at: clock.when(&d.decided_at),
        }),
        corrections: a
            .responses
            .iter()
            .filter_map(|r| {
                r.correction_reason.as_ref().map(|reason| CorrectionRow {
                    response: r.response.clone(),
                    reason: reason.clone(),
                    at: clock.when(&r.published_at),
                })
            })
            .collect(),
        not_voted_note: a.not_voted_note.clone(),
        hidden: a.hidden.as_ref().map(|h| h.reason.clone()),
        taken_in: a
            .taken_in_by_versions
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        vote_action: format!("{href}/vote"),
        argue_action: format!("{href}/arguments"),
        decide_action: format!("{href}/decision"),
        form,
    })
}

// ---------------------------------------------------------------- audit

pub struct CheckpointView {
    pub size: u64,
    pub root: String,
    pub signed: When,
    pub note: String,
}

pub struct InclusionView {
    pub ok: bool,
    pub message: String,
    pub event: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    checkpoint: Option<CheckpointView>,
    public_key: String,
    base_url: String,
    log_index: String,
    log_index_error: Option<&'static str>,
    inclusion: Option<InclusionView>,
}

/// The latest checkpoint, the key, the offline commands, and `?log_index=N`: the event's
/// inclusion proof in the latest checkpoint, checked with the CLI's verifier.
pub async fn audit(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
) -> Response {
    let t = visitor.lang.texts();
    let clock = clock(&state, &visitor);
    let latest = match latest_checkpoint(&state.store).await {
        Ok(latest) => latest,
        Err(e) => {
            tracing::error!(error = %e, "audit page: cannot read checkpoints");
            return problem_page(&state, &visitor, Problem::internal());
        }
    };
    let key = state.signer.verifier_key();
    let raw_index = visitor.query.get("log_index").cloned().unwrap_or_default();
    let mut log_index_error = None;
    let mut inclusion = None;
    if !raw_index.trim().is_empty() {
        match raw_index.trim().parse::<u64>() {
            Ok(index) if index >= 1 => {
                inclusion = Some(match &latest {
                    None => InclusionView {
                        ok: false,
                        message: t.no_checkpoint.to_string(),
                        event: None,
                    },
                    Some(checkpoint) => check_inclusion(&state, index, checkpoint, &key).await,
                });
            }
            _ => log_index_error = Some(t.log_index_invalid),
        }
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost:8080");
    let scheme = if visitor.secure { "https" } else { "http" };
    let page = AuditPage {
        chrome: Chrome::new(&state, &visitor, t.audit_title),
        checkpoint: latest.as_ref().map(|c| CheckpointView {
            size: c.size,
            root: hash_to_hex(&c.root),
            signed: clock.when(&c.signed_at),
            note: c.note.clone(),
        }),
        public_key: key.to_string(),
        base_url: format!("{scheme}://{host}"),
        log_index: raw_index,
        log_index_error,
        inclusion,
    };
    let status = if log_index_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render(&visitor, status, &page)
}

async fn check_inclusion(
    state: &AppState,
    index: u64,
    checkpoint: &projections::transparency::StoredCheckpoint,
    key: &domain::integrity::checkpoint::VerifierKey,
) -> InclusionView {
    let failed = |message: String| InclusionView {
        ok: false,
        message,
        event: None,
    };
    let proof = match inclusion_proof(&state.store, index, checkpoint.size).await {
        Ok(proof) => proof,
        Err(e) => return failed(e.to_string()),
    };
    let event = format!(
        "#{} {}/{} · {} #{} · {}",
        proof.log_index,
        proof.event.stream_type,
        proof.event.stream_id,
        proof.event.event_type,
        proof.event.sequence,
        proof.event.hash
    );
    // The proof as the API serves it and the CLI reads it, checked by the same function.
    let json = match serde_json::to_string(&proof) {
        Ok(json) => json,
        Err(e) => return failed(e.to_string()),
    };
    match verify_inclusion_file(&json, &checkpoint.note, key) {
        Ok(verified) => InclusionView {
            ok: true,
            message: format!(
                "{} / {} ({})",
                proof.log_index, verified.size, verified.origin
            ),
            event: Some(event),
        },
        Err(message) => InclusionView {
            ok: false,
            message,
            event: Some(event),
        },
    }
}
