#!/usr/bin/env bash
# Multicast (epgm or norm) between two processes on the 127.0.0.1 interface: every tick arrives, in order, verified.
# usage: pub_epgm.sh PUB_DRIVER TIX_SUB TIX_KEYGEN [epgm|norm]
set -euo pipefail
drv="$1"; sub="$2"; keygen="$3"; scheme="${4:-epgm}"
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
"$keygen" "$dir/pub" > /dev/null
port=$(( 20000 + RANDOM % 20000 ))
group="$scheme://127.0.0.1;239.192.7.$(( 1 + RANDOM % 200 )):$port"
rport=$(( port + 1 ))
n=300
"$sub" --line-a "$group" --recovery "tcp://127.0.0.1:$rport" --key "$dir/pub.sign.pub" \
       --format csv --count "$n" --duration-ms 30000 > "$dir/out.csv" 2> "$dir/sub.err" &
sub_pid=$!
pids+=("$sub_pid")
"$drv" --line-a "$group" --recovery "tcp://127.0.0.1:$rport" --key "$dir/pub.sign.key" \
       --count "$n" --interval-us 2000 --warm-ms 1500 --linger-ms 2000 2> "$dir/drv.err" &
pids+=("$!")
status=0
wait "$sub_pid" || status=$?
cat "$dir/sub.err" >&2
if [ "$status" -ne 0 ]; then
  echo "pub_$scheme: tix-sub exited $status" >&2; cat "$dir/drv.err" >&2; exit 1
fi
# Every tick once, topic_seq 1..n in order, price = 1e9 + seq - 1.
python3 - "$dir/out.csv" "$n" <<'PY'
import csv, sys
# OpenPGM writes its loopback warnings to stdout: keep only our CSV lines.
lines = [l for l in open(sys.argv[1]) if l.startswith(("kind,", "tick,", "settlement,"))]
rows = [r for r in csv.DictReader(lines) if r["kind"] == "tick"]
n = int(sys.argv[2])
seqs = [int(r["topic_seq"]) for r in rows]
assert seqs == list(range(1, n + 1)), f"topic_seq not 1..{n}: {seqs[:5]}...{seqs[-5:]} ({len(seqs)} rows)"
for r in rows:
    assert r["price"] == "%d.%09d" % divmod(1000000000 + int(r["topic_seq"]) - 1, 10**9), r
print(f"{n} ticks over multicast, contiguous and exact")
PY
grep -q "bad signatures 0, tampered 0" "$dir/sub.err" || { echo "pub_epgm: verification problems" >&2; exit 1; }
grep -Eq "verified [1-9]" "$dir/sub.err" || { echo "pub_epgm: no attestation was verified" >&2; exit 1; }
