#!/usr/bin/env bash
# e2e: tixd --role engine with a CURVE zmq_ingest on loopback: exposed ingest and half forward keys refused by --check-config and at start, unknown keys inject nothing, collectors_allow reloads on SIGHUP (a bad file keeps the old list), a year-2100 quote is refused bad_time and moves no journal or archive day, across a restart.
# usage: ingest_curve.sh BIN_DIR INGEST_SEND
source "$(dirname "$0")/e2e_tixd_lib.bash"
send="$2"
mkdir -p "$w/keys"
for k in engine col-a col-b; do "$bin/tix-keygen" "$w/keys/$k" > /dev/null; done
key() { grep -v '^# ' "$w/keys/$1.curve.pub"; }
echo "$(key col-a) *" > "$w/collectors.allow"

# engine_conf NAME PORT: an engine fed only by a CURVE zmq_ingest on loopback PORT.
engine_conf() {
  cat > "$w/$1.conf" <<CONF
tiers = ( { id = "A"; name = "tier A"; interval_ms = 1000; } );
mapping = ( { provider = "*"; model = "*"; tier = "A"; } );
fx = { USD = "1"; };
providers = ( { name = "collectors"; kind = "zmq_ingest"; url = "tcp://127.0.0.1:$2";
  curve_secret = "$w/keys/engine.curve.key"; collectors_allow = "$w/collectors.allow"; } );
engine = { grace_ms = 50; };
publisher = { metrics = "127.0.0.1:0"; };
storage = { archive_dir = "$w/archive"; journal_dir = "$w/journal"; flush_ms = 200; };
CONF
}
# start: the engine (sets port, pid and M, its metrics URL).
start() {
  start_engine engine engine_conf
  M="http://$(ep metrics "$w/engine.ports")/metrics"
}
# as KEY PROVIDER RECV_NS COUNT: quotes from collector KEY (col-a, col-b) over CURVE.
as() { "$send" "tcp://127.0.0.1:$port" "$2" m1 "$3" "$4" "$w/keys/engine.curve.pub" "$w/keys/$1.curve.key"; }
accepted() { metrics "$M" get tix_quotes_accepted_total provider=collectors; }
rejected() { metrics "$M" get tix_quotes_rejected_total provider=collectors "reason=$1"; }
# wait_metric CMD WANT: polls (bounded, 15 s: CI runs tests two at a time) until CMD prints WANT.
wait_metric() { local v; for _ in $(seq 1 300); do v="$($1)"; [ "$v" = "$2" ] && return 0; sleep 0.05; done; echo "$v"; return 1; }
hup() {
  local n; n="$(grep -c 'reload' "$w/engine.log" || true)"
  kill -HUP "$pid"
  # Two lines: "SIGHUP: reloading", then the outcome (sources rebuilt, or the error).
  for _ in $(seq 1 200); do [ "$(grep -c 'reload' "$w/engine.log" || true)" -gt "$((n + 1))" ] && break; sleep 0.05; done
  sleep 0.3 # the rebuilt ingest rebinds; the next sender reconnects by itself anyway
}
days() { ls "$w/journal" "$w/archive" 2>/dev/null | grep -o 'tix-[0-9]*' | sort -u | tr '\n' ' '; }

# --check-config: an ingest reachable from other hosts without keys, and half of the forward
# keys, are errors naming the provider and file:line.
cat > "$w/bad.conf" <<CONF
tiers = ( { id = "A"; name = "tier A"; interval_ms = 1000; } );
mapping = ( { provider = "*"; model = "*"; tier = "A"; } );
fx = { USD = "1"; };
providers = ( { name = "collectors"; kind = "zmq_ingest";
  url = "tcp://0.0.0.0:5599"; } );
collector = { forward = [ "tcp://192.0.2.1:5599" ];
  forward_server_key = "$w/keys/engine.curve.pub"; };
