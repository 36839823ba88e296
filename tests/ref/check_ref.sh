#!/usr/bin/env bash
# Golden cases against the independent Python reference (tests/ref/tix_ref.py): for every
# tests/data/golden/<case>/, tix_ref.py must reproduce ticks.exp and settlements.exp byte
# for byte, and stderr.exp / refusals.exp when present. This ties the expected files to an
# implementation written from METHODOLOGY-v1.md, independent of the C code.
# usage: check_ref.sh [GOLDEN_DIR]            check every case (exit 0 when all agree)
#        check_ref.sh --update CASE_DIR...   (re)write the .exp files of the named cases
# PYTHON overrides the interpreter (default python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ref="$here/tix_ref.py"
py="${PYTHON:-python3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

run() { # case_dir -> $out/{ticks,settlements}.csv, $out/stderr
  "$py" "$ref" --config "$1/tix.conf" --quotes "$1/quotes.csv" \
        --ticks "$out/ticks.csv" --settlements "$out/settlements.csv" 2> "$out/stderr"
}

if [ "${1:-}" = "--update" ]; then
  shift
  for dir in "$@"; do
    run "$dir"
    cp "$out/ticks.csv" "$dir/ticks.exp"
    cp "$out/settlements.csv" "$dir/settlements.exp"
    rm -f "$dir/stderr.exp" "$dir/refusals.exp"
    # Refusal lines name the quotes file by the path tix-replay was given, so C stderr is
    # compared path-free (tests/ref/check_refusals.sh) through refusals.exp instead.
    if grep -q ': provider ' "$out/stderr"; then
      cp "$out/stderr" "$dir/refusals.exp"
    else
      cp "$out/stderr" "$dir/stderr.exp"
    fi
    echo "updated $(basename "$dir")"
  done
  exit 0
fi

golden="${1:-$here/../data/golden}"
status=0
n=0
for dir in "$golden"/*/; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  [ -f "$dir/tix.conf" ] && [ -f "$dir/quotes.csv" ] || continue
  n=$((n + 1))
  if ! run "$dir"; then
    echo "ref $name: tix_ref.py failed:" >&2
    cat "$out/stderr" >&2
    status=1
    continue
  fi
  for f in ticks settlements; do
    if [ -f "$dir/$f.exp" ] && ! diff -u "$dir/$f.exp" "$out/$f.csv"; then
      echo "ref $name: $f differ from $f.exp" >&2
      status=1
    fi
  done
  for f in stderr refusals; do
    if [ -f "$dir/$f.exp" ] && ! diff -u "$dir/$f.exp" "$out/stderr"; then
      echo "ref $name: stderr differs from $f.exp" >&2
      status=1
    fi
  done
done
echo "check_ref: $n cases, $([ $status = 0 ] && echo 'all agree' || echo 'DISAGREEMENTS')"
exit $status
