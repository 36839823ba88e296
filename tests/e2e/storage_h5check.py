#!/usr/bin/env python3
"""Independent checks of tix HDF5 archives with h5py + numpy only (Debian python3-h5py)."""
import glob
import os
import sys
import time

import h5py
import numpy as np

RECORD_SETS = ("quotes", "clock", "ticks", "settlements")
FIELDS = {
    "quotes": ["seq", "recv_ns", "provider", "model", "tier", "reason", "currency", "unit",
               "fx_e9", "local_input", "local_output", "local_cached", "input", "output",
               "cached", "blended", "volume"],
    "clock": ["seq", "ns", "kind"],
    "ticks": ["seq", "ts_ns", "tier", "status", "price", "n_used", "n_excluded", "n_stale",
              "dispersion"],
    "settlements": ["seq", "ts_ns", "tier", "date", "status", "price", "partitions_used",
                    "signature", "key_id"],
}
ATTRS = ["schema_version", "price_scale", "price_unit", "time_unit", "methodology",
         "config_sha256", "day"]


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def open_swmr(path):
    return h5py.File(path, "r", libver="latest", swmr=True)


def files(d):
    return sorted(glob.glob(os.path.join(d, "tix-*.h5")))


def cmd_seqs(d, min_acked):
    """Every seq 1..max exactly once across all files; max >= the last acknowledged seq."""
    seqs = []
    for p in files(d):
        with open_swmr(p) as f:
            for name in RECORD_SETS:
                s = f[name]["seq"][:]
                if len(s) > 1 and not np.all(np.diff(s.astype(np.int64)) > 0):
                    die(f"{p}:{name}: seq not strictly increasing")
                seqs.append(s)
    allseq = np.sort(np.concatenate(seqs)) if seqs else np.array([], dtype=np.uint64)
    n = len(allseq)
    if n == 0:
        die("no records in " + d)
    if len(np.unique(allseq)) != n:
        die(f"duplicate seqs: {n - len(np.unique(allseq))}")
    if allseq[0] != 1 or allseq[-1] != n:
        die(f"seqs are not 1..{n}: first {allseq[0]}, last {allseq[-1]}")
    if n < int(min_acked):
        die(f"acknowledged seq {min_acked} is missing: archive ends at {n}")
    print(f"seqs: {n} records, 1..{n} each exactly once, acknowledged {min_acked} included")


def cmd_fields(path):
    with open_swmr(path) as f:
        for name, fields in FIELDS.items():
            if list(f[name].dtype.names) != fields:
                die(f"{name}: fields {f[name].dtype.names}")
        for a in ATTRS:
            if a not in f.attrs:
                die("attribute missing: " + a)
        if f.attrs["price_unit"] != b"USD per 1M tokens" or f.attrs["price_scale"] != 1e-9:
            die("unit attributes")
        for t in ("provider", "model", "tier"):
            if f["names/" + t].dtype.kind != "S":
                die("names/" + t)
        print("fields: every dataset and attribute as documented")


def cmd_compressed(path):
    with h5py.File(path, "r") as f:
        for name in RECORD_SETS:
            if f[name].compression != "gzip" or not f[name].shuffle:
                die(f"{path}:{name} not compressed")
    print("compressed: " + path)


def cmd_tamper(path, dataset, field, row, value):
    with h5py.File(path, "r+") as f:
        data = f[dataset][int(row)]
        data[field] = int(value)
        f[dataset][int(row)] = data


def cmd_follow(path, pid, out):
    """Reads `path` while process `pid` writes it: sizes never shrink, rows stay consistent."""
    for _ in range(2000):
        if os.path.exists(path):
            break
        time.sleep(0.01)
    else:
        die("file never appeared: " + path)
    f = None
    for _ in range(500):
        try:
            f = open_swmr(path)
            break
        except OSError:
            time.sleep(0.02)  # renamed into place just now, or still laying out
    if f is None:
        die("cannot open for SWMR reading: " + path)
    last = {n: 0 for n in RECORD_SETS}
    sizes, reads_alive = set(), 0
    for _ in range(20000):
        alive = os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read().lower()
        for n in RECORD_SETS + ("names/provider", "names/model"):
            f[n].refresh()
        q = f["quotes"]
        if q.shape[0] < last["quotes"]:
            die("quotes shrank")
        if q.shape[0] > last["quotes"]:
            rows = q[last["quotes"]:]
            if len(rows) and rows["provider"].max() >= f["names/provider"].shape[0]:
                die("a quote names a provider not yet in /names/provider")
            if last["quotes"] and rows["seq"][0] <= q[last["quotes"] - 1]["seq"]:
                die("quote seq went back")
        for n in RECORD_SETS:
            last[n] = f[n].shape[0]
        sizes.add(last["quotes"])
        reads_alive += alive
        if not alive:
            break
        time.sleep(0.02)
    f.close()
    with open(out, "w") as o:
        o.write(f"{reads_alive} {len(sizes)} {last['quotes']}\n")
    print(f"follow: {reads_alive} reads while the writer ran, {len(sizes)} distinct sizes seen, "
          f"{last['quotes']} quotes at the end")


if __name__ == "__main__":
    cmds = {"seqs": cmd_seqs, "fields": cmd_fields, "compressed": cmd_compressed,
            "tamper": cmd_tamper, "follow": cmd_follow}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: storage_h5check.py seqs|fields|compressed|tamper|follow ...")
    cmds[sys.argv[1]](*sys.argv[2:])
