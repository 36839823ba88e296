#!/usr/bin/env bash
# e2e: tix-sim -> tixd -> tix-sub over tcp+CURVE and epgm on 127.0.0.1: contiguous ticks, allowlist reload on SIGHUP without a gap, /metrics, clean SIGTERM, archive = what was published, tix-replay --verify.
source "$(dirname "$0")/e2e_tixd_lib.bash"
start_sim
make_keys
group="$(epgm_group)"
write_conf "$w/tixd.conf" "$group"
"$bin/tixd" --check-config "$w/tixd.conf" > "$w/check.log" || fail "config: $(cat "$w/check.log")"
start_tixd "$w/tixd.conf" tixd
tixd=$tixd_pid
A="$(ep line_a)" R="$(ep recovery)" M="http://$(ep metrics)"
[ "$(ep line_b)" = "$group" ] || fail "line B is not $group"

# An allowed CURVE subscriber on tcp, one on multicast, and one whose key is not allowed yet.
sub_bg tcp --line-a "$A" --recovery "$R" --client-key "$w/keys/client" --duration-ms 9000; tcp=$sub_pid
sub_bg mc --line-a "$group" --recovery "$R" --client-key "$w/keys/client" --duration-ms 9000; mc=$sub_pid
sub_bg other --line-a "$A" --client-key "$w/keys/other" --duration-ms 2500; other=$sub_pid
sleep 3
metrics "$M/metrics" check tix_up tix_provider_health tix_provider_up tix_quotes_accepted_total \
  tix_quotes_rejected_total tix_provider_faults_total tix_tier_price tix_tier_status \
  tix_tier_age_seconds tix_queue_depth tix_queue_dropped_total tix_pub_rate tix_pub_messages_total \
  tix_pub_subscribers tix_pub_auth_refused_total tix_storage_journal_lag_records \
  tix_storage_archive_lag_records tix_storage_archive_errors_total tix_engine_late_quotes_total \
  || fail "/metrics"
[ "$(metrics "$M/metrics" get tix_pub_subscribers)" -ge 1 ] || fail "no subscriber counted"
[ "$(metrics "$M/metrics" get tix_pub_auth_refused_total)" -ge 1 ] || fail "the unlisted key was not refused"
[ "$(metrics "$M/metrics" get tix_provider_up provider=sheet-a)" -eq 1 ] || fail "sheet-a not up"
[ "$(metrics "$M/metrics" get tix_tier_status tier=FRONTIER)" -eq 0 ] || fail "FRONTIER not OK"
"$PY" -c "import urllib.request as u; r = u.urlopen('$M/health'); assert r.status == 200" || fail "/health"
[ "$(awk '/^tick,/ { n++ } END { print n + 0 }' "$w/other.csv")" -eq 0 ] || fail "an unlisted client received ticks"

# SIGHUP: the new key is allowed from now on; the feed goes on without a gap.
wait "$other" || true
grep -v '^#' "$w/keys/other.curve.pub" >> "$w/keys/clients.allow"
kill -HUP "$tixd"
for _ in $(seq 1 100); do grep -q "reload: 6 sources" "$w/tixd.log" && break; sleep 0.05; done
# (libzmq does not retry a handshake the server refused: the client connects anew.)
sub_bg other2 --line-a "$A" --client-key "$w/keys/other" --duration-ms 3000; other2=$sub_pid
for s in "$tcp" "$mc" "$other2"; do
  rc=0; wait "$s" || rc=$?
  [ "$rc" -eq 0 ] || fail "tix-sub exited $rc (3: bad signature, tampering or unrecoverable gap)"
done
"$PY" "$here/e2e_tixd_ticks.py" contiguous "$w/tcp.csv" 20 || fail "tcp subscriber"
"$PY" "$here/e2e_tixd_ticks.py" contiguous "$w/mc.csv" 20 || fail "epgm subscriber"
"$PY" "$here/e2e_tixd_ticks.py" contiguous "$w/other2.csv" 1 || fail "the key allowed by SIGHUP got nothing"
for s in tcp mc; do
  grep -q "bad signatures 0, tampered 0" "$w/$s.err" || fail "$s: verification problems"
  grep -Eq "verified [1-9]" "$w/$s.err" || fail "$s: no attestation verified"
done
grep -q "reload: 6 sources" "$w/tixd.log" || fail "providers were not reloaded"
grep -q "tier FRONTIER status OK" "$w/tixd.log" || fail "no status line for FRONTIER"
[ "$(grep -c 'sheet-a' "$w/tixd.log")" -lt 5 ] || fail "per-quote log lines"

# SIGTERM: drained, flushed, exit 0; every tick published is archived; the archive verifies.
stop_tixd "$tixd"
"$bin/tix-query" "$w/archive" --what ticks > "$w/query.csv" 2> "$w/query.err" || fail "tix-query"
"$PY" "$here/e2e_tixd_ticks.py" archived "$w/tcp.csv" "$w/query.csv" || fail "archive"
"$bin/tix-replay" --config "$w/tixd.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
cat "$w/verify.log"
echo "e2e_tixd_live: OK"
