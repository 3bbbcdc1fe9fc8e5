#!/usr/bin/env python3
"""Self-test of palimpsest_verify.py against every golden vector of docs/integrity.md.

The vectors are parsed out of the markdown itself (so a change of the document is
re-checked), except where noted "copied from docs/integrity.md". Also checks, on
synthetic exports built from the three golden events, that tampering is caught.

    python3 tests/verifier/palimpsest_verify.py --self-test [--doc docs/integrity.md]
    python3 tests/verifier/test_vectors.py [--write-fixtures]
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, HERE)
import palimpsest_verify as pv  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

DEFAULT_DOC = os.path.join(HERE, "..", "..", "docs", "integrity.md")
FIXTURES = os.path.join(HERE, "fixtures")
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw

checks = 0


def check(cond, what: str) -> None:
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def refused(fn, *args, contains: str = "") -> bool:
    try:
        fn(*args)
    except (pv.VerifyError, pv.Failed) as e:
        return contains in str(e)
    return False


# ------------------------------------------------------------------ parsing the doc

def one(pattern: str, text: str, what: str, flags=re.S):
    m = re.search(pattern, text, flags)
    if not m:
        raise AssertionError(f"could not find {what} in docs/integrity.md")
    return m


def hexes(s: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in re.findall(r"`([0-9a-f]{64})`", s)]


def parse_doc(doc: str) -> dict:
    v: dict = {"events": []}
    for n in (1, 2, 3):
        sec = one(rf"### Vector {n}:(.*?)(?=\n### |\n## )", doc, f"vector {n}").group(1)
        ev = pv.parse_json(one(r"```json\n(.*?)```", sec, "event json").group(1))
        canon = one(r"Canonical payload `([^`]*)`.*?metadata\s+`([^`]*)`", sec, "canonical")
        pre = one(r"Preimage \(hex\):\n```\n([0-9a-f]+)\n```", sec, "preimage").group(1)
        h = one(r"Hash: `([0-9a-f]{64})`", sec, "hash").group(1)
        v["events"].append({"event": ev, "payload": canon.group(1), "metadata": canon.group(2),
                            "preimage": bytes.fromhex(pre), "hash": bytes.fromhex(h)})
    v["empty_root"] = bytes.fromhex(one(r'`SHA-256\(""\)` = `([0-9a-f]{64})`', doc, "empty").group(1))
    tree = one(r"\*\*RFC 6962 test tree\.\*\*(.*?)\*\*Palimpsest log", doc, "RFC 6962 tree").group(1)
    leaves = one(r"Leaf data (.*?)\(hex;", tree, "leaf data").group(1)
    v["rfc_leaves"] = [b"" if x == '""' else bytes.fromhex(x) for x in re.findall(r"`([^`]*)`", leaves)]
    v["rfc_roots"] = {int(n): bytes.fromhex(h)
                      for n, h in re.findall(r"\| (\d+) \| `([0-9a-f]{64})` \|", tree)}
    v["rfc_incl_5_8"] = hexes(one(r"Inclusion of index 5 in the tree of 8:(.*?)Consistency", tree, "incl").group(1))
    v["rfc_cons_6_8"] = hexes(one(r"Consistency from 6 to 8:(.*?)Consistency", tree, "c68").group(1))
    v["rfc_cons_3_7"] = hexes(one(r"Consistency from 3 to 7:(.*?)$", tree, "c37").group(1))
    log = one(r"\*\*Palimpsest log of the three golden events\*\*(.*?)\*\*Signed checkpoint", doc, "log").group(1)
    v["log_leaves"] = [bytes.fromhex(h) for _, h in sorted(re.findall(r"\| leaf (\d) \| `([0-9a-f]{64})`", log))]
    v["log_roots"] = {int(n): bytes.fromhex(h) for n, h in re.findall(r"\| root, size (\d) \| `([0-9a-f]{64})`", log)}
    # "Inclusion of index 1 in size 3: `[leaf 0, leaf 2]`. Consistency 1 → 3: `[leaf 1, leaf 2]`; 2 → 3: `[leaf 2]`."
    lists = {k: [int(i) for i in re.findall(r"leaf (\d)", s)] for k, s in zip(
        ("incl_1_3", "cons_1_3", "cons_2_3"),
        one(r"Inclusion of index 1 in size 3: `\[([^\]]*)\]`\. Consistency 1 → 3: `\[([^\]]*)\]`;\s*"
            r"2 → 3: `\[([^\]]*)\]`", log, "log proofs").groups())}
    v["log_proofs"] = lists
    sig = one(r"\*\*Signed checkpoint\.\*\*(.*?)Interoperability", doc, "signed checkpoint").group(1)
    v["key_name"] = one(r"Key name `([^`]+)`", sig, "key name").group(1)
    check("`00 01 02 … 1f`" in sig, "seed description changed")
    v["seed"] = bytes(range(32))  # "seed = the 32 bytes `00 01 02 … 1f`"
    v["public_key"] = bytes.fromhex(one(r"public key `([0-9a-f]{64})`", sig, "pk").group(1))
    v["key_id"] = bytes.fromhex(one(r"key id `([0-9a-f]{8})`", sig, "key id").group(1))
    v["vkey"] = one(r"verifier key `([^`]+)`", sig, "vkey").group(1)
    v["note"] = one(r"```\n(.*?)```", sig, "note").group(1)
    interop = one(r"Interoperability check:(.*?)\n\n", doc, "interop").group(1)
    v["go_signer"] = one(r"signer key\s+`([^`]+)`", interop, "go signer").group(1)
    v["go_vkey"] = one(r"verifier key\s+`([^`]+)`", interop, "go vkey").group(1)
    return v


# ------------------------------------------------------------------ independent helpers

def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return pv.leaf_hash(d[0])
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return pv.node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) <= 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def sign_note(body: str, name: str, seed: bytes) -> str:
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key().public_bytes(*RAW)
    sig = sk.sign(body.encode("utf-8"))
    return f"{body}\n\u2014 {name} {base64.b64encode(pv.key_id(name, pk) + sig).decode()}\n"


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


# ------------------------------------------------------------------ the checks

def test_canonical_json(v) -> None:
    for e in v["events"]:
        ev = e["event"]
        check(pv.canonical_json(ev["payload"]) == e["payload"].encode(), "canonical payload")
        check(pv.canonical_json(ev["metadata"]) == e["metadata"].encode(), "canonical metadata")
    # Rules of section "Canonical JSON" (examples copied from docs/integrity.md).
    C = lambda t: pv.canonical_json(pv.parse_json(t))  # noqa: E731
    check(C('{"\\ue000": 1, "\\ud83d\\ude00": 2}') == '{"😀":2,"\ue000":1}'.encode(), "UTF-16 order")
    check(C('[ true , false , null , -42, 9007199254740991 ]') == b"[true,false,null,-42,9007199254740991]", "literals")
    check(C('"\\b\\t\\n\\f\\r\\u0000\\u001f\\"\\\\/\\u007f\\u2028é"')
          == '"\\b\\t\\n\\f\\r\\u0000\\u001f\\"\\\\/\x7f\u2028é"'.encode(), "escapes")
    check(C('{"b": {"d": [], "c": {}}, "a": "x"}') == b'{"a":"x","b":{"c":{},"d":[]}}', "nesting")
    for bad in ("1.0", "1e2", "-0", "9007199254740992", "-9007199254740992", '"\\ud800"',
                '"\\udc00"', '"\\ud800x"', '"e\\u0301"', '{"e\\u0301": 1}', "[" * 129 + "]" * 129):
        check(refused(C, bad, contains="NotCanonical"), f"canonical must refuse {bad[:20]}")
    check(C("[" * 128 + "]" * 128) == b"[" * 128 + b"]" * 128, "depth 128 accepted")
    for bad in ('{"a": 1, "\\u0061": 2}', '{"x": [{"k": 1, "k": 1}]}', "NaN", "[Infinity]", "01", "[1,]"):
        check(refused(pv.parse_json, bad), f"parser must refuse {bad}")
    check(refused(C, '{"articles": [0, 0, 0, {"paragraphs": [1.5]}]}',
                  contains="$.articles[3].paragraphs[0]"), "error path")
    check(refused(C, '{"a b": 1.5}', contains='$["a b"]'), "error path of odd key")


def test_event_hashes(v) -> None:
    prev = pv.GENESIS
    for e in v["events"]:
        ev = e["event"]
        check(bytes.fromhex(ev["previous"]) == prev, "vector previous chains")
        pv.check_event_shape(dict(ev, hash=e["hash"].hex()), with_log_index=False)
        check(pv.event_preimage(ev, prev) == e["preimage"], f"preimage of sequence {ev['sequence']}")
        check(pv.event_hash(ev, prev) == e["hash"], f"hash of sequence {ev['sequence']}")
        prev = e["hash"]


def test_rfc6962_tree(v) -> None:
    d = v["rfc_leaves"]
    check(v["empty_root"] == pv.EMPTY_ROOT == mth([]), "empty root")
    check(len(d) == 8 and sorted(v["rfc_roots"]) == list(range(1, 9)), "doc lists 8 leaves/roots")
    edge = pv.RightEdge()
    for n in range(1, 9):
        edge.append(pv.leaf_hash(d[n - 1]))
        check(edge.root() == mth(d[:n]) == v["rfc_roots"][n], f"RFC 6962 root of size {n}")
    check(path(5, d) == v["rfc_incl_5_8"], "inclusion 5 in 8 (generated)")
    check(subproof(6, d, True) == v["rfc_cons_6_8"], "consistency 6→8 (generated)")
    check(subproof(3, d[:7], True) == v["rfc_cons_3_7"], "consistency 3→7 (generated)")
    pv.verify_inclusion(5, 8, pv.leaf_hash(d[5]), v["rfc_incl_5_8"], v["rfc_roots"][8])
    pv.verify_consistency(6, 8, v["rfc_roots"][6], v["rfc_roots"][8], v["rfc_cons_6_8"])
    pv.verify_consistency(3, 7, v["rfc_roots"][3], v["rfc_roots"][7], v["rfc_cons_3_7"])
    # Every (m, n) up to 8 leaves; and every single-hash corruption is refused.
    for n in range(1, 9):
        for m in range(n):
            p = path(m, d[:n])
            check(len(p) == pv.inclusion_proof_length(m, n), f"inclusion length {m},{n}")
            pv.verify_inclusion(m, n, pv.leaf_hash(d[m]), p, mth(d[:n]))
            for i in range(len(p)):
                bad = p[:i] + [bytes(32)] + p[i + 1:]
                check(refused(pv.verify_inclusion, m, n, pv.leaf_hash(d[m]), bad, mth(d[:n])), "bad incl")
            check(refused(pv.verify_inclusion, m, n, pv.leaf_hash(d[m]), p + [bytes(32)], mth(d[:n])), "long")
        for m in range(n + 1):
            p = subproof(m, d[:n], True) if 0 < m < n else []
            pv.verify_consistency(m, n, mth(d[:m]), mth(d[:n]), p)
            for i in range(len(p)):
                bad = p[:i] + [bytes(32)] + p[i + 1:]
                check(refused(pv.verify_consistency, m, n, mth(d[:m]), mth(d[:n]), bad), "bad cons")
    check(refused(pv.verify_inclusion, 8, 8, pv.leaf_hash(d[0]), [], v["rfc_roots"][8]), "m >= n")
    # right edge vs MTH on a larger log
    big = [bytes([i % 256, i // 256]) for i in range(300)]
    edge = pv.RightEdge()
    for i, x in enumerate(big):
        edge.append(pv.leaf_hash(x))
        if i in (0, 1, 2, 6, 62, 63, 64, 65, 127, 128, 255, 299):
            check(edge.root() == mth(big[:i + 1]), f"right edge root at size {i + 1}")


def test_palimpsest_log(v) -> None:
    hashes = [e["hash"] for e in v["events"]]
    check([pv.leaf_hash(h) for h in hashes] == v["log_leaves"], "log leaf hashes")
    edge = pv.RightEdge()
    for n, h in enumerate(hashes, 1):
        edge.append(pv.leaf_hash(h))
        check(edge.root() == mth(hashes[:n]) == v["log_roots"][n], f"log root of size {n}")
    L = v["log_leaves"]
    pl = v["log_proofs"]
    check(path(1, hashes) == [L[i] for i in pl["incl_1_3"]], "log inclusion 1 in 3")
    check(subproof(1, hashes, True) == [L[i] for i in pl["cons_1_3"]], "log consistency 1→3")
    check(subproof(2, hashes, True) == [L[i] for i in pl["cons_2_3"]], "log consistency 2→3")
    pv.verify_inclusion(1, 3, L[1], [L[i] for i in pl["incl_1_3"]], v["log_roots"][3])
    pv.verify_consistency(1, 3, v["log_roots"][1], v["log_roots"][3], [L[i] for i in pl["cons_1_3"]])
    pv.verify_consistency(2, 3, v["log_roots"][2], v["log_roots"][3], [L[i] for i in pl["cons_2_3"]])


def test_signed_checkpoint(v) -> None:
    name, seed = v["key_name"], v["seed"]
    pk = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(*RAW)
    check(pk == v["public_key"], "public key from seed")
    check(pv.key_id(name, pk) == v["key_id"], "key id")
    key = pv.VerifierKey(v["vkey"])
    check(str(key) == v["vkey"] and key.public_key == pk, "verifier key round trip")
    body = checkpoint_body(name, 3, v["log_roots"][3])
    check(sign_note(body, name, seed) == v["note"], "signed note text, byte for byte")
    check(pv.open_checkpoint(v["note"], key) == (3, v["log_roots"][3]), "open checkpoint")
    # Go sumdb/note interop keys: PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ seed).
    parts = v["go_signer"].split("+", 4)  # base64 may contain "+"
    gseed = base64.b64decode(parts[4])[1:]
    gpk = Ed25519PrivateKey.from_private_bytes(gseed).public_key().public_bytes(*RAW)
    gname = parts[2]
    gb64 = base64.b64encode(b"\x01" + gpk).decode()
    go_vkey = f"{gname}+{pv.key_id(gname, gpk).hex()}+{gb64}"
    check(go_vkey == v["go_vkey"] and parts[3] == pv.key_id(gname, gpk).hex(), "Go note key")
    pv.VerifierKey(v["go_vkey"])
    # Refusals of section "Checkpoints" / "Signed note".
    note, sigline = v["note"].split("\n\n")
    other = sign_note(body, "witness.example", bytes(range(1, 33))).split("\n\n")[1]
    check(pv.open_note(f"{note}\n\n{other}{sigline}", key) == body, "witness cosignature ignored")
    check(refused(pv.open_note, f"{note}\n\n{other}", key, contains="not signed"), "needs our sig")
    raw = base64.b64decode(sigline.split(" ")[2])
    forged = sigline.split(" ")[0:2] + [base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()]
    check(refused(pv.open_note, f"{note}\n\n{sigline}{' '.join(forged)}\n", key), "bad sig refused")
    check(refused(pv.open_note, v["note"][:-1], key), "missing final newline")
    check(refused(pv.open_note, v["note"].replace("log\n3", "log\r\n3"), key), "control char")
    for bad_body in (body + "ext\n", body[:-1], body.replace("\n3\n", "\n03\n"),
                     body.replace("\n3\n", "\n+3\n"), body.replace("\n3\n", "\n\n3\n"),
                     body.replace("\n3\n", f"\n{2**64}\n"), body.replace("=\n", "\n")):
        check(refused(pv.parse_checkpoint_body, bad_body), f"body refused: {bad_body!r}")
    check(pv.parse_checkpoint_body(f"{name}\n0\n{base64.b64encode(pv.EMPTY_ROOT).decode()}\n")[1] == 0,
          "size 0")
    wrong_id = v["vkey"].replace(f"+{v['key_id'].hex()}+", "+00000000+")
    check(refused(pv.VerifierKey, wrong_id, contains="key id"), "wrong key id refused")
    t2 = v["vkey"].rsplit("+", 1)[0] + "+" + base64.b64encode(b"\x02" + pk).decode()
    check(refused(pv.VerifierKey, t2), "key type 2 refused")
    small = base64.b64encode(b"\x01" + (1).to_bytes(32, "little")).decode()  # identity point
    check(refused(pv.VerifierKey, f"{name}+{pv.key_id(name, (1).to_bytes(32, 'little')).hex()}+{small}",
                  contains="valid"), "small-order key refused")


def export_lines(v) -> tuple[list[str], list[str], str]:
    events = []
    for i, e in enumerate(v["events"], 1):
        events.append(json.dumps(dict({"log_index": i}, **e["event"], hash=e["hash"].hex()),
                                 ensure_ascii=False, separators=(",", ":")) + "\n")
    cps = []
    for size in (1, 2, 3):  # size 3: the doc's note; sizes 1, 2 signed here with the doc's seed
        note = v["note"] if size == 3 else sign_note(
            checkpoint_body(v["key_name"], size, v["log_roots"][size]), v["key_name"], v["seed"])
        cps.append(json.dumps({"size": size, "note": note}, ensure_ascii=False) + "\n")
    return events, cps, v["vkey"] + "\n"


def write_export(d: str, events, cps, vkey) -> str:
    os.makedirs(d, exist_ok=True)
    for name, content in (("events.ndjson", events), ("checkpoints.ndjson", cps), ("public-key.vkey", vkey)):
        with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as f:
            f.write("".join(content))
    return d


def write_proof(d: str, v) -> None:
    os.makedirs(d, exist_ok=True)
    e = v["events"][1]
    proof = {"log_index": 2, "tree_size": 3,
             "event": dict({"log_index": 2}, **e["event"], hash=e["hash"].hex()),
             "hashes": [v["log_leaves"][0].hex(), v["log_leaves"][2].hex()]}
    with open(os.path.join(d, "proof.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(proof, ensure_ascii=False, indent=1) + "\n")
    with open(os.path.join(d, "checkpoint.note"), "w", encoding="utf-8", newline="") as f:
        f.write(v["note"])
    with open(os.path.join(d, "public-key.vkey"), "w", encoding="utf-8") as f:
        f.write(v["vkey"] + "\n")


def test_exports(v) -> None:
    events, cps, vkey = export_lines(v)
    root3 = v["log_roots"][3].hex()
    with tempfile.TemporaryDirectory() as tmp:
        def run(ev=events, cp=cps, vk=vkey):
            shutil.rmtree(os.path.join(tmp, "x"), ignore_errors=True)
            return pv.verify_export(write_export(os.path.join(tmp, "x"), ev, cp, vk))

        def fails(where: str, why: str, **kw):
            try:
                run(**kw)
            except pv.Failed as e:
                return str(e).startswith(where) and why in str(e)
            return False

        check(run() == f"ok: 3 events in 1 streams, 3 checkpoints verified, root {root3} at size 3",
              "golden export verifies")
        check(run(cp=cps[2:]).startswith("ok: 3 events"), "single final checkpoint suffices")
        # Reordered keys and whitespace in payload do not matter.
        spaced = json.dumps(json.loads(events[1]), ensure_ascii=False, indent=None, sort_keys=True) + "\n"
        check(run(ev=[events[0], spaced, events[2]]).startswith("ok:"), "key order/spacing irrelevant")
        edited = events[1].replace("élu", "elu")
        check(fails("events.ndjson line 2", "HashMismatch", ev=[events[0], edited, events[2]]), "edit")
        check(fails("events.ndjson line 2", "log_index 3 is not 2", ev=[events[0], events[2]]), "deleted")
        renum = events[2].replace('"log_index":3', '"log_index":2')
        check(fails("events.ndjson line 2", "SequenceGap", ev=[events[0], renum]), "deleted, renumbered")
        check(fails("events.ndjson line 2", "log_index", ev=[events[0], events[0], events[2]]), "dup")
        check(fails("checkpoints.ndjson line 3", "beyond", ev=events[:2]), "dropped tail")
        check(fails("checkpoints.ndjson", "unsigned tail", cp=cps[:2]), "unsigned tail")
        check(fails("checkpoints.ndjson line 2", "not above", cp=[cps[1], cps[0], cps[2]]), "order")
        check(fails("checkpoints.ndjson line 1", "size", cp=[cps[0].replace('"size": 1', '"size": 2')]
                    + cps[2:]), "size mismatch with note")
        check(fails("events.ndjson line 3", "duplicate object key",
                    ev=events[:2] + [events[2].replace('{"log_index":3,', '{"log_index":3,"actor":"x",')]),
              "duplicate key")
        check(fails("events.ndjson line 2", "NotCanonical($.payload.article)",
                    ev=[events[0], events[1].replace('"article":1', '"article":1.0'), events[2]]), "float")
        check(fails("events.ndjson line 3", "newline", ev=events[:2] + [events[2][:-1]]), "no final newline")
        check(fails("public-key.vkey", "key id", vk=vkey.replace("d65deba7", "d65deba8")), "vkey id")
        other = sign_note(checkpoint_body("palimpsest.example/log", 3, v["log_roots"][3]),
                          "palimpsest.example/log", bytes(32))
        check(fails("checkpoints.ndjson line 3", "not signed",
                    cp=cps[:2] + [json.dumps({"size": 3, "note": other}) + "\n"]), "foreign signer")
        # Forged chain: event 2 edited and re-hashed, so event 3's previous no longer matches.
        ev2 = json.loads(edited)
        ev2["hash"] = pv.event_hash(ev2, bytes.fromhex(ev2["previous"])).hex()
        check(fails("events.ndjson line 3", "PreviousMismatch",
                    ev=[events[0], json.dumps(ev2, ensure_ascii=False) + "\n", events[2]], cp=cps[2:]),
              "forged chain")
        check(fails("checkpoints.ndjson line 2", "differs from the log's root",
                    ev=[events[0], json.dumps(ev2, ensure_ascii=False) + "\n", events[2]]),
              "forged chain caught by the size-2 checkpoint")
        # Two interleaved streams.
        o = dict(json.loads(events[0]), stream_id="other", log_index=2)
        o["hash"] = pv.event_hash(o, pv.GENESIS).hex()
        evs = [events[0], json.dumps(o) + "\n"] + [
            json.dumps(dict(json.loads(x), log_index=i), ensure_ascii=False) + "\n"
            for i, x in ((3, events[1]), (4, events[2]))]
        edge = pv.RightEdge()
        for line in evs:
            edge.append(pv.leaf_hash(bytes.fromhex(json.loads(line)["hash"])))
        cp4 = sign_note(checkpoint_body(v["key_name"], 4, edge.root()), v["key_name"], v["seed"])
        check(run(ev=evs, cp=[json.dumps({"size": 4, "note": cp4}) + "\n"]).startswith(
            "ok: 4 events in 2 streams, 1 checkpoints verified"), "two streams")
        # Inclusion proof file.
        pd = os.path.join(tmp, "proof")
        write_proof(pd, v)
        P = lambda: pv.verify_proof_file(*(os.path.join(pd, f) for f in  # noqa: E731
                                            ("proof.json", "checkpoint.note", "public-key.vkey")))
        check(P().startswith("ok:"), "inclusion proof file verifies")
        with open(os.path.join(pd, "proof.json")) as f:
            good = f.read()
        with open(os.path.join(pd, "proof.json"), "w") as f:
            f.write(good.replace(v["log_leaves"][2].hex(), v["log_leaves"][1].hex()))
        check(refused(P, contains="root"), "bad inclusion proof refused")
    # The committed fixtures, if present, must be exactly what the doc's vectors give.
    gd = os.path.join(FIXTURES, "golden-export")
    if os.path.isdir(gd):
        for name, content in (("events.ndjson", events), ("checkpoints.ndjson", cps), ("public-key.vkey", vkey)):
            with open(os.path.join(gd, name), encoding="utf-8", newline="") as f:
                check(f.read() == "".join(content), f"fixture {name} matches the doc vectors")
        check(pv.verify_export(gd).startswith("ok: 3 events"), "committed golden export verifies")


def run(doc_path: str | None = None) -> int:
    doc_path = doc_path or DEFAULT_DOC
    with open(doc_path, encoding="utf-8") as f:
        v = parse_doc(f.read())
    tests = [test_canonical_json, test_event_hashes, test_rfc6962_tree, test_palimpsest_log,
             test_signed_checkpoint, test_exports]
    failed = 0
    for t in tests:
        try:
            t(v)
            print(f"ok    {t.__name__}")
        except (AssertionError, pv.VerifyError, pv.Failed) as e:
            failed += 1
            print(f"FAIL  {t.__name__}: {e}")
    print(f"self-test: {len(tests) - failed}/{len(tests)} groups passed, {checks} checks "
          f"(vectors from {os.path.relpath(doc_path)})")
    return 1 if failed else 0


if __name__ == "__main__":
    if "--write-fixtures" in sys.argv:
        with open(DEFAULT_DOC, encoding="utf-8") as f:
            vec = parse_doc(f.read())
        write_export(os.path.join(FIXTURES, "golden-export"), *export_lines(vec))
        write_proof(os.path.join(FIXTURES, "golden-proof"), vec)
        print(f"wrote {FIXTURES}/golden-export and golden-proof")
        sys.exit(0)
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
