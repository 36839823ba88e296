#!/usr/bin/env bash
# tix-sub output of names with odd bytes: a model name a mapping pattern ("gpt-4o*") admitted, holding quotes, a backslash, commas, a newline and a terminal escape, must come out as one valid JSON string, one CSV field and one escaped text line — never as extra JSON keys (a forged "blended"), extra CSV columns or rows, or raw control bytes.
# usage: sub_names.sh PUB_DRIVER TIX_SUB TIX_KEYGEN
set -euo pipefail
drv="$1"; sub="$2"; keygen="$3"
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
"$keygen" "$dir/pub" > /dev/null
evil=$'m","blended":"0.000000001","x":"\\\x1b[2J,9,\nquote,FAKE\r\x7f'
printf '%s' "$evil" > "$dir/evil"
for attempt in 1 2 3; do   # bound: retry another port if this one was taken
  port=$(( 20000 + RANDOM % 20000 ))
  ep="tcp://127.0.0.1:$port"
  "$drv" --line-a "$ep" --key "$dir/pub.sign.key" --count 60 --interval-us 20000 --warm-ms 800 \
         --linger-ms 2500 --quotes --model "$evil" 2> "$dir/drv.err" &
  drv_pid=$!
  pids+=("$drv_pid")
  sleep 0.3
  kill -0 "$drv_pid" 2>/dev/null && break
done
for fmt in jsonl csv text; do
  "$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --quotes --format "$fmt" --duration-ms 4000 \
         > "$dir/q.$fmt" 2> "$dir/q.$fmt.err" &
  pids+=($!)
done
wait "${pids[@]:1}" || { echo "sub_names: a subscriber failed" >&2; cat "$dir"/*.err >&2; exit 1; }
python3 - "$dir" <<'PY'
import csv, io, json, sys
d = sys.argv[1]
evil = open(f"{d}/evil", "rb").read().decode()
n = 0
for line in open(f"{d}/q.jsonl", "rb").read().decode().split("\n"):
    if not line:
        continue
    o = json.loads(line)  # every line one valid JSON object
    if o["kind"] == "quote":
        n += 1
        assert o["model"] == evil, ("model", o["model"])
        assert o["blended"].startswith("3.5"), ("blended forged through the model name", o["blended"])
        assert "x" not in o, o
assert n >= 10, f"jsonl: {n} quotes"
raw = open(f"{d}/q.csv", "rb").read().decode()
rows = list(csv.reader(io.StringIO(raw, newline="")))
header = rows[0]
quotes = [r for r in rows[1:] if r and r[0] == "quote"]
assert all(len(r) == len(header) for r in rows[1:] if r), "csv: a row with the wrong number of columns"
assert not [r for r in rows[1:] if r and r[0] not in ("tick", "quote", "settlement")], "csv: a forged row"
assert len(quotes) >= 10, f"csv: {len(quotes)} quotes"
for r in quotes:
    q = dict(zip(header, r))
    assert q["model"] == evil and q["blended"].startswith("3.5"), q
text = open(f"{d}/q.text", "rb").read()
assert not any(b < 0x20 and b != 0x0a or b == 0x7f for b in text), "text: raw control bytes"
qlines = [l for l in text.decode().split("\n") if "prov/" in l]
assert len(qlines) >= 10 and not [l for l in text.decode().split("\n") if "FAKE" in l and "prov/" not in l], "text: a forged line"
print(f"sub_names: {n} quotes, names intact in jsonl, csv and text")
PY
