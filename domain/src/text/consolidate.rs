//! Consolidation: the articles of the next version computed from the latest one and the
//! accepted amendments that take effect together, applied in the given order.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{resolve_placeholders, Article, PlaceholderError};
use crate::amendment::Change;
use crate::ids::{AmendmentId, ArticleId};

/// What an amendment does to the text: its change and its proposed paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentEdit {
    pub amendment_id: AmendmentId,
    pub change: Change,
    /// `None` when the source lost the text (then only a deletion can be applied).
    pub proposed_text: Option<Vec<String>>,
    /// The modified or deleted article's paragraphs in the version the amendment was written
    /// against. When given, applying refuses an article whose text has changed since: replacing
    /// it would silently undo that change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_paragraphs: Option<Vec<String>>,
}

impl AmendmentEdit {
    /// The article this amendment shapes: the one it modifies or deletes, or the one it inserts;
    /// `None` for an amendment about the text as a whole.
    pub fn article_id(&self) -> Option<ArticleId> {
        match self.change {
            Change::Modify { article_id } | Change::Delete { article_id } => Some(article_id),
            Change::InsertAfter { .. } => Some(inserted_article_id(self.amendment_id)),
            Change::WholeText => None,
        }
    }
}

/// Namespace of [`inserted_article_id`] (UUID v5). Published: changing it changes the ids of
/// every article inserted by an amendment.
pub const INSERTED_ARTICLE_NAMESPACE: Uuid =
    Uuid::from_u128(0x5a1f_0e8c_3b7d_4f21_9c64_2d0b_a1e7_7c35);

/// The id of the article an insertion amendment creates: UUID v5 of the amendment id (its 16
/// bytes) in [`INSERTED_ARTICLE_NAMESPACE`]. The same amendment always creates the same article,
/// so a rebuild or a second computation yields identical versions.
pub fn inserted_article_id(amendment_id: AmendmentId) -> ArticleId {
    ArticleId(Uuid::new_v5(
        &INSERTED_ARTICLE_NAMESPACE,
        amendment_id.as_uuid().as_bytes(),
    ))
}

/// Why a batch of amendments cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("amendment {amendment_id} changes article {article_id}, which is not in the text it applies to (an earlier amendment of this batch deleted it, or it was never in this version); leave one of them out")]
    ArticleMissing {
        amendment_id: AmendmentId,
        article_id: ArticleId,
    },
    #[error("amendment {amendment_id} has no proposed text to write into the article; only a deletion can be applied without one")]
    NoProposedText { amendment_id: AmendmentId },
    #[error("amendment {amendment_id} is about the text as a whole (its title or a procedural motion), not an article, so it cannot be applied; publish the version with its `articles` instead")]
    WholeText { amendment_id: AmendmentId },
    #[error("amendment {amendment_id} was written against an earlier text of article {article_id}, which has changed since (in a later version, or by an amendment before it in this list); applying it would undo that change: have it revised against the current text, or publish the version with explicit `articles`")]
    ChangedSinceBase {
        amendment_id: AmendmentId,
        article_id: ArticleId,
    },
    #[error("amendment {amendment_id} is listed twice; list each amendment once")]
    DuplicateAmendment { amendment_id: AmendmentId },
    #[error("amendment {amendment_id}: {source}")]
    Placeholder {
        amendment_id: AmendmentId,
        source: PlaceholderError,
    },
}

