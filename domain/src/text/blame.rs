//! Blame: which revision introduced each word of the current text, kept incrementally.

use serde::{Deserialize, Serialize};
use similar::DiffOp as Op;

use super::{align_tokens, normalize_text, tokens_with_separators};

/// The current normalised text with, for each of its tokens, the origin (e.g. version and
/// amendment) that introduced it. Serialisable, so a projection can store it and revise it
/// version after version instead of replaying the history.
///
/// [`Blame::revise`] aligns the current text with the new one exactly as [`super::diff_words`]
/// does: tokens the diff keeps as equal keep their origin, inserted tokens get the new origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BlameParts<O>", into = "BlameParts<O>")]
#[serde(bound(
    serialize = "O: Clone + Serialize",
    deserialize = "O: Deserialize<'de>"
))]
pub struct Blame<O: Clone> {
    text: String,
    /// One entry per revision.
    origins: Vec<O>,
    /// For each token of `text`, the index in `origins` of the revision that introduced it.
    token_origins: Vec<usize>,
}

/// A run of consecutive tokens with the same origin; `text` includes the separator in front
/// of its first token, as diff chunks do, so the spans' texts concatenate to the current text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameSpan<O> {
    pub origin: O,
    pub text: String,
}

/// The stored form of a [`Blame`], checked on the way in.
#[derive(Serialize, Deserialize)]
struct BlameParts<O> {
    text: String,
    origins: Vec<O>,
    token_origins: Vec<usize>,
}

/// Why stored blame data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlameError {
    #[error(
        "the blame text is not normalised, or has {tokens} tokens but {origins} token origins"
    )]
    TokenCount { tokens: usize, origins: usize },
    #[error(
        "a token origin points at revision {index}, but only {revisions} revisions are recorded"
    )]
    UnknownRevision { index: usize, revisions: usize },
}

impl<O: Clone> TryFrom<BlameParts<O>> for Blame<O> {
    type Error = BlameError;
    fn try_from(parts: BlameParts<O>) -> Result<Self, BlameError> {
        let tokens = tokens_with_separators(&parts.text).len();
        if normalize_text(&parts.text) != parts.text || tokens != parts.token_origins.len() {
            return Err(BlameError::TokenCount {
                tokens,
                origins: parts.token_origins.len(),
            });
        }
        if let Some(&index) = parts
            .token_origins
            .iter()
            .find(|&&i| i >= parts.origins.len())
        {
            return Err(BlameError::UnknownRevision {
                index,
                revisions: parts.origins.len(),
            });
        }
        Ok(Self {
            text: parts.text,
            origins: parts.origins,
            token_origins: parts.token_origins,
        })
    }
}

impl<O: Clone> From<Blame<O>> for BlameParts<O> {
    fn from(blame: Blame<O>) -> Self {
        Self {
            text: blame.text,
            origins: blame.origins,
            token_origins: blame.token_origins,
        }
    }
}

impl<O: Clone + PartialEq> Blame<O> {
    /// The first text: every token comes from `origin`.
    pub fn new(text: &str, origin: O) -> Self {
        let text = normalize_text(text);
        let token_origins = vec![0; tokens_with_separators(&text).len()];
        Self {
            text,
            origins: vec![origin],
            token_origins,
        }
    }

    /// The text becomes `new_text`: equal tokens keep their origin, the others get `origin`.
    pub fn revise(&mut self, new_text: &str, origin: O) {
        let new_text = normalize_text(new_text);
        let revision = self.origins.len();
        let (old_tokens, new_tokens) = (
            tokens_with_separators(&self.text),
            tokens_with_separators(&new_text),
        );
        let mut token_origins = vec![revision; new_tokens.len()];
        for op in align_tokens(&old_tokens, &new_tokens) {
            if let Op::Equal {
                old_index,
                new_index,
                len,
            } = op
            {
                token_origins[new_index..new_index + len]
                    .copy_from_slice(&self.token_origins[old_index..old_index + len]);
            }
        }
        self.origins.push(origin);
        self.token_origins = token_origins;
        self.text = new_text;
    }

