#!/usr/bin/env python3
"""Checks docs/wire.md's vectors: hex messages equal tests/data/wire/*.hex and decode by the documented offsets; chain heads (and tests/data/wire/chain.txt) follow the documented rule."""
import hashlib
import re
import struct
import sys

src = sys.argv[1]
doc = open(f"{src}/docs/wire.md").read()
blocks = re.findall(r"```\n((?:[0-9a-f]{4}  [0-9a-f ]+\n)+)```", doc)
names = ["tick", "settlement", "quote", "attest", "heartbeat"]
assert len(blocks) == len(names), f"expected {len(names)} hex blocks in docs/wire.md, found {len(blocks)}"
for name, block in zip(names, blocks):
    doc_bytes = bytes.fromhex("".join(line[6:] for line in block.splitlines()))
    want = bytes.fromhex(open(f"{src}/tests/data/wire/{name}.hex").read().strip())
    assert doc_bytes == want, f"docs/wire.md {name} vector differs from tests/data/wire/{name}.hex"
    bl, tmpl, schema, ver, cseq, tseq, st = struct.unpack_from("<HHHHQQq", doc_bytes, 0)
    assert schema == 0x5854 and ver == 1 and bl == len(doc_bytes) - 32, name
# A few fields by the documented body offsets.
tick = bytes.fromhex(open(f"{src}/tests/data/wire/tick.hex").read().strip())[32:]
assert tick[0:32].rstrip(b"\0") == b"FRONTIER"
assert struct.unpack_from("<q", tick, 40)[0] == 10_000_000_000
assert struct.unpack_from("<III", tick, 56) == (3, 1, 0) and tick[68] == 0
q = bytes.fromhex(open(f"{src}/tests/data/wire/quote.hex").read().strip())[32:]
assert struct.unpack_from("<q", q, 272)[0] == 483_000_000 and struct.unpack_from("<q", q, 280)[0] == -1


# The hash chain, computed here with hashlib (not the C code's libsodium) from the rule as written:
# head_k = BLAKE2b-256(topic || message_k), salt = head_{k-1}[0:16], personal = head_{k-1}[16:32].
def chain_next(prev, topic, msg):
    return hashlib.blake2b(topic + msg, digest_size=32, salt=prev[:16], person=prev[16:]).digest()


rule = re.search(r"`headₖ = BLAKE2b-256\(topic ‖ messageₖ\)` with salt = `headₖ₋₁\[0\.\.16\)` and "
                 r"personalization =\s+`headₖ₋₁\[16\.\.32\)`, no key", doc)
assert rule, "docs/wire.md: the hash-chain rule is not worded as this checker computes it"
heads = dict(re.findall(r"- `head([₁₂])` = `([0-9a-f]{64})`", doc))
assert set(heads) == {"₁", "₂"}, f"docs/wire.md: chain vector heads not found ({sorted(heads)})"
tick_msg = bytes.fromhex(open(f"{src}/tests/data/wire/tick.hex").read().strip())
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
print(f"docs/wire.md: 5 vectors match and decode by the documented offsets; chain heads and "
      f"{len(rows)} chain.txt vectors follow the documented rule")
