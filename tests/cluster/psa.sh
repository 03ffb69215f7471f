#!/usr/bin/env bash
# Pinning Service API end to end on a real mantled: tokens from the CLI, Bearer auth, pins
# that end up in the block store, every GET /pins filter, replace/delete, bad input, and a
# pin request that survives kill -9 and completes after the restart once its blocks arrive.
# usage: psa.sh <build-dir>
set -uo pipefail
build=${1:?build dir}
mantled="$build/mantled"
cli="$build/mantle"
work=$(mktemp -d /tmp/mantle-psa.XXXXXX)
trap '{ [ -n "${pid:-}" ] && kill -9 "$pid"; } 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/node.log" /tmp/psa-node.log; rm -rf "$work"' EXIT

source "$(dirname "$0")/lib.sh"

port=$(free_port)
api="http://127.0.0.1:$port/api/v0"
psa="http://127.0.0.1:$port/psa"
start_node() {
  start_mantled --data-dir "$work/repo" --rpc-addr "127.0.0.1:$port" --gateway-addr 127.0.0.1:0 --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 --psa-retry-interval 200ms --psa-min-replicas 0
}

# call METHOD PATH [JSON] [TOKEN]: prints the HTTP status; the body goes to $work/body.
call() {
  local auth=("-H" "Authorization: Bearer ${4-$token}")
  [ "${4-x}" = "" ] && auth=()
  if [ -n "${3:-}" ]; then
    curl -s -o "$work/body" -w '%{http_code}' -X "$1" "${auth[@]}" -H 'Content-Type: application/json' \
      --data-binary "$3" "$psa$2"
  else
    curl -s -o "$work/body" -w '%{http_code}' -X "$1" "${auth[@]}" "$psa$2"
  fi
}
# jq-like: j 'expr over d' reads $work/body as d.
j() { python3 -c "import json,sys; d=json.load(open('$work/body')); print($1)"; }
expect() { # expect NAME WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (want '$2', got '$3')"; cat "$work/body" 2>/dev/null; echo; fi
}
add_content() { # add_content TEXT [extra query] -> CID (not pinned)
  printf '%s' "$1" > "$work/in"
  curl -sf -X POST -F "file=@$work/in" "$api/add?pin=false&quiet=true${2:-}" |
    python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])'
}
wait_status() { # wait_status REQUESTID STATUS: polls until the request reaches STATUS
  for _ in $(seq 1 300); do
    call GET "/pins/$1" >/dev/null
    [ "$(j 'd["status"]')" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
recursive_pin() { curl -s -X POST "$api/pin/ls?type=recursive&arg=$1" | grep -c "\"$1\"" || true; }

start_node
out=$("$cli" --api "127.0.0.1:$port" token create psa-test 2>/dev/null)
token=$(awk '/^secret:/ {print $2}' <<<"$out")
[[ "$token" == mantle_* ]] && ok "token create prints the secret" || { bad "token create: $out"; exit 1; }
"$cli" --api "127.0.0.1:$port" token list | grep -q psa-test && ok "token list shows the token" || bad "token list"
"$cli" --api "127.0.0.1:$port" token list | grep -q "$token" && bad "token list shows a secret" || ok "token list hides secrets"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Origin: http://evil.example' "$api/mantle/token/create?arg=x")
expect "token create refused from a foreign origin" 403 "$code"

c1=$(add_content "psa content one")
body1="{\"cid\":\"$c1\",\"name\":\"Report-alpha\",\"meta\":{\"app\":\"psa\",\"n\":\"1\"}}"
expect "POST without a token is 401" 401 "$(call POST /pins "$body1" "")"
expect "401 body is a Failure object" UNAUTHORIZED "$(j 'd["error"]["reason"]')"
expect "POST with a wrong token is 401" 401 "$(call POST /pins "$body1" mantle_wrong)"
expect "GET with a wrong token is 401" 401 "$(call GET /pins "" mantle_wrong)"
call GET "/pins?status=queued,pinning,pinned,failed" >/dev/null
expect "nothing was created by refused requests" 0 "$(j 'd["count"]')"

expect "POST /pins is 202" 202 "$(call POST /pins "$body1")"
id1=$(j 'd["requestid"]')
expect "new request is queued or further" 1 "$(j 'int(d["status"] in ("queued","pinning","pinned"))')"
wait_status "$id1" pinned && ok "request 1 reaches pinned" || bad "request 1 never pinned"
expect "the block store holds a recursive pin" 1 "$(recursive_pin "$c1")"
curl -s -X POST "$api/pin/ls?type=recursive" | python3 -c "import json,sys; k=json.load(sys.stdin)['Keys']; print(k['$c1'].get('Name',''))" > "$work/pinname"
expect "the pin is named after the request" Report-alpha "$(cat "$work/pinname")"

c2=$(add_content "psa content two")
c3=$(add_content "psa content three")
call POST /pins "{\"cid\":\"$c2\",\"name\":\"report-beta\",\"meta\":{\"app\":\"psa\",\"n\":\"2\"}}" >/dev/null
id2=$(j 'd["requestid"]')
sleep 0.01
call POST /pins "{\"cid\":\"$c3\",\"name\":\"photo\",\"meta\":{\"app\":\"other\"}}" >/dev/null
id3=$(j 'd["requestid"]')
wait_status "$id2" pinned && wait_status "$id3" pinned && ok "requests 2 and 3 pinned" || bad "requests 2/3 not pinned"
call GET "/pins/$id2" >/dev/null; t2=$(j 'd["created"]')
call GET "/pins/$id1" >/dev/null; t1=$(j 'd["created"]')
call GET "/pins/$id3" >/dev/null; t3=$(j 'd["created"]')

names() { call GET "/pins$1" >/dev/null; j '",".join(r["pin"].get("name","") for r in d["results"])'; }
expect "GET /pins newest first" "photo,report-beta,Report-alpha" "$(names '')"
expect "filter cid" "photo,Report-alpha" "$(names "?cid=$c1,$c3")"
expect "filter name exact" "photo" "$(names '?name=photo')"
expect "filter name iexact" "Report-alpha" "$(names '?name=REPORT-ALPHA&match=iexact')"
expect "filter name partial" "report-beta" "$(names '?name=report&match=partial')"
expect "filter name ipartial" "report-beta,Report-alpha" "$(names '?name=REPORT&match=ipartial')"
expect "filter status (none queued)" "" "$(names '?status=queued,pinning')"
expect "filter status pinned,failed" "photo,report-beta,Report-alpha" "$(names '?status=pinned,failed')"
expect "filter before" "Report-alpha" "$(names "?before=$t2")"
expect "filter after" "photo" "$(names "?after=$t2")"
expect "filter before+after" "report-beta" "$(names "?after=$t1&before=$t3")"
expect "filter limit" "photo" "$(names '?limit=1')"
expect "count ignores the limit" 3 "$(j 'd["count"]')"
meta=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"app\":\"psa\"}"))')
expect "filter meta" "report-beta,Report-alpha" "$(names "?meta=$meta")"
meta=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"app\":\"psa\",\"n\":\"2\"}"))')
expect "filter meta, all pairs" "report-beta" "$(names "?meta=$meta")"