CONF
rc=0
"$bin/tixd" --check-config "$w/bad.conf" > "$w/check.log" || rc=$?
[ "$rc" -eq 1 ] || fail "--check-config of bad.conf exited $rc"
grep -q "^$w/bad.conf:4: providers\[0\]: zmq_ingest \"collectors\": tcp://0.0.0.0:5599 is reachable from other hosts" \
  "$w/check.log" || fail "exposed ingest: $(cat "$w/check.log")"
grep -q "^$w/bad.conf:7: collector: CurveZMQ needs both forward_server_key and forward_client_key" \
  "$w/check.log" || fail "half of the forward keys: $(cat "$w/check.log")"
rc=0
"$bin/tixd" -c "$w/bad.conf" --role engine 2> "$w/bad.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "bad.conf:4: .*reachable from other hosts" "$w/bad.err" \
  || fail "tixd started with an exposed ingest (exit $rc)"

start
# An unlisted key delivers nothing (counted as unknown_key); a listed one does.
as col-b openai now 3
sleep 0.5
[ "$(accepted)" = 0 ] || fail "an unlisted key's quotes were accepted"
[ "$(metrics "$M" get tix_provider_faults_total provider=collectors fault=unknown_key)" -ge 1 ] \
  || fail "the refused handshake was not counted"
as col-a openai now 3
wait_metric accepted 3 || fail "col-a's quotes: $(accepted) accepted"
# SIGHUP: col-b added for openai only (counters carry over the reload: monotonic).
echo "$(key col-b) openai" >> "$w/collectors.allow"
hup
as col-b openai now 2
wait_metric accepted 5 || fail "after reload, col-b's quotes: $(accepted) accepted of 5"
as col-b anthropic now 1
wait_metric "rejected unauthorized_provider" 1 || fail "col-b quoting for anthropic was not refused"
# A bad file is refused; the ingest and the list in force stay.
cp "$w/collectors.allow" "$w/collectors.good"
echo "not-a-key" >> "$w/collectors.allow"
hup
grep -q "collectors.allow:3: not a CurveZMQ public key" "$w/engine.log" || fail "bad allowlist not reported"
as col-b openai now 1
wait_metric accepted 6 || fail "after a bad reload, col-b's quotes: $(accepted) accepted of 6"
cp "$w/collectors.good" "$w/collectors.allow"
# Year 2100 and 1971: refused bad_time, archived (refused) at the engine's clock.
before="$(days)"
as col-a openai 4102444800000000000 1
as col-a openai 31536000000000000 1
wait_metric "rejected bad_time" 2 || fail "far-off recv_ns not refused bad_time"
[ "$(metrics "$M" get tix_engine_refused_total)" -ge 3 ] || fail "refusals not handed to the engine"
as col-a openai now 1
wait_metric accepted 7 || fail "a quote after the bad_time ones: $(accepted) accepted of 7"
stop_tixd "$pid"
[ "$(days)" = "$before" ] || fail "journal/archive days moved: before '$before', after '$(days)'"
case "$(days)" in *tix-2100*|*tix-1971*) fail "a day file for a far-off recv_ns: $(days)" ;; esac
# Across a restart the journal day stays today's.
start
as col-a openai now 2
wait_metric accepted 2 || fail "after restart: $(accepted) accepted of 2"
stop_tixd "$pid"
[ "$(days)" = "$before" ] || fail "after restart, days '$(days)', want '$before'"
"$bin/tix-query" "$w/archive" --what quotes --format csv > "$w/quotes.csv" 2> "$w/query.err" \
  || fail "tix-query: $(cat "$w/query.err")"
[ "$(grep -c 'bad_time' "$w/quotes.csv")" -eq 2 ] || fail "archive: $(grep -c bad_time "$w/quotes.csv") bad_time rows, want 2"
[ "$(grep -c 'unauthorized_provider' "$w/quotes.csv")" -eq 1 ] || fail "archive: unauthorized_provider row missing"
"$bin/tix-replay" --config "$w/engine.conf" --verify "$w/archive" > "$w/verify.log" 2>&1 \
  || fail "tix-replay --verify: $(cat "$w/verify.log")"
echo "ingest_curve: OK"