/// Applies `amendments` to `base` in the given order: `Modify` replaces the article's paragraphs
/// by the proposed text (its "(Non modifié)" placeholders resolved against the article as it
/// stands at that point), `Delete` removes the article, `InsertAfter` inserts a new article
/// (id from [`inserted_article_id`], no heading) after the named one, or first.
///
/// An inserted article is numbered after its predecessor in the French way: after "3" comes
/// "3 bis", after "3 bis" "3 ter" (then quater … decies); at the start, "1 A", "1 B" …; the first
/// number not already taken is used.
pub fn apply_amendments(
    base: &[Article],
    amendments: &[AmendmentEdit],
) -> Result<Vec<Article>, ApplyError> {
    let mut seen = HashSet::new();
    let mut articles = base.to_vec();
    for edit in amendments {
        let amendment_id = edit.amendment_id;
        if !seen.insert(amendment_id) {
            return Err(ApplyError::DuplicateAmendment { amendment_id });
        }
        let position = |articles: &[Article], article_id: ArticleId| {
            articles
                .iter()
                .position(|a| a.id == article_id)
                .ok_or(ApplyError::ArticleMissing {
                    amendment_id,
                    article_id,
                })
        };
        let proposed = || {
            edit.proposed_text
                .as_ref()
                .filter(|p| p.iter().any(|line| !line.trim().is_empty()))
                .ok_or(ApplyError::NoProposedText { amendment_id })
        };
        let resolve = |previous: Option<&Article>, paragraphs: &[String]| {
            resolve_placeholders(previous, paragraphs).map_err(|source| ApplyError::Placeholder {
                amendment_id,
                source,
            })
        };
        match edit.change {
            Change::Modify { article_id } | Change::Delete { article_id }
                if edit.base_paragraphs.as_ref().is_some_and(|base| {
                    position(&articles, article_id).is_ok_and(|at| articles[at].paragraphs != *base)
                }) =>
            {
                return Err(ApplyError::ChangedSinceBase {
                    amendment_id,
                    article_id,
                });
            }
            Change::Modify { article_id } => {
                let at = position(&articles, article_id)?;
                let paragraphs = resolve(Some(&articles[at]), proposed()?)?;
                articles[at].paragraphs = paragraphs;
            }
            Change::Delete { article_id } => {
                let at = position(&articles, article_id)?;
                articles.remove(at);
            }
            Change::InsertAfter { article_id } => {
                let at = match article_id {
                    Some(after) => position(&articles, after)? + 1,
                    None => 0,
                };
                let id = inserted_article_id(amendment_id);
                if articles.iter().any(|a| a.id == id) {
                    return Err(ApplyError::DuplicateAmendment { amendment_id });
                }
                let article = Article {
                    id,
                    number: number_for_insertion(&articles, at),
                    heading: None,
                    paragraphs: resolve(None, proposed()?)?,
                };
                articles.insert(at, article);
            }
            Change::WholeText => return Err(ApplyError::WholeText { amendment_id }),
        }
    }
    Ok(articles)
}

const LATIN: [&str; 10] = [
    "",
    "bis",
    "ter",
    "quater",
    "quinquies",
    "sexies",
    "septies",
    "octies",
    "nonies",
    "decies",
];

