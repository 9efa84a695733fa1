#!/usr/bin/env bash
# The recurrent benchmark: minidl's LSTM and GRU against libtorch's nn::LSTM and nn::GRU, forward
# and forward plus backward, side by side in one run at 1 and 2 threads (libtorch at the best of
# oneDNN on and off); prints the table (ratios: this machine is shared).
#   bash bench/run-rnn.sh [--quick]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=2
[[ ${1:-} == --quick ]] && seconds=0.3

bash "$root/scripts/build.sh" >/dev/null
bash "$root/bench/torch/build.sh" rnn_bench_torch
# As bench/run.sh: OpenBLAS's AVX-512 kernels where the CPU has them, for both frameworks.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for threads in 1 2; do
  echo "bench: $threads thread(s)" >&2
  "$root/build/bench/rnn_bench" --threads "$threads" --min-seconds "$seconds" | tee -a "$results" >&2
  for onednn in on off; do
    "$root/build-bench-torch/rnn_bench_torch" --threads "$threads" --onednn "$onednn" --min-seconds "$seconds" | tee -a "$results" >&2
  done
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$root/build/bench/rnn_bench" --report "$results"
