#!/usr/bin/env python3
"""Independent verifier for Palimpsest audit exports and inclusion proofs.

Written only from docs/integrity.md (event hash chain v1, RFC 9162 Merkle log with
SHA-256, C2SP tlog-checkpoint + signed-note with Ed25519), without reading the Rust
implementation, to show that the document is enough for an outside auditor.

    python3 palimpsest_verify.py --export DIR
    python3 palimpsest_verify.py --proof FILE --checkpoint FILE --public-key FILE
    python3 palimpsest_verify.py --self-test

Exit status: 0 verified, 1 verification failed (first problem printed), 2 usage or
missing dependency.

Spec gaps found while implementing from docs/integrity.md
---------------------------------------------------------
Each is resolved here in the strict direction, as noted; the doc should say.
 G1  Depth limit: "nesting deeper than 128" does not say whether depth counts from the
     payload/metadata value or from the enclosing events.ndjson line, nor whether the
     outermost array/object is depth 1. Here: counted from the payload (resp. metadata)
     value, outermost container = 1, refuse if > 128.
 G2  NFC / lone surrogates / number rules are stated for canonical JSON only. Nothing says
     whether stream_type, stream_id, event_type, event_version, actor (hashed as raw
     UTF-8 fields) must be NFC, non-empty, or free of control characters. Here: only
     "must be a JSON string that encodes to UTF-8" (a lone surrogate cannot).
 G3  Unicode version for the NFC check is not pinned (Python's unicodedata vs Rust's
     crate may differ on code points unassigned in one of them).
 G4  recorded_at: "exact form" is given as a pattern; not said whether the date must be
     a real calendar date (month 13, Feb 30, hour 24, second 60 despite the leap-second
     folding rule) or the year range (0000?). Here: regex + real date/time via datetime,
     so second 60 and year 0000 are refused.
 G5  Event line schema: not said whether unknown extra keys in an events.ndjson line
     (or a checkpoints.ndjson line, or the proof file) are allowed, nor whether
     sequence/log_index are bounded (u64? 2^53-1?). Here: unknown keys refused,
     1 <= sequence, log_index <= 2^64-1; event_version must be a JSON string.
 G6  Hex case: `previous`/`hash` are "lowercase hex"; not said that uppercase is refused.
     Here: refused. Same for the key id in the verifier key ("8 lowercase hex").
 G7  Stream identity in the export is "the same stream": taken to be the pair
     (stream_type, stream_id), as in "Stream verification" check 1.
 G8  Order of checks for one export line is not given (sequence / previous /
     canonicality / hash). Here: the "Stream verification" order: SequenceGap,
     PreviousMismatch, NotCanonical, HashMismatch.
 G9  checkpoints.ndjson: "ascending size" - strictly? Here: strictly ascending (a repeated
     size is refused). Also not said: (a) that the line's "size" must equal the size in
     the signed note (here: required); (b) whether a size-0 checkpoint may appear (here:
     allowed, checked against the empty root before any event); (c) whether an export
     with zero events and no checkpoint is valid (here: refused - "always ends with a
     checkpoint whose size equals the number of events").
 G10 Expected origin: "the caller checks that the origin is the log it expects", but the
     export gives no expected origin. Here: origin must equal the key name of
     public-key.vkey ("ours equals the origin").
 G11 "No control character" (note text, origin) is not defined: C0 only (Go's note
     package only refuses < 0x20) or also U+007F and C1 U+0080-U+009F? Here: all of
     Unicode category Cc except \n is refused (stricter than Go).
 G12 "Standard base64" in signature lines and the verifier key: canonical (zero padding
     bits) is required only for the checkpoint root. Here: canonical required everywhere.
 G13 "Strict verification" (Ed25519) is not defined (RFC 8032 cofactorless? dalek's
     verify_strict?). Here: OpenSSL's RFC 8032 verification (via `cryptography`, S < L)
     plus refusal of non-canonical or small-order A (public key) and R.
 G14 "Unicode white space" in key names: taken as Python str.isspace().
 G15 Proof JSON field name: section "Proofs" shows `"proof": [...]`, while the
     inclusion proof file uses `"hashes": [...]`. Here: the proof file uses "hashes".
 G16 Inclusion proof file: not said whether event.log_index must equal the file's
     log_index (here: required), nor whether log_index/tree_size are bounded.
 G17 public-key.vkey is "the verifier key string and \\n"; not said whether a missing
     final newline or CRLF is refused. Here: one optional trailing \\n is removed,
     anything else (e.g. \\r) makes the key malformed. Same for --public-key FILE.
 G18 JSON path syntax: the quoting of non-identifier keys in `["a b"]` is not specified
     (escaping of `"` etc.). Here: JSON string syntax.
 G19 Export line framing: "JSON lines end with \\n"; not said whether an empty line or a
     missing final newline is refused, nor whether a UTF-8 BOM is tolerated. Here: all
     three refused.
 G20 Verifier key syntax `<name>+<id>+<base64>`: the base64 part may itself contain
     `+` (the golden key does: `...+AQOhB7/zzhC+HXDd...`), so the doc should say "split at
     the first two `+`" (as Go's note.NewVerifier does). Here: split at the first two.
 G21 Metadata is described as "a JSON object of strings: occurred_at, actor, source,
     command_id", but vector 1 has `{}` and vector 3 only actor/source; nothing says a
     verifier must check its shape or that metadata.actor equals the actor field. Here:
     not checked (any canonicalisable JSON value is hashed as is).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import struct
import sys
import unicodedata

try:
    import blake3
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover
    print("palimpsest_verify: missing dependency; run: pip install blake3 cryptography",
          file=sys.stderr)
    sys.exit(2)


class VerifyError(Exception):
    """A verification failure; the message says what is wrong."""


# --------------------------------------------------------------------------- strict JSON

class BadNumber:
    """A number canonical JSON refuses (fraction, exponent, -0); kept to report its path."""

    def __init__(self, text: str):
        self.text = text


def _object_pairs(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:  # keys are compared after unescaping by the json module
            raise VerifyError(f"duplicate object key {json.dumps(key, ensure_ascii=False)}")
        obj[key] = value
    return obj


def _parse_int(text: str):
    if text == "-0":
        return BadNumber(text)
    try:
        return int(text)
    except ValueError:  # more digits than Python converts; far beyond any allowed range
        return BadNumber(text)


def _refuse_constant(name: str):
    raise VerifyError(f"{name} is not JSON")


def parse_json(text: str):
    """RFC 8259 parse refusing duplicate keys, NaN/Infinity; floats and -0 become BadNumber."""
    if text.startswith("\ufeff"):
        raise VerifyError("byte order mark refused")
    try:
        return json.loads(text, object_pairs_hook=_object_pairs, parse_float=BadNumber,
                          parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise VerifyError("JSON nested too deeply") from None
    except json.JSONDecodeError as e:
        raise VerifyError(f"invalid JSON: {e}") from None


# ---------------------------------------------------------------------- canonical JSON

MAX_SAFE_INT = 2**53 - 1
MAX_DEPTH = 128
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
            "\f": "\\f", "\r": "\\r"}


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.match(key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _check_string(s: str, path: str) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise VerifyError(f"NotCanonical({path}): lone surrogate in string; fix the source text")
    if not unicodedata.is_normalized("NFC", s):
        raise VerifyError(f"NotCanonical({path}): string is not in Unicode NFC; normalise it to NFC")


def _quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _canon(value, path: str, depth: int, out: list) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        if abs(value) > MAX_SAFE_INT:
            raise VerifyError(f"NotCanonical({path}): integer beyond ±(2^53-1); carry it as a string")
        out.append(str(value))
    elif isinstance(value, BadNumber):
        raise VerifyError(f"NotCanonical({path}): number {value.text} is not a plain integer "
                          "(fraction, exponent, -0 or too large); carry it as a string")
    elif isinstance(value, str):
        _check_string(value, path)
        out.append(_quote(value))
    elif isinstance(value, (list, dict)):
        if depth + 1 > MAX_DEPTH:
            raise VerifyError(f"NotCanonical({path}): nesting deeper than {MAX_DEPTH}")
        if isinstance(value, list):
            out.append("[")
            for i, item in enumerate(value):
                if i:
                    out.append(",")
                _canon(item, f"{path}[{i}]", depth + 1, out)
            out.append("]")
        else:
            for key in value:
                _check_string(key, _key_path(path, key))
            out.append("{")
            for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
                if i:
                    out.append(",")
                out.append(_quote(key))
                out.append(":")
                _canon(value[key], _key_path(path, key), depth + 1, out)
            out.append("}")
    else:  # pragma: no cover - parse_json produces nothing else
        raise VerifyError(f"NotCanonical({path}): unsupported value {value!r}")


def canonical_json(value, path: str = "$") -> bytes:
    out: list = []
    _canon(value, path, 0, out)
    return "".join(out).encode("utf-8")


# -------------------------------------------------------------------------- event hash

GENESIS = bytes(32)
EVENT_TAG = b"palimpsest-event-v1"
U64_MAX = 2**64 - 1
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")
_RECORDED_AT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z\Z")
EVENT_STRING_FIELDS = ("stream_type", "stream_id", "event_type", "event_version",
                       "recorded_at", "actor", "previous", "hash")
EVENT_KEYS = set(EVENT_STRING_FIELDS) | {"log_index", "sequence", "payload", "metadata"}


def field(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def utf8(s: str, name: str) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise VerifyError(f"{name} is not valid Unicode (lone surrogate)") from None


def parse_hex32(s: str, name: str) -> bytes:
    if not _HEX32.match(s):
        raise VerifyError(f"{name} is not 64 lowercase hex digits")
    return bytes.fromhex(s)


def check_recorded_at(s: str) -> None:
    m = _RECORDED_AT.match(s)
    if not m:
        raise VerifyError("recorded_at is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        datetime.datetime(*(int(g) for g in m.groups()))
    except ValueError as e:
        raise VerifyError(f"recorded_at is not a valid UTC instant: {e}") from None


def check_event_shape(ev, with_log_index: bool) -> None:
    """Field presence and types of an events.ndjson object (see spec gap G5)."""
    if not isinstance(ev, dict):
        raise VerifyError("event is not a JSON object")
    expected = EVENT_KEYS if with_log_index else EVENT_KEYS - {"log_index"}
    missing = sorted(expected - ev.keys())
    extra = sorted(ev.keys() - expected)
    if missing:
        raise VerifyError(f"missing field(s) {', '.join(missing)}")
    if extra:
        raise VerifyError(f"unknown field(s) {', '.join(extra)}")
    for name in EVENT_STRING_FIELDS:
        if not isinstance(ev[name], str):
            raise VerifyError(f"{name} must be a JSON string")
    for name in ("log_index", "sequence") if with_log_index else ("sequence",):
        v = ev[name]
        if type(v) is not int or not 1 <= v <= U64_MAX:
            raise VerifyError(f"{name} must be an integer between 1 and 2^64-1")
    check_recorded_at(ev["recorded_at"])
    parse_hex32(ev["previous"], "previous")
    parse_hex32(ev["hash"], "hash")


def event_preimage(ev: dict, previous: bytes) -> bytes:
    """The preimage of section "Event hash"; raises VerifyError(NotCanonical...)."""
    return b"".join([
        field(EVENT_TAG),
        field(utf8(ev["stream_type"], "stream_type")),
        field(utf8(ev["stream_id"], "stream_id")),
        struct.pack(">Q", ev["sequence"]),
        field(utf8(ev["event_type"], "event_type")),
        field(utf8(ev["event_version"], "event_version")),
        field(canonical_json(ev["payload"], "$.payload")),
        field(canonical_json(ev["metadata"], "$.metadata")),
        field(ev["recorded_at"].encode("ascii")),
        field(utf8(ev["actor"], "actor")),
        previous,
    ])


def event_hash(ev: dict, previous: bytes) -> bytes:
    return blake3.blake3(event_preimage(ev, previous)).digest()


# ------------------------------------------------------------------- RFC 9162 Merkle

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class RightEdge:
    """The log's right edge: roots of the perfect subtrees of the size's set bits, largest first."""

    def __init__(self):
        self.size = 0
        self.edge: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        h, s = leaf, self.size
        while s & 1:  # merge equal-sized subtrees like a binary increment
            h = node_hash(self.edge.pop(), h)
            s >>= 1
        self.edge.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        r = self.edge[-1]
        for e in reversed(self.edge[:-1]):
            r = node_hash(e, r)
        return r


def inclusion_proof_length(m: int, n: int) -> int:
    inner = (m ^ (n - 1)).bit_length()
    return inner + bin(m >> inner).count("1")


def verify_inclusion(m: int, n: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2, as listed in docs/integrity.md; raises VerifyError."""
    if not 0 <= m < n:
        raise VerifyError(f"leaf index {m} is not inside a tree of size {n}")
    if len(proof) != inclusion_proof_length(m, n):
        raise VerifyError(f"inclusion proof has {len(proof)} hashes, expected "
                          f"{inclusion_proof_length(m, n)}")
    fn, sn, r = m, n - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerifyError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise VerifyError("inclusion proof does not lead to the checkpoint root")


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes,
                       proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2, as listed in docs/integrity.md; raises VerifyError."""
    if not 0 <= m <= n:
        raise VerifyError(f"cannot prove consistency from size {m} to {n}")
    if m == n or m == 0:
        if proof:
            raise VerifyError("consistency proof must be empty")
        if old_root != (new_root if m == n else EMPTY_ROOT):
            raise VerifyError("old root does not match")
        return
    expected = inclusion_proof_length(m - 1, n) - ((m & -m).bit_length() - 1) \
        + (0 if m & (m - 1) == 0 else 1)
    if len(proof) != expected:
        raise VerifyError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerifyError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise VerifyError("consistency proof does not match the two roots")


# ------------------------------------------------------------- Ed25519 point checks

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_L = 2**252 + 27742317777372353535851937790883648493


def _decode_point(b: bytes):
    """Affine (x, y) of a canonical Ed25519 point encoding, or None (RFC 8032 §5.1.3)."""
    y = int.from_bytes(b, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if x == 0 and sign:
        return None
    return (_P - x if x & 1 != sign else x), y


def _add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, _P - 2, _P) % _P,
            (y1 * y2 + x1 * x2) * pow(1 - t, _P - 2, _P) % _P)


def strict_point(b: bytes) -> bool:
    """Canonical, on the curve, and not of small order ([8]P != identity)."""
    pt = _decode_point(b)
    if pt is None:
        return False
    for _ in range(3):
        pt = _add(pt, pt)
    return pt != (0, 1)


def ed25519_verify_strict(public_key: bytes, signature: bytes, message: bytes) -> bool:
    if len(signature) != 64 or not strict_point(signature[:32]):
        return False
    if int.from_bytes(signature[32:], "little") >= _L:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except InvalidSignature:
        return False


# -------------------------------------------------------- checkpoints and signed notes

_SIZE = re.compile(r"(0|[1-9][0-9]*)\Z")
SIG_PREFIX = "\u2014 "  # EM DASH, space


def strict_b64(s: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(s, validate=True)
    except ValueError:
        raise VerifyError(f"{what} is not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != s:
        raise VerifyError(f"{what} is not canonical base64")
    return raw


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n\x01" + public_key).digest()[:4]


class VerifierKey:
    def __init__(self, text: str):
        parts = text.split("+", 2)  # the base64 key may itself contain '+' (gap G20)
        if len(parts) != 3:
            raise VerifyError("verifier key is not <name>+<key id>+<base64 key>")
        self.name, kid_hex, b64 = parts
        if not valid_key_name(self.name):
            raise VerifyError("verifier key name is empty or contains white space")
        if not re.fullmatch(r"[0-9a-f]{8}", kid_hex):
            raise VerifyError("verifier key id is not 8 lowercase hex digits")
        raw = strict_b64(b64, "verifier key")
        if len(raw) != 33 or raw[0] != 0x01:
            raise VerifyError("verifier key is not type 0x01 (Ed25519) with a 32-byte key")
        self.public_key = raw[1:]
        if not strict_point(self.public_key):
            raise VerifyError("verifier key is not a valid Ed25519 point")
        self.key_id = key_id(self.name, self.public_key)
        if self.key_id.hex() != kid_hex:
            raise VerifyError(f"verifier key id {kid_hex} is wrong (computed {self.key_id.hex()})")

    def __str__(self):
        b64 = base64.b64encode(b"\x01" + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{b64}"


def read_vkey_file(path: str) -> VerifierKey:
    with open(path, "rb") as f:
        try:
            text = f.read().decode("utf-8")
        except UnicodeDecodeError:
            raise VerifyError("verifier key is not UTF-8") from None
    return VerifierKey(text[:-1] if text.endswith("\n") else text)


def _has_control(s: str, allow_newline: bool) -> bool:
    return any(unicodedata.category(c) == "Cc" and not (allow_newline and c == "\n") for c in s)


def open_note(note: str, key: VerifierKey) -> str:
    """Open a C2SP signed note with one trusted key; returns the verified body text."""
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise VerifyError("note is not valid UTF-8") from None
    if _has_control(note, allow_newline=True):
        raise VerifyError("note contains a control character")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerifyError("note has no blank line before its signatures")
    body, sigs = note[:split + 1], note[split + 2:]
    if not sigs.endswith("\n"):
        raise VerifyError("note signature block does not end with a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > 100:
        raise VerifyError("note has more than 100 signature lines")
    matched = 0
    for line in lines:
        if not line.startswith(SIG_PREFIX):
            raise VerifyError("malformed signature line (no '\u2014 ' prefix)")
        name, sep, b64 = line[len(SIG_PREFIX):].partition(" ")
        if not sep or not valid_key_name(name) or not b64:
            raise VerifyError("malformed signature line")
        raw = strict_b64(b64, "signature")
        if len(raw) < 5:
            raise VerifyError("signature line shorter than 5 bytes")
        if name != key.name or raw[:4] != key.key_id:
            continue  # witness cosignature or other key: ignored
        matched += 1
        if not ed25519_verify_strict(key.public_key, raw[4:], body.encode("utf-8")):
            raise VerifyError(f"invalid signature by {name}")
    if not matched:
        raise VerifyError(f"note is not signed by {key.name}+{key.key_id.hex()}")
    return body


def parse_checkpoint_body(body: str) -> tuple[str, int, bytes]:
    if not body.endswith("\n"):
        raise VerifyError("checkpoint body does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise VerifyError("checkpoint body has fewer than 3 lines")
    if len(lines) > 3:
        raise VerifyError("checkpoint has extension lines or empty lines (refused)")
    origin, size_text, root_text = lines
    if not origin or _has_control(origin, allow_newline=False):
        raise VerifyError("checkpoint origin is empty or has control characters")
    if not _SIZE.match(size_text) or int(size_text) > U64_MAX:
        raise VerifyError(f"checkpoint size {size_text!r} is not a canonical decimal u64")
    if len(root_text) != 44:
        raise VerifyError("checkpoint root is not 44 base64 characters")
    root = strict_b64(root_text, "checkpoint root")
    if len(root) != 32:
        raise VerifyError("checkpoint root is not 32 bytes")
    return origin, int(size_text), root


def open_checkpoint(note: str, key: VerifierKey) -> tuple[int, bytes]:
    origin, size, root = parse_checkpoint_body(open_note(note, key))
    if origin != key.name:
        raise VerifyError(f"checkpoint origin {origin!r} is not the log {key.name!r}")
    return size, root


# ----------------------------------------------------------------- export verification

class Failed(Exception):
    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")


def _json_lines(path: str, label: str):
    """Yields (line number, parsed JSON) one line at a time."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            where = f"{label} line {n}"
            if not raw.endswith(b"\n"):
                raise Failed(where, "line does not end with a newline")
            try:
                text = raw[:-1].decode("utf-8")
                if not text.strip():
                    raise VerifyError("empty line")
                yield n, parse_json(text)
            except UnicodeDecodeError:
                raise Failed(where, "not valid UTF-8") from None
            except VerifyError as e:
                raise Failed(where, str(e)) from None


