#!/usr/bin/env bash
# e2e: journal_fallback on another filesystem takes over when the journal's disk fills: quotes are still journalled and used (no STALE), /health says where the journal is; after kill -9 recovery reads both parts, the archive holds every published tick and replay verifies.
source "$(dirname "$0")/e2e_tixd_lib.bash"
source "$here/e2e_journal_lib.bash"
journal_start "journal_reserve_kb = 32; journal_fallback = \"$w/fallback\";" ""

fill_until tix_storage_journal_fallback 1
moved=$(now_ns)
grep -q "the day continues in $w/fallback/tix-" "$w/run1.log" || fail "no log line for the move"
ls "$w"/fallback/tix-*.journal > /dev/null || fail "no journal segment in the fallback"
h="$(health "$M")"
echo "/health: $h"
case "$h" in "200 ok (journal on journal_fallback: $w/fallback/tix-"*"No space left on device"*) ;; *) fail "/health: $h" ;; esac
q0="$(metrics "$M/metrics" get tix_engine_quotes_total)"
wait_ticks sub $((moved + 2000000000)) 5 || fail "no ticks after the move"
[ "$(metrics "$M/metrics" get tix_engine_quotes_total)" -gt "$q0" ] || fail "quotes not used on the fallback"
! jour stale "$w/sub.jsonl" "$moved" || fail "tiers went STALE although the fallback journals quotes"
[ "$(metrics "$M/metrics" get tix_storage_journal_up)" -eq 1 ] || fail "journal down on the fallback"

kill -9 "$tixd_pid"
wait "$tixd_pid" 2>/dev/null || true
kill -TERM "$sub_pid"; wait "$sub_pid" 2>/dev/null || true
# Restart with the primary still full: the day continues in the fallback (seq order kept).
start_tixd "$w/tixd.conf" run2
sleep 2
stop_tixd "$tixd_pid"
grep -q "open day(s) from seq" "$w/run2.log" || fail "recovery did not read the journal"
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check.out" 2> "$w/check.err" \
  || fail "tix-archive check: $(cat "$w/check.err")"
grep -q " + $w/fallback/tix-" "$w/check.out" || fail "check did not read both parts: $(cat "$w/check.out")"
"$PY" "$here/storage_h5check.py" seqs "$w/archive" 1 || fail "archive seqs"
jour archived "$w/sub.jsonl" "$w/archive" || fail "ticks were published that the archive does not have"
"$bin/tix-replay" --config "$w/tixd.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
echo "e2e_tixd_journal_fallback: OK"
