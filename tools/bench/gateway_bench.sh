#!/usr/bin/env bash
# The HTTP gateway against nginx, side by side in one run on loopback:
#   1. a 1 GiB random file: curl to /dev/null through mantled's gateway and from nginx
#      (sendfile, the file in the page cache), several interleaved runs, best and median GB/s;
#   2. small files (1 KiB and 64 KiB): wrk, 64 connections, 2 threads, against the gateway
#      (/ipfs/<dir>/<name>, path resolution included) and nginx (the same bytes from disk).
# nginx runs as its own instance: config, prefix, logs and pid in a temp dir, a free port.
# Needs wrk and nginx: scripts/install-deps.sh --with-bench-tools. Never run by the tests.
# usage: tools/bench/gateway_bench.sh [size_bytes=1073741824] [curl_runs=5] [wrk_seconds=10]
#   (curl_runs=0 or wrk_seconds=0 skips that part)
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-1073741824}
runs=${2:-5}
secs=${3:-10}
build=${MANTLE_BUILD:-build}
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    { echo "gateway_bench: $tool is missing (scripts/install-deps.sh --with-bench-tools)" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ "${MANTLE_BENCH_NO_BUILD:-0}" = 1 ] || scripts/build.sh >/dev/null

work=$(mktemp -d /tmp/mantle-gwbench.XXXXXX)
pid=""; ngx=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  [ -n "$ngx" ] && { kill "$ngx" 2>/dev/null || true; wait "$ngx" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nginx drops its workers to "nobody" when started as root: they must be able to read the files.
chmod 755 "$work"
mkdir -p "$work/www/small" "$work/ngx/logs" "$work/ngx/tmp"
echo "generating $size random bytes"
"$build/bench_randgen" "$size" 42 > "$work/www/big.bin"
head -c 1024 /dev/urandom > "$work/www/small/1k.bin"
head -c 65536 /dev/urandom > "$work/www/small/64k.bin"
chmod -R a+rX "$work/www"

rpc_port=$(free_port); gw_port=$(free_port); ngx_port=$(free_port)
"$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$rpc_port" \
  --gateway-addr "127.0.0.1:$gw_port" --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 > "$work/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf -X POST "http://127.0.0.1:$rpc_port/api/v0/id" >/dev/null 2>&1 && break; sleep 0.1; done
cli() { "$build/mantle" --api "127.0.0.1:$rpc_port" "$@"; }
big_cid=$(cli add -q --cid-version 1 "$work/www/big.bin" | tail -1)
small_cid=$(cli add -r -q --cid-version 1 "$work/www/small" | tail -1)
[ -n "$big_cid" ] && [ -n "$small_cid" ] || { echo "add failed"; cat "$work/node.log"; exit 1; }

cat > "$work/ngx/nginx.conf" <<EOF
worker_processes auto;
pid $work/ngx/nginx.pid;
error_log $work/ngx/logs/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  client_body_temp_path $work/ngx/tmp/body;
  proxy_temp_path $work/ngx/tmp/proxy;
  fastcgi_temp_path $work/ngx/tmp/fastcgi;
  uwsgi_temp_path $work/ngx/tmp/uwsgi;
  scgi_temp_path $work/ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$ngx_port;
    root $work/www;
  }
}
EOF
"$nginx_bin" -p "$work/ngx" -c "$work/ngx/nginx.conf" -e "$work/ngx/logs/error.log" &
ngx=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$ngx_port/small/1k.bin" && break; sleep 0.1; done

# CPU seconds (user + system) used so far by mantled, or by nginx's master and workers: on a
# shared machine the wall-clock rates swing with the load, the CPU cost per byte much less.
ticks=$(getconf CLK_TCK)
cpu_of() { # pids... -> seconds
  local sum=0 p
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  python3 -c "print($sum / $ticks)"
}
mantle_cpu() { cpu_of "$pid"; }
nginx_cpu() { cpu_of "$ngx" $(pgrep -P "$ngx"); }

