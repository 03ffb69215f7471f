#!/usr/bin/env bash
# Issue #6 end to end: four validators in separate processes on loopback (tools/cluster, one
# genesis with short blocks and slots and a low genesis storage power), every node with 1 MiB
# of reserved space:
# - a 3 MB file added on node 0 is ordered there; nodes 1 and 2 (markets on) fetch it, verify
#   its size and proof root, claim it in their work reports and answer their challenges; the
#   order goes live with them as replicas (max_replicas = 2), the pool pays the proving
#   replicas slot after slot, and their storage power, and so their stake limit, rises;
# - node 1 then loses 10% of the file's blocks (mantle/diag/lose, a data-loss drill): it fails
#   its challenges within 2 slots, is not paid for them and its storage power drops to 0;
#   after lost_after_failures failed slots its replica is marked lost and node 3 (whose market
#   was off until then) re-replicates the file.
# Every wait polls with a generous limit; no step asserts a duration. Slot counts are read
# from the chain, so "within 2 slots" is a statement about blocks, not wall time.
# usage: market.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-market.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  if [ "${failed:-0}" -ne 0 ]; then
    for i in 0 1 2 3; do echo "--- node$i log (tail)"; tail -n 40 "$work/c/node$i/log" 2>/dev/null || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chain_lib.sh"

slot_blocks=8
export MANTLE_CLUSTER_PARAMS="block_time_ms=500,slot_blocks=$slot_blocks,challenges_per_slot=32,max_replicas=2,lost_after_failures=2,file_duration_blocks=100000"
export MANTLE_CLUSTER_STORAGE_POWER=1048576
export MANTLE_CLUSTER_ERA_BLOCKS=100000
"$cluster" start 4 "$work/c" --validators -- --fault-injection 1 --reserve-bytes 1MiB --market-fetch-timeout 30s > "$work/start.out"
# Node 0 only orders, node 3 joins the market later: their markets are off for now.
for i in 0 3; do
  "$cluster" kill "$work/c" $i
  printf '%s\n' --market off >> "$work/c/node$i/args"
  "$cluster" restart "$work/c" $i > /dev/null
done
wait_for "4 validators finalize blocks" 120 at_least 3 0 1 2 3

peer_of() { post "$(api_of "$1")/id" | json 'd["ID"]'; }
status_of() { post "$(api_of "$1")/mantle/order/status?arg=$cid"; }
field() { status_of "$1" | json "$2"; }
slot_now() { echo $(( ($(height 0) - 1) / slot_blocks )); }
replica() { # replica NODE_PEER FIELD: a field of that node's replica entry on node 0's view
  status_of 0 | python3 -c "import json,sys; d=json.load(sys.stdin); r=[x for x in d['replicas'] if x['peer_id']=='$1']; print(r[0]['$2'] if r else 'none')"
}
candidate() { # candidate NODE FIELD: that node's candidate entry in the validator list
  local key; key=$(post "$(api_of "$1")/mantle/chain/head" > /dev/null; post "$(api_of "$1")/mantle/account/list" | json 'd["Accounts"][0]["key"]')
  post "$(api_of 0)/mantle/chain/validators" | python3 -c "import json,sys; d=json.load(sys.stdin); print([c['$2'] for c in d['candidates'] if c['owner']=='$key'][0])"
}
p1=$(peer_of 1); p2=$(peer_of 2); p3=$(peer_of 3)
limit_before=$(candidate 1 stake_limit)

head -c 3000000 /dev/urandom > "$work/file"
cid=$(curl -sf -X POST -F "file=@$work/file" "$(api_of 0)/add?pin=true" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])')
[ -n "$cid" ] && ok "added a 3 MB file on node 0: $cid" || flunk "add on node 0"
# An under-declared size is refused by the node that holds the file.
if post "$(api_of 0)/mantle/order/place?arg=$cid&size=1000" > "$work/under.out" 2>&1; then
  flunk "an order declaring 1000 bytes for a 3 MB file was accepted"
else
  ok "an under-declared size is refused"
fi
# Tips fill the pool, which pays over the whole file life (100000 blocks / 8 = 12500 slots).
order=$(post "$(api_of 0)/mantle/order/place?arg=$cid&tips=1000000000" | json 'd["Hash"]')
[ -n "$order" ] && ok "order placed: $order" || flunk "order refused"

