# Cross-compiling strait for Windows with MinGW-w64 from Linux (Debian's
# g++-mingw-w64-x86-64-posix); tests run under Wine through cmake/wine-run.
# See ../shared/WINE.md for why each line is here.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# Header-only dependencies come from the host's /usr/include, but /usr/include
# itself must never be on the MinGW include path (glibc headers clash): link
# just those headers into a directory of their own and search there.
set(strait_host_headers ${CMAKE_BINARY_DIR}/mingw-host-headers)
foreach(entry asio asio.hpp fmt catch2)
  if(EXISTS /usr/include/${entry} AND NOT EXISTS ${strait_host_headers}/include/${entry})
    file(MAKE_DIRECTORY ${strait_host_headers}/include)
    file(CREATE_LINK /usr/include/${entry} ${strait_host_headers}/include/${entry} SYMBOLIC)
  endif()
endforeach()

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${strait_host_headers})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Fully static: with the posix thread model, -static-libstdc++ alone still
# needs libwinpthread-1.dll, and the .exe then exits with 53 under Wine.
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
# A shared strait.dll (BUILD_SHARED_LIBS) too: it then needs no MinGW runtime
# DLLs beside it, only Windows' own. Its C++ runtime is its own copy, as in
# each executable; they share the C runtime (msvcrt), so memory allocated on
# one side is freed on the other, and exceptions cross (SEH unwinding).
set(CMAKE_SHARED_LINKER_FLAGS_INIT -static)

set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../wine-run)
