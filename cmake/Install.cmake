# Install rules: the libraries, the public headers, a CMake package
# (find_package(uvreactor 0.2) gives uvreactor::uvreactor and
# uvreactor::testing) and a pkg-config file (uvreactor.pc).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS uvreactor uvreactor_testing EXPORT uvreactorTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/reactor/include/uvreactor
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(UVR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/uvreactor)
install(EXPORT uvreactorTargets NAMESPACE uvreactor:: DESTINATION ${UVR_CMAKE_DIR})
set(UVR_HAS_TLS ${UVR_TLS})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/uvreactorConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/uvreactorConfig.cmake
                              INSTALL_DESTINATION ${UVR_CMAKE_DIR})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.z only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/uvreactorConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/uvreactorConfig.cmake
              ${PROJECT_BINARY_DIR}/uvreactorConfigVersion.cmake
        DESTINATION ${UVR_CMAKE_DIR})

# The .pc file finds its prefix from its own location, so a tree installed
# with `cmake --install --prefix` anywhere (or moved) still works.
file(RELATIVE_PATH UVR_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" UVR_PC_TO_PREFIX "${UVR_PC_TO_PREFIX}")
if(UVR_TLS)
  set(UVR_PC_TLS yes)
  set(UVR_PC_REQUIRES "libuv >= 1.44, libssl >= 3, libcrypto >= 3")
else()
  set(UVR_PC_TLS no)
  set(UVR_PC_REQUIRES "libuv >= 1.44")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/uvreactor.pc.in ${PROJECT_BINARY_DIR}/uvreactor.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/uvreactor.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
