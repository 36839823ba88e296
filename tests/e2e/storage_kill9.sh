#!/usr/bin/env bash
# kill -9 during a burst, then restart: every journalled record is in the archive exactly once, acknowledged ones included.
set -euo pipefail
source "$(dirname "$0")/storage-lib.bash"
write_conf 100 20
for round in 1 2 3; do
  "$bin/tix-archive" load --config "$work/tix.conf" --synthetic 2000000 --step-ms 1 --acks \
    --start "2026-01-0${round}T23:59:00Z" > "$work/acks$round" 2> "$work/load$round.err" &
  pid=$!
  pids+=("$pid")
  # Wait (bounded) until a good part of the burst is acknowledged, then kill -9 mid-stream.
  want=$((round * 20000))
  for _ in $(seq 1 3000); do
    last=$(tail -n 1 "$work/acks$round" 2>/dev/null | awk '{print $2}')
    [ -n "$last" ] && [ "$last" -ge "$want" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  kill -0 "$pid" 2>/dev/null || { cat "$work/load$round.err"; fail "loader ended before the kill"; }
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  acked=$(grep '^durable ' "$work/acks$round" | tail -n 1 | awk '{print $2}')
  [ -n "$acked" ] || fail "no acknowledgement printed"
  # Restart: recovery cuts any torn tail, rebuilds the archive from the journal, closes cleanly.
  "$bin/tix-archive" recover --config "$work/tix.conf" 2> "$work/rec$round.err" \
    || { cat "$work/rec$round.err"; fail "recover after kill -9"; }
  "$bin/tix-archive" check --config "$work/tix.conf" > "$work/check$round" \
    || fail "journal and archive differ after kill -9 (round $round)"
  h5check seqs "$work/archive" "$acked"
  echo "round $round: killed after seq $acked was acknowledged; $(tail -n 1 "$work/check$round")"
done
echo "storage_kill9: OK"
