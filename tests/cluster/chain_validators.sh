#!/usr/bin/env bash
# A multi-validator chain from the CLI's genesis tooling, as separate processes:
# - tools/cluster/cluster.sh start 3 --validators (mantle chain keygen + chain genesis): the three
#   nodes make blocks together and agree on them;
# - a fourth node joins with the same genesis and follows; funded by a transfer from node 0, it
#   bonds and runs `mantle stake validate`, which registers the node first, and shows up among
#   the candidates on every node. (It is not elected: its owner has no storage power yet, so its
#   stake limit is 0 until work reports exist, issue #6.)
# Every wait polls a condition with a generous limit; no step asserts a duration.
# usage: chain_validators.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-chain-vals.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build
mantle=$build/mantle
extra_pid=
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  if [ -n "$extra_pid" ]; then
    kill "$extra_pid" 2> /dev/null || true
    for _ in $(seq 1 100); do kill -0 "$extra_pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$extra_pid" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

rpc_of() { cat "$work/c/node$1/rpc"; }
# wait_for DESCRIPTION LIMIT_S COMMAND...: polls COMMAND; prints how long it took.
wait_for() {
  local what=$1 limit=$2; shift 2
  local start=$SECONDS
  while [ $((SECONDS - start)) -le "$limit" ]; do
    if "$@" > /dev/null 2>&1; then ok "$what (after ~$((SECONDS - start)) s)"; return 0; fi
    sleep 0.25
  done
  bad "$what (still not true after $limit s)"
  return 1
}
height_at_least() { # api height
  "$mantle" --api "$1" chain head --json > "$work/head.json" || return 1
  [ "$(sed -n 's/.*"height": \([0-9]*\),*$/\1/p' "$work/head.json" | head -1)" -ge "$2" ]
}
block_id() { "$mantle" --api "$1" chain block "$2" --json | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p'; }
field() { sed -n "s/.*\"$2\": \\([0-9]*\\).*/\\1/p" "$1" | head -1; }

"$cluster" start 3 "$work/c" --validators > "$work/start.out" 2>&1 || { cat "$work/start.out"; exit 1; }
[ -f "$work/c/genesis.json" ] && ok "cluster wrote one genesis" || bad "no $work/c/genesis.json"
grep -c '"node_key"' "$work/c/genesis.json" > "$work/n" || true
[ "$(cat "$work/n")" = 3 ] && ok "the genesis has 3 validators" || bad "genesis validators: $(cat "$work/n")"

for i in 0 1 2; do
  wait_for "node $i reaches height 3" 120 height_at_least "$(rpc_of $i)" 3 || { tail -30 "$work/c/node$i/log"; exit 1; }
done
ids=$(for i in 0 1 2; do block_id "$(rpc_of $i)" 2; done | sort -u | wc -l)
[ "$ids" = 1 ] && ok "the three nodes hold the same block 2" || bad "block 2 differs between nodes"
"$mantle" --api "$(rpc_of 0)" chain validators --json > "$work/vals.json"
[ "$(grep -c '"power"' "$work/vals.json")" = 3 ] && ok "3 validators with power" || bad "validators: $(cat "$work/vals.json")"

# A fourth node: same genesis, not a validator.
"$mantle" chain keygen "$work/x/data" > "$work/keygen.out" 2> /dev/null
xnode=$(sed -n 's/.*node_key=\([0-9a-f]*\).*/\1/p' "$work/keygen.out")
xowner=$(sed -n 's/.*owner=\([0-9a-f]*\).*/\1/p' "$work/keygen.out")
xrpc=127.0.0.1:$(free_port)
api=http://$xrpc/api/v0
"$build/mantled" --data-dir "$work/x/data" --rpc-addr "$xrpc" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 \
  --peer-tls-ca "$work/c/network/ca.crt" --peer-tls-ca-key "$work/c/network/ca.key" \
  --bootstrap "$(cat "$work/c/node0/multiaddr")" --genesis "$work/c/genesis.json" >> "$work/x.log" 2>&1 &
extra_pid=$!
disown "$extra_pid" # no job notice when cleanup stops it
wait_up || { echo "node x did not start"; tail -20 "$work/x.log"; exit 1; }
# The validator logs its role once it opened the chain state, which may be after the RPC is up.
follows() { grep -q "this node follows" "$work/x.log"; }
wait_for "node x follows the chain" 30 follows || echo "node x: $(grep validator "$work/x.log" | head -3)"
h=$(sed -n 's/.*"height": \([0-9]*\),*$/\1/p' "$work/head.json" | head -1)
wait_for "node x catches up to height $h" 120 height_at_least "$xrpc" "$h"

# Fund it from node 0's owner; node x sees the balance once it has the block.
"$mantle" --api "$(rpc_of 0)" account transfer --to "$xowner" --amount 5000 --wait > "$work/transfer.out" 2>&1 \
  && ok "transfer of 5000 tokens to node x's owner is in a block" || bad "transfer: $(cat "$work/transfer.out")"
funded() { "$mantle" --api "$xrpc" account show --json > "$work/x.json" && [ "$(field "$work/x.json" balance)" = 5000000000000 ]; }
wait_for "node x shows its owner's balance of 5000 tokens" 60 funded
"$mantle" --api "$xrpc" stake bond 3000 --wait > "$work/bond.out" 2>&1 \
  && ok "node x bonds 3000 tokens" || bad "bond: $(cat "$work/bond.out")"
"$mantle" --api "$xrpc" stake validate --commission 5 --wait > "$work/validate.out" 2>&1 \
  && ok "node x validates" || bad "validate: $(cat "$work/validate.out")"
grep -q "submitted register_node:" "$work/validate.out" && ok "stake validate registered the node first" \
  || bad "no register_node in: $(cat "$work/validate.out")"
"$mantle" --api "$xrpc" account show > "$work/xshow.out"
grep -q "validating *node $xnode, commission 5%" "$work/xshow.out" && ok "node x's owner is a candidate" \
  || bad "account show: $(cat "$work/xshow.out")"
candidate() { # api: node x is listed as a candidate with its commission
  "$mantle" --api "$1" chain validators > "$work/vals.out" && grep -q "$xowner *$xnode *5%" "$work/vals.out"
}
for i in 0 1 2; do wait_for "node $i lists node x as a candidate" 60 candidate "$(rpc_of $i)"; done

echo "passed $pass, failed $fail"
[ "$fail" = 0 ]