def _checkpoints(path: str):
    prev = None
    for n, obj in _json_lines(path, "checkpoints.ndjson"):
        where = f"checkpoints.ndjson line {n}"
        if not isinstance(obj, dict) or set(obj) != {"size", "note"}:
            raise Failed(where, 'expected exactly {"size": N, "note": "..."}')
        if type(obj["size"]) is not int or not 0 <= obj["size"] <= U64_MAX \
                or not isinstance(obj["note"], str):
            raise Failed(where, "size must be an integer and note a string")
        if prev is not None and obj["size"] <= prev:
            raise Failed(where, f"size {obj['size']} is not above the previous {prev}")
        prev = obj["size"]
        yield n, obj["size"], obj["note"]


def verify_export(directory: str) -> str:
    try:
        key = read_vkey_file(os.path.join(directory, "public-key.vkey"))
    except VerifyError as e:
        raise Failed("public-key.vkey", str(e)) from None
    tree = RightEdge()
    streams: dict[tuple[str, str], tuple[int, bytes]] = {}  # -> (last sequence, last hash)
    cps = _checkpoints(os.path.join(directory, "checkpoints.ndjson"))
    pending = next(cps, None)
    verified = 0
    last_size = None

    def reach_checkpoints():
        nonlocal pending, verified, last_size
        while pending is not None and pending[1] == tree.size:
            n, size, note = pending
            try:
                note_size, root = open_checkpoint(note, key)
                if note_size != size:
                    raise VerifyError(f"note size {note_size} differs from the line's size {size}")
                if root != tree.root():
                    raise VerifyError(f"root {root.hex()} differs from the log's root "
                                      f"{tree.root().hex()} at size {size}")
            except VerifyError as e:
                raise Failed(f"checkpoints.ndjson line {n}", str(e)) from None
            verified, last_size = verified + 1, size
            pending = next(cps, None)

    reach_checkpoints()  # a size-0 checkpoint, if any
    for n, ev in _json_lines(os.path.join(directory, "events.ndjson"), "events.ndjson"):
        where = f"events.ndjson line {n}"
        try:
            check_event_shape(ev, with_log_index=True)
        except VerifyError as e:
            raise Failed(where, str(e)) from None
        stream = (ev["stream_type"], ev["stream_id"])
        label = f"{where}: stream {stream[0]}/{stream[1]} sequence {ev['sequence']}"
        if ev["log_index"] != n:
            raise Failed(where, f"log_index {ev['log_index']} is not {n}")
        last_seq, last_hash = streams.get(stream, (0, GENESIS))
        if ev["sequence"] != last_seq + 1:
            raise Failed(label, f"SequenceGap {{ expected: {last_seq + 1}, found: {ev['sequence']} }}")
        if ev["previous"] != last_hash.hex():
            raise Failed(label, f"PreviousMismatch {{ stored: {ev['previous']}, "
                                f"expected: {last_hash.hex()} }}")
        try:
            h = event_hash(ev, last_hash)
        except VerifyError as e:
            raise Failed(label, str(e)) from None
        if ev["hash"] != h.hex():
            raise Failed(label, f"HashMismatch {{ stored: {ev['hash']}, computed: {h.hex()} }}")
        streams[stream] = (ev["sequence"], h)
        tree.append(leaf_hash(h))
        reach_checkpoints()
    if pending is not None:
        raise Failed(f"checkpoints.ndjson line {pending[0]}",
                     f"checkpoint size {pending[1]} is beyond the {tree.size} exported events "
                     "(events dropped?)")
    if last_size != tree.size:
        raise Failed("checkpoints.ndjson", f"no checkpoint signs the last {tree.size} events "
                     f"(last signed size: {last_size}); unsigned tail")
    return (f"ok: {tree.size} events in {len(streams)} streams, {verified} checkpoints verified, "
            f"root {tree.root().hex()} at size {tree.size}")


