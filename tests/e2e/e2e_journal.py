#!/usr/bin/env python3
"""Helpers of the journal-outage e2e scripts (standard library, plus h5py for the archive).

usage: e2e_journal.py sub OUT -- CMD...        runs CMD (tix-sub --format jsonl), writes "recv_ns line" per line
       e2e_journal.py ticks OUT FROM_NS [TO_NS]   prints the ticks received in [FROM, TO)
       e2e_journal.py stale OUT FROM_NS           exit 0 if a STALE tick was received at or after FROM
       e2e_journal.py late OUT LATE_MS            exit 1 if a tick arrived more than LATE_MS after its boundary
       e2e_journal.py archived OUT ARCHIVE_DIR    exit 1 unless every tick received is in the archive
       e2e_journal.py backlog ARCHIVE_DIR FROM_NS TO_NS   quotes received in [FROM, TO): in the archive, in order
       e2e_journal.py drop_tick JOURNAL           removes one published tick record from a journal segment
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time


def ticks(out):
    if not os.path.exists(out):
        return
    with open(out) as f:
        for line in f:
            ns, _, text = line.partition(" ")
            try:
                m = json.loads(text)
            except ValueError:
                continue
            if m.get("kind") == "tick" and not m.get("recovered") and not m.get("snapshot"):
                yield int(ns), m


def cmd_sub(out, argv):
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    with open(out, "w") as f:
        for line in child.stdout:
            f.write(f"{time.time_ns()} {line}")
            f.flush()
    return child.wait()


def cmd_late(out, late_ms):
    worst, n, late = 0, 0, []
    for ns, m in ticks(out):
        lag = (ns - m["ts_ns"]) / 1e6
        n += 1
        worst = max(worst, lag)
        if lag > late_ms:
            late.append((m["tier"], m["ts_ns"], round(lag)))
    print(f"late: {n} ticks, worst {worst:.0f} ms after the boundary, {len(late)} later than {late_ms} ms")
    if late:
        print("late ticks (tier, ts_ns, ms):", late[:10], file=sys.stderr)
        return 1
    return 0


def archive_ticks(adir):
    import h5py
    seen = set()
    for name in sorted(os.listdir(adir)):
        if not name.endswith(".h5"):
            continue
        with h5py.File(os.path.join(adir, name), "r", libver="latest", swmr=True) as f:
            tiers = [t.decode() for t in f["names/tier"][:]]
            for r in f["ticks"][:]:
                seen.add((tiers[r["tier"]], int(r["ts_ns"]), int(r["status"])))
    return seen


def cmd_archived(out, adir):
    seen, status = archive_ticks(adir), {"OK": 0, "LOW": 1, "STALE": 2}
    got = [(m["tier"], m["ts_ns"], status[m["status"]]) for _, m in ticks(out)]
    missing = [t for t in got if t not in seen]
    print(f"archived: {len(got)} ticks received, {len(missing)} not in the archive")
    if missing:
        print("published, not archived:", missing[:10], file=sys.stderr)
    return 1 if missing or not got else 0


def cmd_backlog(adir, lo, hi):
    import h5py
    rows = []
    for name in sorted(os.listdir(adir)):
        if name.endswith(".h5"):
            with h5py.File(os.path.join(adir, name), "r", libver="latest", swmr=True) as f:
                rows += [(int(r["seq"]), int(r["recv_ns"])) for r in f["quotes"][:]]
    rows.sort()
    held = [r for r in rows if lo <= r[1] < hi]
    back = [b for a, b in zip(held, held[1:]) if b[1] < a[1]]
    print(f"backlog: {len(held)} quotes received during the outage are archived; {len(back)} out of order")
    return 1 if not held or back else 0


def cmd_drop_tick(path):
    data = open(path, "rb").read()
    recs, off = [], 16
    while off + 8 <= len(data):
        n = struct.unpack_from("<I", data, off)[0]
        recs.append((off, data[off:off + 8 + n]))
        off += 8 + n
    published = set()
    for _, r in recs:
        if r[8] == 5:
            published.add(struct.unpack_from("<Q", r, 8 + 1 + 8 + 8)[0])
    for i, (_, r) in enumerate(recs):
        seq = struct.unpack_from("<Q", r, 9)[0]
        if r[8] == 3 and seq in published:
            with open(path, "wb") as f:
                f.write(data[:16] + b"".join(x for j, (_, x) in enumerate(recs) if j != i))
            print(f"drop_tick: removed the tick record seq {seq} from {path}")
            return 0
    print("drop_tick: no published tick in " + path, file=sys.stderr)
    return 1


def main():
    a = sys.argv[1:]
    if a[0] == "sub":
        return cmd_sub(a[1], a[3:])
    if a[0] == "ticks":
        hi = int(a[3]) if len(a) > 3 else 1 << 62
        for ns, m in ticks(a[1]):
            if int(a[2]) <= ns < hi:
                print(ns, m["tier"], m["ts_ns"], m["status"])
        return 0
    if a[0] == "stale":
        return 0 if any(ns >= int(a[2]) and m["status"] == "STALE" for ns, m in ticks(a[1])) else 1
    if a[0] == "late":
        return cmd_late(a[1], float(a[2]))
    if a[0] == "archived":
        return cmd_archived(a[1], a[2])
    if a[0] == "backlog":
        return cmd_backlog(a[1], int(a[2]), int(a[3]))
    if a[0] == "drop_tick":
        return cmd_drop_tick(a[1])
    print(__doc__, file=sys.stderr)
    return 2


sys.exit(main())