expect "GET /pins/{id} is 200" 200 "$(call GET "/pins/$id1")"
expect "GET returns the pin" "$c1" "$(j 'd["pin"]["cid"]')"
expect "created is RFC 3339 UTC with ms" 1 "$(j 'int(len(d["created"])==24 and d["created"].endswith("Z"))')"
expect "GET unknown id is 404" 404 "$(call GET /pins/0123456789abcdef0123456789abcdef)"
expect "DELETE unknown id is 404" 404 "$(call DELETE /pins/0123456789abcdef0123456789abcdef)"
c4=$(add_content "psa content four")
expect "POST replace is 202" 202 "$(call POST "/pins/$id3" "{\"cid\":\"$c4\",\"name\":\"photo-v2\"}")"
id4=$(j 'd["requestid"]')
[ "$id4" != "$id3" ] && ok "replace gives a new requestid" || bad "replace kept the requestid"
expect "replaced request is gone" 404 "$(call GET "/pins/$id3")"
wait_status "$id4" pinned && ok "replacement pinned" || bad "replacement not pinned"
expect "replaced CID unpinned" 0 "$(recursive_pin "$c3")"
expect "DELETE is 202" 202 "$(call DELETE "/pins/$id2")"
expect "deleted request is 404" 404 "$(call GET "/pins/$id2")"
expect "deleted request's CID unpinned" 0 "$(recursive_pin "$c2")"

expect "invalid CID is 400" 400 "$(call POST /pins '{"cid":"not-a-cid"}')"
expect "400 body is a Failure object" BAD_REQUEST "$(j 'd["error"]["reason"]')"
expect "bad JSON is 400" 400 "$(call POST /pins '{"cid":')"
expect "missing cid is 400" 400 "$(call POST /pins '{"name":"x"}')"
expect "limit=0 is 400" 400 "$(call GET '/pins?limit=0')"
expect "limit=1001 is 400" 400 "$(call GET '/pins?limit=1001')"
expect "unknown status is 400" 400 "$(call GET '/pins?status=done')"
expect "bad timestamp is 400" 400 "$(call GET '/pins?before=yesterday')"
expect "bad meta is 400" 400 "$(call GET '/pins?meta=nope')"
expect "bad CID filter is 400" 400 "$(call GET '/pins?cid=nope')"
expect "node still healthy after bad input" 200 "$(call GET /pins)"

# A pin whose blocks are not here: it waits (pinning), survives kill -9 and a restart, and
# completes once the content is added.
printf 'content that arrives after a crash %s' "$RANDOM" > "$work/late"
late=$(curl -sf -X POST -F "file=@$work/late" "$api/add?only-hash=true&quiet=true" |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["Hash"])')
expect "POST pin of absent content is 202" 202 "$(call POST /pins "{\"cid\":\"$late\",\"name\":\"late\"}")"
idl=$(j 'd["requestid"]')
wait_status "$idl" pinning && ok "absent content waits in pinning" || bad "absent content not pinning"
kill -9 $pid
wait $pid 2>/dev/null
start_node
call GET "/pins/$idl" >/dev/null
expect "request survived kill -9" 1 "$(j 'int(d["status"] in ("queued","pinning"))')"
expect "earlier pinned requests survived" 200 "$(call GET "/pins/$id1")"
curl -sf -X POST -F "file=@$work/late" "$api/add?pin=false&quiet=true" >/dev/null
wait_status "$idl" pinned && ok "request completes after the restart" || bad "request not pinned after restart"
expect "late content now pinned" 1 "$(recursive_pin "$late")"

"$cli" --api "127.0.0.1:$port" token revoke psa-test >/dev/null && ok "token revoke" || bad "token revoke"
expect "revoked token is 401" 401 "$(call GET /pins)"

kill $pid; wait $pid 2>/dev/null
echo "passed $pass, failed $fail"
[ "$fail" -eq 0 ]
