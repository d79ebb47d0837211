# Catch2 for the tests, v3 or v2, whichever is installed, as one target:
#   strait::catch2_main  Catch2 plus a main(); STRAIT_CATCH2_V3=0|1 tells
#                        tests/support/catch.hpp which headers to include.
# and catch_discover_tests() from Catch2's Catch.cmake (it runs test binaries
# through CMAKE_CROSSCOMPILING_EMULATOR, i.e. Wine in the mingw-wine preset).
#
# Debian ships v2.13 (header-only), vcpkg and brew ship v3. When cross-compiling,
# the host's Catch2 targets are Linux libraries: only its header is used.

if(NOT CMAKE_CROSSCOMPILING)
  find_package(Catch2 CONFIG QUIET)
endif()

if(Catch2_FOUND AND Catch2_VERSION VERSION_GREATER_EQUAL 3)
  add_library(strait_catch2_main INTERFACE)
  target_link_libraries(strait_catch2_main INTERFACE Catch2::Catch2WithMain)
  target_compile_definitions(strait_catch2_main INTERFACE STRAIT_CATCH2_V3=1)
  set(strait_catch_module_dir ${Catch2_DIR})
else()
  find_path(STRAIT_CATCH2_INCLUDE_DIR NAMES catch2/catch.hpp)
  if(NOT STRAIT_CATCH2_INCLUDE_DIR)
    message(FATAL_ERROR "Catch2 not found: install it (scripts/install-deps) or set STRAIT_BUILD_TESTS=OFF")
  endif()
  # Catch2 v2 is one large header: compile its main once, in a library.
  set(main_source ${CMAKE_CURRENT_BINARY_DIR}/strait_catch2_main.cpp)
  file(WRITE ${main_source}.in "#define CATCH_CONFIG_MAIN\n#include <catch2/catch.hpp>\n")
  configure_file(${main_source}.in ${main_source} COPYONLY)
  add_library(strait_catch2_main STATIC ${main_source})
  target_include_directories(strait_catch2_main SYSTEM PUBLIC ${STRAIT_CATCH2_INCLUDE_DIR})
  target_compile_features(strait_catch2_main PUBLIC cxx_std_20)
  target_compile_definitions(strait_catch2_main PUBLIC STRAIT_CATCH2_V3=0)
  if(Catch2_FOUND)
    set(strait_catch_module_dir ${Catch2_DIR})
  endif()
endif()
add_library(strait::catch2_main ALIAS strait_catch2_main)

# Catch.cmake is a build script, the same for every target system: take the
# host's even when cross-compiling.
find_file(STRAIT_CATCH_MODULE Catch.cmake
  HINTS ${strait_catch_module_dir}
  PATHS /usr/lib/cmake/Catch2 /usr/local/lib/cmake/Catch2 /usr/share/Catch2
        /usr/lib/cmake/Catch2/extras /opt/homebrew/lib/cmake/Catch2
  NO_CMAKE_FIND_ROOT_PATH)
if(NOT STRAIT_CATCH_MODULE)
  message(FATAL_ERROR "Catch2's Catch.cmake not found (install Catch2: scripts/install-deps)")
endif()
include(${STRAIT_CATCH_MODULE})