/// The number of an article inserted at `at` (see [`apply_amendments`]).
fn number_for_insertion(articles: &[Article], at: usize) -> String {
    let taken = |n: &str| articles.iter().any(|a| a.number == n);
    let candidates: Vec<String> = match at.checked_sub(1).map(|i| &articles[i]) {
        Some(previous) => {
            let number = previous.number.trim();
            let (stem, index) = LATIN
                .iter()
                .enumerate()
                .skip(1)
                .find_map(|(i, suffix)| {
                    number
                        .strip_suffix(suffix)
                        .and_then(|stem| stem.strip_suffix(' '))
                        .map(|stem| (stem, i))
                })
                .unwrap_or((number, 0));
            LATIN[index + 1..]
                .iter()
                .map(|suffix| format!("{stem} {suffix}"))
                .chain((1..).take(100).map(|n| format!("{number} {n}")))
                .collect()
        }
        None => {
            let first = articles.first().map_or("1", |a| a.number.trim());
            ('A'..='Z')
                .map(|letter| format!("{first} {letter}"))
                .collect()
        }
    };
    candidates
        .into_iter()
        .find(|n| !taken(n))
        .unwrap_or_else(|| format!("{} (inséré)", articles.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests::{FIRST_ITEM_AMENDED, FOUR_ITEMS};
    use crate::text::{diff_articles, ArticleStatus};

    fn article(n: u128, number: &str, paragraphs: &[&str]) -> Article {
        Article {
            id: ArticleId(Uuid::from_u128(100 + n)),
            number: number.into(),
            heading: None,
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn base() -> Vec<Article> {
        vec![
            article(1, "1", &["Les administrations publient leurs données."]),
            article(2, "2", &FOUR_ITEMS),
            article(3, "3", &["Un embargo de douze mois s’applique."]),
        ]
    }

    fn edit(n: u128, change: Change, text: Option<&[&str]>) -> AmendmentEdit {
        AmendmentEdit {
            amendment_id: AmendmentId(Uuid::from_u128(200 + n)),
            change,
            proposed_text: text.map(|t| t.iter().map(|p| p.to_string()).collect()),
            base_paragraphs: None,
        }
    }

    fn id(n: u128) -> ArticleId {
        ArticleId(Uuid::from_u128(100 + n))
    }

    fn amend_first_item() -> AmendmentEdit {
        let mut items = FOUR_ITEMS;
        items[1] = FIRST_ITEM_AMENDED;
        edit(1, Change::Modify { article_id: id(2) }, Some(&items))
    }

    fn six_months() -> AmendmentEdit {
        edit(
            2,
            Change::Modify { article_id: id(3) },
            Some(&["Un embargo de six mois s’applique."]),
        )
    }

    /// Case of issue 4: the consolidated diff of the amended list touches only its first item
    /// and equals the amendment's own diff against its base.
    #[test]
    fn the_consolidated_diff_of_an_amended_list_equals_the_amendment_s_own_diff() {
        let base = base();
        let amendment = amend_first_item();
        let next = apply_amendments(&base, std::slice::from_ref(&amendment)).unwrap();
        let own = diff_articles(
            Some(&base[1]),
            Some(&Article {
                paragraphs: amendment.proposed_text.clone().unwrap(),
                ..base[1].clone()
            }),
        );
        let consolidated = diff_articles(Some(&base[1]), Some(&next[1]));
        assert_eq!(consolidated, own);
        assert_eq!(consolidated.status, ArticleStatus::Modified);
        let (deleted, inserted) = crate::text::tests::changed_ranges(&consolidated.chunks);
        let first_item_start = FOUR_ITEMS[0].len() + 2;
        let second_item_start = first_item_start + FOUR_ITEMS[1].len();
        assert!(deleted
            .iter()
            .all(|r| r.start >= first_item_start && r.end <= second_item_start));
        assert!(inserted
            .iter()
            .all(|r| r.start >= first_item_start
                && r.end <= first_item_start + FIRST_ITEM_AMENDED.len()));
        assert_eq!(next[0], base[0]);
        assert_eq!(next[2], base[2]);
    }

    /// Case of issue 4: two amendments take effect at the same instant; the text equals
    /// applying both in that order, and each touched article's consolidated diff equals the
    /// amendment's own diff when they touch different articles.
    #[test]
    fn two_amendments_taking_effect_together_equal_applying_both_in_that_order() {
        let base = base();
        let (first, second) = (amend_first_item(), six_months());
        let together = apply_amendments(&base, &[first.clone(), second.clone()]).unwrap();
        let one_after_the_other = apply_amendments(
            &apply_amendments(&base, std::slice::from_ref(&first)).unwrap(),
            std::slice::from_ref(&second),
        )
        .unwrap();
        assert_eq!(together, one_after_the_other);
        assert_eq!(
            together,
            apply_amendments(&base, &[first.clone(), second.clone()]).unwrap(),
            "stable across recomputations"
        );
        for amendment in [&first, &second] {
            let at = base
                .iter()
                .position(|a| Some(a.id) == amendment.article_id())
                .unwrap();
            let own = diff_articles(
                Some(&base[at]),
                Some(&Article {
                    paragraphs: amendment.proposed_text.clone().unwrap(),
                    ..base[at].clone()
                }),
            );
            assert_eq!(diff_articles(Some(&base[at]), Some(&together[at])), own);
        }
    }

    #[test]
    fn an_insertion_gets_an_id_derived_from_the_amendment_and_a_bis_number() {
        let base = base();
        let insert = edit(
            3,
            Change::InsertAfter {
                article_id: Some(id(1)),
            },
            Some(&["Les données sont gratuites."]),
        );
        let at_start = edit(
            4,
            Change::InsertAfter { article_id: None },
            Some(&["Préambule."]),
        );
        let after_bis = edit(
            5,
            Change::InsertAfter {
                article_id: Some(inserted_article_id(insert.amendment_id)),
            },
            Some(&["Encore."]),
        );
        let next = apply_amendments(&base, &[insert.clone(), at_start, after_bis]).unwrap();
        let numbers: Vec<&str> = next.iter().map(|a| a.number.as_str()).collect();
        assert_eq!(numbers, ["1 A", "1", "1 bis", "1 ter", "2", "3"]);
        assert_eq!(Some(next[2].id), insert.article_id());
        assert_eq!(
            inserted_article_id(insert.amendment_id),
            inserted_article_id(insert.amendment_id)
        );
        assert_ne!(
            inserted_article_id(insert.amendment_id),
            inserted_article_id(AmendmentId(Uuid::from_u128(999)))
        );
        assert_eq!(next[2].paragraphs, ["Les données sont gratuites."]);
    }

    #[test]
    fn an_amendment_to_an_article_deleted_earlier_in_the_same_batch_fails_naming_both() {
        let delete = edit(6, Change::Delete { article_id: id(3) }, None);
        let error = apply_amendments(&base(), &[delete, six_months()]).unwrap_err();
        assert_eq!(
            error,
            ApplyError::ArticleMissing {
                amendment_id: six_months().amendment_id,
                article_id: id(3),
            }
        );
        assert!(error.to_string().contains("deleted it"));
    }

    #[test]
    fn a_modification_or_insertion_without_proposed_text_fails() {
        let lost = edit(7, Change::Modify { article_id: id(1) }, None);
        assert_eq!(
            apply_amendments(&base(), &[lost]),
            Err(ApplyError::NoProposedText {
                amendment_id: AmendmentId(Uuid::from_u128(207))
            })
        );
        let blank = edit(8, Change::InsertAfter { article_id: None }, Some(&["  "]));
        assert!(matches!(
            apply_amendments(&base(), &[blank]),
            Err(ApplyError::NoProposedText { .. })
        ));
    }

    #[test]
    fn an_amendment_about_the_whole_text_has_no_article_and_is_not_applied() {
        let motion = edit(7, Change::WholeText, Some(&["Rejeter le texte."]));
        assert_eq!(motion.article_id(), None);
        assert_eq!(
            apply_amendments(&base(), &[six_months(), motion.clone()]),
            Err(ApplyError::WholeText {
                amendment_id: motion.amendment_id
            })
        );
    }

    #[test]
    fn an_amendment_written_against_an_older_text_is_refused_rather_than_undoing_a_change() {
        let first_item = AmendmentEdit {
            base_paragraphs: Some(base()[1].paragraphs.clone()),
            ..amend_first_item()
        };
        let mut items = FOUR_ITEMS;
        items[4] = "4° item quatre modifié.";
        let fourth_item = AmendmentEdit {
            base_paragraphs: Some(base()[1].paragraphs.clone()),
            ..edit(3, Change::Modify { article_id: id(2) }, Some(&items))
        };
        let after_first = apply_amendments(&base(), std::slice::from_ref(&first_item)).unwrap();
        let refused = Err(ApplyError::ChangedSinceBase {
            amendment_id: fourth_item.amendment_id,
            article_id: id(2),
        });
        assert_eq!(
            apply_amendments(&after_first, std::slice::from_ref(&fourth_item)),
            refused
        );
        assert_eq!(
            apply_amendments(&base(), &[first_item, fourth_item]),
            refused,
            "within one list too"
        );
    }

    #[test]
    fn an_amendment_listed_twice_is_refused() {
        assert_eq!(
            apply_amendments(&base(), &[six_months(), six_months()]),
            Err(ApplyError::DuplicateAmendment {
                amendment_id: six_months().amendment_id
            })
        );
    }

    #[test]
    fn placeholders_in_a_proposed_text_resolve_against_the_article_as_it_stands() {
        let base = vec![article(1, "1", &["I. – Premier.", "II. – Second."])];
        let keep_two = edit(
            9,
            Change::Modify { article_id: id(1) },
            Some(&["I. – Premier modifié.", "II. – (Non modifié)"]),
        );
        assert_eq!(
            apply_amendments(&base, &[keep_two]).unwrap()[0].paragraphs,
            ["I. – Premier modifié.", "II. – Second."]
        );
        let keep_three = edit(
            10,
            Change::Modify { article_id: id(1) },
            Some(&["III. – (Non modifié)"]),
        );
        assert!(matches!(
            apply_amendments(&base, &[keep_three]),
            Err(ApplyError::Placeholder {
                source: PlaceholderError::NoSuchDivision { .. },
                ..
            })
        ));
    }
}
