//! Canonical JSON: RFC 8785 (JCS) restricted to integers and NFC strings, plus a strict parser.
//!
//! [`canonical_json`] turns a [`serde_json::Value`] into the exact bytes that are hashed.
//! [`parse_strict_json`] is the parser for the HTTP and file boundaries: it refuses what a
//! `serde_json::Value` would silently hide (duplicate keys, lone surrogate escapes).
//! The rules are written down in docs/integrity.md; code and document change together.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Number, Value};
use unicode_normalization::is_nfc;

/// Largest integer magnitude allowed in hashed JSON: 2^53 − 1 (exact in an IEEE 754 double).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Deepest nesting of arrays/objects accepted by [`parse_strict_json`].
pub const MAX_DEPTH: usize = 128;

/// Why a JSON value or text cannot be canonicalised, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError {
    /// Which part of an event the value came from (`payload`, `metadata`), when known.
    pub field: Option<&'static str>,
    /// JSON path of the offending value, e.g. `$.articles[3].paragraphs[0]`.
    pub path: String,
    /// What is wrong and what to do about it.
    pub kind: CanonicalErrorKind,
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            _ if matches!(
                self.kind,
                CanonicalErrorKind::SequenceZero | CanonicalErrorKind::FirstEventNotFromGenesis
            ) =>
            {
                write!(f, "{}", self.kind)
            }
            Some(field) => write!(f, "{field} at {}: {}", self.path, self.kind),
            None => write!(f, "JSON at {}: {}", self.path, self.kind),
        }
    }
}

impl std::error::Error for CanonicalError {}

impl CanonicalError {
    fn new(path: &Path<'_>, kind: CanonicalErrorKind) -> Self {
        CanonicalError {
            field: None,
            path: path.to_string(),
            kind,
        }
    }

    /// The same error, attributed to a named part of an event (`payload`, `metadata`).
    pub fn in_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

/// The kinds of [`CanonicalError`]. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalErrorKind {
    #[error(
        "number {0} is not an integer; hashed JSON holds only integers, carry decimal values as strings"
    )]
    NotAnInteger(String),
    #[error("integer {0} is outside ±(2^53−1); carry such values as strings (e.g. \"{0}\")")]
    IntegerOutOfRange(String),
    #[error("string is not in Unicode NFC; normalise text to NFC at the boundary before hashing")]
    NotNfc,
    #[error("object key {0:?} is not in Unicode NFC; normalise keys to NFC at the boundary")]
    KeyNotNfc(String),
    #[error("duplicate object key {0:?}; each key may appear once")]
    DuplicateKey(String),
    #[error("lone surrogate escape {0}; only valid UTF-16 surrogate pairs may be escaped")]
    LoneSurrogate(String),
    #[error("nesting deeper than {MAX_DEPTH} levels; flatten the document")]
    TooDeep,
    #[error("invalid JSON at byte {offset}: {message}")]
    Syntax { offset: usize, message: String },
    #[error("sequence 0 does not exist; the first event of a stream has sequence 1")]
    SequenceZero,
    #[error("the event with sequence 1 must have previous = GENESIS (32 zero bytes)")]
    FirstEventNotFromGenesis,
}

/// A JSON path under construction (a linked list on the stack: no allocation while it is fine).
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Path::Key(parent, key) => {
                let plain = key
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if plain {
                    write!(f, "{parent}.{key}")
                } else {
                    let mut quoted = Vec::new();
                    write_string(&mut quoted, key);
                    // write_string emits valid UTF-8 from a &str.
                    write!(f, "{parent}[{}]", String::from_utf8_lossy(&quoted))
                }
            }
        }
    }
}

