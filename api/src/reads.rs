//! Queries over the live views shared by the JSON read routes (`routes::read`) and the HTML pages
//! (`web`): paging and read-your-writes parameters, what touched each article, an article's
//! history, the word blame and an amendment's diff against its base. Each answers typed values;
//! the callers shape them as JSON or HTML, so both show the same facts.

use std::collections::HashMap;
use std::time::Duration;

use domain::amendment::Change;
use domain::ids::{AmendmentId, ArticleId, BillId, Target};
use domain::text::{
    apply_amendments, diff_articles, AmendmentEdit, Article, ArticleDiff, ArticleStatus, Blame,
};
use projections::views::amendments::{AmendmentView, Amendments};
use projections::views::arguments::{ArgumentView, Arguments};
use projections::views::bills::{BillView, Bills, VersionView};

use crate::http::problem::Problem;
use crate::state::AppState;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// Offset-style paging over an in-memory list; the cursor is the offset of the next item.
pub fn page(params: &HashMap<String, String>) -> Result<(usize, usize), Problem> {
    let offset = match params.get("cursor") {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            Problem::bad_request(format!("`cursor={c}` is not a cursor returned by this API"))
        })?,
    };
    Ok((offset, limit(params)?))
}

/// `?limit=`: 1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`].
pub fn limit(params: &HashMap<String, String>) -> Result<usize, Problem> {
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

/// `?cursor=` of the timeline: the log index of the last step already shown.
pub fn log_cursor(params: &HashMap<String, String>) -> Result<u64, Problem> {
    match params.get("cursor") {
        None => Ok(0),
        Some(c) => c.parse().map_err(|_| {
            Problem::bad_request(format!("`cursor={c}` is not a cursor returned by this API"))
        }),
    }
}

const DEFAULT_WAIT_MS: u64 = 2_000;
const MAX_WAIT_MS: u64 = 10_000;

/// Honours `?after=LOG_INDEX[&wait_ms=N]`: waits until every view includes that log index.
pub async fn views_after(
    state: &AppState,
    params: &HashMap<String, String>,
) -> Result<(), Problem> {
    // Both are read before either is used, so a bad `wait_ms` is refused even without `after`.
    let after: Option<u64> = params
        .get("after")
        .map(|raw| {
            raw.parse().map_err(|_| {
                Problem::bad_request(format!(
                    "`after={raw}` must be a log index (a whole number, as returned by a write)"
                ))
            })
        })
        .transpose()?;
    let wait_ms = match params.get("wait_ms") {
        None => DEFAULT_WAIT_MS,
        Some(w) => w
            .parse::<u64>()
            .ok()
            .filter(|w| *w <= MAX_WAIT_MS)
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "`wait_ms={w}` must be a whole number of milliseconds from 0 to {MAX_WAIT_MS}"
                ))
            })?,
    };
    let Some(after) = after else {
        return Ok(());
    };
    if state.views.position() >= after {
        return Ok(());
    }
    // Waiting only makes sense for an index some write was given.
    let log_size = state.store.log_size().await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the log size");
        Problem::internal()
    })?;
    if after > log_size {
        return Err(Problem::bad_request(format!(
            "`after={after}` is beyond the end of the log, which holds {log_size} events; \
             use the log index a write returned"
        )));
    }
    if state
        .views
        .wait_for(after, Duration::from_millis(wait_ms))
        .await
    {
        return Ok(());
    }
    let behind: Vec<String> = state
        .views
        .statuses()
        .into_iter()
        .filter(|s| s.position < after)
        .map(|s| match s.failure {
            Some(f) => format!(
                "{} stopped at log index {} ({})",
                s.name, f.log_index, f.message
            ),
            None => format!("{} is at log index {}", s.name, s.position),
        })
        .collect();
    Err(Problem::unavailable(
        format!(
            "the views do not include log index {after} yet after waiting {wait_ms} ms: {}; \
             retry, or see GET /api/v1/projections",
            behind.join("; ")
        ),
        1,
    ))
}

pub fn find_bill(bills: &Bills, id: BillId) -> Result<&BillView, Problem> {
    bills
        .bill(id)
        .ok_or_else(|| Problem::not_found(format!("no bill has the id {id}")))
}

pub fn find_amendment(amendments: &Amendments, id: AmendmentId) -> Result<&AmendmentView, Problem> {
    amendments
        .amendment(id)
        .ok_or_else(|| Problem::not_found(format!("no amendment has the id {id}")))
}

/// How many amendments name an article, and how many of those are decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArticleActivity {
    pub amendments: usize,
    pub decided: usize,
}

/// Per article of a bill: the amendments that name it and the decisions taken on them.
pub fn article_activity(
    amendments: &Amendments,
    bill_id: BillId,
) -> HashMap<ArticleId, ArticleActivity> {
    let mut per_article: HashMap<ArticleId, ArticleActivity> = HashMap::new();
    for amendment in amendments.of_bill(bill_id) {
        if let Some(article) = amendment.article_id() {
            let entry = per_article.entry(article).or_default();
            entry.amendments += 1;
            entry.decided += usize::from(amendment.decision.is_some());
        }
    }
    per_article
}

