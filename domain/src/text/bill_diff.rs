//! The whole-bill diff: every article identity of two versions, with its content status and,
//! separately, whether it was renumbered or moved.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{
    diff_articles, normalize_paragraphs, normalize_text, Article, ArticleDiff, ArticleStatus,
};
use crate::ids::ArticleId;

/// A display number that changed ("2" → "3").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renumbering {
    pub from: String,
    pub to: String,
}

/// How one article (one identity) changed between two versions of a bill.
///
/// `status` is about content only (body and heading): an article whose number alone changed is
/// `unchanged` with `renumbered` set. `moved` is true when its order relative to the other
/// surviving articles changed; the fewest articles are flagged (the others form a longest
/// increasing subsequence of old positions), so inserting or deleting an article moves nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillArticleDiff {
    pub article_id: ArticleId,
    #[serde(flatten)]
    pub diff: ArticleDiff,
    pub renumbered: Option<Renumbering>,
    pub moved: bool,
}

/// Compares two versions article by article, by identity. Order: the new version's order, each
/// deleted article placed right after the surviving article that preceded it in the old version
/// (or first when none did), deleted neighbours keeping their old order.
pub fn diff_bills(old: &[Article], new: &[Article]) -> Vec<BillArticleDiff> {
    let old_index: HashMap<ArticleId, usize> =
        old.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let new_ids: HashMap<ArticleId, usize> =
        new.iter().enumerate().map(|(i, a)| (a.id, i)).collect();

    let survivors: Vec<usize> = new
        .iter()
        .filter_map(|a| old_index.get(&a.id).copied())
        .collect();
    let kept_in_order = longest_increasing(&survivors);
    let moved = |old_position: usize| !kept_in_order.contains(&old_position);

    // Deleted articles, grouped under the surviving old article they follow (None: first).
    let mut deleted_after: HashMap<Option<ArticleId>, Vec<&Article>> = HashMap::new();
    let mut anchor = None;
    for article in old {
        if new_ids.contains_key(&article.id) {
            anchor = Some(article.id);
        } else {
            deleted_after.entry(anchor).or_default().push(article);
        }
    }
    let deleted = |article: &Article| BillArticleDiff {
        article_id: article.id,
        diff: diff_articles(Some(article), None),
        renumbered: None,
        moved: false,
    };

    let mut out = Vec::with_capacity(old.len().max(new.len()));
    out.extend(
        deleted_after
            .get(&None)
            .into_iter()
            .flatten()
            .map(|a| deleted(a)),
    );
    for article in new {
        let before = old_index.get(&article.id).map(|&i| &old[i]);
        let mut diff = diff_articles(before, Some(article));
        let mut renumbered = None;
        if let Some(before) = before {
            let same_body = normalize_paragraphs(&before.paragraphs)
                == normalize_paragraphs(&article.paragraphs);
            let heading = |a: &Article| a.heading.as_deref().map(normalize_text);
            diff.status = if same_body && heading(before) == heading(article) {
                ArticleStatus::Unchanged
            } else {
                ArticleStatus::Modified
            };
            if normalize_text(&before.number) != normalize_text(&article.number) {
                renumbered = Some(Renumbering {
                    from: before.number.clone(),
                    to: article.number.clone(),
                });
            }
        }
        out.push(BillArticleDiff {
            article_id: article.id,
            diff,
            renumbered,
            moved: old_index.get(&article.id).is_some_and(|&i| moved(i)),
        });
        if before.is_some() {
            out.extend(
                deleted_after
                    .get(&Some(article.id))
                    .into_iter()
                    .flatten()
                    .map(|a| deleted(a)),
            );
        }
    }
    out
}

