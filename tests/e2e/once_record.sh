#!/usr/bin/env bash
# e2e: `tixd --role collector --once --record` against tix-sim, exact CSV rows, then tix-replay of the recording.
set -euo pipefail
sim="$1" tixd="$2" replay="$3" src="$4"
dir="$(mktemp -d /tmp/tix-once-XXXXXX)"
source "$(dirname "$0")/sim-lib.bash"

cat > "$dir/scenario.conf" <<'SCEN'
providers = (
  { name = "sheet"; format = "pricesheet"; walk_bp = 0;
    models = ( { id = "gpt-4o"; input = "2.50"; output = "10.00"; cached_input = "1.25"; } ); },
  { name = "orouter"; format = "openrouter"; walk_bp = 0; discount = "0.1";
    models = ( { id = "x/claude-sonnet-4"; input = "3"; output = "15"; } ); },
  { name = "broken"; format = "openrouter"; models = ( { id = "x/gpt-4o"; input = "1"; output = "1"; } );
    faults = ( { kind = "http_500"; } ); }
);
SCEN
start_sim
cat > "$dir/tix.conf" <<CONF
@include "tiers.conf"
@include "providers.d/presets.inc"
providers = (
  { name = "sheet"; kind = "http_poll"; preset = "pricesheet"; url = "http://127.0.0.1:$(port sheet)/"; },
  { name = "orouter"; kind = "http_poll"; preset = "openrouter"; url = "http://127.0.0.1:$(port orouter)/"; },
  { name = "broken"; kind = "http_poll"; preset = "openrouter"; url = "http://127.0.0.1:$(port broken)/"; }
);
CONF
"$tixd" --check-config "$dir/tix.conf" | grep -qx OK || fail "config: $("$tixd" --check-config "$dir/tix.conf")"
rc=0
"$tixd" -c "$dir/tix.conf" --role collector --once --record "$dir/out.csv" 2>"$dir/summary" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1 (one provider failed); $(cat "$dir/summary")"
grep -q "^provider sheet: UP, 1 attempts, 1 ok, 1 accepted, 0 refused, http 200" "$dir/summary" \
  || fail "sheet summary: $(cat "$dir/summary")"
grep -q "^provider broken: DEGRADED, 1 attempts, 0 ok, 0 accepted, 0 refused, http_5xx 1, http 500" "$dir/summary" \
  || fail "broken summary: $(cat "$dir/summary")"
head -1 "$dir/out.csv" | grep -qx "recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens" \
  || fail "header: $(head -1 "$dir/out.csv")"
# Prices in the provider's own unit and currency, as the preset resolved them (discount applied).
grep -Eq '^[0-9]+,sheet,gpt-4o,1m,USD,2.5,10,1.25,$' "$dir/out.csv" || fail "sheet row: $(cat "$dir/out.csv")"
grep -Eq '^[0-9]+,orouter,x/claude-sonnet-4,token,USD,0.0000027,0.0000135,,$' "$dir/out.csv" \
  || fail "openrouter row: $(cat "$dir/out.csv")"
[ "$(wc -l < "$dir/out.csv")" -eq 3 ] || fail "rows: $(cat "$dir/out.csv")"
# The recording replays: tix-replay accepts every row.
"$replay" --config "$dir/tix.conf" --quotes "$dir/out.csv" --ticks "$dir/ticks.csv" \
  --settlements /dev/null 2>"$dir/replay.err" || fail "tix-replay: $(cat "$dir/replay.err")"
grep -q "2 rows, 2 accepted, 0 refused" "$dir/replay.err" || fail "replay summary: $(cat "$dir/replay.err")"
echo "OK"
