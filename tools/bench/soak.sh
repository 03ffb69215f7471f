#!/usr/bin/env bash
# The long checks CI leaves out: the [slow] Catch2 tests (1 GiB IPIP-499 vectors, store
# throughput), 100 SIGKILL-mid-add rounds of the crash-safety script, and the ctest tests
# labelled soak (multi-node clusters).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh >/dev/null
build/mantle_tests "[slow]"
tests/cluster/crash_safety.sh build 100
(cd build && ctest --output-on-failure -L soak)