/// The values of one longest strictly increasing subsequence of `values` (patience sorting
/// with predecessor links; among equally long ones, the one ending on the smallest values).
fn longest_increasing(values: &[usize]) -> std::collections::HashSet<usize> {
    // tails[k]: index in `values` of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &value) in values.iter().enumerate() {
        let k = tails.partition_point(|&t| values[t] < value);
        previous[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut kept = std::collections::HashSet::new();
    let mut at = tails.last().copied();
    while let Some(i) = at {
        kept.insert(values[i]);
        at = previous[i];
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn article(n: u128, number: &str, text: &str) -> Article {
        Article {
            id: ArticleId(Uuid::from_u128(n)),
            number: number.into(),
            heading: None,
            paragraphs: vec![text.into()],
        }
    }

    fn summary(diffs: &[BillArticleDiff]) -> Vec<(u128, ArticleStatus, bool)> {
        diffs
            .iter()
            .map(|d| (d.article_id.as_uuid().as_u128(), d.diff.status, d.moved))
            .collect()
    }

    fn five() -> Vec<Article> {
        ["A", "B", "C", "D", "E"]
            .iter()
            .enumerate()
            .map(|(i, text)| article(i as u128 + 1, &(i + 1).to_string(), text))
            .collect()
    }

    use ArticleStatus::{Deleted, Inserted, Modified, Unchanged};

    #[test]
    fn an_unchanged_bill_reports_every_article_unchanged_in_order() {
        let diffs = diff_bills(&five(), &five());
        assert_eq!(
            summary(&diffs),
            (1..=5).map(|n| (n, Unchanged, false)).collect::<Vec<_>>()
        );
        assert!(diffs.iter().all(|d| d.renumbered.is_none()));
    }

    #[test]
    fn inserted_deleted_and_modified_articles_come_in_new_order_with_deletions_at_their_old_place()
    {
        let old = five();
        let mut new = vec![old[0].clone(), article(9, "1 bis", "X")];
        new.push(Article {
            paragraphs: vec!["C modifié".into()],
            ..old[2].clone()
        });
        new.push(old[4].clone());
        // B (2) and D (4) are deleted; D followed C, B followed A.
        assert_eq!(
            summary(&diff_bills(&old, &new)),
            vec![
                (1, Unchanged, false),
                (2, Deleted, false),
                (9, Inserted, false),
                (3, Modified, false),
                (4, Deleted, false),
                (5, Unchanged, false),
            ]
        );
        let leading = diff_bills(&old, &old[1..]);
        assert_eq!(leading[0].article_id, old[0].id);
        assert_eq!(leading[0].diff.status, Deleted);
    }

    #[test]
    fn a_renumbered_article_keeps_its_identity_and_is_not_reported_modified() {
        let old = five();
        let mut new = vec![old[0].clone(), article(9, "2", "Nouveau")];
        new.extend(old[1..].iter().enumerate().map(|(i, a)| Article {
            number: (i + 3).to_string(),
            ..a.clone()
        }));
        let diffs = diff_bills(&old, &new);
        assert_eq!(diffs[2].article_id, old[1].id);
        assert_eq!(diffs[2].diff.status, Unchanged);
        assert!(!diffs[2].moved);
        assert_eq!(
            diffs[2].renumbered,
            Some(Renumbering {
                from: "2".into(),
                to: "3".into()
            })
        );
        assert_eq!(diffs[1].diff.status, Inserted);
        assert!(diffs[1].renumbered.is_none());
    }

    #[test]
    fn only_the_truly_moved_article_is_flagged() {
        let old = five();
        // B moved after D: A C D B E.
        let new: Vec<Article> = [0, 2, 3, 1, 4].iter().map(|&i| old[i].clone()).collect();
        let diffs = diff_bills(&old, &new);
        let moved: Vec<u128> = diffs
            .iter()
            .filter(|d| d.moved)
            .map(|d| d.article_id.as_uuid().as_u128())
            .collect();
        assert_eq!(moved, vec![2]);
        // E moved to the front: only E is flagged.
        let new: Vec<Article> = [4, 0, 1, 2, 3].iter().map(|&i| old[i].clone()).collect();
        let moved: Vec<u128> = diff_bills(&old, &new)
            .iter()
            .filter(|d| d.moved)
            .map(|d| d.article_id.as_uuid().as_u128())
            .collect();
        assert_eq!(moved, vec![5]);
        assert!(diffs.iter().all(|d| d.diff.status == Unchanged));
    }

    #[test]
    fn a_bill_article_diff_serialises_flat_with_its_identity() {
        let old = vec![article(1, "1", "A")];
        let new = vec![article(1, "2", "A")];
        let json = serde_json::to_value(&diff_bills(&old, &new)[0]).unwrap();
        assert_eq!(json["status"], "unchanged");
        assert_eq!(json["renumbered"]["from"], "1");
        assert_eq!(json["moved"], false);
        assert_eq!(json["article_id"], "00000000-0000-0000-0000-000000000001");
    }
}