is_replica() { [ "$(replica "$1" since_slot 2>/dev/null)" != none ] && [ -n "$(replica "$1" since_slot 2>/dev/null)" ]; }
proven() { local s; s=$(replica "$1" last_proven_slot 2>/dev/null) || return 1; [ "$s" != none ] && [ "$s" != None ]; }
live_with() { [ "$(field 0 'd["status"]' 2>/dev/null)" = live ] && proven "$1" && proven "$2"; }
wait_for "the order goes live with nodes 1 and 2 as proven replicas" 240 live_with "$p1" "$p2" || exit 1
taken=$(post "$(api_of 2)/mantle/market/status" | json "[t['cid'] for t in d['taken']]")
[[ $taken == *"$cid"* ]] && ok "node 2's market status lists the file as taken" || flunk "node 2's market status: $taken"
pfiles=$(post "$(api_of 2)/mantle/prover/status" | json 'd["files"]')
[ "$pfiles" = 1 ] && ok "node 2's prover status shows the file in its set" || flunk "node 2's prover status: files=$pfiles"
is_replica "$p3" && flunk "node 3 (market off) holds a replica" || ok "node 3 (market off) holds no replica"

owner1=$(post "$(api_of 1)/mantle/account/list" | json 'd["Accounts"][0]["key"]')
balance1() { post "$(api_of 0)/mantle/account/show?arg=$owner1" | json 'd["balance"]'; }
pool0=$(field 0 'd["pool"]'); bal0=$(balance1)
s1=$(replica "$p1" last_proven_slot)
advanced() { local s; s=$(replica "$1" last_proven_slot 2>/dev/null) || return 1; [ "$s" != None ] && [ "$s" -gt "$2" ]; }
wait_for "node 1 proves the file again in a later slot" 60 advanced "$p1" "$s1"
pool1=$(field 0 'd["pool"]')
[ "$pool1" -lt "$pool0" ] && ok "the pool pays the proving replicas ($pool0 -> $pool1)" || flunk "the pool did not pay: $pool0 -> $pool1"
# No era ends in this test (era_blocks 100000), so the only income of node 1's owner is the pool.
bal1=$(balance1)
[ "$bal1" -gt "$bal0" ] && ok "node 1's owner was paid $((bal1 - bal0)) base units" || flunk "node 1's owner balance: $bal0 -> $bal1"
power1=$(candidate 1 storage_power)
[ "$power1" -ge 3000000 ] && ok "node 1's storage power counts the file ($power1 bytes)" || flunk "node 1's storage power: $power1"
limit_after=$(candidate 1 stake_limit)
[ "$limit_after" -gt "$limit_before" ] && ok "node 1's stake limit rose ($limit_before -> $limit_after)" || flunk "stake limit: $limit_before -> $limit_after"

# Data loss on node 1: it still claims the file but cannot prove it.
post "$(api_of 1)/mantle/diag/lose?arg=$cid&percent=10" > "$work/lose.out" && ok "node 1 lost 10% of the file's blocks ($(json 'd["Deleted"]' < "$work/lose.out") leaves)" || flunk "data-loss drill"
lost_at=$(slot_now)
proven_at_loss=$(replica "$p1" last_proven_slot)
caught() { local f; f=$(replica "$p1" failures 2>/dev/null) || return 1; [ "$f" = none ] || [ "$f" -ge 1 ]; }
wait_for "node 1's failed challenges are recorded" 60 caught
caught_at=$(slot_now)
[ $((caught_at - lost_at)) -le 2 ] && ok "caught within 2 slots (lost in slot $lost_at, caught in slot $caught_at)" || flunk "caught only in slot $caught_at (lost in $lost_at)"
[ "$(candidate 1 storage_power)" = 0 ] && ok "node 1's storage power dropped to 0" || flunk "node 1's storage power: $(candidate 1 storage_power)"
last=$(replica "$p1" last_proven_slot)
[ "$last" = none ] || [ "$last" -le $((proven_at_loss + 1)) ] && ok "node 1 is not paid for the failed slots (last proven slot $last)" || flunk "node 1 proven after the loss: $last"
gone() { [ "$(replica "$p1" since_slot 2>/dev/null)" = none ]; }
wait_for "node 1's replica is marked lost" 60 gone
market_lost() { local l; l=$(post "$(api_of 1)/mantle/market/status" | json "[x['cid'] for x in d['lost']]") || return 1; [[ $l == *"$cid"* ]]; }
wait_for "node 1's market knows it lost the replica" 30 market_lost

# Node 3 joins the market and re-replicates the under-replicated file.
"$cluster" kill "$work/c" 3
sed -i '/^--market$/{N;/\noff$/d}' "$work/c/node3/args"
"$cluster" restart "$work/c" 3 > /dev/null
wait_for "node 3 re-replicates the file and proves it" 240 live_with "$p2" "$p3"

[ "$fail" -eq 0 ] && [ "$failed" -eq 0 ] && echo "market: all $pass checks passed" || exit 1
