//! Read routes, answered from the live views. Lists are `{"items": [...], "next": CURSOR}`
//! continued with `?cursor=`; `limit` defaults to 50 (at most 500).
//!
//! Read-your-writes: every read route accepts `?after=LOG_INDEX` (the `log_index` a write
//! answered with) and then waits, at most `wait_ms` (default 2000, at most 10000), until every
//! view includes it; if they do not, it answers 503 saying how far behind they are.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use domain::ballot::VoteCounts;
use domain::bill::ConsultationWindow;
use domain::ids::{ArticleId, BillId, Target};
use domain::text::{diff_bills, Article, ArticleStatus};
use projections::views::amendments::AmendmentView;
use projections::views::arguments::Arguments;
use projections::views::bills::{BillView, Bills, VersionView};
use projections::views::tallies::Tallies;
use serde_json::{json, Value};

use super::openapi::answers::{AmendmentPage, ArgumentPage, BillPage, BillTallies};
use super::openapi::{
    answers, After, AmendmentFilter, ArticleFilter, BlameQuery, DiffQuery, ListProblems, Page,
    Paging, ReadProblems, ServiceProblems, StanceFilter,
};
use super::write::{amendment_id, bill_id};
use crate::http::problem::Problem;
pub(super) use crate::reads::views_after;
use crate::reads::{self, limit, page, DEFAULT_LIMIT};
use crate::state::AppState;

type Answer = Result<Json<Value>, Problem>;
pub(super) type Params = Query<HashMap<String, String>>;

fn paged(items: Vec<Value>, offset: usize, limit: usize) -> Value {
    let total = items.len();
    let end = offset.saturating_add(limit);
    let next = (end < total).then(|| end.to_string());
    let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    json!({ "items": items, "next": next })
}

/// A consultation window in the organisation's time zone (each instant with the offset it has
/// that day, so an end on a clock-change day reads as people's clocks show it).
fn local_window(window: &ConsultationWindow, zone: chrono_tz::Tz) -> Value {
    let local = |at: &chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&zone)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    json!({
        "time_zone": zone.name(),
        "opens_at": local(&window.opens_at),
        "closes_at": local(&window.closes_at),
        "closed_early_at": window.closed_early_at.as_ref().map(local),
    })
}

/// The optional `?article=` filter.
fn article_param(params: &HashMap<String, String>) -> Result<Option<ArticleId>, Problem> {
    params
        .get("article")
        .map(|a| {
            ArticleId::parse(a).map_err(|_| {
                Problem::bad_request(format!("`article={a}` is not an article id (a UUID)"))
            })
        })
        .transpose()
}

/// Counts as the API shows them: `pass` always present (the event JSON omits it at zero).
fn counts(c: VoteCounts) -> Value {
    json!({"for": c.r#for, "mixed": c.mixed, "against": c.against, "pass": c.pass})
}

/// A target's tallies, the two sources kept apart and labelled.
fn tallies_json(tallies: &Tallies, target: &Target) -> Value {
    let published = tallies.published(target);
    json!({
        "ballots": counts(tallies.ballots(target)),
        "imported": published.map(|t| counts(t.counts)),
        "imported_source": published.map(|t| t.source.clone()),
    })
}

fn find_bill<'a>(bills: &'a Bills, raw: &str) -> Result<&'a BillView, Problem> {
    reads::find_bill(bills, bill_id(raw)?)
}

fn article_json(article: &Article) -> Value {
    json!({
        "id": article.id,
        "number": article.number,
        "heading": article.heading,
        "text": article.text(),
        "paragraphs": article.paragraphs,
    })
}

fn amendment_summary(a: &AmendmentView) -> Value {
    json!({
        "id": a.id,
        "title": a.title,
        "state": a.state,
        "change": a.change,
        "article_id": a.article_id(),
        "origin": a.origin,
        "author": a.author,
        "submitted_at": a.submitted_at,
    })
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    summary = "Liveness: the backend, the log's size and the views' position",
    responses((status = 200, description = "The service is up and every projection is running", body = answers::Health), ServiceProblems),
)]
pub async fn health(State(state): State<AppState>) -> Answer {
    let log_size = state.store.log_size().await.map_err(|e| {
        tracing::error!(error = %e, "health: cannot read the log");
        Problem::unavailable("the database does not answer", 5)
    })?;
    let statuses = state.views.statuses();
    if let Some((name, failure)) = statuses
        .iter()
        .find_map(|s| s.failure.as_ref().map(|f| (s.name, f)))
    {
        return Err(Problem::unavailable(
            format!(
                "projection `{name}` stopped at log index {}: {}; see GET /api/v1/projections",
                failure.log_index, failure.message
            ),
            30,
        ));
    }
    Ok(Json(json!({
        "status": "ok",
        "backend": state.store.backend_name(),
        "log_size": log_size,
        "views_position": state.views.position(),
    })))
}

