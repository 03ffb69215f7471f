#!/usr/bin/env bash
# A plugin built outside the source tree with cmake/MantlePlugin.cmake, as a plugin author
# would, then loaded by a real mantled from the command line.
# Usage: out_of_tree.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
mantled=$build/mantled
source "$src/tests/cluster/lib.sh"
work=$(mktemp -d /tmp/mantle-plugin-oot-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
flunk() { bad "$1"; [ -f "$work/node.log" ] && tail -40 "$work/node.log"; exit 1; }

mkdir -p "$work/blkcount"
cat > "$work/blkcount/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(blkcount CXX)
include(${MANTLE_SOURCE_DIR}/cmake/MantlePlugin.cmake)
mantle_add_plugin(blkcount SOURCES blkcount.cpp)
CMAKE
cat > "$work/blkcount/blkcount.cpp" <<'CPP'
#include <caf/all.hpp>
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin_api.hpp"

namespace {
caf::behavior counter(caf::event_based_actor* self, caf::group events, std::function<void(const std::string&, const std::string&)> log) {
  self->join(events);
  auto blocks = std::make_shared<uint64_t>(0);
  return {
    [=](const mantle::node_event& e) {
      if (e.kind == "block" && ++*blocks == 2)
        log("info", "counted 2 blocks");
    },
    [=](mantle::get_atom) { return *blocks; },
  };
}
caf::actor spawn_counter(const mantle::plugin_context& ctx) { return ctx.system.spawn(counter, ctx.events, ctx.log); }
} // namespace

MANTLE_PLUGIN("blkcount", "1.0.0", spawn_counter)
CPP
gen=()
command -v ninja > /dev/null && gen=(-G Ninja)
if cmake -S "$work/blkcount" -B "$work/blkcount/build" "${gen[@]}" -DMANTLE_SOURCE_DIR="$src" > "$work/cmake.log" 2>&1 &&
   cmake --build "$work/blkcount/build" >> "$work/cmake.log" 2>&1; then
  ok "configured and built out of tree"
else
  cat "$work/cmake.log"; flunk "out-of-tree build failed"
fi
so="$work/blkcount/build/blkcount.so"
[ -f "$so" ] && ok "blkcount.so (no lib prefix)" || { ls "$work/blkcount/build"; flunk "no blkcount.so"; }
nm -D --defined-only "$so" > "$work/symbols.txt"
grep -q " T mantle_plugin_entry$" "$work/symbols.txt" && ok "exports mantle_plugin_entry" || flunk "entry point not exported"

rpc=$(free_port)
api=http://127.0.0.1:$rpc/api/v0
extra=()
"$mantled" --help > "$work/help.txt" 2>&1
grep -q -- "--console-addr" "$work/help.txt" && extra+=(--console-addr 127.0.0.1:0)
start_mantled --data-dir "$work/data" --rpc-addr "127.0.0.1:$rpc" --gateway-addr 127.0.0.1:0 \
  --peer-addr 127.0.0.1:0 --plugin "$so" "${extra[@]}"
grep -q "loaded plugin 'blkcount' 1.0.0" "$work/node.log" && ok "mantled loaded it" || flunk "not loaded"
for _ in $(seq 1 100); do grep -q "plugin.blkcount: counted 2 blocks" "$work/node.log" && break; sleep 0.2; done
grep -q "plugin.blkcount: counted 2 blocks" "$work/node.log" && ok "it sees the node's block events" || flunk "no events reached it"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] && ok "clean shutdown" || flunk "exit code $rc"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
