//! The read pages: each gathers its facts from the live views through `crate::reads` (as the
//! JSON routes do) into a small view model of plain strings, which its template shows escaped.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::amendment::{Change, DecisionOutcome, Origin};
use domain::argument::Stance;
use domain::ballot::{Choice, VoteCounts};
use domain::ids::{AmendmentId, ArticleId, BillId, Target};
use domain::integrity::audit::verify_inclusion_file;
use domain::integrity::merkle::hash_to_hex;
use domain::text::{ArticleStatus, DiffChunk, DiffOp};
use projections::transparency::{inclusion_proof, latest_checkpoint, TransparencyError};
use projections::views::amendments::AmendmentView;
use projections::views::bills::BillView;
use projections::views::tallies::Tallies;

use super::forms::FormState;
use super::session::Visitor;
use super::{problem_page, render, Chrome, Clock, Lang, Texts, When};
use crate::http::problem::Problem;
use crate::reads;
use crate::state::{AppState, PublicUrl};

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

/// A labelled figure; the value is formatted for the language (thousands separator).
pub struct Count {
    pub label: &'static str,
    pub value: String,
}

/// A target's tallies: ballots cast here and imported counts, apart.
pub struct TallyView {
    pub ballots: Vec<Count>,
    pub imported: Option<Vec<Count>>,
    pub source: Option<String>,
    /// The signed-in person's current vote on this target, if any.
    pub mine: Option<&'static str>,
}

