# tool.version: `strait --version` prints "strait VERSION", VERSION being the
# project(VERSION) this build was configured with, and exits 0.
#   cmake -D TOOL=strait -D VERSION=x.y.z [-D EMULATOR=wine-run] -P version.cmake
execute_process(COMMAND ${EMULATOR} ${TOOL} --version
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code TIMEOUT 50)
string(REPLACE "\r\n" "\n" out "${out}")  # Wine's console
if(NOT code STREQUAL "0")
  message(FATAL_ERROR "strait --version exited with ${code}:\n${out}${err}")
endif()
if(NOT out STREQUAL "strait ${VERSION}\n")
  message(FATAL_ERROR "strait --version printed\n'${out}'\nnot\n'strait ${VERSION}'")
endif()
