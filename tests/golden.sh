#!/usr/bin/env bash
# Golden methodology cases: tix-replay on each tests/data/golden/<case>/ must reproduce *.exp exactly.
# usage: golden.sh TIX_REPLAY CASE_DIR   (exit 0 when ticks and settlements match)
set -euo pipefail
replay="$1"
case_dir="$2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$replay" --config "$case_dir/tix.conf" --quotes "$case_dir/quotes.csv" \
          --ticks "$out/ticks.csv" --settlements "$out/settlements.csv" 2> "$out/stderr"
status=0
for f in ticks settlements; do
  if [ -f "$case_dir/$f.exp" ]; then
    if ! diff -u "$case_dir/$f.exp" "$out/$f.csv"; then
      echo "golden $(basename "$case_dir"): $f differ from $f.exp" >&2
      status=1
    fi
  fi
done
if [ -f "$case_dir/stderr.exp" ] && ! diff -u "$case_dir/stderr.exp" "$out/stderr"; then
  echo "golden $(basename "$case_dir"): stderr differs from stderr.exp" >&2
  status=1
fi
[ -f "$case_dir/ticks.exp" ] || { echo "golden $(basename "$case_dir"): no ticks.exp" >&2; exit 1; }
exit $status
