# Shared by the process-level test scripts (sourced, not run).

# A TCP port on 127.0.0.1 that nothing listens on, picked at random to avoid collisions
# between parallel test runs.
free_port() {
  # Below the kernel's ephemeral range: a port in it may be the local end of some outgoing
  # connection, which the probe below cannot see and which makes the node's bind() fail.
  local ephemeral_low=32768
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r ephemeral_low _ < /proc/sys/net/ipv4/ip_local_port_range
  [ "$ephemeral_low" -gt 12000 ] || ephemeral_low=32768
  local p
  for _ in $(seq 1 50); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  echo "no free port found" >&2
  exit 1
}

# Waits until the node's RPC at $api answers (5 s at most).
wait_up() {
  for _ in $(seq 1 100); do
    curl -sf -X POST "$api/id" > /dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# Starts "$mantled" in the background with the given arguments (sets $pid; output appended to
# $work/node.log) and waits for its RPC at $api; exits the script if it dies or stays silent.
start_mantled() {
  "$mantled" --console-addr 127.0.0.1:0 "$@" >>"$work/node.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -sf -X POST "$api/id" >/dev/null 2>&1 && return 0
    kill -0 $pid 2>/dev/null || { echo "mantled died at start:"; tail -20 "$work/node.log"; exit 1; }
    sleep 0.1
  done
  echo "mantled did not answer"; tail -20 "$work/node.log"; exit 1
}

# Prints the last lines of every node log under $1 (a cluster.sh directory), for a failed run:
# CI keeps the test's output, not its temporary directory.
dump_logs() {
  local f
  for f in "$1"/node*/log; do
    [ -f "$f" ] || continue
    echo "--- last 40 lines of $f"
    tail -40 "$f"
  done
}
