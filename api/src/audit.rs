//! Offline verification for auditors: reads an export folder or a single proof, with no database
//! and no network, and feeds the pure verifier of `domain::integrity::audit`. The per-stream
//! links are checked after an external sort, so memory stays flat as the log grows.

use std::io::{BufRead, Read};
use std::path::Path;

use domain::integrity::audit::{
    verify_inclusion_file, AuditError, AuditReport, ExportVerifier, LinkChecker, LinkRecord,
    CHECKPOINTS_FILE, EVENTS_FILE, PUBLIC_KEY_FILE,
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
    progress: impl FnMut(u64),
) -> Result<AuditReport, String> {
    verify_export_with_run_size(dir, required, LINKS_PER_RUN, progress)
}

/// [`verify_export`] with the number of links sorted in memory before spilling a run (tests use
/// a tiny one to exercise the merge).
pub fn verify_export_with_run_size(
    dir: &Path,
    required: Option<&str>,
    links_per_run: usize,
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
    let mut links = LinkSorter {
        per_run: links_per_run.max(1),
        ..LinkSorter::default()
    };
    for_each_line(dir, EVENTS_FILE, |n, line| {
        let link = verifier.add_event_line_unlinked(n, line).map_err(fail)?;
        links.push(link)?;
        if n % 100_000 == 0 {
            progress(n as u64);
        }
        Ok(())
    })?;
    let mut checker = LinkChecker::new();
    links.for_each_sorted(|link| checker.check(link))?;
    verifier.finish_unlinked(checker).map_err(fail)
}

/// Links held in memory before a sorted run is spilled to a temporary file (96 bytes each:
/// about 24 MiB), so verification memory stays flat however many streams the log has.
const LINKS_PER_RUN: usize = 250_000;

/// An external sort of the per-stream links: sorted runs spilled to temporary files, then
/// merged.
#[derive(Default)]
struct LinkSorter {
    per_run: usize,
    buffer: Vec<LinkRecord>,
    runs: Vec<std::fs::File>,
}

impl LinkSorter {
    fn push(&mut self, link: LinkRecord) -> Result<(), String> {
        self.buffer.push(link);
        if self.buffer.len() >= self.per_run {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<(), String> {
        use std::io::{Seek, Write};
        self.buffer.sort_unstable();
        let io = |e: std::io::Error| format!("cannot write a temporary file: {e}");
        let mut file = tempfile::tempfile().map_err(io)?;
        {
            let mut out = std::io::BufWriter::new(&mut file);
            for link in &self.buffer {
                out.write_all(&link.to_bytes()).map_err(io)?;
            }
            out.flush().map_err(io)?;
        }
        file.rewind().map_err(io)?;
        self.runs.push(file);
        self.buffer.clear();
        Ok(())
    }

    fn for_each_sorted(mut self, mut each: impl FnMut(&LinkRecord)) -> Result<(), String> {
        if self.runs.is_empty() {
            self.buffer.sort_unstable();
            self.buffer.iter().for_each(each);
            return Ok(());
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        let io = |e: std::io::Error| format!("cannot read a temporary file: {e}");
        let mut readers: Vec<std::io::BufReader<std::fs::File>> = self
            .runs
            .into_iter()
            .map(|f| std::io::BufReader::with_capacity(64 * 1024, f))
            .collect();
        let next =
            |reader: &mut std::io::BufReader<std::fs::File>| -> Result<Option<LinkRecord>, String> {
                let mut bytes = [0u8; LinkRecord::BYTES];
                match reader.read_exact(&mut bytes) {
                    Ok(()) => Ok(Some(LinkRecord::from_bytes(&bytes))),
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(io(e)),
                }
            };
        let mut heap = std::collections::BinaryHeap::new();
        for (run, reader) in readers.iter_mut().enumerate() {
            if let Some(link) = next(reader)? {
                heap.push(std::cmp::Reverse((link, run)));
            }
        }
        while let Some(std::cmp::Reverse((link, run))) = heap.pop() {
            each(&link);
            if let Some(following) = next(&mut readers[run])? {
                heap.push(std::cmp::Reverse((following, run)));
            }
        }
        Ok(())
    }
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
