#!/usr/bin/env bash
# The benchmark: minidl's Conv1D and a TCN training step against libtorch's, side by side in one run,
# at 1 and 2 threads, with the machine's FMA peak; prints the table (ratios: this machine is shared).
#   bash bench/run.sh [--quick] [--isa avx512|avx2|portable|blas[,...]] [--busy] [--build-dir DIR]
# --isa runs minidl's kernels on each ISA listed (set_kernel_isa), one table each, with libtorch
# held to the same for both frameworks: on avx2, ONEDNN_MAX_CPU_ISA=AVX2, OPENBLAS_CORETYPE=Haswell
# and ATEN_CPU_CAPABILITY=avx2, and the FMA peak of 256-bit vectors; on portable, as a CPU without
# AVX (SSE41, Nehalem, default), and the multiply-add peak of 4-float vectors. The default is the
# CPU's best ISA.
# --busy measures again, on each ISA, with a competing process spinning a third of one core
# (build/bench/busy_neighbour, started and stopped here): minidl at 1 and 2 threads, libtorch at 2.
# float64 (the dtype of gradient checks) is measured once, on B1–B6 at the first ISA.
# --build-dir takes minidl's benchmark from an existing build instead of building build/.
# libtorch is needed only here: this script installs libtorch-dev and builds bench/torch/ apart
# from minidl. libtorch runs at its best: the better of oneDNN on and off, and with glibc's malloc
# kept from returning large buffers to the system on every call.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=2
isas=""
busy=false
build_dir=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) seconds=0.3 ;;
    --isa) isas=${2:?--isa needs avx512, avx2, portable or blas, or a comma-separated list}; shift ;;
    --busy) busy=true ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    *) echo "usage: bash bench/run.sh [--quick] [--isa avx512|avx2|portable|blas[,...]] [--busy] [--build-dir DIR]" >&2; exit 2 ;;
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
  else isas=portable; fi
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
neighbour=""
stop_neighbour() {
  if [[ -n $neighbour ]]; then kill "$neighbour" 2>/dev/null || true; wait "$neighbour" 2>/dev/null || true; fi
  neighbour=""
}
trap 'stop_neighbour; rm -f "$results"' EXIT
# A signal ends the script through the EXIT trap too, so that the neighbour never outlives it.
trap 'exit 143' TERM HUP
trap 'exit 130' INT
export GLIBC_TUNABLES_FOR_TORCH=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296
# One thread count's measurements of every case and the TCN step: minidl's if $2, libtorch's (oneDNN
# on and off) if $3; $4 is a field to add to every line. Uses isa and isa_env.
measure() {
  local threads=$1 with_minidl=$2 with_torch=$3 tag=$4 which onednn
  for which in all tcn; do
    # Each framework in its own process, so that peak memory is its own.
    if $with_minidl; then
      env "${isa_env[@]}" "$minidl_bench" --isa "$isa" --threads "$threads" --case "$which" --min-seconds "$seconds" |
        sed "s/^{/{$tag/"
    fi
    if $with_torch; then
      for onednn in on off; do
        # libtorch's lines carry the ISA it was held to, to pair with minidl's.
        env "${isa_env[@]}" GLIBC_TUNABLES=$GLIBC_TUNABLES_FOR_TORCH "$torch_bench" --threads "$threads" --onednn "$onednn" \
          --case "$which" --min-seconds "$seconds" | sed "s/^{/{$tag\"isa\":\"$isa\",/"
      done
    fi
  done
}
settings=""
for isa in ${isas//,/ }; do
  # Both frameworks under the same environment: held to AVX2, to SSE, or at the CPU's best.
  if [[ $isa == avx2 ]]; then
    isa_env=(OPENBLAS_CORETYPE=Haswell ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
  elif [[ $isa == portable ]]; then
    isa_env=(OPENBLAS_CORETYPE=Nehalem ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default)
  else
    isa_env=(${best_coretype:+OPENBLAS_CORETYPE=$best_coretype})
  fi
  settings+="${settings:+; }$isa: ${isa_env[*]:-OpenBLAS and oneDNN at their defaults}"
  for threads in 1 2; do
    echo "bench: kernel ISA $isa, $threads thread(s)" >&2
    env "${isa_env[@]}" "$minidl_bench" --isa "$isa" --threads "$threads" --fma-peak >>"$results"
    measure "$threads" true true "" >>"$results"
  done
  if [[ $isa == "${isas%%,*}" ]]; then
    # float64, the dtype of gradient checks, on B1–B6, once: minidl runs it on BLAS whatever the ISA,
    # and libtorch without oneDNN, which has no float64 convolution.
    echo "bench: float64" >&2
    for threads in 1 2; do
      for which in B1 B2 B3 B4 B5 B6; do
        env "${isa_env[@]}" "$minidl_bench" --isa "$isa" --threads "$threads" --case "$which" --dtype float64 --min-seconds "$seconds"
        env "${isa_env[@]}" GLIBC_TUNABLES=$GLIBC_TUNABLES_FOR_TORCH "$torch_bench" --threads "$threads" --onednn off \
          --case "$which" --dtype float64 --min-seconds "$seconds" | sed "s/^{/{\"isa\":\"$isa\",/"
      done
    done >>"$results"
  fi
  if $busy; then
    echo "bench: kernel ISA $isa, with a busy neighbour" >&2
    [[ -x $build_dir/bench/busy_neighbour ]] || { echo "bench: no $build_dir/bench/busy_neighbour to run" >&2; exit 1; }
    "$build_dir/bench/busy_neighbour" --share 0.33 &
    neighbour=$!
    sleep 0.2
    kill -0 "$neighbour" 2>/dev/null || { echo "bench: the busy neighbour did not start" >&2; exit 1; }
    for threads in 1 2; do
      measure "$threads" true $([[ $threads == 2 ]] && echo true || echo false) '"neighbour":true,' >>"$results"
    done
    stop_neighbour
  fi
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); $settings"
"$minidl_bench" --report "$results"
