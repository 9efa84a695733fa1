#!/usr/bin/env bash
# The benchmark: minidl's Conv1D and a TCN training step against libtorch's, side by side in one run,
# at 1 and 2 threads, with the machine's FMA peak; prints the table (ratios: this machine is shared).
#   bash bench/run.sh [--quick] [--isa avx512|avx2|blas[,...]] [--build-dir DIR]
# --isa runs minidl's kernels on each ISA listed (set_kernel_isa), one table each, with libtorch
# held to the same: on avx2, ONEDNN_MAX_CPU_ISA=AVX2 and OPENBLAS_CORETYPE=Haswell for both
# frameworks, and the FMA peak of 256-bit vectors. The default is the CPU's best ISA.
# --build-dir takes minidl's benchmark from an existing build instead of building build/.
# libtorch is needed only here: this script installs libtorch-dev and builds bench/torch/ apart
# from minidl. libtorch runs at its best: the better of oneDNN on and off, and with glibc's malloc
# kept from returning large buffers to the system on every call.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=2
isas=""
build_dir=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) seconds=0.3 ;;
    --isa) isas=${2:?--isa needs avx512, avx2 or blas, or a comma-separated list}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    *) echo "usage: bash bench/run.sh [--quick] [--isa avx512|avx2|blas[,...]] [--build-dir DIR]" >&2; exit 2 ;;
  esac
  shift
done

if [[ -z $build_dir ]]; then
  bash "$root/scripts/build.sh" >/dev/null
  build_dir="$root/build"
fi
bash "$root/bench/torch/build.sh"

has() { grep -qw "$1" /proc/cpuinfo; }
if [[ -z $isas ]]; then
  if has avx512f && has fma; then isas=avx512
  elif has avx2 && has fma; then isas=avx2
  else isas=blas; fi
fi

# Where the CPU has AVX-512, both frameworks get OpenBLAS's AVX-512 kernels (libtorch uses OpenBLAS
# when oneDNN is off; oneDNN picks AVX-512 by itself). Debian 12's OpenBLAS (0.3.21) does not
# recognise AMD Zen 4 and falls back to its AVX2 kernels, and some machines pin OPENBLAS_CORETYPE
# to an older core in their environment; the kernels used are printed with the table.
best_coretype=${OPENBLAS_CORETYPE:-}
if has avx512f && has avx512bw && has avx512vl; then
  best_coretype=SkylakeX
fi

minidl_bench="$build_dir/bench/conv1d_bench"
torch_bench="$root/build-bench-torch/conv1d_bench_torch"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export GLIBC_TUNABLES_FOR_TORCH=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296
settings=""
for isa in ${isas//,/ }; do
  # Both frameworks under the same environment: held to AVX2, or at the CPU's best.
  if [[ $isa == avx2 ]]; then
    isa_env=(OPENBLAS_CORETYPE=Haswell ONEDNN_MAX_CPU_ISA=AVX2)
  else
    isa_env=(${best_coretype:+OPENBLAS_CORETYPE=$best_coretype})
  fi
  settings+="${settings:+; }$isa: ${isa_env[*]:-OpenBLAS and oneDNN at their defaults}"
  for threads in 1 2; do
    echo "bench: kernel ISA $isa, $threads thread(s)" >&2
    env "${isa_env[@]}" "$minidl_bench" --isa "$isa" --threads "$threads" --fma-peak >>"$results"
    for which in all tcn; do
      # Each framework in its own process, so that peak memory is its own.
      env "${isa_env[@]}" "$minidl_bench" --isa "$isa" --threads "$threads" --case "$which" --min-seconds "$seconds" >>"$results"
      for onednn in on off; do
        # libtorch's lines carry the ISA it was held to, to pair with minidl's.
        env "${isa_env[@]}" GLIBC_TUNABLES=$GLIBC_TUNABLES_FOR_TORCH "$torch_bench" --threads "$threads" --onednn "$onednn" \
          --case "$which" --min-seconds "$seconds" | sed "s/^{/{\"isa\":\"$isa\",/" >>"$results"
      done
    done
  done
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); $settings"
"$minidl_bench" --report "$results"
