#!/usr/bin/env bash
# tix-replay --verify over an archive written by a live run: matches; a tampered tick or quote is reported.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
# Two days with a settlement, and a restart in the middle (a second START in the stream).
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 20000 --step-ms 5000 2> "$work/l1.err" \
  || { cat "$work/l1.err"; fail "load 1"; }
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 3000 --step-ms 1000 \
  --start 2026-01-02T12:00:00Z 2> "$work/l2.err" || { cat "$work/l2.err"; fail "load 2"; }
"$bin/tix-replay" --config "$work/tix.conf" --verify "$work/archive" > "$work/v.out" 2>&1 \
  || { cat "$work/v.out"; fail "verify of an untouched archive"; }
grep -q "OK: 23000 quotes" "$work/v.out" || { cat "$work/v.out"; fail "verify summary"; }
grep -q " [1-9][0-9]* settlements" "$work/v.out" || fail "no settlement verified"
# One file alone verifies too.
"$bin/tix-replay" --config "$work/tix.conf" --verify "$work/archive/tix-20260101.h5" >/dev/null 2>&1 \
  || fail "verify of one file"
# Tamper with one tick price: the first difference is named.
cp -r "$work/archive" "$work/a2"
h5check tamper "$work/a2/tix-20260102.h5" ticks price 100 123
if "$bin/tix-replay" --config "$work/tix.conf" --verify "$work/a2" > "$work/t.out" 2>&1; then
  fail "tampered tick not detected"
fi
grep -q "first difference at seq .*/tix-20260102.h5: output: archived tick .* price 0.000000123" "$work/t.out" \
  || { cat "$work/t.out"; fail "tick difference message"; }
# Tamper with an archived local price: re-normalization catches it.
rm -rf "$work/a2" && cp -r "$work/archive" "$work/a2"
h5check tamper "$work/a2/tix-20260101.h5" quotes local_input 7 1
if "$bin/tix-replay" --config "$work/tix.conf" --verify "$work/a2" > "$work/t.out" 2>&1; then
  fail "tampered quote not detected"
fi
grep -q "quote input: archived .*, recomputed 0.000000001" "$work/t.out" || { cat "$work/t.out"; fail "quote message"; }
# Bad arguments and missing archives.
set +e
"$bin/tix-replay" --config "$work/tix.conf" --verify "$work/nope" 2> "$work/e.out"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "nope: No such file" "$work/e.out" || fail "missing archive: rc $rc"
set +e
"$bin/tix-replay" --config "$work/tix.conf" --verify "$work/archive" --quotes x 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "--verify with --quotes: rc $rc"
echo "storage_verify: OK"
