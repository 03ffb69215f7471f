#!/usr/bin/env bash
# Bulk submission through the Mantle API: one validator from a bench genesis (bench_chain
# setup), bench_chain run submits transfers in batches (several `arg`s per
# mantle/chain/submit) and single txs, and waits until every one is in a block; a batch with
# bad entries answers per entry, in order, and a batch that is not hex is refused whole.
# Checks outcomes only, never times. usage: chain_submit.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-chainsubmit.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

"$build/bench_chain" setup "$work" 1 20 200 > /dev/null
port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
"$build/mantled" --data-dir "$work/node0" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 \
  --peer-addr 127.0.0.1:0 --genesis "$work/genesis.json" > "$work/node.log" 2>&1 &
pids+=($!)
wait_up || { echo "mantled did not start"; cat "$work/node.log"; exit 1; }

if "$build/bench_chain" run "$work" "127.0.0.1:$port" 300 16 3 > "$work/run.json" 2> "$work/run.err"; then
  ok "bench_chain run: 300 txs in batches of 16 and 3 single txs submitted and finalized"
else
  bad "bench_chain run failed: $(tail -3 "$work/run.err") $(cat "$work/run.json")"
fi
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["finalized"] == 300 and r["refused"] == 0 and r["single_tx_finality_ms"]["n"] == 3 else 1)' "$work/run.json" 2>/dev/null; then
  ok "every tx of the load is in a block, none refused"
else
  bad "unexpected result: $(cat "$work/run.json")"
fi

# Two entries that are hex but not txs: one answer per entry, in order, each an error.
curl -s -X POST "$api/mantle/chain/submit?arg=00&arg=0102" > "$work/batch.json" || true
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(r, list) and len(r) == 2 and all("Error" in x for x in r) else 1)' "$work/batch.json" 2>/dev/null; then
  ok "a batch of bad txs answers one error per entry"
else
  bad "batch of bad txs: $(head -c 300 "$work/batch.json")"
fi
code=$(curl -s -o "$work/body" -w '%{http_code}' -X POST "$api/mantle/chain/submit?arg=00&arg=zz" || true)
if [ "$code" = 400 ] && grep -q 'tx 1 must be hex' "$work/body"; then ok "a batch with non-hex is refused with the entry's index"
else bad "non-hex batch: status $code, $(head -c 300 "$work/body")"; fi
# The one-arg form keeps its {"Hash"} or error answer.
code=$(curl -s -o "$work/body" -w '%{http_code}' -X POST "$api/mantle/chain/submit?arg=00" || true)
if [ "$code" != 200 ] && grep -q '"Message"' "$work/body"; then ok "a single bad tx is still a plain error"
else bad "single bad tx: status $code, $(head -c 300 "$work/body")"; fi
kill -0 "${pids[0]}" 2>/dev/null && ok "the node is still running" || bad "the node died"

echo "passed $pass, failed $fail"
[ "$fail" = 0 ]
