#!/usr/bin/env bash
# Day rollover: closed days are compressed, verified and renamed in place; tix-query spans files seamlessly; bars.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 40000 --step-ms 6000 2> "$work/load.err" \
  || { cat "$work/load.err"; fail "load"; }
ls "$work/archive" > "$work/files"
[ "$(grep -c '\.h5$' "$work/files")" -eq 3 ] || { cat "$work/files"; fail "expected 3 daily files"; }
grep -q tmp "$work/files" && fail "temporary file left behind"
grep -c "day closed: .* compressed and verified" "$work/load.err" | grep -qx 2 || fail "2 days closed"
h5check compressed "$work/archive/tix-20260101.h5"
h5check compressed "$work/archive/tix-20260102.h5"
[ -f "$work/journal/tix-20260101.journal.done" ] || fail "journal of a closed day not retired"
"$bin/tix-archive" check --config "$work/tix.conf" >/dev/null || fail "check"
h5check seqs "$work/archive" 1
# Across files: all ticks equal the per-file sum, and a window over midnight takes from both.
total=$(( $("$bin/tix-query" "$work/archive" | wc -l) - 1 ))
sum=0
for f in "$work"/archive/*.h5; do sum=$(( sum + $("$bin/tix-query" "$f" | wc -l) - 1 )); done
[ "$total" -eq "$sum" ] && [ "$total" -gt 100000 ] || fail "ticks across files: $total vs $sum"
n=$("$bin/tix-query" "$work/archive" --from 2026-01-01T23:59:00Z --to 2026-01-02T00:01:00Z | wc -l)
[ "$n" -eq 121 ] || fail "window over midnight: $((n - 1)) ticks, expected 120"
"$bin/tix-query" "$work/archive" --bars 1h --from 2026-01-01T22:00:00Z --to 2026-01-02T02:00:00Z \
  > "$work/bars.csv"
[ "$(wc -l < "$work/bars.csv")" -eq 5 ] || { cat "$work/bars.csv"; fail "4 hourly bars expected"; }
awk -F, 'NR>1 && ($8 != 3600 || $7 != 3600 || $3 == "" || $4 < $5) {bad=1} END {exit bad}' "$work/bars.csv" \
  || { cat "$work/bars.csv"; fail "bar counts or OHLC"; }
echo "storage_rollover: OK"
