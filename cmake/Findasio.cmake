# Findasio: standalone asio (header-only), as the imported target asio::asio.
#
# Debian's libasio-dev ships no CMake config; vcpkg's asio ships one
# (asio-config.cmake, target asio::asio). Use that when it exists, else find
# the header and read the version from asio/version.hpp.
find_package(asio CONFIG QUIET)
if(asio_FOUND AND TARGET asio::asio)
  # vcpkg's target defines ASIO_STANDALONE itself.
  include(FindPackageHandleStandardArgs)
  find_package_handle_standard_args(asio CONFIG_MODE)
  return()
endif()

find_path(asio_INCLUDE_DIR NAMES asio.hpp PATH_SUFFIXES asio/include)
if(asio_INCLUDE_DIR AND EXISTS "${asio_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${asio_INCLUDE_DIR}/asio/version.hpp" asio_version_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1" asio_version_number "${asio_version_line}")
  # ASIO_VERSION is XXYYZZ: major * 100000 + minor * 100 + patch.
  math(EXPR asio_major "${asio_version_number} / 100000")
  math(EXPR asio_minor "${asio_version_number} / 100 % 1000")
  math(EXPR asio_patch "${asio_version_number} % 100")
  set(asio_VERSION "${asio_major}.${asio_minor}.${asio_patch}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(asio
  REQUIRED_VARS asio_INCLUDE_DIR
  VERSION_VAR asio_VERSION)

if(asio_FOUND AND NOT TARGET asio::asio)
  add_library(asio::asio INTERFACE IMPORTED)
  set_target_properties(asio::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${asio_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED")
endif()
mark_as_advanced(asio_INCLUDE_DIR)
