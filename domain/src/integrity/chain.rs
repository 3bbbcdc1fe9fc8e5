//! The per-stream blake3 hash chain: event hash preimage, recorded-at form, and a stream checker.
//!
//! Layout and golden vectors are in docs/integrity.md; code and document change together.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::canonical::{canonical_json, CanonicalError, CanonicalErrorKind};

/// Domain-separation tag, the first field of every event hash preimage.
pub const EVENT_HASH_DOMAIN_TAG: &[u8] = b"palimpsest-event-v1";

/// A blake3 event hash (32 bytes). Shown and serialised as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventHash(pub [u8; 32]);

/// Why a string is not an [`EventHash`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event hash is exactly 64 lowercase hex digits, got {0:?}")]
pub struct InvalidEventHash(pub String);

impl EventHash {
    /// The `previous` of sequence 1: 32 zero bytes.
    pub const GENESIS: EventHash = EventHash([0; 32]);

    /// Parses exactly 64 lowercase hex digits (the only form [`fmt::Display`] produces).
    pub fn from_hex(text: &str) -> Result<Self, InvalidEventHash> {
        let lowercase_hex = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let mut bytes = [0u8; 32];
        if !lowercase_hex || hex::decode_to_slice(text, &mut bytes).is_err() {
            return Err(InvalidEventHash(text.to_owned()));
        }
        Ok(EventHash(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({self})")
    }
}

impl FromStr for EventHash {
    type Err = InvalidEventHash;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventHash::from_hex(s)
    }
}

impl Serialize for EventHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        EventHash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// The instant an event was recorded: UTC, whole microseconds (truncated, never rounded).
///
/// Its hashed form is `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordedAt(DateTime<Utc>);

/// Why a string is not a [`RecordedAt`] in its fixed form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "recorded_at must be exactly YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC, six fraction digits), got {0:?}"
)]
pub struct InvalidRecordedAt(pub String);

impl RecordedAt {
    /// Truncates `at` to whole microseconds. A leap second (chrono's nanosecond ≥ 10^9) is
    /// folded to `:59.999999` so the fixed form never shows second 60.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        let nanos = at.nanosecond().min(999_999_999);
        let micros_as_nanos = nanos - nanos % 1_000;
        // Always Some: the value is in 0..10^9 and `at` is a valid instant.
        RecordedAt(at.with_nanosecond(micros_as_nanos).unwrap_or(at))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the form that is hashed. Years are 0000–9999.
    pub fn to_fixed_string(&self) -> String {
        let t = self.0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 1_000
        )
    }

    /// Accepts only the exact form [`RecordedAt::to_fixed_string`] writes.
    pub fn parse_fixed(text: &str) -> Result<Self, InvalidRecordedAt> {
        let invalid = || InvalidRecordedAt(text.to_owned());
        let b = text.as_bytes();
        const SHAPE: &[u8; 27] = b"dddd-dd-ddTdd:dd:dd.ddddddZ";
        if b.len() != SHAPE.len()
            || !b.iter().zip(SHAPE).all(|(c, s)| {
                if *s == b'd' {
                    c.is_ascii_digit()
                } else {
                    c == s
                }
            })
        {
            return Err(invalid());
        }
        let num = |range: std::ops::Range<usize>| -> u32 {
            b[range]
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let year = i32::try_from(num(0..4)).map_err(|_| invalid())?;
        let at = NaiveDate::from_ymd_opt(year, num(5..7), num(8..10))
            .and_then(|d| d.and_hms_micro_opt(num(11..13), num(14..16), num(17..19), num(20..26)))
            .ok_or_else(invalid)?;
        Ok(RecordedAt(at.and_utc()))
    }
}

impl From<DateTime<Utc>> for RecordedAt {
    fn from(at: DateTime<Utc>) -> Self {
        RecordedAt::from_datetime(at)
    }
}

impl fmt::Display for RecordedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_fixed_string())
    }
}

impl fmt::Debug for RecordedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordedAt({self})")
    }
}

impl Serialize for RecordedAt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_fixed_string())
    }
}

impl<'de> Deserialize<'de> for RecordedAt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RecordedAt::parse_fixed(&text).map_err(serde::de::Error::custom)
    }
}

