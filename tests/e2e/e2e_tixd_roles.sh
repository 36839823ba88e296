#!/usr/bin/env bash
# e2e: two hosts' worth on loopback: tixd --role collector forwards every quote over CurveZMQ to two tixd --role engine, each indexes and publishes them all; /metrics of both roles parse.
source "$(dirname "$0")/e2e_tixd_lib.bash"
# A variable-priced model: the collector refuses it (bad_number) and forwards the refusal.
SIM_OR_EXTRA=', { id = "openrouter/auto"; input = "1"; output = "1"; variable = true; }'
start_sim
make_keys
# The collector's key pair, allowed to speak for the simulator's providers only; the engines
# use the publisher's CURVE key pair for their ingest too.
"$bin/tix-keygen" "$w/keys/collector" > /dev/null
echo "$(grep -v '^# ' "$w/keys/collector.curve.pub") sheet-a,sheet-b,or-a,sheet-outlier,sheet-stale,dash-cn" \
  > "$w/keys/collectors.allow"
ln -sf "$src/conf/tiers.conf" "$w/tiers.conf"
ln -sfn "$src/conf/providers.d" "$w/providers.d"

# engine_conf NAME PORT: an engine fed only by remote collectors on PORT.
engine_conf() {
  cat > "$w/$1.conf" <<CONF
@include "tiers.conf"
providers = ( { name = "collectors"; kind = "zmq_ingest"; url = "tcp://127.0.0.1:$2";
  curve_secret = "$w/keys/tixd.curve.key"; collectors_allow = "$w/keys/collectors.allow"; } );
publisher = { line_a = [ "tcp://127.0.0.1:*" ]; recovery = "tcp://127.0.0.1:*"; heartbeat_ms = 200;
  signing_key = "$w/keys/tixd.sign.key"; curve_secret = "$w/keys/tixd.curve.key";
  clients_allow = "$w/keys/clients.allow"; metrics = "127.0.0.1:0"; };
storage = { archive_dir = "$w/$1/archive"; journal_dir = "$w/$1/journal"; flush_ms = 200; };
CONF
}
# Engines bind their ingest port: pick random free-looking ports, retry on a clash.
ports=()
for e in e1 e2; do
  start_engine "$e" engine_conf
  ports+=("$port")
  eval "${e}_pid=$pid"
done
{ echo '@include "tiers.conf"'; echo '@include "providers.d/presets.inc"'; providers_conf
  echo "collector = { forward = [ \"tcp://127.0.0.1:${ports[0]}\", \"tcp://127.0.0.1:${ports[1]}\" ];"
  echo "  forward_server_key = \"$w/keys/tixd.curve.pub\"; forward_client_key = \"$w/keys/collector.curve.key\"; };"
  echo 'publisher = { metrics = "127.0.0.1:0"; };'; } > "$w/collector.conf"
"$bin/tixd" --check-config "$w/collector.conf" > "$w/check.log" || fail "config: $(cat "$w/check.log")"
# A subscriber on each engine.
sub_bg s1 --line-a "$(ep line_a "$w/e1.ports")" --recovery "$(ep recovery "$w/e1.ports")" --client-key "$w/keys/client" --duration-ms 6000
s1=$sub_pid
sub_bg s2 --line-a "$(ep line_a "$w/e2.ports")" --recovery "$(ep recovery "$w/e2.ports")" --client-key "$w/keys/client" --duration-ms 6000
s2=$sub_pid
rm -f "$w/col.ports"
"$bin/tixd" -c "$w/collector.conf" --role collector --ports-file "$w/col.ports" 2> "$w/col.log" &
col=$!
pids+=("$col")
wait_for "$w/col.ports" || fail "collector did not start"
sleep 3
CM="http://$(ep metrics "$w/col.ports")"
metrics "$CM/metrics" check tix_up tix_provider_health tix_quotes_accepted_total tix_forward_sent_total \
  || fail "collector /metrics"
