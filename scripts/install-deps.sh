#!/usr/bin/env bash
# Installs the Debian packages Mantle builds and tests with, only those that are missing.
set -euo pipefail
pkgs=(g++ cmake ninja-build ccache pkg-config libcaf-dev liblmdb-dev libbotan-2-dev
      libmsgpack-cxx-dev libboost-dev nlohmann-json3-dev catch2 libssl-dev libedit-dev)
bench=0
for arg in "$@"; do
  case "$arg" in
    # chromium (+ its driver) for the dashboard's browser test (tests/dashboard, playwright-core).
    --with-test-tools) pkgs+=(nodejs npm curl python3 chromium chromium-driver) ;;
    # wrk and nginx for tools/bench/gateway_bench.sh (never used by the tests).
    --with-bench-tools) pkgs+=(wrk nginx curl python3); bench=1 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from elsewhere on a developer machine; an existing node is good enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
kept=()
for p in ${missing[@]+"${missing[@]}"}; do [ -n "$p" ] && kept+=("$p"); done
missing=(${kept[@]+"${kept[@]}"})
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  # Debian's nginx package starts a service on port 80 when installed; the benchmark runs its
  # own unprivileged instance, so a policy-rc.d that refuses service starts (exit 101) is put in
  # place for the install only (unless one exists already), then removed.
  policy=/usr/sbin/policy-rc.d; own_policy=0
  if [ "$bench" = 1 ] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"; own_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" || status=$?
  [ "$own_policy" = 1 ] && $SUDO rm -f "$policy"
  [ "$status" = 0 ] || exit "$status"
fi
