#!/usr/bin/env bash
# Builds minidl with clang, AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer
# included) into build-sanitize/, with the libFuzzer targets, and runs the whole suite there
# through CTest: every doctest case, the examples, the kill-and-resume test, and each fuzzer's
# seeds and regressions followed by a bounded fuzzing run. Any sanitizer report fails its test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" reliability
# A unity build halves this build's time on two cores.
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 \
  -DMINIDL_BUILD_BENCH=OFF -DMINIDL_SANITIZE=ON -DMINIDL_FUZZ=ON >/dev/null
cmake --build "$root/build-sanitize" --parallel "$(nproc)"
cd "$root/build-sanitize"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The sweep that flips every bit of three saved files (86,000 loads, over three minutes under ASan)
# runs in the Release suite; the model-file fuzzer reaches the same readers here.
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 -E "every single-bit flip of a weights file"
