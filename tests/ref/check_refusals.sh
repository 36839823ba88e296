#!/usr/bin/env bash
# Refusal counts and first-occurrence log lines of tix-replay (§3.5), compared path-free:
# "FILE:LINE: provider P: REASON: detail (...)" becomes "LINE: provider P: REASON", the
# summary line is kept, and the result must equal CASE_DIR/refusals.exp (which the Python
# reference also reproduces, see check_ref.sh).
# usage: check_refusals.sh TIX_REPLAY CASE_DIR
set -euo pipefail
replay="$1"
case_dir="$2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$replay" --config "$case_dir/tix.conf" --quotes "$case_dir/quotes.csv" \
          --ticks "$out/ticks.csv" --settlements "$out/settlements.csv" 2> "$out/stderr" || true
prefix="$case_dir/quotes.csv:"
while IFS= read -r line; do
  if [ "${line#"$prefix"}" != "$line" ]; then
    printf '%s\n' "${line#"$prefix"}" |
      sed -E 's/^([0-9]+): provider ([^:]*): (bad_number|negative|no_fx_rate|missing_field|unmapped_model): .*$/\1: provider \2: \3/'
  else
    printf '%s\n' "$line"
  fi
done < "$out/stderr" > "$out/refusals"
if ! diff -u "$case_dir/refusals.exp" "$out/refusals"; then
  echo "golden $(basename "$case_dir"): refusals differ from refusals.exp" >&2
  exit 1
fi
