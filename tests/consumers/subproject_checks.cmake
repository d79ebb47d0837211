# What a project that builds strait inside its own (FetchContent,
# add_subdirectory) must be able to count on, checked in the consumers of
# tests/consumers:
#   strait_consumer_snapshot()  before strait is added
#   strait_consumer_check()     after: FATAL_ERROR on the first breach
# strait::strait is the same alias target as the installed package's; strait
# builds nothing of its own (tests, examples, tools, bench) when it is not the
# top-level project; and it leaves the including directory's flags,
# definitions, options and module path as they were: its warnings and
# Windows definitions stay on its own targets (STYLE.md, "fmt and Catch2").

set(strait_consumer_watched_variables
  CMAKE_CXX_FLAGS CMAKE_CXX_STANDARD CMAKE_CXX_EXTENSIONS CMAKE_MODULE_PATH
  CMAKE_POSITION_INDEPENDENT_CODE BUILD_SHARED_LIBS CMAKE_EXE_LINKER_FLAGS)
set(strait_consumer_watched_properties
  COMPILE_DEFINITIONS COMPILE_OPTIONS INCLUDE_DIRECTORIES LINK_OPTIONS LINK_DIRECTORIES)

macro(strait_consumer_snapshot)
  foreach(name IN LISTS strait_consumer_watched_variables)
    set(strait_consumer_before_${name} "${${name}}")
  endforeach()
  foreach(property IN LISTS strait_consumer_watched_properties)
    get_directory_property(strait_consumer_before_property_${property} ${property})
  endforeach()
endmacro()

function(strait_consumer_check)
  if(NOT TARGET strait::strait)
    message(FATAL_ERROR "no strait::strait target")
  endif()
  get_target_property(aliased strait::strait ALIASED_TARGET)
  if(NOT aliased STREQUAL "strait")
    message(FATAL_ERROR "strait::strait is not an alias of strait (${aliased})")
  endif()
  get_target_property(interface_options strait INTERFACE_COMPILE_OPTIONS)
  if(interface_options)
    message(FATAL_ERROR "strait::strait hands its users compile options: ${interface_options}")
  endif()

  foreach(target strait_conformance strait_unit_tests strait_child_process strait_catch2_main
                 strait_tool strait-bench hello echo_server tour)
    if(TARGET ${target})
      message(FATAL_ERROR "strait as a subproject defined its own target ${target}")
    endif()
  endforeach()

  foreach(name IN LISTS strait_consumer_watched_variables)
    if(NOT "${${name}}" STREQUAL "${strait_consumer_before_${name}}")
      message(FATAL_ERROR "adding strait changed ${name}: "
                          "'${strait_consumer_before_${name}}' -> '${${name}}'")
    endif()
  endforeach()
  foreach(property IN LISTS strait_consumer_watched_properties)
    get_directory_property(now ${property})
    if(NOT "${now}" STREQUAL "${strait_consumer_before_property_${property}}")
      message(FATAL_ERROR "adding strait changed this directory's ${property}: "
                          "'${strait_consumer_before_property_${property}}' -> '${now}'")
    endif()
  endforeach()
  message(STATUS "strait as a subproject: strait::strait, nothing else built, no flags leaked")
endfunction()
