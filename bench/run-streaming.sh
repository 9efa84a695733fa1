#!/usr/bin/env bash
# The streaming benchmark: per-step latency of a stream of the issue's TCN (8 causal Conv1D
# blocks, 32 filters, kernel 3, dilations 1…128, a receptive field of 511 steps) against
# recomputing those 511 steps for every new one, with minidl and with libtorch, side by side in one
# run at 1 and 2 threads; prints the table (ratios: this machine is shared).
#   bash bench/run-streaming.sh [--quick]
# libtorch is needed only here: this script installs libtorch-dev and builds bench/torch/ apart
# from minidl, and runs it at its best (the better of oneDNN on and off).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=2
[[ ${1:-} == --quick ]] && seconds=0.3

bash "$root/scripts/build.sh" >/dev/null
if ! dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: libtorch-dev is missing (run as root, or: sudo apt-get install libtorch-dev)" >&2
    exit 1
  fi
  echo "bench: installing libtorch-dev"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libtorch-dev >/dev/null
fi
cmake -S "$root/bench/torch" -B "$root/build-bench-torch" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-bench-torch" -j2 --target stream_bench_torch >/dev/null

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for threads in 1 2; do
  echo "bench: $threads thread(s)" >&2
  "$root/build/bench/stream_bench" --threads "$threads" --min-seconds "$seconds" >>"$results"
  for onednn in on off; do
    "$root/build-bench-torch/stream_bench_torch" --threads "$threads" --onednn "$onednn" --min-seconds "$seconds" >>"$results"
  done
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
"$root/build/bench/stream_bench" --report "$results"
