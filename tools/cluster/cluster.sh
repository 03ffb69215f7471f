#!/usr/bin/env bash
# A local Mantle network in one command: N nodes as separate processes, each with its own data
# directory and free loopback ports (RPC, gateway, peer), one shared network CA (TLS between
# nodes), each node bootstrapping to the nodes started before it.
#
# usage:
#   cluster.sh start N DIR [--chain] [--validators] [-- extra mantled options]   (e.g. -- --trusted-peers '*'
#       for nodes that serve each other without credit limits)
#       --chain: node i bootstraps only to node i-1 (the others are found by peer exchange);
#       default: node i bootstraps to every node before it.
#       --validators: one chain whose genesis (DIR/genesis.json, 1 s blocks) has every node as a
#       validator, each owned by its keystore account "default" (funded with 1000000 tokens);
#       without it each node runs its own single-validator dev chain.
#   cluster.sh status DIR            the table of nodes (also printed by start)
#   cluster.sh kill DIR I            SIGKILL node I (crash drill)
#   cluster.sh restart DIR I         start node I again with the same data dir, ports and options
#   cluster.sh stop DIR              SIGTERM every node, wait for them to exit
# Binaries: $MANTLE_BIN_DIR (default: the build/ directory next to tools/), holding mantled and mantle.
# DIR/nodes has one line per node: index rpc-api gateway peer-multiaddr pid
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MANTLE_BIN_DIR:-$here/../../build}

die() { echo "cluster: $*" >&2; exit 1; }

# Running and not a zombie (a killed node may stay a zombie when nothing reaps it).
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $s != Z* ]]; }

free_port() {
  # Below the kernel's ephemeral range: a port in it may be the local end of some outgoing
  # connection, which the probe below cannot see and which makes the node's bind() fail.
  local ephemeral_low=32768
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r ephemeral_low _ < /proc/sys/net/ipv4/ip_local_port_range
  [ "$ephemeral_low" -gt 12000 ] || ephemeral_low=32768
  local p
  for _ in $(seq 1 100); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  die "no free port found"
}

# Starts node $1 from DIR/node$1/args (one option per line); waits for its RPC and peer endpoint.
# With a third argument "retry", a node that exits because one of its ports was taken meanwhile
# (free_port only probes; another program may bind the port first) makes launch return 2.
launch() {
  local dir=$1 i=$2 nd=$1/node$2 mode=${3:-}
  local args=()
  mapfile -t args < "$nd/args"
  local mark=0; [ -f "$nd/log" ] && mark=$(wc -l < "$nd/log")
  "$bin/mantled" "${args[@]}" >> "$nd/log" 2>&1 &
  echo $! > "$nd/pid"
  local rpc; rpc=$(cat "$nd/rpc")
  for _ in $(seq 1 400); do
    if ! alive "$(cat "$nd/pid")"; then
      if [ "$mode" = retry ] && tail -n +"$((mark + 1))" "$nd/log" | grep -q "already in use"; then
        return 2
      fi
      tail -20 "$nd/log" >&2
      die "node $i exited during start (log: $nd/log)"
    fi
    if curl -sf -X POST "http://$rpc/api/v0/id" > /dev/null 2>&1 && grep -q "peer endpoint listening" "$nd/log"; then
      return 0
    fi
    sleep 0.05
  done
  die "node $i did not come up within 20 s (log: $nd/log)"
}

row() { # index
  local dir=$1 i=$2 nd=$1/node$2
  echo "$i http://$(cat "$nd/rpc")/api/v0 http://$(cat "$nd/gateway") $(cat "$nd/multiaddr") $(cat "$nd/pid")"
}

table() {
  local dir=$1
  : > "$dir/nodes"
  for nd in $(ls -d "$dir"/node[0-9]* 2>/dev/null | sort -V); do
    row "$dir" "${nd##*/node}" >> "$dir/nodes"
  done
  { echo "# index rpc-api gateway peer pid"; cat "$dir/nodes"; } | column -t
}

# Keys for every node (its data dir as mantled will use it) and one genesis naming them all.
make_genesis() {
  local n=$1 dir=$2 specs=()
  for i in $(seq 0 $((n - 1))); do
    local line node owner
    line=$("$bin/mantle" chain keygen "$dir/node$i/data" 2> /dev/null) || die "keygen for node $i failed"
    node=$(sed -n 's/.*node_key=\([0-9a-f]*\).*/\1/p' <<< "$line")
    owner=$(sed -n 's/.*owner=\([0-9a-f]*\).*/\1/p' <<< "$line")
    specs+=(--validator "$node:$owner" --account "$owner:1000000")
  done
  # MANTLE_CLUSTER_ERA_BLOCKS shortens eras for drills that wait for an election.
  "$bin/mantle" chain genesis --chain-id mantle-cluster --block-time 1s --slot-blocks 10 \
    --era-blocks "${MANTLE_CLUSTER_ERA_BLOCKS:-60}" \
    --unbonding-blocks 120 "${specs[@]}" > "$dir/genesis.json" || die "genesis failed"
  # MANTLE_CLUSTER_PARAMS="name=value,..." overrides chain params (e.g. block_time_ms=500,
  # max_replicas=2 for market drills); MANTLE_CLUSTER_STORAGE_POWER sets every validator's
  # genesis storage power in bytes (work reports replace it once the node proves storage).
  if [ -n "${MANTLE_CLUSTER_PARAMS:-}${MANTLE_CLUSTER_STORAGE_POWER:-}" ]; then
    python3 - "$dir/genesis.json" "${MANTLE_CLUSTER_PARAMS:-}" "${MANTLE_CLUSTER_STORAGE_POWER:-}" <<'PY' || die "bad MANTLE_CLUSTER_PARAMS or MANTLE_CLUSTER_STORAGE_POWER"
import json, sys
path, params, power = sys.argv[1], sys.argv[2], sys.argv[3]
g = json.load(open(path))
for item in filter(None, params.split(",")):
    name, value = item.split("=", 1)
    if name not in g["params"]:
        sys.exit("cluster: unknown chain param " + name)
    g["params"][name] = int(value)
if power:
    for v in g["validators"]:
        v["storage_power"] = int(power)
json.dump(g, open(path, "w"), indent=2)
PY
  fi
}

