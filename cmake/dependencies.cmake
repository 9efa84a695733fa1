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
# CRC-32, the checksums of minidl's own files (private to the library).
minidl_require(ZLIB zlib1g-dev)
# Keras's own files: the .keras zip and HDF5 weights (private to the library), found through
# pkg-config: CMake's FindHDF5 wants a C compiler, and Debian 12's libzip CMake package names a
# zipcmp tool its -dev package does not install.
minidl_require(PkgConfig pkgconf)
macro(minidl_require_pkg prefix module debian_package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "minidl: missing dependency ${module}: apt-get install ${debian_package} (or run scripts/setup.sh)")
  endif()
endmacro()
minidl_require_pkg(MINIDL_HDF5 hdf5-serial libhdf5-dev)
minidl_require_pkg(MINIDL_LIBZIP libzip libzip-dev)
# CSV files read a chunk at a time (datasets/csv_dataset).
include(${CMAKE_CURRENT_LIST_DIR}/libcsv.cmake)
