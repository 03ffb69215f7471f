#!/usr/bin/env bash
# Peers over TLS between separate processes, started with tools/cluster/cluster.sh:
# - 3 nodes in a chain (B bootstraps to A, C only to B): all see each other (peer exchange);
# - kill -9 A: B and C notice (and keep each other); restart A: everyone reconnects;
# - only B's peer actor crashes and is restarted: it redials, A and C take the new actor;
# - a node with another network CA is refused; a /p2p/ id that is not the node's is refused;
#   a node does not connect to itself.
# Every wait polls a condition with a generous limit; no step asserts a duration.
# usage: peers.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-peers.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build
extra_pids=()
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ "${fail:-0}" -eq 0 ] || dump_logs "$work/c"
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

api_of() { echo "http://$(cat "$work/c/node$1/rpc")/api/v0"; }
id_of() { sed 's|.*/p2p/||' "$work/c/node$1/multiaddr"; }
peers_of() { curl -s -X POST "$1/swarm/peers" | grep -o '"Peer":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' '; }
# wait_for DESCRIPTION COMMAND...: polls COMMAND (up to 60 s); prints how long it took.
wait_for() {
  local what=$1; shift
  local start=$SECONDS
  for _ in $(seq 1 600); do
    if "$@"; then ok "$what (after ~$((SECONDS - start)) s)"; return 0; fi
    sleep 0.1
  done
  bad "$what (still not true after 60 s)"
  return 1
}
sees() { # node-api peer-id...: the node has exactly these peers
  local want; want=$(printf '%s\n' "${@:2}" | sort | tr '\n' ' ')
  [ "$(peers_of "$1")" = "$want" ]
}

"$cluster" start 3 "$work/c" --chain -- --fault-injection 1
A=$(id_of 0); B=$(id_of 1); C=$(id_of 2)
apiA=$(api_of 0); apiB=$(api_of 1); apiC=$(api_of 2)

wait_for "A sees B and C" sees "$apiA" "$B" "$C"
wait_for "B sees A and C" sees "$apiB" "$A" "$C"
wait_for "C (bootstrapped only to B) learned A by peer exchange" sees "$apiC" "$A" "$B"
if grep -q "(TLS)" "$work/c/node0/log"; then ok "the peer endpoint uses TLS"; else bad "no TLS endpoint in A's log"; fi
addrs=$(curl -s -X POST "$apiA/id")
if echo "$addrs" | grep -q "\"$(cat "$work/c/node0/multiaddr")\""; then ok "id shows the real peer address"; else bad "id Addresses: $addrs"; fi
out=$("$build/mantle" --api "$(cat "$work/c/node1/rpc")" peers)
if echo "$out" | grep -q "$A" && echo "$out" | grep -q "$C"; then ok "mantle peers lists both peers"; else bad "mantle peers: $out"; fi

"$cluster" kill "$work/c" 0
wait_for "B notices that A died (and keeps C)" sees "$apiB" "$C"
wait_for "C notices that A died (and keeps B)" sees "$apiC" "$B"
for _ in $(seq 1 50); do grep -q "peer down: $A" "$work/c/node1/log" && break; sleep 0.1; done
if grep -q "peer down: $A" "$work/c/node1/log"; then ok "B logged A going down"; else bad "no 'peer down' for A in B's log"; fi

"$cluster" restart "$work/c" 0 > /dev/null
wait_for "restarted A is back with B and C" sees "$apiA" "$B" "$C"
wait_for "B reconnected to A" sees "$apiB" "$A" "$C"
wait_for "C reconnected to A" sees "$apiC" "$A" "$B"

# Only B's peer actor crashes (the process lives on, so do its connections): the supervisor
# restarts it, it redials its peers and they take the new actor instead of the dead one.
curl -sf -X POST "$apiB/mantle/diag/fault?arg=peer" > /dev/null || true
restarted() { grep -q "restarted child 'peer'" "$work/c/node1/log"; }
wait_for "B's peer actor crashed and was restarted" restarted
wait_for "B's new peer actor is back with A and C" sees "$apiB" "$A" "$C"
wait_for "A took B's new peer actor" sees "$apiA" "$B" "$C"
wait_for "C took B's new peer actor" sees "$apiC" "$A" "$B"
# The sessions are real: B's new peer actor answers A's heartbeats (a stale session would be
# dropped within seconds, see heartbeat_timeout).
sleep 4
if sees "$apiA" "$B" "$C" && sees "$apiB" "$A" "$C"; then ok "the sessions with B's new peer actor stay up"
else bad "sessions after B's peer restart: A sees '$(peers_of "$apiA")', B sees '$(peers_of "$apiB")'"; fi

# A node of another network (its own one-node CA) is refused by TLS.
port=$(free_port); outsider=http://127.0.0.1:$port/api/v0
"$build/mantled" --data-dir "$work/outsider" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 \
  --peer-addr 127.0.0.1:0 > "$work/outsider.log" 2>&1 &
extra_pids+=($!)
api=$outsider wait_up || { sleep 2; api=$outsider wait_up; } || bad "outsider node did not start"
resp=$(curl -s -X POST "$outsider/swarm/connect?arg=$(cat "$work/c/node0/multiaddr")")
if echo "$resp" | grep -q '"Type":"error"' && echo "$resp" | grep -q "failure"; then ok "a node with another network CA is refused"
else bad "outsider connect: $resp"; fi
if [ -z "$(peers_of "$outsider")" ] && ! peers_of "$apiA" | grep -q "$(sed -n 's/^peer identity: //p' "$work/outsider.log")"; then
  ok "neither side lists the outsider connection"; else bad "outsider shows up in swarm/peers"; fi

# A node of the same network, asked to reach A under another node's id, refuses.
port=$(free_port); peerport=$(free_port); fresh=http://127.0.0.1:$port/api/v0
"$build/mantled" --data-dir "$work/fresh" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 \
  --peer-addr "127.0.0.1:$peerport" --peer-tls-ca "$work/c/network/ca.crt" --peer-tls-ca-key "$work/c/network/ca.key" \
  > "$work/fresh.log" 2>&1 &
extra_pids+=($!)
api=$fresh wait_up || { sleep 2; api=$fresh wait_up; } || bad "fresh node did not start"
wrong="/ip4/127.0.0.1/tcp/$(cat "$work/c/node0/multiaddr" | cut -d/ -f5)/p2p/$C"
resp=$(curl -s -X POST "$fresh/swarm/connect?arg=$wrong")
if echo "$resp" | grep -q '"Type":"error"' && echo "$resp" | grep -q "expected $C"; then ok "a wrong /p2p/ peer id is refused"
else bad "wrong-id connect: $resp"; fi
[ -z "$(peers_of "$fresh")" ] && ok "the refused node is not listed" || bad "fresh node lists peers after a refused connect"
# The right id at the address that was just refused (the same CAF connection), and on another node.
resp=$(curl -s -X POST "$fresh/swarm/connect?arg=$(cat "$work/c/node0/multiaddr")")
if echo "$resp" | grep -q "connect $A success"; then ok "the right /p2p/ id at the refused address connects"; else bad "right-id connect to A: $resp"; fi
resp=$(curl -s -X POST "$fresh/swarm/connect?arg=$(cat "$work/c/node1/multiaddr")")
if echo "$resp" | grep -q "connect $B success"; then ok "the right /p2p/ id connects (Kubo's answer)"; else bad "right-id connect: $resp"; fi
resp=$(curl -s -X POST "$fresh/swarm/connect?arg=127.0.0.1:$peerport")
if echo "$resp" | grep -q "itself"; then ok "a node does not connect to itself"; else bad "self connect: $resp"; fi
resp=$(curl -s -X POST "$fresh/swarm/connect?arg=/ip4/1.2.3.4/udp/1")
if echo "$resp" | grep -q "only tcp"; then ok "a malformed address gets a clear error"; else bad "bad address: $resp"; fi

echo "passed $pass, failed $fail"
[ "$fail" -eq 0 ]
