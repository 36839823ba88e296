#!/usr/bin/env bash
# A reader process (h5py, SWMR) follows the day's file while tix-archive writes it.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf 50 100
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 400000 --step-ms 1 2> "$work/load.err" &
pid=$!
pids+=("$pid")
h5check follow "$work/archive/tix-20260101.h5" "$pid" "$work/follow.out" || fail "SWMR reader"
wait "$pid" || { cat "$work/load.err"; fail "writer"; }
read -r _alive _sizes final < "$work/follow.out"
[ "$final" -eq 400000 ] || fail "reader saw $final quotes at the end, expected 400000"
"$bin/tix-archive" check --config "$work/tix.conf" >/dev/null || fail "check"
echo "storage_swmr: OK"
