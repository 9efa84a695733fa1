#!/usr/bin/env bash
# Sets up, builds and runs minidl's main example. Arguments go to the example.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh"
"$root/build/examples/forecast_sunspots" "$@"
