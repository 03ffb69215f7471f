#!/usr/bin/env bash
# Operations features of a live node: Prometheus /metrics on the RPC port (request counters by
# route and code, bytes, durations, add throughput, store gauges, process metrics, supervisor
# restarts), the text format itself, the access log, RPC CORS options and the log level.
# usage: metrics.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-metrics.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp -r "$work" /tmp/metrics-test; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
port=$(free_port)
base="http://127.0.0.1:$port"
api="$base/api/v0"

"$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 --fault-injection 1 \
  --access-log "$work/access.log" --api-cors-origins http://ui.example --log-level warning \
  > "$work/log" 2>&1 &
pid=$!
wait_up || { cat "$work/log"; exit 1; }

scrape() { curl -sf "$base/metrics" > "$work/metrics"; }
# value NAME{LABELS}: the sample's value, empty when absent.
value() { awk -v k="$1" '$1 == k { print $2 }' "$work/metrics"; }
expect_value() { # SERIES WANT
  local got; got=$(value "$1")
  [ "$got" = "$2" ] && ok "$1 = $2" || bad "$1 is '$got', expected $2"
}
expect_positive() { # SERIES
  local got; got=$(value "$1")
  python3 -c "import sys; sys.exit(0 if float('$got' or 0) > 0 else 1)" && ok "$1 > 0 ($got)" || bad "$1 is '$got'"
}

