#!/usr/bin/env bash
# e2e: a provider that answers but whose every quote is refused is DEGRADED (not UP), and `tixd --role collector --once` exits 1 naming it.
set -euo pipefail
sim="$1" tixd="$2" src="$3"
dir="$(mktemp -d /tmp/tix-once-refused-XXXXXX)"
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$dir/scenario.conf" <<'SCEN'
providers = (
  { name = "sheet"; format = "pricesheet"; walk_bp = 0;
    models = ( { id = "gpt-4o"; input = "2.50"; output = "10.00"; } ); },
  { name = "unmapped"; format = "pricesheet"; walk_bp = 0;
    models = ( { id = "no-tier-model"; input = "1"; output = "2"; },
               { id = "another-unknown"; input = "1"; output = "2"; } ); }
);
SCEN
"$sim" --scenario "$dir/scenario.conf" --ports-file "$dir/ports" 2>"$dir/sim.err" &
sim_pid=$!
for _ in $(seq 1 200); do [ -f "$dir/ports" ] && break; sleep 0.05; done
[ -f "$dir/ports" ] || fail "tix-sim did not start: $(cat "$dir/sim.err")"
port() { awk -v n="$1" '$1 == n { print $2 }' "$dir/ports"; }
ln -s "$src/conf/tiers.conf" "$dir/tiers.conf"
ln -s "$src/conf/providers.d" "$dir/providers.d"
cat > "$dir/tix.conf" <<CONF
@include "tiers.conf"
@include "providers.d/presets.inc"
providers = (
  { name = "sheet"; kind = "http_poll"; preset = "pricesheet"; url = "http://127.0.0.1:$(port sheet)/"; },
  { name = "unmapped"; kind = "http_poll"; preset = "pricesheet"; url = "http://127.0.0.1:$(port unmapped)/"; }
);
CONF
rc=0
"$tixd" -c "$dir/tix.conf" --role collector --once 2>"$dir/summary" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1 (every quote of 'unmapped' refused); $(cat "$dir/summary")"
grep -q "^provider sheet: UP, 1 attempts, 1 ok, 1 accepted, 0 refused" "$dir/summary" \
  || fail "sheet summary: $(cat "$dir/summary")"
grep -q "^provider unmapped: DEGRADED, 1 attempts, 0 ok, 0 accepted, 2 refused, unmapped_model 2" "$dir/summary" \
  || fail "unmapped summary: $(cat "$dir/summary")"
grep -qx "tixd: --once: provider unmapped delivered nothing usable (DEGRADED, 0 quotes accepted)" "$dir/summary" \
  || fail "no line naming the provider: $(cat "$dir/summary")"
if grep -q "provider sheet delivered nothing" "$dir/summary"; then fail "sheet named: $(cat "$dir/summary")"; fi
echo "OK"
