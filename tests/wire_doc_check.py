#!/usr/bin/env python3
"""Checks docs/wire.md against the code and against an independent computation: hex vectors equal tests/data/wire/*.hex and are re-signed here with PyNaCl from the documented test seed by the documented rule; the offset tables and the signed-message table equal the layout the C codec writes (tests/wire_layout.c's output); chain heads (and tests/data/wire/chain.txt) follow the documented rule with hashlib."""
import hashlib
import re
import struct
import subprocess
import sys

try:
    import nacl.signing
except ImportError:  # Debian's python3-nacl, when python3 is not Debian's own interpreter
    sys.path.append("/usr/lib/python3/dist-packages")
    import nacl.signing

src, layout_exe = sys.argv[1], sys.argv[2]
doc = open(f"{src}/docs/wire.md").read()


def vector(name):
    return bytes.fromhex(open(f"{src}/tests/data/wire/{name}.hex").read().strip())


# The codec's own layout, found by encoding field by field.
layout, consts, signed_c = {}, {}, {}
for line in subprocess.run([layout_exe], check=True, capture_output=True, text=True).stdout.splitlines():
    kind, a, b, *rest = line.split()
    if kind == "constant" or kind == "size":
        consts[(kind, a)] = int(b)
    elif kind == "signed":
        signed_c[int(a)] = (b, int(rest[0]), int(rest[1]))
    else:
        assert b != "?" and b != "encode-failed", f"wire_layout: {line}"
        layout[(kind, a)] = (int(b), int(rest[0]))

# 1. The documented tables (offset, size per field) are the codec's.
sections = {"Header": "header", "Template 1": "tick", "Template 2": "settlement", "Template 3": "quote",
            "Template 4": "attest", "Template 5": "heartbeat"}
documented = {}
for part in re.split(r"\n## ", doc):
    title = part.split("\n", 1)[0]
    tmpl = next((v for k, v in sections.items() if title.startswith(k)), None)
    if not tmpl:
        continue
    for off, size, _type, field in re.findall(r"^\| ([0-9+·in ]+) \| (\d+) \| ([^|]+) \| (.+) \|$", part, re.M):
        name = re.search(r"`([a-z_0-9]+)`", field)
        if not name or _type.strip() == "—":
            continue
        expr = off.replace("·", "*").replace("i", "0").replace("n", "1")
        assert re.fullmatch(r"[0-9+* ]+", expr), f"{tmpl}: offset '{off}'"
        documented[(tmpl, name.group(1))] = (eval(expr), int(size))
for key, want in layout.items():
    assert documented.get(key) == want, f"docs/wire.md {key[0]} `{key[1]}`: documented {documented.get(key)}, codec writes (offset, size) {want}"
for key in documented:
    assert key in layout, f"docs/wire.md documents {key} but the codec has no such field"
for name in ("tick", "settlement", "quote", "heartbeat"):
    body = consts[("size", name)] - 32
    assert re.search(rf"\(body {body} bytes, message {body + 32}\)", doc), f"docs/wire.md: {name} size heading is not body {body}"
version = consts[("constant", "version")]
assert f"| 6 | 2 | u16 | `version` = {version} |" in doc and f"# tix feed wire format v{version}" in doc

# 2. The signed-message table is tix_wire_signed()'s.
signed_doc = {}
for tid, domain, what, kid in re.findall(r"^\| (\d) [a-z ]+ \| `([a-z0-9-]+)` \| (message|body) [^|]+ \| (\d+) \|$", doc, re.M):
    signed_doc[int(tid)] = (domain, 0 if what == "message" else 32, int(kid))
assert signed_doc == signed_c, f"docs/wire.md signed table {signed_doc} != codec {signed_c}"

