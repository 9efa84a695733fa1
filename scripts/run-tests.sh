#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through CTest: first the sanitized build with the
# fuzzers (scripts/run-sanitized-tests.sh), then the threading tests under ThreadSanitizer
# (scripts/run-thread-sanitized-tests.sh), then the Release build, with the main example under
# valgrind's memcheck.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/run-sanitized-tests.sh"  # installs what every run needs
bash "$root/scripts/run-thread-sanitized-tests.sh"
# Unity builds (batches of eight sources) keep both builds and both suites near ten minutes on two
# cores (a build/ first configured by run-example.sh compiles file by file, which also checks
# that every source includes what it uses).
bash "$root/scripts/build.sh" -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
cd "$root/build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