/// Every projection: how far it has folded the log, its lag, and why it stopped if it did.
#[utoipa::path(
    get,
    path = "/projections",
    tag = "service",
    summary = "Each projection's position, lag, generation and the event it stopped on, if any",
    responses((status = 200, description = "The projections", body = Object), ServiceProblems),
)]
pub async fn projections(State(state): State<AppState>) -> Answer {
    let log_size = state
        .store
        .log_size()
        .await
        .map_err(|_| Problem::unavailable("the database does not answer", 5))?;
    let items: Vec<Value> = state
        .views
        .statuses()
        .into_iter()
        .map(|s| {
            json!({
                "name": s.name,
                "position": s.position,
                "lag": log_size.saturating_sub(s.position),
                "generation": s.generation,
                "state": if s.failure.is_some() { "stopped" } else { "running" },
                "failure": s.failure,
            })
        })
        .collect();
    Ok(Json(json!({ "log_size": log_size, "projections": items })))
}

#[utoipa::path(
    get,
    path = "/bills",
    tag = "bills",
    summary = "The bills",
    params(Paging, After),
    responses((status = 200, description = "A page of bills", body = BillPage), ListProblems),
)]
pub async fn list_bills(State(state): State<AppState>, Query(params): Params) -> Answer {
    views_after(&state, &params).await?;
    let (offset, limit) = page(&params)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let items = bills
        .model
        .bills()
        .map(|b| {
            json!({
                "id": b.id,
                "title": b.title,
                "state": b.state,
                "consultation": b.consultation,
                "consultation_local": b.consultation.as_ref().map(|w| local_window(w, state.time_zone)),
                "latest_version": b.latest_version().map(|v| v.number),
                "amendments": amendments.model.count_of_bill(b.id),
            })
        })
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

#[utoipa::path(
    get,
    path = "/bills/{bill_id}",
    tag = "bills",
    summary = "A bill with its latest articles, their amendments and tallies",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), After),
    responses((status = 200, description = "The bill", body = answers::Bill), ReadProblems),
)]
pub async fn bill(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = find_bill(&bills.model, &raw)?;
    let latest = bill.latest_version();
    let per_article = reads::article_activity(&amendments.model, bill.id);
    let articles: Vec<Value> = latest
        .map(|v| v.articles.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let activity = per_article.get(&a.id).copied().unwrap_or_default();
            let target = Target::Article {
                bill_id: bill.id,
                article_id: a.id,
            };
            json!({
                "id": a.id,
                "number": a.number,
                "heading": a.heading,
                "amendments": activity.amendments,
                "decided_amendments": activity.decided,
                "tallies": tallies_json(&tallies.model, &target),
            })
        })
        .collect();
    Ok(Json(json!({
        "id": bill.id,
        "title": bill.title,
        "state": bill.state,
        "drafted_at": bill.drafted_at,
        "consultation": bill.consultation,
        "consultation_local": bill.consultation.as_ref().map(|w| local_window(w, state.time_zone)),
        "failed_steps": bill.failed_steps,
        "versions": bill.versions.len(),
        "latest_version": latest.map(|v| json!({"number": v.number, "label": v.label, "published_at": v.published_at})),
        "amendments": amendments.model.count_of_bill(bill.id),
        "articles": articles,
    })))
}

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/versions",
    tag = "bills",
    summary = "The bill's versions (1 = first)",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), Paging, After),
    responses((status = 200, description = "A page of versions", body = Page), ReadProblems),
)]
pub async fn versions(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let (offset, limit) = page(&params)?;
    let bills = state.views.bills.read();
    let bill = find_bill(&bills.model, &raw)?;
    let items = bill
        .versions
        .iter()
        .map(|v| {
            json!({
                "number": v.number,
                "label": v.label,
                "note": v.note,
                "published_at": v.published_at,
                "log_index": v.log_index,
                "articles": v.articles.len(),
                "changed_articles_with_provenance": v.provenance.len(),
            })
        })
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

fn version_number(raw: &str) -> Result<u32, Problem> {
    raw.parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| Problem::not_found(format!("`{raw}` is not a version number (1 = first)")))
}

