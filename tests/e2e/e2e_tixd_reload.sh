#!/usr/bin/env bash
# e2e: SIGHUP keeps every provider's counters (Prometheus counters are monotonic), and a reload whose configuration @includes a directory or "" is refused with file:line while tixd lives on, serving /metrics with the old providers.
source "$(dirname "$0")/e2e_tixd_lib.bash"
start_sim
ln -sf "$src/conf/tiers.conf" "$w/tiers.conf"
ln -sfn "$src/conf/providers.d" "$w/providers.d"
mkdir "$w/adir"
# conf [EXTRA]: two providers, /metrics on a free port, no publisher or storage.
conf() {
  { echo '@include "tiers.conf"'; echo '@include "providers.d/presets.inc"'
    cat <<CONF
providers = (
  { name = "sheet-a"; kind = "http_poll"; preset = "pricesheet"; url = "$(sim_url sheet-a)"; interval_ms = 200; },
  { name = "or-a"; kind = "http_poll"; preset = "openrouter"; url = "$(sim_url or-a)"; interval_ms = 200; }
);
publisher = { metrics = "127.0.0.1:0"; };
CONF
    echo "${1:-}"; } > "$w/tix.conf"
}
conf
start_tixd "$w/tix.conf" tixd
pid=$tixd_pid
url="http://$(ep metrics)/metrics"
attempts() { metrics "$url" get tix_provider_attempts_total "provider=$1"; }
accepted() { metrics "$url" get tix_quotes_accepted_total "provider=$1"; }
# wait_attempts PROVIDER N: until its attempts counter reaches N (bounded).
wait_attempts() {
  for _ in $(seq 1 300); do [ "$(attempts "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  fail "$1: attempts stayed at $(attempts "$1"), want >= $2"
}
# log_wait TEXT N: until the log holds TEXT N times (bounded).
log_wait() {
  for _ in $(seq 1 300); do [ "$(grep -cF -- "$1" "$w/tixd.log")" -ge "$2" ] && return 0; sleep 0.05; done
  fail "log lacks '$1' (x$2)"
}
wait_attempts sheet-a 5
a0=$(attempts sheet-a); q0=$(accepted or-a)
[ "$q0" -gt 0 ] || fail "or-a accepted nothing"

# A good reload: the counters go on from where they were, not from 0.
kill -HUP "$pid"
log_wait "reload: 2 sources" 1
a1=$(attempts sheet-a); q1=$(accepted or-a)
[ "$a1" -ge "$a0" ] || fail "sheet-a attempts went back from $a0 to $a1 on SIGHUP"
[ "$q1" -ge "$q0" ] || fail "or-a accepted went back from $q0 to $q1 on SIGHUP"

# A configuration @including a directory, then "": refused with file:line, tixd lives on.
for inc in adir ""; do
  conf "@include \"$inc\""
  kill -HUP "$pid"
  log_wait "reload: $w/tix.conf:8: @include \"$inc\"" 1
  log_wait "refused, providers unchanged" 1
  kill -0 "$pid" 2>/dev/null || fail "tixd died on SIGHUP with @include \"$inc\""
done
grep -qF "reload: $w/tix.conf:8: @include \"adir\": $w/adir is a directory, not a configuration file" "$w/tixd.log" \
  || fail "no directory message"
metrics "$url" check tix_provider_attempts_total tix_reload_failures_total > /dev/null || fail "/metrics"
[ "$(metrics "$url" get tix_reload_failures_total)" -eq 2 ] || fail "reload failures not 2"
a2=$(attempts sheet-a)
wait_attempts sheet-a $((a2 + 2)) # the old providers still poll
[ "$(attempts sheet-a)" -ge "$a1" ] || fail "sheet-a attempts went back"
stop_tixd "$pid"
echo "e2e_tixd_reload: OK"
