# libcsv (Debian's libcsv-dev) comes with neither a CMake package nor a pkg-config file, so its
# imported target is made here; minidl's build and its installed package both include this file.
if(NOT TARGET minidl_libcsv)
  find_path(MINIDL_LIBCSV_INCLUDE_DIR csv.h)
  find_library(MINIDL_LIBCSV_LIBRARY csv)
  if(NOT MINIDL_LIBCSV_INCLUDE_DIR OR NOT MINIDL_LIBCSV_LIBRARY)
    message(FATAL_ERROR "minidl: missing dependency libcsv: apt-get install libcsv-dev (or run scripts/setup.sh)")
  endif()
  add_library(minidl_libcsv UNKNOWN IMPORTED)
  set_target_properties(minidl_libcsv PROPERTIES IMPORTED_LOCATION "${MINIDL_LIBCSV_LIBRARY}"
                                                 INTERFACE_INCLUDE_DIRECTORIES "${MINIDL_LIBCSV_INCLUDE_DIR}")
endif()
