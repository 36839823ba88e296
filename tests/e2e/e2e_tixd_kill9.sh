#!/usr/bin/env bash
# e2e: kill -9 of a live tixd, then restart: everything journalled (acknowledged durable included) is in the archive exactly once, and tix-replay --verify passes across the restart.
source "$(dirname "$0")/e2e_tixd_lib.bash"
start_sim
make_keys
write_conf "$w/tixd.conf" "tcp://127.0.0.1:*"
start_tixd "$w/tixd.conf" run1
M="http://$(ep metrics "$w/run1.ports")"
# Bounded wait until a few hundred records are durable, then kill -9 mid-stream.
durable=0
for _ in $(seq 1 100); do
  durable="$(metrics "$M/metrics" get tix_storage_durable_seq)"
  [ "$durable" -ge 300 ] && break
  sleep 0.1
done
[ "$durable" -ge 300 ] || fail "only $durable records durable after 10 s"
kill -9 "$tixd_pid"
wait "$tixd_pid" 2>/dev/null || true
echo "killed tixd after seq $durable was durable"

# Restart: the journal's torn tail (if any) is cut, the day's HDF5 file rebuilt; run a while.
start_tixd "$w/tixd.conf" run2
sleep 2
grep -q "tixd running" "$w/run2.log" || fail "restart"
stop_tixd "$tixd_pid"
"$bin/tix-archive" check --config "$w/tixd.conf" > "$w/check.out" 2> "$w/check.err" \
  || fail "journal and archive differ: $(cat "$w/check.out")"
"$PY" "$here/storage_h5check.py" seqs "$w/archive" "$durable" || fail "records lost"
"$bin/tix-replay" --config "$w/tixd.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
cat "$w/verify.log"
[ "$(grep -c 'verify: OK' "$w/verify.log")" -eq 1 ] || fail "verify"
echo "e2e_tixd_kill9: OK"
