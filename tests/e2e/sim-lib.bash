# Shared by once_record.sh and once_refused.sh (sourced): tix-sim on the scenario in $dir/scenario.conf, its ports, and the shipped tiers and presets linked beside $dir/tix.conf.
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# start_sim: starts tix-sim (PID kept for cleanup), waits (bounded) for its ports file, links
# tiers.conf and providers.d into $dir.
start_sim() {
  "$sim" --scenario "$dir/scenario.conf" --ports-file "$dir/ports" 2>"$dir/sim.err" &
  sim_pid=$!
  for _ in $(seq 1 200); do [ -f "$dir/ports" ] && break; sleep 0.05; done
  [ -f "$dir/ports" ] || fail "tix-sim did not start: $(cat "$dir/sim.err")"
  ln -s "$src/conf/tiers.conf" "$dir/tiers.conf"
  ln -s "$src/conf/providers.d" "$dir/providers.d"
}
port() { awk -v n="$1" '$1 == n { print $2 }' "$dir/ports"; }