/// A version number given in the query (`from`, `to`, `version`): malformed is a 400, naming
/// the parameter (a number in the path that is not a version is a 404, like any unknown id).
fn version_param(params: &HashMap<String, String>, key: &str) -> Result<Option<u32>, Problem> {
    params
        .get(key)
        .map(|raw| {
            raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Problem::bad_request(format!(
                    "`{key}={raw}` must be a version number (a whole number, 1 = first)"
                ))
            })
        })
        .transpose()
}

fn find_version(bill: &BillView, number: u32) -> Result<&VersionView, Problem> {
    bill.version(number).ok_or_else(|| {
        Problem::not_found(format!(
            "bill {} has versions 1 to {}, not {number}",
            bill.id,
            bill.versions.len()
        ))
    })
}

/// An amendment as provenance shows it: who, what support, what answer.
fn contribution_json(a: &AmendmentView, tallies: &Tallies) -> Value {
    let mut value = amendment_summary(a);
    value["decision"] = serde_json::to_value(&a.decision).unwrap_or(Value::Null);
    value["tallies"] = tallies_json(tallies, &Target::Amendment { amendment_id: a.id });
    value
}

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/versions/{number}",
    tag = "bills",
    summary = "One version's articles and provenance",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), ("number" = u32, Path, minimum = 1, description = "The version number (1 = first)"), After),
    responses((status = 200, description = "The version", body = answers::Version), ReadProblems),
)]
pub async fn version(
    State(state): State<AppState>,
    Path((raw, number)): Path<(String, String)>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = find_bill(&bills.model, &raw)?;
    let version = find_version(bill, version_number(&number)?)?;
    let provenance: Vec<Value> = version
        .provenance
        .iter()
        .map(|p| {
            json!({
                "article_id": p.article_id,
                "amendments": p.amendments.iter().filter_map(|id| amendments.model.amendment(*id)).map(|a| contribution_json(a, &tallies.model)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({
        "bill_id": bill.id,
        "number": version.number,
        "label": version.label,
        "note": version.note,
        "published_at": version.published_at,
        "log_index": version.log_index,
        "articles": version.articles.iter().map(article_json).collect::<Vec<_>>(),
        "provenance": provenance,
    })))
}

/// For each article of a version: every earlier change that shaped it (version, label) and the
/// amendments and contributions each change took in, with author, support and response.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/versions/{number}/provenance",
    tag = "bills",
    summary = "For each article of a version, every change that shaped it and the contributions it took in",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), ("number" = u32, Path, minimum = 1, description = "The version number (1 = first)"), ArticleFilter, After),
    responses((status = 200, description = "The provenance of each article", body = Object), ReadProblems),
)]
pub async fn provenance(
    State(state): State<AppState>,
    Path((raw, number)): Path<(String, String)>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = find_bill(&bills.model, &raw)?;
    let version = find_version(bill, version_number(&number)?)?;
    let only = article_param(&params)?;
    let articles: Vec<Value> = version
        .articles
        .iter()
        .filter(|a| only.is_none_or(|o| o == a.id))
        .map(|article| {
            let shaped_by: Vec<Value> = bill
                .versions
                .iter()
                .take_while(|v| v.number <= version.number)
                .flat_map(|v| {
                    v.provenance
                        .iter()
                        .filter(|p| p.article_id == article.id)
                        .map(move |p| (v, p))
                })
                .map(|(v, p)| {
                    json!({
                        "version": v.number,
                        "label": v.label,
                        "published_at": v.published_at,
                        "amendments": p.amendments.iter().filter_map(|id| amendments.model.amendment(*id)).map(|a| contribution_json(a, &tallies.model)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "article_id": article.id,
                "number": article.number,
                "shaped_by": shaped_by,
            })
        })
        .collect();
    if let (Some(id), true) = (only, articles.is_empty()) {
        return Err(Problem::not_found(format!(
            "article {id} is not in version {} of bill {}",
            version.number, bill.id
        )));
    }
    Ok(Json(json!({
        "bill_id": bill.id,
        "version": version.number,
        "articles": articles,
    })))
}

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/diff",
    tag = "bills",
    summary = "Word-level diff between two versions, article by article by identity",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), DiffQuery, After),
    responses((status = 200, description = "The diff", body = Object), ReadProblems),
)]
pub async fn diff(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let bill = find_bill(&bills.model, &raw)?;
    let latest = bill.versions.len() as u32;
    let from = version_param(&params, "from")?.unwrap_or(1);
    let to = version_param(&params, "to")?.unwrap_or(latest);
    let (Some(old), Some(new)) = (bill.version(from), bill.version(to)) else {
        return Err(Problem::not_found(format!(
            "bill {} has versions 1 to {latest}; asked for {from} → {to}",
            bill.id
        )));
    };
    let only = article_param(&params)?;
    let include_unchanged = match params.get("unchanged").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Problem::bad_request(format!(
                "`unchanged={other}` must be true or false"
            )))
        }
    };
    // One comparison by article identity: content status, renumbering and moves.
    let articles: Vec<Value> = diff_bills(&old.articles, &new.articles)
        .into_iter()
        .filter(|d| only.is_none_or(|o| o == d.article_id))
        .filter(|d| {
            include_unchanged
                || only.is_some()
                || d.diff.status != ArticleStatus::Unchanged
                || d.renumbered.is_some()
                || d.moved
        })
        .map(|d| serde_json::to_value(&d).unwrap_or(Value::Null))
        .collect();
    if let Some(id) = only {
        if articles.is_empty() {
            return Err(Problem::not_found(format!(
                "article {id} is in neither version {from} nor version {to}"
            )));
        }
    }
    Ok(Json(json!({
        "bill_id": bill.id,
        "from": from,
        "to": to,
        "articles": articles,
    })))
}