gw="http://127.0.0.1:$gw_port"
ng="http://127.0.0.1:$ngx_port"
# Both must serve the same bytes, or the comparison means nothing.
for pair in "big.bin $big_cid" "small/1k.bin $small_cid/1k.bin" "small/64k.bin $small_cid/64k.bin"; do
  set -- $pair
  a=$(curl -sf "$ng/$1" | sha256sum); b=$(curl -sf "$gw/ipfs/$2" | sha256sum)
  [ "$a" = "$b" ] || { echo "nginx and the gateway disagree on $1"; exit 1; }
done
cat "$work/www/big.bin" > /dev/null # page cache, for nginx's sendfile

if [ "$runs" -gt 0 ]; then
echo "== 1. $size bytes with curl -o /dev/null, $runs interleaved runs each"
echo "   mantle: $gw/ipfs/$big_cid"
echo "   nginx:  $ng/big.bin (sendfile from the page cache)"
: > "$work/mantle.rates"; : > "$work/nginx.rates"
speed() { curl -sf -o /dev/null -w '%{speed_download}\n' "$1"; }
mcpu=0; ncpu=0
for _ in $(seq 1 "$runs"); do
  a=$(mantle_cpu); speed "$gw/ipfs/$big_cid" >> "$work/mantle.rates"; b=$(mantle_cpu)
  mcpu=$(python3 -c "print($mcpu + $b - $a)")
  a=$(nginx_cpu); speed "$ng/big.bin" >> "$work/nginx.rates"; b=$(nginx_cpu)
  ncpu=$(python3 -c "print($ncpu + $b - $a)")
done
python3 - "$work/mantle.rates" "$work/nginx.rates" "$mcpu" "$ncpu" "$((size * runs))" <<'PY'
import statistics, sys
m = [float(x) / 1e9 for x in open(sys.argv[1]).read().split()]
n = [float(x) / 1e9 for x in open(sys.argv[2]).read().split()]
gib = int(sys.argv[5]) / 2**30
print("   server CPU per GiB sent: mantled %.2f s, nginx %.2f s (curl's receive side not counted)" % (float(sys.argv[3]) / gib, float(sys.argv[4]) / gib))
print("   mantle gateway: best %.2f GB/s, median %.2f GB/s  (runs: %s)" % (max(m), statistics.median(m), " ".join("%.2f" % x for x in m)))
print("   nginx sendfile: best %.2f GB/s, median %.2f GB/s  (runs: %s)" % (max(n), statistics.median(n), " ".join("%.2f" % x for x in n)))
print("   ratio mantle/nginx: best %.2f, median %.2f   target: mantle >= 1.5 GB/s -> %s" % (
    max(m) / max(n), statistics.median(m) / statistics.median(n), "met" if statistics.median(m) >= 1.5 else "MISSED"))
PY
fi

[ "$secs" -gt 0 ] || exit 0
echo "== 2. small files, wrk -t2 -c64 -d${secs}s"
wrk_rps() { # url -> req/s; any non-2xx answer or socket error voids the figure
  local out
  out=$(wrk -t2 -c64 -d"${secs}s" "$1")
  if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    echo "wrk reported errors for $1:" >&2; echo "$out" >&2; echo 0; return
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
for f in 1k.bin 64k.bin; do
  a=$(mantle_cpu); m=$(wrk_rps "$gw/ipfs/$small_cid/$f"); b=$(mantle_cpu); mc=$(python3 -c "print($b - $a)")
  a=$(nginx_cpu); n=$(wrk_rps "$ng/small/$f"); b=$(nginx_cpu); nc=$(python3 -c "print($b - $a)")
  python3 -c "
m, n, mc, nc, secs = $m, $n, $mc, $nc, $secs
us = lambda cpu, rps: cpu / (rps * secs) * 1e6 if rps else 0
print('   %-7s mantle %9.0f req/s   nginx %9.0f req/s   ratio %.2f   target >= 0.50 -> %s' % ('$f', m, n, m / n if n else 0, 'met' if n and m / n >= 0.5 else 'MISSED'))
print('           server CPU per request: mantled %.0f us, nginx %.0f us' % (us(mc, m), us(nc, n)))"
done