# ------------------------------------------------------------ inclusion proof file

def verify_proof_file(proof_path: str, checkpoint_path: str, vkey_path: str) -> str:
    try:
        key = read_vkey_file(vkey_path)
    except VerifyError as e:
        raise Failed(vkey_path, str(e)) from None
    try:
        with open(checkpoint_path, "rb") as f:
            size, root = open_checkpoint(f.read().decode("utf-8"), key)
    except (VerifyError, UnicodeDecodeError) as e:
        raise Failed(checkpoint_path, str(e)) from None
    try:
        with open(proof_path, "rb") as f:
            proof = parse_json(f.read().decode("utf-8"))
        if not isinstance(proof, dict) or set(proof) != {"log_index", "tree_size", "event", "hashes"}:
            raise VerifyError("expected exactly the keys log_index, tree_size, event, hashes")
        m, n, ev, hashes = proof["log_index"], proof["tree_size"], proof["event"], proof["hashes"]
        for name, v in (("log_index", m), ("tree_size", n)):
            if type(v) is not int or not 1 <= v <= U64_MAX:
                raise VerifyError(f"{name} must be an integer between 1 and 2^64-1")
        if n != size:
            raise VerifyError(f"tree_size {n} is not the checkpoint's size {size}")
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise VerifyError("hashes must be an array of hex strings")
        path = [parse_hex32(h, f"hashes[{i}]") for i, h in enumerate(hashes)]
        check_event_shape(ev, with_log_index=True)
        if ev["log_index"] != m:
            raise VerifyError(f"event.log_index {ev['log_index']} is not log_index {m}")
        h = event_hash(ev, bytes.fromhex(ev["previous"]))
        if h.hex() != ev["hash"]:
            raise VerifyError(f"HashMismatch {{ stored: {ev['hash']}, computed: {h.hex()} }}")
        verify_inclusion(m - 1, n, leaf_hash(h), path, root)
    except (VerifyError, UnicodeDecodeError) as e:
        raise Failed(proof_path, str(e)) from None
    return (f"ok: event {ev['stream_type']}/{ev['stream_id']} sequence {ev['sequence']} "
            f"(log_index {m}) is in the log of size {n}, root {root.hex()}")


# ------------------------------------------------------------------------------ main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Verify Palimpsest audit exports and proofs "
                                             "(docs/integrity.md).")
    ap.add_argument("--export", metavar="DIR")
    ap.add_argument("--proof", metavar="FILE")
    ap.add_argument("--checkpoint", metavar="FILE")
    ap.add_argument("--public-key", metavar="FILE")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--doc", metavar="FILE", help="integrity.md for --self-test")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(errors="backslashreplace")  # hostile strings in messages
    if args.self_test:
        sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import test_vectors
        return test_vectors.run(args.doc)
    try:
        if args.export and not (args.proof or args.checkpoint or args.public_key):
            print(verify_export(args.export))
        elif args.proof and args.checkpoint and args.public_key and not args.export:
            print(verify_proof_file(args.proof, args.checkpoint, args.public_key))
        else:
            ap.print_usage(sys.stderr)
            print("use --export DIR, or --proof F --checkpoint F --public-key F, or --self-test",
                  file=sys.stderr)
            return 2
    except Failed as e:
        print(f"FAILED: {e}")
        return 1
    except OSError as e:
        print(f"FAILED: {e.filename}: {e.strerror}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
