#!/usr/bin/env python3
"""Checks tix-sub CSV output against itself and against the archive (tix-query CSV), standard library only.

usage: e2e_tixd_ticks.py contiguous SUB.csv MIN_TICKS     per topic, topic_seq has no gap
       e2e_tixd_ticks.py archived SUB.csv QUERY.csv       every tick received is in the archive
"""
import csv
import sys


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def sub_rows(path):
    # OpenPGM prints its loopback warnings on stdout: keep our CSV lines only.
    lines = [l for l in open(path) if l.startswith(("kind,", "tick,", "settlement,"))]
    return [r for r in csv.DictReader(lines) if r["kind"] == "tick"]


def contiguous(path, min_ticks):
    rows = sub_rows(path)
    if len(rows) < min_ticks:
        die(f"{path}: {len(rows)} ticks, want at least {min_ticks}")
    last = {}
    for r in rows:
        t, s = r["topic"], int(r["topic_seq"])
        if t in last and s != last[t] + 1:
            die(f"{path}: {t}: topic_seq {last[t]} then {s}")
        last[t] = s
    chan = [int(r["channel_seq"]) for r in rows]
    if chan != sorted(chan) or len(set(chan)) != len(chan):
        die(f"{path}: channel_seq not increasing")
    print(f"{path}: {len(rows)} ticks on {len(last)} topics, topic_seq contiguous")


def archived(sub_path, query_path):
    arch = {(r["tier"], r["ts_ns"]): r for r in csv.DictReader(open(query_path))}
    rows = sub_rows(sub_path)
    for r in rows:
        a = arch.get((r["tier"], r["ts_ns"]))
        if a is None:
            die(f"tick {r['tier']} {r['ts_ns']} received but not archived")
        for f in ("price", "status", "n_used", "n_excluded", "n_stale", "dispersion"):
            if a[f] != r[f] and not (f == "price" and a[f] == "" and r[f] == "-"):
                die(f"tick {r['tier']} {r['ts_ns']}: {f}: received {r[f]!r}, archived {a[f]!r}")
    print(f"{len(rows)} received ticks are in the archive ({len(arch)} archived), identical")


if sys.argv[1] == "contiguous":
    contiguous(sys.argv[2], int(sys.argv[3]))
elif sys.argv[1] == "archived":
    archived(sys.argv[2], sys.argv[3])
else:
    die("unknown command")
