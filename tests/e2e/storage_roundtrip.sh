#!/usr/bin/env bash
# Round trip: a quote CSV (with refused rows) through engine + storage; the archive equals the journal, tix-query equals tix-replay.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
cat > "$work/quotes.csv" <<CSV
recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens
1767225600500000000,A,a-large,1m,USD,10.000000000,10.000000000,,
1767225600500000000,B,b-large,1k,CNY,0.07,0.07,0.01,500
1767225600600000000,C,c-large,1m,USD,9.8,9.8,,
1767225600700000000,D,d-large,1m,USD,30,30,,
1767225600800000000,E,e-large,1m,USD,n/a,1,,
1767225600900000000,F,f-small,1m,USD,1,1,,
1767225601100000000,G,g-large,1m,EUR,1,1,,
1767225602500000000,A,a-large,1m,USD,10.5,10.5,,
CSV
"$bin/tix-archive" load --config "$work/tix.conf" --quotes "$work/quotes.csv" 2> "$work/load.err" \
  || { cat "$work/load.err"; fail "load"; }
"$bin/tix-archive" check --config "$work/tix.conf" || fail "archive differs from journal"
file="$work/archive/tix-20260101.h5"
h5check fields "$file"
h5check seqs "$work/archive" 1
# The archived ticks are what tix-replay computes from the same CSV.
"$bin/tix-replay" --config "$work/tix.conf" --quotes "$work/quotes.csv" --ticks "$work/replay.csv" \
  --settlements /dev/null 2>/dev/null || fail "tix-replay"
"$bin/tix-query" "$file" --what ticks > "$work/q.csv" || fail "tix-query"
awk -F, 'NR>1 {print $2","$3","$9","$4","$5","$6","$7","$10}' "$work/q.csv" > "$work/q2.csv"
tail -n +2 "$work/replay.csv" | diff - "$work/q2.csv" || fail "tix-query ticks differ from tix-replay"
# Refused quotes are archived with their reason; the CNY quote keeps its local price and rate.
"$bin/tix-query" "$work/archive" --what quotes > "$work/quotes.out"
grep -q ',E,e-large,T1,bad_number,' "$work/quotes.out" || fail "bad_number quote missing"
grep -q ',F,f-small,,unmapped_model,' "$work/quotes.out" || fail "unmapped quote missing"
grep -q ',G,g-large,T1,no_fx_rate,EUR,' "$work/quotes.out" || fail "no_fx_rate quote missing"
grep -q ',B,b-large,T1,none,CNY,1000,0.138000000,.*,500,70.000000000,70.000000000,10.000000000,9.660000000,9.660000000,1.380000000,9.660000000$' \
  "$work/quotes.out" || { cat "$work/quotes.out"; fail "CNY quote fields"; }
[ "$(wc -l < "$work/quotes.out")" -eq 9 ] || fail "expected 8 quotes"
"$bin/tix-query" "$file" --what quotes --format jsonl --tier T1 --from 2026-01-01T00:00:00.6Z \
  --to 2026-01-01T00:00:00.8Z > "$work/q.jsonl"
[ "$(wc -l < "$work/q.jsonl")" -eq 2 ] || fail "time/tier filter"
"$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/q.jsonl" || fail "jsonl"
echo "storage_roundtrip: OK"
