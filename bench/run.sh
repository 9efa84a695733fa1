#!/usr/bin/env bash
# The benchmark: minidl's Conv1D and a TCN training step against libtorch's, side by side in one run,
# at 1 and 2 threads, with the machine's FMA peak; prints the table (ratios: this machine is shared).
#   bash bench/run.sh [--quick]
# libtorch is needed only here: this script installs libtorch-dev and builds bench/torch/ apart
# from minidl. libtorch runs at its best: the better of oneDNN on and off, and with glibc's malloc
# kept from returning large buffers to the system on every call.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=2
[[ ${1:-} == --quick ]] && seconds=0.3

bash "$root/scripts/build.sh" >/dev/null
bash "$root/bench/torch/build.sh"

# Where the CPU has AVX-512, both frameworks get OpenBLAS's AVX-512 kernels (libtorch uses OpenBLAS
# when oneDNN is off; oneDNN picks AVX-512 by itself). Debian 12's OpenBLAS (0.3.21) does not
# recognise AMD Zen 4 and falls back to its AVX2 kernels, and some machines pin OPENBLAS_CORETYPE
# to an older core in their environment; the kernels used are printed with the table.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi

minidl_bench="$root/build/bench/conv1d_bench"
torch_bench="$root/build-bench-torch/conv1d_bench_torch"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export GLIBC_TUNABLES_FOR_TORCH=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296
for threads in 1 2; do
  echo "bench: $threads thread(s)" >&2
  "$minidl_bench" --threads "$threads" --fma-peak >>"$results"
  for which in all tcn; do
    # Each framework in its own process, so that peak memory is its own.
    "$minidl_bench" --threads "$threads" --case "$which" --min-seconds "$seconds" >>"$results"
    for onednn in on off; do
      GLIBC_TUNABLES=$GLIBC_TUNABLES_FOR_TORCH "$torch_bench" --threads "$threads" --onednn "$onednn" --case "$which" \
        --min-seconds "$seconds" >>"$results"
    done
  done
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$minidl_bench" --report "$results"
