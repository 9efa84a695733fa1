#!/usr/bin/env bash
# Installs libtorch-dev when missing and builds the libtorch halves of the benchmarks into
# build-bench-torch/, apart from minidl (which never depends on libtorch).
#   bash bench/torch/build.sh [cmake --build target]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: libtorch-dev is missing (run as root, or: sudo apt-get install libtorch-dev)" >&2
    exit 1
  fi
  echo "bench: installing libtorch-dev" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libtorch-dev >/dev/null
fi
cmake -S "$root/bench/torch" -B "$root/build-bench-torch" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-bench-torch" -j2 ${1:+--target "$1"} >/dev/null
