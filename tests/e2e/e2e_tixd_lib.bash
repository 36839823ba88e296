# Shared by the tixd e2e scripts (sourced): temp dir, cleanup by PID, tix-sim, keys, a tixd config on free ports.
set -euo pipefail
bin="$1"
src="${TIX_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
here="$src/tests/e2e"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
w="$(mktemp -d /tmp/tix-tixd-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && { kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; } || true
  done
  rm -rf "$w"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$w"/*.err "$w"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
# wait_for FILE [tries]: waits (bounded, 50 ms steps) until FILE exists.
wait_for() { for _ in $(seq 1 "${2:-200}"); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
# ep NAME [FILE]: the endpoint a ports file gives for NAME (first one).
ep() { awk -v n="$1" '$1 == n { print $2; exit }' "${2:-$w/tixd.ports}"; }
metrics() { "$PY" "$here/e2e_tixd_metrics.py" "$@"; }

# Simulated providers on free ports: five USD sources (one an outlier), a CNY source, and
# one that goes stale, every format of the demo.
# SIM_OR_EXTRA: more models for or-a (", { ... }"), e.g. a variable-priced one that is refused.
start_sim() {
  cat > "$w/scenario.conf" <<SCEN
update_ms = 200;
providers = (
  { name = "sheet-a"; format = "pricesheet"; walk_bp = 10;
    models = ( { id = "gpt-4o"; input = "2.50"; output = "10.00"; },
               { id = "claude-sonnet-4"; input = "3.00"; output = "15.00"; },
               { id = "gpt-4o-mini"; input = "0.15"; output = "0.60"; },
               { id = "llama-3.1-70b"; input = "0.35"; output = "0.40"; } ); },
  { name = "sheet-b"; format = "pricesheet"; walk_bp = 10;
    models = ( { id = "gpt-4o"; input = "2.60"; output = "10.20"; },
               { id = "gpt-4o-mini"; input = "0.16"; output = "0.62"; },
               { id = "llama-3.1-70b"; input = "0.36"; output = "0.42"; } ); },
  { name = "or-a"; format = "openrouter"; walk_bp = 10;
    models = ( { id = "openai/gpt-4o"; input = "2.55"; output = "10.1"; },
               { id = "openai/gpt-4o-mini"; input = "0.15"; output = "0.6"; },
               { id = "meta-llama/llama-3.1-70b-instruct"; input = "0.4"; output = "0.4"; }
               ${SIM_OR_EXTRA:-} ); },
  { name = "sheet-outlier"; format = "pricesheet"; walk_bp = 10;
    models = ( { id = "gpt-4o"; input = "2.55"; output = "10.2"; } );
    faults = ( { kind = "outlier"; model = "gpt-4o"; factor_bp = 100000; } ); },
  { name = "sheet-stale"; format = "pricesheet"; walk_bp = 10;
    models = ( { id = "gpt-4o"; input = "2.60"; output = "10.40"; } );
    faults = ( { kind = "stale"; from_ms = 2000; } ); },
  { name = "dash-cn"; format = "dashscope"; walk_bp = 5;
    models = ( { id = "qwen-max"; input = "2.4"; output = "9.6"; },
               { id = "qwen-plus"; input = "0.8"; output = "2"; } ); }
);
SCEN
  "$bin/tix-sim" --scenario "$w/scenario.conf" --ports-file "$w/sim.ports" 2> "$w/sim.err" &
  pids+=("$!")
  wait_for "$w/sim.ports" || fail "tix-sim did not start"
}
sim_url() { echo "http://127.0.0.1:$(awk -v n="$1" '$1 == n { print $2 }' "$w/sim.ports")/"; }

# Publisher keys, a subscriber key pair and an allowlist holding only it.
make_keys() {
  mkdir -p "$w/keys"
  "$bin/tix-keygen" "$w/keys/tixd" > /dev/null
  "$bin/tix-keygen" "$w/keys/client" > /dev/null
  "$bin/tix-keygen" "$w/keys/other" > /dev/null
  grep -v '^#' "$w/keys/client.curve.pub" > "$w/keys/clients.allow"
}

# The providers section for the simulator (interval_ms 500).
providers_conf() {
  cat <<CONF
providers = (
  { name = "sheet-a"; kind = "http_poll"; preset = "pricesheet"; url = "$(sim_url sheet-a)"; interval_ms = 500; },
  { name = "sheet-b"; kind = "http_poll"; preset = "pricesheet"; url = "$(sim_url sheet-b)"; interval_ms = 500; },
  { name = "or-a"; kind = "http_poll"; preset = "openrouter"; url = "$(sim_url or-a)"; interval_ms = 500; },
  { name = "sheet-outlier"; kind = "http_poll"; preset = "pricesheet"; url = "$(sim_url sheet-outlier)"; interval_ms = 500; },
  { name = "sheet-stale"; kind = "http_poll"; preset = "pricesheet"; max_age_ms = 1000; url = "$(sim_url sheet-stale)"; interval_ms = 500; },
  { name = "dash-cn"; kind = "http_poll"; preset = "dashscope"; url = "$(sim_url dash-cn)"; interval_ms = 500; }
);
CONF
}

# write_conf FILE MULTICAST_GROUP_ENDPOINT: tixd (role all) with CURVE tcp line A, epgm line B.
write_conf() {
  ln -sf "$src/conf/tiers.conf" "$w/tiers.conf"
  ln -sfn "$src/conf/providers.d" "$w/providers.d"
  { echo '@include "tiers.conf"'; echo '@include "providers.d/presets.inc"'
    providers_conf
    cat <<CONF
engine = { grace_ms = 50; };
publisher = { line_a = [ "tcp://127.0.0.1:*" ]; line_b = [ "$2" ]; recovery = "tcp://127.0.0.1:*";
  heartbeat_ms = 200; attest_ms = 300; signing_key = "$w/keys/tixd.sign.key";
  curve_secret = "$w/keys/tixd.curve.key"; clients_allow = "$w/keys/clients.allow";
  metrics = "127.0.0.1:0"; };
storage = { archive_dir = "$w/archive"; journal_dir = "$w/journal"; flush_ms = 200; fsync_ms = 20; };
CONF
  } > "$1"
}

# A multicast group of our own (random group and port: tests may run side by side).
epgm_group() { echo "epgm://127.0.0.1;239.192.7.$((1 + RANDOM % 200)):$((20000 + RANDOM % 20000))"; }

# start_tixd CONF NAME [args...]: starts tixd, waits for its ports file; sets tixd_pid.
start_tixd() {
  local conf="$1" name="$2"; shift 2
  rm -f "$w/$name.ports"
  "$bin/tixd" -c "$conf" --ports-file "$w/$name.ports" "$@" 2> "$w/$name.log" &
  tixd_pid=$!
  pids+=("$tixd_pid")
  wait_for "$w/$name.ports" 300 || fail "tixd ($name) did not start"
}

# stop_tixd PID: SIGTERM, then wait (bounded, 20 s); the exit status must be 0.
stop_tixd() {
  kill -TERM "$1"
  for _ in $(seq 1 400); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$1" 2>/dev/null && fail "tixd did not stop within 20 s of SIGTERM"
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "tixd exited $rc after SIGTERM"
}

# sub OUT [tix-sub args...]: a CURVE subscriber with the allowed client key, in the background.
sub_bg() {
  local out="$1"; shift
  "$bin/tix-sub" --server-key "$w/keys/tixd.curve.pub" --key "$w/keys/tixd.sign.pub" \
    --format csv "$@" > "$w/$out.csv" 2> "$w/$out.err" &
  pids+=("$!")
  sub_pid=$!
}

# start_plain NAME: simulator, keys and a tixd on the default config (tcp line B); sets $M.
start_plain() {
  start_sim
  make_keys
  write_conf "$w/tixd.conf" "tcp://127.0.0.1:*"
  start_tixd "$w/tixd.conf" "$1"
  M="http://$(ep metrics "$w/$1.ports")"
}

# start_engine NAME CONF_FN: tixd --role engine on $w/NAME.conf, which `CONF_FN NAME PORT` writes
# for a random free-looking ingest PORT, retried on a clash (5 tries); sets port and pid, and
# appends tixd's stderr to $w/NAME.log.
start_engine() {
  local name="$1" conf_fn="$2" try
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    "$conf_fn" "$name" "$port"
    rm -f "$w/$name.ports"
    "$bin/tixd" -c "$w/$name.conf" --role engine --ports-file "$w/$name.ports" 2>> "$w/$name.log" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 200); do [ -s "$w/$name.ports" ] || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.05; done
    [ -s "$w/$name.ports" ] && return 0
    wait "$pid" 2>/dev/null || true
  done
  fail "engine $name did not start"
}
