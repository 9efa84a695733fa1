# `cmake --install` lays out headers under include/minidl, exports minidl::minidl for
# find_package(minidl) and writes minidl.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(minidl_installed_targets minidl)
set(minidl_installed_modules core autograd layers optim losses metrics models io streaming datasets)
if(MINIDL_WITH_MPI)
  list(APPEND minidl_installed_targets minidl_distributed)
  list(APPEND minidl_installed_modules distributed)
endif()
# libminidl.so.0.2.0, with the soname libminidl.so.0.2 (before 1.0 each minor version has its ABI).
set_target_properties(${minidl_installed_targets} PROPERTIES VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
install(TARGETS ${minidl_installed_targets} EXPORT minidlTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES minidl.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl)
# Headers no installed header includes: the kernels, the ops' shared arithmetic, the option and
# config helpers of the layers, the file formats' internals. (tests/install checks that every
# installed header compiles on its own.)
set(minidl_internal_headers
  autograd/ops/recurrent_cell_math.hpp autograd/ops/unary_op.hpp core/scratch.hpp
  io/child_process.hpp io/csv_reader.hpp io/hdf5_file.hpp io/zip_archive.hpp
  layers/config_fields.hpp layers/conv_arguments.hpp layers/depthwise_options.hpp layers/dropout_mask.hpp
  layers/kernel_bias_options.hpp
  metrics/confusion_counts.hpp
  models/checksum.hpp models/distributed_fit.hpp models/framed_file.hpp models/keras_weights.hpp models/rebuild.hpp
  models/summary_table.hpp
  optim/shared_options.hpp
  streaming/plan.hpp streaming/stages.hpp
  distributed/gradient_buckets.hpp)
set(minidl_internal_header_patterns PATTERN kernels EXCLUDE)
foreach(header ${minidl_internal_headers})
  list(APPEND minidl_internal_header_patterns REGEX "/${header}$" EXCLUDE)
endforeach()
foreach(module ${minidl_installed_modules})
  install(DIRECTORY ${module} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl FILES_MATCHING PATTERN "*.hpp"
          ${minidl_internal_header_patterns})
endforeach()
install(EXPORT minidlTargets NAMESPACE minidl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

if(BUILD_SHARED_LIBS)
  set(minidl_built_shared ON)
else()
  set(minidl_built_shared OFF)
endif()
configure_package_config_file(cmake/minidlConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
# Before 1.0 a minor version may break the API: find_package(minidl 0.2) takes 0.2.x only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake cmake/libcsv.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

# pkg-config: fmt and nlohmann_json carry .pc files of their own; a static libminidl also needs
# what it calls, for `pkg-config --static --libs minidl`. The prefix is found from the .pc file's
# own place, so that `cmake --install --prefix` anywhere gives a working file.
if(BUILD_SHARED_LIBS)
  set(minidl_pc_requires_private "")
  set(minidl_pc_libs_private "")
else()
  set(minidl_pc_requires_private "hdf5-serial libzip openblas zlib")
  set(minidl_pc_libs_private "-lcsv")  # libcsv has no .pc file of its own
endif()
file(RELATIVE_PATH minidl_pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(cmake/minidl.pc.in ${CMAKE_CURRENT_BINARY_DIR}/minidl.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minidl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
