#!/usr/bin/env bash
# The long checks CI leaves out: the [slow] Catch2 tests (1 GiB IPIP-499 vectors, store
# throughput), 100 SIGKILL-mid-add rounds of the crash-safety script, the ctest tests labelled
# soak (none at the moment), and ten runs of each multi-node cluster script (CI runs each once).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh >/dev/null
build/mantle_tests "[slow]"
tests/cluster/crash_safety.sh build 100
(cd build && ctest --output-on-failure -L soak --no-tests=ignore)
for i in $(seq 1 10); do
  for t in peers exchange freerider; do
    tests/cluster/$t.sh build > /dev/null || { echo "$t.sh failed in round $i (run it alone to see why)"; exit 1; }
  done
done
echo "cluster scripts: 10 rounds passed"
