# strait_set_warnings(target): high warning levels on strait's own targets,
# errors too when STRAIT_WARNINGS_AS_ERRORS is on (the CI presets).
function(strait_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive- /utf-8)
    # C4996 calls std::getenv and std::sscanf "unsafe": the conformance suite
    # reads STRAIT_TRANSPORT, the hostile shm client parses with a bounded %199s.
    target_compile_definitions(${target} PRIVATE _CRT_SECURE_NO_WARNINGS)
    if(STRAIT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                             -Wno-sign-conversion)
    if(STRAIT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
