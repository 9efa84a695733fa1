#!/usr/bin/env bash
# Installs the built (static) minidl into a scratch prefix and uses it from outside, as a user's
# project would (consume_installed.sh). Usage: install_and_consume.sh <build dir> <scratch dir>
set -euo pipefail
build=$1 scratch=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
bash "$here/consume_installed.sh" "$scratch/prefix" "$scratch" --static
