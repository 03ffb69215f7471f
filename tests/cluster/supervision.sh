#!/usr/bin/env bash
# Supervision of a live node: a child made to throw (fault injection) is restarted and the node
# keeps answering with its data intact; past the restart limit the node shuts down cleanly
# with exit code 1 and says why.
# usage: supervision.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-sup.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/log" /tmp/sup.log; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
port=$(free_port)
api="http://127.0.0.1:$port/api/v0"

"$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 --fault-injection 1 \
  --restart-limit 3 --restart-window 60s > "$work/log" 2>&1 &
pid=$!
wait_up || { cat "$work/log"; exit 1; }
echo "supervised data" > "$work/f"
cid=$(curl -sf -X POST -F "file=@$work/f" "$api/add" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')

curl -sf -X POST "$api/mantle/diag/fault?arg=blocks" > /dev/null
got=$(curl -sf -X POST "$api/cat?arg=$cid" || true)
[ "$got" = "supervised data" ] && ok "after the block store crashed, cat still answers" || bad "cat after a block-store crash returned '$got'"
# Waits up to 5 s for a line in the node's log: requests can be answered before the supervisor
# has logged (or finished) a restart.
wait_log() {
  for _ in $(seq 1 50); do grep -q "$1" "$work/log" && return 0; sleep 0.1; done
  return 1
}
wait_log "restarted child 'blocks'" && ok "the restart is logged" || bad "no restart in the log"

curl -sf -X POST "$api/mantle/diag/fault?arg=rpc" > /dev/null || true
if wait_up; then ok "after the RPC front crashed, it listens again"; else bad "the RPC front did not come back"; fi
kill -0 $pid && ok "the node is still running after two restarts" || bad "the node died"

# Two more crashes exceed the limit of 3 restarts in 60 s: escalation.
curl -sf -X POST "$api/mantle/diag/fault?arg=blocks" > /dev/null || true
wait_log "3 in total" || true # the third restart, so the next fault reaches the new incarnation
wait_up || true
curl -sf -X POST "$api/mantle/diag/fault?arg=blocks" > /dev/null || true
for _ in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then
  bad "the node kept running past the restart limit"
else
  set +e; wait $pid; code=$?; set -e
  [ "$code" -eq 1 ] && ok "past the restart limit the node exits with code 1" || bad "exit code $code after escalation"
  grep -q "escalating" "$work/log" && ok "the escalation reason is logged" || bad "no escalation reason in the log"
fi

# Committed data survived all of it.
"$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 > "$work/log2" 2>&1 &
pid=$!
wait_up || { cat "$work/log2"; exit 1; }
got=$(curl -sf -X POST "$api/cat?arg=$cid" || true)
[ "$got" = "supervised data" ] && ok "after the escalation and a restart the data is intact" || bad "data lost: '$got'"
expect_404=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/mantle/diag/fault?arg=blocks")
[ "$expect_404" = 404 ] && ok "fault injection is off by default" || bad "fault route answered $expect_404 without --fault-injection"
kill -TERM $pid; wait $pid
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
