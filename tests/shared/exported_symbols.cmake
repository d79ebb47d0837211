# shared.exported_symbols: a shared strait exports its public API, asio's own
# code, and nothing of strait::detail (README, "Shared library").
#
#   cmake -D LIBRARY=libstrait.so -D NM=nm -P exported_symbols.cmake
#   cmake -D LIBRARY=strait.dll -D OBJDUMP=objdump -D CXXFILT=c++filt -P ...
#
# ELF: the dynamic symbols `nm -D --defined-only -C` lists. PE: the export
# table `objdump -p` prints, demangled by c++filt (MinGW GCC mangles as GCC
# does on Linux).
#
# A symbol's own name is its demangled name with the parameter lists taken
# out and the template arguments kept. A symbol is refused when its own name
#   - names strait::detail:: (a parameter may: channel::start_send(...,
#     strait::detail::completion<...>) is what the async_* templates of the
#     public headers call from user code), or
#   - names asio:: and strait:: both: asio code instantiated on strait's own
#     types is strait's, not asio's.
# asio's own symbols are exported on ELF, as asio's headers ask (they push
# default visibility): the program's io_context runs strait's operations, and
# both sides must share asio's thread-local call stack, service ids and error
# categories. A strait built with ASIO_DISABLE_VISIBILITY crashed in
# scheduler::compensating_work_started, called from strait's reactor code in
# a handler the program's io_context ran (the conformance suite's async
# cases). The public API needs them as it needs asio.

# Symbols exported although refused by the rules above, each with the reason.
# (None today.)
set(allowed "")

# The API must be there, which also proves the tool read the library. Each
# entry is the start of a demangled name (std::size_t is unsigned long on
# Linux, unsigned long long on 64-bit Windows).
set(required
  "strait::category()"
  "strait::version()"
  "strait::connect(asio::io_context&, std::basic_string_view<char, std::char_traits<char> >, strait::connect_options)"
  "strait::channel::send(asio::const_buffer)"
  "strait::channel::start_send(asio::const_buffer, strait::detail::completion<void (std::error_code, unsigned long"
  "strait::named_mutex::lock()"
  "strait::shared_memory::create(")

if(DEFINED NM)
  execute_process(COMMAND ${NM} -D --defined-only -C ${LIBRARY}
    OUTPUT_VARIABLE listing ERROR_VARIABLE err RESULT_VARIABLE code)
  set(line_pattern "^[0-9a-fA-F]+ [A-Za-z] (.+)$")
else()
  execute_process(COMMAND ${OBJDUMP} -p ${LIBRARY}
    OUTPUT_VARIABLE table ERROR_VARIABLE err RESULT_VARIABLE code)
  if(code STREQUAL "0")
    string(FIND "${table}" "[Ordinal/Name Pointer] Table" start)
    if(start EQUAL -1)
      message(FATAL_ERROR "${LIBRARY} has no export table:\n${table}")
    endif()
    string(SUBSTRING "${table}" ${start} -1 table)
    string(REGEX MATCHALL "\t\\[ *[0-9]+\\] [^\n]+" entries "${table}")
    string(REGEX REPLACE "\t\\[ *[0-9]+\\] " "" names "${entries}")
    string(REPLACE ";" "\n" names "${names}")
    file(WRITE ${LIBRARY}.exports.txt "${names}\n")
    execute_process(COMMAND ${CXXFILT} INPUT_FILE ${LIBRARY}.exports.txt
      OUTPUT_VARIABLE listing ERROR_VARIABLE err RESULT_VARIABLE code)
  endif()
  set(line_pattern "^(.+)$")
endif()
if(NOT code STREQUAL "0")
  message(FATAL_ERROR "listing the symbols of ${LIBRARY} failed (${code}): ${err}")
endif()

# One symbol per list element: brackets would bind list elements together.
string(REPLACE "[" "{" listing "${listing}")
string(REPLACE "]" "}" listing "${listing}")
string(REPLACE ";" "," listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")

set(names "")
set(refused "")
set(asio_count 0)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "${line_pattern}")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  list(APPEND names "${name}")
  # What the symbol is of: "vtable for X" is X's.
  string(REGEX REPLACE "^((typeinfo|typeinfo name|vtable|VTT|construction vtable|guard variable|TLS init function|TLS wrapper function) for |(non-virtual|virtual) thunk to )+" "" own "${name}")
  # Parameter lists out, innermost first.
  set(previous "")
  while(NOT own STREQUAL previous)
    set(previous "${own}")
    string(REGEX REPLACE "\\([^()]*\\)" "" own "${own}")
  endwhile()
  set(internal FALSE)
  if(own MATCHES "(^|[^A-Za-z0-9_:])strait::detail::")
    set(internal TRUE)
  elseif(own MATCHES "(^|[^A-Za-z0-9_:])asio::" AND own MATCHES "(^|[^A-Za-z0-9_:])strait::")
    set(internal TRUE)
  elseif(own MATCHES "(^|[^A-Za-z0-9_:])asio::")
    math(EXPR asio_count "${asio_count} + 1")
  endif()
  if(internal)
    set(is_allowed FALSE)
    foreach(pattern IN LISTS allowed)
      if(name MATCHES "${pattern}")
        set(is_allowed TRUE)
      endif()
    endforeach()
    if(NOT is_allowed)
      list(APPEND refused "${name}")
    endif()
  endif()
endforeach()

list(LENGTH names count)
message(STATUS "${LIBRARY} exports ${count} symbols, ${asio_count} of them asio's own")
set(missing "")
foreach(symbol IN LISTS required)
  set(found FALSE)
  foreach(name IN LISTS names)
    string(FIND "${name}" "${symbol}" at)
    if(at EQUAL 0)
      set(found TRUE)
      break()
    endif()
  endforeach()
  if(NOT found)
    list(APPEND missing "${symbol}")
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing)
  message(SEND_ERROR "not exported, but the public API:\n  ${missing}")
endif()
if(refused)
  list(LENGTH refused refused_count)
  list(JOIN refused "\n  " refused)
  message(SEND_ERROR "${refused_count} internal symbols exported:\n  ${refused}")
endif()
