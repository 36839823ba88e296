#!/usr/bin/env bash
# e2e: the journal's disk fills (2 MB tmpfs): ticks go on from journalled inputs only and go STALE, /health says why, new quotes are held; kill -9 then: every tick a subscriber saw is in the archive, and replay reproduces it.
source "$(dirname "$0")/e2e_tixd_lib.bash"
source "$here/e2e_journal_lib.bash"
# A 32 KiB reserve: the disk is "low" soon after it fills, with room left for clocks and ticks.
journal_start "journal_reserve_kb = 32;" ""
[ "$(health "$M" | cut -d' ' -f1)" = 200 ] || fail "/health before the outage: $(health "$M")"

filled=$(now_ns)
fill_until tix_storage_journal_low 1
echo "journal filesystem full at $filled"
h="$(health "$M")"
echo "/health: $h"
case "$h" in "503 journal space low"*"quotes held"*) ;; *) fail "/health does not name the outage: $h" ;; esac
# No new quote is used: every tier goes STALE (stale_ms 1.5 s), and the STALE ticks are published.
for _ in $(seq 1 200); do jour stale "$w/sub.jsonl" "$filled" && break; sleep 0.05; done
jour stale "$w/sub.jsonl" "$filled" || fail "no STALE tick published during the outage"
[ "$(metrics "$M/metrics" get tix_queue_depth queue=engine_in)" -gt 0 ] || fail "no quote held"
[ "$(metrics "$M/metrics" get tix_storage_refused_total)" -eq 0 ] || fail "storage refused records"

kill -9 "$tixd_pid"
wait "$tixd_pid" 2>/dev/null || true
kill -TERM "$sub_pid"; wait "$sub_pid" 2>/dev/null || true
echo "killed tixd during the outage; the subscriber saw $(jour ticks "$w/sub.jsonl" 0 | wc -l) ticks"

# Space returns; the restart rebuilds the archive from the journal.
rm -f "$jfs/fill"
start_tixd "$w/tixd.conf" run2
sleep 2
stop_tixd "$tixd_pid"
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check.out" 2> "$w/check.err" \
  || fail "tix-archive check: $(cat "$w/check.err")"
jour archived "$w/sub.jsonl" "$w/archive" || fail "ticks were published that the archive does not have"
"$bin/tix-replay" --config "$w/tixd.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
echo "e2e_tixd_journal_outage: OK"
