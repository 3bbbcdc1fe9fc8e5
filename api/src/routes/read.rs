//! Read routes, answered from the live read model. Lists are `{"items": [...], "next": CURSOR}`
//! continued with `?cursor=`; `limit` defaults to 50 (at most 500).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use domain::ballot::VoteCounts;
use domain::ids::{ArticleId, Target};
use domain::text::{diff_articles, Article, ArticleStatus};
use projections::read_model::{AmendmentView, BillView, ReadModel};
use serde_json::{json, Value};

use super::write::{amendment_id, bill_id};
use crate::http::problem::Problem;
use crate::state::AppState;

type Answer = Result<Json<Value>, Problem>;
type Params = Query<HashMap<String, String>>;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// Offset-style paging over an in-memory list; the cursor is the offset of the next item.
fn page(params: &HashMap<String, String>) -> Result<(usize, usize), Problem> {
    let offset = match params.get("cursor") {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            Problem::bad_request(format!("`cursor={c}` is not a cursor returned by this API"))
        })?,
    };
    Ok((offset, limit(params)?))
}

fn limit(params: &HashMap<String, String>) -> Result<usize, Problem> {
    match params.get("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Problem::bad_request(format!(
                "`limit={l}` must be a whole number from 1 to {MAX_LIMIT}"
            ))),
        },
    }
}