fn counts(lang: Lang, c: VoteCounts) -> Vec<Count> {
    let t = lang.texts();
    let count = |label, value| Count {
        label,
        value: lang.number(value),
    };
    let mut list = vec![
        count(t.choice_for, c.r#for),
        count(t.choice_mixed, c.mixed),
        count(t.choice_against, c.against),
    ];
    if c.pass > 0 {
        list.push(count(t.choice_pass, c.pass));
    }
    list
}

fn tally_view(visitor: &Visitor, tallies: &Tallies, target: &Target) -> TallyView {
    let lang = visitor.lang;
    let t = lang.texts();
    let published = tallies.published(target);
    let mine = visitor.session.as_ref().and_then(|session| {
        let ballot = domain::ids::BallotId::for_vote(&session.actor.participant, target);
        tallies.current_choice(&ballot).map(|choice| match choice {
            Choice::For => t.choice_for,
            Choice::Mixed => t.choice_mixed,
            Choice::Against => t.choice_against,
            Choice::Pass => t.choice_pass,
        })
    });
    TallyView {
        ballots: counts(lang, tallies.ballots(target)),
        imported: published.map(|p| counts(lang, p.counts)),
        source: published.map(|p| p.source.clone()),
        mine,
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
    /// "2 versions", "1 article", …: counted, in the page's language.
    pub versions: String,
    pub articles: String,
    pub amendments: String,
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
            let lang = visitor.lang;
            rows.push(BillRow {
                href: bill_href(bill.id),
                title: bill.title.clone(),
                state: bill_state(t, clock, bill, now),
                versions: lang.count(bill.versions.len() as u64, &t.n_versions),
                articles: lang.count(
                    bill.latest_version().map_or(0, |v| v.articles.len()) as u64,
                    &t.n_articles,
                ),
                amendments: lang.count(listed as u64, &t.n_amendments),
            });
        }
        HomePage {
            chrome: Chrome::new(&state, &visitor, t.home_title),
            figures: [
                (rows.len() as u64, &t.n_bills),
                (amendment_count, &t.n_amendments_and_contributions),
                (decisions, &t.n_official_decisions),
                (ballots, &t.n_votes_cast_here),
                (imported, &t.n_imported_votes_figure),
                (log_size, &t.n_log_events),
            ]
            .into_iter()
            .map(|(value, noun)| Count {
                label: visitor.lang.noun(value, noun),
                value: visitor.lang.number(value),
            })
            .collect(),
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
    /// "1 amendement", "2 décisions", …: counted, in the page's language.
    pub amendments: String,
    pub decided: String,
    pub ballots: String,
    pub imported: Option<String>,
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
    let lang = visitor.lang;
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
                amendments: lang.count(touched.amendments as u64, &t.n_amendments),
                decided: lang.count(touched.decided as u64, &t.n_decisions),
                ballots: lang.count(total(tallies.model.ballots(&target)), &t.n_votes),
                imported: tallies
                    .model
                    .published(&target)
                    .map(|p| lang.count(total(p.counts), &t.n_imported_votes)),
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
                    summary: clock.instants_in_text(&e.summary),
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
        tallies: tally_view(visitor, &tallies.model, &target),
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
    /// "Author (pseudonym)" for a citizen; "Author" for a deputy, a senator, the government.
    author_label: &'static str,
    author: String,
    submitted: When,
    state: &'static str,
    base_version: u32,
    proposed: Option<Vec<String>>,
    diff: Option<Vec<Chunk>>,
    diff_error: Option<String>,
    rationale: String,
    arguments: Vec<ArgumentRow>,
    arguments_total: String,
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
        author_label: match a.origin {
            Origin::Citizen => t.author,
            Origin::Government | Origin::Parliamentary { .. } => t.author_named,
        },
        author: a.author.as_str().to_string(),
        submitted: clock.when(&a.submitted_at),
        state: amendment_state_label(t, &a.state),
        base_version: a.base_version,
        proposed: a.proposed_text.clone(),
        diff: diff.map(|d| chunks(&d.chunks)),
        diff_error,
        rationale: a.rationale.clone(),
        arguments: rows,
        arguments_total: visitor.lang.number(arguments_count as u64),
        arguments_next: (end < arguments_count)
            .then(|| format!("{href}?cursor={end}&limit={limit}#arguments")),
        arguments_first: (offset > 0).then(|| format!("{href}#arguments")),
        tallies: tally_view(visitor, &tallies.model, &target),
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
    /// Formatted for the language.
    pub size: String,
    pub root: String,
    pub signed: When,
    pub note: String,
}

/// What checking an event's inclusion found. Only `Failed` says the log may have been altered;
/// the others are ordinary states of a log that grows between checkpoints.
pub enum Inclusion {
    /// The proof verifies against the latest signed checkpoint.
    Verified { summary: String, event: String },
    /// The event exists but is newer than the latest checkpoint.
    NotYetCovered { message: String },
    /// No event has this index (yet).
    NoSuchEvent { message: String },
    /// No checkpoint has been signed yet.
    NoCheckpoint,
    /// The proof could not be computed (the database did not answer): nothing was checked.
    Unavailable,
    /// The proof does not verify: the verifier's message (English) and the event, if read.
    Failed {
        message: String,
        event: Option<String>,
    },
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    checkpoint: Option<CheckpointView>,
    public_key: String,
    /// The `curl` commands fetching the checkpoint, the key and a proof.
    fetch_commands: String,
    /// No public URL is configured: the commands use `$PALIMPSEST_URL`, explained.
    url_placeholder: bool,
    log_index: String,
    log_index_error: Option<&'static str>,
    inclusion: Option<Inclusion>,
}

/// The `curl` commands of the audit page, against the configured public URL, or else against
/// `$PALIMPSEST_URL`, which the page asks the reader to set.
///
/// Why not the request's `Host`: it is whatever the client sent (`Host: evil.example` would make
/// the page print commands fetching another site's checkpoint and key, and a cache or a shared
/// link would pass them on), and checking it against the listen address does not help, since
/// behind a reverse proxy the public name is never the listen address. Only the operator knows
/// the public address; without it, a placeholder is honest.
fn fetch_commands(public_url: Option<&PublicUrl>) -> String {
    let (open, base, close) = match public_url {
        // PublicUrl admits no quote, so single quotes keep the shell from reading anything.
        Some(url) => ("'", url.as_str(), "'"),
        None => ("\"", "$PALIMPSEST_URL", "\""),
    };
    [
        ("checkpoint.txt", "/api/v1/log/checkpoint"),
        ("public-key.vkey", "/api/v1/log/public-key"),
        ("proof.json", "/api/v1/log/proof/inclusion?log_index=1"),
    ]
    .iter()
    .map(|(file, path)| format!("curl -o {file} {open}{base}{path}{close}"))
    .collect::<Vec<_>>()
    .join("\n")
}

/// The latest checkpoint, the key, the offline commands, and `?log_index=N`: the event's
/// inclusion proof in the latest checkpoint, checked with the CLI's verifier.
pub async fn audit(State(state): State<AppState>, visitor: Visitor) -> Response {
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
                inclusion =
                    Some(check_inclusion(&state, visitor.lang, index, latest.as_ref(), &key).await);
            }
            _ => log_index_error = Some(t.log_index_invalid),
        }
    }
    let status =
        if log_index_error.is_some() || matches!(inclusion, Some(Inclusion::NoSuchEvent { .. })) {
            StatusCode::BAD_REQUEST
        } else if matches!(inclusion, Some(Inclusion::Unavailable)) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
    let page = AuditPage {
        chrome: Chrome::new(&state, &visitor, t.audit_title),
        checkpoint: latest.as_ref().map(|c| CheckpointView {
            size: visitor.lang.number(c.size),
            root: hash_to_hex(&c.root),
            signed: clock.when(&c.signed_at),
            note: c.note.clone(),
        }),
        public_key: key.to_string(),
        fetch_commands: fetch_commands(state.public_url.as_ref()),
        url_placeholder: state.public_url.is_none(),
        log_index: raw_index,
        log_index_error,
        inclusion,
    };
    render(&visitor, status, &page)
}

