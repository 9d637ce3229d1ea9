# Finds libuv and defines uvr_libuv, the target to link: libuv's own CMake
# package where it ships one (libuv 1.45 and later install libuv::uv), else
# its pkg-config file (Debian's libuv1-dev). The installed package config
# repeats this lookup for consumers (cmake/uvreactorConfig.cmake.in).
if(NOT TARGET uvr_libuv)
  find_package(libuv CONFIG QUIET)
  add_library(uvr_libuv INTERFACE)
  if(TARGET libuv::uv)
    target_link_libraries(uvr_libuv INTERFACE libuv::uv)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(UVR_LIBUV REQUIRED IMPORTED_TARGET GLOBAL libuv>=1.44)
    target_link_libraries(uvr_libuv INTERFACE PkgConfig::UVR_LIBUV)
  endif()
endif()