/// A bill's timeline as points: the steps that share an instant, in log order. `limit` counts
/// points; the cursor is the log index of the last step returned.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/timeline",
    tag = "bills",
    summary = "Every step of the bill in log order; steps of one instant form one point",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), Paging, After),
    responses((status = 200, description = "A page of points; `limit` counts points, the cursor is a log index", body = Page), ReadProblems),
)]
pub async fn timeline(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let limit = limit(&params)?;
    let after = reads::log_cursor(&params)?;
    let id: BillId = bill_id(&raw)?;
    let timeline = state.views.timeline.read();
    if !timeline.model.has_bill(id) {
        return Err(Problem::not_found(format!("no bill has the id {id}")));
    }
    let (points, more) = timeline.model.points(id, after, limit);
    let next = more
        .then(|| points.last().and_then(|p| p.entries.last()))
        .flatten()
        .map(|e| e.log_index.to_string());
    Ok(Json(json!({ "items": points, "next": next })))
}

/// The amendment states a list can be filtered by.
const AMENDMENT_STATES: [&str; 6] = [
    "submitted",
    "withdrawn",
    "accepted",
    "accepted_with_changes",
    "rejected",
    "not_voted",
];

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/amendments",
    tag = "amendments",
    summary = "The bill's amendments (those hidden by moderation are left out)",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), AmendmentFilter, Paging, After),
    responses((status = 200, description = "A page of amendments", body = AmendmentPage), ReadProblems),
)]
pub async fn amendments(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let (offset, limit) = page(&params)?;
    let only = article_param(&params)?;
    let wanted_state = match params.get("state") {
        None => None,
        Some(s) if AMENDMENT_STATES.contains(&s.as_str()) => Some(s.as_str()),
        Some(s) => {
            return Err(Problem::bad_request(format!(
                "`state={s}` is not an amendment state; use one of {}",
                AMENDMENT_STATES.join(", ")
            )))
        }
    };
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let bill = find_bill(&bills.model, &raw)?;
    let items = amendments
        .model
        .of_bill(bill.id)
        // Moderation hides an amendment from the lists; it stays readable by its id.
        .filter(|a| a.hidden.is_none())
        .filter(|a| only.is_none() || a.article_id() == only)
        .filter(|a| wanted_state.is_none_or(|s| a.state == s))
        .map(amendment_summary)
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

#[utoipa::path(
    get,
    path = "/amendments/{amendment_id}",
    tag = "amendments",
    summary = "An amendment with its tallies, decision, responses, provenance and arguments",
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id"), After),
    responses((status = 200, description = "The amendment", body = answers::Amendment), ReadProblems),
)]
pub async fn amendment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let id = amendment_id(&raw)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let arguments = state.views.arguments.read();
    let a = reads::find_amendment(&amendments.model, id)?;
    let target = Target::Amendment { amendment_id: id };
    let arguments_count = arguments.model.on(&target).filter(|a| !a.withdrawn).count();
    let first_arguments = paged(argument_items(&arguments.model, &target), 0, DEFAULT_LIMIT);
    let (proposed_diff, proposed_diff_error) = reads::proposed_diff(&bills.model, a);
    Ok(Json(json!({
        "id": a.id,
        "bill_id": a.bill_id,
        "title": a.title,
        "state": a.state,
        "change": a.change,
        "article_id": a.article_id(),
        "origin": a.origin,
        "author": a.author,
        "base_version": a.base_version,
        "rationale": a.rationale,
        "proposed_text": a.proposed_text,
        "proposed_diff": proposed_diff,
        "proposed_diff_error": proposed_diff_error,
        "submitted_at": a.submitted_at,
        "decision": a.decision,
        "not_voted_note": a.not_voted_note,
        "hidden": a.hidden,
        "responses": a.responses,
        "tallies": tallies_json(&tallies.model, &target),
        "provenance": { "taken_in_by_versions": a.taken_in_by_versions },
        "arguments": first_arguments["items"],
        "arguments_count": arguments_count,
        // The rest: GET /amendments/{id}/arguments?cursor=…
        "arguments_next": first_arguments["next"],
    })))
}

