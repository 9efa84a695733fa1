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
bash "$root/bench/torch/build.sh" stream_bench_torch
# As bench/run.sh: OpenBLAS's AVX-512 kernels where the CPU has them (libtorch's GEMMs use them).
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for threads in 1 2; do
  echo "bench: $threads thread(s)" >&2
  "$root/build/bench/stream_bench" --threads "$threads" --min-seconds "$seconds" >>"$results"
  for onednn in on off; do
    "$root/build-bench-torch/stream_bench_torch" --threads "$threads" --onednn "$onednn" --min-seconds "$seconds" >>"$results"
  done
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$root/build/bench/stream_bench" --report "$results"