async fn check_inclusion(
    state: &AppState,
    lang: Lang,
    index: u64,
    latest: Option<&projections::transparency::StoredCheckpoint>,
    key: &domain::integrity::checkpoint::VerifierKey,
) -> Inclusion {
    let t = lang.texts();
    let log_size = match state.store.log_size().await {
        Ok(size) => size,
        Err(e) => {
            tracing::error!(error = %e, "audit page: cannot read the log size");
            return Inclusion::Unavailable;
        }
    };
    if index > log_size {
        return Inclusion::NoSuchEvent {
            message: t
                .inclusion_beyond_log
                .replace("{index}", &lang.number(index))
                .replace("{size}", &lang.number(log_size)),
        };
    }
    let Some(checkpoint) = latest else {
        return Inclusion::NoCheckpoint;
    };
    if index > checkpoint.size {
        return Inclusion::NotYetCovered {
            message: t
                .inclusion_pending
                .replace("{size}", &lang.number(checkpoint.size)),
        };
    }
    let proof = match inclusion_proof(&state.store, index, checkpoint.size).await {
        Ok(proof) => proof,
        Err(TransparencyError::Store(e)) => {
            tracing::error!(error = %e, "audit page: cannot compute an inclusion proof");
            return Inclusion::Unavailable;
        }
        // A damaged tree, or a proof that does not verify against the signed root.
        Err(e) => {
            return Inclusion::Failed {
                message: e.to_string(),
                event: None,
            }
        }
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
        Err(e) => {
            return Inclusion::Failed {
                message: e.to_string(),
                event: Some(event),
            }
        }
    };
    match verify_inclusion_file(&json, &checkpoint.note, key) {
        Ok(verified) => Inclusion::Verified {
            summary: format!(
                "{} / {} ({})",
                lang.number(proof.log_index),
                lang.number(verified.size),
                verified.origin
            ),
            event,
        },
        Err(message) => Inclusion::Failed {
            message,
            event: Some(event),
        },
    }
}