/// The arguments standing on a target (withdrawn ones left out), in the order they were posted.
fn argument_items(arguments: &Arguments, target: &Target) -> Vec<Value> {
    reads::standing_arguments(arguments, target)
        .map(|arg| json!({"id": arg.id, "author": arg.author, "stance": arg.stance, "body": arg.body, "posted_at": arg.posted_at}))
        .collect()
}

/// An amendment's arguments, paged, in the order they were posted (`?stance=for|against|neutral`).
#[utoipa::path(
    get,
    path = "/amendments/{amendment_id}/arguments",
    tag = "participation",
    summary = "An amendment's arguments, in the order they were posted (withdrawn ones left out)",
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id"), StanceFilter, Paging, After),
    responses((status = 200, description = "A page of arguments", body = ArgumentPage), ReadProblems),
)]
pub async fn amendment_arguments(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let (offset, limit) = page(&params)?;
    let stance = match params.get("stance").map(String::as_str) {
        None => None,
        Some(s @ ("for" | "against" | "neutral")) => Some(s.to_string()),
        Some(other) => {
            return Err(Problem::bad_request(format!(
                "`stance={other}` is not a stance; use for, against or neutral"
            )))
        }
    };
    let id = amendment_id(&raw)?;
    if state.views.amendments.read().model.amendment(id).is_none() {
        return Err(Problem::not_found(format!("no amendment has the id {id}")));
    }
    let arguments = state.views.arguments.read();
    let target = Target::Amendment { amendment_id: id };
    let items = argument_items(&arguments.model, &target)
        .into_iter()
        .filter(|a| stance.as_deref().is_none_or(|s| a["stance"] == s))
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

/// Every tally of a bill: each article of the latest version and each amendment, ballots and
/// imported counts side by side, never summed.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/tallies",
    tag = "participation",
    summary = "Every tally of the bill: ballots and imported counts side by side, never summed",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), Paging, After),
    responses((status = 200, description = "The tallies; the amendments' are paged", body = BillTallies), ReadProblems),
)]
pub async fn tallies(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = find_bill(&bills.model, &raw)?;
    let articles: Vec<Value> = bill
        .latest_version()
        .map(|v| v.articles.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let target = Target::Article {
                bill_id: bill.id,
                article_id: a.id,
            };
            json!({ "article_id": a.id, "number": a.number, "tallies": tallies_json(&tallies.model, &target) })
        })
        .collect();
    // A bill's amendments can run to thousands: they are paged; its articles are not.
    let (offset, limit) = page(&params)?;
    let amendment_tallies: Vec<Value> = amendments
        .model
        .of_bill(bill.id)
        .map(|a| {
            let target = Target::Amendment { amendment_id: a.id };
            json!({ "amendment_id": a.id, "title": a.title, "tallies": tallies_json(&tallies.model, &target) })
        })
        .collect();
    let amendment_tallies = paged(amendment_tallies, offset, limit);
    Ok(Json(json!({
        "bill_id": bill.id,
        "rules": {
            "ballots": "one ballot per participant and target; the last vote counts; a retracted ballot counts nowhere",
            "imported": "counts published by the source, imported as they were published; never added to ballots",
        },
        "articles": articles,
        "amendments": amendment_tallies["items"],
        "next": amendment_tallies["next"],
    })))
}

