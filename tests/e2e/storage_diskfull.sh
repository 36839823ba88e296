#!/usr/bin/env bash
# An archive write error (file size limit, as a full disk): logged, counted, journal keeps the data, archive resumes.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf 50 100
# Journal segments stay under 3 MB; the HDF5 file needs more, so its writes fail with EFBIG.
"$bin/tix-archive" load --config "$work/tix.conf" --synthetic 20000 --step-ms 100 \
  --fsize-limit 3000000 2> "$work/load.err" || { cat "$work/load.err"; fail "load"; }
grep -q "error storage: archive: cannot .*tix-20260101.h5.*publishing goes on and the journal keeps the data" \
  "$work/load.err" || { cat "$work/load.err"; fail "no clear archive error in the log"; }
grep -q "archive error seen" "$work/load.err" || fail "error never reached the stats"
"$bin/tix-archive" check --config "$work/tix.conf" >/dev/null || fail "archive not complete after space returned"
h5check seqs "$work/archive" 1
echo "storage_diskfull: OK"
