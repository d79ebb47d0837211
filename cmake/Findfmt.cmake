# Findfmt: {fmt} as fmt::fmt. Its own package config when there is one for
# this target (Debian's libfmt-dev, vcpkg, brew); otherwise, as when
# cross-compiling with MinGW against the host's headers, header-only.
# STRAIT_FMT_HEADER_ONLY=ON takes the headers only, for a build whose C++
# library differs from the one the installed libfmt was built with (the
# linux-libcxx preset: libc++ against Debian's libstdc++ libfmt).
if(NOT STRAIT_FMT_HEADER_ONLY)
  find_package(fmt CONFIG QUIET)
endif()
if(fmt_FOUND AND TARGET fmt::fmt)
  include(FindPackageHandleStandardArgs)
  find_package_handle_standard_args(fmt CONFIG_MODE)
  return()
endif()

find_path(fmt_INCLUDE_DIR NAMES fmt/format.h)
if(fmt_INCLUDE_DIR AND EXISTS "${fmt_INCLUDE_DIR}/fmt/core.h")
  file(STRINGS "${fmt_INCLUDE_DIR}/fmt/core.h" fmt_version_line REGEX "^#define FMT_VERSION [0-9]+")
  string(REGEX REPLACE "^#define FMT_VERSION ([0-9]+).*" "\\1" fmt_version_number "${fmt_version_line}")
  # FMT_VERSION is major * 10000 + minor * 100 + patch.
  math(EXPR fmt_major "${fmt_version_number} / 10000")
  math(EXPR fmt_minor "${fmt_version_number} / 100 % 100")
  math(EXPR fmt_patch "${fmt_version_number} % 100")
  set(fmt_VERSION "${fmt_major}.${fmt_minor}.${fmt_patch}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(fmt REQUIRED_VARS fmt_INCLUDE_DIR VERSION_VAR fmt_VERSION)

if(fmt_FOUND AND NOT TARGET fmt::fmt)
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${fmt_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY)
endif()
mark_as_advanced(fmt_INCLUDE_DIR)