/// One version that changed an article: its text then, the diff from the previous text, and the
/// amendments the version names as taken in for that article.
pub struct ArticleChange<'a> {
    pub version: &'a VersionView,
    pub article: Option<&'a Article>,
    pub diff: ArticleDiff,
    pub taken_in: Vec<&'a AmendmentView>,
}

/// Every version that changed an article (inserted, modified, deleted), oldest first; empty when
/// no version holds it.
pub fn article_changes<'a>(
    bill: &'a BillView,
    amendments: &'a Amendments,
    article_id: ArticleId,
) -> Vec<ArticleChange<'a>> {
    let mut previous: Option<&Article> = None;
    let mut changes = Vec::new();
    for version in &bill.versions {
        let current = version.articles.iter().find(|a| a.id == article_id);
        let diff = diff_articles(previous, current);
        if diff.status != ArticleStatus::Unchanged && (previous.is_some() || current.is_some()) {
            let taken_in = version
                .provenance
                .iter()
                .filter(|p| p.article_id == article_id)
                .flat_map(|p| &p.amendments)
                .filter_map(|id| amendments.amendment(*id))
                .collect();
            changes.push(ArticleChange {
                version,
                article: current,
                diff,
                taken_in,
            });
        }
        if current.is_some() || previous.is_some() {
            previous = current;
        }
    }
    changes
}

/// Where a word of an article's text came from: the version that introduced it and the
/// contributions that version cites for this article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WordOrigin {
    pub version: u32,
    pub label: String,
    pub published_at: String,
    pub amendments: Vec<AmendmentId>,
}

/// Attributes each word of an article in version `upto` to the version and amendments that
/// introduced it; `None` when that version does not hold the article.
pub fn blame(bill: &BillView, article_id: ArticleId, upto: u32) -> Option<Blame<WordOrigin>> {
    let mut blame: Option<Blame<WordOrigin>> = None;
    let mut last_text: Option<String> = None;
    for version in bill.versions.iter().take_while(|v| v.number <= upto) {
        let current = version.articles.iter().find(|a| a.id == article_id);
        let text = current.map(Article::text);
        if text == last_text {
            continue;
        }
        let origin = || WordOrigin {
            version: version.number,
            label: version.label.clone(),
            published_at: version.published_at.clone(),
            amendments: version
                .provenance
                .iter()
                .filter(|p| p.article_id == article_id)
                .flat_map(|p| p.amendments.iter().copied())
                .collect(),
        };
        blame = match (blame, &text) {
            (_, None) => None,
            (Some(mut b), Some(t)) => {
                b.revise(t, origin());
                Some(b)
            }
            (None, Some(t)) => Some(Blame::new(t, origin())),
        };
        last_text = text;
    }
    blame
}

/// The article an amendment was written against, in its base version.
pub fn base_article<'a>(bills: &'a Bills, a: &AmendmentView) -> Option<&'a Article> {
    bills
        .bill(a.bill_id)
        .and_then(|b| b.version(a.base_version))
        .and_then(|v| {
            a.article_id()
                .and_then(|id| v.articles.iter().find(|x| x.id == id))
        })
}

/// What applying the amendment alone to the version it was written against does to its
/// article, computed by `apply_amendments` itself, so this diff is the one applying it would
/// make: a modification against the base article (placeholders resolved), an insertion against
/// nothing, a deletion against the removed article; or why there is none (a placeholder that
/// resolves nothing). `(None, None)` for an amendment about the whole text or without a base.
pub fn proposed_diff(bills: &Bills, a: &AmendmentView) -> (Option<ArticleDiff>, Option<String>) {
    let Some(version) = bills
        .bill(a.bill_id)
        .and_then(|b| b.version(a.base_version))
    else {
        return (None, None);
    };
    let edit = AmendmentEdit {
        amendment_id: a.id,
        change: a.change,
        proposed_text: a.proposed_text.clone(),
        base_paragraphs: None,
    };
    let Some(article_id) = edit.article_id() else {
        return (None, None);
    };
    if a.proposed_text.is_none() && !matches!(a.change, Change::Delete { .. }) {
        return (None, None);
    }
    match apply_amendments(&version.articles, std::slice::from_ref(&edit)) {
        Ok(after) => {
            let before = version.articles.iter().find(|x| x.id == article_id);
            let after = after.iter().find(|x| x.id == article_id);
            (Some(diff_articles(before, after)), None)
        }
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The arguments standing on a target (withdrawn ones left out), in the order they were posted.
pub fn standing_arguments<'a>(
    arguments: &'a Arguments,
    target: &Target,
) -> impl Iterator<Item = &'a ArgumentView> {
    arguments.on(target).filter(|arg| !arg.withdrawn)
}
