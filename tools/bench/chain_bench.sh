#!/usr/bin/env bash
# The chain benchmark of issue #5 in one command (builds nothing): 4 validators (separate
# mantled processes on loopback, free ports, one network CA, each bootstrapping to the ones
# started before it) from a bench genesis; once they finalize blocks, bench_chain run submits
# M pre-signed transfers and then times single transactions. Prints bench_chain's JSON:
# finalized tx/s, the single-core Ed25519 verify rate of the same run and their ratio, blocks
# used, single-tx time to finality (median, p99). Stops the nodes at the end.
# usage: tools/bench/chain_bench.sh [build_dir=build] [M=50000] [block_time_ms=200] [senders=2000]
#        [batch=128] [singles=50]
#        CHAIN_BENCH_KEEP=1 keeps the work directory (node logs) and prints its path.
#        CHAIN_BENCH_NODES=N runs N validators instead of 4.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
m=${2:-50000}
block_ms=${3:-200}
senders=${4:-2000}
batch=${5:-128}
singles=${6:-50}
nodes=${CHAIN_BENCH_NODES:-4}
for b in mantled mantle bench_chain; do
  [ -x "$build/$b" ] || { echo "chain_bench: no $b in $build (build it first)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/mantle-chain-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "${CHAIN_BENCH_KEEP:-0}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  echo "chain_bench: no free port" >&2
  exit 1
}

"$build/bench_chain" setup "$work" "$nodes" "$senders" "$block_ms" >&2
"$build/mantle" tls init-network "$work/network" > /dev/null

rpcs=()
peers=()
for i in $(seq 0 $((nodes - 1))); do
  nd=$work/node$i
  rpc=127.0.0.1:$(free_port)
  peer=$(free_port)
  args=(--data-dir "$nd" --rpc-addr "$rpc" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr "127.0.0.1:$peer"
        --peer-tls-ca "$work/network/ca.crt" --peer-tls-ca-key "$work/network/ca.key"
        --genesis "$work/genesis.json" ${CHAIN_BENCH_MANTLED_ARGS:-})
  for a in "${peers[@]}"; do args+=(--bootstrap "$a"); done
  "$build/mantled" "${args[@]}" > "$nd/log" 2>&1 &
  pids+=($!)
  up=0
  for _ in $(seq 1 200); do
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -20 "$nd/log" >&2; echo "chain_bench: node $i died" >&2; exit 1; }
    if curl -sf -X POST "http://$rpc/api/v0/id" > /dev/null 2>&1 && grep -q "peer endpoint listening" "$nd/log"; then
      up=1
      break
    fi
    sleep 0.1
  done
  [ $up = 1 ] || { tail -20 "$nd/log" >&2; echo "chain_bench: node $i did not come up" >&2; exit 1; }
  id=$(sed -n 's/^peer identity: //p' "$nd/log" | tail -1)
  peers+=("/ip4/127.0.0.1/tcp/$peer/p2p/$id")
  rpcs+=("$rpc")
done

# Blocks finalize once enough validators see each other.
height=0
for _ in $(seq 1 300); do
  curl -sf -X POST "http://${rpcs[0]}/api/v0/mantle/chain/head" > "$work/head.json" 2>/dev/null || true
  height=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("height", 0))' "$work/head.json" 2>/dev/null || echo 0)
  [ "$height" -ge 2 ] && break
  sleep 0.1
done
[ "$height" -ge 2 ] || { echo "chain_bench: no blocks finalized within 30 s" >&2; tail -20 "$work/node0/log" >&2; exit 1; }
echo "chain_bench: $nodes validators up, height $height" >&2

# CPU seconds (user + system) the nodes used so far, from /proc.
node_cpu() {
  local t=0 p
  for p in "${pids[@]}"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  python3 -c "import os,sys; print(f'{int(sys.argv[1]) / os.sysconf(\"SC_CLK_TCK\"):.2f}')" "$t"
}
idle=${CHAIN_BENCH_IDLE_S:-5}
c0=$(node_cpu); sleep "$idle"; c1=$(node_cpu)
echo "chain_bench: idle nodes used $(python3 -c "print(f'{($c1 - $c0) / $idle:.2f}')") CPU cores (all $nodes together, empty blocks)" >&2
IFS=,
"$build/bench_chain" run "$work" "${rpcs[*]}" "$m" "$batch" "$singles" > "$work/result.json"
unset IFS
c2=$(node_cpu)
# CPU cost per tx, independent of how much of the machine other processes took: the nodes' CPU
# time over the run (load and single txs) against what verifying each tx once per node costs.
python3 - "$work/result.json" "$c1" "$c2" "$nodes" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
cpu = float(sys.argv[3]) - float(sys.argv[2])
n = int(sys.argv[4])
txs = r["finalized"] + r["single_tx_finality_ms"]["n"]
r["cores"] = os.cpu_count()
r["node_cpu_seconds"] = round(cpu, 2)
r["node_cpu_us_per_tx"] = round(cpu / txs * 1e6)
r["verify_cpu_us_per_tx"] = round(n / r["verify_per_cpu_s"] * 1e6)  # one verify per node
r["tx_per_node_cpu_s"] = round(txs / cpu)
r["bound_tx_per_s"] = round(r["cores"] * r["verify_per_s"] / n)  # every core verifying, nothing else
print(json.dumps(r))
PY
