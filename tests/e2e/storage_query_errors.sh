#!/usr/bin/env bash
# tix-query and tix-archive refuse bad arguments and missing or corrupt files with clear messages.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 100 2>/dev/null || fail "load"
expect() { # expect RC PATTERN CMD...
  local rc=$1 pat=$2; shift 2
  set +e; "$@" > /dev/null 2> "$work/err"; local got=$?; set -e
  [ "$got" -eq "$rc" ] || { cat "$work/err"; fail "$* → exit $got, expected $rc"; }
  grep -q -- "$pat" "$work/err" || { cat "$work/err"; fail "$* → message lacks '$pat'"; }
}
q="$bin/tix-query"
expect 2 "bad value 'weeks' for --what" "$q" "$work/archive" --what weeks
expect 2 "bad value 'xml' for --format" "$q" "$work/archive" --format xml
expect 2 "bad value '2m' for --bars" "$q" "$work/archive" --bars 2m
expect 2 "bad value 'yesterday' for --from" "$q" "$work/archive" --from yesterday
expect 2 "applies to ticks only" "$q" "$work/archive" --bars 1m --what quotes
expect 2 "--from must be before --to" "$q" "$work/archive" --from 2026-01-02 --to 2026-01-01
expect 2 "exactly one archive" "$q"
expect 1 "nowhere: No such file" "$q" "$work/nowhere"
mkdir "$work/empty"
expect 1 "no archive files" "$q" "$work/empty"
head -c 5000 /dev/urandom > "$work/empty/tix-20260101.h5"
expect 1 "tix-20260101.h5: not an HDF5 file" "$q" "$work/empty"
cp "$work/archive/tix-20260101.h5" "$work/cut.h5"
truncate -s 3000 "$work/cut.h5"
expect 1 "cut.h5" "$q" "$work/cut.h5"
expect 2 "unknown command 'frobnicate'" "$bin/tix-archive" frobnicate --config "$work/tix.conf"
expect 2 "exactly one of --quotes and --synthetic" "$bin/tix-archive" load --config "$work/tix.conf"
expect 2 "bad value '-5' for --synthetic" "$bin/tix-archive" load --config "$work/tix.conf" --synthetic -5
expect 1 "storage.archive_dir is not set" "$bin/tix-archive" check --config "$src/tests/data/golden/worked_example/tix.conf"
echo "storage_query_errors: OK"