/// The canonical bytes of `value` (RFC 8785 restricted to integers; strings must be NFC).
///
/// Object members are sorted by the UTF-16 code units of their keys, there is no whitespace,
/// strings are escaped as RFC 8785 says, numbers are integers with |n| ≤ 2^53 − 1 in plain decimal.
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value, &Path::Root)?;
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, value: &Value, path: &Path<'_>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n, path)?,
        Value::String(s) => {
            if !is_nfc(s) {
                return Err(CanonicalError::new(path, CanonicalErrorKind::NotNfc));
            }
            write_string(out, s);
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, &Path::Index(path, i))?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                let member_path = Path::Key(path, key);
                if !is_nfc(key) {
                    return Err(CanonicalError::new(
                        &member_path,
                        CanonicalErrorKind::KeyNotNfc(key.clone()),
                    ));
                }
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_value(out, item, &member_path)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number, path: &Path<'_>) -> Result<(), CanonicalError> {
    // Only as_i64/as_u64: a number serde_json holds as f64 (1.0, 1e2, 2^64) is refused,
    // whatever serde_json features the workspace happens to enable.
    let magnitude_ok = match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i.unsigned_abs() <= MAX_SAFE_INTEGER,
        (None, Some(u)) => u <= MAX_SAFE_INTEGER,
        (None, None) => {
            // A float too large to be a safe integer gets the "carry it as a string" advice.
            let is_integral_float = n
                .as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() > MAX_SAFE_INTEGER as f64);
            let kind = if is_integral_float {
                CanonicalErrorKind::IntegerOutOfRange(n.to_string())
            } else {
                CanonicalErrorKind::NotAnInteger(n.to_string())
            };
            return Err(CanonicalError::new(path, kind));
        }
    };
    if !magnitude_ok {
        return Err(CanonicalError::new(
            path,
            CanonicalErrorKind::IntegerOutOfRange(n.to_string()),
        ));
    }
    match n.as_i64() {
        Some(i) => out.extend_from_slice(i.to_string().as_bytes()),
        None => out.extend_from_slice(n.as_u64().unwrap_or_default().to_string().as_bytes()),
    }
    Ok(())
}

