#!/usr/bin/env python3
"""Fetches and parses tixd's /metrics (Prometheus text format 0.0.4) with the standard library only.

usage: e2e_tixd_metrics.py URL check FAMILY...   every family present, well formed; prints samples
       e2e_tixd_metrics.py URL get NAME [LABEL=VALUE...]   prints one sample's value
       e2e_tixd_metrics.py URL sum NAME [LABEL=VALUE...]   prints the sum of the matching samples (0 if none)
"""
import re
import sys
import urllib.request

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(" + NAME + r")(\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def die(msg):
    print("FAIL: metrics: " + msg, file=sys.stderr)
    sys.exit(1)


def parse(text):
    """Families {name: {type, help, samples: [(labels, value)]}}; strict about the format."""
    fams, seen_done, current = {}, set(), None
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                die(f"line {n}: malformed comment: {line!r}")
            fam = fams.setdefault(parts[2], {"type": None, "help": None, "samples": []})
            key = "type" if parts[1] == "TYPE" else "help"
            if fam[key] is not None:
                die(f"line {n}: second {parts[1]} for {parts[2]}")
            if key == "type" and parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                die(f"line {n}: bad type {parts[3]!r}")
            fam[key] = parts[3]
            if current and current != parts[2]:
                seen_done.add(current)
            current = parts[2]
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            die(f"line {n}: not a sample: {line!r}")
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        if name in seen_done:
            die(f"line {n}: {name}: samples of a family must be together")
        if current and current != name:
            seen_done.add(current)
        current = name
        labels, pos = {}, 0
        while pos < len(labels_text):
            lm = LABEL.match(labels_text, pos)
            if not lm:
                die(f"line {n}: bad labels {labels_text!r}")
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        try:
            v = float(value)
        except ValueError:
            die(f"line {n}: value {value!r} is not a number")
        fams.setdefault(name, {"type": None, "help": None, "samples": []})["samples"].append((labels, v))
    return fams


def main():
    url, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    with urllib.request.urlopen(url, timeout=10) as r:
        if r.status != 200:
            die(f"HTTP {r.status}")
        ctype = r.headers.get("Content-Type", "")
        if not ctype.startswith("text/plain"):
            die(f"Content-Type {ctype!r}")
        fams = parse(r.read().decode("utf-8"))
    if cmd == "check":
        for f in args:
            if f not in fams or not fams[f]["samples"]:
                die(f"family {f} missing or empty")
            if fams[f]["type"] is None:
                die(f"family {f} has no TYPE")
        print(f"metrics: {len(fams)} families parsed; {len(args)} required ones present")
    elif cmd == "get":
        want = dict(a.split("=", 1) for a in args[1:])
        for labels, v in fams.get(args[0], {"samples": []})["samples"]:
            if all(labels.get(k) == val for k, val in want.items()):
                print(int(v) if v == int(v) else v)
                return
        die(f"no sample {args[0]} {want}")
    elif cmd == "sum":
        want = dict(a.split("=", 1) for a in args[1:])
        total = sum(v for labels, v in fams.get(args[0], {"samples": []})["samples"]
                    if all(labels.get(k) == val for k, val in want.items()))
        print(int(total) if total == int(total) else total)
    else:
        die("unknown command " + cmd)


main()
