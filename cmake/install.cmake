# `cmake --install` lays out headers under include/minidl and exports minidl::minidl for
# find_package(minidl).
include(CMakePackageConfigHelpers)

install(TARGETS minidl EXPORT minidlTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES minidl.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl)
foreach(module core autograd layers optim losses metrics models io streaming datasets)
  install(DIRECTORY ${module} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT minidlTargets NAMESPACE minidl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

configure_package_config_file(cmake/minidlConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/minidlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/minidlConfigVersion.cmake cmake/libcsv.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
