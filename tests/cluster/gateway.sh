#!/usr/bin/env bash
# The HTTP gateway of a real node: a website added through the RPC API (nested folders,
# index.html, _redirects) served by path and by host name, trustless formats, and bad input
# (absurd ranges, huge or malformed paths, invalid CIDs, clients that hang up halfway) that
# must get clear errors while the node stays up.
# usage: gateway.sh <build-dir>
set -euo pipefail
build=${1:?build dir}
work=$(mktemp -d /tmp/mantle-gateway.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null || true; wait $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# The site: nested folders, an index at the root and in a folder, a folder without one.
mkdir -p "$work/site/blog/2024" "$work/site/assets/img" "$work/site/docs"
echo '<!DOCTYPE html><html><body>home</body></html>' > "$work/site/index.html"
echo '<html>blog index</html>' > "$work/site/blog/index.html"
echo '<html>first post</html>' > "$work/site/blog/2024/first.html"
echo 'body { color: red }' > "$work/site/assets/style.css"
printf '\x89PNG\r\n\x1a\nfakepng' > "$work/site/assets/img/logo.png"
echo 'alpha' > "$work/site/docs/a.txt"
echo '<html>custom not found</html>' > "$work/site/404.html"
head -c 3000000 /dev/urandom > "$work/site/docs/big.bin"
cat > "$work/site/_redirects" <<'EOF'
# a comment
/old-blog/*      /blog/:splat        301
/posts/:year/:n  /blog/:year/:n.html 200
/app/*           /index.html         200
/gone            /                   410
/*               /404.html           404
EOF

rpc_port=$(free_port)
gw_port=$(free_port)
while [ "$gw_port" = "$rpc_port" ]; do gw_port=$(free_port); done
api="http://127.0.0.1:$rpc_port/api/v0"
start_node() {
  "$build/mantled" --data-dir "$work/repo" --rpc-addr "127.0.0.1:$rpc_port" \
    --gateway-addr "127.0.0.1:$gw_port" --console-addr 127.0.0.1:0 --peer-addr 127.0.0.1:0 "$@" > "$work/node.log" 2>&1 &
  pids+=($!)
  wait_up || { echo "node did not start"; cat "$work/node.log"; exit 1; }
}
start_node
root=$("$build/mantle" --api "127.0.0.1:$rpc_port" add -r -q --cid-version 1 "$work/site" | tail -1)
[ -n "$root" ] || { echo "add failed"; exit 1; }
gw="http://127.0.0.1:$gw_port"

# expect STATUS BODY-SUBSTRING NAME -- curl args...
expect() {
  local want=$1 text=$2 name=$3; shift 4
  local code
  code=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@" || true)
  if [ "$code" = "$want" ] && { [ -z "$text" ] || grep -q -- "$text" "$work/body"; }; then ok "$name"
  else bad "$name (status $code, body: $(head -c 300 "$work/body"))"; fi
}
# header NAME VALUE-SUBSTRING TEST-NAME: checks the headers of the last expect
header() {
  if grep -i "^$1: " "$work/headers" | grep -q -- "$2"; then ok "$3"
  else bad "$3 ($(grep -i "^$1: " "$work/headers" || echo "no $1 header"))"; fi
}

expect 200 'home' "the site root serves index.html" -- "$gw/ipfs/$root/"
header Content-Type 'text/html' "index.html is text/html"
header Etag '"b' "the Etag is the CID"
header X-Ipfs-Path "/ipfs/$root" "X-Ipfs-Path names the content path"
header Cache-Control 'immutable' "immutable content is cached for good"
expect 200 'home' "a browser on another origin may read the gateway" -- -H 'Origin: https://app.example' "$gw/ipfs/$root/"
header Access-Control-Allow-Origin '\*' "the gateway allows any origin by default"
expect 301 '' "a directory without its slash redirects" -- "$gw/ipfs/$root/blog"
header Location "/ipfs/$root/blog/" "the redirect adds the slash"
expect 200 'blog index' "a nested index.html" -- "$gw/ipfs/$root/blog/"
expect 200 'first post' "a nested file" -- "$gw/ipfs/$root/blog/2024/first.html"
expect 200 'color' "a stylesheet" -- "$gw/ipfs/$root/assets/style.css"
header Content-Type 'text/css' "CSS is typed by its extension"
expect 200 'PNG' "an image" -- "$gw/ipfs/$root/assets/img/logo.png"
header Content-Type 'image/png' "PNG is typed"
expect 200 'a.txt' "a folder without index.html is listed" -- "$gw/ipfs/$root/docs/"
header Content-Type 'text/html' "the listing is HTML"
if curl -sf "$gw/ipfs/$root/docs/big.bin" | cmp -s - "$work/site/docs/big.bin"; then ok "a 3 MB file comes back byte for byte"
else bad "a 3 MB file comes back byte for byte"; fi
if curl -sf -r 1000000-1000999 "$gw/ipfs/$root/docs/big.bin" | cmp -s - <(tail -c +1000001 "$work/site/docs/big.bin" | head -c 1000); then ok "a range comes back exactly"
else bad "a range comes back exactly"; fi
expect 206 '' "a range is a 206" -- -r 5-10 "$gw/ipfs/$root/docs/a.txt"
header Content-Range 'bytes 5-5/6' "Content-Range is clamped to the file"
etag=$(curl -sI "$gw/ipfs/$root/docs/a.txt" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
expect 304 '' "If-None-Match with the Etag is a 304" -- -H "If-None-Match: $etag" "$gw/ipfs/$root/docs/a.txt"
expect 200 'alpha' "raw block of a raw leaf" -- -H 'Accept: application/vnd.ipld.raw' "$gw/ipfs/$root/docs/a.txt"
header Content-Type 'application/vnd.ipld.raw' "raw blocks are typed"
expect 200 '' "the bafkqaaa probe answers" -- "$gw/ipfs/bafkqaaa?format=raw"
curl -sf "$gw/ipfs/$root/blog?format=tar" -o "$work/blog.tar"
tar -tf "$work/blog.tar" > "$work/blog.list" || true
if grep -q 'blog/2024/first.html' "$work/blog.list"; then ok "format=tar holds the folder"
else bad "format=tar holds the folder"; fi

# Bad input: clear errors, and the node stays up.
expect 416 'not satisfiable' "a range past the end is a 416" -- -r 999999999999-  "$gw/ipfs/$root/docs/a.txt"
expect 416 '' "an absurd range is a 416" -- -H 'Range: bytes=99999999999999999999999999999-' "$gw/ipfs/$root/docs/a.txt"
expect 200 'alpha' "a garbage range is ignored" -- -H 'Range: bytes=zzz' "$gw/ipfs/$root/docs/a.txt"
expect 400 'invalid CID' "an invalid CID is a 400" -- "$gw/ipfs/bafyNOTACID/x"
expect 404 'cannot resolve' "a missing path is a 404" -- "$gw/ipfs/$root/no/such/file"
expect 404 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e' "a CID not stored here is a 404 naming it" -- "$gw/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
expect 412 '' "only-if-cached for missing content is a 412" -- -H 'Cache-Control: only-if-cached' "$gw/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
expect 400 '' "dot segments are refused" -- --path-as-is "$gw/ipfs/$root/../../etc/passwd"
expect 400 '' "a malformed escape is refused" -- "$gw/ipfs/$root/%zz"
long=$(head -c 30000 /dev/zero | tr '\0' 'a')
expect 404 '' "a 30 KB path segment is a clean 404" -- "$gw/ipfs/$root/$long"
deep=$(printf 'd/%.0s' $(seq 1 2000))
expect 400 'segments' "a path 2000 segments deep is refused" -- "$gw/ipfs/$root/$deep"
huge=$(head -c 100000 /dev/zero | tr '\0' 'a')
code=$(curl -s -o /dev/null -w '%{http_code}' "$gw/ipfs/$root/$huge" || true)
if [ "$code" -ge 400 ] && [ "$code" -lt 500 ]; then ok "a 100 KB request line is refused ($code)"; else bad "a 100 KB request line is refused ($code)"; fi
expect 405 '' "POST to the gateway is refused" -- -X POST "$gw/ipfs/$root/"
expect 501 'IPNS' "IPNS is a clear 501" -- "$gw/ipns/example.com/"
# Concurrent clients that hang up halfway through a body or through their request.
aborters=()
for i in $(seq 1 20); do
  { curl -s --max-time 0.05 --limit-rate 100k "$gw/ipfs/$root/docs/big.bin" -o /dev/null || true; } &
  aborters+=($!)
  { (printf 'GET /ipfs/%s/docs/big.bin HTTP/1.1\r\nHost: x\r\n' "$root" > /dev/tcp/127.0.0.1/$gw_port) 2>/dev/null || true; } &
  aborters+=($!)
done
wait "${aborters[@]}" 2>/dev/null || true
expect 200 'home' "the gateway still answers after 40 aborted connections" -- "$gw/ipfs/$root/"

# The gateway's requests are counted on the RPC port's /metrics.
metrics=$(curl -sf "http://127.0.0.1:$rpc_port/metrics")
if grep -q 'mantle_http_requests_total{server="gateway",route="gateway",code="404"}' <<<"$metrics"; then ok "gateway 404s are counted in /metrics"
else bad "gateway 404s are counted in /metrics"; fi
if grep -Eq 'mantle_http_response_bytes_total\{server="gateway",route="gateway"\} [1-9]' <<<"$metrics"; then ok "gateway bytes served are counted"
else bad "gateway bytes served are counted ($(grep response_bytes <<<"$metrics"))"; fi

# The same content as a website on a host name, with _redirects.
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_node --site "site.example=$root"
host=(-H "Host: site.example")
expect 200 'home' "the site is served at / for its host" -- "${host[@]}" "$gw/"
header X-Ipfs-Path "/ipfs/$root" "the site's X-Ipfs-Path is its root"
expect 200 'first post' "site files by path" -- "${host[@]}" "$gw/blog/2024/first.html"
expect 301 '' "a splat redirect" -- "${host[@]}" "$gw/old-blog/2024/first.html"
header Location '/blog/2024/first.html' "the splat is substituted"
expect 200 'first post' "a placeholder rewrite (200)" -- "${host[@]}" "$gw/posts/2024/first"
expect 200 'home' "an SPA fallback rewrite" -- "${host[@]}" "$gw/app/settings/profile"
expect 410 '' "a 410 rule" -- "${host[@]}" "$gw/gone"
expect 404 'custom not found' "the custom 404 page" -- "${host[@]}" "$gw/nothing/here"
expect 200 'home' "other hosts still use /ipfs/ paths" -- "$gw/ipfs/$root/"
expect 404 '' "other hosts get no site at /" -- "$gw/"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
