//! Field accessors shared by the parsers: every failure becomes a [`SourceError`] naming the
//! file, the 1-based line and the field.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use super::{parse_timestamp, SourceError};

/// One JSON object (a JSONL line or a whole JSON file) with its location.
pub(crate) struct JsonRecord<'a> {
    pub file: &'a str,
    pub line: usize,
    pub prefix: String,
    pub obj: &'a Map<String, Value>,
}

/// Parses `text` as one JSON object; `line` is where it starts.
pub(crate) fn parse_json_object(text: &str, file: &str, line: usize) -> Result<Value, SourceError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON (unexpected end of input)",
            _ => "invalid JSON",
        };
        let detail = e.to_string();
        let detail = detail
            .rsplit_once(" at line ")
            .map(|(d, _)| d.to_string())
            .unwrap_or(detail);
        SourceError::new(
            file,
            line + e.line().saturating_sub(1),
            "(json)",
            format!("{what}: {detail} at column {}", e.column()),
        )
    })?;
    if !value.is_object() {
        return Err(SourceError::new(
            file,
            line,
            "(json)",
            format!("expected a JSON object, found {}", type_name(&value)),
        ));
    }
    // serde_json keeps the last of two equal keys silently; what we record must be unambiguous.
    if let Err(e) = domain::integrity::canonical::parse_strict_json(text) {
        let field = e.path.trim_start_matches("$.").to_string();
        return Err(SourceError::new(file, line, &field, e.kind.to_string()));
    }
    Ok(value)
}

/// The non-blank lines of a JSONL text, each parsed as a JSON object, with their 1-based line.
pub(crate) fn jsonl_objects(text: &str, file: &str) -> Result<Vec<(usize, Value)>, SourceError> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        out.push((i + 1, parse_json_object(raw, file, i + 1)?));
    }
    if out.is_empty() {
        return Err(SourceError::new(
            file,
            1,
            "(file)",
            "the file has no records",
        ));
    }
    Ok(out)
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> JsonRecord<'a> {
    pub fn new(value: &'a Value, file: &'a str, line: usize) -> Self {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let obj = value
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        Self {
            file,
            line,
            prefix: String::new(),
            obj,
        }
    }

    /// A nested object, its fields named `outer.inner` in errors.
    pub fn nested(&self, field: &str) -> Result<JsonRecord<'a>, SourceError> {
        let value = self.required(field)?;
        match value.as_object() {
            Some(obj) => Ok(JsonRecord {
                file: self.file,
                line: self.line,
                prefix: format!("{}.", self.name(field)),
                obj,
            }),
            None => Err(self.wrong(field, "an object", value)),
        }
    }

    /// A record for an element of an array field (`field[i].inner` in errors).
    pub fn element(
        &self,
        field: &str,
        index: usize,
        value: &'a Value,
    ) -> Result<JsonRecord<'a>, SourceError> {
        let name = format!("{}[{index}]", self.name(field));
        match value.as_object() {
            Some(obj) => Ok(JsonRecord {
                file: self.file,
                line: self.line,
                prefix: format!("{name}."),
                obj,
            }),
            None => Err(SourceError::new(
                self.file,
                self.line,
                name,
                format!("expected an object, found {}", type_name(value)),
            )),
        }
    }

    pub fn name(&self, field: &str) -> String {
        format!("{}{}", self.prefix, field)
    }

    pub fn error(&self, field: &str, message: impl Into<String>) -> SourceError {
        SourceError::new(self.file, self.line, self.name(field), message)
    }

    fn wrong(&self, field: &str, expected: &str, found: &Value) -> SourceError {
        self.error(
            field,
            format!("expected {expected}, found {}", type_name(found)),
        )
    }

    pub fn required(&self, field: &str) -> Result<&'a Value, SourceError> {
        self.obj
            .get(field)
            .ok_or_else(|| self.error(field, "missing field"))
    }

    pub fn str(&self, field: &str) -> Result<&'a str, SourceError> {
        let v = self.required(field)?;
        v.as_str().ok_or_else(|| self.wrong(field, "a string", v))
    }

    /// A string that may be `null` or absent.
    pub fn opt_str(&self, field: &str) -> Result<Option<&'a str>, SourceError> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(field, "a string or null", v)),
        }
    }

    pub fn u64(&self, field: &str) -> Result<u64, SourceError> {
        let v = self.required(field)?;
        v.as_u64()
            .ok_or_else(|| self.wrong(field, "a non-negative integer", v))
    }

    pub fn u32(&self, field: &str) -> Result<u32, SourceError> {
        let n = self.u64(field)?;
        u32::try_from(n).map_err(|_| self.error(field, format!("{n} is out of range")))
    }

    pub fn bool(&self, field: &str) -> Result<bool, SourceError> {
        let v = self.required(field)?;
        v.as_bool().ok_or_else(|| self.wrong(field, "a boolean", v))
    }

    pub fn array(&self, field: &str) -> Result<&'a Vec<Value>, SourceError> {
        let v = self.required(field)?;
        v.as_array().ok_or_else(|| self.wrong(field, "an array", v))
    }

    /// An array that may be `null` (read as empty).
    pub fn array_or_null(&self, field: &str) -> Result<&'a [Value], SourceError> {
        match self.required(field)? {
            Value::Null => Ok(&[]),
            Value::Array(a) => Ok(a),
            v => Err(self.wrong(field, "an array", v)),
        }
    }

    pub fn strings(&self, field: &str) -> Result<Vec<String>, SourceError> {
        self.array(field)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    SourceError::new(
                        self.file,
                        self.line,
                        format!("{}[{i}]", self.name(field)),
                        format!("expected a string, found {}", type_name(v)),
                    )
                })
            })
            .collect()
    }

    pub fn u32s(&self, field: &str) -> Result<Vec<u32>, SourceError> {
        self.array(field)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        SourceError::new(
                            self.file,
                            self.line,
                            format!("{}[{i}]", self.name(field)),
                            format!("expected a non-negative integer, found {v}"),
                        )
                    })
            })
            .collect()
    }

    pub fn date(&self, field: &str) -> Result<DateTime<FixedOffset>, SourceError> {
        let s = self.str(field)?;
        parse_timestamp(s).ok_or_else(|| {
            self.error(
                field,
                format!("invalid date {s:?} (expected ISO 8601 with offset)"),
            )
        })
    }
}

