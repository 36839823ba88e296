#!/usr/bin/env bash
# tix-query on damaged archives: names out of their tables, enums out of range, time going backwards and unreadable chunks stop it with an error naming the file, dataset and row (exit 1); names that are not UTF-8 (archives from before CSV text was checked) still print as valid JSON lines.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 200 --step-ms 1000 2>/dev/null || fail "load"
day="$work/archive/tix-20260101.h5"
q="$bin/tix-query"
h5() { "$PY" - "$@" <<'PY'
import sys, h5py, numpy as np
path, what = sys.argv[1], sys.argv[2]
with h5py.File(path, "r+") as f:
    if what == "tier":
        t = f["ticks"]; r = t[5]; r["tier"] = 99; t[5] = r
    elif what == "status":
        t = f["ticks"]; r = t[7]; r["status"] = 200; t[7] = r
    elif what == "backwards":
        t = f["quotes"]; r = t[3]; r["recv_ns"] = 1; t[3] = r
    elif what == "names":
        f["names/provider"].resize((0,))
    elif what == "utf8":
        m = f["names/model"]; m[0] = np.frombuffer(b"m\xff\xfe\"\x01-large".ljust(m.dtype.itemsize, b"\0"), dtype=m.dtype)[0]
    elif what == "chunk":
        ds = f["quotes"]; info = ds.id.get_chunk_info(0); print(info.byte_offset, info.size)
PY
}
damaged() { # damaged NAME WHAT EXPECTED-MESSAGE QUERY-ARGS... : rows printed before the damage only
  local name=$1 what=$2 msg=$3; shift 3
  cp "$day" "$work/$name.h5"; h5 "$work/$name.h5" "$what" > /dev/null
  set +e; "$q" "$work/$name.h5" "$@" > "$work/out" 2> "$work/err"; local rc=$?; set -e
  [ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1; $(cat "$work/err")"
  grep -qF -- "tix-query: $work/$name.h5: $msg: the file is damaged" "$work/err" \
    || fail "$name: message: $(cat "$work/err")"
}
damaged tier tier "/ticks row 5: tier index outside /names/tier"
[ "$(wc -l < "$work/out")" -eq 6 ] || fail "tier: want the header and rows 0-4: $(cat "$work/out")"
damaged status status "/ticks row 7: status out of range" --format jsonl
[ "$(wc -l < "$work/out")" -eq 7 ] || fail "status: want rows 0-6: $(cat "$work/out")"
damaged backwards backwards "/quotes row 3: its time is before the previous row's" --what quotes
damaged names names "/quotes row 0: provider index outside /names/provider" --what quotes
[ "$(wc -l < "$work/out")" -eq 1 ] || fail "names: want the header only: $(cat "$work/out")"

# A chunk of stray bytes: HDF5 cannot read it (or what it reads is refused above).
cp "$day" "$work/chunk.h5"
read -r off size < <(h5 "$work/chunk.h5" chunk)
"$PY" -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); f.write(b'\xa5'*int(sys.argv[3]))" \
  "$work/chunk.h5" "$off" "$size"
set +e; "$q" "$work/chunk.h5" --what quotes > /dev/null 2> "$work/err"; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "chunk: exit $rc, want 1; $(cat "$work/err")"
grep -qF "tix-query: $work/chunk.h5:" "$work/err" || fail "chunk: message: $(cat "$work/err")"

# Not UTF-8, quotes and control bytes in a name: every line is still JSON, the name as bytes.
cp "$day" "$work/utf8.h5"; h5 "$work/utf8.h5" utf8
"$q" "$work/utf8.h5" --what quotes --format jsonl > "$work/out" 2> "$work/err" || fail "utf8: $(cat "$work/err")"
"$PY" - "$work/out" <<'PY' || fail "utf8: invalid JSON lines"
import json, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").splitlines()  # raises on invalid UTF-8
models = {json.loads(l)["model"] for l in lines}
assert "m\u00ff\u00fe\"\u0001-large" in models, models
PY
echo "query_damaged: OK"
