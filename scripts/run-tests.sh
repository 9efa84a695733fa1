#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through CTest: first the sanitized build with the
# fuzzers (scripts/run-sanitized-tests.sh), then the Release build, with the main example under
# valgrind's memcheck.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" reliability
bash "$root/scripts/run-sanitized-tests.sh"
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
