#!/usr/bin/env bash
# Installs the Debian packages minidl builds against, only those that are missing.
# Usage: scripts/setup.sh [reliability]; "reliability" adds what the test suite's sanitizer,
# fuzzing and memcheck runs need (clang with its runtimes, valgrind), OpenMPI for the
# data-parallel tests (minidl builds without minidl::distributed where MPI is absent), and Doxygen
# for the API reference's test (docs/build-api-docs.sh).
set -euo pipefail

minidl_packages=(
  cmake g++ make pkgconf
  libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev
  libfmt-dev doctest-dev nlohmann-json3-dev libhdf5-dev libzip-dev libcsv-dev zlib1g-dev
  libcli11-dev gnuplot-nox graphviz
)
if [[ ${1:-} == reliability ]]; then
  minidl_packages+=(clang libclang-rt-14-dev valgrind libopenmpi-dev openmpi-bin doxygen)
fi

missing=()
for package in "${minidl_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "minidl: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "minidl: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