    /// The current normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs of consecutive tokens with equal origins, in text order.
    pub fn spans(&self) -> Vec<BlameSpan<O>> {
        let mut spans: Vec<BlameSpan<O>> = Vec::new();
        let tokens = tokens_with_separators(&self.text);
        for (&(separator, token), &revision) in tokens.iter().zip(&self.token_origins) {
            let origin = &self.origins[revision];
            match spans.last_mut() {
                Some(span) if span.origin == *origin => {
                    span.text.push_str(separator);
                    span.text.push_str(token);
                }
                _ => spans.push(BlameSpan {
                    origin: origin.clone(),
                    text: format!("{separator}{token}"),
                }),
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spans(blame: &Blame<&'static str>) -> Vec<(&'static str, String)> {
        blame
            .spans()
            .into_iter()
            .map(|s| (s.origin, s.text))
            .collect()
    }

    #[test]
    fn a_word_introduced_in_v2_and_kept_in_v3_stays_attributed_to_v2() {
        let mut blame = Blame::new("Un embargo de douze mois s’applique.", "v1");
        blame.revise("Un embargo de six mois s’applique.", "v2 (amendement 12)");
        blame.revise(
            "Un embargo de six mois s’applique aux articles scientifiques.",
            "v3",
        );
        assert_eq!(
            spans(&blame),
            vec![
                ("v1", "Un embargo de".to_owned()),
                ("v2 (amendement 12)", " six".to_owned()),
                ("v1", " mois s’applique".to_owned()),
                ("v3", " aux articles scientifiques".to_owned()),
                ("v1", ".".to_owned()),
            ]
        );
        assert_eq!(
            blame.text(),
            "Un embargo de six mois s’applique aux articles scientifiques."
        );
    }

    #[test]
    fn a_blame_survives_serialisation_and_refuses_inconsistent_data() {
        let mut blame = Blame::new("premier alinéa.\n\nsecond.", 1u32);
        blame.revise("premier alinéa modifié.\n\nsecond.", 2);
        let json = serde_json::to_string(&blame).unwrap();
        assert_eq!(serde_json::from_str::<Blame<u32>>(&json).unwrap(), blame);
        let bad = r#"{"text":"a b","origins":[1],"token_origins":[0]}"#;
        assert!(serde_json::from_str::<Blame<u32>>(bad).is_err());
        let bad = r#"{"text":"a b","origins":[1],"token_origins":[0,1]}"#;
        assert!(serde_json::from_str::<Blame<u32>>(bad).is_err());
    }

    const PIECES: &[&str] = &[
        "de", "la", "mots", "alinéa", "douze", "six", "mois", "1°", "II.", "–", ",", ";", "«", "»",
        " ", " ", "\u{00A0}", "\n", "\n\n",
    ];

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
            .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn the_spans_concatenate_to_the_normalised_current_text(
            versions in proptest::collection::vec(text(), 1..6)
        ) {
            let mut blame = Blame::new(&versions[0], 0usize);
            for (n, version) in versions.iter().enumerate().skip(1) {
                blame.revise(version, n);
            }
            let last = versions.last().unwrap();
            let spans = blame.spans();
            prop_assert_eq!(
                spans.iter().map(|s| s.text.as_str()).collect::<String>(),
                normalize_text(last)
            );
            prop_assert!(spans.windows(2).all(|pair| pair[0].origin != pair[1].origin));
            prop_assert!(spans.iter().all(|s| s.origin < versions.len() && !s.text.is_empty()));
        }

        /// A revision that changes nothing attributes nothing to itself.
        #[test]
        fn an_identical_revision_keeps_every_origin(text in text()) {
            let mut blame = Blame::new(&text, 0usize);
            blame.revise(&text, 1);
            prop_assert!(blame.spans().iter().all(|s| s.origin == 0));
        }
    }
}
