#!/usr/bin/env bash
# A torn journal tail is cut with a log line and the archive rebuilt; corruption in the middle is refused, naming file and offset.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 500 2>/dev/null || fail "load"
j="$work/journal/tix-20260101.journal"
size=$(stat -c %s "$j")
truncate -s $((size - 7)) "$j"    # the last record loses its end, as after kill -9 mid-write
"$bin/tix-archive" recover --config "$work/tix.conf" 2> "$work/rec.err" || { cat "$work/rec.err"; fail "recover"; }
grep -q "journal $j: torn tail at offset [0-9]*: [0-9]* bytes dropped (truncated)" "$work/rec.err" \
  || { cat "$work/rec.err"; fail "no torn-tail log line"; }
"$bin/tix-archive" check --config "$work/tix.conf" >/dev/null || fail "check after torn tail"
n=$("$bin/tix-query" "$work/archive" --what ticks | wc -l)
# Appending after the cut continues the numbering (no gap, no duplicate).
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 10 --start 2026-01-01T06:00:00Z 2>/dev/null \
  || fail "load after recovery"
"$bin/tix-archive" check --config "$work/tix.conf" >/dev/null || fail "check after more records"
h5check seqs "$work/archive" 1
[ "$("$bin/tix-query" "$work/archive" --what ticks | wc -l)" -gt "$n" ] || fail "no new ticks"
# Flip a byte in the middle: not a torn tail, so start-up stops with a clear error.
printf '\x55' | dd of="$j" bs=1 seek=100 conv=notrunc status=none
set +e
"$bin/tix-archive" recover --config "$work/tix.conf" 2> "$work/bad.err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "corrupt journal accepted"
grep -q "journal $j: corrupt record at offset [0-9]*: CRC32C mismatch" "$work/bad.err" \
  || { cat "$work/bad.err"; fail "corruption message"; }
echo "storage_torn: OK"
