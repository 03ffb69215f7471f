#!/usr/bin/env bash
# The credit ledger in a live node: trusted peers from the options show in RPC bitswap/ledger,
# mantle/credit/ls and `mantle credit`; the ledger is a supervised child (a crash is
# restarted and it answers again); its LMDB environment lives in <data-dir>/ledger; a bad
# peer id in --trusted-peers is refused with exit code 2.
# usage: credit.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
mantled="$build/mantled"
work=$(mktemp -d /tmp/mantle-credit.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
peer_a=12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq
peer_b=12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy
peer_b_cid=k51qzi5uqu5dgf513xbrfjl4smgo2eh1x8p8y6grzsf1oz0reiy56p65tds3s6 # peer_b as a libp2p-key CID
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_mantled --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 \
  --fault-injection 1 --trusted-peers "$peer_a,$peer_b_cid" --serve-rate 1MiB

got=$(curl -sf -X POST "$api/bitswap/ledger?arg=$peer_a")
[ "$got" = "{\"Exchanged\":0,\"Peer\":\"$peer_a\",\"Recv\":0,\"Sent\":0,\"Value\":0}" ] \
  && ok "bitswap/ledger answers Kubo's receipt" || bad "bitswap/ledger: $got"
trusted=$(curl -sf -X POST "$api/mantle/credit/ls" | json '",".join(p["Peer"] for p in d["Peers"] if p["Trusted"])')
[ "$trusted" = "$peer_b,$peer_a" ] && ok "mantle/credit/ls lists the trusted peers (CID form normalized)" \
  || bad "trusted peers listed: '$trusted'"
code=$(curl -s -o "$work/err" -w '%{http_code}' -X POST "$api/bitswap/ledger?arg=nonsense")
[ "$code" = 400 ] && grep -q "invalid peer id" "$work/err" && ok "a bad peer id is a 400 with a clear message" \
  || bad "bad peer id answered $code: $(cat "$work/err")"
table=$("$build/mantle" --api "127.0.0.1:$port" credit)
echo "$table" | grep -q "^$peer_a .* trusted$" && ok "mantle credit prints the table" || bad "mantle credit: $table"
one=$("$build/mantle" --api "127.0.0.1:$port" credit "$peer_b")
echo "$one" | grep -q "^Ledger for $peer_b" && ok "mantle credit <peer> prints one receipt" || bad "mantle credit <peer>: $one"
[ -f "$work/repo/ledger/data.mdb" ] && ok "the ledger has its own LMDB environment" || bad "no $work/repo/ledger/data.mdb"

curl -sf -X POST "$api/mantle/diag/fault?arg=ledger" > /dev/null
for _ in $(seq 1 100); do grep -q "restarted child 'ledger'" "$work/node.log" && break; sleep 0.05; done
grep -q "restarted child 'ledger'" "$work/node.log" && ok "a crashed ledger is restarted" || bad "no ledger restart logged"
again=""
for _ in $(seq 1 100); do
  again=$(curl -sf -X POST "$api/mantle/credit/ls" | json 'len(d["Peers"])' 2>/dev/null || true)
  [ "$again" = 2 ] && break
  sleep 0.05
done
[ "$again" = 2 ] && ok "the restarted ledger answers" || bad "after the restart mantle/credit/ls gave '$again'"

kill -TERM $pid
set +e; wait $pid; code=$?; set -e
[ "$code" -eq 0 ] && ok "clean shutdown with the ledger" || bad "exit code $code at shutdown"

set +e
"$mantled" --data-dir "$work/repo" --trusted-peers "$peer_a,bogus" > "$work/bad.log" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "invalid peer id 'bogus'" "$work/bad.log" \
  && ok "--trusted-peers with a bad id exits 2 and names it" || bad "bad --trusted-peers: exit $code, $(cat "$work/bad.log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
