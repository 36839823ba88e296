#!/usr/bin/env bash
# e2e: a provider that answers but whose every quote is refused is DEGRADED (not UP), a CSV file whose model id is not UTF-8 is refused naming provider, file:line and field, and `tixd --role collector --once` exits 1 naming each.
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
  { name = "unmapped"; kind = "http_poll"; preset = "pricesheet"; url = "http://127.0.0.1:$(port unmapped)/"; },
  { name = "csvp"; kind = "csv_file"; path = "$dir/bad.csv"; }
);
CONF
# A CSV source whose model id is not UTF-8 (JSON sources refuse such text too).
printf 'recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens\n' > "$dir/bad.csv"
printf '1767225600000000001,csvp,gpt-\377,1m,USD,1,2,,\n' >> "$dir/bad.csv"
rc=0
"$tixd" -c "$dir/tix.conf" --role collector --once 2>"$dir/summary" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1 (every quote of 'unmapped' refused); $(cat "$dir/summary")"
grep -q "^provider sheet: UP, 1 attempts, 1 ok, 1 accepted, 0 refused" "$dir/summary" \
  || fail "sheet summary: $(cat "$dir/summary")"
grep -q "^provider unmapped: DEGRADED, 1 attempts, 0 ok, 0 accepted, 2 refused, unmapped_model 2" "$dir/summary" \
  || fail "unmapped summary: $(cat "$dir/summary")"
grep -qx "tixd: --once: provider unmapped delivered nothing usable (DEGRADED, 0 quotes accepted)" "$dir/summary" \
  || fail "no line naming the provider: $(cat "$dir/summary")"
grep -qF "provider csvp: bad_file: $dir/bad.csv:2: model: invalid UTF-8 (byte 0xff at offset 4 of the field)" "$dir/summary" \
  || fail "csvp: no bad_file naming the field: $(cat "$dir/summary")"
grep -q "^provider csvp: DEGRADED, 1 attempts, 0 ok, 0 accepted, 0 refused, bad_file 1" "$dir/summary" \
  || fail "csvp summary: $(cat "$dir/summary")"
grep -qx "tixd: --once: provider csvp delivered nothing usable (DEGRADED, 0 quotes accepted)" "$dir/summary" \
  || fail "csvp not named: $(cat "$dir/summary")"
if grep -q "provider sheet delivered nothing" "$dir/summary"; then fail "sheet named: $(cat "$dir/summary")"; fi
echo "OK"
