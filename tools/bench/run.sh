#!/usr/bin/env bash
# The Mantle benchmark, one run, ratios measured side by side on this machine:
#   add of a 1 GiB random file through the RPC (v1 raw leaves and v0 defaults) against raw
#   SHA-256 on one core (Botan) and the JS importer (ipfs-unixfs-importer, Node);
#   cat of that file; peak RSS of mantled while adding 10 GiB (streamed, never on disk).
# usage: tools/bench/run.sh [size_bytes=1073741824] [big_bytes=10737418240]
#   block exchange over loopback (bench_exchange): 1 GiB fetched by B from A against a plain
#   TCP copy of the same bytes, and one source with four fetchers at once (aggregate MB/s,
#   per fetcher, fairness), each without and with TLS.
# The HTTP gateway against nginx (1 GiB with curl, small files with wrk) is a separate run:
# tools/bench/gateway_bench.sh (needs scripts/install-deps.sh --with-bench-tools).
# The chain (4 validators, finalized transfers/s against the Ed25519 verify rate, single-tx
# finality) is tools/bench/chain_bench.sh [build_dir] [txs] [block_time_ms] (builds nothing).
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-1073741824}
big=${2:-10737418240}
build=build
scripts/build.sh >/dev/null
work=$(mktemp -d /tmp/mantle-bench.XXXXXX)
trap 'kill ${pid:-0} 2>/dev/null || true; wait ${pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((30000 + RANDOM % 10000))
api="http://127.0.0.1:$port/api/v0"

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{$1/($3-$2)/1e9:.3f}')"; }

echo "generating $size random bytes"
"$build/bench_randgen" "$size" 42 > "$work/file"
cat "$work/file" > /dev/null # warm the page cache for every contender alike

sha=$("$build/bench_sha256" "$work/file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gbps"])')
echo "sha256 (Botan, 1 core):         $sha GB/s"

# The store writes every byte to its LMDB file: the page-cache write rate of this machine is
# the ceiling for any add that stores (on the VMs here it is far below memory bandwidth).
t0=$(now); dd if="$work/file" of="$work/ddcopy" bs=1M 2>/dev/null; t1=$(now); rm -f "$work/ddcopy"
ddw=$(rate "$size" "$t0" "$t1")
echo "file write (dd, page cache):    $ddw GB/s"

js="n/a"
if [ -d tests/interop/node_modules/ipfs-unixfs-importer ]; then
  t0=$(now); node tests/interop/bench_import.mjs "$work/file" 1 > "$work/js.out"; t1=$(now)
  js=$(rate "$size" "$t0" "$t1")
fi
echo "JS importer (v1, memory bs):    $js GB/s"

"$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 > "$work/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf -X POST "$api/id" > /dev/null 2>&1 && break; sleep 0.1; done

add() { # $1 = query
  local t0 t1
  t0=$(now)
  curl -sf -X POST -F "file=@$work/file" "$api/add?$1" > "$work/add.out"
  t1=$(now)
  rate "$size" "$t0" "$t1"
}
cid_of() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["Hash"])' "$1"; }
oh=$(add "cid-version=1&only-hash=true")
echo "add v1 only-hash (RPC):         $oh GB/s"
v1=$(add "cid-version=1"); v1cid=$(cid_of "$work/add.out")
v0=$(add ""); v0cid=$(cid_of "$work/add.out")
echo "add v1 raw leaves (RPC):        $v1 GB/s   $v1cid"
echo "add v0 defaults (RPC):          $v0 GB/s   $v0cid"
if [ -s "$work/js.out" ]; then
  [ "$(cat "$work/js.out")" = "$v1cid" ] && echo "JS importer and mantled agree on the v1 CID" || echo "MISMATCH: JS importer says $(cat "$work/js.out")"
fi
t0=$(now); curl -sf -X POST "$api/cat?arg=$v0cid" -o /dev/null; t1=$(now)
cat_rate=$(rate "$size" "$t0" "$t1")
echo "cat (RPC):                      $cat_rate GB/s"
# The same add with mantle's own client (Content-Length, the file sent by sendfile), into a
# fresh node and store like the first adds.
start_node() {
  kill ${pid:-0} 2>/dev/null || true; wait ${pid:-0} 2>/dev/null || true
  rm -rf "$work/repo"
  "$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 > "$work/node.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf -X POST "$api/id" > /dev/null 2>&1 && break; sleep 0.1; done
}
start_node
t0=$(now); "$build/mantle" --api "127.0.0.1:$port" add -q --cid-version 1 "$work/file" > "$work/cli.out"; t1=$(now)
cli=$(rate "$size" "$t0" "$t1")
echo "add v1 raw leaves (mantle add):  $cli GB/s   $(cat "$work/cli.out")"

# Block exchange: its own stores, in the same work directory.
"$build/bench_exchange" --size "$size" --dir "$work" > "$work/xch.out" 2> "$work/xch.err" ||
  { cat "$work/xch.err"; exit 1; }
grep -v '^{' "$work/xch.out"

# A fresh node, so VmHWM covers this add alone.
start_node
echo "adding $big bytes streamed, sampling mantled's RSS"
# A hand-framed multipart body streamed with chunked encoding (curl -F would read stdin whole).
( { printf -- '--XbenchX\r\nContent-Disposition: form-data; name="file"; filename="big"\r\nContent-Type: application/octet-stream\r\n\r\n'
    "$build/bench_randgen" "$big" 7
    printf -- '\r\n--XbenchX--\r\n'; } |
  curl -sf -X POST -T - -H "Content-Type: multipart/form-data; boundary=XbenchX" "$api/add?cid-version=1&pin=false" > "$work/big.out" ) &
cpid=$!
peak=0; samples=()
while kill -0 $cpid 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  samples+=("$rss"); [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 1
done
wait $cpid
echo "10 GiB add result: $(tail -1 "$work/big.out")"
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "peak RSS while adding $((big >> 30)) GiB: $((hwm / 1024)) MB (VmHWM); samples (MB): $(for s in "${samples[@]}"; do printf '%d ' $((s / 1024)); done | cut -c1-200)"
python3 - "$sha" "$js" "$v1" "$v0" "$cat_rate" "$oh" "$ddw" "$cli" <<'PY'
import sys
sha, js, v1, v0, cat, oh, ddw, cli = sys.argv[1:]
f = float
print("ratios: add v1 / sha256 = %.2f, add v0 / sha256 = %.2f, only-hash / sha256 = %.2f, cat / sha256 = %.2f" % (f(v1)/f(sha), f(v0)/f(sha), f(oh)/f(sha), f(cat)/f(sha)))
print("ratios: add v1 / dd write = %.2f, add v0 / dd write = %.2f, mantle add / dd write = %.2f" % (f(v1)/f(ddw), f(v0)/f(ddw), f(cli)/f(ddw)))
if js != "n/a":
    print("ratios: add v1 / JS importer = %.2f" % (f(v1)/f(js)))
PY
