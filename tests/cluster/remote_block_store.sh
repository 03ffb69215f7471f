#!/usr/bin/env bash
# A node whose block store runs in another process (mantled --role block-store, reached through
# the CAF middleman on loopback) must answer exactly like a node with its own store: the same
# adds (small, ~50 MB, directories, 1 MiB chunks, a 4 MiB block), cat, get, pin ls, repo stat, CAR export and
# gateway fetches are compared byte for byte with a node that has a local store. Then the
# block-store process is killed with SIGKILL: requests fail with a clear "block store
# unavailable" error instead of hanging, the node stays up, and once the store is started again
# the node works without a restart and everything committed before is still there.
# usage: remote_block_store.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-remote.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null || true; wait $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# Distinct free ports.
ports=()
while [ ${#ports[@]} -lt 5 ]; do
  p=$(free_port)
  [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
store_port=${ports[0]}
remote_rpc=${ports[1]}; remote_gw=${ports[2]}
local_rpc=${ports[3]}; local_gw=${ports[4]}

# Waits (up to 30 s) until the block-store process has published its relay.
start_store() {
  local before
  touch "$work/store.log"
  before=$(grep -c "serving the block store on" "$work/store.log" || true)
  "$build/mantled" --role block-store --listen "127.0.0.1:$store_port" --data-dir "$work/store" \
    >> "$work/store.log" 2>&1 &
  store_pid=$!
  pids+=($store_pid)
  for _ in $(seq 1 600); do
    [ "$(grep -c 'serving the block store on' "$work/store.log" || true)" -gt "$before" ] && return 0
    kill -0 $store_pid 2>/dev/null || break
    sleep 0.05
  done
  echo "block store did not start"; cat "$work/store.log"; exit 1
}
start_node() { # name rpc-port gateway-port extra-args...
  local name=$1 rpc=$2 gw=$3; shift 3
  "$build/mantled" --data-dir "$work/$name" --rpc-addr "127.0.0.1:$rpc" --gateway-addr "127.0.0.1:$gw" --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 "$@" \
    > "$work/$name.log" 2>&1 &
  pids+=($!)
  api="http://127.0.0.1:$rpc/api/v0"
  wait_up || { echo "node $name did not start"; cat "$work/$name.log"; exit 1; }
}
R() { "$build/mantle" --api "127.0.0.1:$remote_rpc" "$@"; }
L() { "$build/mantle" --api "127.0.0.1:$local_rpc" "$@"; }
same() { # name file-a file-b
  if cmp -s "$2" "$3"; then ok "$1"; else bad "$1 ($(wc -c < "$2") vs $(wc -c < "$3") bytes)"; fi
}

# Options that would expose the unauthenticated port, or make no sense, are refused.
set +e
"$build/mantled" --role block-store --listen 0.0.0.0:$store_port --data-dir "$work/x" > "$work/refuse.log" 2>&1
rc=$?
set -e
if [ $rc -eq 2 ] && grep -q 'not a loopback address' "$work/refuse.log"; then ok "a non-loopback --listen is refused"
else bad "a non-loopback --listen is refused (rc $rc: $(cat "$work/refuse.log"))"; fi
set +e
"$build/mantled" --role block-store --data-dir "$work/x" > "$work/refuse.log" 2>&1
rc=$?
set -e
if [ $rc -eq 2 ] && grep -q 'needs --listen' "$work/refuse.log"; then ok "--role block-store without --listen is refused"
else bad "--role block-store without --listen is refused (rc $rc)"; fi

start_store
# A second block store on a port in use gives up (exit 1) with the reason, after its restarts.
set +e
timeout 120 "$build/mantled" --role block-store --listen "127.0.0.1:$store_port" --data-dir "$work/other" \
  > "$work/other.log" 2>&1
rc=$?
set -e
if [ $rc -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$store_port" "$work/other.log"; then ok "a port in use stops a second block store with a clear reason"
else bad "a port in use stops a second block store with a clear reason (rc $rc)"; fi
start_node remote "$remote_rpc" "$remote_gw" --actors.block-store.remote "127.0.0.1:$store_port" --fault-injection 1
start_node local "$local_rpc" "$local_gw"
if ! ls "$work/remote" | grep -qi lmdb; then ok "the node with a remote store opens no LMDB of its own"
else bad "the node with a remote store opens no LMDB of its own ($(ls "$work/remote"))"; fi

# The content: a small file, ~50 MB, a directory tree, a file cut into 1 MiB raw blocks.
echo "hello remote store" > "$work/small.txt"
head -c 52000000 /dev/urandom > "$work/big.bin"
mkdir -p "$work/tree/a/b" "$work/tree/c"
echo one > "$work/tree/a/one.txt"
echo two > "$work/tree/a/b/two.txt"
head -c 700000 /dev/urandom > "$work/tree/c/mid.bin"
: > "$work/tree/empty"
head -c 9000000 /dev/urandom > "$work/chunky.bin"

declare -A cids
for spec in "small:$work/small.txt" "big:$work/big.bin" "tree:-r $work/tree" "treev1:-r --cid-version 1 $work/tree" \
            "chunky:--chunker size-1048576 --raw-leaves $work/chunky.bin"; do
  name=${spec%%:*}
  args=${spec#*:}
  # shellcheck disable=SC2086
  r=$(R add -q $args | tail -1) || true
  # shellcheck disable=SC2086
  l=$(L add -q $args | tail -1) || true
  if [ -n "$r" ] && [ "$r" = "$l" ]; then ok "add $name: same CID as a local store ($r)"
  else bad "add $name: remote '$r' vs local '$l'"; fi
  cids[$name]=$r
done

R cat "${cids[small]}" > "$work/r_small"
same "cat of a small file" "$work/r_small" "$work/small.txt"
R cat "${cids[big]}" > "$work/r_big"
same "cat of 50 MB" "$work/r_big" "$work/big.bin"
R cat "${cids[chunky]}" > "$work/r_chunky"
same "cat of a file made of 1 MiB blocks" "$work/r_chunky" "$work/chunky.bin"
R get -o "$work/r_tree" "${cids[tree]}" > /dev/null
if diff -r "$work/r_tree" "$work/tree" > /dev/null; then ok "get of a directory tree"; else bad "get of a directory tree"; fi

# A single 4 MiB block travels in one message each way.
head -c 4194304 /dev/urandom > "$work/block4m"
rb=$(curl -sf -X POST -F "file=@$work/block4m" "http://127.0.0.1:$remote_rpc/api/v0/block/put?allow-big-block=true" | sed 's/.*"Key":"\([^"]*\)".*/\1/')
lb=$(curl -sf -X POST -F "file=@$work/block4m" "http://127.0.0.1:$local_rpc/api/v0/block/put?allow-big-block=true" | sed 's/.*"Key":"\([^"]*\)".*/\1/')
if [ -n "$rb" ] && [ "$rb" = "$lb" ]; then ok "block put of 4 MiB: same CID"; else bad "block put of 4 MiB: '$rb' vs '$lb'"; fi
R block get "$rb" > "$work/r_block4m"
same "block get of 4 MiB" "$work/r_block4m" "$work/block4m"

R pin ls | sort > "$work/r_pins"
L pin ls | sort > "$work/l_pins"
same "pin ls lists the same pins" "$work/r_pins" "$work/l_pins"
R repo stat | grep -E 'NumObjects|RepoSize' > "$work/r_stat"
L repo stat | grep -E 'NumObjects|RepoSize' > "$work/l_stat"
same "repo stat counts the same objects and bytes" "$work/r_stat" "$work/l_stat"
R dag export "${cids[treev1]}" > "$work/r_car"
L dag export "${cids[treev1]}" > "$work/l_car"
same "dag export writes the same CAR" "$work/r_car" "$work/l_car"

# The gateway: files, listings, trustless formats, ranges.
rgw="http://127.0.0.1:$remote_gw"
lgw="http://127.0.0.1:$local_gw"
for path in "ipfs/${cids[big]}" "ipfs/${cids[tree]}/a/b/two.txt" "ipfs/${cids[tree]}/" "ipfs/${cids[treev1]}/c/mid.bin" \
            "ipfs/${cids[treev1]}?format=car" "ipfs/${cids[chunky]}?format=raw"; do
  curl -sf "$rgw/$path" > "$work/r_gw" || true
  curl -sf "$lgw/$path" > "$work/l_gw" || true
  if [ -s "$work/r_gw" ] && cmp -s "$work/r_gw" "$work/l_gw"; then ok "gateway /$path: same bytes"
  else bad "gateway /$path: $(wc -c < "$work/r_gw") vs $(wc -c < "$work/l_gw") bytes"; fi
done
curl -sf -H 'Range: bytes=30000000-30999999' "$rgw/ipfs/${cids[big]}" > "$work/r_range"
dd if="$work/big.bin" bs=1000000 skip=30 count=1 status=none > "$work/want_range"
same "gateway range in the middle of 50 MB" "$work/r_range" "$work/want_range"

# A crash of the remote block-store actor is handled by the block-store process's supervisor;
# the published relay stays, so the node keeps working.
curl -sf -X POST "http://127.0.0.1:$remote_rpc/api/v0/mantle/diag/fault?arg=blocks" > /dev/null || true
recovered=0
for _ in $(seq 1 200); do
  if R cat "${cids[small]}" 2>/dev/null | cmp -s - "$work/small.txt"; then recovered=1; break; fi
  sleep 0.05
done
for _ in $(seq 1 50); do grep -q "restart" "$work/store.log" && break; sleep 0.1; done # logged just after the new actor is up
if [ $recovered = 1 ] && grep -q "restart" "$work/store.log"; then ok "a crash inside the block-store process is restarted there"
else bad "a crash inside the block-store process is restarted there"; fi

pins_before=$(R pin ls | sort)
stat_before=$(R repo stat | grep -E 'NumObjects|RepoSize')

# SIGKILL the block-store process. Requests must end with a clear error (the 30 s cap only
# turns a hang into a failure; the proxy answers as soon as it knows the store is gone).
# A 50 MB cat is under way when it dies: it ends (an error, or complete if it was faster).
timeout 60 "$build/mantle" --api "127.0.0.1:$remote_rpc" cat "${cids[big]}" > "$work/mid_out" 2> "$work/mid_err" &
mid_pid=$!
sleep 0.2
kill -9 "$store_pid"
wait "$store_pid" 2>/dev/null || true
set +e
wait $mid_pid
rc=$?
set -e
if [ $rc -eq 1 ] && [ -s "$work/mid_err" ]; then ok "a cat in progress when the store dies ends with an error ($(head -c 100 "$work/mid_err"))"
elif [ $rc -eq 0 ] && cmp -s "$work/mid_out" "$work/big.bin"; then ok "a cat in progress when the store dies ends (it had finished)"
else bad "a cat in progress when the store dies ends (rc $rc, $(head -c 200 "$work/mid_err"))"; fi
set +e
timeout 30 "$build/mantle" --api "127.0.0.1:$remote_rpc" cat "${cids[small]}" > "$work/down_out" 2> "$work/down_err"
rc=$?
set -e
if [ $rc -eq 1 ] && grep -q "block store unavailable" "$work/down_err"; then ok "cat with the store down: clear error ($(head -c 120 "$work/down_err"))"
else bad "cat with the store down: rc $rc, $(cat "$work/down_err")"; fi
set +e
timeout 30 "$build/mantle" --api "127.0.0.1:$remote_rpc" add -q "$work/small.txt" > /dev/null 2> "$work/down_err"
rc=$?
set -e
if [ $rc -eq 1 ] && grep -q "block store unavailable" "$work/down_err"; then ok "add with the store down: clear error"
else bad "add with the store down: rc $rc, $(cat "$work/down_err")"; fi
code=$(curl -s -m 30 -o "$work/down_body" -w '%{http_code}' "$rgw/ipfs/${cids[big]}" || true)
if [ "${code:0:1}" = 5 ]; then ok "gateway with the store down: $code"; else bad "gateway with the store down: $code"; fi
if curl -sf -X POST "http://127.0.0.1:$remote_rpc/api/v0/id" > /dev/null; then ok "the node stays up while its store is down"
else bad "the node stays up while its store is down"; fi
if grep -q "unreachable" "$work/remote.log"; then ok "the node logs that the store is unreachable"
else bad "the node logs that the store is unreachable"; fi

# Start it again: the proxy reconnects by itself (backoff at most 5 s).
start_store
back=0
for _ in $(seq 1 600); do
  if R cat "${cids[small]}" 2>/dev/null | cmp -s - "$work/small.txt"; then back=1; break; fi
  sleep 0.05
done
if [ $back = 1 ]; then ok "the node works again once the store is back, without a restart"
else bad "the node works again once the store is back"; fi
R cat "${cids[big]}" > "$work/r_big2"
same "50 MB committed before the crash is still there" "$work/r_big2" "$work/big.bin"
if [ "$(R pin ls | sort)" = "$pins_before" ]; then ok "pins survive the crash"; else bad "pins survive the crash"; fi
if [ "$(R repo stat | grep -E 'NumObjects|RepoSize')" = "$stat_before" ]; then ok "repo stat is unchanged by the crash"
else bad "repo stat is unchanged by the crash"; fi
n=$(R add -q "$work/tree/a/one.txt" | tail -1)
if [ -n "$n" ] && R cat "$n" | cmp -s - "$work/tree/a/one.txt"; then ok "adds work again"; else bad "adds work again"; fi

# Clean stop of both processes.
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" || true; done
clean=1
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then wait "$pid" || clean=0; fi
done
if [ $clean = 1 ] && grep -q "stopped cleanly" "$work/store.log"; then ok "SIGTERM stops the store and the nodes cleanly"
else bad "SIGTERM stops the store and the nodes cleanly"; fi
pids=()

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
