#!/usr/bin/env bash
# e2e: tix-archive check proves every message tixd published carries an archived record (the publish ledger), and reports a deliberately made gap: a published tick removed from journal and archive.
source "$(dirname "$0")/e2e_tixd_lib.bash"
start_plain run1
for _ in $(seq 1 100); do
  [ "$(metrics "$M/metrics" get tix_pub_messages_total)" -ge 20 ] && break
  sleep 0.1
done
stop_tixd "$tixd_pid"
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check.out" 2> "$w/check.err" \
  || fail "check of an intact archive: $(cat "$w/check.err")"
grep -Eq "^publish ledger: [1-9][0-9]* published messages, each carrying an archived record" "$w/check.out" \
  || fail "no publish ledger checked: $(cat "$w/check.out")"
cat "$w/check.out"

# The gap: one published tick disappears from the journal, then the archive is rebuilt from it.
j="$(ls "$w"/journal/tix-*.journal | head -1)"
"$PY" "$here/e2e_journal.py" drop_tick "$j" || fail "drop_tick"
"$bin/tix-archive" recover --config "$w/tixd.conf" 2> "$w/recover.err" || fail "recover: $(cat "$w/recover.err")"
rc=0
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check2.out" 2> "$w/check2.err" || rc=$?
cat "$w/check2.err"
[ "$rc" -ne 0 ] || fail "check passed with a published tick missing from the archive"
grep -q "published but not archived: run [0-9]* channel_seq [0-9]*: tick at [0-9]* (record seq [0-9]*)" \
  "$w/check2.err" || fail "the gap is not named"
echo "e2e_tixd_publish_gap: OK"
