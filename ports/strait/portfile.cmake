# vcpkg port of strait (docs/packaging.md).
#
# In this repository it is an overlay port that builds the checkout it lies
# in, no download:
#   vcpkg install strait --overlay-ports=<checkout>/ports
# Copied into a registry or an overlay directory of its own, it fetches the
# sources with git instead: set URL to your fork and REF to the commit to build.
set(strait_checkout "${CURRENT_PORT_DIR}/../..")
if(EXISTS "${strait_checkout}/core/include/strait/strait.hpp")
  get_filename_component(SOURCE_PATH "${strait_checkout}" ABSOLUTE)
else()
  vcpkg_from_git(
    OUT_SOURCE_PATH SOURCE_PATH
    URL https://github.com/OWNER/REPO.git
    REF 0000000000000000000000000000000000000000  # the full commit hash of the release
    HEAD_REF main
  )
endif()

# The library alone: the tests, examples, tools and benchmarks are strait's own.
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DSTRAIT_BUILD_TESTS=OFF
    -DSTRAIT_BUILD_EXAMPLES=OFF
    -DSTRAIT_BUILD_TOOLS=OFF
    -DSTRAIT_BUILD_BENCH=OFF
    -DSTRAIT_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME strait CONFIG_PATH lib/cmake/strait)

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
