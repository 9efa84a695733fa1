#!/usr/bin/env bash
# Training from data larger than it needs to hold: makes a 2 GiB float32 series as a .npy file
# (in build/, not kept in the repository), then trains the main job's TCN on random windows of it,
# once read from the file in place and once loaded into memory, each in its own process; prints peak memory and
# time per step side by side.
#   bash bench/run-data.sh [--gigabytes G] [--steps N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gigabytes=2
steps=300
while (($#)); do
  case $1 in
    --gigabytes) gigabytes=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "usage: bench/run-data.sh [--gigabytes G] [--steps N]" >&2; exit 2 ;;
  esac
done
bash "$root/scripts/build.sh" >/dev/null
bench="$root/build/bench/data_bench"
npy="$root/build/bench/series_${gigabytes}GiB.npy"
[[ -f $npy ]] || "$bench" --make-npy "$npy" --gigabytes "$gigabytes"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for source in npy memory npy memory; do
  "$bench" --train "$source" --npy "$npy" --steps "$steps" | tee -a "$results" >&2
done
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
"$bench" --report "$results"