fn paged(items: Vec<Value>, offset: usize, limit: usize) -> Value {
    let total = items.len();
    let next = (offset + limit < total).then(|| (offset + limit).to_string());
    let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    json!({ "items": items, "next": next })
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

fn counts(c: VoteCounts) -> Value {
    json!({ "for": c.r#for, "mixed": c.mixed, "against": c.against })
}

fn find_bill<'a>(model: &'a ReadModel, raw: &str) -> Result<&'a BillView, Problem> {
    let id = bill_id(raw)?;
    model
        .bill(id)
        .ok_or_else(|| Problem::not_found(format!("no bill has the id {id}")))
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

pub async fn health(State(state): State<AppState>) -> Answer {
    let log_size = state.store.log_size().await.map_err(|e| {
        tracing::error!(error = %e, "health: cannot read the log");
        Problem::unavailable("the database does not answer", 5)
    })?;
    let position = state.read.read().position();
    let failure = state.read.failure();
    if let Some(failure) = &failure {
        return Err(Problem::unavailable(
            format!("the read model stopped: {failure}"),
            30,
        ));
    }
    Ok(Json(json!({
        "status": "ok",
        "backend": state.store.backend_name(),
        "log_size": log_size,
        "read_model_position": position,
    })))
}

pub async fn list_bills(State(state): State<AppState>, Query(params): Params) -> Answer {
    let (offset, limit) = page(&params)?;
    let model = state.read.read();
    let items = model
        .bills()
        .map(|b| {
            json!({
                "id": b.id,
                "title": b.title,
                "state": b.state,
                "consultation": b.consultation,
                "latest_version": b.latest_version().map(|v| v.number),
                "amendments": b.amendments.len(),
            })
        })
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

pub async fn bill(State(state): State<AppState>, Path(raw): Path<String>) -> Answer {
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let latest = bill.latest_version();
    let mut per_article: HashMap<ArticleId, (usize, usize)> = HashMap::new();
    for amendment in model.amendments_of(bill) {
        if let Some(article) = amendment.article_id() {
            let entry = per_article.entry(article).or_default();
            entry.0 += 1;
            entry.1 += usize::from(amendment.decision.is_some());
        }
    }
    let articles: Vec<Value> = latest
        .map(|v| v.articles.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let (amendments, decided) = per_article.get(&a.id).copied().unwrap_or_default();
            let target = Target::Article {
                bill_id: bill.id,
                article_id: a.id,
            };
            json!({
                "id": a.id,
                "number": a.number,
                "heading": a.heading,
                "amendments": amendments,
                "decided_amendments": decided,
                "tallies": {
                    "ballots": counts(model.ballot_tally(&target)),
                    "imported": bill.published_tallies.get(&a.id).map(|t| counts(t.counts)),
                },
            })
        })
        .collect();
    Ok(Json(json!({
        "id": bill.id,
        "title": bill.title,
        "state": bill.state,
        "drafted_at": bill.drafted_at,
        "consultation": bill.consultation,
        "versions": bill.versions.len(),
        "latest_version": latest.map(|v| json!({"number": v.number, "label": v.label, "published_at": v.published_at})),
        "amendments": bill.amendments.len(),
        "articles": articles,
    })))
}

pub async fn versions(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    let (offset, limit) = page(&params)?;
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
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

pub async fn version(
    State(state): State<AppState>,
    Path((raw, number)): Path<(String, String)>,
) -> Answer {
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let number = version_number(&number)?;
    let version = bill.version(number).ok_or_else(|| {
        Problem::not_found(format!(
            "bill {} has versions 1 to {}, not {number}",
            bill.id,
            bill.versions.len()
        ))
    })?;
    let provenance: Vec<Value> = version
        .provenance
        .iter()
        .map(|p| {
            json!({
                "article_id": p.article_id,
                "amendments": p.amendments.iter().filter_map(|id| model.amendment(*id)).map(amendment_summary).collect::<Vec<_>>(),
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

pub async fn diff(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let latest = bill.versions.len() as u32;
    let number = |key: &str, default: u32| -> Result<u32, Problem> {
        match params.get(key) {
            None => Ok(default),
            Some(v) => version_number(v),
        }
    };
    let from = number("from", 1)?;
    let to = number("to", latest)?;
    let (Some(old), Some(new)) = (bill.version(from), bill.version(to)) else {
        return Err(Problem::not_found(format!(
            "bill {} has versions 1 to {latest}; asked for {from} → {to}",
            bill.id
        )));
    };
    let only = article_param(&params)?;
    let include_unchanged = params.get("unchanged").is_some_and(|v| v == "true");
    let mut ids: Vec<ArticleId> = new.articles.iter().map(|a| a.id).collect();
    ids.extend(
        old.articles
            .iter()
            .map(|a| a.id)
            .filter(|id| !new.articles.iter().any(|n| n.id == *id)),
    );
    let articles: Vec<Value> =
        ids.into_iter()
            .filter(|id| only.is_none_or(|o| o == *id))
            .filter_map(|id| {
                let before = old.articles.iter().find(|a| a.id == id);
                let after = new.articles.iter().find(|a| a.id == id);
                let diff = diff_articles(before, after);
                (include_unchanged || only.is_some() || diff.status != ArticleStatus::Unchanged)
                    .then(|| {
                        let mut value = serde_json::to_value(&diff).unwrap_or(Value::Null);
                        value["article_id"] = json!(id);
                        value
                    })
            })
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

pub async fn timeline(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    let limit = limit(&params)?;
    let after: u64 = match params.get("cursor") {
        None => 0,
        Some(c) => c.parse().map_err(|_| {
            Problem::bad_request(format!("`cursor={c}` is not a cursor returned by this API"))
        })?,
    };
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let start = bill.timeline.partition_point(|e| e.log_index <= after);
    let items: Vec<Value> = bill.timeline[start..]
        .iter()
        .take(limit)
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    let next = (start + limit < bill.timeline.len())
        .then(|| bill.timeline[start + limit - 1].log_index.to_string());
    Ok(Json(json!({ "items": items, "next": next })))
}

pub async fn amendments(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Answer {
    let (offset, limit) = page(&params)?;
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let only = article_param(&params)?;
    let items = model
        .amendments_of(bill)
        .filter(|a| only.is_none() || a.article_id() == only)
        .map(amendment_summary)
        .collect();
    Ok(Json(paged(items, offset, limit)))
}

pub async fn amendment(State(state): State<AppState>, Path(raw): Path<String>) -> Answer {
    let model = state.read.read();
    let id = amendment_id(&raw)?;
    let a = model
        .amendment(id)
        .ok_or_else(|| Problem::not_found(format!("no amendment has the id {id}")))?;
    let target = Target::Amendment { amendment_id: id };
    let arguments: Vec<Value> = model
        .arguments_on(&target)
        .filter(|arg| !arg.withdrawn)
        .map(|arg| json!({"id": arg.id, "author": arg.author, "stance": arg.stance, "body": arg.body, "posted_at": arg.posted_at}))
        .collect();
    let bill = model.bill(a.bill_id);
    let base_article = bill.and_then(|b| b.version(a.base_version)).and_then(|v| {
        a.article_id()
            .and_then(|id| v.articles.iter().find(|x| x.id == id))
    });
    let proposed_diff = match (&a.proposed_text, base_article) {
        (Some(text), Some(base)) => {
            let proposed = Article {
                paragraphs: text.clone(),
                ..base.clone()
            };
            Some(diff_articles(Some(base), Some(&proposed)))
        }
        _ => None,
    };
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
        "submitted_at": a.submitted_at,
        "decision": a.decision,
        "tallies": {
            "ballots": counts(model.ballot_tally(&target)),
            "imported": a.published_tally.as_ref().map(|t| counts(t.counts)),
            "imported_source": a.published_tally.as_ref().map(|t| t.source.clone()),
        },
        "provenance": { "taken_in_by_versions": a.taken_in_by_versions },
        "arguments": arguments,
    })))
}

pub async fn article_history(
    State(state): State<AppState>,
    Path((raw, article)): Path<(String, String)>,
) -> Answer {
    let model = state.read.read();
    let bill = find_bill(&model, &raw)?;
    let article_id = ArticleId::parse(&article)
        .map_err(|_| Problem::not_found(format!("`{article}` is not an article id (a UUID)")))?;
    let mut previous: Option<&Article> = None;
    let mut changes = Vec::new();
    for version in &bill.versions {
        let current = version.articles.iter().find(|a| a.id == article_id);
        let diff = diff_articles(previous, current);
        if diff.status != ArticleStatus::Unchanged && (previous.is_some() || current.is_some()) {
            let taken_in: Vec<Value> = version
                .provenance
                .iter()
                .filter(|p| p.article_id == article_id)
                .flat_map(|p| &p.amendments)
                .filter_map(|id| model.amendment(*id))
                .map(|a| {
                    let mut v = amendment_summary(a);
                    v["decision"] = serde_json::to_value(&a.decision).unwrap_or(Value::Null);
                    v["imported_tally"] =
                        json!(a.published_tally.as_ref().map(|t| counts(t.counts)));
                    v
                })
                .collect();
            changes.push(json!({
                "version": version.number,
                "label": version.label,
                "published_at": version.published_at,
                "note": version.note,
                "article": current.map(article_json),
                "diff": diff,
                "amendments_taken_in": taken_in,
            }));
        }
        if current.is_some() || previous.is_some() {
            previous = current;
        }
    }
    if changes.is_empty() {
        return Err(Problem::not_found(format!(
            "article {article_id} is in no version of bill {}",
            bill.id
        )));
    }
    let amendments: Vec<Value> = model
        .amendments_of(bill)
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
        "amendments": amendments,
        "tallies": {
            "ballots": counts(model.ballot_tally(&target)),
            "imported": bill.published_tallies.get(&article_id).map(|t| counts(t.counts)),
        },
    })))
}
