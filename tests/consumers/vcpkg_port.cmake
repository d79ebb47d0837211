# cmake -D SOURCE_DIR=<checkout> -D WORK=<dir> -P vcpkg_port.cmake
#
# Runs ports/strait/portfile.cmake the way vcpkg does, with vcpkg's helpers
# replaced by the plain CMake commands they stand for, so that the port's
# build (its very configure options) is checked without vcpkg: configure,
# build and install into WORK/packages, then check what the port then
# expects there. tests/consumers/run builds a find_package consumer against
# the result. vcpkg_from_git must not be reached: in the repository the port
# builds the checkout.
foreach(var SOURCE_DIR WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "usage: cmake -D SOURCE_DIR=... -D WORK=... -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
endforeach()

set(PORT strait)
set(CURRENT_PORT_DIR "${SOURCE_DIR}/ports/strait")
set(CURRENT_BUILDTREES_DIR "${WORK}/buildtrees")
set(CURRENT_PACKAGES_DIR "${WORK}/packages")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}")
  endif()
endfunction()

function(vcpkg_from_git)
  message(FATAL_ERROR "the port fetched with git: it did not find the checkout it lies in")
endfunction()

# vcpkg: a Release build (and a Debug one) with its toolchain; here Release.
function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE")
  message(STATUS "portfile: configure ${arg_SOURCE_PATH} ${arg_OPTIONS}")
  run(${CMAKE_COMMAND} -S "${arg_SOURCE_PATH}" -B "${CURRENT_BUILDTREES_DIR}/rel" -G Ninja --fresh
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
      -DBUILD_SHARED_LIBS=OFF ${arg_OPTIONS} ${arg_OPTIONS_RELEASE})
endfunction()

function(vcpkg_cmake_install)
  run(${CMAKE_COMMAND} --build "${CURRENT_BUILDTREES_DIR}/rel")
  run(${CMAKE_COMMAND} --install "${CURRENT_BUILDTREES_DIR}/rel")
endfunction()

# vcpkg moves CONFIG_PATH to share/PACKAGE_NAME; here it must be there.
function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "PACKAGE_NAME;CONFIG_PATH" "")
  foreach(file ${arg_PACKAGE_NAME}-config.cmake ${arg_PACKAGE_NAME}-config-version.cmake
               ${arg_PACKAGE_NAME}-targets.cmake)
    if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}/${file}")
      message(FATAL_ERROR "the port's build installed no ${arg_CONFIG_PATH}/${file}")
    endif()
  endforeach()
endfunction()

function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "FILE_LIST")
  foreach(file IN LISTS arg_FILE_LIST)
    if(NOT EXISTS "${file}")
      message(FATAL_ERROR "the port's copyright file ${file} does not exist")
    endif()
  endforeach()
endfunction()

include("${CURRENT_PORT_DIR}/portfile.cmake")
if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/include/strait/strait.hpp")
  message(FATAL_ERROR "the port's build installed no include/strait/strait.hpp")
endif()
message(STATUS "portfile: built and installed into ${CURRENT_PACKAGES_DIR}")
