#!/usr/bin/env bash
# The credit ledger between real nodes (TLS, separate processes), none trusting the server:
# - S serves files; F only downloads; G also serves S (it gave S an 8 MB file first);
# - with --credit-unit 256KiB, F is refused by S after a few blocks (S counts refusals for F in
#   mantle/credit/ls and its ratio for F climbs): S answers not_now, F asks again after a
#   backoff, and its fetch of a 4 MB file times out naming S's ledger as the reason;
# - G, whose debt at S stays low because S received from it, is served a 4 MB file in full.
# The ledger's draw is random: F's chance after n blocks is 1 - 1/(1 + e^(6 - 3n)) (n = 4:
# 0.25%), G's stays above 98% per block, and each fetch gets three attempts, so the outcome
# does not depend on luck in any practical sense. No step asserts a duration.
# usage: freerider.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mantle-freerider.XXXXXX)
cluster=$src/tools/cluster/cluster.sh
export MANTLE_BIN_DIR=$build
g_pid=0
cleanup() {
  "$cluster" stop "$work/c" > /dev/null 2>&1 || true
  [ "${fail:-0}" -eq 0 ] || { dump_logs "$work/c"; tail -40 "$work/g.log"; }
  if [ "$g_pid" -ne 0 ]; then kill "$g_pid" 2>/dev/null || true; wait "$g_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

unit=262144
api_of() { echo "http://$(cat "$work/c/node$1/rpc")/api/v0"; }
id_of() { sed 's|.*/p2p/||' "$work/c/node$1/multiaddr"; }
peer_count() { curl -s -X POST "$1/swarm/peers" > "$work/peers.json"; grep -o '"Peer":"' "$work/peers.json" | wc -l; }
# ledger API PEER FIELD: one field of mantle/credit/ls for PEER (0 when PEER is not listed).
ledger() {
  curl -sf -X POST "$1/mantle/credit/ls" > "$work/ledger.json"
  python3 -c 'import json,sys
d = [p for p in json.load(open(sys.argv[1]))["Peers"] if p["Peer"] == sys.argv[2]]
print(d[0][sys.argv[3]] if d else 0)' "$work/ledger.json" "$2" "$3"
}
wait_for() {
  local what=$1; shift
  for _ in $(seq 1 1200); do
    if "$@"; then ok "$what"; return 0; fi
    sleep 0.1
  done
  bad "$what (still not true after 120 s)"
  return 1
}
add() { # api file -> cid
  curl -sf -X POST -F "file=@$2" "$1/add?pin=true" > "$work/add.out"
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["Hash"])' "$work/add.out"
}
# fetch RPC CID OUT: up to three attempts of `mantle cat` (a block refused with not_now is
# asked again within an attempt, after a backoff); true when OUT holds the whole file.
fetch() {
  for _ in 1 2 3; do
    "$build/mantle" --api "$1" cat "$2" > "$3" 2> "$3.err" && return 0
  done
  return 1
}

opts=(--credit-unit 256KiB --fetch-timeout 5s)
"$cluster" start 2 "$work/c" -- "${opts[@]}" > /dev/null
apiS=$(api_of 0); apiF=$(api_of 1)
S=$(id_of 0); F=$(id_of 1)
# G serves S without limit (it trusts S); S trusts nobody.
port=$(free_port)
apiG=http://127.0.0.1:$port/api/v0
"$build/mantled" --data-dir "$work/g" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 \
  --peer-tls-ca "$work/c/network/ca.crt" --peer-tls-ca-key "$work/c/network/ca.key" \
  --bootstrap "$(cat "$work/c/node0/multiaddr")" --trusted-peers "$S" "${opts[@]}" > "$work/g.log" 2>&1 &
g_pid=$!
api=$apiG wait_up || { sleep 2; api=$apiG wait_up; } || bad "G did not start"
G=$(sed -n 's/^peer identity: //p' "$work/g.log" | tail -1)
s_sees_both() { [ "$(peer_count "$apiS")" -ge 2 ]; }
wait_for "S is connected to F and G" s_sees_both

# --- G gives S 8 MB
"$build/bench_randgen" 8388608 11 > "$work/y"
y=$(add "$apiG" "$work/y")
if curl -sf -X POST "$apiS/pin/add?arg=$y" > /dev/null; then ok "S fetched and pinned 8 MB from G"; else bad "S pin add of G's file"; fi
recv=$(ledger "$apiS" "$G" Recv)
[ "$recv" -ge 8388608 ] && ok "S's ledger: received $recv bytes from G" || bad "S received only $recv bytes from G"

# --- S serves a 4 MB file to each
"$build/bench_randgen" 4194304 12 > "$work/x1"
"$build/bench_randgen" 4194304 13 > "$work/x2"
x1=$(add "$apiS" "$work/x1")
x2=$(add "$apiS" "$work/x2")

if fetch "$(cat "$work/c/node1/rpc")" "$x1" "$work/x1.f"; then
  bad "F, which only downloads, fetched the whole 4 MB file from S"
else ok "F, which only downloads, cannot fetch the whole 4 MB file"; fi
grep -q "credit ledger will not serve this node yet" "$work/x1.f.err" \
  && ok "F's error says S's credit ledger will not serve it yet" || bad "F's error: $(cat "$work/x1.f.err")"
[ "$(ledger "$apiS" "$F" Unit)" = "$unit" ] && ok "S counts credit in units of 256 KiB" \
  || bad "S's credit unit: $(ledger "$apiS" "$F" Unit)"
refusedF=$(ledger "$apiS" "$F" Refused)
sentF=$(ledger "$apiS" "$F" Sent)
ratioF=$(ledger "$apiS" "$F" Ratio)
[ "$refusedF" -gt 0 ] && ok "S refused F $refusedF times (ratio $ratioF, $sentF bytes sent)" || bad "S never refused F"
[ "$sentF" -lt 4194304 ] && [ "$sentF" -gt 0 ] && ok "S served F a few blocks, not the file ($sentF bytes)" \
  || bad "S sent F $sentF bytes"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 2 else 1)' "$ratioF" \
  && ok "F's debt ratio at S is $ratioF (at least 2)" || bad "F's debt ratio at S is only $ratioF"

if fetch "$(sed 's|http://||; s|/api/v0||' <<< "$apiG")" "$x2" "$work/x2.g" && cmp -s "$work/x2" "$work/x2.g"; then
  ok "G, which served S, fetched the whole 4 MB file, byte for byte"
else bad "G could not fetch the file: $(head -c 300 "$work/x2.g.err")"; fi
sentG=$(ledger "$apiS" "$G" Sent)
ratioG=$(ledger "$apiS" "$G" Ratio)
[ "$sentG" -ge 4194304 ] && ok "S served G $sentG bytes (ratio $ratioG)" || bad "S sent G only $sentG bytes"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1 else 1)' "$ratioG" \
  && ok "G's debt ratio at S stays below 1 ($ratioG)" || bad "G's debt ratio at S is $ratioG"
table=$("$build/mantle" --api "$(cat "$work/c/node0/rpc")" credit)
grep -q "^$F " <<< "$table" && grep -q "^$G " <<< "$table" && ok "mantle credit on S lists F and G" || bad "mantle credit: $table"

echo "passed $pass, failed $fail"
[ "$fail" -eq 0 ]
