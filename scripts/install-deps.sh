#!/usr/bin/env bash
# Installs the Debian packages Mantle builds and tests with, only those that are missing.
set -euo pipefail
pkgs=(g++ cmake ninja-build ccache pkg-config libcaf-dev liblmdb-dev libbotan-2-dev
      libmsgpack-cxx-dev libboost-dev catch2 libssl-dev nlohmann-json3-dev)
if [ "${1:-}" = "--with-test-tools" ]; then
  pkgs+=(nodejs npm curl python3)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from elsewhere on a developer machine; an existing node is good enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=(${missing[@]+"${missing[@]}"})
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
