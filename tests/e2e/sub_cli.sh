#!/usr/bin/env bash
# tix-sub as a user runs it: JSON Lines output over tcp, and a wrong key reported with exit status 3.
# usage: sub_cli.sh PUB_DRIVER TIX_SUB TIX_KEYGEN
set -euo pipefail
drv="$1"; sub="$2"; keygen="$3"
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
"$keygen" "$dir/pub" > /dev/null
"$keygen" "$dir/other" > /dev/null
for attempt in 1 2 3; do
  port=$(( 20000 + RANDOM % 20000 ))
  ep="tcp://127.0.0.1:$port"
  "$drv" --line-a "$ep" --key "$dir/pub.sign.key" --count 40 --interval-us 20000 --warm-ms 800 \
         --linger-ms 1500 2> "$dir/drv.err" &
  drv_pid=$!
  pids+=("$drv_pid")
  sleep 0.3
  kill -0 "$drv_pid" 2>/dev/null && break   # bound: retry another port if this one was taken
done
# Right key, JSON Lines: 10 ticks, each a JSON object with exact decimal text prices.
"$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --verify --tier T1 --format jsonl --count 10 \
       --duration-ms 15000 > "$dir/good.jsonl" 2> "$dir/good.err"
python3 - "$dir/good.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 10, len(rows)
for r in rows:
    assert r["kind"] == "tick" and r["tier"] == "T1" and isinstance(r["price"], str), r
    whole, frac = r["price"].split(".")
    assert len(frac) == 9, r["price"]
seqs = [r["topic_seq"] for r in rows]
assert seqs == list(range(seqs[0], seqs[0] + 10)), seqs
print("sub_cli: jsonl ok")
PY
# Wrong key: the attestations fail verification, reported on stderr, exit status 3.
status=0
"$sub" --line-a "$ep" --key "$dir/other.sign.pub" --duration-ms 2500 > /dev/null 2> "$dir/bad.err" || status=$?
if [ "$status" -ne 3 ] || ! grep -q "BAD_SIGNATURE" "$dir/bad.err"; then
  echo "sub_cli: wrong key gave exit $status" >&2; cat "$dir/bad.err" >&2; exit 1
fi
# Bad arguments: exit 1 with a message naming the option.
status=0
"$sub" --line-a "$ep" --format xml > /dev/null 2> "$dir/args.err" || status=$?
[ "$status" -eq 1 ] && grep -q -- "--format: 'xml'" "$dir/args.err"
status=0
"$sub" --line-a "$ep" --verify > /dev/null 2> "$dir/args2.err" || status=$?
[ "$status" -eq 1 ] && grep -q -- "--verify needs --key" "$dir/args2.err"
echo "sub_cli: wrong key and bad arguments reported"