cmd_start() {
  local n=${1:?N} dir=${2:?DIR}; shift 2
  local chain=0 validators=0 extra=()
  while [ $# -gt 0 ]; do
    case $1 in
      --chain) chain=1; shift ;;
      --validators) validators=1; shift ;;
      --) shift; extra=("$@"); break ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number"
  [ -x "$bin/mantled" ] || die "no mantled in $bin (set MANTLE_BIN_DIR)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  ls -d "$dir"/node[0-9]* > /dev/null 2>&1 && die "$dir already holds a cluster (stop it and remove the directory first)"
  [ -f "$dir/network/ca.crt" ] || "$bin/mantle" tls init-network "$dir/network" > /dev/null
  if [ $validators = 1 ]; then make_genesis "$n" "$dir"; fi
  local addrs=()
  for i in $(seq 0 $((n - 1))); do
    local nd=$dir/node$i rpc gw peer attempt started=0
    mkdir -p "$nd"
    for attempt in 1 2 3 4 5; do
      rpc=$(free_port); gw=$(free_port); peer=$(free_port)
      [ "$rpc" != "$gw" ] && [ "$gw" != "$peer" ] && [ "$rpc" != "$peer" ] || continue
      echo "127.0.0.1:$rpc" > "$nd/rpc"
      echo "127.0.0.1:$gw" > "$nd/gateway"
      {
        printf '%s\n' --data-dir "$nd/data" --rpc-addr "127.0.0.1:$rpc" --gateway-addr "127.0.0.1:$gw" --console-addr 127.0.0.1:0 \
          --peer-addr "127.0.0.1:$peer" --peer-tls-ca "$dir/network/ca.crt" --peer-tls-ca-key "$dir/network/ca.key"
        if [ ${#addrs[@]} -gt 0 ]; then
          if [ $chain = 1 ]; then printf '%s\n' --bootstrap "${addrs[-1]}"
          else for a in "${addrs[@]}"; do printf '%s\n' --bootstrap "$a"; done; fi
        fi
        if [ $validators = 1 ]; then printf '%s\n' --genesis "$dir/genesis.json"; fi
        [ ${#extra[@]} -gt 0 ] && printf '%s\n' "${extra[@]}"
      } > "$nd/args"
      local rc=0
      launch "$dir" "$i" retry || rc=$?
      if [ $rc -eq 0 ]; then started=1; break; fi
      echo "cluster: node $i: a port was taken meanwhile, trying other ports" >&2
    done
    [ $started = 1 ] || die "node $i could not start on free ports (log: $nd/log)"
    local id; id=$(sed -n 's/^peer identity: //p' "$nd/log" | tail -1)
    echo "/ip4/127.0.0.1/tcp/$peer/p2p/$id" > "$nd/multiaddr"
    addrs+=("$(cat "$nd/multiaddr")")
  done
  table "$dir"
}

cmd_kill() {
  local dir=${1:?DIR} i=${2:?I}
  local p; p=$(cat "$dir/node$i/pid")
  kill -9 "$p" 2>/dev/null || true
  for _ in $(seq 1 200); do alive "$p" || return 0; sleep 0.05; done
  die "node $i (pid $p) did not die"
}

cmd_restart() {
  local dir=${1:?DIR} i=${2:?I}
  [ -f "$dir/node$i/args" ] || die "no node $i in $dir"
  if alive "$(cat "$dir/node$i/pid")"; then die "node $i is running"; fi
  launch "$dir" "$i"
  table "$dir" > /dev/null
  row "$dir" "$i"
}

cmd_stop() {
  local dir=${1:?DIR} pids=()
  for f in "$dir"/node[0-9]*/pid; do
    [ -f "$f" ] || continue
    local p; p=$(cat "$f")
    kill -TERM "$p" 2>/dev/null && pids+=("$p") || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 300); do alive "$p" || break; sleep 0.05; done
    kill -9 "$p" 2>/dev/null || true
  done
  echo "stopped ${#pids[@]} node(s)"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  status) [ -d "${2:?DIR}" ] || die "no cluster in $2"; table "$2" ;;
  kill) shift; cmd_kill "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
