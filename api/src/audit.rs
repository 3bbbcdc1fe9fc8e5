//! Offline verification for auditors: reads an export folder or a single proof, with no database
//! and no network, and feeds the pure verifier of `domain::integrity::audit`.

use std::io::BufRead;
use std::path::Path;

use domain::integrity::audit::{
    verify_inclusion_file, AuditError, AuditReport, ExportVerifier, CHECKPOINTS_FILE, EVENTS_FILE,
    PUBLIC_KEY_FILE,
};
use domain::integrity::checkpoint::{Checkpoint, VerifierKey};

fn read_to_string(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// Verifies an export folder; `progress` is called every 100,000 events.
pub fn verify_export(dir: &Path, mut progress: impl FnMut(u64)) -> Result<AuditReport, String> {
    let vkey = read_to_string(&dir.join(PUBLIC_KEY_FILE))?;
    let key = VerifierKey::parse(vkey.trim_end_matches('\n'))
        .map_err(|e| format!("{PUBLIC_KEY_FILE}: {e}"))?;
    let mut verifier = ExportVerifier::new(key);
    let lines = |name: &str| -> Result<std::io::Lines<std::io::BufReader<std::fs::File>>, String> {
        let path = dir.join(name);
        let file = std::fs::File::open(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Ok(std::io::BufReader::with_capacity(1 << 20, file).lines())
    };
    let fail = |e: AuditError| e.to_string();
    for (n, line) in lines(CHECKPOINTS_FILE)?.enumerate() {
        let line = line.map_err(|e| format!("{CHECKPOINTS_FILE} line {}: {e}", n + 1))?;
        verifier.add_checkpoint_line(n + 1, &line).map_err(fail)?;
    }
    for (n, line) in lines(EVENTS_FILE)?.enumerate() {
        let line = line.map_err(|e| format!("{EVENTS_FILE} line {}: {e}", n + 1))?;
        verifier.add_event_line(n + 1, &line).map_err(fail)?;
        if (n + 1) % 100_000 == 0 {
            progress((n + 1) as u64);
        }
    }
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
}
