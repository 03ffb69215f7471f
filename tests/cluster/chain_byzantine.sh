#!/usr/bin/env bash
# A Byzantine validator among four, in separate processes: node 3 restarts with
# --chain-byzantine (a test drill behind --fault-injection: it signs a conflicting vote beside
# each vote and a second block beside each proposal). The honest three must not fork, must put
# its double votes as evidence in a block, slash its stake and drop it from the validator set
# at the next era (eras of 10 blocks here).
# Every wait polls with a generous limit; no step asserts a duration.
# usage: chain_byzantine.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-byz.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build MANTLE_CLUSTER_ERA_BLOCKS=10
failed=0
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  if [ "$failed" -ne 0 ]; then
    for i in 0 3; do echo "--- node$i log (tail)"; tail -n 30 "$work/c/node$i/log" 2>/dev/null || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chain_lib.sh"

"$cluster" start 4 "$work/c" --validators > "$work/start.out"
wait_for "4 validators finalize blocks" 120 at_least 2 0 1 2 3
keys=$("$build/mantle" chain keygen "$work/c/node3/data")
evil_node=$(sed -n 's/.*node_key=\([0-9a-f]*\).*/\1/p' <<< "$keys")
evil_owner=$(sed -n 's/.*owner=\([0-9a-f]*\).*/\1/p' <<< "$keys")
bond=$(post "$(api_of 0)/mantle/account/show?arg=$evil_owner" | json 'd["own_stake"]')

"$cluster" kill "$work/c" 3
printf '%s\n' --fault-injection 1 --chain-byzantine on >> "$work/c/node3/args"
"$cluster" restart "$work/c" 3

evidence_landed() {
  local top h
  top=$(height 0)
  for h in $(seq 1 "$top"); do
    [ "$(post "$(api_of 0)/mantle/chain/block?arg=$h" | json 'd["evidence"]')" -gt 0 ] && return 0
  done
  return 1
}
wait_for "the double votes land as evidence in a block" 120 evidence_landed
slashed() { [ "$(post "$(api_of 0)/mantle/account/show?arg=$evil_owner" | json 'd["own_stake"]')" -lt "$bond" ]; }
wait_for "the double-signer's stake is slashed" 60 slashed
removed() {
  post "$(api_of 0)/mantle/chain/validators" > "$work/vals.json" || return 1
  python3 - "$work/vals.json" "$evil_node" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
keys = [v["node_key"] for v in d["validators"]]
sys.exit(0 if len(keys) == 3 and sys.argv[2] not in keys else 1)
PY
}
wait_for "it leaves the validator set at the next era" 120 removed
h=$(height 0)
wait_for "the honest three go on" 60 at_least $((h + 2)) 0 1 2
top=$(height 1)
same=1
for b in $(seq 1 "$top"); do
  a=$(post "$(api_of 0)/mantle/chain/block?arg=$b" | json 'd["id"]')
  for i in 1 2; do [ "$(post "$(api_of "$i")/mantle/chain/block?arg=$b" | json 'd["id"]')" = "$a" ] || same=0; done
done
[ $same = 1 ] && ok "no fork: nodes 0, 1 and 2 hold the same $top blocks" || flunk "honest nodes disagree"
exit $failed
