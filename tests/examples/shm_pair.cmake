# Runs examples/shm_writer and shm_reader at the same time (an execute_process
# pipeline starts its commands concurrently) on a fresh name, and checks the
# reader printed the writer's message.
#   cmake -D WRITER=... -D READER=... [-D EMULATOR=wine-run] -P shm_pair.cmake
string(RANDOM LENGTH 12 ALPHABET 0123456789abcdef suffix)
set(name "shm-example-${suffix}")
execute_process(
  COMMAND ${EMULATOR} ${WRITER} ${name}
  COMMAND ${EMULATOR} ${READER} ${name}
  OUTPUT_VARIABLE out ERROR_VARIABLE err
  RESULTS_VARIABLE codes TIMEOUT 50)
message(STATUS "reader said: ${out}")
if(NOT codes STREQUAL "0;0")
  message(FATAL_ERROR "writer;reader exit codes: ${codes}\n${err}")
endif()
if(NOT out MATCHES "read \"hello from shm_writer\" from ${name}")
  message(FATAL_ERROR "the reader did not print the message:\n${out}\n${err}")
endif()