#[utoipa::path(
    get,
    path = "/bills/{bill_id}/articles/{article_id}",
    tag = "bills",
    summary = "An article's history: each change with its diff and the amendments it took in",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), ("article_id" = uuid::Uuid, Path, description = "The article's id (stable across versions)"), After),
    responses((status = 200, description = "The article's history", body = Object), ReadProblems),
)]
pub async fn article_history(
    State(state): State<AppState>,
    Path((raw, article)): Path<(String, String)>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let bill = find_bill(&bills.model, &raw)?;
    let article_id = ArticleId::parse(&article)
        .map_err(|_| Problem::not_found(format!("`{article}` is not an article id (a UUID)")))?;
    let changes: Vec<Value> = reads::article_changes(bill, &amendments.model, article_id)
        .into_iter()
        .map(|change| {
            json!({
                "version": change.version.number,
                "label": change.version.label,
                "published_at": change.version.published_at,
                "note": change.version.note,
                "article": change.article.map(article_json),
                "diff": change.diff,
                "amendments_taken_in": change.taken_in.into_iter().map(|a| contribution_json(a, &tallies.model)).collect::<Vec<_>>(),
            })
        })
        .collect();
    if changes.is_empty() {
        return Err(Problem::not_found(format!(
            "article {article_id} is in no version of bill {}",
            bill.id
        )));
    }
    let listed: Vec<Value> = amendments
        .model
        .of_bill(bill.id)
        .filter(|a| a.article_id() == Some(article_id))
        .map(amendment_summary)
        .collect();
    let target = Target::Article {
        bill_id: bill.id,
        article_id,
    };
    Ok(Json(json!({
        "bill_id": bill.id,
        "article_id": article_id,
        "changes": changes,
        "amendments": listed,
        "tallies": tallies_json(&tallies.model, &target),
    })))
}

/// Attributes each word of an article in a version (default: the latest) to the version and
/// amendments that introduced it.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/articles/{article_id}/blame",
    tag = "bills",
    summary = "Each word of an article attributed to the version and amendments that introduced it",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), ("article_id" = uuid::Uuid, Path, description = "The article's id (stable across versions)"), BlameQuery, After),
    responses((status = 200, description = "The blame", body = Object), ReadProblems),
)]
pub async fn blame(
    State(state): State<AppState>,
    Path((raw, article)): Path<(String, String)>,
    Query(params): Params,
) -> Answer {
    views_after(&state, &params).await?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let bill = find_bill(&bills.model, &raw)?;
    let article_id = ArticleId::parse(&article)
        .map_err(|_| Problem::not_found(format!("`{article}` is not an article id (a UUID)")))?;
    let upto = match version_param(&params, "version")? {
        None => bill.versions.len() as u32,
        Some(v) => find_version(bill, v)?.number,
    };
    let blame = reads::blame(bill, article_id, upto);
    let blame = blame.ok_or_else(|| {
        Problem::not_found(format!(
            "article {article_id} is not in version {upto} of bill {}",
            bill.id
        ))
    })?;
    let mut cited = std::collections::BTreeSet::new();
    let spans: Vec<Value> = blame
        .spans()
        .into_iter()
        .map(|span| {
            cited.extend(span.origin.amendments.iter().copied());
            json!({ "text": span.text, "origin": span.origin })
        })
        .collect();
    let contributions: Vec<Value> = cited
        .into_iter()
        .filter_map(|id| amendments.model.amendment(id))
        .map(amendment_summary)
        .collect();
    Ok(Json(json!({
        "bill_id": bill.id,
        "article_id": article_id,
        "version": upto,
        "text": blame.text(),
        "spans": spans,
        "amendments": contributions,
    })))
}
