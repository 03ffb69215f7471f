#!/usr/bin/env bash
# Interop test: kubo-rpc-client (checked by ipfs-unixfs-importer and @ipld/car) against Mantle.
#   tests/interop/run.sh PATH/TO/mantled            (or MANTLED=PATH tests/interop/run.sh)
#   tests/interop/run.sh --api http://127.0.0.1:5001 (a node that is already running)
# Installs exactly the versions in package-lock.json (from npm's cache when it has them), then
# runs kubo_client_test.mjs; the exit status is the test's. MANTLE_INTEROP_SKIP_INSTALL=1 reuses
# an existing node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "interop: $tool is not installed (apt-get install nodejs npm)" >&2; exit 1; }
done

if [[ "${MANTLE_INTEROP_SKIP_INSTALL:-0}" != 1 || ! -d node_modules ]]; then
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
fi

exec node kubo_client_test.mjs "$@"
