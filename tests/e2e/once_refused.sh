#!/usr/bin/env bash
# e2e: a provider that answers but whose every quote is refused is DEGRADED (not UP), and `tixd --role collector --once` exits 1 naming it.
set -euo pipefail
sim="$1" tixd="$2" src="$3"
dir="$(mktemp -d /tmp/tix-once-refused-XXXXXX)"
source "$(dirname "$0")/sim-lib.bash"

cat > "$dir/scenario.conf" <<'SCEN'
providers = (
  { name = "sheet"; format = "pricesheet"; walk_bp = 0;
    models = ( { id = "gpt-4o"; input = "2.50"; output = "10.00"; } ); },
  { name = "unmapped"; format = "pricesheet"; walk_bp = 0;
    models = ( { id = "no-tier-model"; input = "1"; output = "2"; },
               { id = "another-unknown"; input = "1"; output = "2"; } ); }
);
SCEN
start_sim
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
