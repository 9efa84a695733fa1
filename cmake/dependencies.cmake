# Every dependency comes from a Debian package; scripts/setup.sh installs them. A missing one stops
# the configure step with one line naming the package to install.
include(GNUInstallDirs)

macro(minidl_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "minidl: missing dependency ${package}: apt-get install ${debian_package} (or run scripts/setup.sh)")
  endif()
endmacro()

minidl_require(fmt libfmt-dev)
minidl_require(xtl libxtl-dev)
minidl_require(xsimd libxsimd-dev)
minidl_require(xtensor libxtensor-dev)
minidl_require(xtensor-blas libxtensor-blas-dev)
set(BLA_VENDOR OpenBLAS)
minidl_require(BLAS libopenblas-dev)
minidl_require(nlohmann_json nlohmann-json3-dev 3)
