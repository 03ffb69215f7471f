#!/usr/bin/env bash
# Browser test of the node dashboard: a real mantled (dev chain on, fault injection on) with a
# few files, pins and an order, and Debian's headless Chromium driven by playwright-core
# (dashboard_test.mjs) checking that the page shows what the API answers; then a node with
# --chain off, whose chain sections must say so without an error banner.
#   tests/dashboard/run.sh BUILD_DIR
# Installs the pinned playwright-core (package-lock.json) into tests/dashboard/node_modules when
# it is missing, from npm's cache when it has it. Screenshots: BUILD_DIR/dashboard.png and
# BUILD_DIR/dashboard-chain-off.png (also in the work dir, kept with KEEP=1).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../cluster/lib.sh"
mantled="$build/mantled"
chromium=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm curl python3; do
  command -v "$tool" >/dev/null || { echo "dashboard test: $tool is not installed (scripts/install-deps.sh --with-test-tools)"; exit 1; }
done
[ -x "$chromium" ] || { echo "dashboard test: $chromium is missing (scripts/install-deps.sh --with-test-tools installs Debian's chromium)"; exit 1; }

# playwright-core, exactly the locked version; reinstalled only when absent or different.
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packages"]["node_modules/playwright-core"]["version"])' "$here/package-lock.json")
have=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$here/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
fi

work=$(mktemp -d /tmp/mantle-dashboard.XXXXXX)
pid=""; pid2=""
cleanup() {
  # A clean stop (SIGTERM), SIGKILL only for a node that does not stop within 5 s.
  for p in $pid $pid2; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for p in $pid $pid2; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in $pid $pid2; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Options every test node gets; --console-addr only where this build has it. Both nodes are
# of one network (one CA), so they connect and exchange blocks: peers and credit are not empty.
"$build/mantle" tls init-network "$work/network" > /dev/null
common=(--gateway-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0
        --peer-tls-ca "$work/network/ca.crt" --peer-tls-ca-key "$work/network/ca.key")
"$mantled" --help > "$work/help.txt" 2>&1 || true
declare -f start_mantled > "$work/start_mantled.txt"
if grep -q -- "--console-addr" "$work/help.txt" && ! grep -q -- "--console-addr" "$work/start_mantled.txt"; then
  common+=(--console-addr 127.0.0.1:0) # (lib.sh's start_mantled passes it itself where it knows it)
fi

port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
start_mantled --data-dir "$work/node" --rpc-addr "127.0.0.1:$port" "${common[@]}" \
  --fault-injection 1 --reserve-bytes 2MiB
node_pid=$pid

# Content: two recursively pinned files (one with a storage order), one direct pin.
head -c 300000 /dev/urandom > "$work/big.bin"
echo "dashboard test $(date +%s%N)" > "$work/small.txt"
echo "direct pin $(date +%s%N)" > "$work/direct.txt"
add() { curl -sf -X POST -F "file=@$1" "${3:-$api}/add$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])'; }
big=$(add "$work/big.bin" "")
small=$(add "$work/small.txt" "")
direct=$(add "$work/direct.txt" "?pin=false")
curl -sf -X POST "$api/pin/add?arg=$direct&recursive=false" > /dev/null
curl -sf -X POST "$api/mantle/order/place?arg=$small" > "$work/order.json" || { echo "order/place failed"; cat "$work/order.json"; tail -20 "$work/node.log"; exit 1; }

# The --chain off node, for the degraded view, connected to the first one; the first reads a
# file only it has.
main_addr=$(curl -sf -X POST "$api/id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Addresses"][0])')
port2=$(free_port)
api2="http://127.0.0.1:$port2/api/v0"
saved_api=$api; api=$api2
start_mantled --data-dir "$work/node-off" --rpc-addr "127.0.0.1:$port2" "${common[@]}" --chain off \
  --bootstrap "$main_addr" --trusted-peers '*'
pid2=$pid
api=$saved_api; pid=$node_pid
head -c 100000 /dev/urandom > "$work/off.bin"
off_cid=$(add "$work/off.bin" "" "$api2")
off_id=$(curl -sf -X POST "$api2/id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
for _ in $(seq 1 300); do
  curl -sf -X POST "$api/swarm/peers" > "$work/peers.json" || true
  grep -q "$off_id" "$work/peers.json" && break
  sleep 0.1
done
grep -q "$off_id" "$work/peers.json" || { echo "the two nodes did not connect"; tail -20 "$work/node.log"; exit 1; }
curl -sf -X POST "$api/cat?arg=$off_cid" > "$work/off.back" || { echo "cat through the peer failed"; tail -20 "$work/node.log"; exit 1; }
cmp -s "$work/off.bin" "$work/off.back" || { echo "the file read through the peer differs"; exit 1; }

status=0
node "$here/dashboard_test.mjs" \
  --url "http://127.0.0.1:$port/dashboard" \
  --chain-off-url "http://127.0.0.1:$port2/dashboard" \
  --node-pid "$node_pid" \
  --ordered "$small" \
  --peer "$off_id" \
  --chromium "$chromium" \
  --assets "$here/../../net/dashboard" \
  --screenshot "$work/dashboard.png" --screenshot-copy "$build/dashboard.png" \
  --screenshot-off "$work/dashboard-chain-off.png" --screenshot-off-copy "$build/dashboard-chain-off.png" \
  --screenshot-down "$work/dashboard-down.png" \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- last lines of the node's log"
  tail -30 "$work/node.log"
fi
exit "$status"