# 3. The vectors: checked-in bytes, documented header, and signatures recomputed from the test seed.
blocks = re.findall(r"```\n((?:[0-9a-f]{4}  [0-9a-f ]+\n)+)```", doc)
names = ["tick", "settlement", "quote", "attest", "heartbeat"]
assert len(blocks) == len(names), f"expected {len(names)} hex blocks in docs/wire.md, found {len(blocks)}"
seed = bytes.fromhex(re.search(r"Ed25519 seed `([0-9a-f]{64})`", doc).group(1))
key = nacl.signing.SigningKey(seed)
pk = bytes(key.verify_key)
key_id = hashlib.blake2b(pk, digest_size=32).digest()[:8]
assert f"public key\n`{pk.hex()}`" in doc and f"key id `{key_id.hex()}`" in doc, "docs/wire.md: test key"
tmpl_ids = {"tick": 1, "settlement": 2, "quote": 3, "attest": 4, "heartbeat": 5}
for name, block in zip(names, blocks):
    msg = bytes.fromhex("".join(line[6:] for line in block.splitlines()))
    assert msg == vector(name), f"docs/wire.md {name} vector differs from tests/data/wire/{name}.hex"
    bl, tmpl, schema, ver, cseq, tseq, st = struct.unpack_from("<HHHHQQq", msg, 0)
    assert schema == 0x5854 and ver == version and bl == len(msg) - 32 and tmpl == tmpl_ids[name], name
    if tmpl in signed_doc:
        domain, start, kid_off = signed_doc[tmpl]
        assert msg[32 + kid_off:32 + kid_off + 8] == key_id, f"{name}: key id"
        want = key.sign(domain.encode() + msg[start:len(msg) - 64]).signature
        assert msg[-64:] == want, f"docs/wire.md {name}: signature is not Ed25519(test key, {domain} || signed bytes)"
        forged = bytearray(msg)
        forged[16] ^= 1  # topic_seq: outside the signed bytes only for settlements
        ok = key.sign(domain.encode() + bytes(forged[start:len(msg) - 64])).signature == msg[-64:]
        assert ok == (start == 32), f"{name}: the header is{' not' if start else ''} meant to be signed"
# A few fields by the documented body offsets.
tick = vector("tick")[32:]
assert tick[0:32].rstrip(b"\0") == b"FRONTIER"
assert struct.unpack_from("<q", tick, 40)[0] == 10_000_000_000
assert struct.unpack_from("<III", tick, 56) == (3, 1, 0) and tick[68] == 0
q = vector("quote")[32:]
assert struct.unpack_from("<q", q, 272)[0] == 483_000_000 and struct.unpack_from("<q", q, 280)[0] == -1
assert struct.unpack_from("<II", vector("heartbeat"), 32) == (1000, 1000)
assert struct.unpack_from("<HxxI", vector("attest"), 32) == (1, 1000)


# 4. The hash chain, computed here with hashlib (not the C code's libsodium) from the rule as written:
# head_k = BLAKE2b-256(topic || message_k), salt = head_{k-1}[0:16], personal = head_{k-1}[16:32].
def chain_next(prev, topic, msg):
    return hashlib.blake2b(topic + msg, digest_size=32, salt=prev[:16], person=prev[16:]).digest()


rule = re.search(r"`headₖ = BLAKE2b-256\(topic ‖ messageₖ\)` with salt = `headₖ₋₁\[0\.\.16\)` and "
                 r"personalization =\s+`headₖ₋₁\[16\.\.32\)`, no key", doc)
assert rule, "docs/wire.md: the hash-chain rule is not worded as this checker computes it"
heads = dict(re.findall(r"- `head([₁₂])` = `([0-9a-f]{64})`", doc))
assert set(heads) == {"₁", "₂"}, f"docs/wire.md: chain vector heads not found ({sorted(heads)})"
tick_msg = vector("tick")
h1 = chain_next(bytes(32), b"IDX.FRONTIER", tick_msg)
h2 = chain_next(h1, b"IDX.FRONTIER", tick_msg)
assert heads["₁"] == h1.hex(), f"docs/wire.md head1 {heads['₁']} != {h1.hex()}"
assert heads["₂"] == h2.hex(), f"docs/wire.md head2 {heads['₂']} != {h2.hex()}"
# tests/data/wire/chain.txt (read by the C unit test): every line recomputed; its first two are the doc's.
rows = [ln.split() for ln in open(f"{src}/tests/data/wire/chain.txt") if ln.strip() and not ln.startswith("#")]
for topic, prev, msg, nxt in rows:
    got = chain_next(bytes.fromhex(prev), topic.encode(), bytes.fromhex(msg))
    assert got.hex() == nxt, f"chain.txt: {topic} {len(msg) // 2}-byte message: {nxt} != {got.hex()}"
assert rows[0] == ["IDX.FRONTIER", "00" * 32, tick_msg.hex(), h1.hex()]
assert rows[1] == ["IDX.FRONTIER", h1.hex(), tick_msg.hex(), h2.hex()]
print(f"docs/wire.md: {len(layout)} fields at the codec's offsets, {len(signed_c)} signed templates as "
      f"tix_wire_signed(), 5 vectors match (signatures recomputed from the test seed); chain heads and "
      f"{len(rows)} chain.txt vectors follow the documented rule")
