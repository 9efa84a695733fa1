# `cmake --install` lays out headers under include/minidl and exports minidl::minidl for
# find_package(minidl).
include(CMakePackageConfigHelpers)

set(minidl_installed_targets minidl)
set(minidl_installed_modules core autograd layers optim losses metrics models io streaming datasets)
if(MINIDL_WITH_MPI)
  list(APPEND minidl_installed_targets minidl_distributed)
  list(APPEND minidl_installed_modules distributed)
endif()
install(TARGETS ${minidl_installed_targets} EXPORT minidlTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES minidl.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl)
foreach(module ${minidl_installed_modules})
  # gradient_buckets.hpp is internal to minidl::distributed (it includes mpi.h, which is private there).
  install(DIRECTORY ${module} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl FILES_MATCHING PATTERN "*.hpp"
          PATTERN "gradient_buckets.hpp" EXCLUDE)
endforeach()
install(EXPORT minidlTargets NAMESPACE minidl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

configure_package_config_file(cmake/minidlConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake cmake/libcsv.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
