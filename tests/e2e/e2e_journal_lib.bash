# Shared by the journal-outage e2e scripts (sourced after e2e_tixd_lib.bash): a 2 MB tmpfs for the journal, a config on it, a time-stamping subscriber, a disk filler.
jfs="$w/jfs"
jour() { "$PY" "$here/e2e_journal.py" "$@"; }
now_ns() { date +%s%N; }

# mount_jfs: a tiny filesystem of our own for the journal (unmounted on exit). Without the
# right to mount, the script cannot make a disk full safely and skips, saying so.
mount_jfs() {
  mkdir -p "$jfs"
  if ! mount -t tmpfs -o size=2m tmpfs "$jfs" 2> "$w/mount.err"; then
    echo "SKIP: cannot mount a tmpfs for the journal ($(cat "$w/mount.err")): run as root to test a full disk"
    exit 0
  fi
  trap journal_cleanup EXIT
}
# Processes first (tixd holds the journal open), then the mount, then the files.
journal_cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && { kill -TERM "$p" 2>/dev/null; sleep 0.1; kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; } || true
  done
  umount "$jfs" 2>/dev/null || umount -l "$jfs" 2>/dev/null || true
  rm -rf "$w"
}

# journal_conf FILE "STORAGE KEYS" "ENGINE KEYS": tixd on the simulator, tiers STALE after
# 1.5 s without a fresh quote, the journal on the tmpfs.
journal_conf() {
  write_conf "$1" "tcp://127.0.0.1:*"
  rm -f "$w/tiers.conf"
  sed 's/stale_ms = 180000/stale_ms = 1500/' "$src/conf/tiers.conf" > "$w/tiers.conf"
  sed -i "s|^storage = .*|storage = { archive_dir = \"$w/archive\"; journal_dir = \"$jfs/journal\"; flush_ms = 200; fsync_ms = 20; $2 };|" "$1"
  sed -i "s|^engine = .*|engine = { grace_ms = 50; $3 };|" "$1"
}

# sub_stamped OUT RUN: a subscriber on line A whose lines are stamped with their receive time.
sub_stamped() {
  "$PY" "$here/e2e_journal.py" sub "$w/$1.jsonl" -- "$bin/tix-sub" --line-a "$(ep line_a "$w/$2.ports")" \
    --client-key "$w/keys/client" --server-key "$w/keys/tixd.curve.pub" --key "$w/keys/tixd.sign.pub" \
    --format jsonl --duration-ms 60000 2> "$w/$1.err" &
  pids+=("$!")
  sub_pid=$!
}

# wait_metric URL NAME OP VALUE [tries]: bounded wait (50 ms steps) until NAME OP VALUE.
wait_metric() {
  local v
  for _ in $(seq 1 "${5:-300}"); do
    v="$(metrics "$1/metrics" get "$2" 2>/dev/null || echo -1)"
    [ "$v" "$3" "$4" ] && return 0
    sleep 0.05
  done
  echo "metric $2 is $v, not $3 $4" >&2
  return 1
}

# wait_ticks OUT FROM_NS N [tries]: bounded wait until N ticks were received after FROM_NS.
wait_ticks() {
  for _ in $(seq 1 "${4:-300}"); do
    [ "$(jour ticks "$w/$1.jsonl" "$2" | wc -l)" -ge "$3" ] && return 0
    sleep 0.05
  done
  return 1
}

# fill_jfs: writes zeros until the tmpfs is full (bounded by its 2 MB).
fill_jfs() { dd if=/dev/zero of="$jfs/fill" bs=4096 2>/dev/null || true; }

# health URL: "CODE body" of /health.
health() {
  "$PY" - "$1/health" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10); print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())
PY
}

# journal_start "STORAGE KEYS" "ENGINE KEYS": tmpfs, simulator, keys, tixd (run1, metrics URL in
# $M) and a stamped subscriber (sub), after 10 ticks were received.
journal_start() {
  mount_jfs
  start_sim
  make_keys
  journal_conf "$w/tixd.conf" "$1" "$2"
  start_tixd "$w/tixd.conf" run1
  M="http://$(ep metrics "$w/run1.ports")"
  sub_stamped sub run1
  wait_ticks sub "$(now_ns)" 10 || fail "no ticks before the outage"
}

# fill_until METRIC VALUE: fills the journal's filesystem, then waits until METRIC is VALUE.
fill_until() {
  fill_jfs
  wait_metric "$M" "$1" -eq "$2" || fail "the full disk did not make $1 $2"
}
