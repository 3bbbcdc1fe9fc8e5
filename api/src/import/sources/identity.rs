//! Stable identity of an article across versions, whatever its number.
//!
//! Articles are renumbered between stages (consultation Article 9 “open access” is Article 14
//! after the consultation and Article 17 after the Conseil d'État review), so labels cannot be
//! identities. Consecutive versions are matched:
//! 1. identical normalised text (same label preferred; a text of fewer than
//!    [`MIN_WORDS_FOR_TEXT_MATCH`] words — e.g. “(Supprimé)” — only matches the same label);
//! 2. then, greedily by decreasing score, pairs with the same label and similarity ≥
//!    [`SAME_LABEL_THRESHOLD`] or any label and similarity ≥ [`MOVED_THRESHOLD`] (a same-label
//!    pair gets a small bonus), each article matched once (so duplicate labels are handled).
//!    The similarity is the mean of the word-set Jaccard index of the whole texts and of their
//!    first [`HEAD_WORDS`] words (the “chapeau” naming the code article amended), which keeps identity
//!    through intermediate commits where a missing heading glued two articles together
//!    (seq 14: the open-access text followed by leftovers of the NIR article);
//! 3. an article still unmatched is compared with the articles that disappeared earlier
//!    (their last text), and revives the key of the most similar one (≥ [`MOVED_THRESHOLD`]).
//!
//! An unmatched article gets a new key. Keys are `a001`, `a002`… in order of first appearance.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::bill_history::BillVersionSource;
use super::markdown::SourceArticle;

pub const SAME_LABEL_THRESHOLD: f64 = 0.3;
pub const MOVED_THRESHOLD: f64 = 0.5;
pub const SAME_LABEL_BONUS: f64 = 0.15;
pub const MIN_WORDS_FOR_TEXT_MATCH: usize = 5;
/// How many leading words make the “head” of an article (its chapeau).
pub const HEAD_WORDS: usize = 40;

/// Lower-cased words (letters and digits, accents kept, NBSP/hyphens/punctuation as
/// separators) of a text, NFC.
pub fn normalised_words(text: &str) -> Vec<String> {
    let text: String = text.nfc().collect::<String>().to_lowercase();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The article text reduced to its words, for exact comparison.
pub fn normalised_text(article: &SourceArticle) -> String {
    normalised_words(&article.text()).join(" ")
}

/// Word-set Jaccard similarity of two sorted, deduplicated word lists.
pub fn jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    common as f64 / union as f64
}

/// Word-set similarity of two texts (0.0–1.0).
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard(&word_set(a), &word_set(b))
}

fn word_set(text: &str) -> Vec<String> {
    let mut w = normalised_words(text);
    w.sort();
    w.dedup();
    w
}

struct Prepared {
    text: String,
    words: usize,
    set: Vec<String>,
    first: Vec<String>,
}

impl Prepared {
    fn score(&self, other: &Prepared) -> f64 {
        (jaccard(&self.set, &other.set) + jaccard(&self.first, &other.first)) / 2.0
    }
}

/// The identity similarity of two articles (0.0–1.0): mean of the word-set Jaccard indexes of
/// the whole texts and of their first [`HEAD_WORDS`] words.
pub fn article_similarity(a: &SourceArticle, b: &SourceArticle) -> f64 {
    prepare_one(a).score(&prepare_one(b))
}

fn prepare_one(a: &SourceArticle) -> Prepared {
    let words = normalised_words(&a.text());
    let mut set = words.clone();
    set.sort();
    set.dedup();
    Prepared {
        text: words.join(" "),
        words: words.len(),
        set,
        first: {
            let mut head: Vec<String> = words.iter().take(HEAD_WORDS).cloned().collect();
            head.sort();
            head.dedup();
            head
        },
    }
}

fn prepare(articles: &[SourceArticle]) -> Vec<Prepared> {
    articles.iter().map(prepare_one).collect()
}