/// Everything an event hash covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventHashInput<'a> {
    pub stream_type: &'a str,
    pub stream_id: &'a str,
    /// 1 for the first event of a stream.
    pub sequence: u64,
    pub event_type: &'a str,
    pub event_version: &'a str,
    pub payload: &'a Value,
    pub metadata: &'a Value,
    pub recorded_at: RecordedAt,
    pub actor: &'a str,
    /// The hash of event `sequence − 1`; [`EventHash::GENESIS`] for sequence 1.
    pub previous: EventHash,
}

fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Every field is far below 4 GiB (events are bounded well before that); saturate defensively.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The bytes that are hashed (see docs/integrity.md for the table):
/// `field(tag) ‖ field(stream_type) ‖ field(stream_id) ‖ u64_be(sequence) ‖ field(event_type) ‖
/// field(event_version) ‖ field(jcs(payload)) ‖ field(jcs(metadata)) ‖ field(recorded_at) ‖
/// field(actor) ‖ previous`, with `field(b) = u32_be(len(b)) ‖ b`.
///
/// Refuses sequence 0 and a sequence 1 whose `previous` is not [`EventHash::GENESIS`].
pub fn event_hash_preimage(input: &EventHashInput<'_>) -> Result<Vec<u8>, CanonicalError> {
    if input.sequence == 0 {
        return Err(CanonicalError {
            field: Some("sequence"),
            path: "$".into(),
            kind: CanonicalErrorKind::SequenceZero,
        });
    }
    if input.sequence == 1 && input.previous != EventHash::GENESIS {
        return Err(CanonicalError {
            field: Some("previous"),
            path: "$".into(),
            kind: CanonicalErrorKind::FirstEventNotFromGenesis,
        });
    }
    let payload = canonical_json(input.payload).map_err(|e| e.in_field("payload"))?;
    let metadata = canonical_json(input.metadata).map_err(|e| e.in_field("metadata"))?;
    let recorded_at = input.recorded_at.to_fixed_string();
    let mut out = Vec::with_capacity(
        160 + input.stream_type.len()
            + input.stream_id.len()
            + input.event_type.len()
            + input.event_version.len()
            + payload.len()
            + metadata.len()
            + input.actor.len(),
    );
    push_field(&mut out, EVENT_HASH_DOMAIN_TAG);
    push_field(&mut out, input.stream_type.as_bytes());
    push_field(&mut out, input.stream_id.as_bytes());
    out.extend_from_slice(&input.sequence.to_be_bytes());
    push_field(&mut out, input.event_type.as_bytes());
    push_field(&mut out, input.event_version.as_bytes());
    push_field(&mut out, &payload);
    push_field(&mut out, &metadata);
    push_field(&mut out, recorded_at.as_bytes());
    push_field(&mut out, input.actor.as_bytes());
    out.extend_from_slice(&input.previous.0);
    Ok(out)
}

/// `blake3(event_hash_preimage(input))`.
pub fn event_hash(input: &EventHashInput<'_>) -> Result<EventHash, CanonicalError> {
    let preimage = event_hash_preimage(input)?;
    Ok(EventHash(*blake3::hash(&preimage).as_bytes()))
}

/// An event as stored (database row or export line), with its chain links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: Value,
    pub recorded_at: RecordedAt,
    pub actor: String,
    pub previous: EventHash,
    pub hash: EventHash,
}

impl StoredEvent {
    /// The fields this event's hash covers.
    pub fn hash_input(&self) -> EventHashInput<'_> {
        EventHashInput {
            stream_type: &self.stream_type,
            stream_id: &self.stream_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            event_version: &self.event_version,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at: self.recorded_at,
            actor: &self.actor,
            previous: self.previous,
        }
    }
}

/// The first place a stream's chain is broken.
///
/// It is 128 bytes (two stream names, two hashes); box it inside larger error enums.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("stream {stream_type}/{stream_id}: sequence {sequence}: {kind}")]
pub struct ChainBreak {
    /// The stream being checked (for `MixedStreams`, the stream the other events belong to).
    pub stream_type: String,
    pub stream_id: String,
    /// The sequence number found on the offending event.
    pub sequence: u64,
    pub kind: ChainBreakKind,
}