stop_tixd "$col"
grep -q "role collector" "$w/col.log" || fail "collector log"
# The collector sent each quote to both engines; each engine must have taken every one.
sent="$(sed -n 's/^forwarded \([0-9]*\) quote messages, dropped 0 .*/\1/p' "$w/col.log")"
[ -n "$sent" ] || fail "collector summary: $(tail -n 3 "$w/col.log")"
for e in e1 e2; do
  M="http://$(ep metrics "$w/$e.ports")"
  metrics "$M/metrics" check tix_engine_quotes_total tix_tier_price tix_pub_messages_total \
    tix_storage_archived_seq > /dev/null || fail "$e /metrics"
  got=0 ref=0 archived=0
  for _ in $(seq 1 50); do
    got="$(metrics "$M/metrics" get tix_quotes_accepted_total provider=collectors)"
    ref="$(metrics "$M/metrics" sum tix_quotes_rejected_total provider=collectors)"
    archived="$(metrics "$M/metrics" get tix_engine_refused_total)"
    [ "$(((got + ref) * 2))" -eq "$sent" ] && [ "$archived" -eq "$ref" ] && break
    sleep 0.1
  done
  echo "$e: $got quotes accepted and $ref refusals ($archived archived) from the collector" \
       "(collector sent $sent messages to 2 engines)"
  eval "got_$e=$got ref_$e=$ref archived_$e=$archived"
done
[ "$(((got_e1 + ref_e1) * 2))" -eq "$sent" ] || fail "engine e1 lost quotes: $got_e1 + $ref_e1 of $((sent / 2))"
[ "$got_e1" -gt 20 ] || fail "engine e1 got only $got_e1 quotes"
[ "$got_e1" -eq "$got_e2" ] || fail "engines got different quotes: $got_e1 vs $got_e2"
# The collector's refusals reach both engines, under their reason, and are archived there.
[ "$ref_e1" -gt 0 ] && [ "$ref_e1" -eq "$ref_e2" ] || fail "forwarded refusals: e1 $ref_e1, e2 $ref_e2"
[ "$archived_e1" -eq "$ref_e1" ] && [ "$archived_e2" -eq "$ref_e2" ] \
  || fail "refusals archived: e1 $archived_e1 of $ref_e1, e2 $archived_e2 of $ref_e2"
col_ref="$(sed -n 's/^provider [^:]*: .* \([0-9]*\) refused.*/\1/p' "$w/col.log" | awk '{ n += $1 } END { print n + 0 }')"
[ "$col_ref" -eq "$ref_e1" ] || fail "engines have $ref_e1 refusals, the collector counted $col_ref"
grep -q "^provider or-a: .*bad_number [1-9]" "$w/col.log" || fail "or-a's variable price was not refused"
# Every quote came over CURVE from the listed key: no handshake refused, none unauthorized.
for e in e1 e2; do
  M="http://$(ep metrics "$w/$e.ports")"
  [ "$(metrics "$M/metrics" get tix_provider_faults_total provider=collectors fault=unknown_key)" -eq 0 ] \
    || fail "$e refused the collector's key"
  [ "$(metrics "$M/metrics" get tix_quotes_rejected_total provider=collectors reason=unauthorized_provider)" -eq 0 ] \
    || fail "$e refused a provider the collector may send for"
done
grep -q "auth: 1 collector keys allowed" "$w/e1.log" || fail "engine e1 ingest without CURVE"
for s in "$s1" "$s2"; do rc=0; wait "$s" || rc=$?; [ "$rc" -eq 0 ] || fail "tix-sub exited $rc"; done
"$PY" "$here/e2e_tixd_ticks.py" contiguous "$w/s1.csv" 10 || fail "engine e1 feed"
"$PY" "$here/e2e_tixd_ticks.py" contiguous "$w/s2.csv" 10 || fail "engine e2 feed"
stop_tixd "$e1_pid"
stop_tixd "$e2_pid"
"$bin/tix-replay" --config "$w/e1.conf" --verify "$w/e1/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
echo "e2e_tixd_roles: OK"