/// For each article of `cur`, the index of the article of `prev` it continues, if any.
pub fn match_articles(prev: &[SourceArticle], cur: &[SourceArticle]) -> Vec<Option<usize>> {
    let p = prepare(prev);
    let c = prepare(cur);
    let mut result: Vec<Option<usize>> = vec![None; cur.len()];
    let mut taken = vec![false; prev.len()];

    // 1. Identical normalised text.
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, pp) in p.iter().enumerate() {
        by_text.entry(pp.text.as_str()).or_default().push(i);
    }
    for (j, cc) in c.iter().enumerate() {
        let Some(candidates) = by_text.get(cc.text.as_str()) else {
            continue;
        };
        let same_label = candidates
            .iter()
            .copied()
            .find(|&i| !taken[i] && prev[i].label == cur[j].label);
        let pick = same_label.or_else(|| {
            if cc.words >= MIN_WORDS_FOR_TEXT_MATCH {
                candidates.iter().copied().find(|&i| !taken[i])
            } else {
                None
            }
        });
        if let Some(i) = pick {
            taken[i] = true;
            result[j] = Some(i);
        }
    }

    // 2. Similar text, greedily by score.
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (j, cc) in c.iter().enumerate() {
        if result[j].is_some() {
            continue;
        }
        for (i, pp) in p.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let sim = pp.score(cc);
            let same = prev[i].label == cur[j].label;
            let score = if same && sim >= SAME_LABEL_THRESHOLD {
                sim + SAME_LABEL_BONUS
            } else if sim >= MOVED_THRESHOLD {
                sim
            } else {
                continue;
            };
            pairs.push((score, i, j));
        }
    }
    pairs.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.2.cmp(&b.2))
            .then(a.1.cmp(&b.1))
    });
    for (_, i, j) in pairs {
        if taken[i] || result[j].is_some() {
            continue;
        }
        taken[i] = true;
        result[j] = Some(i);
    }
    result
}

/// Sets [`SourceArticle::key`] on every article of every version (oldest first).
pub fn assign_article_keys(versions: &mut [BillVersionSource]) {
    let mut next = 1usize;
    // Articles that disappeared, with their last text, by key.
    let mut retired: Vec<SourceArticle> = Vec::new();
    for v in 0..versions.len() {
        let (done, rest) = versions.split_at_mut(v);
        let cur = &mut rest[0].articles;
        let prev: &[SourceArticle] = done.last().map(|p| p.articles.as_slice()).unwrap_or(&[]);
        let matches = match_articles(prev, cur);
        let mut keys: Vec<Option<String>> = matches
            .iter()
            .map(|m| m.map(|i| prev[i].key.clone()))
            .collect();
        // 3. Revive keys of articles that disappeared earlier.
        let unmatched: Vec<usize> = (0..cur.len()).filter(|&j| keys[j].is_none()).collect();
        if !unmatched.is_empty() && !retired.is_empty() {
            let r = prepare(&retired);
            let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
            for &j in &unmatched {
                let c = prepare_one(&cur[j]);
                for (i, rr) in r.iter().enumerate() {
                    let score = rr.score(&c);
                    if score >= MOVED_THRESHOLD {
                        pairs.push((score, i, j));
                    }
                }
            }
            pairs.sort_by(|a, b| {
                b.0.partial_cmp(&a.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.2.cmp(&b.2))
                    .then(a.1.cmp(&b.1))
            });
            let mut used = vec![false; retired.len()];
            for (_, i, j) in pairs {
                if used[i] || keys[j].is_some() {
                    continue;
                }
                used[i] = true;
                keys[j] = Some(retired[i].key.clone());
            }
            let mut k = 0;
            retired.retain(|_| {
                let keep = !used[k];
                k += 1;
                keep
            });
        }
        for (article, key) in cur.iter_mut().zip(keys) {
            article.key = key.unwrap_or_else(|| {
                let k = format!("a{next:03}");
                next += 1;
                k
            });
        }
        // Articles of `prev` whose key is gone from `cur` retire.
        for p in prev {
            if !cur.iter().any(|c| c.key == p.key) {
                retired.retain(|r| r.key != p.key);
                retired.push(p.clone());
            }
        }
    }
}