/// What is wrong at a [`ChainBreak`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChainBreakKind {
    #[error(
        "expected sequence {expected} but found {found} (an event was deleted, duplicated or moved)"
    )]
    SequenceGap { expected: u64, found: u64 },
    #[error(
        "previous hash does not match the hash of the event before it (the chain was re-linked or an event replaced)"
    )]
    PreviousMismatch,
    #[error(
        "stored hash {stored} does not match the recomputed {computed} (the event was altered after it was recorded)"
    )]
    HashMismatch {
        stored: EventHash,
        computed: EventHash,
    },
    #[error("the event cannot be hashed: {0}")]
    NotCanonical(CanonicalError),
    #[error("the event belongs to another stream and was mixed into this one")]
    MixedStreams,
}

/// Checks one stream event by event, in constant memory.
///
/// Feed events in sequence order. Checks per event: same stream as the first event; sequence is
/// the next one (1, 2, 3…); `previous` is the prior event's hash ([`EventHash::GENESIS`] for 1);
/// the stored hash equals the recomputed one. After a break the checker does not advance:
/// report the break and stop.
#[derive(Debug, Clone, Default)]
pub struct StreamChecker {
    stream: Option<(String, String)>,
    checked: u64,
    last_hash: Option<EventHash>,
}

impl StreamChecker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of events accepted so far (also the last accepted sequence).
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Hash of the last accepted event ([`EventHash::GENESIS`] before any), i.e. the stream head.
    pub fn head(&self) -> EventHash {
        self.last_hash.unwrap_or(EventHash::GENESIS)
    }

    /// Checks the next event of the stream.
    // A ChainBreak is 128 bytes and returned at most once per verification: not worth boxing.
    #[allow(clippy::result_large_err)]
    pub fn check(&mut self, e: &StoredEvent) -> Result<(), ChainBreak> {
        let head = self.head();
        let (stream_type, stream_id) = self
            .stream
            .get_or_insert_with(|| (e.stream_type.clone(), e.stream_id.clone()));
        let brk = |kind| ChainBreak {
            stream_type: stream_type.clone(),
            stream_id: stream_id.clone(),
            sequence: e.sequence,
            kind,
        };
        // Stream identity first, so a foreign event is named as such, not as a gap.
        if e.stream_type != *stream_type || e.stream_id != *stream_id {
            return Err(brk(ChainBreakKind::MixedStreams));
        }
        let expected = self.checked + 1;
        if e.sequence != expected {
            return Err(brk(ChainBreakKind::SequenceGap {
                expected,
                found: e.sequence,
            }));
        }
        if e.previous != head {
            return Err(brk(ChainBreakKind::PreviousMismatch));
        }
        let computed =
            event_hash(&e.hash_input()).map_err(|err| brk(ChainBreakKind::NotCanonical(err)))?;
        if computed != e.hash {
            return Err(brk(ChainBreakKind::HashMismatch {
                stored: e.hash,
                computed,
            }));
        }
        self.checked = expected;
        self.last_hash = Some(computed);
        Ok(())
    }
}

