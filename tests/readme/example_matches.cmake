# cmake -D README=README.md -D EXAMPLE=examples/hello.cpp -P example_matches.cmake
#
# Fails unless the README's first ```cpp block is exactly EXAMPLE, so the
# example readers copy is the one the build compiles and ctest runs.
foreach(var README EXAMPLE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "usage: cmake -D README=... -D EXAMPLE=... -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
endforeach()

file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
# Compare text, not line endings (a Windows checkout may have CRLF).
string(REPLACE "\r\n" "\n" readme "${readme}")
string(REPLACE "\r\n" "\n" example "${example}")

string(FIND "${readme}" "\n```cpp\n" open)
if(open EQUAL -1)
  message(FATAL_ERROR "${README} has no ```cpp block")
endif()
math(EXPR start "${open} + 8")
string(SUBSTRING "${readme}" ${start} -1 rest)
string(FIND "${rest}" "\n```" close)
if(close EQUAL -1)
  message(FATAL_ERROR "${README}: the first ```cpp block is not closed")
endif()
math(EXPR length "${close} + 1")  # keep the block's last newline
string(SUBSTRING "${rest}" 0 ${length} block)

if(NOT block STREQUAL example)
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp" "${block}")
  message(FATAL_ERROR
    "The first ```cpp block of ${README} differs from ${EXAMPLE}.\n"
    "Copy one onto the other; to see the difference:\n"
    "  diff ${EXAMPLE} ${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp")
endif()
message(STATUS "README example matches ${EXAMPLE}")
