#!/usr/bin/env bash
# Crash safety: SIGKILL mantled in the middle of large adds, restart it, and check that every
# pinned root is complete and readable and that nothing half-written is left behind (a GC right
# after the restart must find nothing to remove: every block is reachable from a pin).
# usage: crash_safety.sh <build-dir> [rounds=20]
set -euo pipefail
build=${1:?build dir}
rounds=${2:-20}
mantled="$build/mantled"
work=$(mktemp -d /tmp/mantle-crash.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/node.log" /tmp/crash-node.log; rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
start_node() { start_mantled --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0; }

check_store() {
  # Every pinned root must export completely (dag/export fails on a missing block) ...
  local keys
  keys=$(curl -sf -X POST "$api/pin/ls?type=recursive" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Keys"].keys()))')
  for k in $keys; do
    curl -sf -X POST "$api/dag/export?arg=$k" -o "$work/out.car" || { echo "pinned root $k is not complete"; exit 1; }
    grep -qx "$k" "$work/expected" || { echo "pinned root $k was never finished by an add"; exit 1; }
  done
  # Every add that completed before a kill is still pinned.
  while read -r c; do
    grep -qx "$c" <<<"$keys" || { echo "completed add $c lost its pin after a SIGKILL"; exit 1; }
  done < "$work/completed"
  # ... and nothing else may be there: GC right after the restart removes nothing.
  local removed
  removed=$(curl -sf -X POST "$api/repo/gc" | grep -c '"Key"' || true)
  [ "$removed" -eq 0 ] || { echo "round $1: $removed half-written blocks survived the restart"; exit 1; }
}

touch "$work/expected" "$work/completed"
"$build/bench_randgen" 4294967296 > "$work/huge"
start_node
for r in $(seq 1 "$rounds"); do
  size=$(( (RANDOM % 48 + 16) * 1048576 ))
  head -c "$size" /dev/urandom > "$work/file"
  # One add that completes (its root must survive), then one killed in the middle.
  cid=$(curl -sf -X POST -F "file=@$work/file" "$api/add?cid-version=$((r % 2))&quiet=true" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])')
  echo "$cid" >> "$work/expected"
  echo "$cid" >> "$work/completed"
  # An add far too large to finish before the kill (4 GiB in at most 1.9 s).
  curl -s -X POST -F "file=@$work/huge" "$api/add?cid-version=$(((r + 1) % 2))" >/dev/null 2>&1 &
  cpid=$!
  sleep "$((RANDOM % 2)).$((RANDOM % 9 + 1))"
  kill -9 $pid
  wait $pid 2>/dev/null || true
  wait $cpid 2>/dev/null || true
  start_node
  check_store "$r"
  echo "round $r ok"
done
kill -TERM $pid; wait $pid
echo "crash safety: $rounds rounds passed"