/// Writes `s` as an RFC 8785 string literal.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{0C}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Orders strings by their UTF-16 code units, as RFC 8785 §3.2.3 requires.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Parses JSON text, refusing duplicate object keys (at any depth, compared after unescaping),
/// lone surrogate escapes, nesting deeper than [`MAX_DEPTH`], and anything RFC 8259 refuses.
///
/// It does not check NFC or number ranges: the boundary normalises, [`canonical_json`] refuses.
pub fn parse_strict_json(text: &str) -> Result<Value, CanonicalError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    parser.skip_ws();
    let value = parser.value(&Path::Root, 0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.syntax(&Path::Root, "trailing characters after the JSON value"));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl Parser<'_> {
    fn syntax(&self, path: &Path<'_>, message: &str) -> CanonicalError {
        CanonicalError::new(
            path,
            CanonicalErrorKind::Syntax {
                offset: self.pos,
                message: message.to_owned(),
            },
        )
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(
        &mut self,
        word: &str,
        value: Value,
        path: &Path<'_>,
    ) -> Result<Value, CanonicalError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.syntax(path, "expected a JSON value"))
        }
    }

    fn value(&mut self, path: &Path<'_>, depth: usize) -> Result<Value, CanonicalError> {
        match self.peek() {
            Some(b'{') => self.object(path, depth + 1),
            Some(b'[') => self.array(path, depth + 1),
            Some(b'"') => Ok(Value::String(self.string(path)?)),
            Some(b't') => self.literal("true", Value::Bool(true), path),
            Some(b'f') => self.literal("false", Value::Bool(false), path),
            Some(b'n') => self.literal("null", Value::Null, path),
            Some(b'-' | b'0'..=b'9') => self.number(path),
            Some(_) => Err(self.syntax(path, "expected a JSON value")),
            None => Err(self.syntax(path, "unexpected end of input")),
        }
    }

    fn object(&mut self, path: &Path<'_>, depth: usize) -> Result<Value, CanonicalError> {
        if depth > MAX_DEPTH {
            return Err(CanonicalError::new(path, CanonicalErrorKind::TooDeep));
        }
        self.pos += 1; // '{'
        let mut map = Map::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax(path, "expected a string key"));
            }
            let key = self.string(path)?;
            let member_path = Path::Key(path, &key);
            if map.contains_key(&key) {
                return Err(CanonicalError::new(
                    &member_path,
                    CanonicalErrorKind::DuplicateKey(key.clone()),
                ));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.syntax(&member_path, "expected ':' after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let item = self.value(&member_path, depth)?;
            map.insert(key, item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.syntax(path, "expected ',' or '}' in object")),
            }
        }
    }

    fn array(&mut self, path: &Path<'_>, depth: usize) -> Result<Value, CanonicalError> {
        if depth > MAX_DEPTH {
            return Err(CanonicalError::new(path, CanonicalErrorKind::TooDeep));
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            let item = self.value(&Path::Index(path, items.len()), depth)?;
            items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.syntax(path, "expected ',' or ']' in array")),
            }
        }
    }

    fn hex4(&mut self, path: &Path<'_>) -> Result<u16, CanonicalError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.syntax(path, "\\u must be followed by four hex digits"))?;
        let unit = u16::from_str_radix(digits, 16)
            .map_err(|_| self.syntax(path, "\\u must be followed by four hex digits"))?;
        self.pos += 4;
        Ok(unit)
    }

    fn string(&mut self, path: &Path<'_>) -> Result<String, CanonicalError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            // Copy the run of plain characters at once (the input is valid UTF-8 already).
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.syntax(path, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self
                        .peek()
                        .ok_or_else(|| self.syntax(path, "unterminated string"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{08}'),
                        b'f' => out.push('\u{0C}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4(path)?;
                            out.push(self.unicode_escape(unit, path)?);
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.syntax(path, "invalid escape in string"));
                        }
                    }
                }
                Some(_) => {
                    return Err(self.syntax(path, "control characters must be escaped in strings"))
                }
            }
        }
    }

    /// Completes a `\uXXXX` escape whose four digits were `unit`, reading a low surrogate if needed.
    fn unicode_escape(&mut self, unit: u16, path: &Path<'_>) -> Result<char, CanonicalError> {
        let lone = |unit: u16| {
            CanonicalError::new(
                path,
                CanonicalErrorKind::LoneSurrogate(format!("\\u{unit:04x}")),
            )
        };
        match unit {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(lone(unit));
                }
                let save = self.pos;
                self.pos += 2;
                let low = self.hex4(path)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    self.pos = save;
                    return Err(lone(unit));
                }
                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                char::from_u32(code).ok_or_else(|| lone(unit))
            }
            0xDC00..=0xDFFF => Err(lone(unit)),
            _ => char::from_u32(u32::from(unit)).ok_or_else(|| lone(unit)),
        }
    }

    fn number(&mut self, path: &Path<'_>) -> Result<Value, CanonicalError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax(path, "invalid number")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.syntax(path, "invalid number: digits expected after '.'"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            integral = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.syntax(path, "invalid number: digits expected in exponent"));
            }
            self.digits();
        }
        let lexeme = &self.text[start..self.pos];
        // "-0" is left to the f64 branch (as serde_json does), so canonical_json refuses it.
        if integral && lexeme != "-0" {
            if let Ok(i) = lexeme.parse::<i64>() {
                return Ok(Value::Number(i.into()));
            }
            if let Ok(u) = lexeme.parse::<u64>() {
                return Ok(Value::Number(u.into()));
            }
        }
        // Non-integers and huge integers become f64 (as serde_json does); canonical_json refuses them.
        lexeme
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| {
                CanonicalError::new(path, CanonicalErrorKind::NotAnInteger(lexeme.to_owned()))
            })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: &Value) -> String {
        String::from_utf8(canonical_json(v).expect("canonical")).expect("utf-8")
    }

    fn canon_err(v: &Value) -> CanonicalError {
        canonical_json(v).expect_err("must be refused")
    }

    #[test]
    fn scalars_are_written_without_whitespace() {
        assert_eq!(canon(&json!(null)), "null");
        assert_eq!(canon(&json!(true)), "true");
        assert_eq!(canon(&json!(false)), "false");
        assert_eq!(canon(&json!(0)), "0");
        assert_eq!(canon(&json!(-17)), "-17");
        assert_eq!(canon(&json!("a b")), "\"a b\"");
        assert_eq!(canon(&json!([])), "[]");
        assert_eq!(canon(&json!({})), "{}");
    }

    #[test]
    fn object_keys_are_sorted_by_utf16_code_units_not_by_code_points() {
        // U+1F600 is the surrogate pair D83D DE00; U+E000 is the single unit E000.
        // By code point (or UTF-8 bytes) U+E000 < U+1F600; by UTF-16 units D83D < E000.
        let value =
            json!({ "\u{E000}": 1, "\u{1F600}": 2, "b": 3, "a": 4, "B": 5, "é": 6, "aa": 7 });
        assert_eq!(
            canon(&value),
            "{\"B\":5,\"a\":4,\"aa\":7,\"b\":3,\"é\":6,\"\u{1F600}\":2,\"\u{E000}\":1}"
        );
    }

    #[test]
    fn strings_are_escaped_exactly_as_rfc_8785_says() {
        let s: String = (0u8..0x20).map(char::from).collect::<String>() + "\"\\/\u{7f}é\u{2028}😀";
        let expected = concat!(
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007",
            "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f",
            "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017",
            "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f",
            "\\\"\\\\/\u{7f}é\u{2028}😀\""
        );
        assert_eq!(canon(&Value::String(s)), expected);
    }

    #[test]
    fn nested_arrays_and_objects_are_canonicalised_recursively() {
        let value = json!({
            "z": [3, {"y": null, "x": [true, false]}, []],
            "a": {"c": {"e": "f", "d": [1, [2, [3]]]}, "b": {}}
        });
        assert_eq!(
            canon(&value),
            r#"{"a":{"b":{},"c":{"d":[1,[2,[3]]],"e":"f"}},"z":[3,{"x":[true,false],"y":null},[]]}"#
        );
    }

    #[test]
    fn the_largest_safe_integer_is_accepted() {
        assert_eq!(canon(&json!(9_007_199_254_740_991_u64)), "9007199254740991");
    }

    #[test]
    fn two_to_the_53_is_refused_with_advice_to_use_a_string() {
        let err = canon_err(&json!({"n": 9_007_199_254_740_992_u64}));
        assert_eq!(err.path, "$.n");
        assert!(matches!(err.kind, CanonicalErrorKind::IntegerOutOfRange(_)));
        assert!(err.to_string().contains("as strings"), "{err}");
        let err = canon_err(&json!(-9_007_199_254_740_992_i64));
        assert!(matches!(err.kind, CanonicalErrorKind::IntegerOutOfRange(_)));
        let err = canon_err(&json!(u64::MAX));
        assert!(matches!(err.kind, CanonicalErrorKind::IntegerOutOfRange(_)));
    }

    #[test]
    fn the_most_negative_safe_integer_is_accepted() {
        assert_eq!(
            canon(&json!(-9_007_199_254_740_991_i64)),
            "-9007199254740991"
        );
    }

    #[test]
    fn fractions_and_integral_floats_are_refused() {
        let err = canon_err(&json!([1.5]));
        assert_eq!(err.path, "$[0]");
        assert!(matches!(err.kind, CanonicalErrorKind::NotAnInteger(_)));
        let err = canon_err(&json!({"a": [0, 1.0]}));
        assert_eq!(err.path, "$.a[1]");
        assert!(matches!(err.kind, CanonicalErrorKind::NotAnInteger(_)));
        let parsed = parse_strict_json("1e2").expect("valid JSON");
        assert!(matches!(
            canon_err(&parsed).kind,
            CanonicalErrorKind::NotAnInteger(_)
        ));
        let parsed = parse_strict_json("100000000000000000000").expect("valid JSON");
        assert!(matches!(
            canon_err(&parsed).kind,
            CanonicalErrorKind::IntegerOutOfRange(_)
        ));
    }

    #[test]
    fn a_string_not_in_nfc_is_refused_with_its_path() {
        // "e" + COMBINING ACUTE ACCENT is NFD; NFC is the single char U+00E9.
        let value = json!({"articles": [{}, {}, {}, {"paragraphs": ["cafe\u{301}"]}]});
        let err = canon_err(&value);
        assert_eq!(err.path, "$.articles[3].paragraphs[0]");
        assert_eq!(err.kind, CanonicalErrorKind::NotNfc);
        assert!(
            err.to_string().contains("$.articles[3].paragraphs[0]"),
            "{err}"
        );
        assert!(err.to_string().contains("NFC"), "{err}");
        assert_eq!(canon(&json!("caf\u{e9}")), "\"café\"");
    }

    #[test]
    fn an_object_key_not_in_nfc_is_refused() {
        let err = canon_err(&json!({"ok": {"cle\u{301}": 1}}));
        assert_eq!(err.path, "$.ok[\"cle\u{301}\"]");
        assert!(matches!(err.kind, CanonicalErrorKind::KeyNotNfc(_)));
    }

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        let err = canon_err(&json!({"a b": {"x\"y": [1.5]}}));
        assert_eq!(err.path, r#"$["a b"]["x\"y"][0]"#);
    }

    #[test]
    fn strict_parsing_agrees_with_serde_json_on_valid_input() {
        let text =
            r#" { "a" : [1, -2, 0, "x\u00e9\n\/", true, false, null, {"b": {}}, []], "c": -0 } "#;
        let strict = parse_strict_json(text).expect("valid");
        let loose: Value = serde_json::from_str(text).expect("valid");
        assert_eq!(strict, loose);
        // Both hold "-0" as the float -0.0, which canonical_json refuses.
        assert_eq!(canon_err(&strict).path, "$.c");
    }

    #[test]
    fn duplicate_keys_are_refused_by_strict_parsing() {
        let err = parse_strict_json(r#"{"a": 1, "b": 2, "a": 3}"#).expect_err("duplicate");
        assert_eq!(err.kind, CanonicalErrorKind::DuplicateKey("a".into()));
        assert_eq!(err.path, "$.a");
    }

    #[test]
    fn nested_duplicate_keys_are_refused_by_strict_parsing() {
        let err = parse_strict_json(r#"{"x": [0, {"k": 1, "k": 1}]}"#).expect_err("duplicate");
        assert_eq!(err.kind, CanonicalErrorKind::DuplicateKey("k".into()));
        assert_eq!(err.path, "$.x[1].k");
    }

    #[test]
    fn keys_that_are_equal_after_unescaping_are_duplicates() {
        let err = parse_strict_json(r#"{"a": 1, "\u0061": 2}"#).expect_err("duplicate");
        assert_eq!(err.kind, CanonicalErrorKind::DuplicateKey("a".into()));
    }

    #[test]
    fn lone_surrogate_escapes_are_refused_by_strict_parsing() {
        for text in [
            r#"{"t": "\ud800"}"#,
            r#"{"t": "\ud800x"}"#,
            r#"{"t": "\ud800\u0041"}"#,
            r#"{"t": "\udc00"}"#,
            r#"{"t": "\ude00\ud83d"}"#,
        ] {
            let err = parse_strict_json(text).expect_err(text);
            assert!(
                matches!(err.kind, CanonicalErrorKind::LoneSurrogate(_)),
                "{text}: {err}"
            );
            assert_eq!(err.path, "$.t", "{text}");
        }
    }

    #[test]
    fn a_valid_surrogate_pair_is_accepted_as_one_character() {
        let value = parse_strict_json(r#"["\ud83d\ude00", "\uD83D\uDE00"]"#).expect("valid pair");
        assert_eq!(value, json!(["😀", "😀"]));
        assert_eq!(canon(&value), "[\"😀\",\"😀\"]");
    }

    #[test]
    fn malformed_json_is_refused_by_strict_parsing() {
        for text in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "+1",
            "1e",
            "tru",
            "[1] x",
            "'a'",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12\"",
            "{\"a\" 1}",
            "{1:2}",
            "NaN",
            "1e400",
        ] {
            assert!(parse_strict_json(text).is_err(), "{text:?} must be refused");
        }
    }

    #[test]
    fn excessive_nesting_is_refused_by_strict_parsing() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse_strict_json(&deep).expect_err("too deep").kind,
            CanonicalErrorKind::TooDeep
        );
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_strict_json(&ok).is_ok());
    }

    #[test]
    fn canonical_output_parses_back_to_the_same_value() {
        let value =
            json!({"é": ["\u{0}\u{1f}\"\\", {"": -1}], "k": {"n": 9_007_199_254_740_991_u64}});
        let bytes = canonical_json(&value).expect("canonical");
        let back = parse_strict_json(std::str::from_utf8(&bytes).expect("utf-8")).expect("parse");
        assert_eq!(back, value);
    }
}
