#!/usr/bin/env bash
# Bad input through the Kubo RPC API gets a clear error and never crashes the node or leaves
# anything half-stored: malformed CIDs, missing blocks, wrong methods, foreign origins, broken
# multipart, corrupt CARs, oversized blocks, a full store, a client that hangs up mid-upload.
# usage: rpc_bad_input.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-badinput.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
start_node() { # $1 = name, rest = extra args; sets api
  local port; port=$(free_port)
  "$build/mantled" --data-dir "$work/$1" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 "${@:2}" > "$work/$1.log" 2>&1 &
  pids+=($!)
  api="http://127.0.0.1:$port/api/v0"
  wait_up && return 0
  echo "node $1 did not start"; cat "$work/$1.log"; exit 1
}
# expect STATUS BODY-SUBSTRING NAME -- curl args...
expect() {
  local want=$1 text=$2 name=$3; shift 4
  local code
  code=$(curl -s -o "$work/body" -w '%{http_code}' "$@" || true)
  if [ "$code" = "$want" ] && grep -q -- "$text" "$work/body"; then ok "$name"
  else bad "$name (status $code, body: $(head -c 300 "$work/body"))"; fi
}

start_node main
expect 400 '"Type":"error"' "malformed CID is a 400 with Kubo's error body" -- -X POST "$api/cat?arg=bafyNOTACID"
expect 400 'base32' "the message names what is wrong" -- -X POST "$api/cat?arg=bafyNOTACID"
expect 500 'not in the store' "a missing block is a clear error" -- -X POST "$api/cat?arg=bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
expect 400 'required' "a missing argument is a 400" -- -X POST "$api/cat"
expect 405 'Method Not Allowed' "GET on the RPC API is refused" -- "$api/id"
expect 404 '404' "an unknown command is a 404" -- -X POST "$api/no/such/command"
expect 403 'Forbidden' "a foreign browser origin cannot write" -- -X POST -H "Origin: http://evil.example" -F "file=@/etc/hostname" "$api/add"
expect 400 'multipart' "a body that is not multipart is refused" -- -X POST -H "Content-Type: text/plain" --data-binary "hello" "$api/add"
printf -- '--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\ntruncated' > "$work/trunc"
expect 400 'ended' "a truncated multipart body is refused" -- -X POST -H "Content-Type: multipart/form-data; boundary=b" --data-binary "@$work/trunc" "$api/add"
head -c 1100000 /dev/urandom > "$work/big.bin"
expect 400 'over 1MiB' "block/put refuses a block over 1 MiB" -- -X POST -F "file=@$work/big.bin" "$api/block/put"
expect 400 'dag-pb' "block/put refuses bytes that are not dag-pb when asked for dag-pb" -- -X POST -F "file=@/etc/hostname" "$api/block/put?cid-codec=dag-pb"
expect 400 'unsupported' "an unsupported chunker is refused" -- -X POST -F "file=@/etc/hostname" "$api/add?chunker=rabin"
expect 400 'trickle' "the trickle layout is refused" -- -X POST -F "file=@/etc/hostname" "$api/add?trickle=true"
expect 400 'cid-version' "cid-version=7 is refused" -- -X POST -F "file=@/etc/hostname" "$api/add?cid-version=7"

# A CAR whose block does not match its CID: refused, nothing pinned.
head -c 5000 /dev/urandom > "$work/f"
root=$(curl -sf -X POST -F "file=@$work/f" "$api/add?cid-version=1&pin=false" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])')
curl -sf -X POST "$api/dag/export?arg=$root" -o "$work/good.car"
python3 - "$work/good.car" "$work/bad.car" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
data[-1] ^= 0xff  # flip a byte of the last block's data
open(sys.argv[2], 'wb').write(data)
PY
curl -sf -X POST "$api/repo/gc" > /dev/null
expect 500 'does not match its hash' "dag/import rejects a block that does not match its CID" -- -X POST -F "file=@$work/bad.car" "$api/dag/import"
if curl -s -X POST "$api/pin/ls?type=recursive" | grep -q "$root"; then bad "a corrupt CAR's root got pinned"; else ok "a corrupt CAR's root is not pinned"; fi
expect 200 "$root" "the good CAR imports and pins its root" -- -X POST -F "file=@$work/good.car" "$api/dag/import"
printf 'garbage that is no CAR' > "$work/junk.car"
expect 400 'CAR' "dag/import rejects garbage" -- -X POST -F "file=@$work/junk.car" "$api/dag/import"

# A client that hangs up in the middle of an upload leaves the node serving.
head -c 50000000 /dev/urandom > "$work/mid"
timeout 0.3 curl -s -X POST --limit-rate 20M -F "file=@$work/mid" "$api/add" > /dev/null 2>&1 || true
expect 200 '"ID"' "the node still answers after a client hung up mid-upload" -- -X POST "$api/id"

# A full store: a clear error, then the node keeps working and nothing half-added is pinned.
start_node small --storage-max 8MiB
head -c 20000000 /dev/urandom > "$work/too-big"
expect 500 'storage-max' "an add larger than the store is a clear error naming --storage-max" -- -X POST -F "file=@$work/too-big" "$api/add"
expect 200 '"Hash"' "after a full-store error a small add still works" -- -X POST -F "file=@/etc/hostname" "$api/add"
keys=$(curl -s -X POST "$api/pin/ls?type=recursive" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Keys"]))')
[ "$keys" = 1 ] && ok "only the completed add is pinned" || bad "expected 1 pinned root, got $keys"

for p in "${pids[@]}"; do kill -TERM $p; done
for p in "${pids[@]}"; do wait $p || bad "mantled exited with $? on SIGTERM"; done
pids=()
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
