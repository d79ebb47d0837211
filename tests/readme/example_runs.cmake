# cmake -D PROGRAM=path/to/hello -P example_runs.cmake
#
# Runs the README's example and checks that it succeeds and prints "hello".
if(NOT DEFINED PROGRAM)
  message(FATAL_ERROR "usage: cmake -D PROGRAM=... -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

execute_process(COMMAND "${PROGRAM}"
                RESULT_VARIABLE result
                OUTPUT_VARIABLE output
                ERROR_VARIABLE errors
                TIMEOUT 20)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${result}):\n${output}${errors}")
endif()
if(NOT output MATCHES "^hello\r?\n$")
  message(FATAL_ERROR "${PROGRAM} printed\n${output}\ninstead of \"hello\"")
endif()
message(STATUS "${PROGRAM} printed hello")
