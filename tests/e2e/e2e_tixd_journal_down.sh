#!/usr/bin/env bash
# e2e: the journal cannot write at all (full tmpfs, no space reserve): nothing is published (nothing new is durable), /health says why; when space returns the held quotes are journalled in order, the feed catches up, and ticks of boundaries already past are archived but not published late.
source "$(dirname "$0")/e2e_tixd_lib.bash"
source "$here/e2e_journal_lib.bash"
journal_start "journal_reserve_kb = 0;" "late_ms = 1000;"

fill_until tix_storage_journal_up 0
down=$(now_ns)
h="$(health "$M")"
echo "/health: $h"
case "$h" in "503 journal down: "*"No space left on device"*"no tick is published"*) ;; *) fail "/health does not name the outage: $h" ;; esac
sleep 4
held="$(metrics "$M/metrics" get tix_queue_depth queue=engine_in)"
[ "$held" -gt 0 ] || fail "no quote held during the outage"
# What was in flight when the write failed may still come out; nothing after that.
n="$(jour ticks "$w/sub.jsonl" $((down + 500000000)) | wc -l)"
[ "$n" -eq 0 ] || fail "$n ticks published while the journal could not write: $(jour ticks "$w/sub.jsonl" $((down + 500000000)) | head -3)"

rm -f "$jfs/fill"
freed=$(now_ns)
wait_metric "$M" tix_storage_journal_up -eq 1 || fail "journal did not recover"
wait_ticks sub "$freed" 10 || fail "the feed did not resume"
wait_metric "$M" tix_queue_depth -eq 0 || true
[ "$(metrics "$M/metrics" get tix_engine_late_ticks_total)" -gt 0 ] || fail "no late tick withheld"
late="$(metrics "$M/metrics" get tix_engine_late_ticks_total)"
sleep 1
stop_tixd "$tixd_pid"
kill -TERM "$sub_pid"; wait "$sub_pid" 2>/dev/null || true
echo "outage of $(( (freed - down) / 1000000 )) ms: $held quotes held, $late late ticks archived and withheld"
# 1000 ms of late_ms, plus slack for a loaded machine: the burst of the bug was 38 s.
jour late "$w/sub.jsonl" 2500 || fail "late ticks were published as if on time"
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check.out" 2> "$w/check.err" \
  || fail "tix-archive check: $(cat "$w/check.err")"
"$PY" "$here/storage_h5check.py" seqs "$w/archive" 1 || fail "archive seqs"
jour backlog "$w/archive" $((down + 500000000)) "$freed" || fail "held quotes not journalled in order"
jour archived "$w/sub.jsonl" "$w/archive" || fail "ticks were published that the archive does not have"
"$bin/tix-replay" --config "$w/tixd.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
echo "e2e_tixd_journal_down: OK"