/// A CSV file with a header line; rows are accessed by column name.
pub(crate) struct CsvTable<'a> {
    file: &'a str,
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> CsvTable<'a> {
    pub fn parse(text: &str, file: &'a str, required: &[&str]) -> Result<Self, SourceError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| SourceError::new(file, 1, "(header)", format!("invalid CSV header: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        for name in required {
            if !headers.iter().any(|h| h == name) {
                return Err(SourceError::new(
                    file,
                    1,
                    *name,
                    "missing column in the header",
                ));
            }
        }
        // Line numbers from byte offsets (the csv crate's own line counter is off with CRLF).
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let line_of = |byte: u64| -> usize {
            let byte = usize::try_from(byte).unwrap_or(usize::MAX);
            // `<=`: after a CRLF line end the csv crate starts the next record on the `\n`.
            1 + newlines.partition_point(|&nl| nl <= byte)
        };
        let mut rows = Vec::new();
        for result in reader.records() {
            let record = result.map_err(|e| {
                let line = e.position().map(|p| line_of(p.byte())).unwrap_or(0);
                SourceError::new(file, line, "(record)", format!("invalid CSV: {e}"))
            })?;
            let line = record.position().map(|p| line_of(p.byte())).unwrap_or(0);
            if record.len() != headers.len() {
                return Err(SourceError::new(
                    file,
                    line,
                    "(record)",
                    format!("expected {} fields, found {}", headers.len(), record.len()),
                ));
            }
            rows.push((line, record));
        }
        if rows.is_empty() {
            return Err(SourceError::new(
                file,
                2,
                "(file)",
                "the file has a header but no rows",
            ));
        }
        Ok(Self {
            file,
            headers,
            rows,
        })
    }

    pub fn rows(&self) -> impl Iterator<Item = CsvRow<'_>> {
        self.rows.iter().map(move |(line, record)| CsvRow {
            table: self,
            line: *line,
            record,
        })
    }
}

pub(crate) struct CsvRow<'t> {
    table: &'t CsvTable<'t>,
    pub line: usize,
    record: &'t csv::StringRecord,
}

impl<'t> CsvRow<'t> {
    pub fn error(&self, field: &str, message: impl Into<String>) -> SourceError {
        SourceError::new(self.table.file, self.line, field, message)
    }

    pub fn str(&self, field: &str) -> Result<&'t str, SourceError> {
        let idx = self
            .table
            .headers
            .iter()
            .position(|h| h == field)
            .ok_or_else(|| self.error(field, "missing column"))?;
        self.record
            .get(idx)
            .ok_or_else(|| self.error(field, "missing value"))
    }

    pub fn non_empty(&self, field: &str) -> Result<&'t str, SourceError> {
        let s = self.str(field)?;
        if s.trim().is_empty() {
            Err(self.error(field, "empty value"))
        } else {
            Ok(s)
        }
    }

    pub fn u32(&self, field: &str) -> Result<u32, SourceError> {
        let s = self.str(field)?;
        s.trim().parse::<u32>().map_err(|_| {
            self.error(
                field,
                format!("expected a non-negative integer, found {s:?}"),
            )
        })
    }

    pub fn u64(&self, field: &str) -> Result<u64, SourceError> {
        let s = self.str(field)?;
        s.trim().parse::<u64>().map_err(|_| {
            self.error(
                field,
                format!("expected a non-negative integer, found {s:?}"),
            )
        })
    }

    /// `True`/`False` (Python) or `true`/`false`.
    pub fn bool(&self, field: &str) -> Result<bool, SourceError> {
        match self.str(field)?.trim() {
            "True" | "true" => Ok(true),
            "False" | "false" => Ok(false),
            other => Err(self.error(field, format!("expected True or False, found {other:?}"))),
        }
    }

    pub fn date(&self, field: &str) -> Result<DateTime<FixedOffset>, SourceError> {
        let s = self.str(field)?;
        parse_timestamp(s).ok_or_else(|| {
            self.error(
                field,
                format!("invalid date {s:?} (expected ISO 8601 with offset)"),
            )
        })
    }
}
