#!/usr/bin/env bash
# The remote actor console end to end on a real mantled (dev chain): every command through
# `mantle console -c`, JSON output read back by python3, watch seeing a restart, refusals with a
# wrong key and without one (exit 3, logged, node unharmed), and an interactive session on a
# pty with line editing and the history file.
# usage: console.sh <build-dir>
set -uo pipefail
build=$(cd "${1:?build dir}" && pwd)
mantled="$build/mantled"
cli="$build/mantle"
work=$(mktemp -d /tmp/mantle-console.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/node.log" /tmp/console-node.log; rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
start_mantled --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 \
  --console-addr 127.0.0.1:0

cport=""
for _ in $(seq 1 100); do
  cport=$(sed -n 's/.*console listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/node.log" | tail -1)
  [ -n "$cport" ] && break
  sleep 0.1
done
[ -n "$cport" ] && ok "console listening on port $cport (picked by the node)" || { bad "no console port in the log"; tail -20 "$work/node.log"; exit 1; }
key="$work/repo/console.key"
[ "$(stat -c %a "$key")" = 600 ] && ok "console key generated with mode 600" || bad "console key mode $(stat -c %a "$key")"

# con CMD... : mantle console -c with the key; output in $work/out, errors in $work/err, exit status in $rc.
con() {
  "$cli" console "127.0.0.1:$cport" --key-file "$key" "$@" > "$work/out" 2> "$work/err"
  rc=$?
}
# py EXPR: evaluates EXPR with d = the JSON in $work/out.
py() { python3 -c "import json; d=json.load(open('$work/out')); print($1)" 2>&1; }
expect() { # expect NAME WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (want '$2', got '$3')"; cat "$work/out" "$work/err" 2>/dev/null; fi
}

peer_id=$(curl -sf -X POST "$api/id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')

con -c status
expect "status exits 0" 0 "$rc"
grep -q "peer_id: *$peer_id" "$work/out" && ok "status shows the node's identity" || bad "status: $(cat "$work/out" "$work/err")"
grep -q "^uptime:" "$work/out" && grep -q "^repo_size:" "$work/out" && grep -q "^pins:" "$work/out" \
  && ok "status shows uptime, repo size and pins" || bad "status fields: $(cat "$work/out")"
con --json -c status
expect "status --json: identity" "$peer_id" "$(py 'd["peer_id"]')"
expect "status --json: chain height is a number" True "$(py 'isinstance(d["chain_height"], int)')"
expect "status --json: data dir" "$work/repo" "$(py 'd["data_dir"]')"

con -c tree
expect "tree exits 0" 0 "$rc"
for a in blocks ledger exchange validator peer rpc gateway console; do
  grep -Eq "^$a +actor +running" "$work/out" || bad "tree: no running $a: $(cat "$work/out")"
done
grep -q "^NAME *KIND *STATE *RESTARTS" "$work/out" && ok "tree prints a table of running actors" || bad "tree header: $(head -2 "$work/out")"
con --json -c tree
expect "tree --json: every running actor answered its mailbox probe" True \
  "$(py 'all(isinstance(r["mailbox"], int) or r["mailbox"] == "busy" for r in d if r["state"] == "running")')"
before=$(py '[r["restarts"] for r in d if r["name"] == "exchange"][0]')

# watch: started first, it must see the restart below.
"$cli" console "127.0.0.1:$cport" --key-file "$key" --json -c "watch actor_restarted" --count 1 --timeout 30s \
  > "$work/watch.out" 2> "$work/watch.err" &
watch_pid=$!
for _ in $(seq 1 100); do
  grep -q "events watched by" "$work/node.log" && break
  sleep 0.1
done

con -c "restart exchange"
expect "restart exits 0" 0 "$rc"
con --json -c tree
expect "exchange's restart count went up by one" $((before + 1)) "$(py '[r["restarts"] for r in d if r["name"] == "exchange"][0]')"
expect "exchange runs again" running "$(py '[r["state"] for r in d if r["name"] == "exchange"][0]')"

wait $watch_pid
expect "watch ends after its one event" 0 $?
python3 -c "import json; e=json.loads(open('$work/watch.out').readline()); assert e['kind']=='actor_restarted' and 'exchange' in e['text'], e" \
  && ok "watch streamed the actor_restarted event" || bad "watch: $(cat "$work/watch.out" "$work/watch.err")"
"$cli" console "127.0.0.1:$cport" --key-file "$key" -c "watch block" --count 2 --timeout 30s > "$work/watch.out" 2> "$work/watch.err"
expect "watch block: two blocks of the dev chain" 2 "$(grep -c '  block  #' "$work/watch.out")"

con -c peers
expect "peers exits 0 (a lone node: none)" "0 (none)" "$rc $(cat "$work/out")"

printf 'console test content %s' "$RANDOM" > "$work/file"
cid=$(curl -sf -X POST -F "file=@$work/file" "$api/add?quiet=true" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
con -c pins
grep -Eq "^$cid +recursive" "$work/out" && ok "pins lists the file just added" || bad "pins: $(cat "$work/out" "$work/err")"

con --json -c chain
expect "chain --json: one validator" 1 "$(py 'len(d["validators"])')"
expect "chain --json: head hash" 64 "$(py 'len(d["hash"])')"
con -c chain
grep -q "^height:" "$work/out" && grep -q "^validators:" "$work/out" && ok "chain prints the head and a validator table" \
  || bad "chain: $(cat "$work/out")"

curl -sf -X POST "$api/mantle/order/place?arg=$cid" > /dev/null && ok "order placed for it" || bad "order place refused"
for _ in $(seq 1 100); do
  con --json -c orders
  [ "$(py "[o['cid'] for o in d]")" = "['$cid']" ] && break
  sleep 0.2
done
expect "orders --json: the order, once in a block" "['$cid']" "$(py "[o['cid'] for o in d]")"
con -c orders
grep -Eq "^[^ ]+ +$cid " "$work/out" && ok "orders prints it in a table" || bad "orders: $(cat "$work/out" "$work/err")"
con -c credit
expect "credit exits 0" 0 "$rc"

con -c "send block-store stats"
expect "send exits 0" 0 "$rc"
grep -q "^reply: *(mantle::repo_stat(" "$work/out" && ok "send block-store stats prints the typed reply" || bad "send: $(cat "$work/out")"
con --json -c "send chain head"
expect "send chain head --json: the validator's JSON answer" True "$(py 'd["actor"] == "validator" and d["reply"]["height"] > 0')"
con -c "send blocks nonsense"
expect "send of a message the actor does not know: exit 1" 1 "$rc"
grep -q "does not understand" "$work/err" && ok "and says why" || bad "send nonsense: $(cat "$work/err")"

# Plugins at runtime, with the real sample order policy and a test plugin built for another ABI.
con --json -c "plugin list"
expect "plugin list: none loaded yet" "[]" "$(py 'json.dumps(d)')"
con -c "plugin load $build/plugins/order_policy.so max-size=1MiB"
expect "plugin load exits 0" 0 "$rc"
grep -Eq "^state: +running" "$work/out" && ok "plugin load starts the order policy" || bad "plugin load: $(cat "$work/out" "$work/err")"
con --json -c "plugin list"
expect "plugin list shows it running" "ord_policy running" "$(py 'd[0]["name"] + " " + d[0]["state"]')"
con -c tree
grep -Eq "^ord_policy +plugin +running" "$work/out" && ok "tree shows the plugin under the plugin host" || bad "tree: $(cat "$work/out")"
grep -Eq "^plugins +actor +running +0 +[0-9]" "$work/out" && ok "tree shows the plugin host's mailbox" || bad "tree plugins: $(cat "$work/out")"
con -c "plugin load $build/plugins/order_policy.so"
expect "loading the same plugin twice: exit 1" 1 "$rc"
con -c "plugin load $build/plugins/test/bad_abi_plugin.so"
expect "a plugin built for another ABI: exit 1" 1 "$rc"
grep -qi "abi" "$work/err" && ok "and the error names the ABI" || bad "bad abi: $(cat "$work/err")"
con -c "plugin unload ord_policy"
expect "plugin unload exits 0" 0 "$rc"
con --json -c "plugin list"
expect "plugin list: empty after the unload" "[]" "$(py 'json.dumps(d)')"
con -c "frobnicate"
expect "unknown command: exit 1" 1 "$rc"
con -c help
grep -q "^restart" "$work/out" && ok "help lists the commands" || bad "help: $(cat "$work/out")"

# Refusals: a wrong key, and no key at all. Both exit 3, are logged, and the node carries on.
python3 -c "import os; print(os.urandom(32).hex())" > "$work/wrong.key"
chmod 600 "$work/wrong.key"
"$cli" console "127.0.0.1:$cport" --key-file "$work/wrong.key" -c status > "$work/out" 2> "$work/err"
expect "wrong key: exit 3" 3 "$?"
grep -q "wrong key" "$work/err" && ok "wrong key: the client says so" || bad "wrong key: $(cat "$work/err")"
(cd "$work" && env -u MANTLE_CONSOLE_KEY_FILE "$cli" console "127.0.0.1:$cport" -c status > "$work/out" 2> "$work/err")
expect "no key: exit 3" 3 "$?"
[ ! -s "$work/out" ] && ok "refused clients get nothing but the refusal" || bad "refused output: $(cat "$work/out")"
[ "$(grep -c "refused a console login from remote node" "$work/node.log")" -ge 2 ] && ok "the node logged both attempts" \
  || bad "refusals not logged: $(grep -i console "$work/node.log" | tail -5)"
con -c status
expect "the console still answers after refusals" 0 "$rc"
curl -sf -X POST "$api/id" > /dev/null && ok "the node still answers its API" || bad "node API down"

# Interactive: a pty, line editing (Ctrl-A to the start of the line), history written.
mkdir -p "$work/home"
HOME="$work/home" python3 - "$cli" "127.0.0.1:$cport" "$key" > "$work/pty.out" 2>&1 <<'PY'
import os, pty, sys, time, select
cli, addr, key = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execv(cli, [cli, "console", addr, "--key-file", key])
out = b""
def read_until(token, after=0, limit=30):
    """Reads until `token` shows up after offset `after`; returns the offset past it, or -1."""
    global out
    end = time.time() + limit
    while True:
        at = out.find(token, after)
        if at >= 0:
            return at + len(token)
        if time.time() >= end:
            return -1
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                return -1
            out += chunk
at = read_until(b"mantle> ")
ok = at >= 0
os.write(fd, b"tatus\x01s\r")          # typed "tatus", Ctrl-A, "s": the line is "status"
at = read_until(b"peer_id:", max(at, 0)) if ok else -1
ok = ok and at >= 0
ok = ok and read_until(b"mantle> ", at) >= 0
os.write(fd, b"quit\r")
read_until(b"never printed", 0, 5)      # until the client exits and the pty closes
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nPTY-RESULT", "ok" if ok else "timeout", os.waitstatus_to_exitcode(status))
PY
grep -q "PTY-RESULT ok 0" "$work/pty.out" && ok "interactive session: an edited line ran as 'status'" \
  || bad "interactive session: $(tail -20 "$work/pty.out")"
grep -qx "status" "$work/home/.mantle_console_history" && ok "history file written" \
  || bad "history: $(cat "$work/home/.mantle_console_history" 2>&1)"

kill $pid; wait $pid 2>/dev/null

# A key file given by name must exist; --console-addr off starts no console.
timeout 60 "$mantled" --data-dir "$work/other" --rpc-addr 127.0.0.1:0 --gateway-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 \
  --console-addr 127.0.0.1:0 --console-key-file "$work/missing.key" > "$work/other.log" 2>&1
expect "a missing --console-key-file stops the node at start: exit 1" 1 "$?"
grep -q "missing.key" "$work/other.log" && ok "and names the file" || bad "missing key: $(tail -3 "$work/other.log")"
"$mantled" --data-dir "$work/other" --rpc-addr 127.0.0.1:0 --gateway-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 \
  --console-addr off > "$work/other.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "node running" "$work/other.log" && break; sleep 0.1; done
grep -q "node running" "$work/other.log" && ! grep -q "console listening" "$work/other.log" && [ ! -e "$work/other/console.key" ] \
  && ok "--console-addr off: no console, no key" || bad "console off: $(grep -i console "$work/other.log")"
kill $pid; wait $pid 2>/dev/null
echo "passed $pass, failed $fail"
[ "$fail" -eq 0 ]
