#!/usr/bin/env bash
# Builds minidl's API reference with Doxygen (Debian's `doxygen` package) from the headers that
# `cmake --install` installs, and fails on any Doxygen warning.
# Usage: bash docs/build-api-docs.sh [output folder]    (default: build/api-docs; open html/index.html)
# The headers are those of cmake/install.cmake: every .hpp of the installed modules (distributed/
# too, built when MPI is found) and minidl.hpp, without core/kernels/ and the internal headers it
# lists. Their plain `//` comments become the documentation through docs/doxygen-filter.pl.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mkdir -p "${1:-$root/build/api-docs}" && cd "${1:-$root/build/api-docs}" && pwd)
doxygen=${DOXYGEN:-doxygen}
if ! command -v "$doxygen" >/dev/null; then
  echo "minidl: doxygen not found (apt-get install doxygen, or scripts/setup.sh reliability)" >&2
  exit 1
fi
cd "$root"

# The installed modules and the internal headers, read from cmake/install.cmake.
read -r -a modules <<<"$(sed -n 's/^set(minidl_installed_modules \(.*\))$/\1/p' cmake/install.cmake)"
modules+=(distributed)
mapfile -t internal < <(sed -n '/^set(minidl_internal_headers/,/)/p' cmake/install.cmake | tr -s ' ()' '\n' | grep '\.hpp$')
if ((${#modules[@]} < 2 || ${#internal[@]} == 0)); then
  echo "minidl: could not read the installed modules and internal headers from cmake/install.cmake" >&2
  exit 1
fi
headers=(minidl.hpp)
while IFS= read -r header; do
  is_internal=0
  for skip in "${internal[@]}"; do [[ $header == "$skip" ]] && is_internal=1 && break; done
  ((is_internal)) || headers+=("$header")
done < <(find "${modules[@]}" -name '*.hpp' -not -path '*/kernels/*' | LC_ALL=C sort)

warnings=$out/warnings.log
rm -f "$warnings"
status=0
{
  cat docs/Doxyfile
  echo "INPUT = ${headers[*]}"
  echo "OUTPUT_DIRECTORY = $out"
  echo "WARN_LOGFILE = $warnings"
} | "$doxygen" - || status=$?
if [[ -s $warnings ]]; then
  cat "$warnings" >&2
  echo "minidl: the API reference has $(grep -c . "$warnings") line(s) of Doxygen warnings (above)" >&2
  exit 1
fi
if ((status != 0)); then
  echo "minidl: doxygen failed (exit status $status)" >&2
  exit "$status"
fi
echo "minidl: API reference of ${#headers[@]} headers in $out/html/index.html"
