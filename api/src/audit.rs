//! Offline verification for auditors: reads an export folder or a single proof, with no database
//! and no network, and feeds the pure verifier of `domain::integrity::audit`.

use std::io::{BufRead, Read};
use std::path::Path;

use domain::integrity::audit::{
    verify_inclusion_file, AuditError, AuditReport, ExportVerifier, CHECKPOINTS_FILE, EVENTS_FILE,
    PUBLIC_KEY_FILE,
};
use domain::integrity::checkpoint::{Checkpoint, VerifierKey};

fn read_to_string(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// The longest line an export may hold; anything longer is refused, not buffered.
const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Calls `each` with every line of an export file (1-based number, text without its `\n`),
/// enforcing the framing of docs/integrity.md: UTF-8 without byte-order mark, every line ending
/// with `\n` (no CR), no empty line, bounded length.
fn for_each_line(
    dir: &Path,
    name: &str,
    mut each: impl FnMut(usize, &str) -> Result<(), String>,
) -> Result<(), String> {
    let path = dir.join(name);
    let file =
        std::fs::File::open(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut buffer = Vec::new();
    let mut n = 0;
    loop {
        buffer.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|e| format!("{name} line {}: cannot read: {e}", n + 1))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let fail = |m: &str| format!("{name} line {n}: {m}");
        if buffer.len() > MAX_LINE_BYTES {
            return Err(fail(&format!("longer than {MAX_LINE_BYTES} bytes")));
        }
        if buffer.last() != Some(&b'\n') {
            return Err(fail(
                "the line does not end with a newline (truncated file?)",
            ));
        }
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            return Err(fail("CRLF line ending; lines end with LF only"));
        }
        if n == 1 && buffer.starts_with(b"\xef\xbb\xbf") {
            return Err(fail("byte-order mark; the file must be plain UTF-8"));
        }
        if buffer.is_empty() {
            return Err(fail("empty line"));
        }
        let text = std::str::from_utf8(&buffer).map_err(|e| fail(&format!("not UTF-8: {e}")))?;
        each(n, text)?;
    }
}

/// Verifies an export folder; `progress` is called every 100,000 events. `required`, a signed
/// checkpoint obtained elsewhere (the API, a witness), must be reached and matched.
pub fn verify_export(
    dir: &Path,
    required: Option<&str>,
    mut progress: impl FnMut(u64),
) -> Result<AuditReport, String> {
    let vkey = read_to_string(&dir.join(PUBLIC_KEY_FILE))?;
    let key = VerifierKey::parse(vkey.strip_suffix('\n').unwrap_or(&vkey))
        .map_err(|e| format!("{PUBLIC_KEY_FILE}: {e}"))?;
    let mut verifier = ExportVerifier::new(key);
    let fail = |e: AuditError| e.to_string();
    for_each_line(dir, CHECKPOINTS_FILE, |n, line| {
        verifier.add_checkpoint_line(n, line).map_err(fail)
    })?;
    if let Some(note) = required {
        verifier.require_checkpoint(note).map_err(fail)?;
    }
    for_each_line(dir, EVENTS_FILE, |n, line| {
        verifier.add_event_line(n, line).map_err(fail)?;
        if n % 100_000 == 0 {
            progress(n as u64);
        }
        Ok(())
    })?;
    verifier.finish().map_err(fail)
}

/// Verifies one inclusion proof against one signed checkpoint.
pub fn verify_proof(
    proof: &Path,
    checkpoint: &Path,
    public_key: &Path,
) -> Result<Checkpoint, String> {
    let vkey = read_to_string(public_key)?;
    let key = VerifierKey::parse(vkey.trim_end_matches('\n'))
        .map_err(|e| format!("{}: {e}", public_key.display()))?;
    verify_inclusion_file(&read_to_string(proof)?, &read_to_string(checkpoint)?, &key)
        .map_err(|e| format!("{}: {e}", proof.display()))
}