head -c 5000 /dev/urandom > "$work/f"
cid=$(curl -sf -X POST -F "file=@$work/f" "$api/add" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
curl -sf -X POST "$api/cat?arg=$cid" > /dev/null
curl -sf -X POST "$api/cat?arg=$cid" > /dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/no/such/command")
[ "$code" = 404 ] && ok "an unknown command is a 404" || bad "unknown command answered $code"

# CORS: a foreign origin is refused, the listed one is served with its Allow-Origin header.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://evil.example" -F "file=@$work/f" "$api/add")
[ "$code" = 403 ] && ok "a POST from a foreign origin is refused (403)" || bad "foreign origin answered $code"
code=$(curl -s -D "$work/headers" -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://ui.example" "$api/version")
[ "$code" = 200 ] && ok "a POST from an origin in api-cors-origins is served" || bad "listed origin answered $code"
grep -qi '^Access-Control-Allow-Origin: http://ui.example' "$work/headers" && ok "it carries Access-Control-Allow-Origin" \
  || bad "no Access-Control-Allow-Origin for the listed origin"
code=$(curl -s -D "$work/headers" -o /dev/null -w '%{http_code}' -X OPTIONS -H "Origin: http://ui.example" \
  -H "Access-Control-Request-Method: POST" "$api/add")
[ "$code" = 204 ] && grep -qi '^Access-Control-Allow-Methods: POST' "$work/headers" && ok "a CORS preflight from the listed origin is answered" \
  || bad "preflight answered $code: $(cat "$work/headers")"

scrape
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$base/metrics")
[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ] && ok "content type is the 0.0.4 text format" || bad "content type '$ctype'"
curl -sf "$base/debug/metrics/prometheus" > "$work/kubo-path" || true
grep -q '^# TYPE mantle_http_requests_total counter$' "$work/kubo-path" \
  && ok "Kubo's /debug/metrics/prometheus serves the same" || bad "no metrics on /debug/metrics/prometheus"
expect_value 'mantle_http_requests_total{server="rpc",route="add",code="200"}' 1
expect_value 'mantle_http_requests_total{server="rpc",route="cat",code="200"}' 2
expect_value 'mantle_http_requests_total{server="rpc",route="unknown",code="404"}' 1
expect_value 'mantle_http_requests_total{server="rpc",route="add",code="403"}' 1
expect_value 'mantle_http_requests_total{server="rpc",route="version",code="200"}' 1
expect_value 'mantle_http_response_bytes_total{server="rpc",route="cat"}' 10000
expect_value 'mantle_http_request_duration_seconds_count{server="rpc",route="cat"}' 2
expect_value 'mantle_http_request_duration_seconds_bucket{server="rpc",route="cat",le="+Inf"}' 2
expect_value 'mantle_add_bytes_total' 5000
expect_value 'mantle_adds_total{result="ok"}' 1
expect_positive 'mantle_add_seconds_total'
expect_positive 'mantle_blocks_stored'
expect_value 'mantle_stored_bytes' "$(curl -sf -X POST "$api/repo/stat" | python3 -c 'import json,sys; print(json.load(sys.stdin)["RepoSize"])')"
expect_value 'mantle_pins{type="recursive"}' 1
expect_value 'mantle_actor_restarts_total{child="blocks"}' 0
expect_value 'mantle_exchange_blocks_total{direction="received"}' 0 # a lone node fetched nothing
expect_value 'mantle_exchange_peers' 0
expect_positive 'process_resident_memory_bytes'
expect_positive 'process_open_fds'
expect_positive 'process_start_time_seconds'
grep -q 'no/such' "$work/metrics" && bad "a raw URL became a label" || ok "raw URLs never become labels"

# The exposition parses: every line is a HELP, a TYPE or a sample of a family with both;
# histogram buckets are cumulative and end with +Inf = _count.
if python3 - "$work/metrics" <<'PY'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*"'
value = r'(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)'
sample = re.compile(rf'^({name})(\{{{label}(?:,{label})*\}})? ({value})(?: -?\d+)?$')
helps, types, errors = set(), {}, []
buckets = {}
for n, line in enumerate(open(sys.argv[1]).read().split('\n')[:-1], 1):
    if line.startswith('# HELP '):
        helps.add(line.split(' ')[2])
    elif line.startswith('# TYPE '):
        parts = line.split(' ')
        if len(parts) != 4 or parts[3] not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
            errors.append(f'{n}: bad TYPE line: {line}')
        types[parts[2]] = parts[3]
    else:
        m = sample.match(line)
        if not m:
            errors.append(f'{n}: not a sample: {line}'); continue
        metric = m.group(1)
        family = re.sub(r'_(bucket|sum|count)$', '', metric) if metric not in types else metric
        if family not in types or family not in helps:
            errors.append(f'{n}: {metric} has no TYPE/HELP before it')
        if metric.endswith('_bucket'):
            labels = re.sub(r',?le="[^"]*"', '', m.group(2)).replace('{,', '{').replace('{}', '')
            buckets.setdefault((family, labels), []).append((re.search(r'le="([^"]*)"', m.group(2)).group(1), float(m.group(3))))
        if metric.endswith('_count') and types.get(family) == 'histogram':
            labels = m.group(2) or ''
            b = buckets.get((family, labels), [])
            if not b or b[-1][0] != '+Inf' or b[-1][1] != float(m.group(3)):
                errors.append(f'{n}: {metric}{labels}: +Inf bucket does not equal _count')
            if any(x[1] > y[1] for x, y in zip(b, b[1:])):
                errors.append(f'{n}: {family}{labels}: buckets are not cumulative')
if errors: print('\n'.join(errors))
sys.exit(1 if errors or not types else 0)
PY
then ok "every line of /metrics follows the text format"; else bad "/metrics does not parse"; fi

# Access log: one combined-format line per request, ours among them. Lines are written in
# batches (every 250 ms): wait for the last request's line first.
for _ in $(seq 1 100); do grep -q '"GET /metrics HTTP/1.1" 200 ' "$work/access.log" 2>/dev/null && break; sleep 0.05; done
grep -q '"POST /api/v0/add HTTP/1.1" 200 ' "$work/access.log" && ok "the add is in the access log" || bad "add missing from the access log"
grep -q '"POST /api/v0/no/such/command HTTP/1.1" 404 ' "$work/access.log" && ok "the 404 is in the access log" || bad "404 missing from the access log"
grep -q '"POST /api/v0/add HTTP/1.1" 403 ' "$work/access.log" && ok "the refused origin is in the access log" || bad "403 missing from the access log"
grep -q "\"POST /api/v0/cat?arg=$cid HTTP/1.1\" 200 5000 \"-\" \"curl/" "$work/access.log" && ok "cat's line has the target, status, bytes and user agent" || bad "cat line wrong: $(grep cat "$work/access.log" | head -1)"
bad_lines=$(grep -cvE '^[0-9a-f.:]+ - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\] "[A-Z]+ [^ ]+ HTTP/1.1" [0-9]{3} ([0-9]+|-) "[^"]*" "[^"]*" [0-9]+\.[0-9]{3}$' "$work/access.log" || true)
[ "$bad_lines" = 0 ] && ok "every access log line is in the combined format" || bad "$bad_lines malformed access log lines"

# Log level warning: no info lines, but the fault-injection warning is there.
grep -q ' INFO ' "$work/log" && bad "info lines written at --log-level warning" || ok "--log-level warning drops info lines"
grep -q 'WARN  rpc: fault injection is enabled' "$work/log" && ok "warnings are still logged" || bad "no warning in the log"

# A supervised restart shows up in the restart counter; HTTP counters outlive the RPC front.
curl -sf -X POST "$api/mantle/diag/fault?arg=blocks" > /dev/null
for _ in $(seq 1 100); do scrape; [ "$(value 'mantle_actor_restarts_total{child="blocks"}')" = 1 ] && break; sleep 0.05; done
expect_value 'mantle_actor_restarts_total{child="blocks"}' 1
curl -sf -X POST "$api/mantle/diag/fault?arg=rpc" > /dev/null || true
wait_up || bad "the RPC front did not come back"
scrape
expect_value 'mantle_actor_restarts_total{child="rpc"}' 1
expect_value 'mantle_http_requests_total{server="rpc",route="cat",code="200"}' 2
# At least the first fault's request; the second one's may be cut by its own restart.
expect_positive 'mantle_http_requests_total{server="rpc",route="mantle/diag/fault",code="200"}'

kill -TERM $pid; wait $pid || true
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
