//! Signed checkpoints of the global log: the C2SP `tlog-checkpoint` body inside a C2SP
//! `signed-note`, signed with Ed25519 (signature type 0x01), with C2SP verifier keys.
//!
//! ```text
//! <origin>\n<tree size, decimal>\n<base64 std root hash>\n
//! \n
//! — <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature over the body)>\n
//! ```
//!
//! key id = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]; verifier key
//! `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>` (golang.org/x/mod/sumdb/note
//! compatible). Layout and golden vector in docs/integrity.md; code and document change
//! together.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::merkle::{hex_hash, TreeHash};

/// Signature type identifier byte of Ed25519 in C2SP signed-note.
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;
/// The signature line prefix: EM DASH (U+2014) and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// At most this many signature lines are read (the limit of Go's `note.Open`).
pub const MAX_SIGNATURES: usize = 100;

/// Why a checkpoint, a note, a key name or a verifier key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("origin {origin:?} is invalid: {reason}")]
    InvalidOrigin {
        origin: String,
        reason: &'static str,
    },
    #[error("key name {name:?} is invalid: {reason}")]
    InvalidKeyName { name: String, reason: &'static str },
    #[error("checkpoint body must end with a newline")]
    BodyNotNewlineTerminated,
    #[error(
        "checkpoint body has {found} lines, expected exactly 3 (origin, tree size, root hash)"
    )]
    BodyTooShort { found: usize },
    #[error(
        "checkpoint body has {count} extension line(s) after the root hash; Palimpsest \
         checkpoints have none"
    )]
    ExtensionLines { count: usize },
    #[error("checkpoint body line {line} is empty")]
    EmptyBodyLine { line: usize },
    #[error("checkpoint line 2 (tree size) {text:?} is invalid: {reason}")]
    InvalidSize { text: String, reason: &'static str },
    #[error("checkpoint line 3 (root hash) {text:?} is invalid: {reason}")]
    InvalidRoot { text: String, reason: &'static str },
    #[error("note byte {offset} is the control character 0x{byte:02x} (only newline is allowed)")]
    ControlCharacter { offset: usize, byte: u8 },
    #[error("note is not valid UTF-8 (from byte {offset})")]
    NotUtf8 { offset: usize },
    #[error("note text is invalid: {reason}")]
    InvalidNoteText { reason: &'static str },
    #[error("note has no blank line separating the text from the signature lines")]
    NoSignatureBlock,
    #[error("note signature block is empty or does not end with a newline")]
    SignatureBlockNotNewlineTerminated,
    #[error("note line {line} does not start with an em dash (U+2014) and a space")]
    SignatureLinePrefix { line: usize },
    #[error("note line {line} is not a valid signature line: {reason}")]
    SignatureLineSyntax { line: usize, reason: &'static str },
    #[error("note has more than {max} signature lines")]
    TooManySignatures { max: usize },
    #[error("note line {line}: signature by {key} does not verify")]
    InvalidSignature { line: usize, key: String },
    #[error("note has no signature by key {key}")]
    NoSignatureByKey { key: String },
    #[error("verifier key {vkey:?} is invalid: {reason}")]
    InvalidVerifierKey { vkey: String, reason: &'static str },
}

// ---------------------------------------------------------------------------------------------
// Checkpoint body.
// ---------------------------------------------------------------------------------------------

/// A log checkpoint: the tree of the first `size` log entries has root `root`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    #[serde(with = "hex_hash")]
    pub root: TreeHash,
}

/// Checks an origin: non-empty, no control characters (so no newline).
pub fn validate_origin(origin: &str) -> Result<(), CheckpointError> {
    let err = |reason| {
        Err(CheckpointError::InvalidOrigin {
            origin: origin.to_owned(),
            reason,
        })
    };
    if origin.is_empty() {
        return err("it is empty");
    }
    if origin.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        return err("it contains a newline or another control character");
    }
    Ok(())
}

/// Checks a key name: non-empty, no Unicode white space, no `+` (C2SP signed-note).
pub fn validate_key_name(name: &str) -> Result<(), CheckpointError> {
    let err = |reason| {
        Err(CheckpointError::InvalidKeyName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return err("it is empty");
    }
    if name.chars().any(char::is_whitespace) {
        return err("it contains white space");
    }
    if name.contains('+') {
        return err("it contains '+'");
    }
    if name.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        return err("it contains a control character");
    }
    Ok(())
}

impl Checkpoint {
    /// A checkpoint with a checked origin.
    pub fn new(origin: &str, size: u64, root: TreeHash) -> Result<Self, CheckpointError> {
        validate_origin(origin)?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`. (The origin is not checked here;
    /// [`SigningKey::signed_note`] checks it before signing.)
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Parses a body strictly: exactly three non-empty lines, each ending with `\n`; the size
    /// in canonical decimal (no sign, no leading zero except `0`, fits in u64); the root in
    /// canonical standard base64 (with padding) of exactly 32 bytes. Extension lines are
    /// refused: Palimpsest never writes them and C2SP does not recommend them.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let Some(stripped) = text.strip_suffix('\n') else {
            return Err(CheckpointError::BodyNotNewlineTerminated);
        };
        let lines: Vec<&str> = stripped.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::BodyTooShort { found: lines.len() });
        }
        if lines.len() > 3 {
            return Err(CheckpointError::ExtensionLines {
                count: lines.len() - 3,
            });
        }
        for (i, line) in lines.iter().enumerate() {
            if line.is_empty() {
                return Err(CheckpointError::EmptyBodyLine { line: i + 1 });
            }
        }
        validate_origin(lines[0])?;
        let size = parse_size(lines[1])?;
        let root = parse_root(lines[2])?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            root,
        })
    }
}

fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let err = |reason| {
        Err(CheckpointError::InvalidSize {
            text: text.to_owned(),
            reason,
        })
    };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return err("only ASCII digits are allowed");
    }
    if text.len() > 1 && text.starts_with('0') {
        return err("leading zeros are not allowed");
    }
    match text.parse::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => err("it does not fit in 64 bits"),
    }
}

fn parse_root(text: &str) -> Result<TreeHash, CheckpointError> {
    let err = |reason| {
        Err(CheckpointError::InvalidRoot {
            text: text.to_owned(),
            reason,
        })
    };
    let Ok(bytes) = BASE64.decode(text) else {
        return err("not canonical standard base64");
    };
    let Ok(root) = <TreeHash>::try_from(bytes.as_slice()) else {
        return err("a root hash is 32 bytes");
    };
    if BASE64.encode(root) != text {
        return err("not canonical standard base64");
    }
    Ok(root)
}

// ---------------------------------------------------------------------------------------------
// Keys.
// ---------------------------------------------------------------------------------------------

/// The C2SP key id of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', SIGNATURE_TYPE_ED25519]);
    h.update(public_key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn key_label(name: &str, id: [u8; 4]) -> String {
    format!("{name}+{}", hex::encode(id))
}

/// A named Ed25519 signing key for notes. Built from a 32-byte seed chosen by the caller (the
/// domain has no randomness). Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
    key_id: [u8; 4],
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key `name` with the Ed25519 secret key `seed` (RFC 8032's 32-byte private key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, CheckpointError> {
        validate_key_name(name)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(SigningKey {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The verifier key string `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key_string(&self) -> String {
        self.verifier_key().to_string()
    }

    /// A 32-byte secret for another purpose, derived from this key's secret with
    /// `blake3::derive_key(context, seed)`: the context separates it from the signing key and
    /// from every other use, and nothing about the seed can be learnt from it.
    pub fn derive_secret(&self, context: &str) -> [u8; 32] {
        blake3::derive_key(context, self.key.as_bytes())
    }

    /// Signs any note text (non-empty, ending with `\n`, no blank line, no control character
    /// other than newline): returns the text, a blank line and one signature line.
    pub fn sign_note(&self, text: &str) -> Result<String, CheckpointError> {
        let err = |reason| Err(CheckpointError::InvalidNoteText { reason });
        if !text.ends_with('\n') {
            return err("it must end with a newline");
        }
        if text.starts_with('\n') || text.contains("\n\n") {
            return err("it must not contain an empty line");
        }
        if let Some((offset, byte)) = control_character(text.as_bytes()) {
            return Err(CheckpointError::ControlCharacter { offset, byte });
        }
        let signature = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(4 + 64);
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        ))
    }

    /// The signed note of a checkpoint (its origin is checked first).
    pub fn signed_note(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        validate_origin(&checkpoint.origin)?;
        self.sign_note(&checkpoint.body())
    }
}

/// A named Ed25519 verifier key, parsed from or shown as
/// `<name>+<8 hex digits key id>+<base64(0x01 ‖ 32-byte public key)>`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut blob = Vec::with_capacity(33);
        blob.push(SIGNATURE_TYPE_ED25519);
        blob.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(blob)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl VerifierKey {
    /// Parses a verifier key. The key id must be 8 hex digits equal to the id computed from
    /// the name and key; the key type must be Ed25519 (0x01) with a valid 32-byte point.
    pub fn parse(vkey: &str) -> Result<Self, CheckpointError> {
        let err = |reason| {
            Err(CheckpointError::InvalidVerifierKey {
                vkey: vkey.to_owned(),
                reason,
            })
        };
        let Some((name, rest)) = vkey.split_once('+') else {
            return err("expected <name>+<key id>+<key>");
        };
        let Some((id_hex, key_b64)) = rest.split_once('+') else {
            return err("expected <name>+<key id>+<key>");
        };
        if validate_key_name(name).is_err() {
            return err("the name is empty or contains white space or '+'");
        }
        let mut id = [0u8; 4];
        if id_hex.len() != 8 || hex::decode_to_slice(id_hex, &mut id).is_err() {
            return err("the key id is not 8 hex digits");
        }
        let Ok(blob) = BASE64.decode(key_b64) else {
            return err("the key is not standard base64");
        };
        match blob.split_first() {
            Some((&SIGNATURE_TYPE_ED25519, key)) => {
                let Ok(key) = <[u8; 32]>::try_from(key) else {
                    return err("an Ed25519 key is 32 bytes");
                };
                if key_id(name, &key) != id {
                    return err("the key id does not match the name and key");
                }
                let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&key) else {
                    return err("the key is not a valid Ed25519 point");
                };
                Ok(VerifierKey {
                    name: name.to_owned(),
                    key_id: id,
                    key,
                })
            }
            Some(_) => err("unknown signature type (only 0x01, Ed25519, is supported)"),
            None => err("the key is empty"),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

// ---------------------------------------------------------------------------------------------
// Opening notes.
// ---------------------------------------------------------------------------------------------

/// The first ASCII control character other than newline (DEL is allowed by C2SP).
fn control_character(bytes: &[u8]) -> Option<(usize, u8)> {
    bytes
        .iter()
        .enumerate()
        .find(|(_, &b)| b < 0x20 && b != b'\n')
        .map(|(i, &b)| (i, b))
}

/// Opens a signed note (C2SP signed-note) with one trusted key and returns its text.
///
/// The note must be UTF-8 without control characters other than newline; the text is
/// everything up to and including the newline before the LAST blank line; every following
/// line must be `— <name> <base64(key id ‖ signature)>` with a valid name and at least 5
/// decoded bytes (at most [`MAX_SIGNATURES`] lines). Lines from other keys (another name or
/// another key id) are ignored; every line whose name AND key id match `key` must be a valid
/// Ed25519 signature of the text, else the whole note is refused; at least one is required.
pub fn open_signed_note(note: &[u8], key: &VerifierKey) -> Result<String, CheckpointError> {
    let note = std::str::from_utf8(note).map_err(|e| CheckpointError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if let Some((offset, byte)) = control_character(note.as_bytes()) {
        return Err(CheckpointError::ControlCharacter { offset, byte });
    }
    let Some(split) = note.rfind("\n\n") else {
        return Err(CheckpointError::NoSignatureBlock);
    };
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(CheckpointError::SignatureBlockNotNewlineTerminated);
    };
    // Line numbers in errors are 1-based over the whole note.
    let first_sig_line = text.matches('\n').count() + 2;
    let wanted = key_label(&key.name, key.key_id);
    let mut verified = 0usize;
    for (i, line) in sigs.split('\n').enumerate() {
        let line_no = first_sig_line + i;
        if i >= MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        let syntax = |reason| CheckpointError::SignatureLineSyntax {
            line: line_no,
            reason,
        };
        let Some(rest) = line.strip_prefix(SIGNATURE_PREFIX) else {
            return Err(CheckpointError::SignatureLinePrefix { line: line_no });
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(syntax(
                "expected a key name, a space and a base64 signature",
            ));
        };
        if validate_key_name(name).is_err() {
            return Err(syntax(
                "the key name is empty or contains white space or '+'",
            ));
        }
        let Ok(blob) = BASE64.decode(b64) else {
            return Err(syntax("the signature is not canonical standard base64"));
        };
        if blob.len() < 5 {
            return Err(syntax(
                "the signature is shorter than a key id and one byte",
            ));
        }
        if name != key.name || blob[..4] != key.key_id {
            continue; // Another key: ignored, as C2SP requires.
        }
        let valid = <[u8; 64]>::try_from(&blob[4..])
            .map(|bytes| Signature::from_bytes(&bytes))
            .is_ok_and(|sig| key.key.verify_strict(text.as_bytes(), &sig).is_ok());
        if !valid {
            return Err(CheckpointError::InvalidSignature {
                line: line_no,
                key: wanted,
            });
        }
        verified += 1;
    }
    if verified == 0 {
        return Err(CheckpointError::NoSignatureByKey { key: wanted });
    }
    Ok(text.to_owned())
}

/// Opens a signed checkpoint: [`open_signed_note`] then [`Checkpoint::parse_body`]. The caller
/// still checks that `origin` is the log it expects (the key name need not equal the origin).
pub fn open_signed_checkpoint(
    note_text: &str,
    key: &VerifierKey,
) -> Result<Checkpoint, CheckpointError> {
    open_signed_checkpoint_bytes(note_text.as_bytes(), key)
}

/// [`open_signed_checkpoint`] on raw bytes (e.g. read from a file): non-UTF-8 is refused.
pub fn open_signed_checkpoint_bytes(
    note: &[u8],
    key: &VerifierKey,
) -> Result<Checkpoint, CheckpointError> {
    let text = open_signed_note(note, key)?;
    Checkpoint::parse_body(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::merkle::hash_from_hex;

    const GOLDEN_SEED: [u8; 32] = [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f,
    ];
    const ORIGIN: &str = "palimpsest.example/log";
    /// Root of the log of the three golden events of docs/integrity.md.
    const GOLDEN_ROOT: &str = "ea02e2ef0f1445eba3d10d725ebad3f2caf0666cebd505220b3baf150ee173fa";
    const GOLDEN_VKEY: &str =
        "palimpsest.example/log+d65deba7+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    const GOLDEN_NOTE: &str = "palimpsest.example/log\n\
        3\n\
        6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=\n\
        \n\
        \u{2014} palimpsest.example/log 1l3rpx/ZjX8PXVDD2ugn3B+bj4HirJnQJOKikmIrRbOD0EbtP8lTSszlWF3+aze1QxaQKBxCCg1sq8Pc4QtqIWSFBwU=\n";

    fn golden_key() -> SigningKey {
        SigningKey::from_seed(ORIGIN, GOLDEN_SEED).unwrap()
    }

    fn golden_checkpoint() -> Checkpoint {
        Checkpoint::new(ORIGIN, 3, hash_from_hex(GOLDEN_ROOT).unwrap()).unwrap()
    }

    #[test]
    fn the_golden_checkpoint_note_is_byte_for_byte_the_documented_one() {
        let key = golden_key();
        assert_eq!(
            hex::encode(key.public_key()),
            "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        );
        assert_eq!(hex::encode(key.key_id()), "d65deba7");
        assert_eq!(key.verifier_key_string(), GOLDEN_VKEY);
        let cp = golden_checkpoint();
        assert_eq!(
            cp.body(),
            "palimpsest.example/log\n3\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=\n"
        );
        assert_eq!(key.signed_note(&cp).unwrap(), GOLDEN_NOTE);
        let vkey = VerifierKey::parse(GOLDEN_VKEY).unwrap();
        assert_eq!(open_signed_checkpoint(GOLDEN_NOTE, &vkey).unwrap(), cp);
    }

    #[test]
    fn docs_integrity_md_pins_the_same_golden_note_and_verifier_key() {
        let doc = include_str!("../../../docs/integrity.md");
        assert!(doc.contains(&format!("```\n{GOLDEN_NOTE}```")));
        assert!(doc.contains(&format!("verifier key `{GOLDEN_VKEY}`")));
        assert!(doc.contains(&format!("| root, size 3 | `{GOLDEN_ROOT}` |")));
    }

    #[test]
    fn the_go_sumdb_note_example_signs_and_opens_identically() {
        // golang.org/x/mod/sumdb/note package documentation.
        let skey = BASE64
            .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
        assert_eq!(skey[0], SIGNATURE_TYPE_ED25519);
        let seed: [u8; 32] = skey[1..].try_into().unwrap();
        let key = SigningKey::from_seed("PeterNeumann", seed).unwrap();
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert_eq!(key.verifier_key_string(), vkey);
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let signed = "If you think cryptography is the answer to your problem,\n\
             then you don't know what your problem is.\n\
             \n\
             \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        assert_eq!(key.sign_note(text).unwrap(), signed);
        let verifier = VerifierKey::parse(vkey).unwrap();
        assert_eq!(
            open_signed_note(signed.as_bytes(), &verifier).unwrap(),
            text
        );
        // The doubly-signed form: the unknown EnochRoot signature is ignored.
        let doubly = format!(
            "{signed}\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
        );
        assert_eq!(
            open_signed_note(doubly.as_bytes(), &verifier).unwrap(),
            text
        );
    }

    #[test]
    fn flipping_any_bit_of_any_byte_of_the_signed_note_makes_opening_fail() {
        let key = golden_key().verifier_key();
        let note = GOLDEN_NOTE.as_bytes();
        let mut tried = 0;
        for i in 0..note.len() {
            for bit in 0..8 {
                let mut bad = note.to_vec();
                bad[i] ^= 1 << bit;
                assert!(
                    open_signed_checkpoint_bytes(&bad, &key).is_err(),
                    "byte {i} bit {bit} accepted: {:?}",
                    String::from_utf8_lossy(&bad)
                );
                tried += 1;
            }
        }
        assert_eq!(tried, note.len() * 8);
        // Truncating or extending the note fails too (except adding an ignored foreign line).
        for cut in 0..note.len() {
            assert!(
                open_signed_checkpoint_bytes(&note[..cut], &key).is_err(),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_note_signed_by_another_key_with_the_same_name_is_refused() {
        let trusted = golden_key().verifier_key();
        let impostor = SigningKey::from_seed(ORIGIN, [0x55; 32]).unwrap();
        let forged = impostor.signed_note(&golden_checkpoint()).unwrap();
        assert_eq!(
            open_signed_checkpoint(&forged, &trusted).unwrap_err(),
            CheckpointError::NoSignatureByKey {
                key: "palimpsest.example/log+d65deba7".into()
            }
        );
        // Even if the impostor copies the trusted key id into its signature line.
        let blob_b64 = forged.rsplit(' ').next().unwrap().trim_end();
        let mut blob = BASE64.decode(blob_b64).unwrap();
        blob[..4].copy_from_slice(&trusted.key_id());
        let relabelled = forged.replace(blob_b64, &BASE64.encode(&blob));
        assert!(matches!(
            open_signed_checkpoint(&relabelled, &trusted).unwrap_err(),
            CheckpointError::InvalidSignature { line: 5, .. }
        ));
    }

    #[test]
    fn a_checkpoint_whose_body_is_altered_keeps_no_valid_signature() {
        let key = golden_key();
        let vkey = key.verifier_key();
        let note = key.signed_note(&golden_checkpoint()).unwrap();
        let sig_line = &note[note.find("\n\n").unwrap() + 2..];
        for body in [
            "palimpsest.example/log\n4\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=\n",
            "palimpsest.example/log\n2\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=\n",
            "palimpsest.example/lag\n3\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=\n",
            "palimpsest.example/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        ] {
            let forged = format!("{body}\n{sig_line}");
            assert!(matches!(
                open_signed_checkpoint(&forged, &vkey).unwrap_err(),
                CheckpointError::InvalidSignature { line: 5, .. }
            ));
        }
    }

    #[test]
    fn a_signature_from_an_unknown_key_is_ignored_but_one_from_the_trusted_key_is_required() {
        let key = golden_key();
        let vkey = key.verifier_key();
        let other = SigningKey::from_seed("witness.example/w1", [9; 32]).unwrap();
        let cp = golden_checkpoint();
        let by_other = other.signed_note(&cp).unwrap();
        let other_line = &by_other[by_other.find("\n\n").unwrap() + 2..];
        let both = format!("{GOLDEN_NOTE}{other_line}");
        assert_eq!(open_signed_checkpoint(&both, &vkey).unwrap(), cp);
        assert_eq!(
            open_signed_checkpoint(&by_other, &vkey)
                .unwrap_err()
                .to_string(),
            "note has no signature by key palimpsest.example/log+d65deba7"
        );
    }

    #[test]
    fn checkpoint_bodies_are_parsed_strictly() {
        let root = "6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o=";
        let ok = format!("o\n0\n{root}\n");
        assert_eq!(Checkpoint::parse_body(&ok).unwrap().size, 0);
        let max = format!("o\n18446744073709551615\n{root}\n");
        assert_eq!(Checkpoint::parse_body(&max).unwrap().size, u64::MAX);
        let cases: Vec<(String, &str)> = vec![
            (format!("o\n3\n{root}"), "checkpoint body must end with a newline"),
            (
                "o\n3\n".into(),
                "checkpoint body has 2 lines, expected exactly 3 (origin, tree size, root hash)",
            ),
            (
                format!("o\n3\n{root}\next\n"),
                "checkpoint body has 1 extension line(s) after the root hash; Palimpsest \
                 checkpoints have none",
            ),
            (format!("\n3\n{root}\n"), "checkpoint body line 1 is empty"),
            (
                format!("o\n03\n{root}\n"),
                "checkpoint line 2 (tree size) \"03\" is invalid: leading zeros are not allowed",
            ),
            (
                format!("o\n+3\n{root}\n"),
                "checkpoint line 2 (tree size) \"+3\" is invalid: only ASCII digits are allowed",
            ),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                "checkpoint line 2 (tree size) \"18446744073709551616\" is invalid: it does not \
                 fit in 64 bits",
            ),
            (
                "o\n3\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o\n".into(),
                "checkpoint line 3 (root hash) \"6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/o\" is \
                 invalid: not canonical standard base64",
            ),
            (
                "o\n3\n6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/p=\n".into(),
                "checkpoint line 3 (root hash) \"6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc/p=\" is \
                 invalid: not canonical standard base64",
            ),
            (
                "o\n3\nAAAA\n".into(),
                "checkpoint line 3 (root hash) \"AAAA\" is invalid: a root hash is 32 bytes",
            ),
            (
                format!("o\n3\n{}\n", root.replace('/', "_")),
                "checkpoint line 3 (root hash) \"6gLi7w8UReuj0Q1yXrrT8srwZmzr1QUiCzuvFQ7hc_o=\" is \
                 invalid: not canonical standard base64",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(
                Checkpoint::parse_body(&body).unwrap_err().to_string(),
                message,
                "{body:?}"
            );
        }
    }

    #[test]
    fn origins_and_key_names_are_checked() {
        assert!(Checkpoint::new("", 1, [0; 32]).is_err());
        assert!(Checkpoint::new("a\nb", 1, [0; 32]).is_err());
        assert!(Checkpoint::new("a\tb", 1, [0; 32]).is_err());
        assert!(Checkpoint::new("a b+c", 1, [0; 32]).is_ok());
        let key = golden_key();
        let bad = Checkpoint {
            origin: "two\nlines".into(),
            size: 1,
            root: [0; 32],
        };
        assert!(matches!(
            key.signed_note(&bad),
            Err(CheckpointError::InvalidOrigin { .. })
        ));
        for name in ["", "a b", "a+b", "a\u{00a0}b", "a\u{2003}b", "a\nb"] {
            assert!(SigningKey::from_seed(name, [1; 32]).is_err(), "{name:?}");
        }
        assert!(SigningKey::from_seed("example.com/log", [1; 32]).is_ok());
        assert!(format!("{:?}", key).contains("d65deba7"));
        assert!(!format!("{:?}", key).contains("000102"));
    }

    #[test]
    fn verifier_keys_are_parsed_strictly() {
        let vkey = VerifierKey::parse(GOLDEN_VKEY).unwrap();
        assert_eq!(vkey.name(), ORIGIN);
        assert_eq!(vkey.to_string(), GOLDEN_VKEY);
        assert_eq!(vkey, golden_key().verifier_key());
        let b64_key = GOLDEN_VKEY.rsplit('+').next().unwrap();
        let mut type2 = BASE64.decode(b64_key).unwrap();
        type2[0] = 0x02;
        for bad in [
            "palimpsest.example/log".to_string(),
            "palimpsest.example/log+d65deba7".to_string(),
            GOLDEN_VKEY.replace("d65deba7", "d65deba8"),
            GOLDEN_VKEY.replace("d65deba7", "d65deba"),
            GOLDEN_VKEY.replace("palimpsest.example/log", "palimpsest.example/lag"),
            GOLDEN_VKEY.replace("palimpsest.example/log", "palimpsest example/log"),
            format!("{ORIGIN}+d65deba7+{}", BASE64.encode(&type2)),
            format!("{ORIGIN}+d65deba7+{}", &b64_key[..b64_key.len() - 4]),
            format!("{ORIGIN}+d65deba7+"),
        ] {
            assert!(VerifierKey::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn malformed_notes_are_refused_with_a_reason() {
        let vkey = golden_key().verifier_key();
        let body = golden_checkpoint().body();
        let sig_line = &GOLDEN_NOTE[GOLDEN_NOTE.find("\n\n").unwrap() + 2..];
        let cases: Vec<(String, &str)> =
            vec![
            (body.clone(), "note has no blank line separating the text from the signature lines"),
            (
                format!("{body}\n{}", sig_line.trim_end()),
                "note signature block is empty or does not end with a newline",
            ),
            (
                format!("{body}\n{}", sig_line.replacen('\u{2014}', "-", 1)),
                "note line 5 does not start with an em dash (U+2014) and a space",
            ),
            (
                format!("{body}\n{sig_line}\u{2014} x\n"),
                "note line 6 is not a valid signature line: expected a key name, a space and a \
                 base64 signature",
            ),
            (
                format!("{body}\n{sig_line}\u{2014} x AAAA\n"),
                "note line 6 is not a valid signature line: the signature is shorter than a key \
                 id and one byte",
            ),
            (
                format!("{body}\n{}", sig_line.replace("\n", "\r\n")),
                "note byte 190 is the control character 0x0d (only newline is allowed)",
            ),
        ];
        for (note, message) in cases {
            assert_eq!(
                open_signed_checkpoint(&note, &vkey)
                    .unwrap_err()
                    .to_string(),
                message,
                "{note:?}"
            );
        }
        let many: String = (0..=MAX_SIGNATURES)
            .map(|_| "\u{2014} x AAAAAAAA\n")
            .collect();
        assert_eq!(
            open_signed_checkpoint(&format!("{body}\n{many}"), &vkey).unwrap_err(),
            CheckpointError::TooManySignatures { max: 100 }
        );
        assert!(golden_key().sign_note("no newline").is_err());
        assert!(golden_key().sign_note("a\n\nb\n").is_err());
    }

    #[test]
    fn a_checkpoint_round_trips_through_json_with_a_hex_root() {
        let cp = golden_checkpoint();
        let json = serde_json::to_string(&cp).unwrap();
        assert_eq!(
            json,
            format!(
                "{{\"origin\":\"palimpsest.example/log\",\"size\":3,\"root\":\"{GOLDEN_ROOT}\"}}"
            )
        );
        assert_eq!(serde_json::from_str::<Checkpoint>(&json).unwrap(), cp);
    }
}
