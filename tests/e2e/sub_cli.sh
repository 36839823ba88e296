#!/usr/bin/env bash
# tix-sub as a user runs it: JSON Lines and CSV output (ticks, quotes, settlements), snapshots, a wrong key (exit 3), a refused CURVE key (exit 1), the attestation timeout, bad arguments.
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
# A secret key file where the public one belongs: refused, clearly.
status=0
"$sub" --line-a "$ep" --key "$dir/pub.sign.key" --duration-ms 100 > /dev/null 2> "$dir/args3.err" || status=$?
[ "$status" -eq 1 ] && grep -q "is a secret key file" "$dir/args3.err" || { cat "$dir/args3.err" >&2; exit 1; }
# --duration-ms beyond what a deadline in ns can hold: refused, not an overflow (UBSan aborts).
for v in 9223372036854775807 99999999999999999999 1000000000001; do
  status=0
  "$sub" --line-a "$ep" --duration-ms "$v" > /dev/null 2> "$dir/args4.err" || status=$?
  [ "$status" -eq 1 ] && grep -q -- "--duration-ms: '$v' is not a whole number from 1 to" "$dir/args4.err" \
    || { echo "sub_cli: --duration-ms $v gave exit $status" >&2; cat "$dir/args4.err" >&2; exit 1; }
done
echo "sub_cli: wrong key and bad arguments reported"

# Starts pub_driver with "$@" on a free port (bounded retries); sets ep, rep and drv_pid.
start_driver() {
  for attempt in 1 2 3; do
    port=$(( 20000 + RANDOM % 20000 ))
    ep="tcp://127.0.0.1:$port"; rep="tcp://127.0.0.1:$(( port + 1 ))"
    "$drv" --line-a "$ep" --recovery "$rep" --key "$dir/pub.sign.key" "$@" 2> "$dir/drv.err" &
    drv_pid=$!
    pids+=("$drv_pid")
    sleep 0.3
    kill -0 "$drv_pid" 2>/dev/null && return 0
  done
  echo "sub_cli: pub_driver did not start" >&2; cat "$dir/drv.err" >&2; exit 1
}

# A publisher of ticks, quotes and a settlement. Verifying: quotes come once attested.
start_driver --count 60 --interval-us 20000 --warm-ms 800 --linger-ms 2500 --quotes --settle
"$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --quotes --format csv --duration-ms 4500 \
       > "$dir/q.csv" 2> "$dir/q.err" &
csv_pid=$!; pids+=("$csv_pid")
"$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --quotes --format jsonl --duration-ms 4500 \
       > "$dir/q.jsonl" 2> "$dir/qj.err" &
jsonl_pid=$!; pids+=("$jsonl_pid")
sleep 1.5   # ticks and quotes are flowing: a late join with a snapshot, without --quotes
"$sub" --line-a "$ep" --recovery "$rep" --key "$dir/pub.sign.pub" --snapshot --format jsonl \
       --duration-ms 3000 > "$dir/snap.jsonl" 2> "$dir/snap.err" || { cat "$dir/snap.err" >&2; exit 1; }
wait "$csv_pid" || { echo "sub_cli: csv subscriber failed" >&2; cat "$dir/q.err" >&2; exit 1; }
wait "$jsonl_pid" || { echo "sub_cli: jsonl subscriber failed" >&2; cat "$dir/qj.err" >&2; exit 1; }
python3 - "$dir" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/q.csv")))
header = open(f"{d}/q.csv").readline().strip().split(",")
assert all(len(r) == len(header) and None not in r for r in rows), "csv: a row with the wrong number of columns"
quotes = [r for r in rows if r["kind"] == "quote"]
assert len(quotes) >= 10, f"csv: {len(quotes)} quote rows"
for r in quotes:
    assert r["provider"] == "prov" and r["model"] == "model-1" and r["currency"] == "USD", r
    assert r["unit"] == "1000000" and r["input"] == "2.000000000" and r["cached"] == "", r
    assert r["blended"] == "%d.%09d" % divmod(3500000000 + int(r["topic_seq"]) - 1, 10**9), r
    assert r["volume"] == str(1000 + int(r["topic_seq"]) - 1), r
ticks = [r for r in rows if r["kind"] == "tick"]
assert ticks and all(len(r["signature"]) == 128 and len(r["key_id"]) == 16 for r in ticks)
recs = [json.loads(l) for l in open(f"{d}/q.jsonl")]
jq = [r for r in recs if r["kind"] == "quote"]
assert len(jq) >= 10, f"jsonl: {len(jq)} quotes"
for r in jq:
    for k in ("recv_ns", "provider", "model", "currency", "tier", "unit", "reason", "local_input",
              "local_output", "local_cached", "fx_e9", "input", "output", "cached", "blended", "volume"):
        assert k in r, f"jsonl quote without {k}: {r}"
    assert r["blended"] == "%d.%09d" % divmod(3500000000 + r["topic_seq"] - 1, 10**9) and r["cached"] is None, r
stl = [r for r in recs if r["kind"] == "settlement"]
assert len(stl) == 1, stl
assert len(stl[0]["signature"]) == 128 and int(stl[0]["signature"], 16) != 0 and len(stl[0]["key_id"]) == 16, stl
snap = [json.loads(l) for l in open(f"{d}/snap.jsonl")]
assert snap and not [r for r in snap if r["kind"] == "quote"], "snapshot without --quotes printed quotes"
err = open(f"{d}/snap.err").read()
assert "QTE." not in err, f"snapshot without --quotes reported on quote topics: {err}"
print("sub_cli: csv and jsonl quotes, signed settlement, snapshot without quotes ok")
PY

# A publisher attesting every 7 s: the timeout follows its announced cadence (no report),
# unless --attest-timeout-ms asks for less.
start_driver --count 450 --interval-us 20000 --warm-ms 300 --linger-ms 500 --attest-ms 7000
status=0
"$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --duration-ms 8500 > /dev/null 2> "$dir/slow.err" &
slow_pid=$!; pids+=("$slow_pid")
"$sub" --line-a "$ep" --key "$dir/pub.sign.pub" --attest-timeout-ms 1500 --duration-ms 8500 \
       > /dev/null 2> "$dir/fast.err" || status=$?
[ "$status" -eq 3 ] && grep -q "NO_ATTESTATION" "$dir/fast.err" \
  || { echo "sub_cli: --attest-timeout-ms 1500 gave exit $status" >&2; cat "$dir/fast.err" >&2; exit 1; }
status=0
wait "$slow_pid" || status=$?
[ "$status" -eq 0 ] || { echo "sub_cli: attest_ms 7000 gave exit $status" >&2; cat "$dir/slow.err" >&2; exit 1; }

# CURVE with a client key not on the allowlist: reported as an authentication failure, exit 1.
"$keygen" "$dir/client" > /dev/null
grep -v '^#' "$dir/other.curve.pub" > "$dir/allow"
start_driver --count 100 --interval-us 20000 --warm-ms 300 --linger-ms 500 --curve "$dir/pub" --allow "$dir/allow"
status=0
"$sub" --line-a "$ep" --server-key "$dir/pub.curve.pub" --client-key "$dir/client" --duration-ms 5000 \
       > /dev/null 2> "$dir/auth.err" || status=$?
[ "$status" -eq 1 ] && grep -q "authentication failed" "$dir/auth.err" \
  || { echo "sub_cli: refused client key gave exit $status" >&2; cat "$dir/auth.err" >&2; exit 1; }
echo "sub_cli: attestation timeout and refused client key reported"
