//! Identifiers, parsed at the boundary: uuid newtypes for bills, articles, amendments and
//! arguments, pseudonymous participant ids, version numbers, vote targets and ballot stream ids.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string or number was refused as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{input:?} is not a valid {kind} id; expected a UUID such as 67e55044-10b1-426f-9247-bb680e5fe0c8")]
    NotAUuid { kind: &'static str, input: String },
    #[error("{input:?} is not a valid participant id: {reason}; use 1 to 64 characters among a-z, 0-9, '_' and '-'")]
    BadParticipant { input: String, reason: &'static str },
    #[error("version numbers start at 1; 0 is not a version")]
    VersionZero,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Parses the textual form of a UUID (any case, with or without hyphens).
            pub fn parse(input: &str) -> Result<Self, IdError> {
                Uuid::parse_str(input.trim()).map(Self).map_err(|_| IdError::NotAUuid {
                    kind: $kind,
                    input: input.to_owned(),
                })
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(input: &str) -> Result<Self, IdError> {
                Self::parse(input)
            }
        }
    };
}

uuid_id!(
    /// A bill (projet de loi), the root of a consultation.
    BillId,
    "bill"
);
uuid_id!(
    /// An article of a bill; stable across versions even when its display number changes.
    ArticleId,
    "article"
);
uuid_id!(
    /// An amendment proposed against one article of one version of a bill.
    AmendmentId,
    "amendment"
);
uuid_id!(
    /// An argument (for, against, neutral) posted on an article or an amendment.
    ArgumentId,
    "argument"
);

/// A pseudonymous participant id: 1 to 64 characters among `[a-z0-9_-]`
/// (real data uses `u` + 10 hex digits, and institutional ids such as `gouvernement`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParticipantId(String);

impl ParticipantId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let refuse = |reason| IdError::BadParticipant {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(refuse("it is empty"));
        }
        if input.len() > Self::MAX_LEN {
            return Err(refuse("it is longer than 64 characters"));
        }
        if !input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(refuse("it contains a character outside [a-z0-9_-]"));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ParticipantId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

impl From<ParticipantId> for String {
    fn from(id: ParticipantId) -> String {
        id.0
    }
}

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ParticipantId {
    type Err = IdError;
    fn from_str(input: &str) -> Result<Self, IdError> {
        Self::parse(input)
    }
}

/// The number of a published version of a bill; the drafted text is version 1.
///
/// The field is public for convenience; deserialisation and [`VersionNumber::new`] refuse 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct VersionNumber(pub u32);

impl VersionNumber {
    /// The drafted text of a bill.
    pub const FIRST: VersionNumber = VersionNumber(1);

    pub fn new(number: u32) -> Result<Self, IdError> {
        if number == 0 {
            return Err(IdError::VersionZero);
        }
        Ok(Self(number))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The version that builds on this one.
    pub fn next(self) -> VersionNumber {
        VersionNumber(self.0.saturating_add(1))
    }
}

impl TryFrom<u32> for VersionNumber {
    type Error = IdError;
    fn try_from(number: u32) -> Result<Self, IdError> {
        Self::new(number)
    }
}

impl From<VersionNumber> for u32 {
    fn from(version: VersionNumber) -> u32 {
        version.0
    }
}

impl fmt::Display for VersionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a vote or an argument is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    Article {
        bill_id: BillId,
        article_id: ArticleId,
    },
    Amendment {
        amendment_id: AmendmentId,
    },
}

impl Target {
    /// A stable textual key: `article:<bill>:<article>` or `amendment:<amendment>`.
    pub fn stream_key(&self) -> String {
        match self {
            Target::Article {
                bill_id,
                article_id,
            } => format!("article:{bill_id}:{article_id}"),
            Target::Amendment { amendment_id } => format!("amendment:{amendment_id}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stream_key())
    }
}

/// Ballot stream ids. One stream per (participant, target), so "one vote per person and
/// target" is a property of the stream's identity rather than a check that could race.
pub struct BallotId;

impl BallotId {
    /// `"{participant}/{target.stream_key()}"`.
    pub fn for_vote(participant: &ParticipantId, target: &Target) -> String {
        format!("{participant}/{}", target.stream_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participant_ids_from_real_data_are_accepted() {
        for id in ["u0a1b2c3d4e", "gouvernement", "assemblee-nationale", "a_b"] {
            assert_eq!(ParticipantId::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn participant_ids_with_capitals_spaces_or_too_long_are_refused() {
        for id in ["", "Alice", "a b", "é", &"a".repeat(65)] {
            assert!(matches!(
                ParticipantId::parse(id),
                Err(IdError::BadParticipant { .. })
            ));
        }
        assert!(ParticipantId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn participant_id_deserialisation_validates() {
        assert!(serde_json::from_str::<ParticipantId>("\"Bad Id\"").is_err());
        assert_eq!(
            serde_json::from_str::<ParticipantId>("\"u0123456789\"").unwrap(),
            ParticipantId::parse("u0123456789").unwrap()
        );
    }

    #[test]
    fn uuid_ids_parse_and_display_round_trip() {
        let text = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let id = BillId::parse(text).unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert_eq!(
            AmendmentId::parse("not-a-uuid"),
            Err(IdError::NotAUuid {
                kind: "amendment",
                input: "not-a-uuid".into()
            })
        );
    }

    #[test]
    fn version_zero_is_refused_and_versions_count_up() {
        assert_eq!(VersionNumber::new(0), Err(IdError::VersionZero));
        assert!(serde_json::from_str::<VersionNumber>("0").is_err());
        assert_eq!(VersionNumber::FIRST.next(), VersionNumber(2));
        assert_eq!(serde_json::to_string(&VersionNumber(3)).unwrap(), "3");
    }

    #[test]
    fn targets_serialise_tagged_and_key_their_streams() {
        let bill = BillId::parse("00000000-0000-0000-0000-000000000001").unwrap();
        let article = ArticleId::parse("00000000-0000-0000-0000-000000000002").unwrap();
        let target = Target::Article {
            bill_id: bill,
            article_id: article,
        };
        assert_eq!(
            serde_json::to_string(&target).unwrap(),
            r#"{"kind":"article","bill_id":"00000000-0000-0000-0000-000000000001","article_id":"00000000-0000-0000-0000-000000000002"}"#
        );
        assert_eq!(
            target.stream_key(),
            "article:00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002"
        );
        let amendment = Target::Amendment {
            amendment_id: AmendmentId::parse("00000000-0000-0000-0000-000000000003").unwrap(),
        };
        assert_eq!(
            serde_json::to_string(&amendment).unwrap(),
            r#"{"kind":"amendment","amendment_id":"00000000-0000-0000-0000-000000000003"}"#
        );
        let alice = ParticipantId::parse("u0123456789").unwrap();
        assert_eq!(
            BallotId::for_vote(&alice, &amendment),
            "u0123456789/amendment:00000000-0000-0000-0000-000000000003"
        );
    }
}
