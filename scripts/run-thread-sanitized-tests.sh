#!/usr/bin/env bash
# Builds minidl with clang and ThreadSanitizer into build-tsan/, only the library and the threading
# tests (tests/reliability/threads_test.cpp, tests/core/parallel_test.cpp), and runs them through
# CTest: a data race, a lock taken in two orders or any other report fails its test. The one test
# program, unity batches of sixteen, -O0 (the tests are small; -O1 compiles half again as long)
# and line tables only, for the reports' stacks, keep it near two minutes on two cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" reliability
cmake -S "$root" -B "$root/build-tsan" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O0 -gline-tables-only" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 -DMINIDL_BUILD_EXAMPLES=OFF -DMINIDL_BUILD_BENCH=OFF \
  -DMINIDL_INSTALL=OFF -DMINIDL_MPI=OFF -DMINIDL_SANITIZE_THREAD=ON >/dev/null
cmake --build "$root/build-tsan" --parallel "$(nproc)" --target minidl_thread_tests
# OpenBLAS is not instrumented: its own threads, invisible to TSan, stay off (one thread), so that
# every thread TSan watches is minidl's or the tests'.
export OPENBLAS_NUM_THREADS=1
# The suppressions file says what it suppresses and why.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/reliability/threads.tsan-suppressions
cd "$root/build-tsan/tests"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
