#!/usr/bin/env bash
# Four validators in separate processes on loopback (tools/cluster/cluster.sh --validators: one
# genesis, every node a validator, TLS between them):
# - blocks are finalized, identical on every node, and a transfer lands everywhere;
# - kill one: the other three go on;
# - kill a second: the chain halts (no block finalized, no fork), and resumes when one returns;
#   the other catches up with certified blocks;
# - stop and restart all four: every node holds the same blocks and state root as before, goes
#   on from there, and no block ever carried double-sign evidence (nobody signed twice).
# Every wait polls with a generous limit; no step asserts a duration.
# usage: chain.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-chain.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  if [ "${failed:-0}" -ne 0 ]; then
    for i in 0 1 2 3; do echo "--- node$i log (tail)"; tail -n 30 "$work/c/node$i/log" 2>/dev/null || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chain_lib.sh"
same_blocks() { # same_blocks FROM TO NODES...: identical ids at every height
  local from=$1 to=$2; shift 2
  local h ref
  for h in $(seq "$from" "$to"); do
    ref=$(block_id "$1" "$h") || return 1
    for i in "${@:2}"; do [ "$(block_id "$i" "$h")" = "$ref" ] || return 1; done
  done
}

"$cluster" start 4 "$work/c" --validators > "$work/start.out"
wait_for "4 validators finalize blocks" 120 at_least 3 0 1 2 3
h=$(height 0)
if same_blocks 1 "$h" 0 1 2 3; then ok "blocks 1..$h are identical on every node"; else flunk "nodes disagree on blocks 1..$h"; fi
vals=$(post "$(api_of 0)/mantle/chain/validators" | json 'len(d["validators"])')
[ "$vals" = 4 ] && ok "the validator set has 4 members" || flunk "validator set: $vals"

# A transfer from node 0's account, submitted on node 0, visible on node 3.
to=$(post "$(api_of 3)/mantle/account/list" | json 'd["Accounts"][0]["key"]')
before=$(post "$(api_of 3)/mantle/account/show?arg=$to" | json 'd["balance"]')
tx=$(post "$(api_of 0)/mantle/account/transfer?to=$to&amount=7000000000" | json 'd["Hash"]')
[ -n "$tx" ] && ok "transfer submitted: $tx" || flunk "transfer refused"
landed() { [ "$(post "$(api_of 3)/mantle/account/show?arg=$to" | json 'd["balance"]')" = $((before + 7000000000)) ]; }
wait_for "the transfer is final on node 3" 60 landed
ok_tx=$(post "$(api_of 2)/mantle/chain/tx?arg=$tx" | json 'd.get("ok")')
[ "$ok_tx" = True ] && ok "node 2 shows the tx with a successful receipt" || flunk "tx receipt on node 2: $ok_tx"

# One down: three of four (75% > 2/3) go on.
"$cluster" kill "$work/c" 3
h=$(height 0)
wait_for "with node 3 killed, blocks go on (past $((h + 3)))" 60 at_least $((h + 3)) 0 1 2

# Two down: no quorum.
"$cluster" kill "$work/c" 2
sleep 3 # a height already precommitted by three may still complete
stuck=$(height 0)
sleep 8
now0=$(height 0); now1=$(height 1)
if [ "$now0" -le $((stuck + 1)) ] && [ "$now1" -le $((stuck + 1)) ]; then
  ok "with two of four down the chain halts (height $stuck)"
else flunk "blocks were finalized without a quorum: $stuck -> $now0/$now1"; fi
low=$(( now0 < now1 ? now0 : now1 ))
if same_blocks 1 "$low" 0 1; then ok "no fork between the two live nodes"; else flunk "fork between nodes 0 and 1"; fi

"$cluster" restart "$work/c" 2
wait_for "node 2 back: the chain resumes" 120 at_least $((now0 + 2)) 0 1 2
"$cluster" restart "$work/c" 3
target=$(height 0)
wait_for "node 3 catches up to $target" 120 at_least "$target" 3
if same_blocks 1 "$target" 0 3; then ok "node 3 holds the same blocks as node 0"; else flunk "node 3 diverged"; fi

# Stop all, restart all: same chain, and it goes on.
"$cluster" stop "$work/c" > /dev/null
for i in 0 1 2 3; do "$cluster" restart "$work/c" "$i"; done
top=$(height 0)
for i in 1 2 3; do t=$(height "$i"); [ "$t" -lt "$top" ] && top=$t; done
if same_blocks 1 "$top" 0 1 2 3; then ok "after a full restart every node holds the same $top blocks"; else flunk "blocks differ after the restart"; fi
wait_for "the chain goes on after the full restart" 120 at_least $((top + 2)) 0 1 2 3
end=$(height 0)
ev=0
for b in $(seq 1 "$end"); do ev=$((ev + $(evidence 0 "$b"))); done
[ "$ev" = 0 ] && ok "no block carries double-sign evidence (nobody signed twice across restarts)" || flunk "$ev pieces of evidence"
exit $failed