/// Checks a whole stream (events in sequence order); returns how many events were verified.
#[allow(clippy::result_large_err)]
pub fn verify_stream<'a>(
    events: impl IntoIterator<Item = &'a StoredEvent>,
) -> Result<usize, ChainBreak> {
    let mut checker = StreamChecker::new();
    let mut count = 0usize;
    for event in events {
        checker.check(event)?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(text: &str) -> RecordedAt {
        RecordedAt::parse_fixed(text).expect("fixed form")
    }

    /// Builds a stored event whose hash is computed from its fields.
    #[allow(clippy::too_many_arguments)]
    fn stored(
        stream_id: &str,
        sequence: u64,
        event_type: &str,
        payload: Value,
        metadata: Value,
        recorded_at: RecordedAt,
        actor: &str,
        previous: EventHash,
    ) -> StoredEvent {
        let mut e = StoredEvent {
            stream_type: "bill".into(),
            stream_id: stream_id.into(),
            sequence,
            event_type: event_type.into(),
            event_version: "1".into(),
            payload,
            metadata,
            recorded_at,
            actor: actor.into(),
            previous,
            hash: EventHash::GENESIS,
        };
        e.hash = event_hash(&e.hash_input()).expect("hashable");
        e
    }

    const BILL: &str = "3f2a9c1e-7b4d-4e8a-9c3b-5d6e7f8a9b0c";

    fn golden_first() -> StoredEvent {
        stored(
            BILL,
            1,
            "BillDrafted",
            json!({"title": "Loi 1"}),
            json!({}),
            at("2025-01-02T03:04:05.000006Z"),
            "user:alice",
            EventHash::GENESIS,
        )
    }

    fn golden_second(first: &StoredEvent) -> StoredEvent {
        stored(
            BILL,
            2,
            "ArticleAdded",
            json!({"article": 1, "text": "Le maire est élu."}),
            json!({
                "occurred_at": "2025-01-02T04:05:06+01:00",
                "actor": "user:alice",
                "source": "api",
                "command_id": "c-0002"
            }),
            at("2025-01-02T03:05:06.123456Z"),
            "user:alice",
            first.hash,
        )
    }

    fn golden_third(second: &StoredEvent) -> StoredEvent {
        stored(
            BILL,
            3,
            "ArgumentPosted",
            json!({
                "text": "Élève, cœur, œuvre, à l'été 🌍\n\t\"fin\"\u{1}",
                "tags": ["çà", "😀"],
                "n": -42
            }),
            json!({"source": "café-fr", "actor": "user:zoé"}),
            at("2025-12-31T23:59:59.999999Z"),
            "user:zoé",
            second.hash,
        )
    }

    fn chain_of(n: u64) -> Vec<StoredEvent> {
        let mut events: Vec<StoredEvent> = Vec::new();
        for seq in 1..=n {
            let previous = events.last().map_or(EventHash::GENESIS, |e| e.hash);
            events.push(stored(
                BILL,
                seq,
                "ParagraphEdited",
                json!({"paragraph": seq, "text": format!("version {seq}")}),
                json!({"command_id": format!("c-{seq}"), "source": "api"}),
                at(&format!("2025-03-01T10:00:{:02}.000000Z", seq)),
                "user:bob",
                previous,
            ));
        }
        events
    }

    fn break_of(events: &[StoredEvent]) -> ChainBreak {
        verify_stream(events).expect_err("tampering must be detected")
    }

    #[test]
    fn golden_vector_1_minimal_first_event_chains_from_genesis() {
        let e = golden_first();
        let preimage = event_hash_preimage(&e.hash_input()).expect("hashable");
        assert_eq!(
            hex::encode(&preimage),
            GOLDEN_1_PREIMAGE,
            "preimage changed: update docs/integrity.md only if the format version changes"
        );
        assert_eq!(e.hash.to_hex(), GOLDEN_1_HASH);
    }

    #[test]
    fn golden_vector_2_second_event_chains_from_the_first() {
        let first = golden_first();
        let e = golden_second(&first);
        assert_eq!(e.previous.to_hex(), GOLDEN_1_HASH);
        let preimage = event_hash_preimage(&e.hash_input()).expect("hashable");
        assert_eq!(hex::encode(&preimage), GOLDEN_2_PREIMAGE);
        assert_eq!(e.hash.to_hex(), GOLDEN_2_HASH);
    }

    #[test]
    fn golden_vector_3_non_ascii_and_control_characters() {
        let second = golden_second(&golden_first());
        let e = golden_third(&second);
        assert_eq!(e.previous.to_hex(), GOLDEN_2_HASH);
        let preimage = event_hash_preimage(&e.hash_input()).expect("hashable");
        assert_eq!(hex::encode(&preimage), GOLDEN_3_PREIMAGE);
        assert_eq!(e.hash.to_hex(), GOLDEN_3_HASH);
    }

    #[test]
    fn the_golden_chain_verifies() {
        let first = golden_first();
        let second = golden_second(&first);
        let third = golden_third(&second);
        assert_eq!(verify_stream([&first, &second, &third]), Ok(3));
    }

    #[test]
    fn the_preimage_starts_with_the_length_prefixed_domain_tag_and_ends_with_previous() {
        let first = golden_first();
        let second = golden_second(&first);
        let preimage = event_hash_preimage(&second.hash_input()).expect("hashable");
        assert_eq!(&preimage[..4], &19u32.to_be_bytes());
        assert_eq!(&preimage[4..23], b"palimpsest-event-v1");
        assert_eq!(&preimage[preimage.len() - 32..], first.hash.as_bytes());
    }

    #[test]
    fn recorded_at_truncates_nanoseconds_and_does_not_round() {
        let t = Utc
            .with_ymd_and_hms(2025, 6, 7, 8, 9, 10)
            .single()
            .expect("valid")
            .with_nanosecond(123_456_999)
            .expect("valid");
        let r = RecordedAt::from_datetime(t);
        assert_eq!(r.to_fixed_string(), "2025-06-07T08:09:10.123456Z");
        assert_eq!(r.as_datetime().nanosecond(), 123_456_000);
        let t = t.with_nanosecond(999_999_999).expect("valid");
        assert_eq!(
            RecordedAt::from_datetime(t).to_fixed_string(),
            "2025-06-07T08:09:10.999999Z"
        );
    }

    #[test]
    fn recorded_at_always_writes_six_fraction_digits_and_round_trips() {
        let whole = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .expect("valid");
        let r = RecordedAt::from_datetime(whole);
        assert_eq!(r.to_fixed_string(), "2025-01-02T03:04:05.000000Z");
        for text in [
            "2025-01-02T03:04:05.000000Z",
            "2025-01-02T03:04:05.000006Z",
            "1999-12-31T23:59:59.999999Z",
            "2024-02-29T00:00:00.100000Z",
        ] {
            let parsed = at(text);
            assert_eq!(parsed.to_fixed_string(), text);
            let json = serde_json::to_string(&parsed).expect("serialise");
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<RecordedAt>(&json).expect("deserialise"),
                parsed
            );
        }
    }

    #[test]
    fn recorded_at_refuses_every_other_form() {
        for text in [
            "2025-01-02T03:04:05Z",
            "2025-01-02T03:04:05.123Z",
            "2025-01-02T03:04:05.123456789Z",
            "2025-01-02T03:04:05.123456+00:00",
            "2025-01-02 03:04:05.123456Z",
            "2025-01-02T03:04:05.123456z",
            "2025-01-02T03:04:05.123456",
            "2025-02-30T03:04:05.123456Z",
            "2025-01-02T24:00:00.000000Z",
            "2025-01-02T23:59:60.000000Z",
            " 2025-01-02T03:04:05.123456Z",
            "２025-01-02T03:04:05.123456Z",
        ] {
            assert!(
                RecordedAt::parse_fixed(text).is_err(),
                "{text:?} must be refused"
            );
        }
    }

    #[test]
    fn event_hash_is_lowercase_hex_and_round_trips_through_serde() {
        let h = golden_first().hash;
        let text = h.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(EventHash::from_hex(&text), Ok(h));
        assert_eq!(
            serde_json::from_str::<EventHash>(&serde_json::to_string(&h).expect("ser"))
                .expect("de"),
            h
        );
        assert_eq!(EventHash::GENESIS.to_string(), "0".repeat(64));
        assert!(EventHash::from_hex(&text.to_uppercase()).is_err());
        assert!(EventHash::from_hex(&text[..62]).is_err());
        assert!(EventHash::from_hex(&format!("{text}00")).is_err());
    }

    #[test]
    fn sequence_zero_and_a_first_event_not_from_genesis_cannot_be_hashed() {
        let mut e = golden_first();
        e.sequence = 0;
        assert_eq!(
            event_hash(&e.hash_input()).expect_err("seq 0").kind,
            CanonicalErrorKind::SequenceZero
        );
        let mut e = golden_first();
        e.previous = EventHash([7; 32]);
        assert_eq!(
            event_hash(&e.hash_input()).expect_err("not genesis").kind,
            CanonicalErrorKind::FirstEventNotFromGenesis
        );
    }

    #[test]
    fn an_intact_stream_verifies_and_an_empty_one_is_trivially_intact() {
        let events = chain_of(5);
        assert_eq!(verify_stream(&events), Ok(5));
        assert_eq!(verify_stream(&[]), Ok(0));
        let mut checker = StreamChecker::new();
        for e in &events {
            checker.check(e).expect("intact");
        }
        assert_eq!(checker.checked(), 5);
        assert_eq!(checker.head(), events[4].hash);
    }

    #[test]
    fn an_edited_payload_is_detected_as_a_hash_mismatch_at_that_event() {
        let mut events = chain_of(5);
        events[2].payload["text"] = json!("version 3, quietly changed");
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 3);
        assert!(matches!(brk.kind, ChainBreakKind::HashMismatch { .. }));
        let message = brk.to_string();
        assert!(
            message.starts_with(&format!(
                "stream bill/{BILL}: sequence 3: stored hash {}",
                events[2].hash
            )),
            "{message}"
        );
        assert!(
            message.contains("altered after it was recorded"),
            "{message}"
        );
    }

    #[test]
    fn an_edited_metadata_is_detected() {
        let mut events = chain_of(5);
        events[1].metadata["source"] = json!("import");
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 2);
        assert!(matches!(brk.kind, ChainBreakKind::HashMismatch { .. }));
    }

    #[test]
    fn an_edited_recorded_at_is_detected_even_by_one_microsecond() {
        let mut events = chain_of(5);
        events[3].recorded_at = at("2025-03-01T10:00:04.000001Z");
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 4);
        assert!(matches!(brk.kind, ChainBreakKind::HashMismatch { .. }));
    }

    #[test]
    fn an_edited_actor_is_detected() {
        let mut events = chain_of(5);
        events[0].actor = "user:mallory".into();
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 1);
        assert!(matches!(brk.kind, ChainBreakKind::HashMismatch { .. }));
    }

    #[test]
    fn a_deleted_middle_event_is_detected_as_a_sequence_gap() {
        let mut events = chain_of(5);
        events.remove(2);
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 4);
        assert_eq!(
            brk.kind,
            ChainBreakKind::SequenceGap {
                expected: 3,
                found: 4
            }
        );
    }

    #[test]
    fn a_deleted_middle_event_with_renumbered_successors_is_still_detected() {
        let mut events = chain_of(5);
        events.remove(2);
        for e in &mut events[2..] {
            e.sequence -= 1;
        }
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 3);
        assert_eq!(brk.kind, ChainBreakKind::PreviousMismatch);
    }

    #[test]
    fn two_swapped_events_are_detected() {
        let mut events = chain_of(5);
        events.swap(1, 2);
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 3);
        assert_eq!(
            brk.kind,
            ChainBreakKind::SequenceGap {
                expected: 2,
                found: 3
            }
        );
    }

    #[test]
    fn swapped_events_with_swapped_sequence_numbers_are_detected() {
        let mut events = chain_of(5);
        events.swap(1, 2);
        events[1].sequence = 2;
        events[2].sequence = 3;
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 2);
        assert_eq!(brk.kind, ChainBreakKind::PreviousMismatch);
    }

    #[test]
    fn an_event_from_another_stream_mixed_in_is_detected() {
        let mut events = chain_of(5);
        let other = stored(
            "another-bill",
            3,
            "ParagraphEdited",
            json!({"paragraph": 3, "text": "version 3"}),
            json!({}),
            at("2025-03-01T10:00:03.000000Z"),
            "user:bob",
            events[1].hash,
        );
        events[2] = other;
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 3);
        assert_eq!(brk.stream_id, BILL);
        assert_eq!(brk.kind, ChainBreakKind::MixedStreams);
        let mut other_type = chain_of(1);
        other_type[0].stream_type = "amendment".into();
        let mut mixed = chain_of(2);
        mixed.insert(1, other_type.remove(0));
        assert_eq!(break_of(&mixed).kind, ChainBreakKind::MixedStreams);
    }

    #[test]
    fn a_wrong_previous_is_detected_before_the_hash() {
        let mut events = chain_of(5);
        events[3].previous = events[1].hash;
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 4);
        assert_eq!(brk.kind, ChainBreakKind::PreviousMismatch);
        let mut events = chain_of(2);
        events[0].previous = EventHash([1; 32]);
        assert_eq!(break_of(&events).kind, ChainBreakKind::PreviousMismatch);
    }

    #[test]
    fn a_rehashed_forgery_is_detected_at_the_next_link() {
        // Editing an event and recomputing its hash moves the break to the next event.
        let mut events = chain_of(5);
        events[1].payload["text"] = json!("forged");
        events[1].hash = event_hash(&events[1].hash_input()).expect("hashable");
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 3);
        assert_eq!(brk.kind, ChainBreakKind::PreviousMismatch);
    }

    #[test]
    fn a_stored_payload_that_is_not_canonical_is_reported_with_its_path() {
        let mut events = chain_of(3);
        events[1].payload["amount"] = json!(1.5);
        let brk = break_of(&events);
        assert_eq!(brk.sequence, 2);
        match brk.kind {
            ChainBreakKind::NotCanonical(err) => {
                assert_eq!(err.field, Some("payload"));
                assert_eq!(err.path, "$.amount");
            }
            other => panic!("expected NotCanonical, got {other:?}"),
        }
    }

    #[test]
    fn database_json_reordering_and_whitespace_do_not_change_the_hash() {
        let events = chain_of(2);
        let mut e = events[1].clone();
        // jsonb-style text: different key order and spacing, re-parsed strictly.
        let text = format!(
            "{{ \"text\" : \"{}\",\n \"paragraph\": 2 }}",
            e.payload["text"].as_str().expect("string")
        );
        e.payload = crate::integrity::canonical::parse_strict_json(&text).expect("valid");
        assert_eq!(event_hash(&e.hash_input()).expect("hashable"), e.hash);
        e.payload["paragraph"] = json!(3);
        assert_ne!(event_hash(&e.hash_input()).expect("hashable"), e.hash);
    }

    #[test]
    fn a_stored_event_round_trips_through_json_with_the_same_hash() {
        let e = golden_third(&golden_second(&golden_first()));
        let line = serde_json::to_string(&e).expect("serialise");
        let back: StoredEvent = serde_json::from_str(&line).expect("deserialise");
        assert_eq!(back, e);
        assert_eq!(
            verify_stream(&[golden_first(), golden_second(&golden_first()), back]),
            Ok(3)
        );
    }

    const GOLDEN_1_PREIMAGE: &str = "0000001370616c696d70736573742d6576656e742d76310000000462696c6c0000002433663261396331652d376234642d346538612d396333622d35643665376638613962306300000000000000010000000b42696c6c447261667465640000000131000000117b227469746c65223a224c6f692031227d000000027b7d0000001b323032352d30312d30325430333a30343a30352e3030303030365a0000000a757365723a616c6963650000000000000000000000000000000000000000000000000000000000000000";
    const GOLDEN_1_HASH: &str = "16ce4f0684b14e2f691cbc67629bccf5d24b7d24959803cc8e881cc71a810c2c";
    const GOLDEN_2_PREIMAGE: &str = "0000001370616c696d70736573742d6576656e742d76310000000462696c6c0000002433663261396331652d376234642d346538612d396333622d35643665376638613962306300000000000000020000000c41727469636c6541646465640000000131000000297b2261727469636c65223a312c2274657874223a224c65206d616972652065737420c3a96c752e227d000000657b226163746f72223a22757365723a616c696365222c22636f6d6d616e645f6964223a22632d30303032222c226f636375727265645f6174223a22323032352d30312d30325430343a30353a30362b30313a3030222c22736f75726365223a22617069227d0000001b323032352d30312d30325430333a30353a30362e3132333435365a0000000a757365723a616c69636516ce4f0684b14e2f691cbc67629bccf5d24b7d24959803cc8e881cc71a810c2c";
    const GOLDEN_2_HASH: &str = "93ffc463d05ebf7e8c5d6e2980743566ec8680aecdd506358b257ad6f125e435";
    const GOLDEN_3_PREIMAGE: &str = "0000001370616c696d70736573742d6576656e742d76310000000462696c6c0000002433663261396331652d376234642d346538612d396333622d35643665376638613962306300000000000000030000000e417267756d656e74506f737465640000000131000000627b226e223a2d34322c2274616773223a5b22c3a7c3a0222c22f09f9880225d2c2274657874223a22c3896cc3a876652c2063c59375722c20c593757672652c20c3a0206c27c3a974c3a920f09f8c8d5c6e5c745c2266696e5c225c7530303031227d000000297b226163746f72223a22757365723a7a6fc3a9222c22736f75726365223a22636166c3a92d6672227d0000001b323032352d31322d33315432333a35393a35392e3939393939395a00000009757365723a7a6fc3a993ffc463d05ebf7e8c5d6e2980743566ec8680aecdd506358b257ad6f125e435";
    const GOLDEN_3_HASH: &str = "1646529e30a0846ba4f3a91ee3118d8a953c2fba7e786828e68bcfc93f7bd539";
}
