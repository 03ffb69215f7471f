# Helpers for the chain cluster scripts (sourced after lib.sh; they use $work/c as the
# cluster directory of tools/cluster/cluster.sh and set $failed on a failed check).
failed=0
flunk() { failed=1; bad "$@"; }

api_of() { echo "http://$(cat "$work/c/node$1/rpc")/api/v0"; }
post() { curl -sf -X POST "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
height() { post "$(api_of "$1")/mantle/chain/head" 2> /dev/null | json 'd["height"]' 2> /dev/null || echo -1; }
block_id() { post "$(api_of "$1")/mantle/chain/block?arg=$2" | json 'd["id"]'; }
evidence() { post "$(api_of "$1")/mantle/chain/block?arg=$2" | json 'd["evidence"]'; }
# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND five times a second.
wait_for() {
  local what=$1 limit=$2; shift 2
  for _ in $(seq 1 $((limit * 5))); do
    if "$@"; then ok "$what"; return 0; fi
    sleep 0.2
  done
  flunk "$what (still not true after $limit s)"
  return 1
}
# at_least N NODES...: every node's head is at least N.
at_least() { local n=$1; shift; for i in "$@"; do [ "$(height "$i")" -ge "$n" ] || return 1; done; }
