#!/usr/bin/env bash
# Uses an installed minidl as a user's project would, three ways: find_package (with xtensor, xtl,
# xsimd and xtensor-blas made unfindable: the package must not ask for them), pkg-config, and
# every installed header compiled on its own terms (none may include one that is not installed,
# or bring in xtensor but the optional bridge). Prints the consumers' output.
# Usage: consume_installed.sh <prefix> <scratch dir> [--static]
set -euo pipefail
prefix=$1 scratch=$2 static=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$scratch"

cmake -S "$here/consumer" -B "$scratch/find_package" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_DISABLE_FIND_PACKAGE_xtensor=ON -DCMAKE_DISABLE_FIND_PACKAGE_xtl=ON -DCMAKE_DISABLE_FIND_PACKAGE_xsimd=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_xtensor-blas=ON --no-warn-unused-cli >/dev/null
cmake --build "$scratch/find_package" >/dev/null
find_package_output=$("$scratch/find_package/consumer")  # a failing consumer ends the script here
echo "find_package: $find_package_output"

pc_dir=$(dirname "$(find "$prefix" -name minidl.pc)")
pc_flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs $static minidl)
# shellcheck disable=SC2086  # the flags are words
c++ -std=c++20 -O1 "$here/consumer/main.cpp" -o "$scratch/pkg_config_consumer" $pc_flags \
  -Wl,-rpath,"$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=libdir minidl)"
pkg_config_output=$("$scratch/pkg_config_consumer")
echo "pkg-config: $pkg_config_output"
pc_version=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --modversion minidl)
if [[ $pkg_config_output != *"version $pc_version" ]]; then
  echo "minidl.pc says version $pc_version, the installed header another" >&2
  exit 1
fi

# Each installed header in a file of its own: it must compile with nothing included before it.
headers="$scratch/headers"
rm -rf "$headers"
mkdir -p "$headers"
(cd "$prefix/include" && find minidl -name '*.hpp' | sort) | while read -r header; do
  file="$headers/$(echo "$header" | tr / _).cpp"
  echo "#include <$header>" > "$file"
  if [[ $header != minidl/core/xtensor_bridge.hpp ]]; then
    cat >> "$file" <<'END'
#if defined(XTENSOR_VERSION_MAJOR) || defined(XTL_VERSION_MAJOR) || defined(XSIMD_VERSION_MAJOR)
#error "an installed header other than core/xtensor_bridge.hpp brings in xtensor"
#endif
END
  fi
done
cflags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags minidl)
export cflags
find "$headers" -name '*.cpp' -print0 |
  xargs -0 -P "$(nproc)" -I{} sh -c 'c++ -std=c++20 -fsyntax-only $cflags "$1" || exit 255' sh {}
echo "headers: $(find "$headers" -name '*.cpp' | wc -l) compiled one by one from the installed tree"
