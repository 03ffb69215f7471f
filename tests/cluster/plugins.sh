#!/usr/bin/env bash
# Plugins in a real mantled (issue 7): the node starts the samples and a test plugin from its
# config file; the webhook POSTs block events of the dev chain to a local receiver; the order
# policy declines an order with its reason visible in mantle/market/status; the test plugin is
# crashed repeatedly through mantle/diag/fault until the plugin host gives up on it, and the
# node, its RPC API and its supervisor are unaffected.
# Usage: plugins.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
mantled=$build/mantled
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d /tmp/mantle-plugins-XXXXXX)
hook_pid=
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$hook_pid" ] && kill "$hook_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
flunk() { bad "$1"; echo "--- node log"; tail -60 "$work/node.log"; exit 1; }
post() { curl -sf -X POST "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# wait_until SECONDS CMD...: polls CMD every 0.2 s.
wait_until() {
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}

for so in plugins/event_webhook.so plugins/order_policy.so plugins/test/echo_plugin.so; do
  [ -f "$build/$so" ] || { echo "missing $build/$so (build the plugin targets)"; exit 1; }
done

# The webhook's receiver: appends each POST body as one line.
hook_port=$(free_port)
python3 - "$hook_port" "$work/hook.log" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
PY
hook_pid=$!
touch "$work/hook.log"

cat > "$work/node.conf" <<CONF
plugin = $build/plugins/event_webhook.so
plugin = $build/plugins/order_policy.so
plugin = $build/plugins/test/echo_plugin.so
plugin.webhook.url = http://127.0.0.1:$hook_port/events
plugin.webhook.kinds = block,plugin_failed
plugin.ord_policy.max-size = 100
market-policy = ord_policy
CONF
rpc=$(free_port)
api=http://127.0.0.1:$rpc/api/v0
extra=()
"$mantled" --help > "$work/help.txt" 2>&1
grep -q -- "--console-addr" "$work/help.txt" && extra+=(--console-addr 127.0.0.1:0)
start_mantled --config "$work/node.conf" --data-dir "$work/data" --rpc-addr "127.0.0.1:$rpc" \
  --gateway-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 --fault-injection 1 "${extra[@]}"

for name in webhook ord_policy echo; do
  grep -q "loaded plugin '$name'" "$work/node.log" && ok "plugin $name loaded from the config" || flunk "plugin $name not loaded"
done

blocks_posted() { [ "$(grep -c '"kind":"block"' "$work/hook.log")" -ge 3 ]; }
wait_until 60 blocks_posted && ok "the webhook POSTed block events of the dev chain" || flunk "no block events at the receiver"
grep -q "\"node\":\"$(post "$api/id" | json 'd["ID"]')\"" "$work/hook.log" && ok "events name the node" || flunk "events lack the node id"

# An order for a file larger than the policy's max-size: the market asks and records the "no".
head -c 5000 /dev/urandom > "$work/file"
cid=$(curl -sf -X POST -F "file=@$work/file" "$api/add?pin=true" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])')
[ -n "$cid" ] || flunk "add"
placed() { post "$api/mantle/order/place?arg=$cid" > "$work/order.out" 2>&1; }
wait_until 30 placed && ok "order placed for $cid" || { cat "$work/order.out"; flunk "order refused"; }
declined() {
  post "$api/mantle/market/status" > "$work/status.json" || return 1
  python3 -c "
import json,sys
d=json.load(open('$work/status.json'))
sys.exit(0 if any(x['cid']=='$cid' and 'above max-size 100' in x['reason'] for x in d['policy']['declined']) else 1)"
}
wait_until 60 declined && ok "the order policy declined the order, reason in mantle/market/status" || { cat "$work/status.json"; flunk "no decline recorded"; }
taken=$(python3 -c "import json; d=json.load(open('$work/status.json')); print(len(d['taken']) + len(d['fetching']))")
[ "$taken" = 0 ] && ok "the market took nothing the policy refused" || flunk "the market took the order anyway"

# Crash the echo plugin until its budget (5 restarts in 30 s) is spent.
fault() { post "$api/mantle/diag/fault?arg=echo" > /dev/null 2>&1; }
for i in $(seq 1 6); do
  wait_until 20 fault || flunk "echo not running for crash $i"
  sleep 0.1
done
failed() { grep -q "plugin 'echo' failed and is stopped" "$work/node.log"; }
wait_until 20 failed && ok "after 6 crashes the plugin host marked echo failed" || flunk "echo not marked failed"
[ "$(grep -c "restarted plugin 'echo'" "$work/node.log")" = 5 ] && ok "echo was restarted 5 times before" || flunk "restart count"
curl -sf "http://127.0.0.1:$rpc/metrics" > "$work/metrics" || flunk "no /metrics"
grep -q '^mantle_plugin_restarts_total{plugin="echo"} 5$' "$work/metrics" && ok "/metrics counts the 5 restarts of echo" || { grep plugin "$work/metrics"; flunk "plugin restarts metric"; }
hook_failed() { grep -q '"kind":"plugin_failed"' "$work/hook.log"; }
wait_until 20 hook_failed && ok "plugin_failed reached the webhook" || flunk "no plugin_failed at the receiver"
post "$api/id" > /dev/null && ok "/api/v0 still answers" || flunk "RPC down after the plugin crashes"
post "$api/mantle/chain/head" > /dev/null && ok "the chain still answers" || flunk "chain down"
grep -q "escalating" "$work/node.log" && flunk "the supervisor escalated" || ok "the node's supervisor never escalated"
kill -0 "$pid" 2>/dev/null && ok "mantled is running" || flunk "mantled died"
before=$(grep -c '"kind":"block"' "$work/hook.log")
more_blocks() { [ "$(grep -c '"kind":"block"' "$work/hook.log")" -gt "$before" ]; }
wait_until 20 more_blocks && ok "the webhook keeps delivering" || flunk "webhook stopped"

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[ "$rc" = 0 ] && ok "clean shutdown with plugins loaded" || flunk "exit code $rc at shutdown"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
