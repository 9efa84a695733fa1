#!/usr/bin/env bash
# Builds minidl as a shared library inside a parent project (parent/), runs the parent's program,
# then installs that shared build (MINIDL_INSTALL=ON) and uses it from outside
# (consume_installed.sh). Usage: subproject_shared.sh <minidl source dir> <scratch dir>
set -euo pipefail
source_dir=$1 scratch=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$scratch"
# No build type (the parent's own choice, kept): unoptimized, so the library compiles quickest.
cmake -S "$here/parent" -B "$scratch/parent" -DMINIDL_SOURCE_DIR="$source_dir" -DMINIDL_INSTALL=ON \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
cmake --build "$scratch/parent" --parallel "$(nproc)" >/dev/null
subproject_output=$("$scratch/parent/consumer")  # a failing consumer ends the script here
echo "subproject: $subproject_output"
cmake --install "$scratch/parent" --prefix "$scratch/prefix" >/dev/null
bash "$here/consume_installed.sh" "$scratch/prefix" "$scratch"
