//! The JSON body extractor of every write route: refuses what cannot be hashed faithfully
//! (duplicate keys, lone surrogates), normalises text to NFC, and turns every refusal into a
//! problem+json naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::problem::Problem;

/// Largest accepted request body; a law text with a few hundred articles fits.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A JSON request body parsed strictly into `T`.
pub struct StrictJson<T>(pub T);

impl<S, T> FromRequest<S> for StrictJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if media_type != "application/json" {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "JSON expected",
                "send the body as JSON with the header Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            Problem::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Request body refused",
                format!("the body could not be read ({e}); bodies are limited to {MAX_BODY_BYTES} bytes"),
            )
        })?;
        parse_body(&bytes).map(StrictJson)
    }
}

/// Parses a body: UTF-8, strict JSON, NFC, then the target type with the failing field's path.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::bad_request(format!("the body is not UTF-8: {e}")))?;
    let value = domain::integrity::canonical::parse_strict_json(text)
        .map_err(|e| Problem::bad_request(format!("the body is not acceptable JSON: {e}")))?;
    let value = normalize_strings(value);
    if !value.is_object() {
        return Err(Problem::invalid("the body must be a JSON object"));
    }
    if let Some(path) = control_character(&value, "") {
        return Err(Problem::invalid(format!(
            "field `{path}`: control characters other than tab, line feed and carriage return are not accepted"
        )));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Problem::invalid(format!("{inner}"))
        } else {
            Problem::invalid(format!("field `{path}`: {inner}"))
        }
    })
}

/// The path of the first string holding a control character other than tab, LF or CR.
fn control_character(value: &Value, path: &str) -> Option<String> {
    let bad = |s: &str| {
        s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    match value {
        Value::String(s) if bad(s) => Some(if path.is_empty() {
            ".".into()
        } else {
            path.to_string()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if bad(k) {
                Some(here)
            } else {
                control_character(v, &here)
            }
        }),
        _ => None,
    }
}

/// Every string (keys too) in Unicode NFC: the form our hashes are defined over.
pub fn normalize_strings(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.nfc().collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.nfc().collect(), normalize_strings(v)))
                .collect(),
        ),
        other => other,
    }
}
