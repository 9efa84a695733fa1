#!/usr/bin/env bash
# Data-parallel training on this machine, side by side: the main job's TCN at global batches of 32,
# as one process on one thread and on two, and as one and two MPI ranks of one thread each
# (distributed::DataParallel; on two ranks also with the gradients in 4 KiB buckets, sent while
# backward runs, rather than in one after it), each case run three times, interleaved; then
# backward's time per local batch for the cost model of N machines. Prints the tables of
# docs/distributed.md.
#   bash bench/run-distributed.sh [--steps N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
steps=40
while (($#)); do
  case $1 in
    --steps) steps=$2; shift 2 ;;
    *) echo "usage: bench/run-distributed.sh [--steps N]" >&2; exit 2 ;;
  esac
done
bash "$root/scripts/setup.sh" reliability >/dev/null  # OpenMPI
bash "$root/scripts/build.sh" >/dev/null
bench="$root/build/bench/distributed_bench"
mpirun=(mpirun --allow-run-as-root --bind-to none)
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for _ in 1 2 3; do
  OPENBLAS_NUM_THREADS=1 "$bench" --one-process --steps "$steps" | tee -a "$results" >&2
  OPENBLAS_NUM_THREADS=2 "$bench" --one-process --steps "$steps" | tee -a "$results" >&2
  OPENBLAS_NUM_THREADS=1 "${mpirun[@]}" -np 1 "$bench" --steps "$steps" | tee -a "$results" >&2
  OPENBLAS_NUM_THREADS=1 "${mpirun[@]}" -np 2 "$bench" --steps "$steps" | tee -a "$results" >&2
  OPENBLAS_NUM_THREADS=1 "${mpirun[@]}" -np 2 "$bench" --steps "$steps" --bucket-bytes 4096 | tee -a "$results" >&2
done
OPENBLAS_NUM_THREADS=1 "$bench" --cost-model | tee -a "$results" >&2
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
"$bench" --report "$results"
