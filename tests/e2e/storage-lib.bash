# Shared by the storage e2e scripts (sourced): temp dir, config writer, process cleanup by PID, checks.
set -euo pipefail
bin="$1"
src="${TIX_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
here="$src/tests/e2e"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
work="$(mktemp -d /tmp/tix-e2e-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# write_conf [flush_ms] [fsync_ms]: tier T1 maps every *-large* model.
write_conf() {
  cat > "$work/tix.conf" <<CONF
tiers = ( { id = "T1"; interval_ms = 1000; settlement = { time = "08:00"; window_min = 60; partitions = 12; }; } );
mapping = ( { provider = "*"; model = "*-large*"; tier = "T1"; } );
fx = { USD = "1"; CNY = "0.1380"; };
storage = { archive_dir = "$work/archive"; journal_dir = "$work/journal"; flush_ms = ${1:-100}; fsync_ms = ${2:-100}; };
CONF
}
h5check() { "$PY" "$here/storage_h5check.py" "$@"; }
